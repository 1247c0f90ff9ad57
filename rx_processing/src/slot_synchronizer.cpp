#include "moema/rx/slot_synchronizer.hpp"

#include "moema/air/fractional_delay.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace moema::rx {

namespace {

constexpr double kTwoPi = 6.28318530717958647692;
constexpr int kInterpolationHalf = 8;    // taps each side of interpolate_at
constexpr int kResetInterval = 4096;     // running sums recomputed this often (rounding drift)
constexpr int kSearchSymbols = 4;        // timing search +- this many symbols around the coarse peak
constexpr int kGoldenIterations = 24;    // brackets one sample to ~1e-5

Sample rotation(double cfo, double position) { return std::polar(1.0, -kTwoPi * cfo * position); }

}  // namespace

SlotSynchronizer::SlotSynchronizer(const SlotSyncConfig& config) : config_(config) {
  config.format.validate();
  if (config.antennas < 1) throw std::invalid_argument("SlotSynchronizer: antennas must be >= 1");
  if (!(config.detection_threshold > 0 && config.detection_threshold < 1))
    throw std::invalid_argument("SlotSynchronizer: detection_threshold must be in (0, 1), got " +
                                std::to_string(config.detection_threshold));
  preamble_ = preamble_symbols(config.format);
  window_ = config.format.preamble_half * config.format.samples_per_symbol;
  buffer_.resize(config.antennas);
  sum1_.assign(config.antennas, Sample{});
  sum2_.assign(config.antennas, Sample{});
}

std::vector<ReceivedSlot> SlotSynchronizer::push(const std::vector<const Sample*>& channels, std::size_t n) {
  if (static_cast<int>(channels.size()) != config_.antennas)
    throw std::invalid_argument("SlotSynchronizer::push: got " + std::to_string(channels.size()) +
                                " channels, configured for K = " + std::to_string(config_.antennas));
  for (int k = 0; k < config_.antennas; ++k) {
    if (n > 0 && channels[k] == nullptr)
      throw std::invalid_argument("SlotSynchronizer::push: channel " + std::to_string(k) + " is null");
    buffer_[k].insert(buffer_[k].end(), channels[k], channels[k] + n);
  }
  std::vector<ReceivedSlot> out;
  while (try_detect(out)) {
  }
  return out;
}

void SlotSynchronizer::reset_running_sums(std::uint64_t d) {
  p_ = {};
  e1_ = e2_ = 0;
  for (int k = 0; k < config_.antennas; ++k) {
    sum1_[k] = sum2_[k] = {};
    for (int i = 0; i < window_; ++i) {
      const Sample a = at(k, d + i), b = at(k, d + window_ + i);
      p_ += b * std::conj(a);
      e1_ += std::norm(a);
      e2_ += std::norm(b);
      sum1_[k] += a;
      sum2_[k] += b;
    }
  }
  sums_valid_ = true;
  since_reset_ = 0;
}

// From the sums at d to those at d + 1.
void SlotSynchronizer::advance_running_sums(std::uint64_t d) {
  if (++since_reset_ >= kResetInterval) {
    reset_running_sums(d + 1);
    return;
  }
  for (int k = 0; k < config_.antennas; ++k) {
    const Sample a0 = at(k, d), a1 = at(k, d + window_), a2 = at(k, d + 2 * window_);
    p_ += a2 * std::conj(a1) - a1 * std::conj(a0);
    e1_ += std::norm(a1) - std::norm(a0);
    e2_ += std::norm(a2) - std::norm(a1);
    sum1_[k] += a1 - a0;
    sum2_[k] += a2 - a1;
  }
}

// The sums with each window's per-channel mean removed (covariances instead
// of correlations), so a DC offset, which is periodic too, cancels exactly.
SlotSynchronizer::Centred SlotSynchronizer::centred() const {
  Centred c{p_, e1_, e2_};
  for (int k = 0; k < config_.antennas; ++k) {
    c.p -= sum2_[k] * std::conj(sum1_[k]) / static_cast<double>(window_);
    c.e1 -= std::norm(sum1_[k]) / window_;
    c.e2 -= std::norm(sum2_[k]) / window_;
  }
  return c;
}

double SlotSynchronizer::metric() const {
  const Centred c = centred();
  const double denominator = c.e1 * c.e2;
  return denominator > 1e-300 ? std::norm(c.p) / denominator : 0.0;
}

