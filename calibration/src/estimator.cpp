#include "moema/calibration/estimator.hpp"

#include "moema/air/fractional_delay.hpp"

#include <Eigen/Dense>
#include <unsupported/Eigen/FFT>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace moema::calibration {

namespace {

constexpr double kTwoPi = 6.28318530717958647692;
constexpr int kHalfLength = 8;  // band-limited interpolation: 4e-4 error below 0.35 fs (fractional_delay.hpp)
const std::string kWhere = "estimate_calibration: ";

std::string fixed(double x, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, x);
  return text;
}

void require_capture(const Channels& channels, const ReferenceConfig& config) {
  if (channels.empty()) throw CalibrationError(kWhere + "no channels given");
  const std::size_t n = channels.front().size();
  for (std::size_t k = 1; k < channels.size(); ++k)
    if (channels[k].size() != n)
      throw CalibrationError(kWhere + "channel " + std::to_string(k) + " has " + std::to_string(channels[k].size()) +
                             " samples, channel 0 has " + std::to_string(n) +
                             ": the channels of one capture must be equally long");
  const auto needed = static_cast<std::size_t>(config.total_samples());
  if (n < needed)
    throw CalibrationError(kWhere + "too few samples: the capture has " + std::to_string(n) +
                           " per channel, the reference alone is " + std::to_string(needed) + " (" +
                           std::to_string(config.repetitions) + " x " + std::to_string(config.period_samples()) + ")");
}

std::vector<Sample> zero_mean(std::vector<Sample> x) {
  Sample mean{};
  for (const Sample& s : x) mean += s;
  mean /= static_cast<double>(x.size());
  for (Sample& s : x) s -= mean;
  return x;
}

double energy(const std::vector<Sample>& x) {
  double e = 0;
  for (const Sample& s : x) e += std::norm(s);
  return e;
}

// out[tau] = sum_t x[tau + t] conj(h[t]) for tau = 0 .. N - L, by FFT: the
// circular correlation of length M >= N never wraps for these lags.
class Correlator {
 public:
  Correlator(const std::vector<Sample>& h, std::size_t signal_length)
      : size_(fft_size(signal_length)), template_length_(h.size()), signal_length_(signal_length) {
    std::vector<Sample> padded(h);
    padded.resize(size_, Sample{});
    fft_.fwd(conj_spectrum_, padded);
    for (Sample& s : conj_spectrum_) s = std::conj(s);
  }

  std::vector<Sample> operator()(const std::vector<Sample>& x) {
    std::vector<Sample> padded(x);
    padded.resize(size_, Sample{});
    std::vector<Sample> spectrum, lags;
    fft_.fwd(spectrum, padded);
    for (std::size_t i = 0; i < size_; ++i) spectrum[i] *= conj_spectrum_[i];
    fft_.inv(lags, spectrum);
    lags.resize(signal_length_ - template_length_ + 1);
    return lags;
  }

 private:
  static std::size_t fft_size(std::size_t n) {
    std::size_t m = 1;
    while (m < n) m *= 2;
    return m;
  }

  std::size_t size_, template_length_, signal_length_;
  std::vector<Sample> conj_spectrum_;
  Eigen::FFT<double> fft_;
};

// Energy of x[first .. first + length) about its own mean, from prefix sums:
// what a zero-mean template's correlation is bounded by (Cauchy-Schwarz).
class WindowEnergy {
 public:
  explicit WindowEnergy(const std::vector<Sample>& x) : sum_(x.size() + 1), power_(x.size() + 1) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      sum_[i + 1] = sum_[i] + x[i];
      power_[i + 1] = power_[i] + std::norm(x[i]);
    }
  }
  double centred(std::size_t first, std::size_t length) const {
    const Sample sum = sum_[first + length] - sum_[first];
    return std::max(0.0, power_[first + length] - power_[first] - std::norm(sum) / static_cast<double>(length));
  }

 private:
  std::vector<Sample> sum_;
  std::vector<double> power_;
};

