// Simulated CSI-free multiple-access channel: per-slot complex SIMO block fading
// from N single-antenna devices to a K-antenna access point, plus AWGN.
#pragma once

#include "moema/common/system_parameters.hpp"
#include "moema/common/linalg.hpp"

#include <complex>
#include <cstdint>
#include <limits>
#include <vector>

namespace moema::rx {

enum class Fading {
  UnitNorm,  // h_n uniformly random on the unit sphere of C^K (the paper's model)
  Rayleigh,  // h_n ~ CN(0, g_n I_K): independent Rayleigh fading with path gain g_n
};

struct ChannelConfig {
  int antennas = defaults::kAntennas;                   // K
  Fading fading = Fading::UnitNorm;
  std::vector<double> path_gain_db;    // per device, Rayleigh only; empty means 0 dB for all
  double snr_db = std::numeric_limits<double>::infinity();  // per-antenna SNR; inf = no noise
};

// Per-antenna SNR definition used throughout the testbed: the mean received
// signal power per antenna and per real PAM symbol, averaged over fading and
// over unit-norm codewords (each of the M symbols carries 1/M), divided by the
// complex noise variance sigma^2 per antenna and symbol:
//   SNR = sum_n E|h_nk|^2 / (M sigma^2),
// with E|h_nk|^2 = 1/K for unit-norm fading and g_n for Rayleigh fading.
class SimoChannel {
 public:
  SimoChannel(const ChannelConfig& config, int devices, int codeword_length, std::uint64_t seed);

  // One slot: Y = sum_n h_n w_n^T + noise (K x M); fresh h_n every call.
  ComplexMatrix transmit(const std::vector<Vector>& codewords);

  // The channel vectors of the last slot (for tests and oracle studies only;
  // the receiver never sees them).
  const std::vector<ComplexVector>& last_gains() const { return gains_; }
  double noise_variance() const { return noise_variance_; }  // complex, per antenna and symbol

 private:
  ComplexVector draw_gain(int device);

  ChannelConfig config_;
  int codeword_length_;
  std::vector<double> linear_gain_;
  double noise_variance_ = 0.0;
  std::vector<ComplexVector> gains_;
  std::mt19937_64 rng_;
};

// [Re Y; Im Y]: a real 2K x M matrix with the same row space as Y when the
// codewords are real, which is what the subspace receiver works on.
Matrix stack_real(const ComplexMatrix& y);

}  // namespace moema::rx