// Tests positions from next_ on; true when it produced a slot (call again).
bool SlotSynchronizer::try_detect(std::vector<ReceivedSlot>& out) {
  const std::uint64_t end = samples_received();
  while (!pending_) {
    if (!sums_valid_) {
      if (next_ + 2 * window_ > end) break;
      reset_running_sums(next_);
    }
    if (metric() >= config_.detection_threshold) {
      if (next_ + 3 * window_ + 1 > end) break;  // the scan below reads this far
      scan_for_peak();
      break;
    }
    if (next_ + 2 * window_ + 1 > end) break;
    advance_running_sums(next_);
    ++next_;
  }
  if (pending_ && pending_peak_ + last_symbol_reach() <= end) {
    ReceivedSlot slot = extract(pending_peak_, pending_p_);
    slot.detection_metric = pending_metric_;
    slot.index = slots_++;
    pending_ = false;
    sums_valid_ = false;
    next_ = static_cast<std::uint64_t>(std::floor(slot.timing)) + config_.format.slot_samples() - window_ / 2;
    out.push_back(std::move(slot));
    discard_before(next_ > static_cast<std::uint64_t>(window_) ? next_ - window_ : 0);
    return true;
  }
  discard_before(next_ > static_cast<std::uint64_t>(window_) ? next_ - window_ : 0);
  return false;
}

// The metric's peak lies within one preamble half of its first crossing.
void SlotSynchronizer::scan_for_peak() {
  pending_ = true;
  pending_peak_ = next_;
  pending_metric_ = metric();
  pending_p_ = centred().p;
  for (int step = 0; step < window_; ++step, ++next_) {
    advance_running_sums(next_);
    if (metric() > pending_metric_) {
      pending_metric_ = metric();
      pending_peak_ = next_ + 1;
      pending_p_ = centred().p;
    }
  }
}

// Samples needed after a coarse peak before its slot can be cut out: the
// timing search, the slot up to its last aux symbol, the interpolator's taps.
std::uint64_t SlotSynchronizer::last_symbol_reach() const {
  const SlotFormat& f = config_.format;
  const int last_symbol = f.slot_symbols() - f.guard_symbols;
  return static_cast<std::uint64_t>((kSearchSymbols + last_symbol) * f.samples_per_symbol + kInterpolationHalf + 2);
}

// The summed correlation power of the known preamble at fractional position
// tau, from the per-channel correlations at integer lags (the correlation is
// a linear filter of band-limited samples, so it interpolates like them).
double SlotSynchronizer::refine_timing(std::uint64_t coarse, double cfo) const {
  const int sps = config_.format.samples_per_symbol;
  const int reach = kSearchSymbols * sps + kInterpolationHalf + 1;
  std::int64_t lag0 = static_cast<std::int64_t>(coarse) - reach;
  if (lag0 < static_cast<std::int64_t>(base_)) lag0 = static_cast<std::int64_t>(base_);
  const int count = 2 * reach + 1;
  std::vector<ComplexVector> lags(config_.antennas, ComplexVector::Zero(count));
  ComplexVector reference(preamble_.size());
  for (Eigen::Index i = 0; i < preamble_.size(); ++i)
    reference(i) = std::conj(preamble_(i)) * rotation(cfo, static_cast<double>(i * sps));
  reference.array() -= reference.mean();  // blind to DC, like the least-squares fit in extract()
  for (int k = 0; k < config_.antennas; ++k)
    for (int l = 0; l < count; ++l) {
      Sample c{};
      for (Eigen::Index i = 0; i < reference.size(); ++i)
        c += reference(i) * at(k, static_cast<std::uint64_t>(lag0 + l + i * sps));
      lags[k](l) = c;
    }
  auto power = [&](double tau) {
    const double local = tau - static_cast<double>(lag0), whole = std::floor(local);
    const Interpolator interpolator(local - whole, kInterpolationHalf);
    double total = 0;
    for (int k = 0; k < config_.antennas; ++k)
      total += std::norm(interpolator.at(lags[k].data(), static_cast<std::size_t>(count), static_cast<long long>(whole)));
    return total;
  };
  // Best integer lag within the search range, then golden section around it.
  const int low = static_cast<int>(static_cast<std::int64_t>(coarse) - kSearchSymbols * sps - lag0);
  const int high = static_cast<int>(static_cast<std::int64_t>(coarse) + kSearchSymbols * sps - lag0);
  int best = std::max(low, 0);
  double best_power = -1;
  for (int l = std::max(low, 0); l <= std::min(high, count - 1); ++l) {
    double p = 0;
    for (int k = 0; k < config_.antennas; ++k) p += std::norm(lags[k](l));
    if (p > best_power) {
      best_power = p;
      best = l;
    }
  }
  const double golden = 0.5 * (std::sqrt(5.0) - 1.0);
  double a = lag0 + best - 1.0, b = lag0 + best + 1.0;
  double x1 = b - golden * (b - a), x2 = a + golden * (b - a);
  double f1 = power(x1), f2 = power(x2);
  for (int it = 0; it < kGoldenIterations; ++it) {
    if (f1 > f2) {
      b = x2, x2 = x1, f2 = f1;
      x1 = b - golden * (b - a), f1 = power(x1);
    } else {
      a = x1, x1 = x2, f1 = f2;
      x2 = a + golden * (b - a), f2 = power(x2);
    }
  }
  return 0.5 * (a + b);
}

