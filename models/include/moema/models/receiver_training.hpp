// Training and evaluation of the MoE receiver and the Single baseline on
// reconstructed codewords (paper Sec. 4): two phases for the MoE, task
// experts on their own tasks first, then the whole mixture with a
// load-balance term.
#pragma once

#include "moema/common/system_parameters.hpp"
#include "moema/models/moe.hpp"
#include "moema/common/linalg.hpp"

#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace moema::models {

// Reconstructed codewords with their devices' auxiliary signals and labels.
struct CodewordSet {
  torch::Tensor codewords;  // (n, M) float32
  torch::Tensor aux;        // (n, aux_dim) float32
  torch::Tensor labels;     // (n) int64, 0..19

  std::int64_t size() const { return labels.size(0); }
  CodewordSet select(const torch::Tensor& indices) const;
};

CodewordSet make_codeword_set(const rx::Matrix& codewords, const rx::Matrix& aux, const std::vector<int>& labels);

struct TrainingConfig {
  int expert_epochs = 30;  // phase 1, each task expert on its task
  int epochs = 30;         // phase 2 (MoE) and the Single baseline
  int batch_size = 32;     // paper Table 2
  double learning_rate = 1e-3;
  double load_balance_weight = 0.01;  // lambda
  std::uint64_t seed = defaults::kSeed;
  bool progress = true;
  std::string label;  // shown on the progress bars
};

struct TrainingLog {
  std::vector<double> expert_loss[2];  // phase 1, per epoch
  std::vector<double> epoch_loss;      // phase 2 or Single, per epoch
};

Mlp train_single(const CodewordSet& data, const MoeConfig& config, const TrainingConfig& training, TrainingLog& log);
MixtureOfExperts train_moema(const CodewordSet& data, const MoeConfig& config, const TrainingConfig& training,
                             TrainingLog& log);

// Phase 2 again, from trained weights: the AP fine-tunes the MoE on its
// learning slots' reconstructions (paper Sec. 4).
void fine_tune_moema(MixtureOfExperts& moe, const CodewordSet& data, const TrainingConfig& training, TrainingLog& log);

struct MoeEvaluation {
  double accuracy = 0;  // percent
  // Mean gate weight of each expert over samples of each task [task][expert].
  std::array<std::array<double, 3>, 2> mean_gate{};
};

double accuracy(Mlp& single, const CodewordSet& data);  // percent
MoeEvaluation evaluate(MixtureOfExperts& moe, const CodewordSet& data);

}  // namespace moema::models
