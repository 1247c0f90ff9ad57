// Estimates the K receive chains' mismatch from a capture of the calibration
// reference (reference.hpp) that reached every input through a splitter.
//
// Model, for receive channel k (t = sample index, x = the transmitted reference
// with the bench's carrier offset applied, x(t) = e^{j 2 pi cfo t} s(t)):
//   y_k(t) = a_k x(t - tau_k) + dc_k + noise,
// i.e. the receive chains differ by a complex amplitude a_k, a delay tau_k of
// the whole downconverted signal and a DC offset. This is the access-point
// stage of rx::MultipleAccessChannel (multiple_access_channel.hpp).
//
// Method, per channel unless said otherwise:
//  1. coarse timing: correlation with one zero-mean burst (FFT), summed
//     non-coherently over the repetitions and normalised to [0, 1]; the
//     channels' summed metric picks the reference, then each channel takes its
//     own peak within max_channel_delay of it;
//  2. CFO, from all channels together: the phase advance of the burst
//     correlation from one repetition to the next, 2 pi cfo P
//     (unambiguous for |cfo| < 1 / (2 P), 1.1e-3 cycles/sample by default);
//  3. fine timing: the whole CFO-rotated, zero-mean reference correlated at
//     integer lags around the coarse peak, band-limited interpolation between
//     lags (fractional_delay.hpp) and a golden-section search of |C|^2;
//  4. a_k and dc_k by linear least squares on the reference shifted to the
//     fine timing (band-limited interpolation), over the reference and its gaps.
// Zero-mean templates make steps 1-3 blind to DC. Everything is reported
// relative to channel 0.
#pragma once

#include "moema/calibration/reference.hpp"

#include <cstddef>
#include <vector>

namespace moema::calibration {

struct ChannelCalibration {
  int channel_index = 0;
  // Delay of this channel relative to channel 0, in samples, split as
  // integer_delay + fractional_delay with integer_delay = floor(delay), so the
  // fraction lies in [0, 1) (a channel 0.25 samples early: -1 + 0.75).
  int integer_delay = 0;
  double fractional_delay = 0;
  Sample dc{0.0, 0.0};     // DC offset at this channel's output; full scale is amplitude 1.0
  double gain_db = 0;      // 20 log10 |a_k / a_0|: power gain relative to channel 0
  double phase_rad = 0;    // arg(a_k / a_0), in (-pi, pi]
  double snr_db = 0;       // of the fit: reference power over its bursts / residual power (informational)

  double delay() const { return integer_delay + fractional_delay; }
};

struct CalibrationEstimate {
  std::vector<ChannelCalibration> channels;  // K entries, channel_index 0..K-1
  double cfo = 0;                            // carrier offset of the reference, cycles per sample
  double reference_start = 0;                // sample position where channel 0's reference starts
};

// The coarse correlation metric, in [0, 1], below which a channel is said not
// to hold the reference (noise alone stays near 1 / burst_samples; a reference
// at SNR s per sample reaches about s / (1 + s), 0.2 at -6 dB).
constexpr double kDetectionThreshold = 0.2;

// channels: K >= 1 equally long captures, each holding the whole reference.
// Throws CalibrationError for no channels, channels of unequal length, too few
// samples, a reference not found in some channel, or a bad config.
CalibrationEstimate estimate_calibration(const Channels& channels, const ReferenceConfig& config);

}  // namespace moema::calibration
