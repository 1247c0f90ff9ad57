// Image files for the SwinJSCC codec: PNG/JPEG in, 8-bit RGB PNG out, and
// the Kodak test set that ships with the repository.
#pragma once

#include "moema/common/paths.hpp"

#include <torch/torch.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace moema::jscc {

// Every file problem (missing, unreadable, not an image, truncated, corrupt,
// unwritable); the message names the file and the problem.
struct ImageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads a PNG (8- or 16-bit; gray, gray+alpha, RGB, RGBA or palette) or a JPEG
// (baseline or progressive, gray or colour), chosen by the file's signature
// bytes, not its name. Everything becomes RGB (alpha dropped, gray copied to
// the three channels). Returns float32 [3, H, W] in [0, 1]: an 8-bit value v
// becomes v/255, a 16-bit value v becomes v/65535 (full precision kept).
torch::Tensor load_image(const std::string& path);

// Writes an image tensor [3, H, W] or [1, 3, H, W] (floating point, [0, 1]) as
// an 8-bit RGB PNG: values are clamped and rounded to round(255 x) (NaN as 0).
// Creates the parent directories.
void save_png(const torch::Tensor& image, const std::string& path);

// The 8-bit quantisation that save_png applies, without writing:
// round(255 clamp(x, 0, 1)) / 255, same shape, dtype and device as the input.
torch::Tensor quantize_8bit(const torch::Tensor& image);

// The image files (.png, .jpg, .jpeg, any case) directly inside a folder, as
// full paths sorted by file name. Throws if the folder is missing, is not a
// directory or holds no images.
std::vector<std::string> list_images(const std::string& folder);


}  // namespace moema::jscc