SlotSynchronizer::SymbolSampler::SymbolSampler(const SlotSynchronizer& sync, double timing)
    : sync_(sync),
      first_(std::floor(timing - static_cast<double>(sync.base_))),
      interpolator_(timing - static_cast<double>(sync.base_) - first_, kInterpolationHalf) {}

Sample SlotSynchronizer::SymbolSampler::operator()(int k, int symbol) const {
  const auto& channel = sync_.buffer_[k];
  const long long index = static_cast<long long>(first_) + static_cast<long long>(symbol) * sync_.config_.format.samples_per_symbol;
  return interpolator_.at(channel.data(), channel.size(), index);
}

// Moose's estimator on the preamble's symbol instants: the phase advance from
// the first half to the second, summed over channels. Unlike the running
// Schmidl-Cox sum it sees no pulse tails from outside the preamble.
double SlotSynchronizer::residual_cfo(double timing, double cfo) const {
  const int sps = config_.format.samples_per_symbol;
  const int half = config_.format.preamble_half;
  // Zero-mean references for each half, so that a DC offset cancels.
  ComplexVector first_ref(half), second_ref(half);
  for (int i = 0; i < half; ++i) {
    const double t1 = timing + static_cast<double>(i) * sps;
    first_ref(i) = std::conj(preamble_(i)) * rotation(cfo, t1);
    second_ref(i) = std::conj(preamble_(i)) * rotation(cfo, t1 + window_);
  }
  first_ref.array() -= first_ref.mean();
  second_ref.array() -= second_ref.mean();
  const SymbolSampler sample(*this, timing);
  Sample sum{};
  for (int k = 0; k < config_.antennas; ++k) {
    Sample first{}, second{};
    for (int i = 0; i < half; ++i) {
      first += first_ref(i) * sample(k, i);
      second += second_ref(i) * sample(k, i + half);
    }
    sum += second * std::conj(first);
  }
  return std::arg(sum) / (kTwoPi * window_);
}

ReceivedSlot SlotSynchronizer::extract(std::uint64_t peak, Sample correlation) const {
  const SlotFormat& f = config_.format;
  const int sps = f.samples_per_symbol;
  const int antennas = config_.antennas;
  ReceivedSlot slot;
  slot.cfo = std::arg(correlation) / (kTwoPi * window_);
  slot.timing = refine_timing(peak, slot.cfo);
  slot.cfo += residual_cfo(slot.timing, slot.cfo);

  const SymbolSampler sample(*this, slot.timing);
  auto phase = [&](int symbol) { return rotation(slot.cfo, slot.timing + static_cast<double>(symbol) * sps); };

  // Per channel, least squares r_i = a u_i + d with u_i the rotated preamble.
  const int np = static_cast<int>(preamble_.size());
  ComplexVector u(np);
  for (int i = 0; i < np; ++i) u(i) = preamble_(i) / phase(i);
  const Sample su = u.sum();
  const double suu = u.squaredNorm();
  const double det = np * suu - std::norm(su);
  ComplexVector fine_dc(antennas);
  double signal = 0, residual = 0;
  for (int k = 0; k < antennas; ++k) {
    ComplexVector r(np);
    for (int i = 0; i < np; ++i) r(i) = sample(k, i);
    const Sample sur = u.dot(r);  // sum conj(u) r
    const Sample sr = r.sum();
    const Sample a = (static_cast<double>(np) * sur - std::conj(su) * sr) / det;
    const Sample d = (suu * sr - su * sur) / det;
    fine_dc(k) = d;
    signal += std::norm(a);
    residual += (r - a * u - ComplexVector::Constant(np, d)).squaredNorm();
  }
  slot.dc = fine_dc;
  const double noise = residual / (antennas * (np - 2.0));
  slot.snr_db = 10.0 * std::log10(signal / antennas / std::max(noise, 1e-300));

  auto cut = [&](int start, int symbols, double scale) {
    ComplexMatrix m(antennas, symbols);
    for (int k = 0; k < antennas; ++k)
      for (int s = 0; s < symbols; ++s) m(k, s) = (sample(k, start + s) - fine_dc(k)) * phase(start + s) / scale;
    return m;
  };
  slot.payload = cut(f.payload_start(), f.codeword_length, f.payload_scale());
  for (int n = 0; n < f.devices; ++n) slot.aux.push_back(cut(f.aux_start(n), f.aux_symbols(), 1.0));
  return slot;
}

void SlotSynchronizer::discard_before(std::uint64_t position) {
  // Keep room for the interpolator's left taps and the timing search.
  const std::uint64_t margin = 2 * kInterpolationHalf + kSearchSymbols * config_.format.samples_per_symbol;
  if (position <= base_ + margin) return;
  const std::size_t drop = static_cast<std::size_t>(position - margin - base_);
  if (drop < 4096 || drop > buffered()) return;  // erase in large steps only
  for (auto& channel : buffer_) channel.erase(channel.begin(), channel.begin() + static_cast<std::ptrdiff_t>(drop));
  base_ += drop;
}

}  // namespace moema::rx
