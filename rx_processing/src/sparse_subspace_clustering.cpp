#include "moema/rx/sparse_subspace_clustering.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace moema::rx {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

// A point whose largest |cosine| to every other point is below this is
// treated as orthogonal to all of them: it has no sparse representation.
constexpr double kOrthogonal = 1e-8;
constexpr int kLloydIterations = 300;

[[noreturn]] void fail(const std::string& message) { throw std::invalid_argument(message); }

std::string str(Index value) { return std::to_string(value); }

// Uniform in [0, 1) from the top 53 bits: unlike std::uniform_real_distribution
// this is the same on every standard library, so labels are reproducible.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// ---------------------------------------------------------------- input checks

void check_points(const MatrixXd& points) {
  if (points.size() == 0)
    fail("points: matrix is empty (" + str(points.rows()) + " x " + str(points.cols()) + ")");
  for (Index j = 0; j < points.cols(); ++j) {
    if (!points.col(j).allFinite()) fail("points: column " + str(j) + " has a non-finite entry (NaN or Inf)");
    if ((points.col(j).array() == 0.0).all()) fail("points: column " + str(j) + " is zero (a point needs a direction)");
  }
}

void check_clusters(int clusters, Index count, const std::string& what) {
  if (clusters < 1 || clusters > count)
    fail("clusters: must be between 1 and the number of " + what + " (" + str(count) + "), got " + str(clusters));
}

void check_restarts(int restarts, const std::string& name) {
  if (restarts < 1) fail(name + ": must be at least 1, got " + str(restarts));
}

void check_admm_options(const SscOptions& options) {
  if (!(options.alpha > 0.0) || !std::isfinite(options.alpha))
    fail("options.alpha: must be positive and finite, got " + std::to_string(options.alpha));
  if (options.max_iterations < 1)
    fail("options.max_iterations: must be at least 1, got " + str(options.max_iterations));
  if (!(options.tolerance > 0.0) || !std::isfinite(options.tolerance))
    fail("options.tolerance: must be positive and finite, got " + std::to_string(options.tolerance));
}

void check_affinity(const MatrixXd& affinity) {
  if (affinity.size() == 0) fail("affinity: matrix is empty");
  if (affinity.rows() != affinity.cols())
    fail("affinity: must be square, got " + str(affinity.rows()) + " x " + str(affinity.cols()));
  if (!affinity.allFinite()) fail("affinity: contains a non-finite entry (NaN or Inf)");
  if ((affinity.array() < 0.0).any()) fail("affinity: contains a negative entry");
  const double scale = affinity.cwiseAbs().maxCoeff();
  if ((affinity - affinity.transpose()).cwiseAbs().maxCoeff() > 1e-10 * scale) fail("affinity: is not symmetric");
}

// ------------------------------------------------------- self-expressive coding

MatrixXd unit_columns(const MatrixXd& points) {
  MatrixXd x = points;
  for (Index j = 0; j < x.cols(); ++j) x.col(j) /= x.col(j).stableNorm();  // stable: no under/overflow
  return x;
}

// mu = min_i max_{j != i} |x_i^T x_j|; lambda = alpha / mu is the paper's
// choice: lambda * mu > 1 guarantees every column a non-zero solution.
// Points orthogonal to all others are left out (their solution is zero for
// any lambda). Returns 0 when no point has a partner.
double self_expression_weight(const MatrixXd& x, double alpha) {
  MatrixXd gram = (x.transpose() * x).cwiseAbs();
  gram.diagonal().setZero();
  const VectorXd coherence = gram.colwise().maxCoeff().transpose();
  double mu = std::numeric_limits<double>::infinity();
  for (Index i = 0; i < coherence.size(); ++i)
    if (coherence(i) > kOrthogonal) mu = std::min(mu, coherence(i));
  return std::isfinite(mu) ? alpha / mu : 0.0;
}

// The ADMM Z-step solves (lambda X^T X + rho I) Z = lambda X^T X + rho V.
// By the Woodbury identity, (lambda X^T X + rho I)^{-1}
//   = (1/rho) (I - lambda X^T (rho I + lambda X X^T)^{-1} X),
// which simplifies to Z = V + X^T K (X - X V), K = lambda (rho I + lambda X X^T)^{-1}:
// only this d x d matrix is factorised, and a step costs O(d n^2).
MatrixXd woodbury_core(const MatrixXd& x, double lambda, double rho) {
  MatrixXd m = lambda * x * x.transpose();
  m.diagonal().array() += rho;
  return lambda * m.llt().solve(MatrixXd::Identity(x.rows(), x.rows()));
}

