// Multichannel receiver calibration against injected impairments: the
// estimates on simulated splitter captures match the delays, gains, phases,
// DC offsets and carrier offset put into rx::MultipleAccessChannel; the file
// round-trips and refuses what it must; the corrector is chunk-invariant; and
// correcting an impaired access point gives MoEMA back its subspaces.
#include "moema/calibration/calibration_file.hpp"
#include "moema/calibration/estimator.hpp"
#include "moema/calibration/receiver_corrector.hpp"
#include "moema/calibration/receiver_impairments.hpp"
#include "moema/calibration/splitter_bench.hpp"
#include "moema/link/air_link.hpp"
#include "moema/rx/metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <random>

namespace moema::calibration {
namespace {

constexpr double kPi = 3.14159265358979323846;

// ---- tolerances of the brief, against the injected values ---------------------

constexpr double kDelayTolerance = 0.05;   // samples
constexpr double kPhaseTolerance = kPi / 180.0;  // 1 degree
constexpr double kGainTolerance = 0.1;     // dB
constexpr double kDcTolerance = 0.01;      // 1 % of full scale (amplitude 1.0)
constexpr double kCfoTolerance = 1e-6;     // cycles per sample

double wrapped(double radians) { return std::remainder(radians, 2.0 * kPi); }

SplitterBench bench(int channels, std::vector<double> delay, std::uint64_t seed) {
  SplitterBench b;
  b.channels = channels;
  b.receivers.delay = std::move(delay);
  b.seed = seed;
  return b;
}

// The worst error seen per quantity over all cases, printed at the end of the sweep.
struct WorstErrors {
  double delay = 0, phase = 0, gain = 0, dc = 0, cfo = 0;
  void print() const {
    std::printf("worst errors: delay %.4f samples, phase %.4f deg, gain %.4f dB, dc %.5f, cfo %.2e cycles/sample\n",
                delay, phase * 180.0 / kPi, gain, dc, cfo);
  }
};

void expect_matches_truth(const SplitterBench& b, const CalibrationEstimate& e, WorstErrors& worst) {
  ASSERT_EQ(static_cast<int>(e.channels.size()), b.channels);
  const rx::ApImpairments& r = b.receivers;
  worst.cfo = std::max(worst.cfo, std::abs(e.cfo - b.cfo));
  EXPECT_NEAR(e.cfo, b.cfo, kCfoTolerance);
  for (int k = 0; k < b.channels; ++k) {
    SCOPED_TRACE("channel " + std::to_string(k) + " of " + std::to_string(b.channels) + ", seed " +
                 std::to_string(b.seed));
    const ChannelCalibration& c = e.channels[static_cast<std::size_t>(k)];
    const double delay = r.delay[k] - r.delay[0];
    const double fraction = delay - std::floor(delay);
    // The integer part is exact unless the true fraction sits within the
    // tolerance of a sample boundary, where either side is a right answer.
    if (fraction > kDelayTolerance && fraction < 1.0 - kDelayTolerance) EXPECT_EQ(c.integer_delay, std::floor(delay));
    EXPECT_GE(c.fractional_delay, 0.0);
    EXPECT_LT(c.fractional_delay, 1.0);
    EXPECT_NEAR(c.delay(), delay, kDelayTolerance);
    EXPECT_NEAR(wrapped(c.phase_rad - (r.phase[k] - r.phase[0])), 0.0, kPhaseTolerance);
    EXPECT_NEAR(c.gain_db, r.gain_db[k] - r.gain_db[0], kGainTolerance);
    EXPECT_LT(std::abs(c.dc - r.dc_offset[k]), kDcTolerance);
    worst.delay = std::max(worst.delay, std::abs(c.delay() - delay));
    worst.phase = std::max(worst.phase, std::abs(wrapped(c.phase_rad - (r.phase[k] - r.phase[0]))));
    worst.gain = std::max(worst.gain, std::abs(c.gain_db - (r.gain_db[k] - r.gain_db[0])));
    worst.dc = std::max(worst.dc, std::abs(c.dc - r.dc_offset[k]));
  }
}

// K channels of random mismatch: delays over 15 samples, +-6 dB, any phase, DC up to 0.1.
SplitterBench random_bench(int channels, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> delay(0.0, 15.0), gain(-6.0, 6.0), phase(-kPi, kPi), dc(-0.1, 0.1),
      cfo(-4e-4, 4e-4);
  SplitterBench b = bench(channels, {}, seed);
  for (int k = 0; k < channels; ++k) {
    b.receivers.delay.push_back(delay(rng));
    b.receivers.gain_db.push_back(gain(rng));
    b.receivers.phase.push_back(phase(rng));
    b.receivers.dc_offset.emplace_back(dc(rng), dc(rng));
  }
  b.cfo = cfo(rng);
  b.snr_db = 20;
  return b;
}

// ---- reference ---------------------------------------------------------------

TEST(Reference, RepeatsOneBurstWithSilentGapsAtThePeakAsked) {
  ReferenceConfig config;
  const std::vector<Sample> burst = reference_burst(config);
  const std::vector<Sample> waveform = reference_waveform(config);
  ASSERT_EQ(static_cast<int>(burst.size()), config.burst_samples());
  ASSERT_EQ(static_cast<int>(waveform.size()), config.total_samples());
  double peak = 0;
  for (const Sample& s : waveform) peak = std::max(peak, std::abs(s));
  EXPECT_NEAR(peak, config.peak, 1e-12);
  for (int r = 0; r < config.repetitions; ++r) {
    const std::size_t start = static_cast<std::size_t>(r * config.period_samples());
    EXPECT_EQ(waveform[start + 17], burst[17]);
    EXPECT_EQ(waveform[start + burst.size() + 5], Sample{});
  }
  EXPECT_NE(config.describe().find("Zadoff-Chu 31"), std::string::npos) << config.describe();
}

TEST(Reference, RejectsASingleRepetitionAndADelayRangeOfHalfAPeriod) {
  ReferenceConfig one;
  one.repetitions = 1;
  EXPECT_THROW(one.validate(), CalibrationError);
  ReferenceConfig wide;
  wide.max_channel_delay = wide.period_samples() / 2;
  EXPECT_THROW(wide.validate(), CalibrationError);
}

// ---- estimation against the injected impairments -------------------------------

TEST(Estimator, RecoversTheInjectedMismatchOfFourChannelsOverSeeds) {
  WorstErrors worst;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    SplitterBench b = bench(4, {0.0, 3.37, 7.81, 12.5}, seed);
    b.receivers.dc_offset = {{0.01, -0.02}, {-0.05, 0.03}, {0.0, 0.1}, {0.2, -0.1}};
    b.receivers.gain_db = {0.0, -3.0, 2.5, 6.0};
    b.receivers.phase = {0.0, 1.0, -2.5, 3.0};
    b.cfo = 2e-4;
    b.snr_db = 20;
    expect_matches_truth(b, estimate_calibration(simulate_splitter_capture(b), b.reference), worst);
  }
  worst.print();
}

TEST(Estimator, HandlesChannelZeroBeingTheLatestAndANegativeCarrierOffset) {
  WorstErrors worst;
  for (std::uint64_t seed = 11; seed <= 13; ++seed) {
    SplitterBench b = bench(4, {5.25, 0.0, 2.6, 9.9}, seed);  // channel 1 is 5.25 samples early: -6 + 0.75
    b.receivers.dc_offset = {{-0.1, 0.0}, {0.0, 0.0}, {0.03, 0.03}, {0.0, -0.2}};
    b.receivers.gain_db = {1.0, -1.0, 0.0, -4.0};
    b.receivers.phase = {2.0, -2.0, 0.5, 0.0};
    b.cfo = -3e-4;
    b.snr_db = 25;
    const CalibrationEstimate e = estimate_calibration(simulate_splitter_capture(b), b.reference);
    EXPECT_EQ(e.channels[1].integer_delay, -6);
    EXPECT_NEAR(e.channels[1].fractional_delay, 0.75, kDelayTolerance);
    expect_matches_truth(b, e, worst);
  }
  worst.print();
}

TEST(Estimator, RecoversRandomMismatchOfSixteenChannels) {
  WorstErrors worst;
  for (std::uint64_t seed = 21; seed <= 24; ++seed) {
    const SplitterBench b = random_bench(16, seed);
    expect_matches_truth(b, estimate_calibration(simulate_splitter_capture(b), b.reference), worst);
  }
  worst.print();
}

TEST(Estimator, FindsTheReferenceWhereverTheCaptureStarts) {
  SplitterBench b = random_bench(4, 31);
  b.lead_samples = 1700;  // not a multiple of anything in the reference
  const CalibrationEstimate e = estimate_calibration(simulate_splitter_capture(b), b.reference);
  EXPECT_NEAR(e.reference_start, 1700 + b.receivers.delay[0], kDelayTolerance);
  WorstErrors worst;
  expect_matches_truth(b, e, worst);
}

// ---- estimation errors --------------------------------------------------------

std::string error_of(const Channels& channels, const ReferenceConfig& config = {}) {
  try {
    estimate_calibration(channels, config);
  } catch (const CalibrationError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Estimator, NamesWhatIsWrongWithTheCapture) {
  const Channels capture = simulate_splitter_capture(bench(3, {0.0, 1.5, 2.0}, 41));
  EXPECT_NE(error_of({}).find("no channels"), std::string::npos);

  Channels ragged = capture;
  ragged[2].resize(ragged[2].size() - 10);
  EXPECT_NE(error_of(ragged).find("channel 2 has"), std::string::npos) << error_of(ragged);

  Channels short_capture = capture;
  for (auto& c : short_capture) c.resize(1000);
  EXPECT_NE(error_of(short_capture).find("too few samples"), std::string::npos) << error_of(short_capture);

  Channels unplugged = capture;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0.0, 0.01);
  for (Sample& s : unplugged[1]) s = {noise(rng), noise(rng)};
  const std::string message = error_of(unplugged);
  EXPECT_NE(message.find("reference not found in channel 1"), std::string::npos) << message;

  const Channels far_apart = simulate_splitter_capture(bench(2, {0.0, 100.0}, 42));
  EXPECT_NE(error_of(far_apart).find("channel 1 matches the reference best at sample"), std::string::npos)
      << error_of(far_apart);
  ReferenceConfig wider;
  wider.max_channel_delay = 120;
  EXPECT_EQ(error_of(far_apart, wider), "no error");

  ReferenceConfig bad;
  bad.repetitions = 0;
  EXPECT_NE(error_of(capture, bad).find("repetitions"), std::string::npos);
}

// ---- the calibration file -----------------------------------------------------

class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() / ("moema-cal-" + std::to_string(std::random_device{}()))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

CalibrationFile sample_file() {
  const SplitterBench b = random_bench(4, 51);
  return make_calibration_file(estimate_calibration(simulate_splitter_capture(b), b.reference), b.reference, 2.45e9,
                               1e6, 31.5, {"31A2B4C", "31A2B5D"});
}

TEST(CalibrationFile, RoundTripsEveryField) {
  TempDir dir;
  const CalibrationFile file = sample_file();
  save_calibration(file, dir.file("cal.json"));
  const CalibrationFile back = load_calibration(dir.file("cal.json"));
  EXPECT_EQ(back.serials, file.serials);
  EXPECT_EQ(back.frequency, file.frequency);
  EXPECT_EQ(back.sample_rate, file.sample_rate);
  EXPECT_EQ(back.gain_db, file.gain_db);
  EXPECT_EQ(back.measured_at, file.measured_at);
  EXPECT_EQ(back.reference, file.reference);
  EXPECT_EQ(back.cfo, file.cfo);
  ASSERT_EQ(back.channels.size(), file.channels.size());
  for (std::size_t k = 0; k < file.channels.size(); ++k) {
    const ChannelCalibration &a = file.channels[k], &b = back.channels[k];
    EXPECT_EQ(b.channel_index, a.channel_index);
    EXPECT_EQ(b.integer_delay, a.integer_delay);
    EXPECT_EQ(b.fractional_delay, a.fractional_delay);
    EXPECT_EQ(b.dc, a.dc);
    EXPECT_EQ(b.gain_db, a.gain_db);
    EXPECT_EQ(b.phase_rad, a.phase_rad);
    EXPECT_EQ(b.snr_db, a.snr_db);
  }
  EXPECT_EQ(file.measured_at.size(), 20u);  // 2025-03-01T14:02:11Z
  EXPECT_EQ(file.measured_at.back(), 'Z');
}

TEST(CalibrationFile, UsesSigmfSpatialNames) {
  const nlohmann::json j = sample_file();
  EXPECT_EQ(j.at("spatial:num_elements"), 4);
  EXPECT_EQ(j.at("spatial:calibration").at("caltype"), "ref");
  const nlohmann::json& channel = j.at("moema:channels").at(2);
  EXPECT_EQ(channel.at("spatial:channel_index"), 2);
  EXPECT_NEAR(channel.at("spatial:phase_offset").get<double>(),
              channel.at("moema:phase_rad").get<double>() * 180.0 / kPi, 1e-9);
}

std::string load_error(const std::string& path) {
  try {
    load_calibration(path);
  } catch (const CalibrationError& e) {
    return e.what();
  }
  return "no error";
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(CalibrationFile, LoadNamesThePathAndTheProblem) {
  TempDir dir;
  const std::string missing = dir.file("missing.json");
  EXPECT_NE(load_error(missing).find(missing + ": cannot open"), std::string::npos) << load_error(missing);

  const std::string malformed = dir.file("malformed.json");
  write_text(malformed, "{\"core:frequency\": ");
  EXPECT_NE(load_error(malformed).find(malformed + ": not valid JSON"), std::string::npos) << load_error(malformed);

  nlohmann::json good = sample_file();
  const auto edited = [&](const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = good;
    edit(j);
    write_text(dir.file(name), j.dump());
    return load_error(dir.file(name));
  };
  EXPECT_NE(edited("nokey.json", [](nlohmann::json& j) { j.erase("core:sample_rate"); }).find("missing key \"core:sample_rate\""),
            std::string::npos);
  const std::string mistyped = edited("type.json", [](nlohmann::json& j) { j["core:frequency"] = "2.45 GHz"; });
  EXPECT_NE(mistyped.find("\"core:frequency\" must be a number, got string"), std::string::npos) << mistyped;
  const std::string deep = edited("deep.json", [](nlohmann::json& j) { j["moema:channels"][2].erase("moema:gain_db"); });
  EXPECT_NE(deep.find("moema:channels[2].moema:gain_db"), std::string::npos) << deep;
  const std::string version = edited("version.json", [](nlohmann::json& j) { j["moema:calibration_version"] = 2; });
  EXPECT_NE(version.find("moema:calibration_version 2 is not supported"), std::string::npos) << version;
  const std::string phase = edited("phase.json", [](nlohmann::json& j) { j["moema:channels"][1]["spatial:phase_offset"] = 12.0; });
  EXPECT_NE(phase.find("disagrees"), std::string::npos) << phase;
  const std::string count = edited("count.json", [](nlohmann::json& j) { j["spatial:num_elements"] = 3; });
  EXPECT_NE(count.find("spatial:num_elements"), std::string::npos) << count;
}

std::string applicability_error(const CalibrationFile& file, double frequency, double rate, int channels,
                                const std::vector<std::string>& serials = {}) {
  try {
    check_applicable(file, frequency, rate, channels, serials);
  } catch (const CalibrationError& e) {
    return e.what();
  }
  return "";
}

TEST(CalibrationFile, RefusesAnotherSetUp) {
  const CalibrationFile file = sample_file();
  EXPECT_EQ(applicability_error(file, 2.45e9, 1e6, 4), "");
  EXPECT_EQ(applicability_error(file, 2.45e9 + 0.3, 1e6, 4, file.serials), "");
  const std::string frequency = applicability_error(file, 2.4e9, 1e6, 4);
  EXPECT_NE(frequency.find("stale calibration: measured at 2450000000.0 Hz"), std::string::npos) << frequency;
  const std::string rate = applicability_error(file, 2.45e9, 2e6, 4);
  EXPECT_NE(rate.find("stale calibration: measured at 1000000.0 samples/s"), std::string::npos) << rate;
  const std::string channels = applicability_error(file, 2.45e9, 1e6, 16);
  EXPECT_NE(channels.find("calibration is for 4 channels"), std::string::npos) << channels;
  const std::string serials = applicability_error(file, 2.45e9, 1e6, 4, {"31A2B4C", "3000000"});
  EXPECT_NE(serials.find("measured with devices [31A2B4C, 31A2B5D]"), std::string::npos) << serials;
}

TEST(CalibrationFile, LoadApplicableNamesThePathOfAStaleFile) {
  const std::string path = (std::filesystem::temp_directory_path() / "moema_stale_calibration.json").string();
  save_calibration(sample_file(), path);
  EXPECT_EQ(load_applicable_calibration(path, 2.45e9, 1e6, 4).num_elements(), 4);
  try {
    load_applicable_calibration(path, 5.8e9, 1e6, 4);
    ADD_FAILURE() << "a file for 2.45 GHz was applied at 5.8 GHz";
  } catch (const CalibrationError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ": stale calibration", 0), 0u) << e.what();
  }
  std::filesystem::remove(path);
}

