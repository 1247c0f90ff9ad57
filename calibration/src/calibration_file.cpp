#include "moema/calibration/calibration_file.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace moema::calibration {

namespace {

using nlohmann::json;

constexpr double kPi = 3.14159265358979323846;
constexpr double kDegreesPerRadian = 180.0 / kPi;
// Below a hertz nothing was retuned: UHD may report the tuned frequency with
// a sub-hertz residue that the user's --frequency does not have.
constexpr double kFrequencyTolerance = 1.0;
constexpr double kRateTolerance = 1e-9;  // relative

std::string number(double x) { return json(x).dump(); }  // shortest form that reads back exactly

std::string where_is(const std::string& where, const std::string& key) { return where.empty() ? key : where + "." + key; }

const json& field(const json& object, const std::string& key, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) throw CalibrationError("missing key \"" + where_is(where, key) + "\"");
  return *it;
}

[[noreturn]] void mistyped(const std::string& where, const std::string& key, const char* expected, const json& v) {
  throw CalibrationError("key \"" + where_is(where, key) + "\" must be " + expected + ", got " + v.type_name() +
                         " " + v.dump());
}

double number_field(const json& object, const std::string& key, const std::string& where = "") {
  const json& v = field(object, key, where);
  if (!v.is_number()) mistyped(where, key, "a number", v);
  return v.get<double>();
}

int integer_field(const json& object, const std::string& key, const std::string& where = "") {
  const json& v = field(object, key, where);
  if (!v.is_number_integer()) mistyped(where, key, "an integer", v);
  return v.get<int>();
}

std::string string_field(const json& object, const std::string& key, const std::string& where = "") {
  const json& v = field(object, key, where);
  if (!v.is_string()) mistyped(where, key, "a string", v);
  return v.get<std::string>();
}

std::vector<std::string> string_list_field(const json& object, const std::string& key) {
  const json& v = field(object, key, "");
  if (!v.is_array()) mistyped("", key, "an array of strings", v);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) mistyped("", key + "[" + std::to_string(i) + "]", "a string", v[i]);
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

double wrapped_degrees(double degrees) { return std::remainder(degrees, 360.0); }

json channel_json(const ChannelCalibration& c) {
  return {{"spatial:channel_index", c.channel_index},
          {"spatial:phase_offset", c.phase_rad * kDegreesPerRadian},
          {"moema:phase_rad", c.phase_rad},
          {"moema:gain_db", c.gain_db},
          {"moema:integer_delay", c.integer_delay},
          {"moema:fractional_delay", c.fractional_delay},
          {"moema:dc_re", c.dc.real()},
          {"moema:dc_im", c.dc.imag()},
          {"moema:snr_db", c.snr_db}};
}

ChannelCalibration channel_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw CalibrationError("\"" + where + "\" must be an object, got " + std::string(j.type_name()));
  ChannelCalibration c;
  c.channel_index = integer_field(j, "spatial:channel_index", where);
  c.phase_rad = number_field(j, "moema:phase_rad", where);
  c.gain_db = number_field(j, "moema:gain_db", where);
  c.integer_delay = integer_field(j, "moema:integer_delay", where);
  c.fractional_delay = number_field(j, "moema:fractional_delay", where);
  c.dc = {number_field(j, "moema:dc_re", where), number_field(j, "moema:dc_im", where)};
  c.snr_db = number_field(j, "moema:snr_db", where);
  const double offset = number_field(j, "spatial:phase_offset", where);
  if (std::abs(wrapped_degrees(offset - c.phase_rad * kDegreesPerRadian)) > 1e-6)
    throw CalibrationError("\"" + where + ".spatial:phase_offset\" (" + number(offset) +
                           " degrees) disagrees with \"" + where + ".moema:phase_rad\" (" + number(c.phase_rad) +
                           " rad): edit both or neither");
  return c;
}

void require(bool ok, const std::string& what) {
  if (!ok) throw CalibrationError(what);
}

void require_finite(double x, const std::string& key) { require(std::isfinite(x), "key \"" + key + "\" is not finite"); }

// What both save and load insist on, so that a file written is a file read.
void validate(const CalibrationFile& f) {
  require(f.num_elements() >= 1, "key \"moema:channels\" is empty: need one entry per receive channel");
  require(std::isfinite(f.frequency), "key \"core:frequency\" is not finite");
  require(std::isfinite(f.sample_rate) && f.sample_rate > 0,
          "key \"core:sample_rate\" must be positive, got " + number(f.sample_rate));
  require_finite(f.gain_db, "moema:gain_db");
  require_finite(f.cfo, "moema:cfo");
  for (int k = 0; k < f.num_elements(); ++k) {
    const ChannelCalibration& c = f.channels[static_cast<std::size_t>(k)];
    const std::string where = "moema:channels[" + std::to_string(k) + "].";
    require(c.channel_index == k, "key \"" + where + "spatial:channel_index\" is " + std::to_string(c.channel_index) +
                                      ", expected " + std::to_string(k) + " (entries in channel order)");
    require(c.fractional_delay >= 0 && c.fractional_delay < 1,
            "key \"" + where + "moema:fractional_delay\" must be in [0, 1), got " + number(c.fractional_delay));
    require_finite(c.gain_db, where + "moema:gain_db");
    require_finite(c.phase_rad, where + "moema:phase_rad");
    require_finite(c.dc.real(), where + "moema:dc_re");
    require_finite(c.dc.imag(), where + "moema:dc_im");
    require_finite(c.snr_db, where + "moema:snr_db");
  }
}

