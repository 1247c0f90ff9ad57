// Links the installed moema_rx: a codeword decoder on a noiseless slot of one
// device must give back its codeword (up to the canonical sign).
#include "moema/air/precoder.hpp"
#include "moema/common/version.hpp"
#include "moema/rx/codeword_decoder.hpp"

#include <cmath>
#include <iostream>

int main() {
  moema::rx::Matrix basis = moema::rx::Matrix::Identity(6, 2);
  moema::rx::CodewordDecoder decoder({basis}, moema::rx::Decoder::Projection);
  moema::rx::Vector w(6);
  w << 0.8, 0.6, 0, 0, 0, 0;
  moema::rx::Matrix slot = moema::rx::Matrix::Zero(2, 6);
  slot.row(0) = 2.0 * w.transpose();  // a real-stacked 1-antenna slot, gain 2
  const moema::rx::Vector estimate = decoder.decode(slot).at(0);
  const double error = (estimate - w).norm();
  std::cout << "moema " << moema::kVersion << " error " << error << "\n";
  return error < 1e-9 ? 0 : 1;
}
