#include "moema/io/sigmf.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>
#include <regex>

namespace moema::rx {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kVersion = "1.0.0";    // core:version of the files written
constexpr const char* kDatatype = "cf32_le";
constexpr std::size_t kSampleBytes = 8;
const std::string kPrefix = "moema:";

// Samples go to and from disk as they lie in memory, which is cf32_le only
// for two packed little-endian floats.
static_assert(sizeof(SampleF) == kSampleBytes, "cf32_le is two 4-byte floats");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "sigmf.cpp stores samples in host byte order, which must be little-endian for cf32_le"
#endif

// A meta that cannot stand for its channel; the reader falls back to another
// channel's. Its message is "<file>: <problem>".
struct MetaProblem : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string number(double x) { return json(x).dump(); }  // shortest round-trip form

std::string system_error() { return std::strerror(errno); }

// ---------------------------------------------------------------- writing

void require_arg(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("SigmfRecorder: " + what);
}

void validate(const std::string& name, const RecordingInfo& info) {
  require_arg(!name.empty() && name.find('/') == std::string::npos,
              "name must be a plain file name, got \"" + name + "\"");
  require_arg(info.channels >= 1, "channels must be >= 1, got " + std::to_string(info.channels));
  require_arg(std::isfinite(info.sample_rate) && info.sample_rate > 0,
              "sample_rate must be positive, got " + number(info.sample_rate));
  require_arg(std::isfinite(info.frequency), "frequency must be finite");
  require_arg(info.extension.is_object(), "extension must be a JSON object");
  // The recorder writes these per channel itself.
  require_arg(!info.extension.contains("channel") && !info.extension.contains("channels"),
              "extension keys \"channel\" and \"channels\" are reserved");
}

void put_extension(json& object, const json& extension) {
  for (const auto& [key, value] : extension.items()) object[kPrefix + key] = value;
}

json extensions_declaration() {
  json moema = json::object();
  moema["name"] = "moema";
  moema["version"] = "1.0.0";  // of the moema:* field set
  moema["optional"] = true;    // readers may ignore it: the core fields describe the samples
  return json::array({moema});
}

// ISO-8601 UTC with microseconds, the form core:datetime asks for.
std::string iso8601_utc(double seconds) {
  double whole = std::floor(seconds);
  long long micros = std::llround((seconds - whole) * 1e6);
  if (micros == 1000000) {  // x.9999996 rounds into the next second
    whole += 1;
    micros = 0;
  }
  const auto t = static_cast<std::time_t>(whole);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[48];
  const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(text + length, sizeof text - length, ".%06lldZ", micros);
  return text;
}

json annotation_json(const SigmfAnnotation& a) {
  json out = json::object();
  out["core:sample_start"] = a.sample_start;
  out["core:sample_count"] = a.sample_count;
  if (!a.label.empty()) out["core:label"] = a.label;
  if (!a.comment.empty()) out["core:comment"] = a.comment;
  put_extension(out, a.extension);
  return out;
}

void write_json(const std::string& path, const json& document) {
  std::ofstream out(path, std::ios::trunc);
  // Replace invalid UTF-8 in user strings rather than lose the whole file.
  out << document.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
  out.close();
  if (!out) throw SigmfError(path + ": cannot write (" + system_error() + ")");
}

// ---------------------------------------------------------------- reading

template <typename Error>
json load_json(const std::string& path, const std::string& kind) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path + ": missing " + kind);
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open " + kind + " (" + system_error() + ")");
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    throw Error(path + ": malformed " + kind + " (" + e.what() + ")");
  }
}

json take_extension(const json& object) {
  json out = json::object();
  for (const auto& [key, value] : object.items())
    if (key.compare(0, kPrefix.size(), kPrefix) == 0) out[key.substr(kPrefix.size())] = value;
  return out;
}

// A directory stands for the one collection in it.
std::string find_collection(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return path;
  std::vector<std::string> found;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".sigmf-collection") found.push_back(it->path().string());
  if (ec) throw SigmfError(path + ": cannot list directory (" + ec.message() + ")");
  if (found.size() != 1)
    throw SigmfError(path + ": holds " + std::to_string(found.size()) +
                     " .sigmf-collection files, expected exactly one");
  return found.front();
}

json load_collection(const std::string& path) {
  const json document = load_json<SigmfError>(path, ".sigmf-collection");
  if (!document.is_object() || !document.contains("collection") || !document.at("collection").is_object())
    throw SigmfError(path + ": .sigmf-collection has no \"collection\" object");
  return document.at("collection");
}

