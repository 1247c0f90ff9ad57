// A fully connected ReLU network with dropout: the building block of the
// embedder's encoder, the experts, the gate and the Single baseline.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace moema::models {

struct MlpConfig {
  int inputs = 0;
  std::vector<int> hidden;  // one entry per hidden layer
  int outputs = 0;
  double dropout = 0.1;  // after each hidden ReLU (paper Table 2)
  bool batch_norm = false;  // between each hidden Linear and its ReLU
};

class MlpImpl : public torch::nn::Module {
 public:
  explicit MlpImpl(const MlpConfig& config);
  torch::Tensor forward(torch::Tensor x);
  const MlpConfig& config() const { return config_; }

 private:
  MlpConfig config_;
  torch::nn::Sequential layers_;
};
TORCH_MODULE(Mlp);

// Number of trainable scalars, for manifests and logs.
std::int64_t parameter_count(const torch::nn::Module& module);

}  // namespace moema::models
