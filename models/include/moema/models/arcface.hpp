// ArcFace (Deng et al. 2019), the loss the embedder is trained with (paper
// App. B): features and class weights are l2-normalised, so the logit of
// class j is s cos(theta_j), and the target class gets an additive angular
// margin, s cos(theta_y + m), which forces classes apart by angle.
#pragma once

#include <torch/torch.h>

namespace moema::models {

struct ArcFaceConfig {
  double scale = 16.0;  // s (paper App. B)
  double margin = 0.5;  // m, radians (paper App. B)
  // cos(theta) is clamped to [-1 + eps, 1 - eps] before sin(theta) =
  // sqrt(1 - cos^2): with 3-D features cos hits +-1 often, where the
  // square root's gradient is infinite.
  double clamp_eps = 1e-6;
};

// Target-class logit function before scaling. cos(theta + m) while
// theta + m <= pi; past that point cos(theta + m) would rise again (a worse
// angle would score better), so the usual linear continuation
// cos(theta) - m sin(m) is used, which keeps the logit decreasing in theta.
torch::Tensor arcface_target_cosine(const torch::Tensor& cosine, const ArcFaceConfig& config);

// Scaled logits for cross-entropy: s cos(theta_j) for every class, with the
// target column (labels, int64) replaced by s * arcface_target_cosine.
torch::Tensor arcface_logits(const torch::Tensor& cosine, const torch::Tensor& labels, const ArcFaceConfig& config);

// The head: class weights W (classes x features); cosine(x) = x^ W_j^ for
// unit-norm x. Discarded after training.
class ArcFaceHeadImpl : public torch::nn::Module {
 public:
  ArcFaceHeadImpl(int features, int classes);
  torch::Tensor cosine(const torch::Tensor& unit_features);
  torch::Tensor class_directions();  // rows W_j / ||W_j||

 private:
  torch::Tensor weight_;
};
TORCH_MODULE(ArcFaceHead);

}  // namespace moema::models
