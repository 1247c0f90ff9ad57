#include "moema/rx/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

using namespace moema::rx;

TEST(Metrics, SubspaceSimilarityClosedForms) {
  const Matrix e = Matrix::Identity(4, 4);
  EXPECT_DOUBLE_EQ(subspace_similarity(e.leftCols(2), e.leftCols(2)), 1.0);
  EXPECT_DOUBLE_EQ(subspace_similarity(e.leftCols(2), e.rightCols(2)), 0.0);
  // Same subspace in another basis: the metric sees subspaces, not bases.
  Matrix rotated(4, 2);
  rotated.col(0) = (e.col(0) + e.col(1)) / std::sqrt(2.0);
  rotated.col(1) = (e.col(0) - e.col(1)) / std::sqrt(2.0);
  EXPECT_NEAR(subspace_similarity(e.leftCols(2), rotated), 1.0, 1e-15);
  // One of two directions tilted by theta: (1 + cos^2 theta) / 2.
  const double theta = 0.3;
  Matrix tilted(4, 2);
  tilted.col(0) = e.col(0);
  tilted.col(1) = std::cos(theta) * e.col(1) + std::sin(theta) * e.col(2);
  EXPECT_NEAR(subspace_similarity(e.leftCols(2), tilted), (1 + std::pow(std::cos(theta), 2)) / 2, 1e-15);
}

TEST(Metrics, CosineSimilarityIsScaleFreeAndSigned) {
  const Vector a = (Vector(3) << 1, 2, 2).finished();
  EXPECT_NEAR(cosine_similarity(a, 5.0 * a), 1.0, 1e-15);
  EXPECT_NEAR(cosine_similarity(a, -a), -1.0, 1e-15);
  EXPECT_NEAR(cosine_similarity(a, (Vector(3) << 1, 0, 0).finished()), 1.0 / 3.0, 1e-15);
}

TEST(Metrics, BadInputIsRejected) {
  EXPECT_THROW(subspace_similarity(Matrix::Identity(3, 2), Matrix::Identity(4, 2)), std::invalid_argument);
  EXPECT_THROW(cosine_similarity(Vector::Zero(3), Vector::Ones(3)), std::invalid_argument);
  EXPECT_THROW(cosine_similarity(Vector::Ones(2), Vector::Ones(3)), std::invalid_argument);
}
