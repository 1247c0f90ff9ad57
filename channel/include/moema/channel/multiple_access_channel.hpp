// Sample-level multiple-access channel for the radio simulation: N single-
// antenna devices send complex baseband sample streams at the same time to a
// K-antenna access point. The slot-level SimoChannel (channel.hpp) is the same
// model with perfect timing; this one adds what the over-the-air receiver has
// to undo: per-device timing and carrier offsets, block fading on the sample
// clock, and the access point's per-channel front-end mismatch.
//
// Model, for device stream s_n and receive channel k (t = sample index):
//   u_n(t)  = sqrt(G_n) e^{j(2 pi cfo_n t + phase_n)} s_n(t - timing_offset_n)
//   r_k(t)  = sum_n h_nk(b(t)) u_n(t),       b(t) = floor(t / block_length)
//   y_k(t)  = sqrt(g_k) e^{j phase_k} ( r_k(t - delay_k) + w_k(t) ) + dc_k,
// with w_k(t) ~ CN(0, noise_variance) independent over k and t. The noise
// enters before the per-channel gain, as the LNA's noise does in a real front
// end, so noise_variance is referred to the antenna port and channel k's noise
// power at the output is g_k noise_variance. It is added after the per-channel
// delay: delayed white noise is still white noise of the same variance, while
// pushing it through the interpolator would shrink its variance by up to 12 %.
//
// Timing. Fractional delays need a lookahead of the interpolator's half length
// (fractional_delay.hpp). The channel pays it once for the device stage when any
// timing_offset has a fraction and once for the access-point stage when any
// ap.delay has one, and is otherwise exact. Then output sample t + lookahead() is
// exactly y_k(t) above (block boundaries and carrier phases included, t counted
// from the start of the streams), so a simulation that must line the output up
// with the transmit clock drops the first lookahead() output samples.
#pragma once

#include "moema/common/system_parameters.hpp"
#include "moema/channel/channel.hpp"
#include "moema/air/fractional_delay.hpp"

#include <complex>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace moema::rx {

struct DeviceImpairments {
  double path_gain_db = 0;   // large-scale power gain G_n
  double timing_offset = 0;  // samples, >= 0 (fractional allowed): this device's signal arrives this late
  double cfo = 0;            // carrier frequency offset, cycles per sample (e.g. 1e-4)
  double phase = 0;          // initial carrier phase, radians
};

struct ApImpairments {  // per receive channel k (vectors empty = none; else size K)
  std::vector<std::complex<double>> dc_offset;  // added to every sample
  std::vector<double> gain_db;                  // per-channel power gain g_k
  std::vector<double> phase;                    // per-channel phase, radians
  std::vector<double> delay;                    // per-channel sample delay (>= 0, fractional allowed)
};

struct MultipleAccessConfig {
  int antennas = defaults::kAntennas;                       // K
  int block_length = 0;                    // samples per fading block (one slot); 0 = one fixed channel for ever
  Fading fading = Fading::UnitNorm;        // UnitNorm: h_n uniform on the unit sphere of C^K; Rayleigh: CN(0, I)
  double noise_variance = 0;               // complex AWGN variance per antenna and sample
  std::vector<DeviceImpairments> devices;  // size N
  ApImpairments ap;
};

class MultipleAccessChannel {
 public:
  // Throws std::invalid_argument naming the offending field.
  MultipleAccessChannel(const MultipleAccessConfig& config, std::uint64_t seed);

  // inputs: N pointers to n samples each; outputs: K pointers to n samples each.
  // Streaming: the delay lines, oscillator phases, fading block position and
  // random streams carry across calls, and any split of the streams into calls
  // gives bit-identical output. No allocation after construction.
  void process(const std::vector<const std::complex<double>*>& inputs,
               const std::vector<std::complex<double>*>& outputs, std::size_t n);

  // The channel vectors h_n (K entries each, without the path gain) of the
  // fading block of the most recent sample through the device stage, for tests
  // and oracle studies; the receiver never sees them.
  const std::vector<ComplexVector>& gains() const { return gains_; }
  int devices() const { return static_cast<int>(devices_.size()); }
  int antennas() const { return antennas_; }
  int lookahead() const { return device_lookahead_ + ap_lookahead_; }  // samples, see above

 private:
  struct Device {
    FractionalDelayLine line;
    double amplitude;               // sqrt(G_n)
    double cfo, phase;
    std::complex<double> rotation;  // e^{j 2 pi cfo}: one sample of the oscillator
    std::complex<double> phasor;    // sqrt(G_n) e^{j(2 pi cfo t + phase)} at the next sample
  };
  struct Receiver {
    FractionalDelayLine line;
    std::complex<double> gain;  // sqrt(g_k) e^{j phase_k}
    std::complex<double> dc;
  };

  void draw_gains();
  void device_stage(const std::vector<const std::complex<double>*>& inputs, std::size_t offset, std::size_t count);
  void combine(std::size_t count);
  void receiver_stage(const std::vector<std::complex<double>*>& outputs, std::size_t offset, std::size_t count);
  std::complex<double> exact_phasor(const Device& device, std::uint64_t sample) const;

  int antennas_;
  int block_length_;
  Fading fading_;
  double noise_sigma_;  // per real component
  int device_lookahead_, ap_lookahead_;
  std::vector<Device> devices_;
  std::vector<Receiver> receivers_;
  bool has_ap_delay_;

  std::vector<ComplexVector> gains_;
  std::vector<std::complex<double>> gain_table_;  // h_nk at [k * N + n]
  std::int64_t block_position_;                   // samples of the current block done (negative: lookahead)
  std::uint64_t sample_ = 0;                      // device-stage samples done

  // Separate streams so that the fading draws and the noise draws never
  // interleave differently when the input is split differently.
  std::mt19937_64 fading_rng_, noise_rng_;
  std::normal_distribution<double> fading_gauss_, noise_gauss_;  // kept: they cache a value between calls

  std::vector<std::complex<double>> device_buffer_;   // N x kChunk, device-major
  std::vector<std::complex<double>> antenna_buffer_;  // K x kChunk, antenna-major
  std::vector<std::complex<double>> noise_buffer_;    // K x kChunk, antenna-major
};

}  // namespace moema::rx
