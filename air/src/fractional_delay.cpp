#include "moema/air/fractional_delay.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace moema::rx {

namespace {

constexpr double kPi = 3.14159265358979323846;
// A bound on the integer delay line: beyond it the history buffer alone would
// take gigabytes, which is a configuration error rather than a channel.
constexpr double kMaxDelay = 1e8;

// Modified Bessel function I0 by its power series sum_k ((x/2)^k / k!)^2;
// libc++ has no std::cyl_bessel_i, and the series converges fast for the
// arguments used here (beta up to a few tens).
double bessel_i0(double x) {
  const double q = x * x / 4.0;
  double term = 1.0, sum = 1.0;
  for (int k = 1; term > 1e-17 * sum; ++k) {
    term *= q / (static_cast<double>(k) * k);
    sum += term;
  }
  return sum;
}

// Kaiser's design formula for a window spanning N = 2L taps whose transition
// band is 0.35..0.65 fs (delta omega = 0.6 pi): attenuation A, then beta.
double kaiser_beta(int half_length) {
  const double attenuation = 8.0 + 2.285 * (2.0 * half_length) * 0.6 * kPi;
  if (attenuation > 50.0) return 0.1102 * (attenuation - 8.7);
  if (attenuation >= 21.0)
    return 0.5842 * std::pow(attenuation - 21.0, 0.4) + 0.07886 * (attenuation - 21.0);
  return 0.0;
}

// The shared interpolation kernel, before normalisation: sinc(t) times a Kaiser
// window centred on the interpolation point and zero from |t| = L on.
class Kernel {
 public:
  explicit Kernel(int half_length)
      : half_length_(half_length), beta_(kaiser_beta(half_length)), i0_beta_(bessel_i0(beta_)) {}

  double operator()(double t) const {
    if (std::abs(t) >= half_length_) return 0.0;
    if (t == 0.0) return 1.0;
    const double x = t / half_length_;
    const double window = bessel_i0(beta_ * std::sqrt(1.0 - x * x)) / i0_beta_;
    return std::sin(kPi * t) / (kPi * t) * window;
  }

 private:
  int half_length_;
  double beta_, i0_beta_;
};

void require_half_length(int half_length, int minimum, const char* where) {
  if (half_length < minimum)
    throw std::invalid_argument(std::string(where) + ": half_length must be >= " + std::to_string(minimum) +
                                ", got " + std::to_string(half_length));
}

}  // namespace

std::vector<double> fractional_delay_taps(double delay, int half_length) {
  const char* where = "fractional_delay_taps";
  require_half_length(half_length, 1, where);
  if (!(delay >= 0.0 && delay < 1.0))  // also rejects NaN
    throw std::invalid_argument(std::string(where) + ": delay must be in [0, 1), got " + std::to_string(delay));
  std::vector<double> taps(2 * half_length + 1, 0.0);
  if (delay == 0.0) {  // sin(pi k) is not exactly 0 in floating point: set the impulse exactly
    taps[half_length] = 1.0;
    return taps;
  }
  const Kernel kernel(half_length);
  double sum = 0.0;
  for (int i = 0; i <= 2 * half_length; ++i) {
    taps[i] = kernel(i - half_length - delay);  // distance of x[t - i] from the point t - L - delay
    sum += taps[i];
  }
  for (double& tap : taps) tap /= sum;  // unit DC gain despite the truncated sinc
  return taps;
}

FractionalDelayLine::FractionalDelayLine(double delay, int half_length)
    : delay_(delay), half_length_(half_length) {
  const char* where = "FractionalDelayLine";
  require_half_length(half_length, 0, where);
  if (!(delay >= 0.0))
    throw std::invalid_argument(std::string(where) + ": delay must be >= 0 and finite, got " + std::to_string(delay));
  if (!(delay <= kMaxDelay))
    throw std::invalid_argument(std::string(where) + ": delay " + std::to_string(delay) + " exceeds 1e8 samples");
  const double whole = std::floor(delay);
  const double fraction = delay - whole;
  if (fraction != 0.0 && half_length == 0)
    throw std::invalid_argument(std::string(where) + ": half_length 0 (no lookahead) only allows integer delays, got " +
                                std::to_string(delay));
  if (fraction == 0.0) {
    integer_delay_ = static_cast<int>(whole) + half_length;  // the impulse taps reduce to a pure delay
    ring_ = static_cast<std::size_t>(integer_delay_) + 1;
  } else {
    // out[t] = sum_i h[i] x[t - floor(delay) - i]: the taps supply L + fraction.
    integer_delay_ = static_cast<int>(whole);
    const std::vector<double> taps = fractional_delay_taps(fraction, half_length);
    taps_.assign(taps.rbegin(), taps.rend() - 1);  // h[2L] .. h[1]: h[0] is always 0
    ring_ = static_cast<std::size_t>(integer_delay_) + taps_.size() + 1;
  }
  history_.assign(2 * ring_, {0.0, 0.0});
}