// A stream is {"name": ..., "hash": ...}; older writers used a [name, hash] pair.
const json* stream_name(const json& stream) {
  const json* name = nullptr;
  if (stream.is_object() && stream.contains("name")) name = &stream.at("name");
  if (stream.is_array() && !stream.empty()) name = &stream.at(0);
  return name != nullptr && name->is_string() && !name->get<std::string>().empty() ? name : nullptr;
}

// Each channel's path without extension, relative to the collection's directory.
std::vector<std::string> stream_bases(const std::string& path, const json& collection) {
  const auto streams = collection.find("core:streams");
  if (streams == collection.end() || !streams->is_array() || streams->empty())
    throw SigmfError(path + ": .sigmf-collection has no streams (collection.core:streams missing or empty)");
  const fs::path dir = fs::path(path).parent_path();
  std::vector<std::string> bases;
  for (const auto& stream : *streams) {
    const json* name = stream_name(stream);
    if (name == nullptr)
      throw SigmfError(path + ": stream " + std::to_string(bases.size()) + " of collection.core:streams has no name");
    bases.push_back((dir / name->get<std::string>()).string());
  }
  return bases;
}

// What the reader takes from a channel's meta.
struct MetaFields {
  double sample_rate = 0;
  double frequency = 0;
  std::vector<SigmfAnnotation> annotations;
  std::vector<SigmfCapture> captures;
  std::vector<std::string> notes;  // harmless problems, for the warnings
};

const json& member(const json& parent, const std::string& key, json::value_t type, const std::string& path) {
  const auto it = parent.find(key);
  if (it == parent.end() || it->type() != type)
    throw MetaProblem(path + ": .sigmf-meta has no " + key + " " +
                      (type == json::value_t::array ? "array" : "object"));
  return *it;
}

// Structurally wrong types are the meta's problem; a well-formed SigMF
// datatype other than cf32_le means this data cannot be decoded at all.
std::string checked_datatype(const json& global, const std::string& path) {
  const auto it = global.find("core:datatype");
  if (it == global.end() || !it->is_string()) throw MetaProblem(path + ": .sigmf-meta has no core:datatype string");
  static const std::regex sigmf_datatype("[rc]((f32|f64|i32|i16|u32|u16)_(le|be)|i8|u8)");
  const std::string type = it->get<std::string>();
  if (!std::regex_match(type, sigmf_datatype))
    throw MetaProblem(path + ": .sigmf-meta has core:datatype \"" + type + "\", not a SigMF datatype");
  return type;
}

double checked_sample_rate(const json& global, const std::string& path) {
  const auto it = global.find("core:sample_rate");
  const bool ok = it != global.end() && it->is_number() && std::isfinite(it->get<double>()) && it->get<double>() > 0;
  if (!ok) throw MetaProblem(path + ": .sigmf-meta has no positive core:sample_rate");
  return it->get<double>();
}

// The string `key` of an annotation, "" when absent.
std::string optional_string(const json& object, const std::string& key, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) return "";
  if (!it->is_string()) throw MetaProblem(where + " has a non-string " + key);
  return it->get<std::string>();
}

// An annotation's or capture's object and its required core:sample_start.
std::uint64_t required_sample_start(const json& object, const std::string& where) {
  if (!object.is_object()) throw MetaProblem(where + " is not an object");
  const auto start = object.find("core:sample_start");
  if (start == object.end() || !start->is_number_unsigned())
    throw MetaProblem(where + " has no core:sample_start (an unsigned integer)");
  return start->get<std::uint64_t>();
}

SigmfAnnotation parse_annotation(const json& object, const std::string& where) {
  SigmfAnnotation a;
  a.sample_start = required_sample_start(object, where);
  const auto count = object.find("core:sample_count");
  if (count != object.end() && !count->is_number_unsigned())
    throw MetaProblem(where + " has a core:sample_count that is not an unsigned integer");
  if (count != object.end()) a.sample_count = count->get<std::uint64_t>();
  a.label = optional_string(object, "core:label", where);
  a.comment = optional_string(object, "core:comment", where);
  a.extension = take_extension(object);
  return a;
}

// core:datetime in the UTC forms ISO-8601 allows ("...Z" or "...+00:00"),
// with or without a fraction of a second.
std::optional<double> parse_iso8601_utc(const std::string& text) {
  static const std::regex form(R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|\+00:00))");
  std::smatch m;
  if (!std::regex_match(text, m, form)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  const double fraction = m[7].matched ? std::stod("0" + m[7].str()) : 0.0;
  return static_cast<double>(timegm(&tm)) + fraction;
}

