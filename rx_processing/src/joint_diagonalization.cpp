#include "moema/rx/joint_diagonalization.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace moema::rx {
namespace {

// Applies the plane rotation [c -s; s c] on coordinates (p, q): M <- R^T M R.
void rotate(Matrix& m, int p, int q, double c, double s) {
  const Vector row_p = m.row(p), row_q = m.row(q);
  m.row(p) = c * row_p + s * row_q;
  m.row(q) = -s * row_p + c * row_q;
  const Vector col_p = m.col(p), col_q = m.col(q);
  m.col(p) = c * col_p + s * col_q;
  m.col(q) = -s * col_p + c * col_q;
}

Matrix coupling_matrix(const std::vector<Matrix>& m) {
  const Eigen::Index n = m.front().rows();
  Matrix off = Matrix::Zero(n, n);
  Vector diag = Vector::Zero(n);
  for (const Matrix& mt : m) {
    off += mt.cwiseAbs2();
    diag += mt.diagonal().cwiseAbs2();
  }
  const Vector scale = diag.cwiseSqrt().cwiseMax(1e-300);
  return off.cwiseQuotient(scale * scale.transpose());
}

double mean_coupling(const Matrix& coupling, const std::vector<int>& group, int candidate) {
  double sum = 0.0;
  for (int i : group) sum += coupling(i, candidate);
  return sum / static_cast<double>(group.size());
}

}  // namespace

Matrix joint_diagonalize(const std::vector<Matrix>& symmetric, double tolerance, int max_sweeps) {
  if (symmetric.empty()) throw std::invalid_argument("joint_diagonalize: no matrices");
  const int n = static_cast<int>(symmetric.front().rows());
  for (const Matrix& m : symmetric)
    if (m.rows() != n || m.cols() != n)
      throw std::invalid_argument("joint_diagonalize: matrices must all be square of size " + std::to_string(n));
  std::vector<Matrix> work = symmetric;
  Matrix q = Matrix::Identity(n, n);
  for (int sweep = 0; sweep < max_sweeps; ++sweep) {
    bool rotated = false;
    for (int p = 0; p < n - 1; ++p) {
      for (int r = p + 1; r < n; ++r) {
        // The best angle maximises sum_t of the squared diagonal difference; it is
        // the leading eigenvector of the 2x2 Gram matrix of (M_pp - M_rr, 2 M_pr).
        double g11 = 0.0, g12 = 0.0, g22 = 0.0;
        for (const Matrix& m : work) {
          const double a = m(p, p) - m(r, r), b = m(p, r) + m(r, p);
          g11 += a * a, g12 += a * b, g22 += b * b;
        }
        const double ton = g11 - g22, toff = 2.0 * g12;
        const double theta = 0.5 * std::atan2(toff, ton + std::hypot(ton, toff));
        const double c = std::cos(theta), s = std::sin(theta);
        if (std::abs(s) <= tolerance) continue;
        rotated = true;
        for (Matrix& m : work) rotate(m, p, r, c, s);
        const Vector qp = q.col(p), qr = q.col(r);
        q.col(p) = c * qp + s * qr;
        q.col(r) = -s * qp + c * qr;
      }
    }
    if (!rotated) break;
  }
  return q;
}

std::vector<std::vector<int>> group_coupled_coordinates(const std::vector<Matrix>& diagonalized, int groups,
                                                        int group_size) {
  const int n = groups * group_size;
  if (diagonalized.empty() || diagonalized.front().rows() != n)
    throw std::invalid_argument("group_coupled_coordinates: need matrices of size groups * group_size = " +
                                std::to_string(n));
  std::vector<std::vector<int>> out;
  if (group_size == 1) {
    for (int i = 0; i < n; ++i) out.push_back({i});
    return out;
  }
  const Matrix coupling = coupling_matrix(diagonalized);
  std::vector<bool> used(n, false);
  for (int g = 0; g < groups; ++g) {
    // Seed each group with the most strongly coupled free pair, then grow it with
    // the free coordinate most coupled to the group on average.
    int best_i = -1, best_j = -1;
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j)
        if (!used[i] && !used[j] && (best_i < 0 || coupling(i, j) > coupling(best_i, best_j))) best_i = i, best_j = j;
    std::vector<int> group{best_i, best_j};
    used[best_i] = used[best_j] = true;
    while (static_cast<int>(group.size()) < group_size) {
      int best = -1;
      for (int k = 0; k < n; ++k)
        if (!used[k] && (best < 0 || mean_coupling(coupling, group, k) > mean_coupling(coupling, group, best)))
          best = k;
      group.push_back(best);
      used[best] = true;
    }
    out.push_back(std::move(group));
  }
  return out;
}

std::vector<Matrix> joint_block_diagonalize(const std::vector<Matrix>& covariances, int blocks, int block_size) {
  const int n = blocks * block_size;
  if (covariances.empty() || covariances.front().rows() != n)
    throw std::invalid_argument("joint_block_diagonalize: need covariances of size blocks * block_size = " +
                                std::to_string(n));
  Matrix mean = Matrix::Zero(n, n);
  for (const Matrix& c : covariances) mean += c;
  mean /= static_cast<double>(covariances.size());
  Eigen::SelfAdjointEigenSolver<Matrix> eig(mean);
  if (eig.eigenvalues().minCoeff() <= 0.0)
    throw std::invalid_argument("joint_block_diagonalize: mean covariance is not positive definite");
  const Matrix whiten = eig.operatorInverseSqrt(), unwhiten = eig.operatorSqrt();
  std::vector<Matrix> white;
  white.reserve(covariances.size());
  for (const Matrix& c : covariances) white.push_back(whiten * c * whiten);
  const Matrix q = joint_diagonalize(white);
  for (Matrix& w : white) w = q.transpose() * w * q;
  std::vector<Matrix> spans;
  for (const std::vector<int>& group : group_coupled_coordinates(white, blocks, block_size)) {
    Matrix columns(n, block_size);
    for (int j = 0; j < block_size; ++j) columns.col(j) = unwhiten * q.col(group[j]);
    spans.push_back(orthonormal_basis(columns));
  }
  return spans;
}

}  // namespace moema::rx