// ---- receive-chain impairments from the command line ---------------------------

TEST(ReceiverImpairments, ConvertsDegreesAndParsesDcPerChannel) {
  ReceiverImpairmentLists lists;
  lists.delay = {0.0, 2.5};
  lists.phase_deg = {90.0, -180.0};
  lists.dc = {"0.01:-0.02", "-1e-3:0"};
  const rx::ApImpairments ap = to_ap_impairments(lists, 2, "rx-");
  EXPECT_EQ(ap.delay, (std::vector<double>{0.0, 2.5}));
  EXPECT_TRUE(ap.gain_db.empty());
  ASSERT_EQ(ap.phase.size(), 2u);
  EXPECT_DOUBLE_EQ(ap.phase[0], kPi / 2);
  EXPECT_DOUBLE_EQ(ap.phase[1], -kPi);
  EXPECT_EQ(ap.dc_offset, (std::vector<Sample>{{0.01, -0.02}, {-1e-3, 0.0}}));
  EXPECT_TRUE(ReceiverImpairmentLists{}.empty());
}

TEST(ReceiverImpairments, NamesTheOptionAndTheProblem) {
  const auto error = [](const ReceiverImpairmentLists& lists) -> std::string {
    try {
      to_ap_impairments(lists, 3, "rx-");
    } catch (const CalibrationError& e) {
      return e.what();
    }
    return "";
  };
  ReceiverImpairmentLists lists;
  lists.gain_db = {0.0, 1.0};
  EXPECT_EQ(error(lists), "--rx-gain-db: 2 values for 3 receive channels (give one per channel, or none)");
  lists = {};
  lists.delay = {0.0, -1.0, 2.0};
  EXPECT_NE(error(lists).find("--rx-delay: delays must be >= 0"), std::string::npos) << error(lists);
  lists = {};
  lists.dc = {"0:0", "0.1", "0:0"};
  EXPECT_EQ(error(lists), "--rx-dc: expected re:im per channel, got '0.1'");
  lists.dc = {"0:0", "x:1", "0:0"};
  EXPECT_EQ(error(lists), "--rx-dc: expected a number, got 'x'");
}

