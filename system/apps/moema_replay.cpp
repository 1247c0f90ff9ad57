// moema-replay: decisions from a SigMF recording of the AP's K channels
// (moema-loopback --record, or a capture flowgraph). The recording's metadata
// carries the receiver's settings and, when known, the ground truth; the same
// receive chain as the live run decides every slot. Problems with the
// recording (short or ragged data files, a malformed .sigmf-meta, corrupted
// frames) are reported and counted, and the replay goes on.
#include "moema/system/receive_chain.hpp"
#include "moema/models/tensor_utils.hpp"
#include "moema/io/sigmf.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

using namespace moema;
using namespace moema::models;
namespace rx = moema::rx;
using nlohmann::json;

namespace {

struct Options {
  std::string path;
  std::string decisions_path;
  std::size_t chunk = 8192;
  int learning_slots = 0;  // 0: as recorded
  std::string weights_dir, data_dir, train_dir;
  bool json = false;
  bool timing = false;
  int threads = 1;  // the MoE is small: a second LibTorch thread only competes with the filters
};

ApReceiverConfig receiver_config(const rx::SigmfReader& reader, const Options& o) {
  if (!reader.extension().contains("receiver"))
    throw std::runtime_error(o.path + ": the recording's metadata has no moema:receiver (the receiver's settings); "
                             "record with moema-loopback --record or the capture flowgraph");
  ApReceiverConfig c = ApReceiverConfig::from_json(reader.extension().at("receiver"));
  if (c.antennas != reader.channels())
    throw std::runtime_error(o.path + ": moema:receiver says " + std::to_string(c.antennas) +
                             " antennas, the collection has " + std::to_string(reader.channels()) + " channels");
  if (o.learning_slots > 0) c.learning_slots = o.learning_slots;
  if (!o.weights_dir.empty()) c.deployment.weights_dir = o.weights_dir;
  if (!o.data_dir.empty()) c.deployment.data_dir = o.data_dir;
  if (!o.train_dir.empty()) c.train_dir = o.train_dir;
  c.fine_tune_epochs = 0;  // a replay decides; it does not train
  return c;
}

void load_truth(const rx::SigmfReader& reader, ReceiveChain& chain) {
  if (!reader.extension().contains("truth")) return;
  for (const auto& [slot, labels] : reader.extension().at("truth").items())
    chain.log().set_truth(static_cast<std::uint32_t>(std::stoul(slot)), labels.get<std::vector<int>>());
}

// The recording's receive times: its capture segments stamped from rx_time.
rx::SampleClock recording_clock(const rx::SigmfReader& reader) {
  rx::SampleClock clock;
  clock.set_rate(reader.sample_rate());
  for (const rx::SigmfCapture& c : reader.captures())
    if (c.rx_time) clock.stamp(c.sample_start, *c.rx_time);
  return clock;
}

json replay(const Options& o) {
  rx::SigmfReader reader(o.path);
  for (const std::string& w : reader.warnings()) std::cerr << "moema-replay: warning: " << w << "\n";
  ReceiveChain chain(receiver_config(reader, o), o.decisions_path);
  load_truth(reader, chain);
  chain.set_clock(recording_clock(reader));
  const int k = reader.channels();
  std::vector<std::vector<std::complex<float>>> buffers(k, std::vector<std::complex<float>>(o.chunk));
  std::vector<std::complex<float>*> out;
  for (auto& b : buffers) out.push_back(b.data());
  std::vector<const std::complex<float>*> in(out.begin(), out.end());
  double read_seconds = 0;
  std::uint64_t samples = 0;
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::size_t n = reader.read(out, o.chunk);
    read_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (n == 0) break;
    chain.push(in, n);
    samples += n;
  }
  chain.finish();
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  json result = chain.summary();
  result["warnings"] = reader.warnings();
  result["samples_per_channel"] = samples;
  if (o.timing) {
    const double signal_seconds = static_cast<double>(samples) / 1e6;  // seconds of signal at 1 MS/s
    result["timing"] = {{"channels", k},
                        {"samples_per_channel", samples},
                        {"seconds_read", read_seconds},
                        {"seconds_matched_filters", chain.filter_seconds()},
                        {"seconds_receiver", chain.receiver_seconds()},
                        {"seconds_learning_phase_end", chain.receiver().learning_seconds()},
                        {"seconds_receiver_per_slot_work", chain.receiver_seconds() - chain.receiver().learning_seconds()},
                        {"seconds_total", total},
                        {"real_time_factor_at_1MSps", signal_seconds / total}};
  }
  return result;
}

void print_summary(const json& r) {
  std::printf("frames detected %d, decoded %d, dropped %d (aux CRC failures %d)\n", r.at("frames_detected").get<int>(),
              r.at("frames_decoded").get<int>(), r.at("frames_dropped").get<int>(),
              r.at("aux_crc_failures").get<int>());
  std::printf("decisions %zu, accuracy %s\n", r.at("decisions").size(),
              r.at("accuracy").is_number() ? (std::to_string(r.at("accuracy").get<double>()) + "%").c_str()
                                           : "unknown (no ground truth)");
  std::printf("subspace similarity:");
  for (const double s : r.at("subspace_similarity")) std::printf(" %.4f", s);
  std::printf("\n");
  for (const std::string& e : r.at("errors")) std::printf("  %s\n", e.c_str());
  if (r.contains("timing")) {
    const json& t = r.at("timing");
    std::printf("\nstage                         seconds   x real time at 1 MS/s (K=%d, %.3f s of signal)\n",
                t.at("channels").get<int>(), t.at("samples_per_channel").get<double>() / 1e6);
    const double signal = t.at("samples_per_channel").get<double>() / 1e6;
    for (const char* stage : {"seconds_read", "seconds_matched_filters", "seconds_receiver", "seconds_learning_phase_end",
                              "seconds_receiver_per_slot_work", "seconds_total"})
      std::printf("%-29s %7.3f   %6.2f\n", stage + 8, t.at(stage).get<double>(), signal / t.at(stage).get<double>());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MoEMA decisions from a SigMF recording of the AP's K channels"};
  Options o;
  app.add_option("recording", o.path, "a .sigmf-collection, or the directory holding one")->required();
  app.add_option("--decisions", o.decisions_path, "per-slot decision log, JSON lines");
  app.add_option("--chunk", o.chunk, "samples per channel read at a time")->check(CLI::Range(1, 1 << 24));
  app.add_option("--learning-slots", o.learning_slots, "T, overriding the recording's");
  app.add_option("--weights", o.weights_dir, "shipped weights, overriding the recording's");
  app.add_option("--data", o.data_dir, "data directory, overriding the recording's");
  app.add_option("--train-dir", o.train_dir, "trained receivers, overriding the recording's");
  app.add_flag("--timing", o.timing, "time each stage and print the real-time factor");
  app.add_flag("--json", o.json, "print the result as JSON");
  app.add_option("--threads", o.threads, "LibTorch threads (0: all)");
  CLI11_PARSE(app, argc, argv);
  try {
    configure_threads(o.threads);
    const json r = replay(o);
    if (o.json)
      std::cout << r.dump() << "\n";
    else
      print_summary(r);
  } catch (const std::exception& e) {
    std::cerr << "moema-replay: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
