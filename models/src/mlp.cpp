#include "moema/models/mlp.hpp"

namespace moema::models {

MlpImpl::MlpImpl(const MlpConfig& config) : config_(config) {
  TORCH_CHECK(config.inputs > 0 && config.outputs > 0, "Mlp: inputs and outputs must be positive");
  int width = config.inputs;
  for (const int h : config.hidden) {
    layers_->push_back(torch::nn::Linear(width, h));
    if (config.batch_norm) layers_->push_back(torch::nn::BatchNorm1d(h));
    layers_->push_back(torch::nn::ReLU());
    if (config.dropout > 0) layers_->push_back(torch::nn::Dropout(config.dropout));
    width = h;
  }
  layers_->push_back(torch::nn::Linear(width, config.outputs));
  register_module("layers", layers_);
}

torch::Tensor MlpImpl::forward(torch::Tensor x) { return layers_->forward(x); }

std::int64_t parameter_count(const torch::nn::Module& module) {
  std::int64_t count = 0;
  for (const auto& p : module.parameters()) count += p.numel();
  return count;
}

}  // namespace moema::models
