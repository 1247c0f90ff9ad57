// Band-limited fractional delays of complex baseband sample streams: the
// timing offsets of the radio simulation (multiple_access_channel.hpp) and the
// receiver's timing correction.
//
// All three functions share one kernel: a Kaiser-windowed sinc spanning the 2L
// samples nearest the point being interpolated (L = half_length), normalised to
// unit DC gain. Kaiser's beta follows from L by Kaiser's design formula for a
// passband edge of 0.35 fs (transition 0.35..0.65 fs around the sinc's cut-off
// at fs/2), so a longer kernel buys both more bandwidth and less ripple.
// Measured worst case over all fractional delays of |H(f) e^{j 2 pi f d} - 1|:
//   L = 4: 2e-2, L = 8 (default): 4e-4, L = 16: 3e-7, all for |f| < 0.35 fs.
// Components above 0.35 fs (e.g. unfiltered symbol streams at one sample per
// symbol) are delayed less accurately and attenuated towards fs/2.
#pragma once

#include <complex>
#include <cstddef>
#include <vector>

namespace moema::rx {

// FIR taps h[0..2L] (L = half_length >= 1) with
//   sum_i h[i] x[t - i] ~ x(t - L - delay),  0 <= delay < 1,
// i.e. the fractional delay on top of an integer group delay of L. The kernel
// covers the 2L samples nearest the interpolation point, so h[0] is always 0
// (kept for the usual symmetric 2L+1 layout); delay 0 gives the exact impulse
// at index L. The taps sum to 1.
std::vector<double> fractional_delay_taps(double delay, int half_length = 8);

// Streaming delay of a sample stream by `delay` >= 0 samples (integer part by a
// delay line, fraction by fractional_delay_taps). State carries across
// process() calls: any split of a stream into chunks gives bit-identical output.
//
// Latency. Interpolating at t - delay needs samples up to t - delay + L, which a
// causal stream cannot have when delay < L, so the line adds a fixed lookahead
// of L = half_length samples: out[t] = x(t - delay - lookahead()), zeros (and
// the interpolator's pre-ringing) before that. The lookahead is the same for
// every delay, integer ones included, so lines built with the same half_length
// keep their relative delays exact. half_length 0 means no lookahead and is
// only allowed for integer delays, which are then exact with latency `delay`.
class FractionalDelayLine {
 public:
  explicit FractionalDelayLine(double delay, int half_length = 8);

  // in and out may be the same buffer.
  void process(const std::complex<double>* in, std::complex<double>* out, std::size_t n);
  void reset();  // back to the all-zero history of a fresh line

  double delay() const { return delay_; }
  int lookahead() const { return half_length_; }
  double latency() const { return delay_ + half_length_; }  // total, in samples

 private:
  double delay_;
  int half_length_;
  int integer_delay_;              // floor(delay) + lookahead when there is no fraction
  std::vector<double> taps_;       // h[2L] .. h[1], so the dot product runs forward; empty = integer delay
  std::size_t ring_;               // history length R; every sample is stored at p and p + R
  std::vector<std::complex<double>> history_;
  std::size_t newest_ = 0;         // position p of the latest input
};

// The interpolation weights for one fractional part, computed once (the
// kernel costs a Bessel series per tap): every symbol instant of a slot shares
// its timing's fraction, so the receiver builds one per slot.
class Interpolator {
 public:
  explicit Interpolator(double fraction, int half_length = 8);  // fraction in [0, 1)
  // The band-limited value at index + fraction, as interpolate_at() below.
  std::complex<double> at(const std::complex<double>* x, std::size_t n, long long index) const;

 private:
  int half_length_;
  std::vector<double> weights_;  // for x[index - L + 1] .. x[index + L], normalised; one 1 when fraction is 0
};

// The band-limited value of x[0..n) at fractional index `position` (samples
// outside [0, n) count as zero), from the 2L samples nearest to it with the
// kernel above. An integer position returns that sample exactly. Same
// bandwidth as above: use it on signals oversampled well beyond 0.35 fs.
std::complex<double> interpolate_at(const std::complex<double>* x, std::size_t n, double position,
                                    int half_length = 8);

}  // namespace moema::rx
