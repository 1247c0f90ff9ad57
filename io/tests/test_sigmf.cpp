// SigMF recordings of K channels: what lands on disk (checked with nlohmann
// and raw reads, not with the reader), the round trip, and the reader's
// repairs and refusals on damaged recordings.
#include "moema/io/sigmf.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace moema::rx {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Channel k, sample i: every value exactly representable, none repeated.
SampleF known_sample(int k, std::size_t i) {
  return {static_cast<float>(i) + 0.25f * static_cast<float>(k), -static_cast<float>(k) - 0.5f};
}

json parse_file(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  return json::parse(in);  // throws, failing the test, if not JSON
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

bool any_warning_has(const std::vector<std::string>& warnings, const std::vector<std::string>& parts) {
  for (const auto& w : warnings) {
    bool all = true;
    for (const auto& p : parts) all = all && w.find(p) != std::string::npos;
    if (all) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

void expect_sigmf_error(const std::function<void()>& action, const std::vector<std::string>& parts) {
  try {
    action();
    ADD_FAILURE() << "no SigmfError thrown";
  } catch (const SigmfError& error) {
    const std::string message = error.what();
    for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << "message: " << message;
  }
}

class SigmfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "moema_sigmf_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << pattern;
    root_ = pattern;
    dir_ = (fs::path(root_) / "rec").string();  // not there yet: the recorder creates it
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::string file(int k, const std::string& ext) const {
    return (fs::path(dir_) / ("run-ch0" + std::to_string(k) + ext)).string();
  }

  RecordingInfo info(int channels) const {
    RecordingInfo i;
    i.channels = channels;
    i.sample_rate = 2e6;
    i.frequency = 2.45e9;
    i.description = "three antennas";
    i.hw = "simulated multiple-access channel";
    i.extension = {{"devices", 2}, {"scenario", {{"seed", 7}}}};
    return i;
  }

  // K channels of n known samples, written in blocks of the given sizes.
  void record(int channels, const std::vector<std::size_t>& blocks) {
    SigmfRecorder recorder(dir_, "run", info(channels));
    std::size_t at = 0;
    for (std::size_t n : blocks) {
      std::vector<std::vector<SampleF>> data(channels);
      std::vector<const SampleF*> ptrs;
      for (int k = 0; k < channels; ++k) {
        for (std::size_t i = 0; i < n; ++i) data[k].push_back(known_sample(k, at + i));
        ptrs.push_back(data[k].data());
      }
      recorder.write(ptrs, n);
      at += n;
    }
    EXPECT_EQ(recorder.samples_written(), at);
    recorder.close();
  }

  // Reads everything in chunks of `chunk` and checks it against known_sample.
  static std::size_t read_and_check(SigmfReader& reader, std::size_t chunk) {
    const int channels = reader.channels();
    std::vector<std::vector<SampleF>> buffers(channels, std::vector<SampleF>(chunk));
    std::vector<SampleF*> out;
    for (auto& b : buffers) out.push_back(b.data());
    std::size_t total = 0;
    while (const std::size_t n = reader.read(out, chunk)) {
      EXPECT_LE(n, chunk);
      for (int k = 0; k < channels; ++k)
        for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(buffers[k][i], known_sample(k, total + i)) << k << " " << i;
      total += n;
    }
    EXPECT_EQ(reader.read(out, chunk), 0u);
    return total;
  }

  std::string root_;
  std::string dir_;
};

// ---------------------------------------------------------------- round trip

TEST_F(SigmfTest, ThreeChannelsRoundTripAcrossWritesAndReadChunks) {
  record(3, {1, 7, 250, 0, 742});
  for (std::size_t chunk : {1u, 3u, 64u, 1000u, 4096u}) {
    SigmfReader reader(dir_);
    EXPECT_EQ(reader.channels(), 3);
    EXPECT_EQ(reader.samples(), 1000u);
    EXPECT_DOUBLE_EQ(reader.sample_rate(), 2e6);
    EXPECT_DOUBLE_EQ(reader.frequency(), 2.45e9);
    EXPECT_TRUE(reader.warnings().empty()) << joined(reader.warnings());
    EXPECT_EQ(read_and_check(reader, chunk), 1000u) << "chunk " << chunk;
  }
}

TEST_F(SigmfTest, ReaderAcceptsTheCollectionFileAndReturnsTheExtension) {
  record(2, {10});
  SigmfReader reader((fs::path(dir_) / "run.sigmf-collection").string());
  EXPECT_EQ(reader.channels(), 2);
  EXPECT_EQ(reader.extension(), (json{{"devices", 2}, {"scenario", {{"seed", 7}}}}));
  EXPECT_EQ(read_and_check(reader, 4), 10u);
}

TEST_F(SigmfTest, ExtensionSetDuringTheRunIsInEveryGlobalAndTheCollection) {
  {
    SigmfRecorder recorder(dir_, "run", info(2));
    const std::vector<SampleF> x(5);
    recorder.write({x.data(), x.data()}, 5);
    recorder.set_extension("truth", json{{"0", {3, 14}}});
    EXPECT_THROW(recorder.set_extension("channels", 1), std::invalid_argument);
  }
  SigmfReader reader(dir_);
  EXPECT_EQ(reader.extension().at("truth"), (json{{"0", {3, 14}}}));
  EXPECT_EQ(reader.extension().at("devices"), 2);  // the construction-time fields stay
  std::ifstream meta(fs::path(dir_) / "run-ch01.sigmf-meta");
  EXPECT_EQ(json::parse(meta).at("global").at("moema:truth"), (json{{"0", {3, 14}}}));
}

TEST_F(SigmfTest, DestructorWritesTheMetadata) {
  {
    SigmfRecorder recorder(dir_, "run", info(1));
    const std::vector<SampleF> x = {known_sample(0, 0), known_sample(0, 1)};
    recorder.write({x.data()}, 2);
  }
  SigmfReader reader(dir_);
  EXPECT_EQ(reader.samples(), 2u);
}

// ---------------------------------------------------------------- on disk

TEST_F(SigmfTest, DataFilesAreCf32LittleEndianEightBytesPerSample) {
  record(3, {5, 95});
  for (int k = 0; k < 3; ++k) {
    ASSERT_EQ(fs::file_size(file(k, ".sigmf-data")), 100u * 8);
    std::ifstream in(file(k, ".sigmf-data"), std::ios::binary);
    unsigned char bytes[8];
    in.seekg(8 * 37);
    in.read(reinterpret_cast<char*>(bytes), 8);
    // Little-endian float32 re then im, decoded by hand.
    auto le_float = [](const unsigned char* b) {
      const std::uint32_t bits = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    };
    EXPECT_EQ(SampleF(le_float(bytes), le_float(bytes + 4)), known_sample(k, 37));
  }
}

TEST_F(SigmfTest, MetaHoldsTheCoreAndProjectFields) {
  record(3, {100});
  for (int k = 0; k < 3; ++k) {
    const json meta = parse_file(file(k, ".sigmf-meta"));
    const json& g = meta.at("global");
    EXPECT_EQ(g.at("core:datatype"), "cf32_le");
    EXPECT_EQ(g.at("core:sample_rate"), 2e6);
    EXPECT_EQ(g.at("core:version"), "1.0.0");
    EXPECT_EQ(g.at("core:description"), "three antennas");
    EXPECT_EQ(g.at("core:hw"), "simulated multiple-access channel");
    EXPECT_FALSE(g.contains("core:num_channels"));
    EXPECT_EQ(g.at("moema:channel"), k);
    EXPECT_EQ(g.at("moema:channels"), 3);
    EXPECT_EQ(g.at("moema:devices"), 2);
    EXPECT_EQ(g.at("moema:scenario"), (json{{"seed", 7}}));
    // Without add_capture: one segment at 0, no datetime.
    ASSERT_EQ(meta.at("captures").size(), 1u);
    EXPECT_EQ(meta.at("captures")[0].at("core:sample_start"), 0);
    EXPECT_EQ(meta.at("captures")[0].at("core:frequency"), 2.45e9);
    EXPECT_FALSE(meta.at("captures")[0].contains("core:datetime"));
    EXPECT_TRUE(meta.at("annotations").is_array());
  }
}

TEST_F(SigmfTest, CollectionListsTheStreamsByName) {
  record(3, {1});
  const json c = parse_file((fs::path(dir_) / "run.sigmf-collection").string()).at("collection");
  EXPECT_EQ(c.at("core:version"), "1.0.0");
  EXPECT_EQ(c.at("moema:devices"), 2);
  const json& streams = c.at("core:streams");
  ASSERT_EQ(streams.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(streams[k].at("name"), "run-ch0" + std::to_string(k));
    EXPECT_FALSE(streams[k].contains("hash"));
  }
}

// ---------------------------------------------------------------- captures and annotations

TEST_F(SigmfTest, CapturesAreSortedWithIsoDatetimeAndRxTime) {
  {
    SigmfRecorder recorder(dir_, "run", info(2));
    recorder.add_capture(500, 1700000000.9999996);  // rounds into the next second
    recorder.add_capture(0, 1700000000.25);
    recorder.close();
  }
  for (int k = 0; k < 2; ++k) {
    const json captures = parse_file(file(k, ".sigmf-meta")).at("captures");
    ASSERT_EQ(captures.size(), 2u);
    EXPECT_EQ(captures[0].at("core:sample_start"), 0);
    EXPECT_EQ(captures[0].at("core:datetime"), "2023-11-14T22:13:20.250000Z");
    EXPECT_EQ(captures[0].at("moema:rx_time"), 1700000000.25);
    EXPECT_EQ(captures[0].at("core:frequency"), 2.45e9);
    EXPECT_EQ(captures[1].at("core:sample_start"), 500);
    EXPECT_EQ(captures[1].at("core:datetime"), "2023-11-14T22:13:21.000000Z");
  }
}

TEST_F(SigmfTest, ReaderReturnsTheCapturesWithTheirReceiveTimes) {
  {
    SigmfRecorder recorder(dir_, "run", info(2));
    recorder.add_capture(500, 1700000000.123456789);  // moema:rx_time keeps what core:datetime rounds
    recorder.add_capture(0, 1700000000.25);
    recorder.close();
  }
  SigmfReader reader(dir_);
  ASSERT_EQ(reader.captures().size(), 2u);
  EXPECT_EQ(reader.captures()[0].sample_start, 0u);
  EXPECT_EQ(reader.captures()[0].rx_time, 1700000000.25);
  EXPECT_EQ(reader.captures()[1].sample_start, 500u);
  EXPECT_EQ(reader.captures()[1].rx_time, 1700000000.123456789);
  EXPECT_TRUE(reader.warnings().empty()) << joined(reader.warnings());
}

TEST_F(SigmfTest, CaptureTimeComesFromCoreDatetimeWithoutTheExtension) {
  record(1, {10});
  json meta = parse_file(file(0, ".sigmf-meta"));
  // As another tool writes them: 2023-11-14T22:13:20Z is 1700000000 s.
  meta["captures"] = json::array({{{"core:sample_start", 0}, {"core:datetime", "2023-11-14T22:13:20.250000Z"}},
                                  {{"core:sample_start", 4}, {"core:datetime", "2023-11-14T22:13:21+00:00"}},
                                  {{"core:sample_start", 8}, {"core:datetime", "yesterday"}},
                                  {{"core:sample_start", 9}}});
  write_text(file(0, ".sigmf-meta"), meta.dump());
  SigmfReader reader(dir_);
  const auto& c = reader.captures();
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].rx_time, 1700000000.25);
  EXPECT_EQ(c[1].rx_time, 1700000001.0);
  EXPECT_FALSE(c[2].rx_time.has_value());
  EXPECT_FALSE(c[3].rx_time.has_value());  // no time given: none, and nothing to warn about
  ASSERT_EQ(reader.warnings().size(), 1u) << joined(reader.warnings());
  EXPECT_TRUE(any_warning_has(reader.warnings(), {file(0, ".sigmf-meta"), "capture 2", "\"yesterday\"", "no receive time"}));
}

