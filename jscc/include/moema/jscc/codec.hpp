// The three image codecs compared in the AD-MoE SwinJSCC paper, behind one
// interface: encode an image batch to power-normalised complex channel
// symbols, decode received symbols back to an image.
//
//  - "admoe_swinjscc": four stages, two convolutional and two of Swin blocks
//    whose feed-forward layers are AD-MoE MLPs routed on token features and
//    CSI; a symmetric decoder.
//  - "swinjscc": the same network with plain MLPs and no CSI anywhere (the
//    paper's SwinJSCC without SNR or rate adaptation).
//  - "deepjscc": the convolutional codec of Bourtsoulatze et al. (2019).
//
// Bandwidth ratio R = complex channel symbols (over all transmit antennas)
// per source dimension 3*H*W. The Swin codecs send latent_channels/2 complex
// symbols per token of the 16x downsampled map, so R = latent_channels/1536;
// DeepJSCC sends c/2 per position of its 4x downsampled map, R = c/96.
#pragma once

#include "moema/jscc/colour.hpp"
#include "moema/jscc/moe_mlp.hpp"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace moema::jscc {

struct CodecConfig {
  std::string architecture = "admoe_swinjscc";  // or "swinjscc", "deepjscc"
  double ratio = 1.0 / 16;                      // bandwidth ratio R
  std::vector<int> dims{32, 48, 64, 96};        // stage widths (Swin codecs)
  std::vector<int> depths{1, 1, 2, 2};          // residual conv blocks (stages 1-2), Swin blocks (3-4)
  std::vector<int> heads{4, 4};                 // attention heads of stages 3 and 4
  int window = 4;
  int mlp_ratio = 4;
  MoeOptions moe;                               // admoe_swinjscc only; moe.csi_dim = channel streams
  int deepjscc_filters = 32;                    // DeepJSCC's width (the paper's 16 then 32)
  // Input and output colour coordinates (colour.hpp). rgb is what the shipped
  // weights use; archives written before the choice existed have no "colour"
  // key and are rgb too.
  ColourSpace colour = ColourSpace::rgb;
  // Swin codecs: the decoder scales each received latent value by a learned
  // function of its stream's SNR before anything else (csi_shrinkage), so the
  // CSI reaches it directly and not only through MoE routers. Off in the
  // paper's codecs and the shipped weights; archives without the key are off.
  bool csi_scaling = false;

  nlohmann::json to_json() const;
  static CodecConfig from_json(const nlohmann::json& j);  // errors name the key
  // Real latent values per latent position, from R (rounded to even).
  int latent_channels() const;
  // Image sides must be multiples of this.
  int size_multiple() const;
  // R actually realised by latent_channels().
  double realised_ratio() const;
};

// What the router side of each MoE layer saw and chose, by layer name.
struct NamedRouting {
  std::string layer;
  int width = 0;  // the layer's token width C
  Routing routing;
};

class CodecImpl : public torch::nn::Module {
 public:
  // images: [B,3,H,W] in [0,1]; tx_csi: [B, csi_dim] what the transmitter
  // knows (the nominal SNR per stream, dB). Returns [B,S] complex symbols with
  // mean power 1 per image.
  virtual torch::Tensor encode(const torch::Tensor& images, const torch::Tensor& tx_csi) = 0;
  // symbols: [B,S] complex as received and equalised; rx_csi: [B, csi_dim]
  // the receiver's per-stream SNR estimate (dB). Returns [B,3,H,W] in [0,1].
  virtual torch::Tensor decode(const torch::Tensor& symbols, const torch::Tensor& rx_csi, int height, int width) = 0;
  // The MoE layers' routing in the last encode and decode (empty without MoE).
  virtual std::vector<NamedRouting> routing() const { return {}; }
  const CodecConfig& config() const { return config_; }

 protected:
  explicit CodecImpl(CodecConfig config) : config_(std::move(config)) {}
  void check_image(const torch::Tensor& images) const;

 private:
  CodecConfig config_;
};

using Codec = std::shared_ptr<CodecImpl>;

// The stream that carries each real latent value of a flattened [L * channels]
// latent, as the channel layer sends it: value v is half of complex symbol
// v / 2, which goes to antenna (v / 2) % streams. [L * channels] int64.
torch::Tensor stream_of_latent_values(int64_t values, int streams);

// The decoder's direct use of the per-stream SNR: each value of latent
// [B, L, C] times sigmoid(slope_c ln(snr) + offset_c), snr the linear SNR of
// the stream that carried it (csi_db [B, streams], dB). With slope 1 and
// offset 0 that is snr / (1 + snr), the linear MMSE estimate of a value from
// its unbiased equalised copy (signal and noise power per real dimension 1/2
// and 1/(2 snr)); training adapts it per latent channel.
torch::Tensor csi_shrinkage(const torch::Tensor& latent, const torch::Tensor& csi_db, const torch::Tensor& slope,
                            const torch::Tensor& offset);

// csi_dim: features the MoE routers see (the channel's stream count).
Codec make_codec(const CodecConfig& config, int csi_dim);

// The transmitter's CSI: the nominal SNR [B] repeated for each stream.
torch::Tensor nominal_csi(const torch::Tensor& snr_db, int streams);

// Multiply-accumulates of one MLP pass per token, for reporting how much of
// the MoE layers' compute sparse routing saves.
struct MlpCompute {
  double dense_all_experts = 0;  // every routed expert on every token, plus the shared ones
  double sparse = 0;             // the shared experts plus the experts actually selected
};
MlpCompute moe_compute(const CodecConfig& config, const std::vector<NamedRouting>& routing);

}  // namespace moema::jscc