// Step 1 for one channel: the burst correlation at every lag and the
// normalised metric rho(tau) in [0, 1] of a reference starting at tau.
struct CoarseMetric {
  std::vector<Sample> burst_correlation;  // lags 0 .. N - B
  std::vector<double> rho;                // starts 0 .. N - T
};

CoarseMetric coarse_metric(const std::vector<Sample>& y, Correlator& correlate, double burst_energy,
                           const ReferenceConfig& config) {
  CoarseMetric m{correlate(y), {}};
  const WindowEnergy window(y);
  const auto period = static_cast<std::size_t>(config.period_samples());
  const auto burst = static_cast<std::size_t>(config.burst_samples());
  m.rho.assign(y.size() - static_cast<std::size_t>(config.total_samples()) + 1, 0.0);
  for (std::size_t tau = 0; tau < m.rho.size(); ++tau) {
    double matched = 0, available = 0;
    for (int r = 0; r < config.repetitions; ++r) {
      const std::size_t start = tau + static_cast<std::size_t>(r) * period;
      matched += std::norm(m.burst_correlation[start]);
      available += window.centred(start, burst);
    }
    m.rho[tau] = available > 0 ? matched / (burst_energy * available) : 0.0;
  }
  return m;
}

std::size_t argmax(const std::vector<double>& x, std::size_t first, std::size_t last) {
  std::size_t best = first;
  for (std::size_t i = first; i <= last; ++i)
    if (x[i] > x[best]) best = i;
  return best;
}

void require_detected(const std::vector<double>& rho, std::size_t peak, std::size_t k) {
  if (rho[peak] < kDetectionThreshold)
    throw CalibrationError(kWhere + "reference not found in channel " + std::to_string(k) + ": best correlation " +
                           fixed(rho[peak], 3) + " at sample " + std::to_string(peak) + ", need " +
                           fixed(kDetectionThreshold, 2) +
                           " (is the input connected, and is the reference the one configured: repetitions, gap?)");
}

// A channel whose reference lies beyond max_channel_delay of the others would
// otherwise lock onto a side lobe: its own best match elsewhere gives it away
// (a looped reference matches equally well one period on, hence the margin).
void require_within_reach(const std::vector<double>& rho, std::size_t peak, std::size_t joint, std::size_t k,
                          const ReferenceConfig& config) {
  const std::size_t best = argmax(rho, 0, rho.size() - 1);
  if (rho[best] > 1.2 * rho[peak])
    throw CalibrationError(kWhere + "channel " + std::to_string(k) + " matches the reference best at sample " +
                           std::to_string(best) + ", " + std::to_string(static_cast<long long>(best) -
                                                                        static_cast<long long>(joint)) +
                           " samples from the other channels, beyond max_channel_delay (" +
                           std::to_string(config.max_channel_delay) + "): raise it or check the cabling");
}

// The channels' summed metric finds the reference (one peak even if the
// transmitter loops it); each channel then takes its own peak near it.
std::vector<std::size_t> coarse_timing(const std::vector<CoarseMetric>& metrics, const ReferenceConfig& config) {
  std::vector<double> summed(metrics.front().rho.size(), 0.0);
  for (const CoarseMetric& m : metrics)
    for (std::size_t i = 0; i < summed.size(); ++i) summed[i] += m.rho[i];
  const std::size_t joint = argmax(summed, 0, summed.size() - 1);
  const auto reach = static_cast<std::size_t>(config.max_channel_delay);
  const std::size_t first = joint > reach ? joint - reach : 0;
  const std::size_t last = std::min(summed.size() - 1, joint + reach);
  std::vector<std::size_t> timing;
  for (std::size_t k = 0; k < metrics.size(); ++k) {
    const std::size_t peak = argmax(metrics[k].rho, first, last);
    require_detected(metrics[k].rho, peak, k);
    require_within_reach(metrics[k].rho, peak, joint, k, config);
    timing.push_back(peak);
  }
  return timing;
}

