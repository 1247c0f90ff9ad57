#include "moema/air/precoder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace moema::rx;

namespace {
// Number of principal angles that are zero = dim of the intersection.
int intersection_dimension(const Matrix& a, const Matrix& b) {
  const Vector cosines = Eigen::JacobiSVD<Matrix>(a.transpose() * b).singularValues();
  return static_cast<int>((cosines.array() > 1.0 - 1e-9).count());
}
int rank_of(const Matrix& m) {
  Eigen::JacobiSVD<Matrix> svd(m);
  svd.setThreshold(1e-9);
  return static_cast<int>(svd.rank());
}
}  // namespace

class PrecoderOverlap : public testing::TestWithParam<int> {};

TEST_P(PrecoderOverlap, OrthonormalWithExactlyTheRequestedOverlap) {
  const int gamma = GetParam();
  const PrecoderSet set({/*devices=*/3, /*M=*/10, /*D=*/3, gamma, /*seed=*/11});
  Matrix all(10, 9);
  for (int n = 0; n < 3; ++n) {
    EXPECT_TRUE((set.basis(n).transpose() * set.basis(n)).isApprox(Matrix::Identity(3, 3), 1e-12));
    all.middleCols(3 * n, 3) = set.basis(n);
    for (int m = 0; m < n; ++m) EXPECT_EQ(intersection_dimension(set.basis(n), set.basis(m)), gamma);
    // The signature is column 0 and lies outside the shared subspace.
    EXPECT_TRUE(set.signature(n).isApprox(set.basis(n).col(0)));
    if (gamma > 0) EXPECT_LT((set.shared().transpose() * set.signature(n)).norm(), 1e-12);
  }
  EXPECT_EQ(rank_of(all), signal_space_dimension(3, 3, gamma));
}

INSTANTIATE_TEST_SUITE_P(Gamma, PrecoderOverlap, testing::Values(0, 1, 2));

TEST(Precoder, PrivatePartsAreInGeneralPositionNotOrthogonal) {
  const PrecoderSet set({2, 10, 3, 0, 4});
  EXPECT_GT((set.basis(0).transpose() * set.basis(1)).norm(), 0.05);
}

TEST(Precoder, KeepsTheBestConditionedOfTheCandidateDraws) {
  // The smallest singular value of the stacked private bases, measured here
  // independently, is what conditioning() reports, and more candidates never
  // lower it (the first draw is shared by both sets).
  PrecoderConfig one{3, 10, 3, 0, 21, 1}, many{3, 10, 3, 0, 21, 64};
  const PrecoderSet plain(one), chosen(many);
  Matrix all(10, 9);
  for (int n = 0; n < 3; ++n) all.middleCols(3 * n, 3) = chosen.basis(n);
  EXPECT_NEAR(Eigen::JacobiSVD<Matrix>(all).singularValues()(8), chosen.conditioning(), 1e-12);
  EXPECT_GE(chosen.conditioning(), plain.conditioning());
  EXPECT_GT(chosen.conditioning(), 0.2);
  EXPECT_EQ(PrecoderSet({9, 10, 3, 0, 1}).conditioning(), 0.0);  // 27 columns cannot fit in R^10
}

TEST(Precoder, SeedDeterminesTheMatrices) {
  EXPECT_TRUE(PrecoderSet({2, 10, 3, 1, 9}).basis(1).isApprox(PrecoderSet({2, 10, 3, 1, 9}).basis(1)));
  EXPECT_FALSE(PrecoderSet({2, 10, 3, 1, 9}).basis(1).isApprox(PrecoderSet({2, 10, 3, 1, 10}).basis(1)));
}

TEST(Precoder, PrecodingPreservesNorm) {
  const PrecoderSet set({2, 10, 3, 2, 1});
  const Vector x = (Vector(3) << 0.6, 0.0, 0.8).finished();
  EXPECT_NEAR(set.precode(1, x).norm(), 1.0, 1e-12);
  EXPECT_THROW(set.precode(1, Vector::Ones(4)), std::invalid_argument);
}

TEST(Precoder, RejectsImpossibleConfigurations) {
  EXPECT_THROW(PrecoderSet({2, 10, 3, 3, 1}), std::invalid_argument);   // overlap = D leaves no signature
  EXPECT_THROW(PrecoderSet({0, 10, 3, 0, 1}), std::invalid_argument);   // no devices
  EXPECT_THROW(PrecoderSet({2, 2, 3, 0, 1}), std::invalid_argument);    // D > M
  try {
    PrecoderSet({2, 10, 3, -1, 1});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), testing::HasSubstr("overlap"));
  }
}

TEST(Precoder, SignaturesMapPermutedEstimatesBackToDevices) {
  const PrecoderSet set({4, 12, 3, 0, 2});
  const std::vector<int> order{2, 0, 3, 1};  // estimate k is device order[k]
  std::vector<Matrix> estimates;
  std::mt19937_64 rng(1);
  for (int dev : order) estimates.push_back(set.basis(dev) * random_orthonormal(3, 3, rng));  // other basis, same span
  EXPECT_EQ(match_subspaces_to_signatures(estimates, set.signatures()), order);
}
