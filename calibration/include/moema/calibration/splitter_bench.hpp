// A simulated calibration bench, so the tools can be tried (and tested)
// without hardware: one transmitter sends the reference (reference.hpp)
// through a power splitter to K receive inputs whose chains have the given
// mismatch (delay, gain, phase, DC), plus receiver noise and the bench's
// carrier offset.
//
// Each receive channel is an rx::MultipleAccessChannel with one device and one
// antenna, so its access-point stage is exactly the model the estimator
// inverts:  y_k(t) = sqrt(g_k) e^{j phase_k} ( x(t - delay_k) + w_k(t) ) + dc_k,
// x(t) = e^{j 2 pi cfo t} s(t). One K-antenna channel would not do: it draws a
// random gain per antenna, while a splitter with matched cables feeds every
// input the same signal. A single-antenna channel's random gain has unit
// modulus (unit-norm fading on C^1), and the input is pre-rotated by its
// conjugate, so the splitter path is exactly 1. Channels run with separate
// seeds (independent noise), and each drops its own lookahead so that all
// line up with the transmit clock.
#pragma once

#include "moema/common/system_parameters.hpp"
#include "moema/calibration/reference.hpp"
#include "moema/channel/multiple_access_channel.hpp"

#include <cstdint>

namespace moema::calibration {

struct SplitterBench {
  int channels = 4;                // K
  ReferenceConfig reference;
  rx::ApImpairments receivers;     // per channel (empty vectors = none): what calibration must find
  double cfo = 0;                  // transmitter vs receivers carrier offset, cycles per sample
  // Per channel at the input port: the reference's mean power over its bursts
  // divided by the complex noise variance per sample.
  double snr_db = 30;
  int lead_samples = 256;          // silence before the reference (the capture starts first)
  int tail_samples = 256;          // silence after it, beyond the largest delay
  std::uint64_t seed = defaults::kSeed;
};

// K captures of lead + reference + ceil(largest delay) + tail samples each. Throws CalibrationError
// naming the field for a bad set-up (rx's own checks name the impairment).
Channels simulate_splitter_capture(const SplitterBench& bench);

}  // namespace moema::calibration
