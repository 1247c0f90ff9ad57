#include "moema/rx/rank_detection.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace moema::rx;

namespace {
// rows x cols matrix of rank `rank` with singular values 1, plus N(0, sigma^2) noise.
Matrix low_rank_plus_noise(int rows, int cols, int rank, double sigma, std::mt19937_64& rng) {
  Matrix m = random_orthonormal(rows, rank, rng) * random_orthonormal(cols, rank, rng).transpose();
  std::normal_distribution<double> gauss(0.0, sigma);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] += gauss(rng);
  return m;
}
Vector singular_values(const Matrix& m) { return Eigen::JacobiSVD<Matrix>(m).singularValues(); }
}  // namespace

TEST(RankDetection, NoiseVarianceFromTailsMatchesTheTruth) {
  std::mt19937_64 rng(1);
  const double sigma = 0.05;
  std::vector<Vector> s;
  for (int t = 0; t < 300; ++t) s.push_back(singular_values(low_rank_plus_noise(32, 10, 2, sigma, rng)));
  EXPECT_NEAR(noise_variance_from_tails(s, 2, 32, 10), sigma * sigma, 0.05 * sigma * sigma);
}

TEST(RankDetection, CountsSignalAboveTheNoiseEdge) {
  std::mt19937_64 rng(2);
  for (int rank : {0, 1, 3, 5}) {
    const Matrix m = low_rank_plus_noise(32, 10, rank, 0.03, rng);
    EXPECT_EQ(detect_rank(singular_values(m), 0.03, 32, 10), rank) << "rank " << rank;
  }
}

TEST(RankDetection, NoiseFreeRankIgnoresRoundingErrors) {
  std::mt19937_64 rng(3);
  const Matrix m = low_rank_plus_noise(32, 10, 4, 0.0, rng);
  // Singular values taken as square roots of Gram eigenvalues, as the receiver does.
  const Vector s = Eigen::SelfAdjointEigenSolver<Matrix>(m.transpose() * m).eigenvalues().reverse().cwiseMax(0.0).cwiseSqrt();
  EXPECT_EQ(detect_rank(s, 0.0, 32, 10), 4);
}

TEST(RankDetection, NoiseEdgeIsTheMarchenkoPasturEdge) {
  EXPECT_DOUBLE_EQ(noise_edge(2.0, 16, 9), 2.0 * (4.0 + 3.0));
  std::mt19937_64 rng(4);
  // Pure noise never exceeds the edge by the default margin (checked on many draws).
  for (int t = 0; t < 200; ++t) EXPECT_EQ(detect_rank(singular_values(low_rank_plus_noise(32, 10, 0, 1.0, rng)), 1.0, 32, 10), 0);
}

TEST(RankDetection, TailsNeedRoomForNoise) {
  EXPECT_THROW(noise_variance_from_tails({Vector::Ones(3)}, 3, 8, 3), std::invalid_argument);
  EXPECT_THROW(noise_variance_from_tails({}, 1, 8, 3), std::invalid_argument);
}
