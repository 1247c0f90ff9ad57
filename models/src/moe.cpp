#include "moema/models/moe.hpp"

namespace moema::models {

MlpConfig single_config(const MoeConfig& config) {
  return MlpConfig{config.codeword_dim, config.expert_hidden, config.classes, config.dropout};
}

MixtureOfExpertsImpl::MixtureOfExpertsImpl(const MoeConfig& config)
    : config_(config),
      gate_(MlpConfig{config.codeword_dim + config.aux_dim, config.gate_hidden, kExperts, config.dropout}) {
  for (int e = 0; e < kExperts; ++e) experts_.push_back(register_module("expert" + std::to_string(e), Mlp(single_config(config))));
  register_module("gate", gate_);
}

torch::Tensor MixtureOfExpertsImpl::gate_weights(const torch::Tensor& codewords, const torch::Tensor& aux) {
  return torch::softmax(gate_->forward(torch::cat({codewords, aux}, 1)), 1);
}

MoeOutput MixtureOfExpertsImpl::forward(const torch::Tensor& codewords, const torch::Tensor& aux) {
  const torch::Tensor gate = gate_weights(codewords, aux);
  std::vector<torch::Tensor> expert_log_probs;
  for (auto& expert : experts_) expert_log_probs.push_back(torch::log_softmax(expert->forward(codewords), 1));
  // log sum_e g_e p_e, computed in the log domain for stability.
  const torch::Tensor stacked = torch::stack(expert_log_probs, 1);  // (B, E, C)
  const torch::Tensor log_gate = torch::log(gate.clamp_min(1e-12)).unsqueeze(2);
  return {torch::logsumexp(stacked + log_gate, 1), gate};
}

torch::Tensor load_balance_loss(const torch::Tensor& gate) {
  const auto experts = gate.size(1);
  const torch::Tensor top = gate.argmax(1);
  const torch::Tensor fraction = torch::one_hot(top, experts).to(gate.scalar_type()).mean(0);
  const torch::Tensor mean_weight = gate.mean(0);
  return static_cast<double>(experts) * (fraction * mean_weight).sum();
}

}  // namespace moema::models
