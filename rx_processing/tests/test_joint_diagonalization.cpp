#include "moema/rx/joint_diagonalization.hpp"
#include "moema/rx/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace moema::rx;

TEST(JointDiagonalization, RecoversACommonOrthogonalBasis) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> gauss;
  const Matrix q = random_orthonormal(5, 5, rng);
  std::vector<Matrix> set;
  for (int t = 0; t < 20; ++t) {
    Vector d(5);
    for (int i = 0; i < 5; ++i) d(i) = gauss(rng);
    set.push_back(q * d.asDiagonal() * q.transpose());
  }
  const Matrix found = joint_diagonalize(set);
  EXPECT_TRUE((found.transpose() * found).isApprox(Matrix::Identity(5, 5), 1e-12));
  // Up to order and sign, each found column is one of q's: |found^T q| is a permutation matrix.
  const Matrix overlap = (found.transpose() * q).cwiseAbs();
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(overlap.row(i).maxCoeff(), 1.0, 1e-9);
  for (const Matrix& m : set) {
    const Matrix d = found.transpose() * m * found;
    EXPECT_LT((d - Matrix(d.diagonal().asDiagonal())).norm(), 1e-9);
  }
}

TEST(JointDiagonalization, GroupsRecoverBlocksOfANonOrthogonalMixing) {
  // C_t = B L_t B^T with L_t block diagonal, each block rank one (one codeword per
  // device per slot), B a generic non-orthogonal mixing: the block spans of B come back.
  std::mt19937_64 rng(2);
  std::normal_distribution<double> gauss;
  const int blocks = 3, size = 2, n = blocks * size;
  Matrix b(n, n);
  for (Eigen::Index i = 0; i < b.size(); ++i) b.data()[i] = gauss(rng);
  std::vector<Matrix> set;
  for (int t = 0; t < 400; ++t) {
    Matrix l = Matrix::Zero(n, n);
    for (int k = 0; k < blocks; ++k) {
      const Vector x = random_unit_vector(size, rng) * (0.5 + std::abs(gauss(rng)));
      l.block(k * size, k * size, size, size) = x * x.transpose();
    }
    set.push_back(b * l * b.transpose());
  }
  const std::vector<Matrix> spans = joint_block_diagonalize(set, blocks, size);
  ASSERT_EQ(spans.size(), 3u);
  for (int k = 0; k < blocks; ++k) {
    const Matrix truth = orthonormal_basis(b.middleCols(k * size, size));
    double best = 0;
    for (const Matrix& s : spans) best = std::max(best, subspace_similarity(truth, s));
    EXPECT_GT(best, 1 - 1e-8) << "block " << k;
  }
}

TEST(JointDiagonalization, RejectsMismatchedSizes) {
  EXPECT_THROW(joint_diagonalize({}), std::invalid_argument);
  EXPECT_THROW(joint_diagonalize({Matrix::Identity(3, 3), Matrix::Identity(2, 2)}), std::invalid_argument);
  EXPECT_THROW(joint_block_diagonalize({Matrix::Identity(5, 5)}, 2, 2), std::invalid_argument);
  EXPECT_THROW(joint_block_diagonalize({Matrix::Zero(4, 4)}, 2, 2), std::invalid_argument);  // singular mean
}
