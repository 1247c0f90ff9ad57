#include "moema/jscc/moe_mlp.hpp"

#include <stdexcept>
#include <string>

namespace moema::jscc {

nlohmann::json MoeOptions::to_json() const {
  return {{"routed_experts", routed_experts}, {"shared_experts", shared_experts},
          {"expert_ratio", expert_ratio},     {"shared_ratio", shared_ratio},
          {"zero_init_routed", zero_init_routed}, {"max_k", max_k},
          {"threshold", threshold},           {"csi_dim", csi_dim},
          {"csi_unit_db", csi_unit_db}};
}

MoeOptions MoeOptions::from_json(const nlohmann::json& j) {
  MoeOptions o;
  o.routed_experts = j.value("routed_experts", o.routed_experts);
  o.shared_experts = j.value("shared_experts", o.shared_experts);
  o.expert_ratio = j.value("expert_ratio", o.expert_ratio);
  // Archives from before shared_ratio had shared experts as wide as routed ones.
  o.shared_ratio = j.value("shared_ratio", o.expert_ratio);
  o.zero_init_routed = j.value("zero_init_routed", o.zero_init_routed);
  o.max_k = j.value("max_k", o.max_k);
  o.threshold = j.value("threshold", o.threshold);
  o.csi_dim = j.value("csi_dim", o.csi_dim);
  o.csi_unit_db = j.value("csi_unit_db", o.csi_unit_db);
  if (!(o.csi_unit_db > 0)) throw std::invalid_argument("moe.csi_unit_db must be positive");
  if (o.routed_experts < 1) throw std::invalid_argument("moe.routed_experts must be at least 1");
  if (o.max_k < 1 || o.max_k > o.routed_experts)
    throw std::invalid_argument("moe.max_k must be between 1 and routed_experts, got " + std::to_string(o.max_k));
  if (o.shared_experts < 0 || o.expert_ratio < 1 || o.shared_ratio < 1 || o.csi_dim < 0 || o.threshold < 0)
    throw std::invalid_argument(
        "moe: shared_experts, csi_dim and threshold must be >= 0, expert_ratio and shared_ratio >= 1");
  return o;
}

void require_csi(const torch::Tensor& csi, int64_t batch, int dim, const std::string& who) {
  if (!csi.defined() || csi.dim() != 2 || csi.size(0) != batch || csi.size(1) != dim)
    throw std::invalid_argument(who + ": csi must be [batch, " + std::to_string(dim) + "]");
}

torch::Tensor adaptive_topk_mask(const torch::Tensor& probs, int max_k, double threshold) {
  const auto experts = probs.size(-1);
  if (max_k < 1 || max_k > experts) throw std::invalid_argument("adaptive_topk_mask: max_k out of range");
  const auto sorted = probs.sort(-1, /*descending=*/true);
  const auto& values = std::get<0>(sorted);
  const auto& order = std::get<1>(sorted);
  // Rank r+1 joins when rank r joined and the gap between them is below the
  // threshold: a running product of the per-gap decisions.
  const auto gaps = values.narrow(-1, 0, experts - 1) - values.narrow(-1, 1, experts - 1);
  auto joins = (gaps < threshold).to(torch::kLong).narrow(-1, 0, max_k - 1).cumprod(-1);
  auto sizes = probs.sizes().vec();
  sizes.back() = 1;
  std::vector<torch::Tensor> parts{torch::ones(sizes, joins.options()), joins};
  sizes.back() = experts - max_k;
  if (experts > max_k) parts.push_back(torch::zeros(sizes, joins.options()));
  const auto ranked = torch::cat(parts, -1).to(torch::kBool);
  return torch::zeros_like(ranked).scatter(-1, order, ranked);
}

ExpertImpl::ExpertImpl(int dim, int hidden)
    : fc1_(register_module("fc1", torch::nn::Linear(dim, hidden))),
      fc2_(register_module("fc2", torch::nn::Linear(hidden, dim))) {}

void ExpertImpl::zero_output() {
  torch::NoGradGuard no_grad;
  fc2_->weight.zero_();
  fc2_->bias.zero_();
}

torch::Tensor ExpertImpl::forward(const torch::Tensor& x) { return fc2_(torch::gelu(fc1_(x))); }

AdaptiveMoeMlpImpl::AdaptiveMoeMlpImpl(int dim, const MoeOptions& options) : options_(options) {
  router_norm_ = register_module("router_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  router_ = register_module("router", torch::nn::Linear(dim + options.csi_dim, options.routed_experts));
  for (int i = 0; i < options.shared_experts; ++i) shared_->push_back(Expert(dim, options.shared_ratio * dim));
  for (int i = 0; i < options.routed_experts; ++i) {
    Expert expert(dim, options.expert_ratio * dim);
    if (options.zero_init_routed) expert->zero_output();
    routed_->push_back(expert);
  }
  register_module("shared", shared_);
  register_module("routed", routed_);
}

torch::Tensor AdaptiveMoeMlpImpl::route(const torch::Tensor& x, const torch::Tensor& csi) {
  torch::Tensor features = router_norm_(x);
  if (options_.csi_dim > 0) {
    require_csi(csi, x.size(0), options_.csi_dim, "AD-MoE router");
    const auto scaled =
        (csi.to(x.dtype()) / options_.csi_unit_db).unsqueeze(1).expand({x.size(0), x.size(1), options_.csi_dim});
    features = torch::cat({features, scaled}, -1);
  }
  return torch::softmax(router_(features), -1);
}

torch::Tensor AdaptiveMoeMlpImpl::forward(const torch::Tensor& x, const torch::Tensor& csi) {
  const auto probs = route(x, csi);
  const auto mask = adaptive_topk_mask(probs.detach(), options_.max_k, options_.threshold);
  routing_ = {probs, mask};

  const auto dim = x.size(-1);
  const auto tokens = x.reshape({-1, dim});
  auto out = torch::zeros_like(tokens);
  for (const auto& expert : *shared_) out = out + expert->as<ExpertImpl>()->forward(tokens);

  const auto selected = probs * mask.to(probs.dtype());
  const auto weights = (selected / selected.sum(-1, true)).reshape({-1, options_.routed_experts});
  const auto flat_mask = mask.reshape({-1, options_.routed_experts});
  for (int e = 0; e < options_.routed_experts; ++e) {
    const auto rows = flat_mask.select(1, e).nonzero().squeeze(1);
    if (rows.numel() == 0) continue;
    const auto y = routed_[e]->as<ExpertImpl>()->forward(tokens.index_select(0, rows));
    out = out.index_add(0, rows, y * weights.index_select(0, rows).select(1, e).unsqueeze(1));
  }
  return out.reshape(x.sizes());
}

}  // namespace moema::jscc
