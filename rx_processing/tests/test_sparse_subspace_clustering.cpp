#include "moema/rx/sparse_subspace_clustering.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace moema::rx {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using testing::HasSubstr;

// Portable random numbers (std distributions differ between standard
// libraries): uniform from the top 53 bits, Gaussian by Box-Muller.
constexpr double kPi = 3.14159265358979323846;

double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

double gaussian(std::mt19937_64& rng) {
  const double u = 1.0 - uniform01(rng);  // (0, 1]
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * kPi * uniform01(rng));
}

MatrixXd gaussian_matrix(Index rows, Index cols, std::mt19937_64& rng) {
  MatrixXd m(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) m(i, j) = gaussian(rng);
  return m;
}

struct Labelled {
  MatrixXd points;
  std::vector<int> truth;
};

// Fisher-Yates with the portable uniform, applied to columns and labels alike.
void shuffle_columns(Labelled& data, std::mt19937_64& rng) {
  for (Index i = data.points.cols() - 1; i > 0; --i) {
    const Index j = std::min<Index>(static_cast<Index>(uniform01(rng) * static_cast<double>(i + 1)), i);
    data.points.col(i).swap(data.points.col(j));
    std::swap(data.truth[i], data.truth[j]);
  }
}

// Orthonormal basis of the column span of a full-rank matrix.
MatrixXd orthonormal_basis(const MatrixXd& m) {
  return Eigen::HouseholderQR<MatrixXd>(m).householderQ() * MatrixXd::Identity(m.rows(), m.cols());
}

// Smallest principal angle between two subspaces given by orthonormal bases.
double smallest_angle_degrees(const MatrixXd& p, const MatrixXd& q) {
  const double cosine = Eigen::JacobiSVD<MatrixXd>(p.transpose() * q).singularValues()(0);
  return std::acos(std::min(cosine, 1.0)) * 180.0 / kPi;
}

// A Gaussian ambient x dim basis whose span makes at least `min_angle`
// degrees with each of `taken` (redrawn until it does).
MatrixXd separated_basis(Index ambient, Index dim, double min_angle, std::vector<MatrixXd>& taken,
                         std::mt19937_64& rng) {
  for (;;) {
    const MatrixXd basis = gaussian_matrix(ambient, dim, rng);
    const MatrixXd q = orthonormal_basis(basis);
    if (std::all_of(taken.begin(), taken.end(),
                    [&](const MatrixXd& p) { return smallest_angle_degrees(p, q) >= min_angle; })) {
      taken.push_back(q);
      return basis;
    }
  }
}

// `per_subspace` points from each of the random linear subspaces of the given
// dimensions in R^ambient (Gaussian basis, Gaussian coefficients), scaled to
// unit norm, plus Gaussian noise of standard deviation `noise` per entry,
// shuffled. Any two subspaces make at least `min_angle` degrees: unconstrained
// random 3-planes in R^6 often nearly intersect (seen: 0.2 degrees), where the
// noise-tolerant (Lasso) formulation is no longer exactly subspace-preserving.
Labelled union_of_subspaces(Index ambient, const std::vector<Index>& dims, Index per_subspace, double noise,
                            std::uint64_t seed, double min_angle = 30.0) {
  std::mt19937_64 rng(seed);
  Labelled data{MatrixXd(ambient, static_cast<Index>(dims.size()) * per_subspace), {}};
  std::vector<MatrixXd> taken;
  for (std::size_t s = 0; s < dims.size(); ++s) {
    const MatrixXd basis = separated_basis(ambient, dims[s], min_angle, taken, rng);
    MatrixXd block = basis * gaussian_matrix(dims[s], per_subspace, rng);
    block.colwise().normalize();
    data.points.middleCols(static_cast<Index>(s) * per_subspace, per_subspace) = block;
    data.truth.insert(data.truth.end(), static_cast<std::size_t>(per_subspace), static_cast<int>(s));
  }
  data.points += noise * gaussian_matrix(ambient, data.points.cols(), rng);
  shuffle_columns(data, rng);
  return data;
}

