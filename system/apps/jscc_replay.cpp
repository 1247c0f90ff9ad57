// jscc-replay: the image link's receiver on a SigMF recording (jscc-loopback
// --record, or a capture from USRPs). The frame format and the codec come from
// the recording's metadata (or --model); each decoded frame is written as PNG
// and, when the original image is found, scored. The receiver and decoder are
// the live ones, fed the same samples in the same pieces, so a replay of
// jscc-loopback's recording reproduces its reconstructions bit for bit.
// Recordings hold the raw samples; the calibration the live receiver applied
// (metadata moema:calibration) is applied again, or --calibration FILE.
#include "moema/calibration/receiver_corrector.hpp"
#include "moema/jscc/image_io.hpp"
#include "moema/jscc/image_metrics.hpp"
#include "moema/system/jscc_receive_chain.hpp"
#include "moema/common/torch_support.hpp"
#include "moema/io/sigmf.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

namespace fs = std::filesystem;
using namespace moema;
using namespace moema::jscc;

namespace {

const nlohmann::json& require_key(const nlohmann::json& j, const char* key, const std::string& recording) {
  if (!j.contains(key))
    throw std::invalid_argument(recording + ": metadata has no moema:" + key + " (not a jscc-loopback recording?)");
  return j.at(key);
}

// The recording's own calibration, or `path` when given; none if neither.
std::optional<calibration::CalibrationFile> calibration_for(const rx::SigmfReader& reader, const std::string& path,
                                                            const std::string& recording) {
  if (!path.empty())
    return calibration::load_applicable_calibration(path, reader.frequency(), reader.sample_rate(), reader.channels());
  if (!reader.extension().contains("calibration")) return std::nullopt;
  try {
    auto file = reader.extension().at("calibration").get<calibration::CalibrationFile>();
    calibration::check_applicable(file, reader.frequency(), reader.sample_rate(), reader.channels());
    return file;
  } catch (const calibration::CalibrationError& e) {
    throw calibration::CalibrationError(recording + ": moema:calibration: " + e.what());
  }
}

// A decoded image's row, scored against the original when it is there.
nlohmann::json image_row(const ReceivedImage& received, const std::string& name, const std::string& out_dir,
                         const std::string& reference_dir, bool json) {
  const rx::MimoReceivedFrame& frame = received.frame;
  const std::string written = out_dir + "/" + fs::path(name).stem().string() + ".png";
  save_png(received.image, written);
  nlohmann::json row = {{"frame", frame.frame_id}, {"ok", true},           {"error", frame.error},
                        {"image", name},           {"png", written},       {"snr_db", frame.snr_db},
                        {"height", frame.header.height}, {"width", frame.header.width}};
  double score = NAN, ms = NAN;
  const auto reference = reference_dir + "/" + name;
  if (!reference_dir.empty() && fs::exists(reference)) {
    const auto original = load_image(reference).unsqueeze(0);
    if (original.sizes() == received.image.sizes()) {
      const ImageScore s = score_image(original, received.image);
      score = s.psnr, ms = s.ms_ssim;
      row.update({{"psnr", score}, {"ms_ssim", std::isfinite(ms) ? nlohmann::json(ms) : nlohmann::json(nullptr)}});
    }
  }
  if (!json)
    std::printf("%-8u %-14s %4dx%-4d %7.2f %7.4f %7.1f\n", frame.frame_id, name.c_str(), frame.header.height,
                frame.header.width, score, ms, frame.snr_db);
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Receive and decode the images in a SigMF recording of the MIMO image link"};
  std::string recording, model_name, out_dir = "results/jscc-replay", reference_dir, calibration_path;
  int threads = 0;
  bool json = false;
  app.add_option("recording", recording, "a .sigmf-collection or the folder holding one")->required();
  app.add_option("--model", model_name, "codec (default: the one named in the recording)");
  app.add_option("--out", out_dir, "folder for the reconstructions");
  app.add_option("--reference", reference_dir, "folder of the original images (default: the recording's image_dir)");
  app.add_option("--calibration", calibration_path,
                 "apply this moema-calibrate file (default: the one recorded in the metadata, if any)");
  app.add_flag("--json", json, "print JSON instead of the table");
  app.add_option("--threads", threads, "CPU threads (0: all)");
  CLI11_PARSE(app, argc, argv);

  try {
    moema::configure_threads(threads);
    rx::SigmfReader reader(recording);
    for (const auto& w : reader.warnings()) std::fprintf(stderr, "jscc-replay: warning: %s\n", w.c_str());
    const auto& meta = reader.extension();
    const auto format = frame_format_from_json(require_key(meta, "frame_format", recording));
    if (model_name.empty()) model_name = require_key(meta, "model", recording).get<std::string>();
    if (reference_dir.empty() && meta.contains("image_dir")) reference_dir = meta.at("image_dir").get<std::string>();
    auto model = load_codec(find_codec(model_name));
    std::vector<std::string> names;
    if (meta.contains("images")) names = meta.at("images").get<std::vector<std::string>>();

    rx::MimoHeader assumed;  // the size assumed for a frame whose header is unreadable
    if (meta.contains("image_size")) {
      assumed.height = meta.at("image_size").at(0).get<int>();
      assumed.width = meta.at("image_size").at(1).get<int>();
    }
    JsccReceiveChain chain(model, format, reader.channels(), assumed, calibration_for(reader, calibration_path, recording));
    const auto chunk = static_cast<std::size_t>(format.frame_samples());  // the pieces jscc-loopback pushes
    std::vector<std::vector<std::complex<float>>> buffers(static_cast<std::size_t>(reader.channels()),
                                                          std::vector<std::complex<float>>(chunk));
    std::vector<std::complex<float>*> out;
    std::vector<const std::complex<float>*> in;
    for (auto& b : buffers) out.push_back(b.data()), in.push_back(b.data());

    nlohmann::json frames = nlohmann::json::array();
    if (!json) std::printf("%-8s %-14s %9s %7s %7s %7s\n", "frame", "image", "size", "PSNR", "MS-SSIM", "SNR est");
    while (const std::size_t n = reader.read(out, chunk)) {
      for (const ReceivedImage& received : chain.push(in, n)) {
        const rx::MimoReceivedFrame& frame = received.frame;
        if (!received.decoded()) {  // as the frame receiver says, or as the decoder does when the frame was ok
          const std::string& error = frame.ok ? received.error : frame.error;
          std::fprintf(stderr, "jscc-replay: %s\n", error.c_str());
          frames.push_back({{"frame", frame.frame_id}, {"ok", false}, {"error", error}});
          continue;
        }
        const std::string name = frame.frame_id < names.size() ? names[frame.frame_id]
                                                               : "frame" + std::to_string(frame.frame_id) + ".png";
        frames.push_back(image_row(received, name, out_dir, reference_dir, json));
      }
    }
    const auto& c = chain.counts();
    if (json) {
      std::cout << nlohmann::json{{"recording", recording}, {"model", model.name}, {"frames", frames},
                                  {"detected", c.detected}, {"decoded", c.decoded}, {"dropped", c.dropped}}
                       .dump(1)
                << "\n";
    } else {
      std::printf("frames: %d detected, %d decoded, %d dropped; reconstructions in %s\n", c.detected, c.decoded,
                  c.dropped, out_dir.c_str());
    }
    return c.dropped ? 2 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "jscc-replay: %s\n", e.what());
    return 1;
  }
}
