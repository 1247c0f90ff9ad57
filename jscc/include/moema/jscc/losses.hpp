// The training loss of AD-MoE SwinJSCC (Sec. II-C): MSE plus three terms
// against expert collapse, computed from the routing of each MoE layer.
//
// The paper's three terms are functions of the experts' activation
// frequencies, which come from a hard selection and so carry no gradient.
// Here a frequency is the hard count (its value) plus the router's mean
// probability minus its detached copy (its gradient): the straight-through
// form, so each term has the paper's value and still trains the router.
#pragma once

#include "moema/common/json_fields.hpp"
#include "moema/jscc/moe_mlp.hpp"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <vector>

namespace moema::jscc {

// Share of all activations in the batch that went to each routed expert: [E], sums to 1.
torch::Tensor activation_frequency(const Routing& routing);
// The same per image: [B, E], each row sums to 1.
torch::Tensor activation_frequency_per_image(const Routing& routing);

// Load balance: E * sum_i f_i P_i, f_i the activation frequency, P_i expert i's
// mean router weight. 1 when both are uniform.
torch::Tensor load_balance_loss(const Routing& routing);
// Entropy regularisation: (1/B) sum_b sum_i f_bi log(f_bi + eps), the negative
// entropy of each image's activation frequencies (minimising it spreads them).
torch::Tensor entropy_loss(const Routing& routing, double eps = 1e-8);
// Utilisation variance: (1/E) sum_i (f_i - 1/E)^2.
torch::Tensor utilisation_variance_loss(const Routing& routing);

struct LossWeights {
  double load_balance = 0.01;
  double entropy = 0.001;
  double variance = 0.01;
  nlohmann::json to_json() const;
  static LossWeights from_json(const nlohmann::json& j);
};
MOEMA_JSON_FIELDS(LossWeights, load_balance, entropy, variance)

// Weighted sum of the three terms, averaged over the MoE layers; zero when
// there are none.
torch::Tensor routing_loss(const std::vector<Routing>& layers, const LossWeights& weights);

}  // namespace moema::jscc