// Fraction of points labelled correctly under the best matching of cluster
// ids to true ids (k! matchings; k is small here).
double clustering_accuracy(const std::vector<int>& labels, const std::vector<int>& truth, int k) {
  std::vector<int> perm(static_cast<std::size_t>(k));
  std::iota(perm.begin(), perm.end(), 0);
  std::size_t best = 0;
  do {
    std::size_t hits = 0;
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels[i] >= 0 && labels[i] < k && perm[labels[i]] == truth[i]) ++hits;
    best = std::max(best, hits);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return static_cast<double>(best) / static_cast<double>(labels.size());
}

// Share of the total coefficient mass |C_ij| linking points of different subspaces.
double cross_subspace_mass(const MatrixXd& c, const std::vector<int>& truth) {
  double cross = 0.0;
  for (Index j = 0; j < c.cols(); ++j)
    for (Index i = 0; i < c.rows(); ++i)
      if (truth[i] != truth[j]) cross += std::abs(c(i, j));
  return cross / c.cwiseAbs().sum();
}

void expect_labels_in_range(const std::vector<int>& labels, std::size_t n, int k) {
  ASSERT_EQ(labels.size(), n);
  for (int label : labels) {
    EXPECT_GE(label, 0);
    EXPECT_LT(label, k);
  }
}

// Runs `call`, expecting std::invalid_argument whose message contains every
// entry of `fragments`.
template <class Call>
void expect_invalid(Call call, const std::vector<std::string>& fragments) {
  try {
    call();
    ADD_FAILURE() << "no exception; expected one mentioning '" << fragments.front() << "'";
  } catch (const std::invalid_argument& e) {
    for (const std::string& f : fragments) EXPECT_THAT(e.what(), HasSubstr(f));
  }
}

// ------------------------------------------------------------ clustering

TEST(SparseSubspaceClustering, SeparatesTwoIndependentSubspacesOfDimensionThreeInR6) {
  const Labelled data = union_of_subspaces(6, {3, 3}, 150, 0.0, 11);
  const std::vector<int> labels = sparse_subspace_clustering(data.points, 2);
  expect_labels_in_range(labels, data.truth.size(), 2);
  EXPECT_EQ(clustering_accuracy(labels, data.truth, 2), 1.0);
}

TEST(SparseSubspaceClustering, SeparatesThreeIndependentSubspacesOfDimensionThreeInR10) {
  const Labelled data = union_of_subspaces(10, {3, 3, 3}, 150, 0.0, 12);
  const std::vector<int> labels = sparse_subspace_clustering(data.points, 3);
  expect_labels_in_range(labels, data.truth.size(), 3);
  EXPECT_EQ(clustering_accuracy(labels, data.truth, 3), 1.0);
}

TEST(SparseSubspaceClustering, SeparatesThreeIndependentPlanesInR6) {
  const Labelled data = union_of_subspaces(6, {2, 2, 2}, 150, 0.0, 13);
  EXPECT_EQ(clustering_accuracy(sparse_subspace_clustering(data.points, 3), data.truth, 3), 1.0);
}

TEST(SparseSubspaceClustering, SeparatesSubspacesOfMixedDimensionInR8) {
  const Labelled data = union_of_subspaces(8, {2, 3, 3}, 150, 0.0, 14);
  EXPECT_EQ(clustering_accuracy(sparse_subspace_clustering(data.points, 3), data.truth, 3), 1.0);
}

TEST(SparseSubspaceClustering, SeparatesUnconstrainedRandomSubspaces) {
  // No minimum angle: some pairs nearly intersect, and a point close to the
  // intersection is ambiguous, so allow a point or two to go astray.
  for (std::uint64_t seed : {1, 2, 3, 4, 5}) {
    const Labelled data = union_of_subspaces(6, {3, 3}, 150, 0.0, seed, 0.0);
    EXPECT_GE(clustering_accuracy(sparse_subspace_clustering(data.points, 2), data.truth, 2), 0.99) << seed;
  }
}

