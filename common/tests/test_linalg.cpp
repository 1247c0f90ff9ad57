#include "moema/common/linalg.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace moema::rx;

TEST(Linalg, RandomOrthonormalHasOrthonormalColumns) {
  std::mt19937_64 rng(3);
  const Matrix q = random_orthonormal(10, 4, rng);
  EXPECT_TRUE((q.transpose() * q).isApprox(Matrix::Identity(4, 4), 1e-12));
}

TEST(Linalg, EigenDescendingOrdersByValue) {
  Matrix m = Vector((Vector(3) << 2.0, 7.0, -1.0).finished()).asDiagonal();
  const SymmetricEigen e = eigen_descending(m);
  EXPECT_NEAR(e.values(0), 7.0, 1e-12);
  EXPECT_NEAR(e.values(2), -1.0, 1e-12);
  EXPECT_NEAR(std::abs(e.vectors(1, 0)), 1.0, 1e-12);  // the 7 sits on axis 1
}

TEST(Linalg, OrthogonalComplementWithinIsInsideAndOrthogonal) {
  std::mt19937_64 rng(5);
  const Matrix space = random_orthonormal(8, 5, rng);
  const Matrix removed = space * random_orthonormal(5, 2, rng);
  const Matrix rest = orthogonal_complement_within(space, removed);
  ASSERT_EQ(rest.cols(), 3);
  EXPECT_TRUE((rest.transpose() * rest).isApprox(Matrix::Identity(3, 3), 1e-10));
  EXPECT_LT((removed.transpose() * rest).norm(), 1e-10);
  EXPECT_NEAR((space.transpose() * rest).squaredNorm(), 3.0, 1e-10);  // inside span(space)
}

TEST(Linalg, RequireFiniteNamesTheInput) {
  Matrix m = Matrix::Zero(2, 2);
  m(1, 0) = std::numeric_limits<double>::quiet_NaN();
  try {
    require_finite(m, "slot 4");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), testing::HasSubstr("slot 4"));
    EXPECT_THAT(e.what(), testing::HasSubstr("NaN"));
  }
}
