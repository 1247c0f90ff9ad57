#include "moema/jscc/image_metrics.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace moema::jscc {
namespace {

constexpr int64_t kWindow = 11;
constexpr double kSigma = 1.5;
constexpr double kC1 = 0.01 * 0.01;  // (K1 L)^2 with data range L = 1
constexpr double kC2 = 0.03 * 0.03;  // (K2 L)^2
constexpr std::array<double, 5> kMsSsimWeights{0.0448, 0.2856, 0.3001, 0.2363, 0.1333};
// The fifth scale is 1/16 of the input and must still hold the window.
constexpr int64_t kMsSsimMinSide = (kWindow - 1) * 16;  // min(H, W) must exceed this

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

// Both images as float64 [B, 3, H, W]; a single [3, H, W] image becomes B = 1.
std::pair<torch::Tensor, torch::Tensor> checked_pair(const char* what, const torch::Tensor& reference,
                                                     const torch::Tensor& test) {
  const std::string shapes = " (reference " + shape_of(reference) + ", test " + shape_of(test) + ")";
  if (reference.sizes() != test.sizes())
    throw std::invalid_argument(std::string(what) + ": shapes differ" + shapes);
  const bool single = reference.dim() == 3;
  if ((!single && reference.dim() != 4) || reference.size(-3) != 3)
    throw std::invalid_argument(std::string(what) + ": expected images [B, 3, H, W] or [3, H, W]" +
                                shapes);
  auto x = reference.detach().to(torch::kFloat64);
  auto y = test.detach().to(torch::kFloat64);
  if (single) return {x.unsqueeze(0), y.unsqueeze(0)};
  return {x, y};
}

// The normalised 1-D Gaussian, shaped [3, 1, 1, 11] for a depthwise convolution.
torch::Tensor gaussian_row(const torch::Tensor& like) {
  const auto r = torch::arange(kWindow, like.options()) - static_cast<double>(kWindow / 2);
  auto g = torch::exp(-(r * r) / (2.0 * kSigma * kSigma));
  g = g / g.sum();
  return g.view({1, 1, 1, kWindow}).repeat({3, 1, 1, 1});
}

// Gaussian-weighted local mean per channel over the 'valid' region. The 2-D
// window is the outer product of the 1-D one, so two 1-D passes suffice.
torch::Tensor local_mean(const torch::Tensor& x, const torch::Tensor& row) {
  namespace F = torch::nn::functional;
  const auto across = F::conv2d(x, row, F::Conv2dFuncOptions().groups(3));
  return F::conv2d(across, row.transpose(2, 3), F::Conv2dFuncOptions().groups(3));
}

// Mean SSIM and mean contrast-structure term per image and channel, [B, 3] each.
std::pair<torch::Tensor, torch::Tensor> ssim_and_cs(const torch::Tensor& x, const torch::Tensor& y) {
  const auto row = gaussian_row(x);
  const auto mu_x = local_mean(x, row);
  const auto mu_y = local_mean(y, row);
  const auto var_x = local_mean(x * x, row) - mu_x * mu_x;
  const auto var_y = local_mean(y * y, row) - mu_y * mu_y;
  const auto cov = local_mean(x * y, row) - mu_x * mu_y;
  const auto cs_map = (2.0 * cov + kC2) / (var_x + var_y + kC2);
  const auto luminance = (2.0 * mu_x * mu_y + kC1) / (mu_x * mu_x + mu_y * mu_y + kC1);
  return {(luminance * cs_map).mean({2, 3}), cs_map.mean({2, 3})};
}

void require_side(const char* what, const torch::Tensor& x, int64_t min_side, bool strictly) {
  const int64_t side = std::min(x.size(2), x.size(3));
  if (strictly ? side > min_side : side >= min_side) return;
  std::ostringstream out;
  out << what << ": image size " << x.size(2) << "x" << x.size(3) << " is too small; min(H, W) must be "
      << (strictly ? "greater than " : "at least ") << min_side;
  throw std::invalid_argument(out.str());
}

// 2x2 average pooling; an odd last row or column is averaged on its own
// (ceil mode) so that min(H, W) > 160 is enough for five scales.
torch::Tensor halve(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  return F::avg_pool2d(x, F::AvgPool2dFuncOptions(2).stride(2).ceil_mode(true));
}

}  // namespace

torch::Tensor psnr(const torch::Tensor& reference, const torch::Tensor& test) {
  const auto [x, y] = checked_pair("psnr", reference, test);
  const auto mse = (x - y).pow(2).mean({1, 2, 3});
  return (-10.0 * torch::log10(mse)).to(torch::kFloat32);  // mse = 0 gives +inf
}

torch::Tensor ssim(const torch::Tensor& reference, const torch::Tensor& test) {
  const auto [x, y] = checked_pair("ssim", reference, test);
  require_side("ssim", x, kWindow, false);
  return ssim_and_cs(x, y).first.mean(1).to(torch::kFloat32);
}

torch::Tensor ms_ssim(const torch::Tensor& reference, const torch::Tensor& test) {
  auto [x, y] = checked_pair("ms_ssim", reference, test);
  require_side("ms_ssim", x, kMsSsimMinSide, true);
  const auto levels = static_cast<int64_t>(kMsSsimWeights.size());
  auto product = torch::ones({x.size(0), 3}, x.options());
  for (int64_t level = 0; level < levels; ++level) {
    const auto [full, cs] = ssim_and_cs(x, y);
    // Luminance enters at the coarsest scale only. Negative cs/SSIM values
    // (anti-correlated content) are clamped to 0 before the fractional power,
    // the usual stabilisation (as in pytorch_msssim); otherwise pow gives NaN.
    const auto term = level + 1 < levels ? cs : full;
    product = product * term.clamp_min(0.0).pow(kMsSsimWeights[level]);
    if (level + 1 < levels) {
      x = halve(x);
      y = halve(y);
    }
  }
  // Combined per channel, then averaged over the channels.
  return product.mean(1).to(torch::kFloat32);
}

ImageScore score_image(const torch::Tensor& reference, const torch::Tensor& test) {
  const double quality = psnr(reference, test).item<double>();  // checks the shapes
  const auto x = reference.dim() == 3 ? reference.unsqueeze(0) : reference;
  const bool fits = std::min(x.size(2), x.size(3)) > kMsSsimMinSide;
  return {quality, fits ? ms_ssim(reference, test).item<double>() : std::nan("")};
}

}  // namespace moema::jscc
