// Conversions between the Eigen world of rx_processing and LibTorch tensors.
#pragma once

#include "moema/common/linalg.hpp"
#include "moema/common/torch_support.hpp"

#include <torch/torch.h>

#include <vector>

namespace moema::models {

torch::Tensor index_tensor(const std::vector<int>& indices);  // int64
torch::Tensor label_tensor(const std::vector<int>& labels);   // int64
torch::Tensor to_tensor(const rx::Matrix& m);                  // float32, same shape
rx::Matrix to_eigen(const torch::Tensor& t);                   // any 2-D floating tensor

}  // namespace moema::models
