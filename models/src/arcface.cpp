#include "moema/models/arcface.hpp"

#include <cmath>

namespace moema::models {

torch::Tensor arcface_target_cosine(const torch::Tensor& cosine, const ArcFaceConfig& config) {
  const double m = config.margin;
  const torch::Tensor c = cosine.clamp(-1.0 + config.clamp_eps, 1.0 - config.clamp_eps);
  const torch::Tensor sine = torch::sqrt(1.0 - c * c);
  const torch::Tensor shifted = c * std::cos(m) - sine * std::sin(m);  // cos(theta + m)
  // theta + m <= pi  <=>  cos(theta) >= cos(pi - m)
  const torch::Tensor within = c >= std::cos(M_PI - m);
  return torch::where(within, shifted, c - m * std::sin(m));
}

torch::Tensor arcface_logits(const torch::Tensor& cosine, const torch::Tensor& labels, const ArcFaceConfig& config) {
  const torch::Tensor one_hot = torch::one_hot(labels, cosine.size(1)).to(torch::kBool);
  const torch::Tensor target = arcface_target_cosine(cosine, config);
  return config.scale * torch::where(one_hot, target, cosine);
}

ArcFaceHeadImpl::ArcFaceHeadImpl(int features, int classes) {
  weight_ = register_parameter("weight", torch::randn({classes, features}));
}

torch::Tensor ArcFaceHeadImpl::class_directions() {
  return torch::nn::functional::normalize(weight_, torch::nn::functional::NormalizeFuncOptions().dim(1));
}

torch::Tensor ArcFaceHeadImpl::cosine(const torch::Tensor& unit_features) {
  return torch::mm(unit_features, class_directions().t());
}

}  // namespace moema::models
