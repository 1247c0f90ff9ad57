// Full-reference image quality: PSNR, SSIM and MS-SSIM.
//
// Images are floating tensors [B, 3, H, W] (or a single [3, H, W]) with values
// in [0, 1] (data range 1), on any device. The metrics are computed in float64
// and returned as float32 [B], one value per image.
#pragma once

#include <torch/torch.h>

namespace moema::jscc {

// 10 log10(1 / MSE) in dB, the MSE taken over C, H and W; +inf for identical
// images. Mismatched shapes throw std::invalid_argument naming both.
torch::Tensor psnr(const torch::Tensor& reference, const torch::Tensor& test);

// SSIM (Wang et al. 2004): 11x11 Gaussian window (sigma 1.5), K1 = 0.01,
// K2 = 0.03, per channel over the 'valid' region (no padding), averaged over
// the map and the channels. Needs H, W >= 11.
torch::Tensor ssim(const torch::Tensor& reference, const torch::Tensor& test);

// MS-SSIM (Wang, Simoncelli, Bovik 2003): 5 scales with weights
// {0.0448, 0.2856, 0.3001, 0.2363, 0.1333}, contrast-structure at every scale,
// luminance at the coarsest only, 2x2 average pooling between scales.
// Needs min(H, W) > 160 so that the 11-pixel window fits the fifth scale.
torch::Tensor ms_ssim(const torch::Tensor& reference, const torch::Tensor& test);

// One image pair scored as the programs report it: PSNR, and MS-SSIM or NaN
// when the image is too small for MS-SSIM's five scales (min(H, W) <= 160).
struct ImageScore {
  double psnr;
  double ms_ssim;
};
ImageScore score_image(const torch::Tensor& reference, const torch::Tensor& test);

}  // namespace moema::jscc
