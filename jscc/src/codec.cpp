#include "moema/jscc/codec.hpp"

#include "moema/jscc/channel.hpp"
#include "moema/jscc/swin.hpp"

#include <cmath>
#include <stdexcept>

namespace moema::jscc {

namespace {

constexpr int kSwinDownsampling = 16;  // four stages, each halving the sides
constexpr int kDeepJsccDownsampling = 4;

bool is_swin(const std::string& architecture) {
  return architecture == "admoe_swinjscc" || architecture == "swinjscc";
}

// Source values (3 colours x the downsampling area) behind one latent position.
int source_values_per_position(const std::string& architecture) {
  const int factor = is_swin(architecture) ? kSwinDownsampling : kDeepJsccDownsampling;
  return 3 * factor * factor;
}

// x + conv(GELU(conv(x))): the convolutional stages' block.
class ResidualConvImpl : public torch::nn::Module {
 public:
  explicit ResidualConvImpl(int channels)
      : conv1_(register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, channels, 3).padding(1)))),
        conv2_(register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, channels, 3).padding(1)))) {}
  torch::Tensor forward(const torch::Tensor& x) { return x + conv2_(torch::gelu(conv1_(x))); }

 private:
  torch::nn::Conv2d conv1_, conv2_;
};
TORCH_MODULE(ResidualConv);

torch::nn::Sequential conv_stage(int channels, int depth) {
  torch::nn::Sequential stage;
  for (int i = 0; i < depth; ++i) stage->push_back(ResidualConv(channels));
  return stage;
}

// A run of Swin blocks at one resolution, alternating plain and shifted windows.
class SwinStageImpl : public torch::nn::Module {
 public:
  SwinStageImpl(const CodecConfig& config, int dim, int heads, int depth, bool moe, int csi_dim) : dim_(dim) {
    for (int i = 0; i < depth; ++i) {
      SwinBlockOptions o;
      o.dim = dim;
      o.heads = heads;
      o.window = config.window;
      o.shifted = i % 2 == 1;
      o.mlp_ratio = config.mlp_ratio;
      o.moe = moe;
      o.moe_options = config.moe;
      o.moe_options.csi_dim = csi_dim;
      blocks_.push_back(register_module("block" + std::to_string(i), SwinBlock(o)));
    }
  }
  torch::Tensor forward(torch::Tensor x, int height, int width, const torch::Tensor& csi) {
    for (auto& block : blocks_) x = block->forward(x, height, width, csi);
    return x;
  }
  void collect(const std::string& name, std::vector<NamedRouting>& out) const {
    for (size_t i = 0; i < blocks_.size(); ++i)
      if (auto moe = blocks_[i]->moe())
        if (moe->last_routing().probs.defined())
          out.push_back({name + ".block" + std::to_string(i), dim_, moe->last_routing()});
  }

 private:
  int dim_;
  std::vector<SwinBlock> blocks_;
};
TORCH_MODULE(SwinStage);

torch::Tensor to_symbols(const torch::Tensor& latent) {
  return normalize_power(real_to_complex(latent.reshape({latent.size(0), -1})));
}

// The received symbols as real latent values [B, positions * channels],
// after checking they are as many as a height x width image needs.
torch::Tensor latent_values(const torch::Tensor& symbols, int64_t positions, int channels, int height, int width) {
  const auto real = complex_to_real(symbols);
  if (real.size(1) != positions * channels)
    throw std::invalid_argument("decode: " + std::to_string(symbols.size(1)) + " symbols do not fit a " +
                                std::to_string(height) + "x" + std::to_string(width) + " image (it needs " +
                                std::to_string(positions * channels / 2) + ")");
  return real;
}

// csi_shrinkage with one slope and offset per latent channel, starting at
// the linear MMSE shrinkage (slope 1, offset 0).
class CsiScalingImpl : public torch::nn::Module {
 public:
  CsiScalingImpl(int channels, int streams) : streams_(streams) {
    slope_ = register_parameter("slope", torch::ones({channels}));
    offset_ = register_parameter("offset", torch::zeros({channels}));
  }
  torch::Tensor forward(const torch::Tensor& latent, const torch::Tensor& csi) {
    require_csi(csi, latent.size(0), streams_, "decoder CSI scaling");
    return csi_shrinkage(latent, csi, slope_, offset_);
  }

 private:
  int streams_;
  torch::Tensor slope_, offset_;
};
TORCH_MODULE(CsiScaling);