TEST(SparseSubspaceClustering, ToleratesSmallNoise) {
  for (std::uint64_t seed : {21, 22, 23}) {
    const Labelled two = union_of_subspaces(6, {3, 3}, 150, 0.01, seed);
    EXPECT_GE(clustering_accuracy(sparse_subspace_clustering(two.points, 2), two.truth, 2), 0.95) << seed;
    const Labelled three = union_of_subspaces(9, {3, 3, 3}, 150, 0.01, seed);
    EXPECT_GE(clustering_accuracy(sparse_subspace_clustering(three.points, 3), three.truth, 3), 0.95) << seed;
  }
}

TEST(SparseSubspaceClustering, IgnoresTheScaleAndSignOfPoints) {
  const Labelled data = union_of_subspaces(6, {3, 3}, 100, 0.0, 15);
  std::mt19937_64 rng(99);
  MatrixXd scaled = data.points;
  for (Index j = 0; j < scaled.cols(); ++j) {
    const double factor = std::pow(10.0, 4.0 * uniform01(rng) - 2.0) * (uniform01(rng) < 0.5 ? -1.0 : 1.0);
    scaled.col(j) *= factor;
  }
  const MatrixXd c = ssc_coefficients(data.points);
  const MatrixXd c_scaled = ssc_coefficients(scaled);
  EXPECT_LT((c.cwiseAbs() - c_scaled.cwiseAbs()).cwiseAbs().maxCoeff(), 1e-8);
  EXPECT_EQ(clustering_accuracy(sparse_subspace_clustering(scaled, 2), data.truth, 2), 1.0);
}

TEST(SparseSubspaceClustering, SameSeedGivesSameLabels) {
  const Labelled data = union_of_subspaces(8, {3, 3, 2}, 80, 0.02, 16);
  SscOptions options;
  options.seed = 1234;
  const std::vector<int> first = sparse_subspace_clustering(data.points, 3, options);
  const std::vector<int> second = sparse_subspace_clustering(data.points, 3, options);
  EXPECT_EQ(first, second);
  options.seed = 77;
  expect_labels_in_range(sparse_subspace_clustering(data.points, 3, options), data.truth.size(), 3);
}

TEST(SparseSubspaceClustering, OneClusterLabelsEverythingZero) {
  const Labelled data = union_of_subspaces(5, {2, 2}, 10, 0.0, 17);
  EXPECT_EQ(sparse_subspace_clustering(data.points, 1), std::vector<int>(20, 0));
}

TEST(SparseSubspaceClustering, AsManyClustersAsPointsGivesEachPointItsOwnLabel) {
  const MatrixXd points = (MatrixXd(3, 4) << 1, 0, 1, 0.2,  //
                           0, 1, 1, 0.1,                     //
                           0, 0, 1, 1)
                              .finished();
  const std::vector<int> labels = sparse_subspace_clustering(points, 4);
  EXPECT_EQ(std::set<int>(labels.begin(), labels.end()), (std::set<int>{0, 1, 2, 3}));
}

// ------------------------------------------------------------ coefficients

TEST(SparseSubspaceClustering, CoefficientsHaveZeroDiagonal) {
  const Labelled data = union_of_subspaces(7, {3, 2}, 60, 0.01, 31);
  const MatrixXd c = ssc_coefficients(data.points);
  ASSERT_EQ(c.rows(), data.points.cols());
  ASSERT_EQ(c.cols(), data.points.cols());
  EXPECT_EQ(c.diagonal().cwiseAbs().maxCoeff(), 0.0);
  EXPECT_GT(c.cwiseAbs().sum(), 0.0);
}

