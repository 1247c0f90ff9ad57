// The AP's semantic receiver (paper Sec. 2.3, 4, 5.1): a mixture of experts
// over reconstructed codewords, and the Single baseline.
//
// Experts: 0 = MNIST task expert, 1 = Fashion-MNIST task expert, 2 = the
// multi-task expert that learns interference-corrupted codewords; each a
// fully connected net with three hidden layers over the M-dim codeword,
// scoring all 20 classes. The gate (two hidden layers) sees the codeword and
// the device's auxiliary signal and weighs the experts with a softmax. The
// output is the gate-weighted mixture of the experts' class distributions,
// p(y | w, a) = sum_e g_e(w, a) p_e(y | w) (Jacobs et al. 1991), so a
// confident, well-routed expert decides.
#pragma once

#include "moema/models/mlp.hpp"

#include <torch/torch.h>

#include <vector>

namespace moema::models {

struct MoeConfig {
  int codeword_dim = 10;  // M
  int aux_dim = 2;
  int classes = 20;
  std::vector<int> expert_hidden{64, 64, 64};
  std::vector<int> gate_hidden{64, 64};
  double dropout = 0.1;
};

constexpr int kMnistExpert = 0;
constexpr int kFashionExpert = 1;
constexpr int kMultiTaskExpert = 2;
constexpr int kExperts = 3;

// The Single baseline: one expert-shaped network on all codewords.
MlpConfig single_config(const MoeConfig& config);

struct MoeOutput {
  torch::Tensor log_probabilities;  // (B, classes), log of the mixture
  torch::Tensor gate;               // (B, experts), rows sum to 1
};

class MixtureOfExpertsImpl : public torch::nn::Module {
 public:
  explicit MixtureOfExpertsImpl(const MoeConfig& config);

  MoeOutput forward(const torch::Tensor& codewords, const torch::Tensor& aux);
  torch::Tensor gate_weights(const torch::Tensor& codewords, const torch::Tensor& aux);
  Mlp& expert(int index) { return experts_.at(index); }
  Mlp& gate() { return gate_; }
  const MoeConfig& config() const { return config_; }

 private:
  MoeConfig config_;
  std::vector<Mlp> experts_;
  Mlp gate_;
};
TORCH_MODULE(MixtureOfExperts);

// Switch-Transformer load-balance loss (Fedus et al. 2022) over a batch of
// gate weights (B, E): E * sum_e f_e P_e, with f_e the fraction of samples
// whose largest gate weight is expert e and P_e the mean gate weight of e.
// It is 1 when the load is uniform and E when one expert takes everything;
// the gradient flows through P_e.
torch::Tensor load_balance_loss(const torch::Tensor& gate);

}  // namespace moema::models