class SwinCodecImpl : public CodecImpl {
 public:
  SwinCodecImpl(const CodecConfig& config, int csi_dim) : CodecImpl(config) {
    const auto& d = config.dims;
    const bool moe = config.architecture == "admoe_swinjscc";
    const int latent = config.latent_channels();
    // Encoder.
    embed_ = register_module("embed", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, d[0], 2).stride(2)));
    enc1_ = register_module("enc1", conv_stage(d[0], config.depths[0]));
    down2_ = register_module("down2", PatchMerging(d[0], d[1]));
    enc2_ = register_module("enc2", conv_stage(d[1], config.depths[1]));
    down3_ = register_module("down3", PatchMerging(d[1], d[2]));
    enc3_ = register_module("enc3", SwinStage(config, d[2], config.heads[0], config.depths[2], moe, csi_dim));
    down4_ = register_module("down4", PatchMerging(d[2], d[3]));
    enc4_ = register_module("enc4", SwinStage(config, d[3], config.heads[1], config.depths[3], moe, csi_dim));
    head_norm_ = register_module("head_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d[3]})));
    head_ = register_module("head", torch::nn::Linear(d[3], latent));
    // Decoder, the mirror image.
    if (config.csi_scaling) csi_scaling_ = register_module("csi_scaling", CsiScaling(latent, csi_dim));
    unhead_ = register_module("unhead", torch::nn::Linear(latent, d[3]));
    dec4_ = register_module("dec4", SwinStage(config, d[3], config.heads[1], config.depths[3], moe, csi_dim));
    up4_ = register_module("up4", PatchExpanding(d[3], d[2]));
    dec3_ = register_module("dec3", SwinStage(config, d[2], config.heads[0], config.depths[2], moe, csi_dim));
    up3_ = register_module("up3", PatchExpanding(d[2], d[1]));
    dec2_ = register_module("dec2", conv_stage(d[1], config.depths[1]));
    up2_ = register_module("up2", PatchExpanding(d[1], d[0]));
    dec1_ = register_module("dec1", conv_stage(d[0], config.depths[0]));
    unembed_ = register_module(
        "unembed", torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(d[0], 3, 2).stride(2)));
  }

  torch::Tensor encode(const torch::Tensor& images, const torch::Tensor& tx_csi) override {
    check_image(images);
    int h = static_cast<int>(images.size(2)) / 2, w = static_cast<int>(images.size(3)) / 2;
    auto x = enc1_->forward(embed_(encoder_input(images, config().colour)));
    x = down2_(image_to_tokens(x), h, w);
    h /= 2, w /= 2;
    x = enc2_->forward(tokens_to_image(x, h, w));
    x = down3_(image_to_tokens(x), h, w);
    h /= 2, w /= 2;
    x = enc3_(x, h, w, tx_csi);
    x = down4_(x, h, w);
    h /= 2, w /= 2;
    x = enc4_(x, h, w, tx_csi);
    return to_symbols(head_(head_norm_(x)));
  }

  torch::Tensor decode(const torch::Tensor& symbols, const torch::Tensor& rx_csi, int height, int width) override {
    int h = height / kSwinDownsampling, w = width / kSwinDownsampling;
    const int latent = config().latent_channels();
    const auto real = latent_values(symbols, static_cast<int64_t>(h) * w, latent, height, width);
    auto tokens = real.view({real.size(0), h * w, latent});
    if (csi_scaling_) tokens = csi_scaling_(tokens, rx_csi);
    auto x = dec4_(unhead_(tokens), h, w, rx_csi);
    x = up4_(x, h, w);
    h *= 2, w *= 2;
    x = dec3_(x, h, w, rx_csi);
    x = up3_(x, h, w);
    h *= 2, w *= 2;
    x = dec2_->forward(tokens_to_image(x, h, w));
    x = up2_(image_to_tokens(x), h, w);
    h *= 2, w *= 2;
    x = dec1_->forward(tokens_to_image(x, h, w));
    return decoder_output(unembed_(x), config().colour);
  }

  std::vector<NamedRouting> routing() const override {
    std::vector<NamedRouting> out;
    enc3_->collect("encoder.stage3", out);
    enc4_->collect("encoder.stage4", out);
    dec4_->collect("decoder.stage4", out);
    dec3_->collect("decoder.stage3", out);
    return out;
  }

 private:
  torch::nn::Conv2d embed_{nullptr};
  torch::nn::Sequential enc1_{nullptr}, enc2_{nullptr}, dec2_{nullptr}, dec1_{nullptr};
  PatchMerging down2_{nullptr}, down3_{nullptr}, down4_{nullptr};
  SwinStage enc3_{nullptr}, enc4_{nullptr}, dec4_{nullptr}, dec3_{nullptr};
  torch::nn::LayerNorm head_norm_{nullptr};
  torch::nn::Linear head_{nullptr}, unhead_{nullptr};
  PatchExpanding up4_{nullptr}, up3_{nullptr}, up2_{nullptr};
  torch::nn::ConvTranspose2d unembed_{nullptr};
  CsiScaling csi_scaling_{nullptr};
};

