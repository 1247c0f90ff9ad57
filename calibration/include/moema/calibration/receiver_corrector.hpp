// Applies a calibration to the K receive streams, before the matched filters:
// per channel it subtracts the DC offset, divides out the gain and phase
// relative to channel 0, and delays the channels that are early so that all
// line up with the latest one. What is left is common to every channel
// (channel 0's gain and phase, one delay), which the synchroniser treats as
// part of the radio channel.
//
// Latency. Channel k's delay line holds D_max - D_k samples (D_k its delay
// relative to channel 0, D_max the largest) plus the interpolator's lookahead
// L = half_length, the same L on every channel so the relative delays stay
// exact (FractionalDelayLine). So the latest channel comes out L samples late,
// channel k D_max - D_k + L samples late, and output sample t of every channel
// holds what the latest channel received at t - L.
#pragma once

#include "moema/calibration/calibration_file.hpp"
#include "moema/air/fractional_delay.hpp"

#include <complex>
#include <cstddef>
#include <string>
#include <vector>

namespace moema::calibration {

class ReceiverCorrector {
 public:
  // channels: channel_index 0..K-1 in order (as estimate_calibration and
  // load_calibration give them). Throws CalibrationError otherwise.
  explicit ReceiverCorrector(const std::vector<ChannelCalibration>& channels, int half_length = 8);
  explicit ReceiverCorrector(const CalibrationFile& file, int half_length = 8);

  // K input and K output pointers, n samples each; an output may be its input.
  // State carries across calls: any split of the streams into calls gives
  // bit-identical output. Throws CalibrationError for the wrong stream count.
  void process(const std::vector<const Sample*>& inputs, const std::vector<Sample*>& outputs, std::size_t n);
  // The same on cf32 streams, as radios and recordings give them (computed in
  // double, rounded once on the way out).
  void process(const std::vector<const std::complex<float>*>& inputs,
               const std::vector<std::complex<float>*>& outputs, std::size_t n);
  void reset();  // back to a fresh corrector's all-zero history

  int channels() const { return static_cast<int>(chains_.size()); }
  // Samples by which channel k's output lags its input: D_max - D_k + half_length.
  double latency(int channel) const;

 private:
  struct Chain {
    Sample dc;
    Sample inverse_gain;  // 1 / (|a_k / a_0| e^{j phase_k})
    rx::FractionalDelayLine line;
  };
  std::vector<Chain> chains_;
  std::vector<std::vector<Sample>> scratch_;  // the cf32 path's double buffers
};

// A file measured on this set-up: load_calibration, then check_applicable
// (frequency and sample rate in Hz, the receive channel count, the devices'
// serials when known). Throws CalibrationError naming the path and what does
// not fit.
CalibrationFile load_applicable_calibration(const std::string& path, double frequency, double sample_rate,
                                            int channels, const std::vector<std::string>& serials = {});

}  // namespace moema::calibration