TEST_F(SigmfTest, CaptureWithoutSampleStartMakesTheMetaUnusable) {
  record(2, {10});
  json meta = parse_file(file(0, ".sigmf-meta"));
  meta["captures"] = json::array({{{"core:datetime", "2023-11-14T22:13:20Z"}}});
  write_text(file(0, ".sigmf-meta"), meta.dump());
  SigmfReader reader(dir_);
  EXPECT_TRUE(any_warning_has(reader.warnings(), {file(0, ".sigmf-meta"), "capture 0", "core:sample_start",
                                                  "using " + file(1, ".sigmf-meta")}));
  ASSERT_EQ(reader.captures().size(), 1u);  // channel 1's: one segment at 0, no time
  EXPECT_EQ(reader.captures()[0].sample_start, 0u);
  EXPECT_FALSE(reader.captures()[0].rx_time.has_value());
}

TEST_F(SigmfTest, AnnotationsRoundTripSorted) {
  {
    SigmfRecorder recorder(dir_, "run", info(3));
    recorder.annotate({900, 100, "slot 2", "", {{"slot", 2}}});
    recorder.annotate({0, 450, "slot 0", "first", {{"slot", 0}, {"ok", true}}});
    recorder.annotate({450, 450, "", "no label", json::object()});
    recorder.close();
  }
  const json meta = parse_file(file(2, ".sigmf-meta")).at("annotations");
  ASSERT_EQ(meta.size(), 3u);
  EXPECT_EQ(meta[0].at("core:sample_start"), 0);
  EXPECT_EQ(meta[0].at("moema:ok"), true);
  EXPECT_EQ(meta[2].at("core:label"), "slot 2");

  SigmfReader reader(dir_);
  const auto& a = reader.annotations();
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].sample_start, 0u);
  EXPECT_EQ(a[0].sample_count, 450u);
  EXPECT_EQ(a[0].label, "slot 0");
  EXPECT_EQ(a[0].comment, "first");
  EXPECT_EQ(a[0].extension, (json{{"slot", 0}, {"ok", true}}));
  EXPECT_EQ(a[1].sample_start, 450u);
  EXPECT_EQ(a[1].label, "");
  EXPECT_EQ(a[1].comment, "no label");
  EXPECT_EQ(a[2].sample_start, 900u);
  EXPECT_EQ(a[2].extension, (json{{"slot", 2}}));
}