struct Residuals {
  double primal_max = 0.0;  // max |Z - C|
  double change_max = 0.0;  // max |C - C_previous|
  double primal_sq = 0.0;   // ||Z - C||_F^2
  double change_sq = 0.0;   // ||C - C_previous||_F^2
};

// One ADMM iteration with scaled dual U: Z-step, over-relaxed C-step
// (soft thresholding, diag(C) = 0) and dual step. The Z-step decouples by
// columns, z_j = v_j + X^T K (x_j - X v_j) with v_j = c_j - u_j, so the three
// steps run column by column and C and U are each read and written once per
// iteration; all work is two d x n matrix-vector products per column.
Residuals admm_iteration(const MatrixXd& x, const MatrixXd& x_transposed, const MatrixXd& core, double rho,
                         MatrixXd& c, MatrixXd& u) {
  constexpr double kRelaxation = 1.6;  // over-relaxation (Boyd et al. 2011, Sec. 3.4.3): fewer iterations
  const double threshold = 1.0 / rho;
  const Index n = c.rows();
  Eigen::ArrayXd z(n), target(n), next(n), difference(n);
  VectorXd projection(x.rows()), step(x.rows());
  Residuals r;
  for (Index j = 0; j < n; ++j) {
    z = c.col(j).array() - u.col(j).array();
    projection.noalias() = x * z.matrix();
    step.noalias() = core * (x.col(j) - projection);
    z += (x_transposed * step).array();
    target = kRelaxation * z + (1.0 - kRelaxation) * c.col(j).array() + u.col(j).array();
    next = target - target.max(-threshold).min(threshold);  // soft thresholding, branch free
    next(j) = 0.0;
    difference = z - next;
    r.primal_max = std::max(r.primal_max, difference.abs().maxCoeff());
    r.primal_sq += difference.square().sum();
    difference = next - c.col(j).array();
    r.change_max = std::max(r.change_max, difference.abs().maxCoeff());
    r.change_sq += difference.square().sum();
    u.col(j) = (target - next).matrix();
    c.col(j) = next.matrix();
  }
  return r;
}

// Residual balancing (Boyd et al. 2011, Sec. 3.4.1): the factor by which to
// scale rho so that primal and dual residuals stay within 10x of each other.
double penalty_adjustment(const Residuals& r, double rho) {
  const double primal = std::sqrt(r.primal_sq);
  const double dual = rho * std::sqrt(r.change_sq);
  if (primal > 10.0 * dual) return 2.0;
  if (dual > 10.0 * primal) return 0.5;
  return 1.0;
}

// ADMM on min ||C||_1 + (lambda/2)||X - X Z||^2 s.t. Z = C, diag(C) = 0.
// rho adapts only in the first half of the iterations: a fixed rho at the
// end keeps ADMM's convergence guarantee.
MatrixXd solve_self_expression(const MatrixXd& x, double lambda, const SscOptions& options) {
  const Index n = x.cols();
  double rho = lambda;  // same scale as the data term; balancing corrects it
  MatrixXd core = woodbury_core(x, lambda, rho);
  const MatrixXd x_transposed = x.transpose();
  MatrixXd c = MatrixXd::Zero(n, n);
  MatrixXd u = MatrixXd::Zero(n, n);
  for (int it = 0; it < options.max_iterations; ++it) {
    const Residuals r = admm_iteration(x, x_transposed, core, rho, c, u);
    if (r.primal_max < options.tolerance && r.change_max < options.tolerance) break;
    const double factor = 2 * it < options.max_iterations ? penalty_adjustment(r, rho) : 1.0;
    if (factor != 1.0) {
      rho *= factor;
      u /= factor;  // U = dual / rho
      core = woodbury_core(x, lambda, rho);
    }
  }
  return c;
}

// W = |C| + |C|^T after scaling each column of C by its largest magnitude
// (as in the paper), so points with small coefficients still get strong edges.
MatrixXd affinity_from_coefficients(const MatrixXd& coefficients) {
  MatrixXd a = coefficients.cwiseAbs();
  for (Index j = 0; j < a.cols(); ++j) {
    const double peak = a.col(j).maxCoeff();
    if (peak > 0.0) a.col(j) /= peak;
  }
  return a + a.transpose();
}

// ------------------------------------------------------------ spectral step

