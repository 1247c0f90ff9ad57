// jscc-loopback: images over the simulated MIMO radio. Each image is encoded
// by a trained codec, framed (preamble, header, pilots), pulse-shaped, sent
// through a simulated Nt x Nr Rayleigh channel with noise, carrier frequency
// and timing offsets, received from the cf32 samples (detection, CFO, least-
// squares channel estimate, MMSE) and decoded. Beside each image, the same
// codec through the same channel H with perfect timing, frequency and CSI
// (what jscc-eval measures), so the radio's cost is a paired difference.
// --record writes what the receiver got as SigMF, for jscc-replay.
// --rx-delay/--rx-gain-db/--rx-phase-deg/--rx-dc mismatch the receive chains
// as real ones are; --calibration applies moema-calibrate's file to them.
#include "moema/common/system_parameters.hpp"
#include "moema/calibration/cli.hpp"
#include "moema/common/torch_support.hpp"
#include "moema/jscc/evaluation.hpp"
#include "moema/jscc/image_io.hpp"
#include "moema/jscc/image_metrics.hpp"
#include "moema/system/jscc_receive_chain.hpp"
#include "moema/system/loopback_recording.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

namespace fs = std::filesystem;
using namespace moema;
using namespace moema::jscc;

namespace {

struct Options {
  std::vector<std::string> inputs;  // image files or folders
  std::string model = "admoe_swinjscc_mimo2x2_r16";
  int nr = defaults::kImageLinkAntennas;
  double snr_db = 10;
  double cfo = 1e-4;
  double timing = 2.6;
  double phase = 0.5;
  std::uint64_t seed = defaults::kSeed;
  int limit = 0;
  int pilot_spacing = RadioLinkOptions{}.pilot_spacing;
  std::string out_dir = "results/jscc-loopback";
  std::string record_dir;
  double sample_rate = defaults::kSampleRate;
  double frequency = defaults::kCentreFrequency;  // written to the recording; a calibration file must match it
  calibration::ReceiverImpairmentLists receive_chains;
  std::string calibration_path;
  bool eval_reference = true;
  bool json = false;
  int threads = 0;
};

struct ImageResult {
  std::string name;
  bool received = false;
  std::string error;
  double psnr = NAN, ms_ssim = NAN, ideal_psnr = NAN, snr_db = NAN, cfo = NAN;
  std::vector<double> stream_snr_db;
  nlohmann::json to_json() const {
    const auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
    return {{"image", name},     {"received", received},          {"error", error},
            {"psnr", num(psnr)}, {"ms_ssim", num(ms_ssim)},       {"ideal_psnr", num(ideal_psnr)},
            {"snr_db", num(snr_db)}, {"cfo", num(cfo)},           {"stream_snr_db", stream_snr_db}};
  }
};

std::vector<std::string> image_paths(const Options& o) {
  std::vector<std::string> paths;
  for (const auto& input : o.inputs) {
    if (fs::is_directory(input)) {
      for (const auto& p : list_images(input)) paths.push_back(p);
    } else {
      paths.push_back(input);
    }
  }
  if (o.limit > 0 && static_cast<int>(paths.size()) > o.limit) paths.resize(static_cast<std::size_t>(o.limit));
  if (paths.empty()) throw std::invalid_argument("no images given");
  return paths;
}

double mean_of(const std::vector<ImageResult>& results, double ImageResult::*field) {
  double sum = 0;
  int n = 0;
  for (const auto& r : results)
    if (std::isfinite(r.*field)) sum += r.*field, ++n;
  return n ? sum / n : NAN;
}

void print_row(const ImageResult& r) {
  if (!r.received) {
    std::printf("%-14s LOST: %s\n", r.name.c_str(), r.error.c_str());
    return;
  }
  std::printf("%-14s %7.2f %7.4f %8.2f %8.2f %7.1f %+10.2e  ", r.name.c_str(), r.psnr, r.ms_ssim, r.ideal_psnr,
              r.psnr - r.ideal_psnr, r.snr_db, r.cfo);
  for (double s : r.stream_snr_db) std::printf(" %5.1f", s);
  std::printf("\n");
}

// The link's frame from the first image (the rest must give the same symbol count).
RadioLinkOptions link_options(const Options& o, const std::vector<std::string>& paths) {
  const auto first = load_image(paths.front());
  RadioLinkOptions link;
  link.height = static_cast<int>(first.size(1));
  link.width = static_cast<int>(first.size(2));
  link.pilot_spacing = o.pilot_spacing;
  return link;
}

rx::MimoChannelConfig channel_config(const Options& o) {
  rx::MimoChannelConfig channel;
  channel.nr = o.nr;
  channel.snr_db = o.snr_db;
  channel.cfo = o.cfo;
  channel.timing_offset = o.timing;
  channel.phase = o.phase;
  channel.ap = calibration::to_ap_impairments(o.receive_chains, o.nr, "rx-");
  return channel;
}

// The recording's metadata: what jscc-replay needs to receive and score the
// images again. The raw samples are recorded; replay applies the same calibration.
nlohmann::json recording_extension(const Options& o, const TrainedCodec& model, const rx::MimoFrameFormat& format,
                                   const RadioLinkOptions& link, const std::vector<std::string>& paths,
                                   const std::vector<std::string>& names,
                                   const std::optional<calibration::CalibrationFile>& calibration) {
  nlohmann::json extension = {{"link", "jscc"},        {"model", model.name},
                              {"frame_format", frame_format_to_json(format)},
                              {"images", names},
                              {"image_dir", fs::absolute(fs::path(paths.front()).parent_path()).string()},
                              {"image_size", {link.height, link.width}},
                              {"snr_db", o.snr_db},    {"cfo", o.cfo},
                              {"timing_offset", o.timing}, {"seed", o.seed}};
  if (calibration) extension["calibration"] = *calibration;
  return extension;
}

// Scores a received image against the one sent in its frame.
void score_received(const ReceivedImage& received, const torch::Tensor& original, const std::string& out_dir,
                    ImageResult& r) {
  const rx::MimoReceivedFrame& frame = received.frame;
  if (frame.header_assumed) std::fprintf(stderr, "jscc-loopback: %s\n", frame.error.c_str());
  if (!received.decoded() || received.image.sizes() != original.sizes()) {
    r.error = received.decoded() ? frame.error : received.error;  // a lost header may assume the other orientation
    return;
  }
  r.received = true;
  r.error.clear();
  const ImageScore score = score_image(original, received.image);
  r.psnr = score.psnr;
  r.ms_ssim = score.ms_ssim;
  r.snr_db = frame.snr_db;
  r.cfo = frame.cfo;
  r.stream_snr_db = frame.stream_snr_db;
  save_png(received.image, out_dir + "/" + fs::path(r.name).stem().string() + ".png");
}

nlohmann::json summary_json(const Options& o, const TrainedCodec& model, const rx::MimoFrameFormat& format,
                            std::uint32_t framed, const rx::MimoFrameCounts& counts,
                            const std::vector<ImageResult>& results, const nlohmann::json& eval_row) {
  nlohmann::json out = {{"model", model.name},
                        {"nt", format.nt},
                        {"nr", o.nr},
                        {"snr_db", o.snr_db},
                        {"cfo", o.cfo},
                        {"timing_offset", o.timing},
                        {"receive_chains", {{"delay", o.receive_chains.delay}, {"gain_db", o.receive_chains.gain_db},
                                            {"phase_deg", o.receive_chains.phase_deg}, {"dc", o.receive_chains.dc}}},
                        {"calibration", o.calibration_path.empty() ? nlohmann::json(nullptr)
                                                                    : nlohmann::json(o.calibration_path)},
                        {"frames", {{"sent", framed}, {"detected", counts.detected}, {"decoded", counts.decoded},
                                    {"header_coherent", counts.header_coherent},
                                    {"header_assumed", counts.header_assumed}, {"dropped", counts.dropped}}},
                        {"mean_psnr", mean_of(results, &ImageResult::psnr)},
                        {"mean_ms_ssim", mean_of(results, &ImageResult::ms_ssim)},
                        {"mean_ideal_psnr", mean_of(results, &ImageResult::ideal_psnr)},
                        {"jscc_eval", eval_row},
                        {"images", nlohmann::json::array()}};
  for (const auto& r : results) out["images"].push_back(r.to_json());
  return out;
}

void print_summary(const Options& o, const rx::MimoFrameFormat& format, const nlohmann::json& out,
                   const std::vector<ImageResult>& results) {
  std::printf("%s over a simulated %dx%d channel, %.1f dB, CFO %.1e cycles/sample, timing offset %.2f samples%s%s\n",
              out["model"].get<std::string>().c_str(), format.nt, o.nr, o.snr_db, o.cfo, o.timing,
              o.receive_chains.empty() ? "" : ", mismatched receive chains",
              o.calibration_path.empty() ? "" : (", calibrated by " + o.calibration_path).c_str());
  std::printf("%-14s %7s %7s %8s %8s %7s %10s   %s\n", "image", "PSNR", "MS-SSIM", "ideal", "radio-id", "SNR est",
              "CFO est", "stream SINR (dB)");
  for (const auto& r : results) print_row(r);
  std::printf("mean: PSNR %.2f dB over the radio, %.2f dB ideal (same H, perfect sync and CSI)",
              out["mean_psnr"].get<double>(), out["mean_ideal_psnr"].get<double>());
  if (o.eval_reference) std::printf(", jscc-eval %.2f dB", out["jscc_eval"]["psnr"].get<double>());
  const auto& f = out["frames"];
  std::printf("\nframes: %u sent, %d detected, %d decoded (header read coherently %d, assumed %d), %d dropped; "
              "reconstructions in %s\n",
              f["sent"].get<std::uint32_t>(), f["detected"].get<int>(), f["decoded"].get<int>(),
              f["header_coherent"].get<int>(), f["header_assumed"].get<int>(), f["dropped"].get<int>(),
              o.out_dir.c_str());
}

int run(const Options& o) {
  auto model = load_codec(find_codec(o.model));
  const auto paths = image_paths(o);
  const RadioLinkOptions link = link_options(o, paths);
  const auto format = radio_frame_format(model, link);
  const rx::MimoChannelConfig channel = channel_config(o);
  SimulatedAir air(format, channel, o.seed);
  std::optional<calibration::CalibrationFile> calibration;
  if (!o.calibration_path.empty())
    calibration = calibration::load_applicable_calibration(o.calibration_path, o.frequency, o.sample_rate, o.nr);
  JsccReceiveChain chain(model, format, o.nr, rx::MimoHeader{0, link.height, link.width}, calibration);

  std::vector<std::string> names;
  for (const auto& p : paths) names.push_back(fs::path(p).filename().string());
  rx::LoopbackRecording recording(
      o.record_dir, "jscc",
      rx::simulated_recording_info(o.nr, o.sample_rate, o.frequency,
                               "jscc-loopback: " + model.name + " over a simulated " + std::to_string(format.nt) +
                                   "x" + std::to_string(o.nr) + " channel at " + std::to_string(o.snr_db) + " dB",
                               "simulated Nt x Nr Rayleigh channel (channel/mimo_channel.hpp)",
                               recording_extension(o, model, format, link, paths, names, calibration)));

  std::vector<ImageResult> results(paths.size());
  std::map<std::uint32_t, std::size_t> image_of_frame;  // frame counter -> image index
  std::vector<torch::Tensor> images(paths.size());
  std::uint32_t framed = 0;
  const auto receive = [&](const std::vector<std::vector<std::complex<float>>>& samples) {
    const auto channels = recording.write(samples);
    for (const ReceivedImage& received : chain.push(channels, samples.front().size())) {
      if (!received.frame.ok) {
        std::fprintf(stderr, "jscc-loopback: %s\n", received.frame.error.c_str());
        continue;
      }
      const auto found = image_of_frame.find(received.frame.frame_id);
      if (found == image_of_frame.end()) continue;
      score_received(received, images[found->second], o.out_dir, results[found->second]);
    }
  };

  for (std::size_t i = 0; i < paths.size(); ++i) {
    ImageResult& r = results[i];
    r.name = names[i];
    r.error = "not received";
    try {
      images[i] = load_image(paths[i]).unsqueeze(0);
      const auto symbols = encode_image(model, format, images[i], o.snr_db);
      const int height = static_cast<int>(images[i].size(2)), width = static_cast<int>(images[i].size(3));
      const auto samples = air.next(symbols, height, width);
      image_of_frame[framed++] = i;
      const auto ideal = quantize_8bit(
          ideal_reconstruction(model, images[i], air.last_channel(), o.snr_db, channel_seed(o.seed, i, o.snr_db)));
      r.ideal_psnr = psnr(images[i], ideal).item<double>();
      receive(samples);
    } catch (const std::invalid_argument& e) {
      r.error = e.what();
      std::fprintf(stderr, "jscc-loopback: %s: %s\n", r.name.c_str(), e.what());
    }
  }
  receive(air.next({}, 0, 0));  // the last frame completes once its tail is in
  for (std::uint32_t f = 0; f < framed; ++f)
    recording.annotate(static_cast<std::uint64_t>(f) * format.frame_samples(),
                       static_cast<std::uint64_t>(format.frame_samples()), names[image_of_frame[f]]);
  recording.close();

  nlohmann::json eval_row;
  if (o.eval_reference) {
    std::vector<EvalImage> eval_images;
    for (std::size_t i = 0; i < paths.size(); ++i)
      if (images[i].defined()) eval_images.push_back({names[i], images[i], false});
    const EvalRow row = evaluate(model, eval_images, o.snr_db, o.seed);
    eval_row = {{"psnr", row.psnr}, {"ms_ssim", row.ms_ssim}};
  }

  const nlohmann::json out = summary_json(o, model, format, framed, chain.counts(), results, eval_row);
  fs::create_directories(o.out_dir);
  std::ofstream(o.out_dir + "/results.json") << out.dump(1) << "\n";
  if (o.json) std::cout << out.dump(1) << "\n";
  else print_summary(o, format, out, results);
  int lost = 0;
  for (const auto& r : results) lost += r.received ? 0 : 1;
  return lost ? 2 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Send images through the simulated MIMO radio with a trained JSCC codec"};
  Options o;
  app.add_option("images", o.inputs, "image files or folders (default: the repository's Kodak copy)");
  app.add_option("--model", o.model, "codec: a manifest path or a shipped codec name (its R and Nt set the link)");
  app.add_option("--nr", o.nr, "receive antennas")->check(CLI::Range(1, 64));
  app.add_option("--snr", o.snr_db, "SNR in dB: total transmit power / noise per receive antenna");
  app.add_option("--cfo", o.cfo, "carrier frequency offset, cycles per sample");
  app.add_option("--timing", o.timing, "timing offset in samples (>= 0, fractional allowed)")->check(CLI::NonNegativeNumber);
  app.add_option("--phase", o.phase, "carrier phase, radians");
  app.add_option("--seed", o.seed, "seed of the channel and noise");
  app.add_option("--limit", o.limit, "only the first N images");
  app.add_option("--pilot-spacing", o.pilot_spacing, "channel uses between pilot blocks");
  app.add_option("--out", o.out_dir, "folder for the reconstructions and results.json");
  app.add_option("--record", o.record_dir, "write the received samples as a SigMF recording in this folder");
  app.add_option("--sample-rate", o.sample_rate, "sample rate written to the recording, Hz");
  app.add_option("--frequency", o.frequency, "centre frequency written to the recording, Hz");
  calibration::add_receiver_impairment_options(app, o.receive_chains, "rx-");
  app.add_option("--calibration", o.calibration_path,
                 "apply this moema-calibrate file to the receive channels (checked against --frequency, "
                 "--sample-rate and --nr)");
  app.add_flag("--no-eval-reference", [&](int64_t) { o.eval_reference = false; },
               "skip the jscc-eval figure (the codec's own channel, its own draws) for the same images");
  app.add_flag("--json", o.json, "print JSON instead of the table");
  app.add_option("--threads", o.threads, "CPU threads (0: all)");
  CLI11_PARSE(app, argc, argv);

  try {
    moema::configure_threads(o.threads);
    if (o.inputs.empty()) o.inputs.push_back(moema::kodak_dir());
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "jscc-loopback: %s\n", e.what());
    return 1;
  }
}
