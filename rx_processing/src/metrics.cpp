#include "moema/rx/metrics.hpp"

#include <stdexcept>
#include <string>

namespace moema::rx {

double subspace_similarity(const Matrix& a, const Matrix& estimate) {
  if (a.rows() != estimate.rows() || a.cols() == 0)
    throw std::invalid_argument("subspace_similarity: bases must have the same number of rows and at least one column (got " +
                                std::to_string(a.rows()) + "x" + std::to_string(a.cols()) + " and " +
                                std::to_string(estimate.rows()) + "x" + std::to_string(estimate.cols()) + ")");
  // ||A A^T B B^T||_F^2 = ||A^T B||_F^2 for orthonormal A and B.
  return (a.transpose() * estimate).squaredNorm() / static_cast<double>(a.cols());
}

double cosine_similarity(const Vector& a, const Vector& b) {
  if (a.size() != b.size())
    throw std::invalid_argument("cosine_similarity: vectors of length " + std::to_string(a.size()) + " and " +
                                std::to_string(b.size()));
  const double norms = a.norm() * b.norm();
  if (norms == 0.0) throw std::invalid_argument("cosine_similarity: zero vector");
  return a.dot(b) / norms;
}

}  // namespace moema::rx