// ---- the corrector ------------------------------------------------------------

Channels corrected(ReceiverCorrector corrector, const Channels& in, const std::vector<std::size_t>& chunks) {
  Channels out(in.size(), std::vector<Sample>(in.front().size()));
  std::size_t done = 0;
  for (std::size_t chunk : chunks) {
    std::vector<const Sample*> inputs;
    std::vector<Sample*> outputs;
    for (std::size_t k = 0; k < in.size(); ++k) {
      inputs.push_back(in[k].data() + done);
      outputs.push_back(out[k].data() + done);
    }
    corrector.process(inputs, outputs, chunk);
    done += chunk;
  }
  return out;
}

TEST(ReceiverCorrector, AnySplitIntoChunksGivesBitIdenticalOutput) {
  const SplitterBench b = random_bench(4, 61);
  const Channels capture = simulate_splitter_capture(b);
  const ReceiverCorrector corrector(estimate_calibration(capture, b.reference).channels);
  const std::size_t n = capture.front().size();
  const Channels whole = corrected(corrector, capture, {n});
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 3; ++trial) {
    std::vector<std::size_t> chunks;
    for (std::size_t left = n; left > 0;) {
      const std::size_t c = std::min<std::size_t>(left, std::uniform_int_distribution<std::size_t>(0, 97)(rng));
      chunks.push_back(c);
      left -= c;
    }
    EXPECT_EQ(corrected(corrector, capture, chunks), whole);
  }
}