TEST(SparseSubspaceClustering, CoefficientsArePreservingForIndependentSubspaces) {
  const Labelled two = union_of_subspaces(6, {3, 3}, 150, 0.0, 32);
  EXPECT_LT(cross_subspace_mass(ssc_coefficients(two.points), two.truth), 1e-3);
  const Labelled three = union_of_subspaces(10, {3, 3, 3}, 150, 0.0, 33);
  EXPECT_LT(cross_subspace_mass(ssc_coefficients(three.points), three.truth), 1e-3);
}

TEST(SparseSubspaceClustering, CoefficientsAreSparseAndExpressEachPoint) {
  const Labelled data = union_of_subspaces(6, {3, 3}, 150, 0.0, 34);
  const MatrixXd c = ssc_coefficients(data.points);
  MatrixXd unit = data.points;
  unit.colwise().normalize();
  // A point of a 3-dimensional subspace needs about 3 others; allow slack.
  const double nonzeros_per_point = static_cast<double>((c.array() != 0.0).count()) / static_cast<double>(c.cols());
  EXPECT_LT(nonzeros_per_point, 15.0);
  EXPECT_LT((unit - unit * c).norm() / unit.norm(), 0.1);
}

TEST(SparseSubspaceClustering, CoefficientsOfMutuallyOrthogonalPointsAreZero) {
  // No point can be expressed by the others.
  const MatrixXd c = ssc_coefficients(MatrixXd::Identity(4, 4) * 3.0);
  EXPECT_TRUE(c.isZero(0.0));
  EXPECT_TRUE(ssc_coefficients(MatrixXd::Ones(3, 1)).isZero(0.0));
}

// ------------------------------------------------------------ spectral step

// Symmetric affinity with random weights in [0.5, 1] inside the blocks and
// `leak` times a random weight in [0, 1] across them; blocks shuffled.
Labelled block_affinity(const std::vector<int>& sizes, double leak, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Labelled data;
  for (std::size_t b = 0; b < sizes.size(); ++b) data.truth.insert(data.truth.end(), sizes[b], static_cast<int>(b));
  std::vector<int> order(data.truth.size());
  std::iota(order.begin(), order.end(), 0);
  for (std::size_t i = order.size() - 1; i > 0; --i)
    std::swap(order[i], order[std::min<std::size_t>(static_cast<std::size_t>(uniform01(rng) * (i + 1)), i)]);
  std::vector<int> shuffled;
  for (int o : order) shuffled.push_back(data.truth[o]);
  data.truth = shuffled;
  const Index n = static_cast<Index>(data.truth.size());
  data.points = MatrixXd::Zero(n, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < j; ++i) {
      const double w = data.truth[i] == data.truth[j] ? 0.5 + 0.5 * uniform01(rng) : leak * uniform01(rng);
      data.points(i, j) = data.points(j, i) = w;
    }
  return data;
}

TEST(SparseSubspaceClustering, SpectralClusteringRecoversDisconnectedBlocks) {
  const Labelled blocks = block_affinity({5, 8, 12, 3}, 0.0, 41);
  const std::vector<int> labels = spectral_clustering(blocks.points, 4, 5, 1);
  expect_labels_in_range(labels, blocks.truth.size(), 4);
  EXPECT_EQ(clustering_accuracy(labels, blocks.truth, 4), 1.0);
}

TEST(SparseSubspaceClustering, SpectralClusteringRecoversWeaklyLinkedBlocks) {
  const Labelled blocks = block_affinity({20, 30, 25}, 0.02, 42);
  EXPECT_EQ(clustering_accuracy(spectral_clustering(blocks.points, 3, 5, 7), blocks.truth, 3), 1.0);
}

TEST(SparseSubspaceClustering, SpectralClusteringNumbersLabelsInOrderOfAppearance) {
  const Labelled blocks = block_affinity({6, 6, 6}, 0.0, 43);
  const std::vector<int> labels = spectral_clustering(blocks.points, 3, 3, 5);
  int highest = -1;
  for (int label : labels) {
    EXPECT_LE(label, highest + 1);
    highest = std::max(highest, label);
  }
  EXPECT_EQ(highest, 2);
}

