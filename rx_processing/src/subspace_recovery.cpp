#include "moema/rx/subspace_recovery.hpp"

#include "moema/rx/joint_diagonalization.hpp"
#include "moema/air/precoder.hpp"
#include "moema/rx/rank_detection.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace moema::rx {
namespace {

using std::to_string;

[[noreturn]] void fail(const std::string& message) { throw std::invalid_argument("recover_subspaces: " + message); }

void validate(const std::vector<Matrix>& slots, const RecoveryConfig& config) {
  const int n = config.devices, d = config.feature_dim;
  if (n < 1) fail("devices must be >= 1, got " + to_string(n));
  if (d < 1) fail("feature_dim must be >= 1, got " + to_string(d));
  if (static_cast<int>(slots.size()) < minimum_slots(n, d))
    fail("too few slots: got " + to_string(slots.size()) + ", need at least " + to_string(minimum_slots(n, d)) +
         " for " + to_string(n) + " devices of dimension " + to_string(d));
  const Eigen::Index rows = slots.front().rows(), cols = slots.front().cols();
  if (cols <= n || cols < d)
    fail("slots have M = " + to_string(cols) + " columns; need more than the " + to_string(n) +
         " devices and at least D = " + to_string(d));
  if (rows <= n) fail("slots have " + to_string(rows) + " rows; need more than the " + to_string(n) + " devices");
  for (std::size_t t = 0; t < slots.size(); ++t) {
    if (slots[t].rows() != rows || slots[t].cols() != cols)
      fail("slot " + to_string(t) + " is " + to_string(slots[t].rows()) + "x" + to_string(slots[t].cols()) +
           ", slot 0 is " + to_string(rows) + "x" + to_string(cols));
    require_finite(slots[t], "recover_subspaces: slot " + to_string(t));
  }
  if (!config.signatures.empty() && static_cast<int>(config.signatures.size()) != n)
    fail(to_string(config.signatures.size()) + " signatures for " + to_string(n) + " devices");
}

// What every stage needs from a slot: its singular values and the leading
// right singular vectors (one per device), from the M x M Gram matrix.
struct SlotSpectra {
  std::vector<Vector> singular_values;
  std::vector<Matrix> row_bases;  // M x N
  Matrix energy;                  // sum_t Y_t^T Y_t
};

SlotSpectra analyse(const std::vector<Matrix>& slots, int devices) {
  const Eigen::Index m = slots.front().cols();
  SlotSpectra out{{}, {}, Matrix::Zero(m, m)};
  for (const Matrix& y : slots) {
    const Matrix gram = y.transpose() * y;
    const SymmetricEigen eig = eigen_descending(gram);
    out.singular_values.push_back(eig.values.cwiseMax(0.0).cwiseSqrt());
    out.row_bases.push_back(eig.vectors.leftCols(devices));
    out.energy += gram;
  }
  return out;
}

int overlap_from_rank(int rank, int devices, int d) {
  const std::string context = "detected signal-space dimension r = " + to_string(rank) + " for N = " +
                              to_string(devices) + " devices of dimension D = " + to_string(d);
  if (rank > devices * d)
    fail(context + " exceeds N*D = " + to_string(devices * d) +
         ": more transmitters than requested, or an impairment (e.g. DC offset) adds directions");
  if (devices == 1) {
    if (rank != d) fail(context + ": rank too low for the requested device (expected r = D)");
    return 0;
  }
  const int excess = devices * d - rank;
  if (excess % (devices - 1) != 0 || excess / (devices - 1) >= d)
    fail(context + ": rank too low or inconsistent with a shared subspace (expected r = N*D - (N-1)*gamma, 0 <= gamma < D)");
  return excess / (devices - 1);
}

// The paper's B B^T (eq. 3): the sum of the per-slot row-space projectors.
Matrix row_space_scatter(const SlotSpectra& spectra) {
  const Eigen::Index m = spectra.energy.rows();
  Matrix scatter = Matrix::Zero(m, m);
  for (const Matrix& b : spectra.row_bases) scatter += b * b.transpose();
  return scatter;
}

// Per-slot right singular vectors of the slots restricted to span(basis),
// in basis coordinates (the paper's B-hat columns when basis spans U minus V).
std::vector<Matrix> restricted_row_bases(const std::vector<Matrix>& slots, const Matrix& basis, int devices) {
  std::vector<Matrix> out;
  for (const Matrix& y : slots) {
    const Matrix x = y * basis;
    out.push_back(leading_eigenvectors(x.transpose() * x, devices));
  }
  return out;
}

// Paper Sec. 3.2-3.3: SSC of the restricted singular vectors, then each
// cluster's principal subspace.
std::vector<Matrix> private_parts_by_ssc(const std::vector<Matrix>& slots, const Matrix& basis,
                                         const RecoveryConfig& config, int private_dim) {
  const int n = config.devices;
  const std::vector<Matrix> rows = restricted_row_bases(slots, basis, n);
  Matrix points(basis.cols(), static_cast<Eigen::Index>(rows.size()) * n);
  for (std::size_t t = 0; t < rows.size(); ++t) points.middleCols(t * n, n) = rows[t];
  const std::vector<int> labels = sparse_subspace_clustering(points, n, config.ssc);
  std::vector<Matrix> scatter(n, Matrix::Zero(basis.cols(), basis.cols()));
  for (Eigen::Index j = 0; j < points.cols(); ++j) scatter[labels[j]] += points.col(j) * points.col(j).transpose();
  std::vector<Matrix> parts;
  for (const Matrix& s : scatter) parts.push_back(leading_eigenvectors(s, private_dim));
  return parts;
}

// Alternating projections on the structure every slot obeys: its row space
// R_t meets each device's private subspace in that device's codeword. Given
// the current subspace, take from each R_t the vector closest to it, then
// re-fit the subspace to those vectors. Exact subspaces are a fixed point.
void refine_by_slot_intersections(std::vector<Matrix>& parts, const std::vector<Matrix>& rows, int iterations) {
  const int private_dim = static_cast<int>(parts.front().cols());
  const Eigen::Index dim = parts.front().rows();
  for (int it = 0; it < iterations; ++it) {
    double change = 0.0;
    for (Matrix& c : parts) {
      Matrix scatter = Matrix::Zero(dim, dim);
      for (const Matrix& r : rows) {
        const Matrix overlap = r.transpose() * c;  // N x d
        const Vector v = r * leading_eigenvectors(overlap * overlap.transpose(), 1);
        scatter += v * v.transpose();
      }
      const Matrix updated = leading_eigenvectors(scatter, private_dim);
      change = std::max(change, 1.0 - (c.transpose() * updated).squaredNorm() / private_dim);
      c = updated;
    }
    if (change < 1e-14) break;
  }
}

// Normal of each subspace within the signal space: unit l_n in span(U) with
// l_n orthogonal to S_n (S_n has dimension dim U - 1 here).
Vector normal_within(const Matrix& subspace, Eigen::Index dim) {
  return leading_eigenvectors(Matrix::Identity(dim, dim) - subspace * subspace.transpose(), 1);
}

// Two devices whose subspaces share all but one direction (d = 1): every
// slot's row space meets every such pair of hyperplanes of U, so geometry
// says nothing and only statistics can. With l_n the normal of S_n in U,
//   l_1^T Y_t^T Y_t l_2 = rho_t (l_1 . w_2)(l_2 . w_1),   rho_t = g_1^T g_2,
// and the channel cross-correlation rho_t is zero-mean and independent of the
// codewords, hence of anything computed from the slot's row space. So
// estimating equations that weight this residual by row-space quantities are
// unbiased (least squares on it is not: the cross terms pull its minimiser
// away). The weights are the optimal ones (the residual's slope over its
// variance, from the current estimate); the equations are bilinear in
// (l_1, l_2) and solved alternately from the joint-diagonalisation start.
// Plain row-projector instruments gave subspace similarity ~0.9995 at T=500;
// these weights give ~0.99999, which intersection decoding needs.
void refine_hyperplane_pair(std::vector<Matrix>& subspaces, const std::vector<Matrix>& grams,
                            const std::vector<Matrix>& rows, int iterations) {
  const Eigen::Index dim = subspaces.front().rows();
  // The vector of R_t orthogonal to the normal `l`: the slot's codeword of the
  // device whose hyperplane l bounds.
  auto codeword_in = [](const Matrix& row, const Vector& l) {
    const Vector coeff = leading_eigenvectors(Matrix::Identity(row.cols(), row.cols()) -
                                                  (row.transpose() * l) * (row.transpose() * l).transpose(), 1);
    return Vector(row * coeff);
  };
  // Optimally weighted equations for `l` with the other normal fixed:
  // sum_t u_t (fixed^T M_t l) / ((l.u'_t)^2 (fixed.u_t) + eps) = 0, where u_t,
  // u'_t are the slot's codewords in l's and fixed's hyperplanes. The weights
  // depend on row spaces only, so the equations stay unbiased.
  auto solve = [&](const Vector& l, const Vector& fixed) {
    Matrix system = Matrix::Zero(dim, dim);
    std::vector<double> scale;
    std::vector<Vector> u_own, u_other;
    for (const Matrix& r : rows) {
      u_own.push_back(codeword_in(r, l));
      u_other.push_back(codeword_in(r, fixed));
      scale.push_back(std::pow(l.dot(u_other.back()), 2) * std::abs(fixed.dot(u_own.back())));
    }
    std::vector<double> sorted = scale;
    std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 10, sorted.end());
    const double floor = std::max(sorted[sorted.size() / 10], 1e-12);  // caps any slot's weight
    for (std::size_t t = 0; t < rows.size(); ++t) {
      const double sign = fixed.dot(u_own[t]) >= 0 ? 1.0 : -1.0;
      system += (sign / std::max(scale[t], floor)) * u_own[t] * (grams[t] * fixed).transpose();
    }
    Eigen::JacobiSVD<Matrix> svd(system, Eigen::ComputeFullV);
    Vector next = svd.matrixV().col(dim - 1);
    return Vector(next.dot(l) < 0 ? -next : next);
  };
  Vector l1 = normal_within(subspaces[0], dim), l2 = normal_within(subspaces[1], dim);
  for (int it = 0; it < iterations; ++it) {
    const Vector next1 = solve(l1, l2);
    const Vector next2 = solve(l2, next1);
    const double change = std::max(1.0 - std::pow(next1.dot(l1), 2), 1.0 - std::pow(next2.dot(l2), 2));
    l1 = next1, l2 = next2;
    if (change < 1e-15) break;
  }
  const Matrix identity = Matrix::Identity(dim, dim);
  subspaces[0] = leading_eigenvectors(identity - l1 * l1.transpose(), static_cast<int>(dim - 1));
  subspaces[1] = leading_eigenvectors(identity - l2 * l2.transpose(), static_cast<int>(dim - 1));
}

