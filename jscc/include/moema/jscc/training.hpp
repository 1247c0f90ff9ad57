// Training of the image codecs: random crops from a folder of images, one
// SNR drawn per batch, the channel in the loop, MSE plus the MoE routing
// losses, checkpoints that a later run resumes from.
#pragma once

#include "moema/common/system_parameters.hpp"
#include "moema/jscc/channel.hpp"
#include "moema/jscc/codec.hpp"
#include "moema/jscc/losses.hpp"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace moema::jscc {

// Random square crops (with a random horizontal flip) from every image of a
// folder, kept in memory as 8-bit tensors. Images smaller than the crop are
// skipped and counted.
class ImageCropSampler {
 public:
  ImageCropSampler(const std::string& folder, int crop);
  // [batch, 3, crop, crop] float in [0, 1]; the draws come from `rng`.
  torch::Tensor sample(int batch, std::mt19937_64& rng) const;
  size_t images() const { return images_.size(); }
  size_t skipped() const { return skipped_; }

 private:
  int crop_;
  std::vector<torch::Tensor> images_;  // uint8 [3, H, W]
  size_t skipped_ = 0;
};

struct TrainOptions {
  std::string images;            // training folder
  int crop = 128;
  int batch = 16;
  long steps = 20000;            // total, over all resumed runs
  double learning_rate = 5e-4;    // peak, after the warm-up
  std::string lr_schedule = "constant";  // "constant" or "cosine" (decays to 0 at `steps`)
  long warmup_steps = 0;         // linear warm-up from learning_rate / warmup_steps
  double snr_min_db = 0, snr_max_db = 15;  // one SNR per batch, uniform in dB
  LossWeights routing_weights;
  uint64_t seed = defaults::kSeed;
  double max_minutes = 0;        // stop (after a checkpoint) when exceeded; 0: no limit
  int checkpoint_every = 200;    // steps
  std::string checkpoint_dir;    // empty: no checkpoints
  std::string device = "cpu";    // "cpu" or "cuda"
  bool progress = true;

  nlohmann::json to_json() const;
};

struct TrainResult {
  long steps_done = 0;       // total, including resumed steps
  bool finished = false;     // reached options.steps
  double seconds = 0;        // of training, over all resumed runs
  double final_loss = 0;     // mean MSE of the last 100 steps (or fewer)
};

// The learning rate of step `step` (0-based): a linear warm-up over
// warmup_steps, then constant, or a cosine from learning_rate at the end of
// the warm-up to 0 at options.steps. Throws on an unknown schedule.
double learning_rate_at(const TrainOptions& options, long step);

// Trains `codec` through `channel`. With a checkpoint_dir that holds a
// checkpoint of the same configuration, resumes from it; a checkpoint of
// another configuration is an error naming both.
TrainResult train_codec(Codec& codec, const Channel& channel, const TrainOptions& options);

}  // namespace moema::jscc