// LU factors, with partial pivoting, of T - shift I for the symmetric
// tridiagonal T with diagonal a and off-diagonal b. Row i of U holds
// upper0/1/2 at columns i, i+1, i+2 (pivoting fills the second
// superdiagonal).
struct TridiagonalLu {
  VectorXd upper0, upper1, upper2, multiplier;
  std::vector<bool> swapped;
};

TridiagonalLu factor_shifted_tridiagonal(const VectorXd& a, const VectorXd& b, double shift, double tiny) {
  const Index n = a.size();
  TridiagonalLu lu{VectorXd::Zero(n), VectorXd::Zero(n), VectorXd::Zero(n), VectorXd::Zero(n),
                   std::vector<bool>(static_cast<std::size_t>(n), false)};
  double pivot = a(0) - shift;           // the row being eliminated: pivot at column i,
  double right = n > 1 ? b(0) : 0.0;     // right at column i + 1
  for (Index i = 0; i + 1 < n; ++i) {
    const double below = b(i);           // row i + 1: below, diagonal, beyond
    const double diagonal = a(i + 1) - shift;
    const double beyond = i + 2 < n ? b(i + 1) : 0.0;
    if (std::abs(pivot) >= std::abs(below)) {
      const double m = pivot != 0.0 ? below / pivot : 0.0;
      lu.upper0(i) = pivot;
      lu.upper1(i) = right;
      lu.multiplier(i) = m;
      pivot = diagonal - m * right;
      right = beyond;
    } else {
      const double m = pivot / below;
      lu.upper0(i) = below;
      lu.upper1(i) = diagonal;
      lu.upper2(i) = beyond;
      lu.multiplier(i) = m;
      lu.swapped[static_cast<std::size_t>(i)] = true;
      pivot = right - m * diagonal;
      right = -m * beyond;
    }
  }
  lu.upper0(n - 1) = pivot;
  // The shift is an eigenvalue, so U is (nearly) singular: a tiny pivot keeps
  // the solve finite while still amplifying the wanted eigenvector.
  for (Index i = 0; i < n; ++i)
    if (std::abs(lu.upper0(i)) < tiny) lu.upper0(i) = lu.upper0(i) < 0.0 ? -tiny : tiny;
  return lu;
}

VectorXd solve_factored(const TridiagonalLu& lu, VectorXd rhs) {
  const Index n = rhs.size();
  for (Index i = 0; i + 1 < n; ++i) {
    if (lu.swapped[static_cast<std::size_t>(i)]) std::swap(rhs(i), rhs(i + 1));
    rhs(i + 1) -= lu.multiplier(i) * rhs(i);
  }
  for (Index i = n - 1; i >= 0; --i) {
    double sum = rhs(i);
    if (i + 1 < n) sum -= lu.upper1(i) * rhs(i + 1);
    if (i + 2 < n) sum -= lu.upper2(i) * rhs(i + 2);
    rhs(i) = sum / lu.upper0(i);
  }
  return rhs;
}

// Removes the components along the (orthonormal) columns of `basis`; twice,
// since one pass loses orthogonality when x is nearly in their span.
void orthogonalise_and_normalise(const MatrixXd& basis, VectorXd& x, std::mt19937_64& rng) {
  for (int pass = 0; pass < 2; ++pass) x -= basis * (basis.transpose() * x);
  const double norm = x.norm();
  if (norm > 0.0 && std::isfinite(norm)) {
    x /= norm;
    return;
  }
  for (Index i = 0; i < x.size(); ++i) x(i) = uniform01(rng) - 0.5;  // lost: restart from a random vector
  x -= basis * (basis.transpose() * x);
  x.normalize();
}

// Eigenvectors of T for the given eigenvalues by inverse iteration. Each is
// kept orthogonal to those before it, so a repeated eigenvalue (k
// disconnected clusters give eigenvalue 1 k times) yields a basis of its
// eigenspace rather than k copies of one vector.
MatrixXd tridiagonal_eigenvectors(const VectorXd& a, const VectorXd& b, const VectorXd& values) {
  constexpr int kInverseIterations = 4;  // shifts are exact eigenvalues: 1-2 iterations converge
  const Index n = a.size();
  const double scale = std::max({a.cwiseAbs().maxCoeff(), b.size() > 0 ? b.cwiseAbs().maxCoeff() : 0.0,
                                 std::numeric_limits<double>::min()});
  const double tiny = std::numeric_limits<double>::epsilon() * scale;
  std::mt19937_64 rng(0x5eed);  // start vectors; a fixed seed keeps the basis of a repeated eigenvalue reproducible
  MatrixXd vectors(n, values.size());
  for (Index j = 0; j < values.size(); ++j) {
    const TridiagonalLu lu = factor_shifted_tridiagonal(a, b, values(j), tiny);
    VectorXd x(n);
    for (Index i = 0; i < n; ++i) x(i) = uniform01(rng) - 0.5;
    orthogonalise_and_normalise(vectors.leftCols(j), x, rng);
    for (int it = 0; it < kInverseIterations; ++it) {
      x = solve_factored(lu, x);
      orthogonalise_and_normalise(vectors.leftCols(j), x, rng);
    }
    vectors.col(j) = x;
  }
  return vectors;
}

