#include "moema/jscc/evaluation.hpp"

#include "moema/jscc/image_io.hpp"
#include "moema/jscc/image_metrics.hpp"

#include <cmath>
#include <filesystem>
#include <limits>
#include <stdexcept>

namespace moema::jscc {

namespace {

torch::Tensor centre_crop(const torch::Tensor& image, int multiple, bool& cropped) {
  const auto h = image.size(1) / multiple * multiple, w = image.size(2) / multiple * multiple;
  if (h == 0 || w == 0)
    throw ImageError("image of " + std::to_string(image.size(1)) + "x" + std::to_string(image.size(2)) +
                     " is smaller than the codec's " + std::to_string(multiple) + "-pixel multiple");
  cropped = h != image.size(1) || w != image.size(2);
  const auto top = (image.size(1) - h) / 2, left = (image.size(2) - w) / 2;
  return image.slice(1, top, top + h).slice(2, left, left + w);
}

// Over the defined values: MS-SSIM is NaN for images too small for it.
double mean(const std::vector<double>& v) {
  double sum = 0;
  int n = 0;
  for (double x : v)
    if (!std::isnan(x)) sum += x, ++n;
  return n ? sum / n : std::numeric_limits<double>::quiet_NaN();
}

std::string stem(const std::string& name) { return std::filesystem::path(name).stem().string(); }

}  // namespace

std::vector<EvalImage> load_eval_images(const std::string& folder, int multiple, int limit) {
  std::vector<EvalImage> images;
  for (const auto& path : list_images(folder)) {
    if (limit > 0 && static_cast<int>(images.size()) >= limit) break;
    EvalImage e;
    e.name = std::filesystem::path(path).filename().string();
    const auto image = load_image(path);  // its errors name the file
    try {
      e.image = centre_crop(image, multiple, e.cropped).unsqueeze(0).contiguous();
    } catch (const ImageError& error) {
      throw ImageError(path + ": " + error.what());
    }
    images.push_back(std::move(e));
  }
  return images;
}

DecoderCsi parse_decoder_csi(const std::string& name) {
  if (name == "measured") return DecoderCsi::measured;
  if (name == "nominal") return DecoderCsi::nominal;
  if (name == "swapped") return DecoderCsi::swapped;
  throw std::invalid_argument("decoder CSI must be measured, nominal or swapped, got '" + name + "'");
}

std::string to_string(DecoderCsi csi) {
  switch (csi) {
    case DecoderCsi::nominal: return "nominal";
    case DecoderCsi::swapped: return "swapped";
    default: return "measured";
  }
}

torch::Tensor decoder_csi(DecoderCsi mode, const torch::Tensor& stream_snr_db, double nominal_snr_db) {
  if (mode == DecoderCsi::nominal) return torch::full_like(stream_snr_db, nominal_snr_db);
  if (mode == DecoderCsi::swapped) return stream_snr_db.flip({-1});
  return stream_snr_db;
}

uint64_t channel_seed(uint64_t seed, size_t image_index, double snr_db) {
  return seed * 1000003ULL + image_index * 1009ULL + static_cast<uint64_t>(std::lround(snr_db * 100 + 100000));
}

EvalRow evaluate(TrainedCodec& model, const std::vector<EvalImage>& images, double snr_db, uint64_t seed,
                 const std::string& reconstruction_dir, DecoderCsi csi) {
  torch::NoGradGuard no_grad;
  model.codec->eval();
  const Channel channel(model.channel);
  const auto device = model.codec->parameters().front().device();
  EvalRow row;
  row.model = model.name;
  row.architecture = model.config.architecture;
  row.snr_db = snr_db;
  row.ratio = model.config.realised_ratio();
  std::vector<double> active, frequency_sum;
  double dense = 0, sparse = 0;
  for (size_t i = 0; i < images.size(); ++i) {
    const auto& image = images[i].image;
    const auto input = image.to(device);
    torch::manual_seed(channel_seed(seed, i, snr_db));
    const auto snr = torch::full({1}, snr_db, torch::TensorOptions().device(device));
    const auto sent = model.codec->encode(input, nominal_csi(snr, channel.config().streams()));
    const auto received = channel.transmit(sent, snr);
    const auto decoded = model.codec->decode(received.symbols, decoder_csi(csi, received.stream_snr_db, snr_db),
                                             static_cast<int>(image.size(2)), static_cast<int>(image.size(3)));
    const auto output = quantize_8bit(decoded.to(torch::kCPU));
    const ImageScore score = score_image(image, output);
    row.psnr_per_image.push_back(score.psnr);
    row.ms_ssim_per_image.push_back(score.ms_ssim);
    if (!reconstruction_dir.empty())
      save_png(output, reconstruction_dir + "/" + model.name + "/snr" + std::to_string(std::lround(snr_db)) + "/" +
                           stem(images[i].name) + ".png");

    const auto routing = model.codec->routing();
    if (routing.empty()) continue;
    double per_token = 0;
    for (const auto& layer : routing) per_token += layer.routing.mask.to(torch::kDouble).sum(-1).mean().item<double>();
    active.push_back(per_token / routing.size());
    // The last encoder layer, as in the paper's Fig. 5.
    const NamedRouting* last_encoder = nullptr;
    for (const auto& layer : routing)
      if (layer.layer.rfind("encoder", 0) == 0) last_encoder = &layer;
    if (last_encoder) {
      const auto counts = last_encoder->routing.mask.to(torch::kDouble).mean(std::vector<int64_t>{0, 1});
      if (frequency_sum.empty()) frequency_sum.assign(counts.size(0), 0.0);
      for (int64_t e = 0; e < counts.size(0); ++e) frequency_sum[e] += counts[e].item<double>();
      row.frequency_layer = last_encoder->layer;
    }
    const auto compute = moe_compute(model.config, routing);
    dense += compute.dense_all_experts;
    sparse += compute.sparse;
  }
  row.psnr = mean(row.psnr_per_image);
  row.ms_ssim = mean(row.ms_ssim_per_image);
  row.mean_active_experts = mean(active);
  for (double f : frequency_sum) row.expert_frequency.push_back(f / images.size());
  row.mlp_compute_fraction = dense > 0 ? sparse / dense : std::numeric_limits<double>::quiet_NaN();
  return row;
}

nlohmann::json EvalRow::to_json() const {
  const auto number = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
  return {{"model", model},
          {"architecture", architecture},
          {"snr_db", snr_db},
          {"ratio", ratio},
          {"psnr", number(psnr)},
          {"ms_ssim", number(ms_ssim)},
          {"mean_active_experts", number(mean_active_experts)},
          {"expert_frequency", expert_frequency},
          {"expert_frequency_layer", frequency_layer},
          {"mlp_compute_fraction", number(mlp_compute_fraction)},
          {"psnr_per_image", psnr_per_image},
          {"ms_ssim_per_image", ms_ssim_per_image}};
}

}  // namespace moema::jscc