TEST(ReceiverCorrector, LinesEveryChannelUpWithTheLatestAndDocumentsItsLatency) {
  SplitterBench b = random_bench(4, 71);
  b.snr_db = 60;
  const Channels capture = simulate_splitter_capture(b);
  const CalibrationEstimate estimate = estimate_calibration(capture, b.reference);
  ReceiverCorrector corrector(estimate.channels);
  double latest = 0;
  for (const ChannelCalibration& c : estimate.channels) latest = std::max(latest, c.delay());
  for (int k = 0; k < 4; ++k)
    EXPECT_NEAR(corrector.latency(k), latest - estimate.channels[static_cast<std::size_t>(k)].delay() + 8, 1e-12);
  const Channels out = corrected(corrector, capture, {capture.front().size()});
  // After correction every channel is channel 0's chain at one common delay.
  double error = 0, power = 0;
  for (std::size_t t = 0; t < out[0].size(); ++t)
    for (std::size_t k = 1; k < out.size(); ++k) {
      error += std::norm(out[k][t] - out[0][t]);
      power += std::norm(out[0][t]);
    }
  EXPECT_LT(10.0 * std::log10(error / power), -40.0);
  EXPECT_THROW(corrector.process({capture[0].data()}, {nullptr}, 1), CalibrationError);
}

