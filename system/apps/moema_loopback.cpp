// moema-loopback: the simulated over-the-air run. N devices frame and
// pulse-shape their precoded ArcFace features, the sample-level
// multiple-access channel adds fading, noise and the radio's impairments, and
// the AP's receive chain (matched filters, synchronisation, aux messages,
// learning phase, subspace recovery, MoE) decides every slot from the K
// channels as cf32 samples, exactly what a recording holds. --record DIR
// writes those samples as SigMF for moema-replay. Beside each run it scores
// the same test samples over the slot-level channel without a radio (what
// moema-experiment measures), so the radio's cost is read off one table.
#include "moema/common/system_parameters.hpp"
#include "moema/system/experiment.hpp"
#include "moema/system/radio_options.hpp"
#include "moema/system/receive_chain.hpp"
#include "moema/models/tensor_utils.hpp"
#include "moema/common/torch_support.hpp"
#include "moema/link/air_link.hpp"
#include "moema/io/sigmf.hpp"
#include "moema/system/loopback_recording.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>

using namespace moema;
using namespace moema::models;
namespace rx = moema::rx;
using nlohmann::json;

namespace {

struct Options {
  int devices = defaults::kDevices;
  int antennas = defaults::kAntennas;
  std::vector<int> overlaps{0, 1, 2};
  std::string snr = "30";
  RadioImpairments radio;
  int slots = 1000;
  int learning_slots = defaults::kLearningSlots;
  std::string decoder = "projection";
  std::string signalling = "distance";
  std::uint64_t seed = defaults::kSeed;
  int fine_tune_epochs = 0;
  std::string record_dir, decisions_path;
  // Empty: the defaults, resolved where used, so a recording does not carry
  // this machine's paths.
  std::string data_dir;
  std::string weights_dir;
  std::string train_dir;  // empty: <data>/trained-receivers
  double sample_rate = defaults::kSampleRate, frequency = 0;  // 0: no carrier, a simulation
  double start_time = std::numeric_limits<double>::quiet_NaN();  // rx_time of the first sample, if given
  bool reference = true;
  bool json = false;
  int threads = 1;  // the MoE is small: a second LibTorch thread only competes with the filters
};

double parse_snr(const std::string& s) {
  if (s == "inf") return std::numeric_limits<double>::infinity();
  std::size_t used = 0;
  const double v = std::stod(s, &used);
  if (used != s.size()) throw std::invalid_argument("--snr: '" + s + "' is not a number of dB or inf");
  return v;
}

ApReceiverConfig receiver_config(const Options& o, int overlap) {
  ApReceiverConfig c;
  c.deployment.devices = o.devices;
  c.deployment.overlap = overlap;
  c.deployment.decoder = rx::parse_decoder(o.decoder);
  c.deployment.seed = o.seed;
  c.deployment.slots = o.slots;
  c.deployment.data_dir = o.data_dir;
  c.deployment.weights_dir = o.weights_dir;
  c.antennas = o.antennas;
  c.learning_slots = std::min(o.learning_slots, o.slots);
  c.signalling = parse_signalling(o.signalling);
  c.fine_tune_epochs = o.fine_tune_epochs;
  c.train_dir = o.train_dir;
  return c;
}

rx::AirLinkConfig air_config(const Options& o) {
  rx::AirLinkConfig air = air_link_config(o.radio, o.devices, o.antennas, o.seed);
  air.snr_db = parse_snr(o.snr);
  return air;
}

json truth_json(const std::vector<DeviceStream>& streams) {
  json truth = json::object();
  for (std::size_t t = 0; t < streams.front().labels.size(); ++t) {
    json labels = json::array();
    for (const DeviceStream& s : streams) labels.push_back(s.labels[t]);
    truth[std::to_string(t)] = labels;
  }
  return truth;
}

// The same test samples over the slot-level channel (no radio): MoEMA's
// accuracy with blindly estimated subspaces, as moema-experiment reports it.
double reference_accuracy(const Options& o, const ApReceiverConfig& c, const std::vector<DeviceStream>& streams) {
  const std::string weights_dir = o.weights_dir.empty() ? moema::weights_dir() : o.weights_dir;
  Embedding embedding = load_embedding(weights_dir);
  const ReceiverKey key{o.devices, c.deployment.codeword_length, embedding.feature_dim(), c.deployment.overlap, c.deployment.decoder, o.seed};
  std::optional<Receivers> receivers = find_receivers(key, weights_dir, o.train_dir);
  if (!receivers) throw std::runtime_error("no receivers " + key.name() + " for the reference run");
  LinkConfig link;
  link.devices = o.devices;
  link.antennas = o.antennas;
  link.overlap = c.deployment.overlap;
  link.snr_db = parse_snr(o.snr);
  link.decoder = c.deployment.decoder;
  link.recovery_slots = c.learning_slots;
  link.seed = o.seed;
  const LinkResult r = run_link(link, streams, 1, true);
  return evaluate(receivers->moema.at(c.signalling),
                  codeword_set(r.with_estimated_subspaces, embedding.centres, c.signalling))
      .accuracy;
}

json run_loopback(const Options& o, int overlap, const std::string& record_dir) {
  const ApReceiverConfig config = receiver_config(o, overlap);
  const std::vector<DeviceStream> streams = deployment_streams(config.deployment);
  ReceiveChain chain(config, o.decisions_path);
  for (std::size_t t = 0; t < streams.front().labels.size(); ++t) {
    std::vector<int> labels;
    for (const DeviceStream& s : streams) labels.push_back(s.labels[t]);
    chain.receiver().set_truth(static_cast<std::uint32_t>(t), labels);
    chain.log().set_truth(static_cast<std::uint32_t>(t), labels);
  }
  rx::ScenarioConfig scenario;
  scenario.precoders = config.deployment.precoders(static_cast<int>(streams.front().features.cols()));
  scenario.channel.antennas = o.antennas;
  scenario.seed = o.seed;
  scenario.channel_stream = 1;  // the test slots' draws, as moema-experiment
  const rx::AirLinkConfig air = air_config(o);
  rx::UplinkSimulator uplink(scenario, air, kAuxDim);
  const int slot_samples = uplink.format().slot_samples();

  nlohmann::json extension = {{"receiver", config.to_json()}, {"truth", truth_json(streams)},
                               {"impairments", o.radio}};
  extension["impairments"]["snr_db"] = o.snr;
  rx::LoopbackRecording recording(
      record_dir, "moema",
      rx::simulated_recording_info(o.antennas, o.sample_rate, o.frequency,
                                   "moema-loopback: N=" + std::to_string(o.devices) + ", K=" +
                                       std::to_string(o.antennas) + ", overlap " + std::to_string(overlap) +
                                       ", SNR " + o.snr + " dB",
                                   "simulated multiple-access channel (rx::MultipleAccessChannel)", extension));
  if (std::isfinite(o.start_time)) {  // as a USRP stamps its first sample
    rx::SampleClock clock;
    clock.set_rate(o.sample_rate);
    clock.stamp(0, o.start_time);
    chain.set_clock(clock);
    recording.add_capture(0, o.start_time);
  }

  std::vector<std::vector<rx::Sample>> antenna;
  std::vector<std::vector<std::complex<float>>> quantised(o.antennas);
  const std::size_t slots = streams.front().labels.size();
  // One silent slot before (the synchroniser's history) and two after (the
  // filters' and the channel's delays flush the last slot through).
  for (std::size_t step = 0; step < slots + 3; ++step) {
    std::vector<rx::Vector> features, aux;
    if (step >= 1 && step <= slots)
      for (const DeviceStream& s : streams) {
        features.push_back(s.features.row(static_cast<Eigen::Index>(step - 1)).transpose());
        aux.push_back(s.aux.row(static_cast<Eigen::Index>(step - 1)).transpose());
      }
    uplink.next(features, aux, antenna);
    std::vector<const std::complex<float>*> channels;
    for (int k = 0; k < o.antennas; ++k) {
      quantised[k].assign(antenna[k].begin(), antenna[k].end());
      channels.push_back(quantised[k].data());
    }
    recording.write(channels, static_cast<std::size_t>(slot_samples));
    chain.push(channels, static_cast<std::size_t>(slot_samples));
  }
  chain.finish();
  if (recording.active())  // every detected frame, kept by the chain until taken
    for (const FrameEvent& f : chain.take_frames()) recording.annotate(frame_annotation(f, slot_samples));
  const std::string recorded = recording.close();

  json out = chain.summary();
  out["overlap"] = overlap;
  out["frames_sent"] = slots;
  if (o.reference) out["reference_accuracy"] = reference_accuracy(o, config, streams);
  if (!recorded.empty()) out["recording"] = recorded;
  return out;
}

std::string number(const json& v, const char* format) {
  if (!v.is_number()) return "-";
  char text[32];
  std::snprintf(text, sizeof text, format, v.get<double>());
  return text;
}

void print_table(const Options& o, const std::vector<json>& runs) {
  std::printf("MoEMA loopback: N=%d, K=%d, SNR %s dB, CFO %g (+%g per device), timing %g (+%g per device) samples, DC %g, "
              "%d slots, T=%d learning slots, %s decoder, %s signalling, seed %llu\n\n",
              o.devices, o.antennas, o.snr.c_str(), o.radio.cfo, o.radio.cfo_spread, o.radio.timing_offset, o.radio.timing_spread, o.radio.dc, o.slots,
              std::min(o.learning_slots, o.slots), o.decoder.c_str(), o.signalling.c_str(),
              static_cast<unsigned long long>(o.seed));
  std::printf("overlap | frames sent/detected/decoded/dropped | subspace similarity | accuracy loopback | no radio | "
              "difference\n");
  for (const json& r : runs) {
    double min_similarity = 1;
    for (const double s : r.at("subspace_similarity")) min_similarity = std::min(min_similarity, s);
    const json diff = r.contains("reference_accuracy") && r.at("accuracy").is_number()
                          ? json(r.at("accuracy").get<double>() - r.at("reference_accuracy").get<double>())
                          : json();
    std::printf("%7d | %8d / %8d / %7d / %7d | %19s | %16s%% | %7s%% | %+9s\n", r.at("overlap").get<int>(),
                r.at("frames_sent").get<int>(), r.at("frames_detected").get<int>(), r.at("frames_decoded").get<int>(),
                r.at("frames_dropped").get<int>(), number(min_similarity, "%.4f").c_str(),
                number(r.at("accuracy"), "%.2f").c_str(), number(r.value("reference_accuracy", json()), "%.2f").c_str(),
                number(diff, "%.2f").c_str());
    if (r.value("inference_scored", 0) > 0)
      std::printf("          after the learning phase: %s%% over %d device decisions (held out from what the AP "
                  "learnt%s)\n",
                  number(r.at("inference_accuracy"), "%.2f").c_str(), r.at("inference_scored").get<int>(),
                  o.fine_tune_epochs > 0 ? " and fine-tuned on" : "");
    for (const std::string& e : r.at("errors")) std::printf("          %s\n", e.c_str());
    if (r.contains("recording")) std::printf("          recorded to %s\n", r.at("recording").get<std::string>().c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MoEMA over a simulated radio: devices, multiple-access channel, K-antenna AP receiver"};
  Options o;
  app.add_option("--devices", o.devices, "N");
  app.add_option("--antennas", o.antennas, "K");
  app.add_option("--overlap", o.overlaps, "overlapping dimensions gamma; a list runs each")->delimiter(',');
  app.add_option("--snr", o.snr, "per-antenna SNR in dB, or inf");
  add_radio_impairment_options(app, o.radio, "");
  app.add_option("--slots", o.slots, "slots sent, one test sample per device each");
  app.add_option("--learning-slots", o.learning_slots, "T: slots the AP recovers the subspaces from");
  app.add_option("--decoder", o.decoder, "codeword decoder: projection (paper), intersection (project)");
  app.add_option("--signalling", o.signalling, "auxiliary signalling: distance, onehot");
  app.add_option("--seed", o.seed, "precoders, channel, sample split, receivers");
  app.add_option("--fine-tune-epochs", o.fine_tune_epochs, "MoE epochs on the labelled learning slots at the AP");
  app.add_option("--record", o.record_dir, "write the K received channels as SigMF here (per overlap: DIR/ov<g>)");
  app.add_option("--decisions", o.decisions_path, "per-slot decision log, JSON lines");
  app.add_option("--sample-rate", o.sample_rate, "sample rate written to the recording's metadata");
  app.add_option("--frequency", o.frequency, "centre frequency written to the recording's metadata");
  app.add_option("--start-time", o.start_time,
                 "receive time of the first sample, seconds since the epoch: decisions carry rx_time, "
                 "the recording a timed capture");
  app.add_option("--data", o.data_dir, "data directory (./testbed setup fills it)");
  app.add_option("--weights", o.weights_dir, "shipped weights: embedder.* and receivers/");
  app.add_option("--train-dir", o.train_dir, "receivers trained by moema-experiment");
  app.add_flag("!--no-reference", o.reference, "skip the no-radio reference run");
  app.add_flag("--json", o.json, "print the result as JSON");
  app.add_option("--threads", o.threads, "LibTorch threads (0: all)");
  CLI11_PARSE(app, argc, argv);
  try {
    parse_snr(o.snr);
    rx::parse_decoder(o.decoder);
    parse_signalling(o.signalling);
    configure_threads(o.threads);
    std::vector<json> runs;
    for (const int overlap : o.overlaps) {
      std::string dir = o.record_dir;
      if (!dir.empty() && o.overlaps.size() > 1) dir += "/ov" + std::to_string(overlap);
      runs.push_back(run_loopback(o, overlap, dir));
      std::cerr << "overlap " << overlap << ": accuracy " << runs.back().at("accuracy") << "\n";
    }
    if (o.json)
      std::cout << (runs.size() == 1 ? runs.front() : json{{"runs", runs}}).dump() << "\n";
    else
      print_table(o, runs);
  } catch (const std::exception& e) {
    std::cerr << "moema-loopback: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