// Step 2: the phase advance of the burst correlation over one period, summed
// over channels and repetitions (the channel phases cancel in each product).
double estimate_cfo(const std::vector<CoarseMetric>& metrics, const std::vector<std::size_t>& timing,
                    const ReferenceConfig& config) {
  const auto period = static_cast<std::size_t>(config.period_samples());
  Sample advance{};
  for (std::size_t k = 0; k < metrics.size(); ++k)
    for (int r = 0; r + 1 < config.repetitions; ++r) {
      const std::size_t start = timing[k] + static_cast<std::size_t>(r) * period;
      advance += metrics[k].burst_correlation[start + period] * std::conj(metrics[k].burst_correlation[start]);
    }
  return std::arg(advance) / (kTwoPi * static_cast<double>(period));
}

std::vector<Sample> rotate(std::vector<Sample> x, double cfo) {
  for (std::size_t t = 0; t < x.size(); ++t) {
    const double cycles = cfo * static_cast<double>(t);
    x[t] *= std::polar(1.0, kTwoPi * (cycles - std::floor(cycles)));
  }
  return x;
}

// sum_t y[tau + t] conj(h[t]), samples of y outside the capture counting as zero.
Sample correlate_at(const std::vector<Sample>& y, const std::vector<Sample>& h, long long tau) {
  const long long n = static_cast<long long>(y.size());
  const long long first = std::max(0LL, -tau);
  const long long last = std::min(static_cast<long long>(h.size()), n - tau);
  Sample sum{};
  for (long long t = first; t < last; ++t) sum += y[static_cast<std::size_t>(tau + t)] * std::conj(h[static_cast<std::size_t>(t)]);
  return sum;
}

template <typename F>
double golden_section_maximum(F f, double low, double high) {
  const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = high - ratio * (high - low), b = low + ratio * (high - low);
  double fa = f(a), fb = f(b);
  while (high - low > 1e-6) {
    if (fa < fb) {
      low = a;
      a = b;
      fa = fb;
      b = low + ratio * (high - low);
      fb = f(b);
    } else {
      high = b;
      b = a;
      fb = fa;
      a = high - ratio * (high - low);
      fa = f(a);
    }
  }
  return (low + high) / 2.0;
}

// Step 3: |C(tau)|^2 of the whole reference is band-limited in tau, so its
// values at integer lags determine it in between; its peak within a sample of
// the coarse timing is where this channel's reference starts.
double fine_timing(const std::vector<Sample>& y, const std::vector<Sample>& zero_mean_reference, std::size_t coarse) {
  constexpr int kLags = kHalfLength + 2;  // the interpolator reaches L lags either side of [coarse - 1, coarse + 1]
  const long long first = static_cast<long long>(coarse) - kLags;
  std::vector<Sample> lags(2 * kLags + 1);
  for (int i = 0; i <= 2 * kLags; ++i) lags[i] = correlate_at(y, zero_mean_reference, first + i);
  const auto power = [&](double tau) {
    return std::norm(rx::interpolate_at(lags.data(), lags.size(), tau - static_cast<double>(first), kHalfLength));
  };
  return golden_section_maximum(power, static_cast<double>(coarse) - 1.0, static_cast<double>(coarse) + 1.0);
}

// x(t - delay) for t = first .. first + count - 1 by band-limited interpolation
// (zero outside x): t - delay = (t - floor(delay) - 1) + (1 - fraction).
std::vector<Sample> shifted(const std::vector<Sample>& x, double delay, long long first, std::size_t count) {
  const double whole = std::floor(delay);
  const double step = 1.0 - (delay - whole);
  const bool integer = step >= 1.0;  // also a fraction too small to survive 1 - fraction
  const rx::Interpolator interpolate(integer ? 0.0 : step, kHalfLength);
  const long long base = first - static_cast<long long>(whole) - (integer ? 0 : 1);
  std::vector<Sample> out(count);
  for (std::size_t i = 0; i < count; ++i)
    out[i] = interpolate.at(x.data(), x.size(), base + static_cast<long long>(i));
  return out;
}

struct Fit {
  Sample amplitude, dc;
  double snr_db;
};