// What radios and recordings give is cf32: that path must be the double one
// rounded once, whatever the chunks.
TEST(ReceiverCorrector, TheCf32PathIsTheDoublePathRoundedToFloat) {
  const SplitterBench b = random_bench(3, 81);
  const Channels capture = simulate_splitter_capture(b);
  const ReceiverCorrector reference(estimate_calibration(capture, b.reference).channels);
  ReceiverCorrector corrector = reference;
  std::vector<std::vector<std::complex<float>>> in, out;
  Channels rounded;  // the double path on the cf32 input
  for (const auto& channel : capture) {
    in.emplace_back(channel.begin(), channel.end());
    out.emplace_back(channel.size());
    rounded.emplace_back(in.back().begin(), in.back().end());
  }
  const Channels expected = corrected(reference, rounded, {rounded.front().size()});
  const std::size_t n = capture.front().size(), half = n / 3;
  for (const auto& [start, count] : {std::pair<std::size_t, std::size_t>{0, half}, {half, n - half}}) {
    std::vector<const std::complex<float>*> inputs;
    std::vector<std::complex<float>*> outputs;
    for (std::size_t k = 0; k < in.size(); ++k) {
      inputs.push_back(in[k].data() + start);
      outputs.push_back(out[k].data() + start);
    }
    corrector.process(inputs, outputs, count);
  }
  for (std::size_t k = 0; k < out.size(); ++k)
    for (std::size_t t = 0; t < n; ++t) ASSERT_EQ(out[k][t], std::complex<float>(expected[k][t])) << k << " " << t;
}

