// The codecs' colour coordinates.
//
// RGB channels of natural images are strongly correlated (0.7-0.9 on BSDS500
// and Kodak), so colour differences are small directions of the input and of
// the output layer. Trained briefly in RGB, some runs never learn them and
// decode every image grey with a green tint. The "opponent" map feeds the
// encoder whitened opponent coordinates and has the decoder's last layer
// predict the same coordinates, so luminance and both colour differences start
// with the same scale.
//
// Opponent basis (orthonormal, close to the principal axes of natural-image
// colour): luminance (1,1,1)/sqrt3, red-blue (1,0,-1)/sqrt2, green-magenta
// (1,-2,1)/sqrt6. Each is divided by its typical standard deviation: 0.4,
// 0.12 and 0.055 (BSDS500 train measures 0.39, 0.13, 0.057; Kodak 0.36, 0.11,
// 0.054 along its own principal axes).
#pragma once

#include <torch/torch.h>

#include <string>

namespace moema::jscc {

enum class ColourSpace { rgb, opponent };

ColourSpace parse_colour_space(const std::string& name);  // errors name the value
std::string to_string(ColourSpace space);

// images [B,3,H,W] in [0,1] -> the encoder's input: the images themselves
// (rgb) or their whitened opponent coordinates, centred on mid-grey.
torch::Tensor encoder_input(const torch::Tensor& images, ColourSpace space);

// The decoder's last layer [B,3,H,W] -> images in (0,1) through a sigmoid.
// For opponent, the layer predicts whitened opponent coordinates; mapped back
// to RGB they are scaled by 4, the inverse of the sigmoid's slope at 0, so a
// prediction equal to encoder_input() reproduces mid-range pixels.
torch::Tensor decoder_output(const torch::Tensor& last_layer, ColourSpace space);

}  // namespace moema::jscc