SigmfCapture parse_capture(const json& object, const std::string& where, std::vector<std::string>& notes) {
  SigmfCapture c;
  c.sample_start = required_sample_start(object, where);
  const auto rx_time = object.find(kPrefix + "rx_time");
  const auto datetime = object.find("core:datetime");
  if (rx_time != object.end() && rx_time->is_number() && std::isfinite(rx_time->get<double>())) {
    c.rx_time = rx_time->get<double>();
  } else if (datetime != object.end()) {
    if (datetime->is_string()) c.rx_time = parse_iso8601_utc(datetime->get<std::string>());
    if (!c.rx_time)
      notes.push_back(where + " has a core:datetime that is not an ISO-8601 UTC time (" + datetime->dump() +
                      "); its samples have no receive time");
  }
  return c;
}

double first_frequency(const json& captures, const std::string& path) {
  if (captures.empty()) return 0;
  const json& first = captures.at(0);
  if (!first.is_object()) throw MetaProblem(path + ": .sigmf-meta capture 0 is not an object");
  const auto it = first.find("core:frequency");
  return it != first.end() && it->is_number() ? it->get<double>() : 0.0;
}

// Throws MetaProblem if the meta cannot stand for its channel, SigmfError if
// it is sound but declares samples this library cannot read.
MetaFields parse_meta(const std::string& path) {
  const json meta = load_json<MetaProblem>(path, ".sigmf-meta");
  if (!meta.is_object()) throw MetaProblem(path + ": .sigmf-meta is not a JSON object");
  const json& global = member(meta, "global", json::value_t::object, path);
  const std::string type = checked_datatype(global, path);
  MetaFields fields;
  fields.sample_rate = checked_sample_rate(global, path);
  const json& captures = member(meta, "captures", json::value_t::array, path);
  fields.frequency = first_frequency(captures, path);
  for (std::size_t i = 0; i < captures.size(); ++i)
    fields.captures.push_back(parse_capture(captures[i], path + ": .sigmf-meta capture " + std::to_string(i), fields.notes));
  std::stable_sort(fields.captures.begin(), fields.captures.end(),
                   [](const auto& a, const auto& b) { return a.sample_start < b.sample_start; });
  const json& annotations = member(meta, "annotations", json::value_t::array, path);
  for (std::size_t i = 0; i < annotations.size(); ++i)
    fields.annotations.push_back(
        parse_annotation(annotations[i], path + ": .sigmf-meta annotation " + std::to_string(i)));
  std::stable_sort(fields.annotations.begin(), fields.annotations.end(),
                   [](const auto& a, const auto& b) { return a.sample_start < b.sample_start; });
  if (type != kDatatype)
    throw SigmfError(path + ": core:datatype " + type + " is not supported (supported: " + kDatatype + ")");
  return fields;
}

std::string join(const std::vector<std::string>& lines, const std::string& separator) {
  std::string out;
  for (const auto& line : lines) out += (out.empty() ? "" : separator) + line;
  return out;
}

}  // namespace

// ---------------------------------------------------------------- SigmfRecorder

SigmfRecorder::SigmfRecorder(const std::string& dir, const std::string& name, const RecordingInfo& info)
    : dir_(dir), name_(name), info_(info) {
  validate(name, info);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw SigmfError(dir + ": cannot create the recording directory (" + ec.message() + ")");
  collection_path_ = (fs::path(dir) / (name + ".sigmf-collection")).string();
  for (int k = 0; k < info.channels; ++k) {
    data_paths_.push_back((fs::path(dir) / (stream_name(k) + ".sigmf-data")).string());
    data_.emplace_back(data_paths_.back(), std::ios::binary | std::ios::trunc);
    if (!data_.back()) throw SigmfError(data_paths_.back() + ": cannot create (" + system_error() + ")");
  }
}

SigmfRecorder::~SigmfRecorder() {
  try {
    close();
  } catch (...) {
    // A destructor must not throw; callers who care call close() themselves.
  }
}

std::string SigmfRecorder::stream_name(int k) const {
  return name_ + "-ch" + (k < 10 ? "0" : "") + std::to_string(k);
}

void SigmfRecorder::require_open(const char* what) const {
  if (closed_) throw std::logic_error(collection_path_ + ": " + what + " after close()");
}