// ---- MoEMA's subspaces through an impaired, then corrected access point --------

rx::ScenarioConfig uplink_scenario(int antennas) {
  rx::ScenarioConfig s;
  s.precoders.devices = 2;
  s.precoders.codeword_length = 10;
  s.precoders.feature_dim = 3;
  s.precoders.overlap = 1;
  s.channel.antennas = antennas;
  s.seed = 5;
  s.channel_stream = 1;
  return s;
}

struct UplinkRun {
  std::vector<double> similarity;  // eq. 6 per device after blind recovery; empty when too few frames arrived
  int decoded = 0;
  std::string error;  // why recovery refused the slots, if it did
};

// transmit_features_over_air's loop with the corrector between the antennas
// and the matched filters, where it sits in the real receiver.
UplinkRun run_uplink(const rx::AirLinkConfig& air, ReceiverCorrector* corrector, int slots) {
  const rx::ScenarioConfig scenario = uplink_scenario(8);
  rx::UplinkSimulator uplink(scenario, air, 0);
  const rx::SlotFormat& f = uplink.format();
  const int antennas = uplink.antennas();
  rx::FrameReceiver receiver(rx::SlotSyncConfig{f, antennas, air.detection_threshold});
  std::vector<rx::FirFilter> matched(antennas, rx::FirFilter(rx::root_raised_cosine(f.samples_per_symbol, f.rolloff,
                                                                                     f.filter_span)));
  std::mt19937_64 rng(9);
  rx::SimulatedSlots received{uplink.precoders(), {}, {}, {}};
  std::vector<std::vector<rx::Vector>> sent;
  std::vector<std::vector<Sample>> samples;
  const auto length = static_cast<std::size_t>(f.slot_samples());
  for (int step = 0; step < slots + 3; ++step) {  // one silent slot first, two to flush the filters
    std::vector<rx::Vector> features;
    if (step >= 1 && step <= slots)
      for (int n = 0; n < 2; ++n) features.push_back(rx::random_unit_vector(3, rng));
    std::vector<rx::Vector> codewords = uplink.next(features, {}, samples);
    if (!features.empty()) sent.push_back(std::move(codewords));
    std::vector<const Sample*> in;
    std::vector<Sample*> out;
    for (auto& a : samples) {
      in.push_back(a.data());
      out.push_back(a.data());
    }
    if (corrector) corrector->process(in, out, length);
    for (int k = 0; k < antennas; ++k) matched[k].process(samples[k].data(), samples[k].data(), length);
    for (const rx::DecodedFrame& frame : receiver.push(in, length)) {
      if (!frame.ok || frame.slot_id >= sent.size()) continue;
      received.received.push_back(rx::stack_real(frame.slot.payload));
      received.codewords.push_back(sent[frame.slot_id]);
    }
  }
  UplinkRun run;
  run.decoded = static_cast<int>(received.received.size());
  if (run.decoded < 20) return run;
  try {
    const rx::SubspaceEstimate estimate =
        rx::recover_subspaces(received.received, rx::recovery_config(received, rx::RecoveryMethod::Jbd));
    run.similarity = rx::subspace_similarities(received, estimate);
  } catch (const std::invalid_argument& e) {  // e.g. the misaligned channels add directions to the row space
    run.error = e.what();
  }
  return run;
}

