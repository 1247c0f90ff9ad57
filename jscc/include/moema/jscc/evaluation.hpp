// Evaluation of trained codecs on a folder of images (Kodak by default):
// PSNR and MS-SSIM per image through the model's channel at a given SNR,
// and what the MoE routers did. The channel draws depend only on the seed,
// the image and the SNR, so every model of the same R sees the same channels
// and noise.
#pragma once

#include "moema/jscc/model_files.hpp"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace moema::jscc {

struct EvalImage {
  std::string name;      // file name
  torch::Tensor image;   // [1, 3, H, W], cropped to the codec's size multiple
  bool cropped = false;
};

// Loads every image of `folder` (at most `limit` when > 0), centre-cropped
// to multiples of `multiple`.
std::vector<EvalImage> load_eval_images(const std::string& folder, int multiple, int limit = 0);

struct EvalRow {
  std::string model, architecture;
  double snr_db = 0, ratio = 0;
  double psnr = 0, ms_ssim = 0;            // means over the images (8-bit reconstructions; MS-SSIM over those > 160 px a side)
  double mean_active_experts = 0;          // routed experts per token, per image then averaged; NaN without MoE
  std::vector<double> expert_frequency;    // last encoder MoE layer: share of tokens using each routed expert
  std::string frequency_layer;
  double mlp_compute_fraction = 0;         // sparse MoE MLP work / all experts on all tokens; NaN without MoE
  std::vector<double> psnr_per_image, ms_ssim_per_image;
  nlohmann::json to_json() const;
};

// The CSI the decoder is given: an ablation that tells whether a codec uses
// it. `measured` is the channel's per-stream SNR (normal operation);
// `nominal` the SNR of the evaluation on every stream, as a receiver without
// CSI would assume; `swapped` the measured per-stream SNRs in reverse stream
// order, so that the decoder is told the wrong stream is the weak one.
enum class DecoderCsi { measured, nominal, swapped };
DecoderCsi parse_decoder_csi(const std::string& name);  // throws std::invalid_argument naming the value
std::string to_string(DecoderCsi csi);

// The CSI handed to the decoder under `mode`, from the channel's per-stream
// SNR [B, streams] and the nominal SNR of the draw.
torch::Tensor decoder_csi(DecoderCsi mode, const torch::Tensor& stream_snr_db, double nominal_snr_db);

// Encodes, transmits and decodes each image; writes the reconstructions as
// PNG to `reconstruction_dir` when it is not empty.
EvalRow evaluate(TrainedCodec& model, const std::vector<EvalImage>& images, double snr_db, uint64_t seed,
                 const std::string& reconstruction_dir = "", DecoderCsi csi = DecoderCsi::measured);

// The seed of the channel draws for one image at one SNR.
uint64_t channel_seed(uint64_t seed, size_t image_index, double snr_db);

}  // namespace moema::jscc
