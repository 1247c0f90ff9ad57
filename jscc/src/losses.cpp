#include "moema/jscc/losses.hpp"

namespace moema::jscc {

namespace {

// Hard counts normalised over the experts, carrying the gradient of the
// router's mean probabilities (straight-through). `dims` are the token dims
// to reduce.
torch::Tensor straight_through_frequency(const Routing& routing, std::vector<int64_t> dims) {
  const auto counts = routing.mask.to(routing.probs.dtype()).sum(dims);
  const auto hard = counts / counts.sum(-1, true);
  const auto soft = routing.probs.mean(dims);
  return hard + soft - soft.detach();
}

}  // namespace

torch::Tensor activation_frequency(const Routing& routing) { return straight_through_frequency(routing, std::vector<int64_t>{0, 1}); }

torch::Tensor activation_frequency_per_image(const Routing& routing) {
  return straight_through_frequency(routing, std::vector<int64_t>{1});
}

torch::Tensor load_balance_loss(const Routing& routing) {
  const auto experts = static_cast<double>(routing.probs.size(-1));
  const auto frequency = routing.mask.to(routing.probs.dtype()).sum(std::vector<int64_t>{0, 1});
  const auto mean_weight = routing.probs.mean(std::vector<int64_t>{0, 1});
  return experts * (frequency / frequency.sum() * mean_weight).sum();
}

torch::Tensor entropy_loss(const Routing& routing, double eps) {
  const auto f = activation_frequency_per_image(routing);
  return (f * torch::log(f + eps)).sum(-1).mean();
}

torch::Tensor utilisation_variance_loss(const Routing& routing) {
  const auto f = activation_frequency(routing);
  return (f - 1.0 / static_cast<double>(f.size(0))).pow(2).mean();
}

nlohmann::json LossWeights::to_json() const { return *this; }

LossWeights LossWeights::from_json(const nlohmann::json& j) { return j.get<LossWeights>(); }

torch::Tensor routing_loss(const std::vector<Routing>& layers, const LossWeights& weights) {
  if (layers.empty()) return torch::zeros({});
  auto total = torch::zeros({}, layers.front().probs.options());
  for (const auto& r : layers)
    total = total + weights.load_balance * load_balance_loss(r) + weights.entropy * entropy_loss(r) +
            weights.variance * utilisation_variance_loss(r);
  return total / static_cast<double>(layers.size());
}

}  // namespace moema::jscc
