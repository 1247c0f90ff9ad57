#include "moema/models/jscc/colour.hpp"

#include <array>
#include <cmath>
#include <stdexcept>

namespace moema::models::jscc {

namespace {

using Matrix3 = std::array<std::array<double, 3>, 3>;

// The orthonormal opponent basis (rows) and each row's typical standard deviation.
const Matrix3& opponent_basis() {
  static const double r3 = 1 / std::sqrt(3.0), r2 = 1 / std::sqrt(2.0), r6 = 1 / std::sqrt(6.0);
  static const Matrix3 basis{{{r3, r3, r3}, {r2, 0.0, -r2}, {r6, -2 * r6, r6}}};
  return basis;
}
constexpr std::array<double, 3> kTypicalSpread{0.4, 0.12, 0.055};

// y_i = sum_j m[i][j] x_j over the channel axis. Written out rather than as a
// matrix product: BLAS kernels may round differently with memory alignment,
// and a resumed training run must repeat an uninterrupted one bit for bit.
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
  Matrix3 whitening = opponent_basis();
  for (int i = 0; i < 3; ++i)
    for (auto& value : whitening[i]) value /= kTypicalSpread[i];
  return mix_channels(whitening, images - 0.5);
}

torch::Tensor decoder_output(const torch::Tensor& last_layer, ColourSpace space) {
  check_channels(last_layer, "decoder_output");
  if (space == ColourSpace::rgb) return torch::sigmoid(last_layer);
  // The basis is orthonormal: the whitening's inverse is its transpose with
  // each column scaled by the spread. Times 4, the sigmoid's inverse slope at 0.
  Matrix3 to_logits{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) to_logits[j][i] = 4 * opponent_basis()[i][j] * kTypicalSpread[i];
  return torch::sigmoid(mix_channels(to_logits, last_layer));
}

}  // namespace moema::models::jscc
