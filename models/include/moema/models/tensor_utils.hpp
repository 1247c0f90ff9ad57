// Conversions between the Eigen world of rx_processing and LibTorch tensors.
#pragma once

#include "moema/rx/linalg.hpp"

#include <torch/torch.h>

#include <vector>

namespace moema::models {

torch::Tensor index_tensor(const std::vector<int>& indices);  // int64
torch::Tensor label_tensor(const std::vector<int>& labels);   // int64
torch::Tensor to_tensor(const rx::Matrix& m);                  // float32, same shape
rx::Matrix to_eigen(const torch::Tensor& t);                   // any 2-D floating tensor

// Sets LibTorch's intra-op thread count. Debian's LibTorch starts with one
// thread on these machines (it counts physical cores), so every program
// calls this; 0 means all hardware threads.
void configure_threads(int threads);

}  // namespace moema::models