// Bourtsoulatze et al.: five 5x5 convolutions with PReLU (two with stride 2)
// and their transposes.
class DeepJsccImpl : public CodecImpl {
 public:
  explicit DeepJsccImpl(const CodecConfig& config) : CodecImpl(config) {
    const int f = config.deepjscc_filters, half = std::max(1, f / 2), c = config.latent_channels();
    using torch::nn::Conv2dOptions;
    using torch::nn::ConvTranspose2dOptions;
    encoder_ = register_module(
        "encoder",
        torch::nn::Sequential(torch::nn::Conv2d(Conv2dOptions(3, half, 5).stride(2).padding(2)), torch::nn::PReLU(),
                              torch::nn::Conv2d(Conv2dOptions(half, f, 5).stride(2).padding(2)), torch::nn::PReLU(),
                              torch::nn::Conv2d(Conv2dOptions(f, f, 5).padding(2)), torch::nn::PReLU(),
                              torch::nn::Conv2d(Conv2dOptions(f, f, 5).padding(2)), torch::nn::PReLU(),
                              torch::nn::Conv2d(Conv2dOptions(f, c, 5).padding(2))));
    decoder_ = register_module(
        "decoder",
        torch::nn::Sequential(
            torch::nn::ConvTranspose2d(ConvTranspose2dOptions(c, f, 5).padding(2)), torch::nn::PReLU(),
            torch::nn::ConvTranspose2d(ConvTranspose2dOptions(f, f, 5).padding(2)), torch::nn::PReLU(),
            torch::nn::ConvTranspose2d(ConvTranspose2dOptions(f, f, 5).padding(2)), torch::nn::PReLU(),
            torch::nn::ConvTranspose2d(ConvTranspose2dOptions(f, half, 5).stride(2).padding(2).output_padding(1)),
            torch::nn::PReLU(),
            torch::nn::ConvTranspose2d(ConvTranspose2dOptions(half, 3, 5).stride(2).padding(2).output_padding(1))));
  }

  torch::Tensor encode(const torch::Tensor& images, const torch::Tensor&) override {
    check_image(images);
    return to_symbols(encoder_->forward(encoder_input(images, config().colour)));
  }

  torch::Tensor decode(const torch::Tensor& symbols, const torch::Tensor&, int height, int width) override {
    const int h = height / kDeepJsccDownsampling, w = width / kDeepJsccDownsampling, c = config().latent_channels();
    const auto real = latent_values(symbols, static_cast<int64_t>(h) * w, c, height, width);
    return decoder_output(decoder_->forward(real.view({real.size(0), c, h, w})), config().colour);
  }

 private:
  torch::nn::Sequential encoder_{nullptr}, decoder_{nullptr};
};

template <typename T>
std::vector<T> required_list(const nlohmann::json& j, const char* key, const std::vector<T>& fallback, size_t size) {
  const auto values = j.value(key, fallback);
  if (values.size() != size)
    throw std::invalid_argument(std::string("codec config: '") + key + "' needs " + std::to_string(size) + " values");
  return values;
}

}  // namespace

nlohmann::json CodecConfig::to_json() const {
  return {{"architecture", architecture}, {"ratio", ratio},       {"dims", dims},
          {"depths", depths},             {"heads", heads},       {"window", window},
          {"mlp_ratio", mlp_ratio},       {"moe", moe.to_json()}, {"deepjscc_filters", deepjscc_filters},
          {"colour", to_string(colour)}, {"csi_scaling", csi_scaling}};
}

