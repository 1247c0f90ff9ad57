// The dense types of the signal libraries (real and complex matrices, complex
// baseband samples) and small linear-algebra helpers shared by their stages.
#pragma once

#include <Eigen/Dense>

#include <complex>
#include <cstdint>
#include <random>
#include <string>

namespace moema::rx {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;
using ComplexMatrix = Eigen::MatrixXcd;
using ComplexVector = Eigen::VectorXcd;
using Sample = std::complex<double>;  // one complex baseband sample

// Eigen-decomposition of a symmetric matrix, largest eigenvalue first.
struct SymmetricEigen {
  Vector values;
  Matrix vectors;  // column i belongs to values(i)
};
SymmetricEigen eigen_descending(const Matrix& symmetric);

// The k eigenvectors of a symmetric matrix with the largest eigenvalues.
Matrix leading_eigenvectors(const Matrix& symmetric, int k);

// Orthonormal basis of the span of `columns` (which must have full column rank).
Matrix orthonormal_basis(const Matrix& columns);

// Orthonormal basis of the part of span(space) orthogonal to span(removed);
// both arguments have orthonormal columns and span(removed) lies in span(space).
Matrix orthogonal_complement_within(const Matrix& space, const Matrix& removed);

// A uniformly random (Haar) rows x cols matrix with orthonormal columns.
Matrix random_orthonormal(int rows, int cols, std::mt19937_64& rng);

// A uniformly random unit vector in R^dim.
Vector random_unit_vector(int dim, std::mt19937_64& rng);

// Throws std::invalid_argument "<what>: contains NaN or Inf" when any entry is not finite.
void require_finite(const Matrix& m, const std::string& what);

}  // namespace moema::rx