// ---------------------------------------------------------------- repairs (warnings)

TEST_F(SigmfTest, RaggedDataFileIsReplayedUpToItsWholeSamples) {
  record(3, {1000});
  fs::resize_file(file(1, ".sigmf-data"), 600 * 8 + 3);
  SigmfReader reader(dir_);
  EXPECT_EQ(reader.samples(), 600u);
  EXPECT_TRUE(any_warning_has(reader.warnings(), {file(1, ".sigmf-data"), "600 samples", "3 stray bytes"}))
      << joined(reader.warnings());
  EXPECT_TRUE(any_warning_has(reader.warnings(), {file(1, ".sigmf-data"), "short", "1000"}))
      << joined(reader.warnings());
  EXPECT_FALSE(any_warning_has(reader.warnings(), {file(0, ".sigmf-data")})) << joined(reader.warnings());
  EXPECT_EQ(read_and_check(reader, 256), 600u);
}

TEST_F(SigmfTest, ShortDataFileLimitsEveryChannel) {
  record(3, {1000});
  fs::resize_file(file(2, ".sigmf-data"), 400 * 8);
  SigmfReader reader(dir_);
  EXPECT_EQ(reader.samples(), 400u);
  ASSERT_EQ(reader.warnings().size(), 1u) << joined(reader.warnings());
  EXPECT_TRUE(any_warning_has(reader.warnings(), {file(2, ".sigmf-data"), "400 samples"}));
  EXPECT_EQ(read_and_check(reader, 1000), 400u);
}