void FractionalDelayLine::reset() {
  std::fill(history_.begin(), history_.end(), std::complex<double>(0.0, 0.0));
  newest_ = 0;
}

void FractionalDelayLine::process(const std::complex<double>* in, std::complex<double>* out, std::size_t n) {
  if (n > 0 && (in == nullptr || out == nullptr))
    throw std::invalid_argument("FractionalDelayLine::process: null buffer for " + std::to_string(n) + " samples");
  // Every sample is written twice, at p and p + R, so the R most recent inputs
  // always lie contiguously in history_[p + 1 .. p + R] (oldest first): the
  // taps run over plain memory with no wrap-around test per tap.
  const std::size_t span = taps_.size();
  for (std::size_t s = 0; s < n; ++s) {
    const std::complex<double> x = in[s];  // read before writing: in may alias out
    newest_ = newest_ + 1 == ring_ ? 0 : newest_ + 1;
    history_[newest_] = x;
    history_[newest_ + ring_] = x;
    if (span == 0) {
      out[s] = history_[newest_ + ring_ - static_cast<std::size_t>(integer_delay_)];
      continue;
    }
    const std::complex<double>* window = history_.data() + newest_ + 1;  // x[t - D - 2L] .. x[t - D - 1]
    // Two partial sums per component halve the dependency chain of the adds.
    double re0 = 0.0, im0 = 0.0, re1 = 0.0, im1 = 0.0;
    for (std::size_t j = 0; j < span; j += 2) {
      re0 += taps_[j] * window[j].real();
      im0 += taps_[j] * window[j].imag();
      re1 += taps_[j + 1] * window[j + 1].real();
      im1 += taps_[j + 1] * window[j + 1].imag();
    }
    out[s] = {re0 + re1, im0 + im1};
  }
}

Interpolator::Interpolator(double fraction, int half_length) : half_length_(half_length) {
  const char* where = "Interpolator";
  require_half_length(half_length, 1, where);
  if (!(fraction >= 0.0 && fraction < 1.0))
    throw std::invalid_argument(std::string(where) + ": fraction must be in [0, 1), got " + std::to_string(fraction));
  weights_.assign(2 * half_length, 0.0);
  if (fraction == 0.0) {  // an integer position returns that sample exactly
    weights_[half_length - 1] = 1.0;
    return;
  }
  // The 2L samples nearest to the position: index - L + 1 .. index + L.
  const Kernel kernel(half_length);
  double sum = 0.0;
  for (int j = 0; j < 2 * half_length; ++j) {
    weights_[j] = kernel(fraction + half_length - 1 - j);
    sum += weights_[j];  // normalise over all taps, zeros outside [0, n) included
  }
  for (double& w : weights_) w /= sum;
}

std::complex<double> Interpolator::at(const std::complex<double>* x, std::size_t n, long long index) const {
  const long long first = index - half_length_ + 1;
  const long long last = static_cast<long long>(n) - 1;
  double re = 0.0, im = 0.0;
  for (int j = 0; j < 2 * half_length_; ++j) {
    const long long m = first + j;
    if (m < 0 || m > last) continue;
    re += weights_[j] * x[m].real();
    im += weights_[j] * x[m].imag();
  }
  return {re, im};
}

std::complex<double> interpolate_at(const std::complex<double>* x, std::size_t n, double position, int half_length) {
  const char* where = "interpolate_at";
  require_half_length(half_length, 1, where);
  if (!std::isfinite(position))
    throw std::invalid_argument(std::string(where) + ": position is not finite");
  if (n > 0 && x == nullptr) throw std::invalid_argument(std::string(where) + ": x is null");
  if (position <= -half_length || position >= static_cast<double>(n) + half_length - 1) return {0.0, 0.0};
  const double base = std::floor(position);
  return Interpolator(position - base, half_length).at(x, n, static_cast<long long>(base));
}

}  // namespace moema::rx
