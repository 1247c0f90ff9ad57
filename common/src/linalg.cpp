#include "moema/common/linalg.hpp"

#include <stdexcept>

namespace moema::rx {

SymmetricEigen eigen_descending(const Matrix& symmetric) {
  Eigen::SelfAdjointEigenSolver<Matrix> solver(symmetric);
  // Eigen sorts ascending; reverse so index 0 is the dominant direction.
  return {solver.eigenvalues().reverse(), solver.eigenvectors().rowwise().reverse()};
}

Matrix leading_eigenvectors(const Matrix& symmetric, int k) {
  return eigen_descending(symmetric).vectors.leftCols(k);
}

Matrix orthonormal_basis(const Matrix& columns) {
  Eigen::HouseholderQR<Matrix> qr(columns);
  return qr.householderQ() * Matrix::Identity(columns.rows(), columns.cols());
}

Matrix orthogonal_complement_within(const Matrix& space, const Matrix& removed) {
  const int keep = static_cast<int>(space.cols() - removed.cols());
  if (removed.cols() == 0) return space;
  // Directions of span(space) that `removed` does not reach have zero projection.
  const Matrix coords = space.transpose() * removed;  // removed, in space's coordinates
  const Matrix outside = Matrix::Identity(space.cols(), space.cols()) - coords * coords.transpose();
  return space * leading_eigenvectors(outside, keep);
}

Matrix random_orthonormal(int rows, int cols, std::mt19937_64& rng) {
  std::normal_distribution<double> gauss;
  Matrix g(rows, cols);
  for (Eigen::Index i = 0; i < g.size(); ++i) g.data()[i] = gauss(rng);
  Eigen::HouseholderQR<Matrix> qr(g);
  Matrix q = qr.householderQ() * Matrix::Identity(rows, cols);
  // Fix the sign ambiguity of QR so the distribution is Haar, not biased by R's signs.
  const Matrix r = qr.matrixQR().topRows(cols).triangularView<Eigen::Upper>();
  for (int j = 0; j < cols; ++j)
    if (r(j, j) < 0) q.col(j) = -q.col(j);
  return q;
}

Vector random_unit_vector(int dim, std::mt19937_64& rng) {
  std::normal_distribution<double> gauss;
  Vector v(dim);
  for (int i = 0; i < dim; ++i) v(i) = gauss(rng);
  return v.normalized();
}

void require_finite(const Matrix& m, const std::string& what) {
  if (!m.allFinite()) throw std::invalid_argument(what + ": contains NaN or Inf");
}

}  // namespace moema::rx
