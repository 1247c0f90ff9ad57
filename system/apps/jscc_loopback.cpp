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
#include "moema/calibration/cli.hpp"
#include "moema/calibration/receiver_corrector.hpp"
#include "moema/jscc/evaluation.hpp"
#include "moema/jscc/image_io.hpp"
#include "moema/jscc/image_metrics.hpp"
#include "moema/system/jscc_radio_link.hpp"
#include "moema/common/torch_support.hpp"
#include "moema/io/sigmf.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
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
  int nr = 2;
  double snr_db = 10;
  double cfo = 1e-4;
  double timing = 2.6;
  double phase = 0.5;
  std::uint64_t seed = 1;
  int limit = 0;
  int pilot_spacing = RadioLinkOptions{}.pilot_spacing;
  std::string out_dir = "results/jscc-loopback";
  std::string record_dir;
  double sample_rate = 1e6;
  double frequency = 2.45e9;  // written to the recording; a calibration file must match it
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
    auto model = load_codec(find_codec(o.model));
    const auto paths = image_paths(o);

    // The first image fixes the frame; the rest must give the same symbol count.
    const auto first = load_image(paths.front());
    RadioLinkOptions link;
    link.height = static_cast<int>(first.size(1));
    link.width = static_cast<int>(first.size(2));
    link.pilot_spacing = o.pilot_spacing;
    const auto format = radio_frame_format(model, link);

    rx::MimoChannelConfig channel;
    channel.nr = o.nr;
    channel.snr_db = o.snr_db;
    channel.cfo = o.cfo;
    channel.timing_offset = o.timing;
    channel.phase = o.phase;
    channel.ap = calibration::to_ap_impairments(o.receive_chains, o.nr, "rx-");
    SimulatedAir air(format, channel, o.seed);
    std::optional<calibration::CalibrationFile> calibration;
    std::optional<calibration::ReceiverCorrector> corrector;
    if (!o.calibration_path.empty()) {
      calibration = calibration::load_applicable_calibration(o.calibration_path, o.frequency, o.sample_rate, o.nr);
      corrector.emplace(*calibration);
    }
    RadioReceiver receiver(format, o.nr, link.height, link.width);

    std::unique_ptr<rx::SigmfRecorder> recorder;
    std::vector<std::string> names;
    for (const auto& p : paths) names.push_back(fs::path(p).filename().string());
    if (!o.record_dir.empty()) {
      rx::RecordingInfo info;
      info.channels = o.nr;
      info.sample_rate = o.sample_rate;
      info.frequency = o.frequency;
      info.description = "jscc-loopback: " + model.name + " over a simulated " + std::to_string(format.nt) + "x" +
                         std::to_string(o.nr) + " channel at " + std::to_string(o.snr_db) + " dB";
      info.hw = "simulated Nt x Nr Rayleigh channel (rx_processing/mimo_frame.hpp)";
      info.extension = {{"link", "jscc"},        {"model", model.name},
                        {"frame_format", frame_format_to_json(format)},
                        {"images", names},       {"image_dir", fs::absolute(fs::path(paths.front()).parent_path()).string()},
                        {"image_size", {link.height, link.width}},
                        {"snr_db", o.snr_db},    {"cfo", o.cfo},
                        {"timing_offset", o.timing}, {"seed", o.seed}};
      // The raw samples are recorded; replay applies the same calibration.
      if (calibration) info.extension["calibration"] = *calibration;
      recorder = std::make_unique<rx::SigmfRecorder>(o.record_dir, "jscc", info);
    }

    std::vector<ImageResult> results(paths.size());
    std::map<std::uint32_t, std::size_t> image_of_frame;  // frame counter -> image index
    std::vector<torch::Tensor> images(paths.size());
    std::uint32_t framed = 0;
    std::vector<std::vector<std::complex<float>>> corrected(static_cast<std::size_t>(o.nr));
    const auto receive = [&](const std::vector<std::vector<std::complex<float>>>& samples) {
      std::vector<const std::complex<float>*> ptrs;
      for (const auto& s : samples) ptrs.push_back(s.data());
      if (recorder) recorder->write(ptrs, samples.front().size());
      if (corrector) {
        std::vector<std::complex<float>*> out;
        for (auto& c : corrected) c.resize(samples.front().size()), out.push_back(c.data());
        corrector->process(ptrs, out, samples.front().size());
        for (std::size_t k = 0; k < ptrs.size(); ++k) ptrs[k] = corrected[k].data();
      }
      for (const auto& frame : receiver.push(ptrs, samples.front().size())) {
        if (!frame.ok) {
          std::fprintf(stderr, "jscc-loopback: %s\n", frame.error.c_str());
          continue;
        }
        const auto found = image_of_frame.find(frame.frame_id);
        if (found == image_of_frame.end()) continue;
        ImageResult& r = results[found->second];
        const auto output = quantize_8bit(decode_frame(model, frame));
        if (frame.header_assumed) std::fprintf(stderr, "jscc-loopback: %s\n", frame.error.c_str());
        if (output.sizes() != images[found->second].sizes()) {
          r.error = frame.error;  // a lost header and an assumed size of the other orientation
          continue;
        }
        r.received = true;
        r.error.clear();
        const ImageScore score = score_image(images[found->second], output);
        r.psnr = score.psnr;
        r.ms_ssim = score.ms_ssim;
        r.snr_db = frame.snr_db;
        r.cfo = frame.cfo;
        r.stream_snr_db = frame.stream_snr_db;
        save_png(output, o.out_dir + "/" + fs::path(r.name).stem().string() + ".png");
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
    if (recorder) {
      for (std::size_t f = 0; f < framed; ++f) {
        rx::SigmfAnnotation a;
        a.sample_start = static_cast<std::uint64_t>(f) * format.frame_samples();
        a.sample_count = static_cast<std::uint64_t>(format.frame_samples());
        a.label = names[image_of_frame[static_cast<std::uint32_t>(f)]];
        recorder->annotate(a);
      }
      recorder->close();
    }

    nlohmann::json eval_row;
    if (o.eval_reference) {
      std::vector<EvalImage> eval_images;
      for (std::size_t i = 0; i < paths.size(); ++i)
        if (images[i].defined()) eval_images.push_back({names[i], images[i], false});
      const EvalRow row = evaluate(model, eval_images, o.snr_db, o.seed);
      eval_row = {{"psnr", row.psnr}, {"ms_ssim", row.ms_ssim}};
    }

    const auto& counts = receiver.counts();
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
    fs::create_directories(o.out_dir);
    std::ofstream(o.out_dir + "/results.json") << out.dump(1) << "\n";
    if (o.json) {
      std::cout << out.dump(1) << "\n";
    } else {
      std::printf("%s over a simulated %dx%d channel, %.1f dB, CFO %.1e cycles/sample, timing offset %.2f samples%s%s\n",
                  model.name.c_str(), format.nt, o.nr, o.snr_db, o.cfo, o.timing,
                  o.receive_chains.empty() ? "" : ", mismatched receive chains",
                  o.calibration_path.empty() ? "" : (", calibrated by " + o.calibration_path).c_str());
      std::printf("%-14s %7s %7s %8s %8s %7s %10s   %s\n", "image", "PSNR", "MS-SSIM", "ideal", "radio-id", "SNR est",
                  "CFO est", "stream SINR (dB)");
      for (const auto& r : results) print_row(r);
      std::printf("mean: PSNR %.2f dB over the radio, %.2f dB ideal (same H, perfect sync and CSI)",
                  out["mean_psnr"].get<double>(), out["mean_ideal_psnr"].get<double>());
      if (o.eval_reference) std::printf(", jscc-eval %.2f dB", eval_row["psnr"].get<double>());
      std::printf("\nframes: %u sent, %d detected, %d decoded (header read coherently %d, assumed %d), %d dropped; "
                  "reconstructions in %s\n",
                  framed, counts.detected, counts.decoded, counts.header_coherent, counts.header_assumed,
                  counts.dropped, o.out_dir.c_str());
    }
    int lost = 0;
    for (const auto& r : results) lost += r.received ? 0 : 1;
    return lost ? 2 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "jscc-loopback: %s\n", e.what());
    return 1;
  }
}