TEST_F(SigmfTest, MalformedMetaFallsBackToAnotherChannel) {
  {
    SigmfRecorder recorder(dir_, "run", info(3));
    recorder.annotate({10, 5, "burst", "", json::object()});
    const std::vector<SampleF> x(50);
    recorder.write({x.data(), x.data(), x.data()}, 50);
  }
  write_text(file(0, ".sigmf-meta"), "{ \"global\": ");
  SigmfReader reader(dir_);
  ASSERT_EQ(reader.warnings().size(), 1u) << joined(reader.warnings());
  const std::string& w = reader.warnings()[0];
  EXPECT_NE(w.find(file(0, ".sigmf-meta") + ": malformed .sigmf-meta ("), std::string::npos) << w;
  EXPECT_NE(w.find("using " + file(1, ".sigmf-meta") + "'s global fields"), std::string::npos) << w;
  EXPECT_DOUBLE_EQ(reader.sample_rate(), 2e6);
  EXPECT_DOUBLE_EQ(reader.frequency(), 2.45e9);
  ASSERT_EQ(reader.annotations().size(), 1u);
  EXPECT_EQ(reader.annotations()[0].label, "burst");
  EXPECT_EQ(reader.samples(), 50u);
}

TEST_F(SigmfTest, MissingOrIncompleteMetasAreWarnings) {
  record(3, {20});
  fs::remove(file(0, ".sigmf-meta"));
  json meta = parse_file(file(1, ".sigmf-meta"));
  meta["global"]["core:datatype"] = 8;
  write_text(file(1, ".sigmf-meta"), meta.dump());
  SigmfReader reader(dir_);
  EXPECT_EQ(reader.warnings().size(), 2u) << joined(reader.warnings());
  EXPECT_TRUE(any_warning_has(reader.warnings(), {file(0, ".sigmf-meta"), "missing", file(2, ".sigmf-meta")}));
  EXPECT_TRUE(any_warning_has(reader.warnings(), {file(1, ".sigmf-meta"), "core:datatype", file(2, ".sigmf-meta")}));
  EXPECT_EQ(read_and_check(reader, 7), 20u);
}