std::string list(const std::vector<std::string>& names) {
  std::string out = "[";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out + "]";
}

}  // namespace

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

CalibrationFile make_calibration_file(const CalibrationEstimate& estimate, const ReferenceConfig& reference,
                                      double frequency, double sample_rate, double gain_db,
                                      const std::vector<std::string>& serials) {
  CalibrationFile f{serials, frequency, sample_rate, gain_db, utc_now_iso8601(), reference.describe(),
                    estimate.cfo, estimate.channels};
  validate(f);
  return f;
}

void to_json(json& j, const CalibrationFile& f) {
  json channels = json::array();
  for (const ChannelCalibration& c : f.channels) channels.push_back(channel_json(c));
  j = {{"moema:calibration_version", kCalibrationVersion},
       {"core:datetime", f.measured_at},
       {"core:frequency", f.frequency},
       {"core:sample_rate", f.sample_rate},
       {"spatial:num_elements", f.num_elements()},
       {"spatial:calibration", {{"caltype", "ref"}, {"moema:reference", f.reference}}},
       {"moema:serials", f.serials},
       {"moema:gain_db", f.gain_db},
       {"moema:cfo", f.cfo},
       {"moema:cfo_hz", f.cfo_hz()},
       {"moema:channels", channels}};
}

void from_json(const json& j, CalibrationFile& f) {
  if (!j.is_object()) throw CalibrationError("the top level must be a JSON object, got " + std::string(j.type_name()));
  const int version = integer_field(j, "moema:calibration_version");
  if (version != kCalibrationVersion)
    throw CalibrationError("moema:calibration_version " + std::to_string(version) + " is not supported (this build reads " +
                           std::to_string(kCalibrationVersion) + ")");
  f.measured_at = string_field(j, "core:datetime");
  f.frequency = number_field(j, "core:frequency");
  f.sample_rate = number_field(j, "core:sample_rate");
  const json& calibration = field(j, "spatial:calibration", "");
  if (!calibration.is_object()) mistyped("", "spatial:calibration", "an object", calibration);
  f.reference = string_field(calibration, "moema:reference", "spatial:calibration");
  f.serials = string_list_field(j, "moema:serials");
  f.gain_db = number_field(j, "moema:gain_db");
  f.cfo = number_field(j, "moema:cfo");
  const json& channels = field(j, "moema:channels", "");
  if (!channels.is_array()) mistyped("", "moema:channels", "an array", channels);
  f.channels.clear();
  for (std::size_t k = 0; k < channels.size(); ++k)
    f.channels.push_back(channel_from_json(channels[k], "moema:channels[" + std::to_string(k) + "]"));
  const int elements = integer_field(j, "spatial:num_elements");
  require(elements == f.num_elements(), "key \"spatial:num_elements\" is " + std::to_string(elements) + " but \"moema:channels\" has " +
                                            std::to_string(f.num_elements()) + " entries");
  const double cfo_hz = number_field(j, "moema:cfo_hz");
  require(std::abs(cfo_hz - f.cfo_hz()) <= 1e-9 * std::max(1.0, std::abs(cfo_hz)),
          "key \"moema:cfo_hz\" (" + number(cfo_hz) + ") disagrees with moema:cfo x core:sample_rate (" +
              number(f.cfo_hz()) + "): edit both or neither");
  validate(f);
}

void save_calibration(const CalibrationFile& file, const std::string& path) {
  try {
    validate(file);
  } catch (const CalibrationError& e) {
    throw CalibrationError(path + ": not saved: " + e.what());
  }
  std::ofstream out(path);
  if (!out) throw CalibrationError(path + ": cannot write: " + std::strerror(errno));
  out << json(file).dump(2) << '\n';
  out.close();
  if (!out) throw CalibrationError(path + ": write failed: " + std::strerror(errno));
}

CalibrationFile load_calibration(const std::string& path) {
  if (std::filesystem::is_directory(path)) throw CalibrationError(path + ": is a directory, not a calibration file");
  std::ifstream in(path);
  if (!in) throw CalibrationError(path + ": cannot open calibration file: " + std::strerror(errno));
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    throw CalibrationError(path + ": not valid JSON: " + e.what());
  } catch (const std::ios_base::failure& e) {
    throw CalibrationError(path + ": cannot read: " + e.what());
  }
  try {
    return j.get<CalibrationFile>();
  } catch (const CalibrationError& e) {
    throw CalibrationError(path + ": " + e.what());
  }
}

void check_applicable(const CalibrationFile& file, double frequency, double sample_rate, int channels,
                      const std::vector<std::string>& serials) {
  require(std::abs(file.frequency - frequency) <= kFrequencyTolerance,
          "stale calibration: measured at " + number(file.frequency) + " Hz, the receiver is tuned to " +
              number(frequency) + " Hz (every retune moves the LO phases): recalibrate at this frequency");
  require(std::abs(file.sample_rate - sample_rate) <= kRateTolerance * file.sample_rate,
          "stale calibration: measured at " + number(file.sample_rate) + " samples/s, the receiver runs at " +
              number(sample_rate) + " (delays in samples and the filters change with the rate): recalibrate");
  require(file.num_elements() == channels,
          "calibration is for " + std::to_string(file.num_elements()) +
              " channels (spatial:num_elements), the receiver has " + std::to_string(channels));
  require(file.serials.empty() || serials.empty() || file.serials == serials,
          "calibration was measured with devices " + list(file.serials) + ", the receiver has " + list(serials) +
              ": recalibrate for these devices");
}

}  // namespace moema::calibration