TEST(SparseSubspaceClustering, SpectralClusteringIsDeterministicForASeed) {
  const Labelled blocks = block_affinity({15, 15, 15}, 0.3, 44);  // strong leakage: k-means has real work
  EXPECT_EQ(spectral_clustering(blocks.points, 3, 4, 9), spectral_clustering(blocks.points, 3, 4, 9));
}

// Checks V against an independent full eigendecomposition: orthonormal
// columns, A V = V diag(top eigenvalues), and the same span as the reference
// eigenvectors whenever the k-th eigenvalue is separated from the next.
void expect_top_eigenvectors(const MatrixXd& a, int k) {
  const MatrixXd v = detail::top_symmetric_eigenvectors(a, k);
  ASSERT_EQ(v.rows(), a.rows());
  ASSERT_EQ(v.cols(), k);
  const Eigen::SelfAdjointEigenSolver<MatrixXd> reference(a);
  const Eigen::VectorXd top = reference.eigenvalues().tail(k).reverse();
  EXPECT_LT((v.transpose() * v - MatrixXd::Identity(k, k)).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT((a * v - v * top.asDiagonal()).cwiseAbs().maxCoeff(), 1e-9 * std::max(1.0, a.cwiseAbs().maxCoeff()));
  const Index n = a.rows();
  if (k < n && reference.eigenvalues()(n - k) - reference.eigenvalues()(n - k - 1) > 1e-6) {
    const MatrixXd ref = reference.eigenvectors().rightCols(k);
    EXPECT_NEAR((ref.transpose() * v).squaredNorm(), static_cast<double>(k), 1e-9);  // same span
  }
}

TEST(SparseSubspaceClustering, TopEigenvectorsMatchAFullDecomposition) {
  std::mt19937_64 rng(51);
  for (Index n : {1, 2, 3, 10, 57, 200}) {
    MatrixXd g = gaussian_matrix(n, n, rng);
    const MatrixXd a = g + g.transpose();
    for (int k : {1, 2, 3, static_cast<int>(n)}) {
      if (k > n) continue;
      SCOPED_TRACE("n = " + std::to_string(n) + ", k = " + std::to_string(k));
      expect_top_eigenvectors(a, k);
    }
  }
}

TEST(SparseSubspaceClustering, TopEigenvectorsSpanARepeatedEigenvalue) {
  // Normalised affinity of 4 disconnected blocks: eigenvalue 1, four times.
  const Labelled blocks = block_affinity({30, 20, 25, 40}, 0.0, 52);
  const Eigen::VectorXd scale = blocks.points.rowwise().sum().cwiseSqrt().cwiseInverse();
  const MatrixXd a = scale.asDiagonal() * blocks.points * scale.asDiagonal();
  expect_top_eigenvectors(a, 4);
  expect_top_eigenvectors(a, 2);
  expect_top_eigenvectors(a, 6);
  // Low rank with a repeated top eigenvalue and a zero eigenvalue of high multiplicity.
  std::mt19937_64 rng(53);
  const MatrixXd q = orthonormal_basis(gaussian_matrix(80, 5, rng));
  const Eigen::VectorXd values = (Eigen::VectorXd(5) << 3, 3, 3, 1, -2).finished();
  const MatrixXd low_rank = q * values.asDiagonal() * q.transpose();
  expect_top_eigenvectors(low_rank, 3);
  expect_top_eigenvectors(low_rank, 4);
  expect_top_eigenvectors(low_rank, 7);
  expect_top_eigenvectors(MatrixXd::Identity(12, 12), 5);
  expect_top_eigenvectors(MatrixXd::Zero(9, 9), 2);
}

// ------------------------------------------------------------ bad input

TEST(SparseSubspaceClustering, RejectsEmptyPoints) {
  expect_invalid([] { sparse_subspace_clustering(MatrixXd(), 1); }, {"points", "empty"});
  expect_invalid([] { sparse_subspace_clustering(MatrixXd(3, 0), 1); }, {"points", "empty"});
  expect_invalid([] { ssc_coefficients(MatrixXd(0, 4)); }, {"points", "empty"});
}

TEST(SparseSubspaceClustering, RejectsClusterCountOutOfRange) {
  const MatrixXd points = MatrixXd::Random(3, 5);
  expect_invalid([&] { sparse_subspace_clustering(points, 0); }, {"clusters", "got 0"});
  expect_invalid([&] { sparse_subspace_clustering(points, -2); }, {"clusters", "got -2"});
  expect_invalid([&] { sparse_subspace_clustering(points, 6); }, {"clusters", "(5)", "got 6"});
}

TEST(SparseSubspaceClustering, RejectsNonFiniteEntriesNamingTheColumn) {
  MatrixXd points = MatrixXd::Random(4, 6);
  points(2, 3) = std::numeric_limits<double>::quiet_NaN();
  expect_invalid([&] { sparse_subspace_clustering(points, 2); }, {"points", "column 3", "non-finite"});
  points(2, 3) = 0.5;
  points(0, 5) = -std::numeric_limits<double>::infinity();
  expect_invalid([&] { ssc_coefficients(points); }, {"points", "column 5", "non-finite"});
}

TEST(SparseSubspaceClustering, RejectsZeroColumn) {
  MatrixXd points = MatrixXd::Random(4, 6);
  points.col(4).setZero();
  expect_invalid([&] { sparse_subspace_clustering(points, 2); }, {"points", "column 4", "zero"});
  expect_invalid([&] { ssc_coefficients(points); }, {"column 4", "zero"});
}

TEST(SparseSubspaceClustering, RejectsInvalidOptions) {
  const MatrixXd points = MatrixXd::Random(3, 8);
  SscOptions options;
  options.alpha = 0.0;
  expect_invalid([&] { sparse_subspace_clustering(points, 2, options); }, {"alpha"});
  options = {};
  options.max_iterations = 0;
  expect_invalid([&] { ssc_coefficients(points, options); }, {"max_iterations"});
  options = {};
  options.tolerance = -1e-3;
  expect_invalid([&] { ssc_coefficients(points, options); }, {"tolerance"});
  options = {};
  options.kmeans_restarts = 0;
  expect_invalid([&] { sparse_subspace_clustering(points, 2, options); }, {"kmeans_restarts"});
}

TEST(SparseSubspaceClustering, SpectralClusteringRejectsBadAffinity) {
  expect_invalid([] { spectral_clustering(MatrixXd(), 1, 1, 1); }, {"affinity", "empty"});
  expect_invalid([] { spectral_clustering(MatrixXd::Ones(3, 4), 2, 1, 1); }, {"affinity", "square"});
  MatrixXd w = MatrixXd::Ones(4, 4);
  w(0, 1) = w(1, 0) = -0.5;
  expect_invalid([&] { spectral_clustering(w, 2, 1, 1); }, {"affinity", "negative"});
  w(0, 1) = 0.5;
  w(1, 0) = 1.0;
  expect_invalid([&] { spectral_clustering(w, 2, 1, 1); }, {"affinity", "symmetric"});
  w(0, 1) = w(1, 0) = std::numeric_limits<double>::quiet_NaN();
  expect_invalid([&] { spectral_clustering(w, 2, 1, 1); }, {"affinity", "non-finite"});
  expect_invalid([] { spectral_clustering(MatrixXd::Ones(4, 4), 5, 1, 1); }, {"clusters", "got 5"});
  expect_invalid([] { spectral_clustering(MatrixXd::Ones(4, 4), 2, 0, 1); }, {"kmeans_restarts"});
}

}  // namespace
}  // namespace moema::rx