TEST_F(SigmfTest, MetaWithoutSampleRateIsAWarning) {
  record(2, {20});
  json meta = parse_file(file(0, ".sigmf-meta"));
  meta["global"].erase("core:sample_rate");
  write_text(file(0, ".sigmf-meta"), meta.dump());
  SigmfReader reader(dir_);
  EXPECT_TRUE(any_warning_has(reader.warnings(), {file(0, ".sigmf-meta"), "core:sample_rate"}))
      << joined(reader.warnings());
  EXPECT_DOUBLE_EQ(reader.sample_rate(), 2e6);
}

// ---------------------------------------------------------------- refusals (SigmfError)

TEST_F(SigmfTest, AllMetasCorruptThrowsNamingThem) {
  record(2, {20});
  write_text(file(0, ".sigmf-meta"), "not json");
  write_text(file(1, ".sigmf-meta"), "[1, 2");
  expect_sigmf_error([&] { SigmfReader reader(dir_); },
                     {file(0, ".sigmf-meta"), file(1, ".sigmf-meta"), "malformed", "no usable .sigmf-meta"});
}

TEST_F(SigmfTest, UnsupportedDatatypeThrows) {
  record(2, {20});
  json meta = parse_file(file(0, ".sigmf-meta"));
  meta["global"]["core:datatype"] = "ci16_le";
  write_text(file(0, ".sigmf-meta"), meta.dump());
  expect_sigmf_error([&] { SigmfReader reader(dir_); }, {file(0, ".sigmf-meta"), "ci16_le", "supported: cf32_le"});
}

TEST_F(SigmfTest, MissingDataFileThrows) {
  record(3, {20});
  fs::remove(file(1, ".sigmf-data"));
  expect_sigmf_error([&] { SigmfReader reader(dir_); }, {file(1, ".sigmf-data"), "missing"});
}

TEST_F(SigmfTest, MissingCollectionThrows) {
  record(2, {20});
  const std::string collection = (fs::path(dir_) / "run.sigmf-collection").string();
  fs::remove(collection);
  expect_sigmf_error([&] { SigmfReader reader(collection); }, {collection, "missing"});
  expect_sigmf_error([&] { SigmfReader reader(dir_); }, {dir_, "0 .sigmf-collection"});
}

TEST_F(SigmfTest, MalformedOrEmptyCollectionThrows) {
  record(2, {20});
  const std::string collection = (fs::path(dir_) / "run.sigmf-collection").string();
  write_text(collection, "{\"collection\": ");
  expect_sigmf_error([&] { SigmfReader reader(collection); }, {collection, "malformed .sigmf-collection"});
  write_text(collection, R"({"collection": {"core:version": "1.0.0", "core:streams": []}})");
  expect_sigmf_error([&] { SigmfReader reader(collection); }, {collection, "no streams"});
}

TEST_F(SigmfTest, MisuseIsRejected) {
  SigmfRecorder recorder(dir_, "run", info(3));
  const std::vector<SampleF> x(4);
  EXPECT_THROW(recorder.write({x.data(), x.data()}, 4), std::invalid_argument);
  EXPECT_THROW(recorder.add_capture(0, -1.0), std::invalid_argument);
  RecordingInfo reserved = info(1);
  reserved.extension["channel"] = 3;
  EXPECT_THROW(SigmfRecorder((fs::path(root_) / "other").string(), "run", reserved), std::invalid_argument);
  recorder.close();
  EXPECT_THROW(recorder.write({x.data(), x.data(), x.data()}, 4), std::logic_error);

  SigmfReader reader(dir_);
  std::vector<SampleF> buffer(4);
  EXPECT_THROW(reader.read({buffer.data()}, 4), std::invalid_argument);
}

}  // namespace
}  // namespace moema::rx