// The project's method. Works in coordinates of the signal space U.
// 1. Private parts by joint block diagonalisation of the per-slot Gram
//    matrices restricted to U minus V (noise floor removed).
// 2. Refinement of the whole subspaces S_n = [C_n : V] in U, which also
//    corrects the moment-based estimate of V: by slot intersections where the
//    geometry identifies them (D + N <= r), else (two devices, d = 1) by the
//    channel-independence estimating equations.
std::vector<Matrix> device_subspaces_by_jbd(const std::vector<Matrix>& slots, const Matrix& signal_space,
                                            const Matrix& shared_coords, const RecoveryConfig& config,
                                            double noise_variance) {
  const int n = config.devices, d = config.feature_dim;
  const Eigen::Index r = signal_space.cols();
  const int private_dim = d - static_cast<int>(shared_coords.cols());
  const Matrix private_coords = orthogonal_complement_within(Matrix::Identity(r, r), shared_coords);
  if (n == 1) return {Matrix::Identity(r, r)};
  std::vector<Matrix> grams;  // per slot, in U coordinates, noise floor removed
  for (const Matrix& y : slots) {
    const Matrix x = y * signal_space;
    grams.push_back(x.transpose() * x - static_cast<double>(y.rows()) * noise_variance * Matrix::Identity(r, r));
  }
  std::vector<Matrix> subspaces;
  std::vector<Matrix> private_grams;
  for (const Matrix& g : grams) private_grams.push_back(private_coords.transpose() * g * private_coords);
  for (const Matrix& c : joint_block_diagonalize(private_grams, n, private_dim)) {
    Matrix s(r, d);
    s << private_coords * c, shared_coords;
    subspaces.push_back(s);
  }
  if (config.refinement_iterations <= 0) return subspaces;
  const std::vector<Matrix> rows = restricted_row_bases(slots, signal_space, n);
  if (d + n <= r)
    refine_by_slot_intersections(subspaces, rows, config.refinement_iterations);
  else if (n == 2 && private_dim == 1)
    refine_hyperplane_pair(subspaces, grams, rows, config.refinement_iterations);
  return subspaces;
}

