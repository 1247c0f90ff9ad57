// jscc-bench: time to encode and to decode one Kodak image with each trained
// codec (the channel is not timed), and the share of the MoE MLP work that
// sparse routing runs compared with evaluating every routed expert on every
// token. Times are the median over repeats of the mean per image; ratios are
// against the first model of the list measured in the same run.
#include "moema/jscc/evaluation.hpp"
#include "moema/jscc/image_io.hpp"
#include "moema/common/torch_support.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

using namespace moema;
using namespace moema::jscc;
namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void synchronize(const torch::Device& device) {
  // A CUDA kernel launch returns before the kernel ends: wait for it by
  // copying one value back.
  if (device.is_cuda()) torch::zeros({1}, torch::TensorOptions().device(device)).cpu();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Encode/decode time per image and MoE MLP work of the image codecs"};
  std::vector<std::string> models;
  std::string images_dir = moema::kodak_dir(), device_name = "cpu";
  int limit = 4, repeats = 3, threads = 2;
  double snr_db = 10;
  app.add_option("--models", models, "manifests; default: every shipped codec (jscc/weights, or MOEMA_JSCC_WEIGHTS_DIR)")->delimiter(',');
  app.add_option("--images", images_dir, "folder of images (default: Kodak)");
  app.add_option("--limit", limit, "images per repeat");
  app.add_option("--repeats", repeats);
  app.add_option("--snr", snr_db, "SNR of the channel between encoder and decoder");
  app.add_option("--device", device_name, "cpu or cuda");
  app.add_option("--threads", threads, "CPU threads (0: all)");
  CLI11_PARSE(app, argc, argv);

  try {
    configure_threads(threads);
    const torch::Device device(device_name);
    if (models.empty()) models = shipped_codecs();
    std::printf("device %s, %d threads, %d images of %s, %d repeats\n", device_name.c_str(), threads, limit,
                images_dir.c_str(), repeats);
    std::printf("%-28s %12s %12s %12s %10s %14s\n", "model", "encode ms", "decode ms", "total ms", "vs first",
                "MoE MLP work");
    double reference = 0;
    for (const auto& path : models) {
      auto model = load_codec(path, device);
      const auto images = load_eval_images(images_dir, model.config.size_multiple(), limit);
      const Channel channel(model.channel);
      torch::NoGradGuard no_grad;
      std::vector<double> encode_ms, decode_ms;
      MlpCompute compute;
      for (int r = 0; r <= repeats; ++r) {  // repeat 0 warms up
        double encode = 0, decode = 0;
        for (size_t i = 0; i < images.size(); ++i) {
          const auto input = images[i].image.to(device);
          const auto snr = torch::full({1}, snr_db, torch::TensorOptions().device(device));
          torch::manual_seed(channel_seed(1, i, snr_db));
          synchronize(device);
          const auto t0 = Clock::now();
          const auto sent = model.codec->encode(input, nominal_csi(snr, channel.config().streams()));
          synchronize(device);
          const auto t1 = Clock::now();
          const auto received = channel.transmit(sent, snr);
          synchronize(device);
          const auto t2 = Clock::now();
          model.codec->decode(received.symbols, received.stream_snr_db, static_cast<int>(input.size(2)),
                              static_cast<int>(input.size(3)));
          synchronize(device);
          const auto t3 = Clock::now();
          encode += std::chrono::duration<double, std::milli>(t1 - t0).count();
          decode += std::chrono::duration<double, std::milli>(t3 - t2).count();
          if (r == 0) {
            const auto c = moe_compute(model.config, model.codec->routing());
            compute.dense_all_experts += c.dense_all_experts;
            compute.sparse += c.sparse;
          }
        }
        if (r == 0) continue;
        encode_ms.push_back(encode / images.size());
        decode_ms.push_back(decode / images.size());
      }
      const double total = median(encode_ms) + median(decode_ms);
      if (reference == 0) reference = total;
      char work[32] = "-";
      if (compute.dense_all_experts > 0)
        std::snprintf(work, sizeof work, "%.1f%% of dense", 100 * compute.sparse / compute.dense_all_experts);
      std::printf("%-28s %12.1f %12.1f %12.1f %9.2fx %14s\n", model.name.c_str(), median(encode_ms),
                  median(decode_ms), total, total / reference, work);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "jscc-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
