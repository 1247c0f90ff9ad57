// Sparse subspace clustering (Elhamifar and Vidal, "Sparse subspace
// clustering: algorithm, theory, and applications", IEEE TPAMI 2013).
//
// Each point is written as a sparse combination of the others,
//   min_C ||C||_1 + (lambda/2) ||X - X C||_F^2   s.t.  diag(C) = 0,
// solved by ADMM (the paper's Lasso variant, without the affine constraint:
// the subspaces here are linear, through the origin). Points from one
// subspace then select each other, so W = |C| + |C|^T is (nearly) block
// diagonal and spectral clustering of W separates the subspaces.
//
// Points are directions: every column is scaled to unit norm first.
#pragma once

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace moema::rx {

struct SscOptions {
  double alpha = 20.0;        // lambda = alpha / mu (Elhamifar-Vidal), mu = min_i max_{j!=i} |x_i^T x_j|
  int max_iterations = 200;   // ADMM iterations at most
  double tolerance = 1e-4;    // ADMM stops when max|Z - C| and max|C - C_previous| are below this
  int kmeans_restarts = 10;   // k-means++ restarts in the spectral step; the lowest inertia wins
  std::uint64_t seed = 1;     // k-means++ seeding; equal seeds give equal labels
};

// Columns of `points` are the data points. Returns one label in [0, clusters)
// per column. Throws std::invalid_argument naming the argument and the
// problem on bad input: empty matrix, clusters < 1 or > number of points,
// non-finite entries (naming the column), zero column, invalid options.
std::vector<int> sparse_subspace_clustering(const Eigen::MatrixXd& points, int clusters,
                                            const SscOptions& options = {});

// The self-expressive coefficient matrix (n x n, zero diagonal) of the
// unit-normalised points: column i holds the coefficients that express
// point i. Same input checks as above. Exposed for testing.
Eigen::MatrixXd ssc_coefficients(const Eigen::MatrixXd& points, const SscOptions& options = {});

// Spectral clustering (Ng-Jordan-Weiss) of a symmetric non-negative affinity
// matrix into `clusters` groups: the leading eigenvectors of
// D^{-1/2} W D^{-1/2}, rows scaled to unit norm, k-means++ with
// `kmeans_restarts` restarts seeded from `seed`. Labels are numbered in order
// of first appearance. Throws std::invalid_argument on bad input.
std::vector<int> spectral_clustering(const Eigen::MatrixXd& affinity, int clusters, int kmeans_restarts,
                                     std::uint64_t seed);

namespace detail {
// The k eigenvectors of a symmetric n x n matrix with the largest eigenvalues,
// as orthonormal columns, largest first (1 <= k <= n, unchecked). Only the k
// wanted vectors are computed (tridiagonalisation, eigenvalues, inverse
// iteration): several times faster than a full eigendecomposition for
// n ~ 1000. Exposed for testing.
Eigen::MatrixXd top_symmetric_eigenvectors(const Eigen::MatrixXd& symmetric, int k);
}  // namespace detail

}  // namespace moema::rx
