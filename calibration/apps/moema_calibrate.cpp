// moema-calibrate: multichannel receiver calibration of the access point.
//
//   moema-calibrate reference --out ref.cf32                the reference for the bench transmitter
//   moema-calibrate simulate --out DIR --channels K ...     a simulated splitter capture (SigMF)
//   moema-calibrate estimate --capture DIR --out cal.json   estimate, write the file, print a table
//   moema-calibrate check cal.json --frequency F --rate R --channels K
//
// Errors: one line on stderr naming the input, exit status 1 (2 and up for
// command-line syntax, from CLI11).
#include "moema/common/system_parameters.hpp"
#include "moema/calibration/calibration_file.hpp"
#include "moema/calibration/cli.hpp"
#include "moema/calibration/estimator.hpp"
#include "moema/calibration/receiver_corrector.hpp"
#include "moema/calibration/splitter_bench.hpp"
#include "moema/io/sigmf.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

using namespace moema::calibration;
using nlohmann::json;
namespace rx = moema::rx;

namespace {

constexpr double kPi = 3.14159265358979323846;

void add_reference_options(CLI::App& command, ReferenceConfig& reference) {
  command.add_option("--repetitions", reference.repetitions, "Bursts in the reference")->capture_default_str();
  command.add_option("--gap", reference.gap_samples, "Silent samples after each burst")->capture_default_str();
  command.add_option("--max-delay", reference.max_channel_delay, "Largest delay between channels searched, samples")
      ->capture_default_str();
}

// ---- reference ---------------------------------------------------------------

struct ReferenceOptions {
  std::string out;
  ReferenceConfig reference;
};

void write_reference(const ReferenceOptions& o) {
  const std::vector<Sample> waveform = reference_waveform(o.reference);
  std::vector<rx::SampleF> samples(waveform.begin(), waveform.end());
  std::ofstream out(o.out, std::ios::binary);
  out.write(reinterpret_cast<const char*>(samples.data()), static_cast<std::streamsize>(samples.size() * sizeof(rx::SampleF)));
  out.close();
  if (!out) throw CalibrationError("--out: cannot write '" + o.out + "'");
  std::printf("wrote %s: %zu samples, cf32_le, peak %.2f of full scale (1.0)\n%s\n", o.out.c_str(), samples.size(),
              o.reference.peak, o.reference.describe().c_str());
}

// ---- simulate ----------------------------------------------------------------

struct SimulateOptions {
  std::string out, name = "calibration";
  int channels = 4;
  ReceiverImpairmentLists receivers;
  double cfo = 0, snr_db = 30, rate = 1e6, frequency = 2.45e9;
  std::uint64_t seed = moema::defaults::kSeed;
  ReferenceConfig reference;
};

SplitterBench bench_from(const SimulateOptions& o) {
  SplitterBench bench;
  bench.channels = o.channels;
  bench.reference = o.reference;
  bench.receivers = to_ap_impairments(o.receivers, o.channels, "");
  bench.cfo = o.cfo;
  bench.snr_db = o.snr_db;
  bench.seed = o.seed;
  return bench;
}

json truth_json(const SplitterBench& bench) {
  json dc = json::array();
  for (const Sample& s : bench.receivers.dc_offset) dc.push_back({s.real(), s.imag()});
  return {{"delay", bench.receivers.delay}, {"dc", dc},        {"gain_db", bench.receivers.gain_db},
          {"phase_rad", bench.receivers.phase}, {"cfo", bench.cfo}, {"snr_db", bench.snr_db}};
}

void simulate(const SimulateOptions& o) {
  const SplitterBench bench = bench_from(o);
  const Channels captures = simulate_splitter_capture(bench);
  rx::RecordingInfo info;
  info.channels = o.channels;
  info.sample_rate = o.rate;
  info.frequency = o.frequency;
  info.description = "calibration reference through a simulated splitter";
  info.hw = "simulated splitter bench (moema-calibrate simulate, seed " + std::to_string(o.seed) + ")";
  info.extension = {{"calibration_reference", o.reference.describe()}, {"truth", truth_json(bench)}};
  rx::SigmfRecorder recorder(o.out, o.name, info);
  std::vector<std::vector<rx::SampleF>> samples;
  std::vector<const rx::SampleF*> pointers;
  for (const auto& capture : captures) {
    samples.emplace_back(capture.begin(), capture.end());
    pointers.push_back(samples.back().data());
  }
  recorder.write(pointers, captures.front().size());
  recorder.close();
  std::printf("wrote %s: %d channels x %zu samples\n", recorder.collection_path().c_str(), o.channels,
              captures.front().size());
}

// ---- estimate ----------------------------------------------------------------

struct EstimateOptions {
  std::string capture, out;
  std::vector<std::string> serials;
  double gain_db = 0;
  ReferenceConfig reference;
};

Channels read_all(rx::SigmfReader& reader) {
  const auto length = static_cast<std::size_t>(reader.samples());
  std::vector<std::vector<rx::SampleF>> raw(static_cast<std::size_t>(reader.channels()),
                                            std::vector<rx::SampleF>(length));
  std::vector<rx::SampleF*> pointers;
  for (auto& r : raw) pointers.push_back(r.data());
  std::size_t done = 0;
  while (done < length) {
    for (std::size_t k = 0; k < raw.size(); ++k) pointers[k] = raw[k].data() + done;
    const std::size_t got = reader.read(pointers, length - done);
    if (got == 0) break;
    done += got;
  }
  Channels channels;
  for (const auto& r : raw) channels.emplace_back(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(done));
  return channels;
}

void print_table(const CalibrationFile& file) {
  std::printf("carrier offset: %.4e cycles/sample = %.2f Hz\n", file.cfo, file.cfo_hz());
  std::printf("%7s %9s %7s %8s %8s %9s %9s %9s %7s\n", "channel", "delay", "integer", "fraction", "gain dB",
              "phase deg", "dc re", "dc im", "snr dB");
  for (const ChannelCalibration& c : file.channels)
    std::printf("%7d %9.3f %7d %8.3f %8.3f %9.2f %9.5f %9.5f %7.1f\n", c.channel_index, c.delay(), c.integer_delay,
                c.fractional_delay, c.gain_db, c.phase_rad * 180.0 / kPi, c.dc.real(), c.dc.imag(), c.snr_db);
}

void estimate(const EstimateOptions& o) {
  rx::SigmfReader reader(o.capture);
  for (const std::string& warning : reader.warnings()) std::fprintf(stderr, "warning: %s\n", warning.c_str());
  const Channels channels = read_all(reader);
  const CalibrationEstimate estimate = estimate_calibration(channels, o.reference);
  const CalibrationFile file =
      make_calibration_file(estimate, o.reference, reader.frequency(), reader.sample_rate(), o.gain_db, o.serials);
  save_calibration(file, o.out);
  std::printf("capture %s: %d channels x %zu samples at %.0f Hz, %.0f samples/s\n", o.capture.c_str(),
              reader.channels(), channels.front().size(), file.frequency, file.sample_rate);
  print_table(file);
  std::printf("wrote %s\n", o.out.c_str());
}

// ---- check -------------------------------------------------------------------

struct CheckOptions {
  std::string file;
  double frequency = 0, rate = 0;
  int channels = 0;
  std::vector<std::string> serials;
};

void check(const CheckOptions& o) {
  const CalibrationFile file = load_applicable_calibration(o.file, o.frequency, o.rate, o.channels, o.serials);
  std::printf("ok: %s applies: %d channels at %.0f Hz, %.0f samples/s, measured %s\n", o.file.c_str(),
              file.num_elements(), file.frequency, file.sample_rate, file.measured_at.c_str());
}

// ---- the command line --------------------------------------------------------

CLI::App* add_reference_command(CLI::App& app, ReferenceOptions& o) {
  CLI::App* c = app.add_subcommand("reference", "Write the reference waveform (cf32_le) for the bench transmitter");
  c->add_option("--out", o.out, "Output file")->required();
  add_reference_options(*c, o.reference);
  return c;
}

CLI::App* add_simulate_command(CLI::App& app, SimulateOptions& o) {
  CLI::App* c = app.add_subcommand("simulate", "Write a SigMF capture of the reference through a simulated splitter bench");
  c->add_option("--out", o.out, "Output directory")->required();
  c->add_option("--name", o.name, "Recording name")->capture_default_str();
  c->add_option("--channels", o.channels, "Receive channels K")->capture_default_str()->check(CLI::Range(1, 256));
  add_receiver_impairment_options(*c, o.receivers, "");
  c->add_option("--cfo", o.cfo, "Carrier offset, cycles/sample")->capture_default_str();
  c->add_option("--snr-db", o.snr_db, "Per-channel SNR of the reference, dB")->capture_default_str();
  c->add_option("--seed", o.seed, "Noise seed")->capture_default_str();
  c->add_option("--rate", o.rate, "Sample rate written to the recording, Hz")->capture_default_str();
  c->add_option("--frequency", o.frequency, "Centre frequency written to the recording, Hz")->capture_default_str();
  add_reference_options(*c, o.reference);
  return c;
}

CLI::App* add_estimate_command(CLI::App& app, EstimateOptions& o) {
  CLI::App* c = app.add_subcommand("estimate", "Estimate the calibration from a SigMF capture of the reference");
  c->add_option("--capture", o.capture, "SigMF collection, or the directory holding it")->required();
  c->add_option("--out", o.out, "Calibration file to write (JSON)")->required();
  c->add_option("--serials", o.serials, "Serials of the receiving USRPs (a,b,...)")->delimiter(',');
  c->add_option("--gain-db", o.gain_db, "Receive gain setting during the capture, dB")->capture_default_str();
  add_reference_options(*c, o.reference);
  return c;
}

CLI::App* add_check_command(CLI::App& app, CheckOptions& o) {
  CLI::App* c = app.add_subcommand("check", "Check that a calibration file applies to a receiver set-up");
  c->add_option("file", o.file, "Calibration file")->required();
  c->add_option("--frequency", o.frequency, "Centre frequency, Hz")->required();
  c->add_option("--rate", o.rate, "Sample rate, Hz")->required();
  c->add_option("--channels", o.channels, "Receive channels K")->required();
  c->add_option("--serials", o.serials, "Serials of the receiving USRPs (a,b,...)")->delimiter(',');
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"moema-calibrate: per-channel delay, gain, phase and DC of the access point's receivers"};
  app.require_subcommand(1, 1);
  ReferenceOptions reference_options;
  SimulateOptions simulate_options;
  EstimateOptions estimate_options;
  CheckOptions check_options;
  const CLI::App* reference = add_reference_command(app, reference_options);
  const CLI::App* simulated = add_simulate_command(app, simulate_options);
  const CLI::App* estimated = add_estimate_command(app, estimate_options);
  const CLI::App* checked = add_check_command(app, check_options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*reference) write_reference(reference_options);
    if (*simulated) simulate(simulate_options);
    if (*estimated) estimate(estimate_options);
    if (*checked) check(check_options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moema-calibrate: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
