#include "moema/models/tensor_utils.hpp"


namespace moema::models {

namespace {
torch::Tensor int64_tensor(const std::vector<int>& values) {
  std::vector<std::int64_t> wide(values.begin(), values.end());
  return torch::tensor(wide, torch::kInt64);
}
}  // namespace

torch::Tensor index_tensor(const std::vector<int>& indices) { return int64_tensor(indices); }
torch::Tensor label_tensor(const std::vector<int>& labels) { return int64_tensor(labels); }

torch::Tensor to_tensor(const rx::Matrix& m) {
  // Eigen is column-major: copy through a row-major buffer.
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = m.cast<float>();
  return torch::from_blob(const_cast<float*>(rows.data()), {rows.rows(), rows.cols()}, torch::kFloat32).clone();
}

rx::Matrix to_eigen(const torch::Tensor& t) {
  TORCH_CHECK(t.dim() == 2, "to_eigen: expected a 2-D tensor, got ", t.dim(), " dimensions");
  const torch::Tensor d = t.detach().to(torch::kFloat64).contiguous();
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      d.data_ptr<double>(), d.size(0), d.size(1));
}

}  // namespace moema::models