CodecConfig CodecConfig::from_json(const nlohmann::json& j) {
  CodecConfig c;
  c.architecture = j.value("architecture", c.architecture);
  if (!is_swin(c.architecture) && c.architecture != "deepjscc")
    throw std::invalid_argument("codec config: 'architecture' must be admoe_swinjscc, swinjscc or deepjscc, got '" +
                                c.architecture + "'");
  c.ratio = j.value("ratio", c.ratio);
  if (!(c.ratio > 0 && c.ratio <= 1)) throw std::invalid_argument("codec config: 'ratio' must be in (0, 1]");
  c.dims = required_list(j, "dims", c.dims, 4);
  c.depths = required_list(j, "depths", c.depths, 4);
  c.heads = required_list(j, "heads", c.heads, 2);
  c.window = j.value("window", c.window);
  c.mlp_ratio = j.value("mlp_ratio", c.mlp_ratio);
  if (j.contains("moe")) c.moe = MoeOptions::from_json(j.at("moe"));
  c.deepjscc_filters = j.value("deepjscc_filters", c.deepjscc_filters);
  try {
    c.colour = parse_colour_space(j.value("colour", std::string("rgb")));
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("codec config: 'colour': ") + e.what());
  }
  c.csi_scaling = j.value("csi_scaling", c.csi_scaling);
  if (c.csi_scaling && !is_swin(c.architecture))
    throw std::invalid_argument("codec config: 'csi_scaling' is for the Swin codecs, not " + c.architecture);
  if (c.window < 1 || c.mlp_ratio < 1 || c.deepjscc_filters < 2)
    throw std::invalid_argument("codec config: 'window', 'mlp_ratio' and 'deepjscc_filters' must be positive");
  return c;
}

int CodecConfig::latent_channels() const {
  // Two real values per complex symbol.
  return std::max(2, 2 * static_cast<int>(std::lround(ratio * source_values_per_position(architecture))));
}

double CodecConfig::realised_ratio() const {
  return latent_channels() / 2.0 / source_values_per_position(architecture);
}

int CodecConfig::size_multiple() const { return is_swin(architecture) ? kSwinDownsampling * window : kDeepJsccDownsampling; }

void CodecImpl::check_image(const torch::Tensor& images) const {
  const int m = config_.size_multiple();
  if (images.dim() != 4 || images.size(1) != 3)
    throw std::invalid_argument("codec: images must be [batch, 3, height, width]");
  if (images.size(2) % m != 0 || images.size(3) % m != 0)
    throw std::invalid_argument("codec: image size " + std::to_string(images.size(2)) + "x" +
                                std::to_string(images.size(3)) + " is not a multiple of " + std::to_string(m) +
                                " (crop it first)");
}

torch::Tensor stream_of_latent_values(int64_t values, int streams) {
  if (streams < 1) throw std::invalid_argument("stream_of_latent_values: streams must be >= 1");
  return torch::arange(values, torch::kLong).div(2, "floor").remainder(streams);
}

torch::Tensor csi_shrinkage(const torch::Tensor& latent, const torch::Tensor& csi_db, const torch::Tensor& slope,
                            const torch::Tensor& offset) {
  const auto positions = latent.size(1), channels = latent.size(2);
  const auto stream = stream_of_latent_values(positions * channels, static_cast<int>(csi_db.size(1)));
  const auto log_snr =
      (csi_db.to(latent.dtype()) * (std::log(10.0) / 10.0)).index_select(1, stream.to(latent.device()));
  return latent * torch::sigmoid(slope * log_snr.view({-1, positions, channels}) + offset);
}

Codec make_codec(const CodecConfig& config, int csi_dim) {
  if (is_swin(config.architecture)) return std::make_shared<SwinCodecImpl>(config, csi_dim);
  if (config.architecture == "deepjscc") return std::make_shared<DeepJsccImpl>(config);
  throw std::invalid_argument("make_codec: unknown architecture '" + config.architecture + "'");
}

torch::Tensor nominal_csi(const torch::Tensor& snr_db, int streams) {
  return snr_db.to(torch::kFloat).unsqueeze(1).expand({snr_db.size(0), streams}).contiguous();
}

MlpCompute moe_compute(const CodecConfig& config, const std::vector<NamedRouting>& routing) {
  MlpCompute total;
  for (const auto& layer : routing) {
    const double width = layer.width;
    const double routed = 2.0 * width * config.moe.expert_ratio * width;  // two linear layers
    const double shared = 2.0 * width * config.moe.shared_ratio * width;
    const double tokens = static_cast<double>(layer.routing.mask.size(0) * layer.routing.mask.size(1));
    const double selected = layer.routing.mask.sum().item<double>();
    const double always = tokens * shared * config.moe.shared_experts;
    total.dense_all_experts += always + tokens * routed * config.moe.routed_experts;
    total.sparse += always + selected * routed;
  }
  return total;
}

}  // namespace moema::jscc