// The worst device's similarity; 0 when too few frames arrived or recovery
// refused the slots, since then no subspace is recovered at all.
double worst(const UplinkRun& run) {
  return run.similarity.empty() ? 0.0 : *std::min_element(run.similarity.begin(), run.similarity.end());
}

TEST(ReceiverCorrector, RestoresTheSubspaceSimilarityOfAnUnimpairedAccessPoint) {
  rx::ApImpairments ap;
  ap.delay = {0.0, 3.37, 7.81, 12.5, 1.2, 5.5, 9.05, 2.75};
  ap.gain_db = {0.0, -3.0, 2.5, 6.0, -1.0, 1.5, -4.0, 3.0};
  ap.phase = {0.0, 1.0, -2.5, 3.0, 0.4, -1.2, 2.2, -0.7};
  ap.dc_offset = {{0.01, -0.02}, {-0.05, 0.03}, {0.0, 0.1}, {0.2, -0.1},
                  {0.0, 0.0},    {0.04, 0.04},  {-0.1, 0.0}, {0.0, -0.03}};
  SplitterBench b;  // the same receivers on the calibration bench
  b.channels = 8;
  b.receivers = ap;
  b.cfo = 2e-4;
  b.snr_db = 25;
  ReceiverCorrector corrector(estimate_calibration(simulate_splitter_capture(b), b.reference).channels);

  rx::AirLinkConfig air;
  air.snr_db = 20;
  air.devices = {rx::DeviceImpairments{0, 0.0, 1e-3, 0.3}, rx::DeviceImpairments{0, 0.05, 1e-3, -1.0}};
  constexpr int kSlots = 150;
  const UplinkRun clean = run_uplink(air, nullptr, kSlots);
  air.ap = ap;
  const UplinkRun fixed = run_uplink(air, &corrector, kSlots);
  const UplinkRun impaired = run_uplink(air, nullptr, kSlots);
  // Gain, phase and DC alone leave the row space alone (they fold into h_n, and
  // the synchroniser removes DC); the delays are what breaks it. With delays of
  // up to half a sample every frame still arrives, but the channels sample the
  // pulses at different instants and add a direction to the row space.
  rx::AirLinkConfig half_sample = air;
  for (double& d : half_sample.ap.delay) d *= 0.5 / 12.5;
  const UplinkRun misaligned = run_uplink(half_sample, nullptr, kSlots);
  rx::AirLinkConfig quarter_sample = air;  // for the README: where misalignment starts to matter
  for (double& d : quarter_sample.ap.delay) d *= 0.25 / 12.5;
  const UplinkRun slightly = run_uplink(quarter_sample, nullptr, kSlots);
  std::printf("subspace similarity (worst device): unimpaired %.5f (%d frames), corrected %.5f (%d), "
              "uncorrected %.4f (%d); uncorrected, delays within half a sample %.4f (%d) %s; "
              "within a quarter sample %.5f (%d)\n",
              worst(clean), clean.decoded, worst(fixed), fixed.decoded, worst(impaired), impaired.decoded,
              worst(misaligned), misaligned.decoded, misaligned.error.c_str(), worst(slightly), slightly.decoded);
  ASSERT_EQ(clean.decoded, kSlots);
  EXPECT_EQ(fixed.decoded, kSlots);
  for (std::size_t n = 0; n < clean.similarity.size(); ++n)
    EXPECT_NEAR(fixed.similarity.at(n), clean.similarity[n], 0.01) << "device " << n;
  EXPECT_LT(impaired.decoded, kSlots / 2);  // delays of several samples: most frames are lost
  EXPECT_EQ(misaligned.decoded, kSlots);
  EXPECT_LT(worst(misaligned), worst(clean) - 0.05) << "recovery error: " << misaligned.error;
}

}  // namespace
}  // namespace moema::calibration