void SigmfRecorder::write(const std::vector<const SampleF*>& channels, std::size_t n) {
  require_open("write");
  require_arg(channels.size() == data_.size(), "write got " + std::to_string(channels.size()) +
                                                   " channels, the recording has " + std::to_string(data_.size()));
  for (std::size_t k = 0; k < data_.size(); ++k) {
    require_arg(n == 0 || channels[k] != nullptr, "write got a null pointer for channel " + std::to_string(k));
    data_[k].write(reinterpret_cast<const char*>(channels[k]), static_cast<std::streamsize>(n * kSampleBytes));
    if (!data_[k])
      throw SigmfError(data_paths_[k] + ": write failed after " + std::to_string(samples_written_) + " samples (" +
                       system_error() + ")");
  }
  samples_written_ += n;
}

void SigmfRecorder::add_capture(std::uint64_t sample, double rx_time_seconds) {
  require_open("add_capture");
  // Year 0000..9999 keeps core:datetime a four-digit-year ISO-8601 string.
  require_arg(std::isfinite(rx_time_seconds) && rx_time_seconds >= 0 && rx_time_seconds < 253402300800.0,
              "rx_time must be seconds since 1970 before the year 10000, got " + number(rx_time_seconds));
  captures_.push_back({sample, rx_time_seconds});
}

void SigmfRecorder::annotate(const SigmfAnnotation& a) {
  require_open("annotate");
  require_arg(a.extension.is_object(), "annotation extension must be a JSON object");
  annotations_.push_back(a);
}

void SigmfRecorder::set_extension(const std::string& key, const nlohmann::json& value) {
  require_open("set_extension");
  require_arg(key != "channel" && key != "channels", "extension keys \"channel\" and \"channels\" are reserved");
  info_.extension[key] = value;
}

void SigmfRecorder::close() {
  if (closed_) return;
  closed_ = true;  // once: the destructor must not retry a close that threw
  close_data();
  std::stable_sort(captures_.begin(), captures_.end(),
                   [](const Capture& a, const Capture& b) { return a.sample < b.sample; });
  std::stable_sort(annotations_.begin(), annotations_.end(),
                   [](const auto& a, const auto& b) { return a.sample_start < b.sample_start; });
  for (int k = 0; k < info_.channels; ++k) write_meta(k);
  write_collection();
}

void SigmfRecorder::close_data() {
  for (std::size_t k = 0; k < data_.size(); ++k) {
    data_[k].close();
    if (!data_[k]) throw SigmfError(data_paths_[k] + ": flushing the samples failed (" + system_error() + ")");
  }
}

void SigmfRecorder::write_meta(int k) const {
  json global = json::object();
  global["core:datatype"] = kDatatype;
  global["core:sample_rate"] = info_.sample_rate;
  global["core:version"] = kVersion;
  if (!info_.description.empty()) global["core:description"] = info_.description;
  if (!info_.hw.empty()) global["core:hw"] = info_.hw;
  global["core:recorder"] = "moema::rx::SigmfRecorder";
  global["core:collection"] = name_;
  global["core:extensions"] = extensions_declaration();
  put_extension(global, info_.extension);
  global[kPrefix + "channel"] = k;
  global[kPrefix + "channels"] = info_.channels;

  json captures = json::array();
  if (captures_.empty()) captures.push_back({{"core:sample_start", 0}, {"core:frequency", info_.frequency}});
  for (const auto& c : captures_)
    captures.push_back({{"core:sample_start", c.sample},
                        {"core:frequency", info_.frequency},
                        {"core:datetime", iso8601_utc(c.rx_time)},
                        {kPrefix + "rx_time", c.rx_time}});
  json annotations = json::array();
  for (const auto& a : annotations_) annotations.push_back(annotation_json(a));

  json meta = json::object();
  meta["global"] = std::move(global);
  meta["captures"] = std::move(captures);
  meta["annotations"] = std::move(annotations);
  write_json((fs::path(dir_) / (stream_name(k) + ".sigmf-meta")).string(), meta);
}

void SigmfRecorder::write_collection() const {
  json collection = json::object();
  collection["core:version"] = kVersion;
  collection["core:extensions"] = extensions_declaration();
  if (!info_.description.empty()) collection["core:description"] = info_.description;
  put_extension(collection, info_.extension);
  // Names only: SigMF's "hash" is the meta's SHA-512, not computed here.
  json streams = json::array();
  for (int k = 0; k < info_.channels; ++k) streams.push_back({{"name", stream_name(k)}});
  collection["core:streams"] = std::move(streams);
  json document = json::object();
  document["collection"] = std::move(collection);
  write_json(collection_path_, document);
}

