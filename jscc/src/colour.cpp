#include "moema/jscc/colour.hpp"

#include <array>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace moema::jscc {

namespace {

using Matrix3 = std::array<std::array<double, 3>, 3>;

// The orthonormal opponent basis (rows) and each row's typical spread.
const double kR3 = 1 / std::sqrt(3.0), kR2 = 1 / std::sqrt(2.0), kR6 = 1 / std::sqrt(6.0);
const Matrix3 kBasis{{{kR3, kR3, kR3}, {kR2, 0.0, -kR2}, {kR6, -2 * kR6, kR6}}};
constexpr std::array<double, 3> kTypicalSpread{0.4, 0.12, 0.055};

// RGB - 0.5 -> whitened opponent coordinates: each basis row over its spread.
Matrix3 make_whitening() {
  Matrix3 m{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) m[i][j] = kBasis[i][j] / kTypicalSpread[i];
  return m;
}

// Whitened coordinates -> RGB logits: the whitening's inverse (the basis is
// orthonormal: its transpose, columns times the spread), times 4, the
// sigmoid's inverse slope at 0.
Matrix3 make_to_logits() {
  Matrix3 m{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) m[j][i] = 4 * kBasis[i][j] * kTypicalSpread[i];
  return m;
}

const Matrix3 kWhitening = make_whitening();
const Matrix3 kToLogits = make_to_logits();

// y_i = sum_j m[i][j] x_j over the channel axis [B,3,H,W].
torch::Tensor mix_channels(const Matrix3& m, const torch::Tensor& x) {
  const auto channels = x.unbind(1);
  std::vector<torch::Tensor> out;
  for (const auto& row : m) out.push_back(row[0] * channels[0] + row[1] * channels[1] + row[2] * channels[2]);
  return torch::stack(out, 1);
}

void check_channels(const torch::Tensor& x, const char* what) {
  if (x.dim() != 4 || x.size(1) != 3)
    throw std::invalid_argument(std::string(what) + ": expected [batch, 3, height, width]");
}

}  // namespace

ColourSpace parse_colour_space(const std::string& name) {
  if (name == "rgb") return ColourSpace::rgb;
  if (name == "opponent") return ColourSpace::opponent;
  throw std::invalid_argument("colour space must be rgb or opponent, got '" + name + "'");
}

std::string to_string(ColourSpace space) { return space == ColourSpace::rgb ? "rgb" : "opponent"; }

torch::Tensor encoder_input(const torch::Tensor& images, ColourSpace space) {
  check_channels(images, "encoder_input");
  if (space == ColourSpace::rgb) return images;
  return mix_channels(kWhitening, images - 0.5);
}

torch::Tensor decoder_output(const torch::Tensor& last_layer, ColourSpace space) {
  check_channels(last_layer, "decoder_output");
  if (space == ColourSpace::rgb) return torch::sigmoid(last_layer);
  return torch::sigmoid(mix_channels(kToLogits, last_layer));
}

}  // namespace moema::jscc