// Step 4: y = a s + dc + noise over the reference span, s the CFO-rotated
// reference at this channel's timing; the gaps pin the DC down.
Fit fit_amplitude_and_dc(const std::vector<Sample>& y, const std::vector<Sample>& rotated_reference, double timing,
                         const ReferenceConfig& config) {
  const long long first = std::max(0LL, static_cast<long long>(std::floor(timing)));
  const auto count = static_cast<std::size_t>(
      std::min<long long>(static_cast<long long>(rotated_reference.size()), static_cast<long long>(y.size()) - first));
  const std::vector<Sample> s = shifted(rotated_reference, timing, first, count);
  Eigen::Matrix2cd normal = Eigen::Matrix2cd::Zero();
  Eigen::Vector2cd projection = Eigen::Vector2cd::Zero();
  for (std::size_t i = 0; i < count; ++i) {
    const Sample yi = y[static_cast<std::size_t>(first) + i];
    normal(0, 0) += std::norm(s[i]);
    normal(0, 1) += std::conj(s[i]);
    normal(1, 0) += s[i];
    projection(0) += std::conj(s[i]) * yi;
    projection(1) += yi;
  }
  normal(1, 1) = static_cast<double>(count);
  const Eigen::Vector2cd solution = normal.partialPivLu().solve(projection);
  double residual = 0;
  for (std::size_t i = 0; i < count; ++i)
    residual += std::norm(y[static_cast<std::size_t>(first) + i] - solution(0) * s[i] - solution(1));
  const double noise = residual / static_cast<double>(count - 2);
  const double signal = std::norm(solution(0)) * std::real(normal(0, 0)) /
                        (static_cast<double>(config.repetitions) * config.burst_samples());
  return {solution(0), solution(1), 10.0 * std::log10(signal / std::max(noise, 1e-300))};
}

ChannelCalibration relative_to_channel_0(int k, double timing, const Fit& fit, double timing_0, const Fit& fit_0) {
  ChannelCalibration c;
  c.channel_index = k;
  const double delay = timing - timing_0;
  double whole = std::floor(delay);
  double fraction = delay - whole;
  if (fraction >= 1.0) {  // a delay a hair below an integer rounds the fraction up to 1
    whole += 1.0;
    fraction = 0.0;
  }
  c.integer_delay = static_cast<int>(whole);
  c.fractional_delay = fraction;
  c.dc = fit.dc;
  const Sample ratio = fit.amplitude / fit_0.amplitude;
  c.gain_db = 20.0 * std::log10(std::abs(ratio));
  c.phase_rad = std::arg(ratio);
  c.snr_db = fit.snr_db;
  return c;
}

}  // namespace

CalibrationEstimate estimate_calibration(const Channels& channels, const ReferenceConfig& config) {
  config.validate();
  require_capture(channels, config);
  const std::vector<Sample> reference = reference_waveform(config);
  const std::vector<Sample> burst = zero_mean(reference_burst(config));
  Correlator correlate(burst, channels.front().size());
  std::vector<CoarseMetric> metrics;
  for (const auto& y : channels) metrics.push_back(coarse_metric(y, correlate, energy(burst), config));
  const std::vector<std::size_t> coarse = coarse_timing(metrics, config);

  CalibrationEstimate estimate;
  estimate.cfo = estimate_cfo(metrics, coarse, config);
  const std::vector<Sample> rotated = rotate(reference, estimate.cfo);
  const std::vector<Sample> rotated_zero_mean = zero_mean(rotated);
  std::vector<double> timing;
  std::vector<Fit> fits;
  for (std::size_t k = 0; k < channels.size(); ++k) {
    timing.push_back(fine_timing(channels[k], rotated_zero_mean, coarse[k]));
    fits.push_back(fit_amplitude_and_dc(channels[k], rotated, timing.back(), config));
  }
  for (std::size_t k = 0; k < channels.size(); ++k)
    estimate.channels.push_back(relative_to_channel_0(static_cast<int>(k), timing[k], fits[k], timing[0], fits[0]));
  estimate.reference_start = timing[0];
  return estimate;
}

}  // namespace moema::calibration