MatrixXd top_eigenvectors_by_full_decomposition(const MatrixXd& symmetric, int k) {
  const Eigen::SelfAdjointEigenSolver<MatrixXd> solver(symmetric);
  return solver.eigenvectors().rightCols(k).rowwise().reverse();  // eigenvalues ascend
}

// Rows of the k leading eigenvectors of D^{-1/2} W D^{-1/2}, scaled to unit
// norm, returned as the columns of a k x n matrix (one column per point).
MatrixXd spectral_embedding(const MatrixXd& affinity, int k) {
  const VectorXd degree = affinity.rowwise().sum();
  // An isolated point (zero degree) gets a zero row rather than a division by zero.
  const VectorXd scale = degree.unaryExpr([](double v) { return v > 0.0 ? 1.0 / std::sqrt(v) : 0.0; });
  const MatrixXd normalised = scale.asDiagonal() * affinity * scale.asDiagonal();
  MatrixXd embedding = detail::top_symmetric_eigenvectors(normalised, k).transpose();
  for (Index j = 0; j < embedding.cols(); ++j) {
    const double norm = embedding.col(j).norm();
    if (norm > 0.0) embedding.col(j) /= norm;
  }
  return embedding;
}

Index uniform_index(Index n, std::mt19937_64& rng) {
  return std::min<Index>(static_cast<Index>(uniform01(rng) * static_cast<double>(n)), n - 1);
}

// Index drawn with probability proportional to weight (k-means++ D^2 sampling).
Index sample_by_weight(const VectorXd& weight, std::mt19937_64& rng) {
  const double total = weight.sum();
  if (!(total > 0.0)) return uniform_index(weight.size(), rng);
  double remaining = uniform01(rng) * total;
  Index last_positive = 0;
  for (Index i = 0; i < weight.size(); ++i) {
    if (weight(i) <= 0.0) continue;
    last_positive = i;
    remaining -= weight(i);
    if (remaining < 0.0) return i;
  }
  return last_positive;  // rounding left a sliver of mass
}

VectorXd squared_distances(const MatrixXd& points, const VectorXd& centre) {
  return (points.colwise() - centre).colwise().squaredNorm().transpose();
}

MatrixXd kmeans_plus_plus_centres(const MatrixXd& points, int k, std::mt19937_64& rng) {
  MatrixXd centres(points.rows(), k);
  centres.col(0) = points.col(uniform_index(points.cols(), rng));
  VectorXd nearest = squared_distances(points, centres.col(0));
  for (int c = 1; c < k; ++c) {
    centres.col(c) = points.col(sample_by_weight(nearest, rng));
    nearest = nearest.cwiseMin(squared_distances(points, centres.col(c)));
  }
  return centres;
}

struct Assignment {
  std::vector<int> labels;
  VectorXd distance;  // squared distance to the assigned centre
  double inertia = std::numeric_limits<double>::infinity();
};

// Returns whether any label changed.
bool assign_to_nearest(const MatrixXd& points, const MatrixXd& centres, Assignment& a) {
  bool changed = false;
  for (Index i = 0; i < points.cols(); ++i) {
    Index best = 0;
    const double d = (centres.colwise() - points.col(i)).colwise().squaredNorm().minCoeff(&best);
    a.distance(i) = d;
    if (a.labels[i] != static_cast<int>(best)) {
      a.labels[i] = static_cast<int>(best);
      changed = true;
    }
  }
  a.inertia = a.distance.sum();
  return changed;
}

// Centres become the means of their members; an emptied cluster takes the
// point farthest from its centre, so k clusters survive.
void move_centres_to_means(const MatrixXd& points, Assignment& a, MatrixXd& centres) {
  centres.setZero();
  VectorXd count = VectorXd::Zero(centres.cols());
  for (Index i = 0; i < points.cols(); ++i) {
    centres.col(a.labels[i]) += points.col(i);
    count(a.labels[i]) += 1.0;
  }
  for (Index c = 0; c < centres.cols(); ++c) {
    if (count(c) > 0.0) {
      centres.col(c) /= count(c);
      continue;
    }
    Index farthest = 0;
    a.distance.maxCoeff(&farthest);
    centres.col(c) = points.col(farthest);
    a.distance(farthest) = 0.0;  // not taken twice
  }
}