// ---------------------------------------------------------------- SigmfReader

SigmfReader::SigmfReader(const std::string& path) {
  const std::string collection_path = find_collection(path);
  const json collection = load_collection(collection_path);
  extension_ = take_extension(collection);
  const auto bases = stream_bases(collection_path, collection);
  open_data(bases);  // fatal problems before the repairable ones
  load_metas(collection_path, bases);
  check_lengths();
}

void SigmfReader::open_data(const std::vector<std::string>& bases) {
  for (std::size_t k = 0; k < bases.size(); ++k) {
    const std::string path = bases[k] + ".sigmf-data";
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
      throw SigmfError(path + ": missing .sigmf-data of channel " + std::to_string(k) + "; cannot replay " +
                       std::to_string(bases.size()) + " channels without it");
    data_.emplace_back(path, std::ios::binary);
    if (!data_.back()) throw SigmfError(path + ": cannot open .sigmf-data (" + system_error() + ")");
    data_paths_.push_back(path);
  }
}

// All channels share their global fields, so any usable meta stands for the
// others; the first usable one (in channel order) is taken.
void SigmfReader::load_metas(const std::string& collection, const std::vector<std::string>& bases) {
  std::vector<std::string> problems;
  std::optional<MetaFields> good;
  std::string good_path;
  for (const auto& base : bases) {
    const std::string path = base + ".sigmf-meta";
    try {
      MetaFields fields = parse_meta(path);
      if (good && fields.sample_rate != good->sample_rate)
        warnings_.push_back(path + ": core:sample_rate " + number(fields.sample_rate) + " differs from " +
                            good_path + "'s " + number(good->sample_rate) + "; using the latter");
      if (!good) {
        good = std::move(fields);
        good_path = path;
      }
    } catch (const MetaProblem& problem) {
      problems.push_back(problem.what());
    }
  }
  if (!good)
    throw SigmfError(collection + ": no usable .sigmf-meta among its " + std::to_string(bases.size()) +
                     " channels: " + join(problems, "; "));
  for (const auto& problem : problems) warnings_.push_back(problem + "; using " + good_path + "'s global fields");
  sample_rate_ = good->sample_rate;
  frequency_ = good->frequency;
  annotations_ = std::move(good->annotations);
  captures_ = std::move(good->captures);
  warnings_.insert(warnings_.end(), good->notes.begin(), good->notes.end());
}

// Replays every channel up to the shortest whole-sample length, so that the
// K samples read at one index were received at the same instant.
void SigmfReader::check_lengths() {
  std::vector<std::uint64_t> whole;
  for (const auto& path : data_paths_) {
    std::error_code ec;
    const std::uintmax_t bytes = fs::file_size(path, ec);
    if (ec) throw SigmfError(path + ": cannot read the size of .sigmf-data (" + ec.message() + ")");
    whole.push_back(bytes / kSampleBytes);
    if (bytes % kSampleBytes != 0)
      warnings_.push_back(path + ": ragged .sigmf-data: " + std::to_string(bytes) + " bytes are " +
                          std::to_string(whole.back()) + " samples and " + std::to_string(bytes % kSampleBytes) +
                          " stray bytes (cf32_le samples are 8 bytes); the stray bytes are ignored");
  }
  samples_ = *std::min_element(whole.begin(), whole.end());
  const std::uint64_t longest = *std::max_element(whole.begin(), whole.end());
  for (std::size_t k = 0; k < whole.size(); ++k)
    if (whole[k] < longest)
      warnings_.push_back(data_paths_[k] + ": short .sigmf-data: " + std::to_string(whole[k]) +
                          " samples where the longest channel has " + std::to_string(longest) +
                          "; replaying every channel up to " + std::to_string(samples_));
}

std::size_t SigmfReader::read(const std::vector<SampleF*>& out, std::size_t max) {
  if (out.size() != data_.size())
    throw std::invalid_argument("SigmfReader::read: " + std::to_string(out.size()) + " buffers for " +
                                std::to_string(data_.size()) + " channels");
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(max, samples_ - position_));
  for (std::size_t k = 0; k < data_.size() && n > 0; ++k) {
    const auto bytes = static_cast<std::streamsize>(n * kSampleBytes);
    data_[k].read(reinterpret_cast<char*>(out[k]), bytes);
    if (data_[k].gcount() != bytes)
      throw SigmfError(data_paths_[k] + ": read failed at sample " + std::to_string(position_) +
                       " (file shortened while replaying?)");
  }
  position_ += n;
  return n;
}

}  // namespace moema::rx