// Shared part of subspaces estimated as wholes: the directions all of them
// contain, i.e. the eigenvectors of sum_n P_n with eigenvalue close to N.
Matrix common_directions(const std::vector<Matrix>& subspaces, int dim) {
  Matrix sum = Matrix::Zero(subspaces.front().rows(), subspaces.front().rows());
  for (const Matrix& s : subspaces) sum += s * s.transpose();
  return leading_eigenvectors(sum, dim);
}

}  // namespace

RecoveryMethod parse_recovery_method(const std::string& name) {
  if (name == "paper") return RecoveryMethod::Paper;
  if (name == "jbd") return RecoveryMethod::Jbd;
  throw std::invalid_argument("recovery method: unknown '" + name + "' (expected 'paper' or 'jbd')");
}

std::string to_string(RecoveryMethod method) { return method == RecoveryMethod::Paper ? "paper" : "jbd"; }

int minimum_slots(int devices, int feature_dim) { return 2 * devices * feature_dim; }

SubspaceEstimate recover_subspaces(const std::vector<Matrix>& slots, const RecoveryConfig& config) {
  if (slots.empty()) fail("no slots");
  validate(slots, config);
  const int n = config.devices, d = config.feature_dim;
  const Eigen::Index rows = slots.front().rows();
  const SlotSpectra spectra = analyse(slots, n);

  SubspaceEstimate est;
  est.noise_variance = noise_variance_from_tails(spectra.singular_values, n, static_cast<int>(rows),
                                                 static_cast<int>(slots.front().cols()));
  const SymmetricEigen energy = eigen_descending(spectra.energy);
  // The stack of all slots is a tall (2K T) x M matrix whose noise singular
  // values sit tightly at the Marchenko-Pastur edge, and the noise variance is
  // estimated from T (2K - N)(M - N) entries; a 5% margin covers both, where
  // the per-slot default would hide directions weaker than ~0.7 noise floors
  // however many slots arrive.
  const double stacked_margin = 1.05;
  const int rank = detect_rank(energy.values.cwiseMax(0.0).cwiseSqrt(), std::sqrt(est.noise_variance),
                               static_cast<double>(rows) * slots.size(), static_cast<double>(spectra.energy.rows()),
                               stacked_margin);
  est.signal_space = energy.vectors.leftCols(rank);
  est.overlap = overlap_from_rank(rank, n, d);

  // Shared directions are in every device's codeword, so they carry the largest
  // share of the per-slot row spaces (paper Sec. 3.3).
  const Matrix& u = est.signal_space;
  const Matrix shared_coords = leading_eigenvectors(u.transpose() * row_space_scatter(spectra) * u, est.overlap);
  const int private_dim = d - est.overlap;
  if (config.method == RecoveryMethod::Paper) {
    est.shared = u * shared_coords;
    const Matrix private_space = orthogonal_complement_within(u, est.shared);
    for (const Matrix& c : private_parts_by_ssc(slots, private_space, config, private_dim)) {
      Matrix basis(u.rows(), d);
      basis << private_space * c, est.shared;
      est.bases.push_back(std::move(basis));
    }
  } else {
    const std::vector<Matrix> subspaces =
        device_subspaces_by_jbd(slots, u, shared_coords, config, est.noise_variance);
    const Matrix shared = common_directions(subspaces, est.overlap);
    est.shared = u * shared;
    for (const Matrix& s : subspaces) {  // A~_n = [C_n : V] with C_n = S_n minus V
      Matrix basis(u.rows(), d);
      basis << u * orthogonal_complement_within(s, shared), est.shared;
      est.bases.push_back(std::move(basis));
    }
  }
  if (!config.signatures.empty()) {
    const std::vector<int> device_of = match_subspaces_to_signatures(est.bases, config.signatures);
    std::vector<Matrix> ordered(n);
    for (int k = 0; k < n; ++k) ordered[device_of[k]] = est.bases[k];
    est.bases = std::move(ordered);
  }
  return est;
}

}  // namespace moema::rx
