// PSNR, SSIM and MS-SSIM against closed forms and a direct (loop) evaluation
// of the published definitions.
#include "moema/jscc/image_metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace jscc = moema::jscc;

namespace {

constexpr double kC1 = 0.0001;  // (0.01 * 1)^2
constexpr double kC2 = 0.0009;  // (0.03 * 1)^2

// A structured colour image [1, 3, H, W] in about [0.1, 0.9]: gradients,
// stripes and a little texture, different per channel.
torch::Tensor pattern_image(int64_t height, int64_t width, uint64_t seed = 1) {
  torch::manual_seed(seed);
  const auto y = torch::arange(height, torch::kFloat64).view({height, 1});
  const auto x = torch::arange(width, torch::kFloat64).view({1, width});
  std::vector<torch::Tensor> channels;
  for (int c = 0; c < 3; ++c) {
    auto plane = 0.5 + 0.2 * torch::sin(x / (5.0 + 3 * c)) * torch::cos(y / (7.0 - c)) +
                 0.1 * (x / width - y / height) + 0.05 * torch::rand({height, width}, torch::kFloat64);
    channels.push_back(plane);
  }
  return torch::stack(channels).unsqueeze(0).to(torch::kFloat32);
}

torch::Tensor with_noise(const torch::Tensor& image, double sigma, uint64_t seed) {
  torch::manual_seed(seed);
  return image + sigma * torch::randn(image.sizes(), image.options());
}

float value(const torch::Tensor& metric) {
  EXPECT_EQ(metric.dim(), 1);
  EXPECT_EQ(metric.scalar_type(), torch::kFloat32);
  return metric[0].item<float>();
}

std::string invalid_argument_message(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// --- A direct evaluation of the definitions, one window at a time. --------

struct Plane {
  int64_t h, w;
  std::vector<double> v;
  double at(int64_t i, int64_t j) const { return v[i * w + j]; }
};

Plane plane_of(const torch::Tensor& image, int64_t channel) {  // image [1, 3, H, W]
  const auto p = image[0][channel].to(torch::kFloat64).contiguous();
  const double* data = p.data_ptr<double>();
  return {p.size(0), p.size(1), std::vector<double>(data, data + p.numel())};
}

// Mean SSIM and mean contrast-structure over every valid 11x11 window position.
std::pair<double, double> direct_ssim_cs(const Plane& x, const Plane& y) {
  double weights[11][11], total = 0;
  for (int i = 0; i < 11; ++i)
    for (int j = 0; j < 11; ++j)
      total += weights[i][j] = std::exp(-((i - 5) * (i - 5) + (j - 5) * (j - 5)) / (2 * 1.5 * 1.5));
  double ssim_sum = 0, cs_sum = 0;
  for (int64_t r = 0; r + 11 <= x.h; ++r)
    for (int64_t c = 0; c + 11 <= x.w; ++c) {
      double mx = 0, my = 0;
      for (int i = 0; i < 11; ++i)
        for (int j = 0; j < 11; ++j) {
          mx += weights[i][j] / total * x.at(r + i, c + j);
          my += weights[i][j] / total * y.at(r + i, c + j);
        }
      double vx = 0, vy = 0, cov = 0;
      for (int i = 0; i < 11; ++i)
        for (int j = 0; j < 11; ++j) {
          const double dx = x.at(r + i, c + j) - mx, dy = y.at(r + i, c + j) - my;
          vx += weights[i][j] / total * dx * dx;
          vy += weights[i][j] / total * dy * dy;
          cov += weights[i][j] / total * dx * dy;
        }
      const double cs = (2 * cov + kC2) / (vx + vy + kC2);
      ssim_sum += (2 * mx * my + kC1) / (mx * mx + my * my + kC1) * cs;
      cs_sum += cs;
    }
  const double n = static_cast<double>((x.h - 10) * (x.w - 10));
  return {ssim_sum / n, cs_sum / n};
}

// 2x2 block means; an odd last row/column forms blocks of its own.
Plane halve(const Plane& p) {
  Plane out{(p.h + 1) / 2, (p.w + 1) / 2, {}};
  for (int64_t i = 0; i < out.h; ++i)
    for (int64_t j = 0; j < out.w; ++j) {
      double sum = 0;
      int count = 0;
      for (int64_t a = 2 * i; a < std::min(2 * i + 2, p.h); ++a)
        for (int64_t b = 2 * j; b < std::min(2 * j + 2, p.w); ++b, ++count) sum += p.at(a, b);
      out.v.push_back(sum / count);
    }
  return out;
}

double direct_ssim(const torch::Tensor& a, const torch::Tensor& b) {
  double sum = 0;
  for (int64_t c = 0; c < 3; ++c) sum += direct_ssim_cs(plane_of(a, c), plane_of(b, c)).first;
  return sum / 3;
}

double direct_ms_ssim(const torch::Tensor& a, const torch::Tensor& b) {
  const std::array<double, 5> weights = {0.0448, 0.2856, 0.3001, 0.2363, 0.1333};
  double sum = 0;
  for (int64_t c = 0; c < 3; ++c) {
    Plane x = plane_of(a, c), y = plane_of(b, c);
    double product = 1;
    for (int level = 0; level < 5; ++level) {
      const auto [s, cs] = direct_ssim_cs(x, y);
      product *= std::pow(level < 4 ? cs : s, weights[level]);
      x = halve(x);
      y = halve(y);
    }
    sum += product;
  }
  return sum / 3;
}

}  // namespace

// --- PSNR --------------------------------------------------------------------

TEST(Psnr, ConstantOffsetMatchesClosedForm) {
  torch::manual_seed(5);
  const auto x = 0.2 + 0.5 * torch::rand({2, 3, 20, 30}, torch::kFloat64);  // no clipping
  for (double delta : {0.05, 0.013, -0.2}) {
    const auto result = jscc::psnr(x, x + delta);
    ASSERT_EQ(result.sizes(), (std::vector<int64_t>{2}));
    const double expected = 10 * std::log10(1 / (delta * delta));
    EXPECT_NEAR(result[0].item<float>(), expected, 1e-4) << delta;
    EXPECT_NEAR(result[1].item<float>(), expected, 1e-4) << delta;
  }
}

TEST(Psnr, IdenticalImagesGiveInfinity) {
  const auto x = pattern_image(16, 16);
  const float result = value(jscc::psnr(x, x.clone()));
  EXPECT_TRUE(std::isinf(result) && result > 0) << result;
}

TEST(Psnr, GaussianNoiseOfVarianceVGivesAbout10Log10OneOverV) {
  torch::manual_seed(7);
  const auto x = 0.3 + 0.4 * torch::rand({1, 3, 256, 256});
  for (double variance : {1e-2, 1e-3, 1e-4}) {
    const auto noisy = with_noise(x, std::sqrt(variance), 11);
    EXPECT_NEAR(value(jscc::psnr(x, noisy)), 10 * std::log10(1 / variance), 0.05) << variance;
  }
}

TEST(Psnr, ShapeMismatchNamesBothShapes) {
  const auto message = invalid_argument_message(
      [] { jscc::psnr(torch::zeros({1, 3, 16, 16}), torch::zeros({1, 3, 16, 17})); });
  EXPECT_TRUE(contains(message, "[1, 3, 16, 16]")) << message;
  EXPECT_TRUE(contains(message, "[1, 3, 16, 17]")) << message;
}

TEST(Psnr, BatchedEqualsSingle) {
  const auto a = torch::cat({pattern_image(24, 32, 1), pattern_image(24, 32, 2)});
  const auto b = torch::cat({with_noise(a[0], 0.05, 3).unsqueeze(0), with_noise(a[1], 0.2, 4).unsqueeze(0)});
  const auto batched = jscc::psnr(a, b);
  for (int64_t i = 0; i < 2; ++i)
    EXPECT_NEAR(batched[i].item<float>(), value(jscc::psnr(a[i], b[i])), 1e-5);  // [3, H, W] too
}

// --- SSIM --------------------------------------------------------------------

TEST(Ssim, ConstantImagesMatchClosedForm) {
  for (auto [a, b] : {std::pair{0.3, 0.6}, std::pair{0.05, 0.9}, std::pair{0.5, 0.5}}) {
    const auto x = torch::full({1, 3, 24, 20}, a);
    const auto y = torch::full({1, 3, 24, 20}, b);
    // sigma = 0 for constant images, so the contrast-structure term is 1.
    const double expected = (2 * a * b + kC1) / (a * a + b * b + kC1);
    EXPECT_NEAR(value(jscc::ssim(x, y)), expected, 1e-6) << a << " " << b;
  }
}

TEST(Ssim, MatchesDirectWindowEvaluation) {
  const auto x = pattern_image(17, 23, 1);
  const auto y = with_noise(x, 0.08, 2);
  EXPECT_NEAR(value(jscc::ssim(x, y)), direct_ssim(x, y), 1e-5);
}

TEST(Ssim, IdenticalIsOneAndSymmetric) {
  const auto x = pattern_image(32, 40, 1);
  const auto y = with_noise(x, 0.1, 2);
  EXPECT_NEAR(value(jscc::ssim(x, x)), 1.0, 1e-6);
  const float xy = value(jscc::ssim(x, y));
  EXPECT_LT(xy, 0.99f);
  EXPECT_NEAR(xy, value(jscc::ssim(y, x)), 1e-6);
}

TEST(Ssim, BatchedEqualsSingle) {
  const auto a = torch::cat({pattern_image(30, 26, 1), pattern_image(30, 26, 2), pattern_image(30, 26, 3)});
  const auto b = with_noise(a, 0.07, 4);
  const auto batched = jscc::ssim(a, b);
  ASSERT_EQ(batched.sizes(), (std::vector<int64_t>{3}));
  for (int64_t i = 0; i < 3; ++i)
    EXPECT_NEAR(batched[i].item<float>(), value(jscc::ssim(a.narrow(0, i, 1), b.narrow(0, i, 1))), 1e-6);
}

TEST(Ssim, RejectsMismatchAndTooSmallImages) {
  const auto message = invalid_argument_message(
      [] { jscc::ssim(torch::zeros({2, 3, 16, 16}), torch::zeros({1, 3, 16, 16})); });
  EXPECT_TRUE(contains(message, "[2, 3, 16, 16]") && contains(message, "[1, 3, 16, 16]")) << message;
  EXPECT_THROW(jscc::ssim(torch::zeros({1, 3, 10, 32}), torch::zeros({1, 3, 10, 32})),
               std::invalid_argument);
  EXPECT_THROW(jscc::ssim(torch::zeros({1, 1, 16, 16}), torch::zeros({1, 1, 16, 16})),
               std::invalid_argument);
}

// --- MS-SSIM -----------------------------------------------------------------

TEST(MsSsim, ConstantImagesMatchClosedForm) {
  const double a = 0.25, b = 0.7;
  const auto x = torch::full({1, 3, 176, 192}, a);
  const auto y = torch::full({1, 3, 176, 192}, b);
  // cs = 1 at every scale; luminance enters at the coarsest with weight 0.1333.
  const double expected = std::pow((2 * a * b + kC1) / (a * a + b * b + kC1), 0.1333);
  EXPECT_NEAR(value(jscc::ms_ssim(x, y)), expected, 1e-6);
}

TEST(MsSsim, MatchesDirectEvaluationOnOddSizes) {
  const auto x = pattern_image(161, 170, 1);
  const auto y = with_noise(x, 0.05, 2);
  EXPECT_NEAR(value(jscc::ms_ssim(x, y)), direct_ms_ssim(x, y), 1e-5);
}

TEST(MsSsim, IdenticalIsOneAndSymmetric) {
  const auto x = pattern_image(192, 176, 1);
  const auto y = with_noise(x, 0.1, 2);
  EXPECT_NEAR(value(jscc::ms_ssim(x, x)), 1.0, 1e-6);
  const float xy = value(jscc::ms_ssim(x, y));
  EXPECT_LT(xy, 0.99f);
  EXPECT_NEAR(xy, value(jscc::ms_ssim(y, x)), 1e-6);
}

TEST(MsSsim, StrictlyDecreasesAsNoiseGrows) {
  const auto x = pattern_image(176, 176, 1);
  float previous = value(jscc::ms_ssim(x, x));
  for (double sigma : {0.005, 0.02, 0.05, 0.1, 0.2, 0.4}) {
    const float current = value(jscc::ms_ssim(x, with_noise(x, sigma, 9)));
    EXPECT_LT(current, previous) << "sigma " << sigma;
    previous = current;
  }
}

TEST(MsSsim, NeedsMoreThan160Pixels) {
  const auto small = torch::zeros({1, 3, 64, 64});
  const auto message = invalid_argument_message([&] { jscc::ms_ssim(small, small); });
  EXPECT_TRUE(contains(message, "64x64") && contains(message, "160")) << message;
  const auto edge = torch::full({1, 3, 160, 300}, 0.5);
  EXPECT_THROW(jscc::ms_ssim(edge, edge), std::invalid_argument);
  const auto enough = torch::full({1, 3, 161, 161}, 0.5);
  EXPECT_NEAR(value(jscc::ms_ssim(enough, enough)), 1.0, 1e-6);
}

TEST(MsSsim, BatchedEqualsSingle) {
  const auto a = torch::cat({pattern_image(176, 180, 1), pattern_image(176, 180, 2)});
  const auto b = torch::cat({with_noise(a[0], 0.03, 3).unsqueeze(0), with_noise(a[1], 0.15, 4).unsqueeze(0)});
  const auto batched = jscc::ms_ssim(a, b);
  ASSERT_EQ(batched.sizes(), (std::vector<int64_t>{2}));
  for (int64_t i = 0; i < 2; ++i)
    EXPECT_NEAR(batched[i].item<float>(), value(jscc::ms_ssim(a[i], b[i])), 1e-6);
}

TEST(ImageMetrics, CudaMatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto a = pattern_image(176, 176, 1);
  const auto b = with_noise(a, 0.05, 2);
  const auto ga = a.to(torch::kCUDA), gb = b.to(torch::kCUDA);
  EXPECT_TRUE(jscc::psnr(ga, gb).is_cuda());
  EXPECT_NEAR(jscc::psnr(ga, gb).cpu()[0].item<float>(), value(jscc::psnr(a, b)), 1e-4);
  EXPECT_NEAR(jscc::ssim(ga, gb).cpu()[0].item<float>(), value(jscc::ssim(a, b)), 1e-6);
  EXPECT_NEAR(jscc::ms_ssim(ga, gb).cpu()[0].item<float>(), value(jscc::ms_ssim(a, b)), 1e-6);
}
