// ArcFace target logit against hand-computed values (cos and sin of the
// paper's m = 0.5 written out), the theta + m > pi branch, and the clamp.
#include "moema/models/arcface.hpp"
#include "moema/models/embedder.hpp"

#include <gtest/gtest.h>

namespace moema::models {
namespace {

constexpr double kCosM = 0.8775825618903728;  // cos(0.5)
constexpr double kSinM = 0.479425538604203;   // sin(0.5)

TEST(ArcFace, TargetCosineAddsTheAngularMargin) {
  // cos(theta) = 0.8, sin(theta) = 0.6: cos(theta + m) = 0.8 cos m - 0.6 sin m.
  const torch::Tensor c = torch::tensor({0.8}, torch::kFloat64);
  EXPECT_NEAR(arcface_target_cosine(c, {}).item<double>(), 0.8 * kCosM - 0.6 * kSinM, 1e-9);
  // theta = pi/2: cos(pi/2 + m) = -sin m.
  EXPECT_NEAR(arcface_target_cosine(torch::tensor({0.0}, torch::kFloat64), {}).item<double>(), -kSinM, 1e-9);
}

TEST(ArcFace, PastPiMinusMarginTheLogitKeepsFalling) {
  // cos(theta) = -0.95: theta + m = 2.824 + 0.5 > pi, so cos(theta) - m sin m.
  const double got = arcface_target_cosine(torch::tensor({-0.95}, torch::kFloat64), {}).item<double>();
  EXPECT_NEAR(got, -0.95 - 0.5 * kSinM, 1e-9);
  // A worse angle never scores better: monotone in cos(theta) over [-1, 1].
  const torch::Tensor grid = torch::linspace(-1.0, 1.0, 2001, torch::kFloat64);
  const torch::Tensor psi = arcface_target_cosine(grid, {});
  EXPECT_TRUE((psi.slice(0, 1) - psi.slice(0, 0, -1)).ge(-1e-12).all().item<bool>());
}

TEST(ArcFace, LogitsScaleAllClassesAndMarginOnlyTheTarget) {
  const torch::Tensor cosine = torch::tensor({{0.8, 0.1, -0.3}, {0.2, 0.5, 0.0}}, torch::kFloat64);
  const torch::Tensor labels = torch::tensor({0, 1}, torch::kInt64);
  const torch::Tensor logits = arcface_logits(cosine, labels, {});
  EXPECT_NEAR(logits[0][0].item<double>(), 16 * (0.8 * kCosM - 0.6 * kSinM), 1e-9);
  EXPECT_NEAR(logits[0][1].item<double>(), 16 * 0.1, 1e-12);
  EXPECT_NEAR(logits[0][2].item<double>(), 16 * -0.3, 1e-12);
  EXPECT_NEAR(logits[1][1].item<double>(), 16 * (0.5 * kCosM - std::sqrt(0.75) * kSinM), 1e-9);
  EXPECT_NEAR(logits[1][0].item<double>(), 16 * 0.2, 1e-12);
}

TEST(ArcFace, GradientStaysFiniteAtCosineOne) {
  // With 3-D features cos(theta) = +-1 happens; sqrt(1 - c^2) has an infinite
  // derivative there unless c is clamped first.
  const torch::Tensor c = torch::tensor({1.0, -1.0}, torch::TensorOptions().dtype(torch::kFloat32).requires_grad(true));
  arcface_target_cosine(c, {}).sum().backward();
  EXPECT_TRUE(torch::isfinite(c.grad()).all().item<bool>());
}

TEST(ArcFace, HeadCosineIsBetweenUnitFeatureAndUnitClassDirection) {
  torch::manual_seed(3);
  ArcFaceHead head(3, 5);
  const torch::Tensor x = torch::nn::functional::normalize(torch::randn({4, 3}),
                                                           torch::nn::functional::NormalizeFuncOptions().dim(1));
  const torch::Tensor cosine = head->cosine(x);
  EXPECT_TRUE(cosine.abs().le(1.0 + 1e-6).all().item<bool>());
  const torch::Tensor w = head->class_directions();
  EXPECT_NEAR(cosine[2][4].item<double>(), torch::dot(x[2], w[4]).item<double>(), 1e-6);
  EXPECT_NEAR(w[1].norm().item<double>(), 1.0, 1e-6);
}

TEST(ArcFace, MarginWarmUpRisesLinearlyToTheFullMargin) {
  EXPECT_DOUBLE_EQ(warmed_up_margin(0.5, 0, 4), 0.0);    // NormFace in the first epoch
  EXPECT_DOUBLE_EQ(warmed_up_margin(0.5, 1, 4), 0.125);
  EXPECT_DOUBLE_EQ(warmed_up_margin(0.5, 3, 4), 0.375);
  EXPECT_DOUBLE_EQ(warmed_up_margin(0.5, 4, 4), 0.5);
  EXPECT_DOUBLE_EQ(warmed_up_margin(0.5, 29, 4), 0.5);
  EXPECT_DOUBLE_EQ(warmed_up_margin(0.5, 0, 0), 0.5);    // no warm-up
}

}  // namespace
}  // namespace moema::models