Assignment lloyd(const MatrixXd& points, MatrixXd centres) {
  Assignment a;
  a.labels.assign(static_cast<std::size_t>(points.cols()), -1);
  a.distance.resize(points.cols());
  for (int it = 0; it < kLloydIterations; ++it) {
    if (!assign_to_nearest(points, centres, a)) break;
    move_centres_to_means(points, a, centres);
  }
  return a;
}

std::vector<int> kmeans(const MatrixXd& points, int k, int restarts, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Assignment best;
  for (int r = 0; r < restarts; ++r) {
    Assignment candidate = lloyd(points, kmeans_plus_plus_centres(points, k, rng));
    if (candidate.inertia < best.inertia) best = std::move(candidate);
  }
  return best.labels;
}

// Renumber so that labels appear in increasing order: 0 first, then 1, ...
std::vector<int> in_order_of_appearance(const std::vector<int>& labels, int k) {
  std::vector<int> renamed(static_cast<std::size_t>(k), -1);
  int next = 0;
  std::vector<int> out;
  out.reserve(labels.size());
  for (int label : labels) {
    if (renamed[label] < 0) renamed[label] = next++;
    out.push_back(renamed[label]);
  }
  return out;
}

}  // namespace

namespace detail {

Eigen::MatrixXd top_symmetric_eigenvectors(const Eigen::MatrixXd& symmetric, int k) {
  const Eigen::Tridiagonalization<MatrixXd> tridiagonal(symmetric);
  const VectorXd a = tridiagonal.diagonal();
  const VectorXd b = tridiagonal.subDiagonal();
  Eigen::SelfAdjointEigenSolver<MatrixXd> spectrum;
  spectrum.computeFromTridiagonal(a, b, Eigen::EigenvaluesOnly);
  if (spectrum.info() != Eigen::Success) return top_eigenvectors_by_full_decomposition(symmetric, k);
  const VectorXd values = spectrum.eigenvalues().tail(k).reverse();
  const MatrixXd vectors = tridiagonal.matrixQ() * tridiagonal_eigenvectors(a, b, values);
  // Inverse iteration is backward stable; should it ever miss, pay for the full solver.
  const double size = symmetric.cwiseAbs().rowwise().sum().maxCoeff();
  const double residual = (symmetric * vectors - vectors * values.asDiagonal()).cwiseAbs().maxCoeff();
  if (!(residual <= 1e-9 * std::max(size, 1e-300))) return top_eigenvectors_by_full_decomposition(symmetric, k);
  return vectors;
}

}  // namespace detail

Eigen::MatrixXd ssc_coefficients(const Eigen::MatrixXd& points, const SscOptions& options) {
  check_points(points);
  check_admm_options(options);
  const MatrixXd x = unit_columns(points);
  const double lambda = self_expression_weight(x, options.alpha);
  if (lambda == 0.0) return MatrixXd::Zero(x.cols(), x.cols());  // single point, or all mutually orthogonal
  return solve_self_expression(x, lambda, options);
}

std::vector<int> spectral_clustering(const Eigen::MatrixXd& affinity, int clusters, int kmeans_restarts,
                                     std::uint64_t seed) {
  check_affinity(affinity);
  check_clusters(clusters, affinity.rows(), "rows of the affinity");
  check_restarts(kmeans_restarts, "kmeans_restarts");
  if (clusters == 1) return std::vector<int>(static_cast<std::size_t>(affinity.rows()), 0);
  const MatrixXd embedding = spectral_embedding(affinity, clusters);
  return in_order_of_appearance(kmeans(embedding, clusters, kmeans_restarts, seed), clusters);
}

std::vector<int> sparse_subspace_clustering(const Eigen::MatrixXd& points, int clusters,
                                            const SscOptions& options) {
  check_points(points);
  check_clusters(clusters, points.cols(), "points");
  check_admm_options(options);
  check_restarts(options.kmeans_restarts, "options.kmeans_restarts");
  if (clusters == 1) return std::vector<int>(static_cast<std::size_t>(points.cols()), 0);
  const MatrixXd affinity = affinity_from_coefficients(ssc_coefficients(points, options));
  return spectral_clustering(affinity, clusters, options.kmeans_restarts, options.seed);
}

}  // namespace moema::rx
