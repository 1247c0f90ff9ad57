#include "moema/air/slot_format.hpp"

#include "moema/air/aux_message.hpp"
#include "moema/air/dbpsk.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace moema::rx {

namespace {

constexpr double kPi = 3.14159265358979323846;

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("SlotFormat: " + what);
}

// The RRC impulse response at t symbol periods (textbook closed form, with the
// two removable singularities at t = 0 and |t| = 1/(4 beta)).
double rrc_at(double t, double beta) {
  if (std::abs(t) < 1e-12) return 1.0 - beta + 4.0 * beta / kPi;
  if (beta > 0 && std::abs(std::abs(t) - 1.0 / (4.0 * beta)) < 1e-9) {
    const double a = kPi / (4.0 * beta);
    return beta / std::sqrt(2.0) * ((1.0 + 2.0 / kPi) * std::sin(a) + (1.0 - 2.0 / kPi) * std::cos(a));
  }
  const double num = std::sin(kPi * t * (1.0 - beta)) + 4.0 * beta * t * std::cos(kPi * t * (1.0 + beta));
  const double den = kPi * t * (1.0 - std::pow(4.0 * beta * t, 2));
  return num / den;
}

}  // namespace

void SlotFormat::validate() const {
  require(devices >= 1, "devices must be >= 1, got " + std::to_string(devices));
  require(codeword_length >= 1, "codeword_length must be >= 1, got " + std::to_string(codeword_length));
  require(aux_values >= 0, "aux_values must be >= 0, got " + std::to_string(aux_values));
  require(samples_per_symbol >= 2, "samples_per_symbol must be >= 2, got " + std::to_string(samples_per_symbol));
  require(rolloff > 0 && rolloff <= 1, "rolloff must be in (0, 1], got " + std::to_string(rolloff));
  require(filter_span >= 2 && filter_span % 2 == 0,
          "filter_span must be an even number of symbols >= 2, got " + std::to_string(filter_span));
  require(preamble_half >= 7 && preamble_half % 2 == 1,
          "preamble_half must be odd and >= 7 (a Zadoff-Chu length), got " + std::to_string(preamble_half));
  require(payload_gap >= 0, "payload_gap must be >= 0, got " + std::to_string(payload_gap));
  require(guard_symbols >= filter_span, "guard_symbols (" + std::to_string(guard_symbols) +
                                            ") must be >= filter_span (" + std::to_string(filter_span) + ")");
}

int SlotFormat::aux_bits() const { return AuxLayout{aux_values}.bits(); }

int SlotFormat::aux_start(int device) const {
  if (device < 0 || device >= devices)
    throw std::invalid_argument("SlotFormat::aux_start: device " + std::to_string(device) + " of " +
                                std::to_string(devices));
  return payload_start() + codeword_length + guard_symbols + device * (aux_symbols() + guard_symbols);
}

int SlotFormat::slot_symbols() const {
  return payload_start() + codeword_length + guard_symbols + devices * (aux_symbols() + guard_symbols);
}

double SlotFormat::payload_scale() const { return std::sqrt(static_cast<double>(codeword_length)); }

ComplexVector preamble_symbols(const SlotFormat& format) {
  format.validate();
  const int l = format.preamble_half;
  ComplexVector p(2 * l);
  for (int n = 0; n < l; ++n) {
    const double phase = -kPi * n * (n + 1.0) / l;
    p(n) = p(n + l) = std::polar(1.0, phase);
  }
  return p;
}

ComplexVector device_slot_symbols(const SlotFormat& format, int device, const Vector& codeword,
                                  const std::vector<std::uint8_t>& aux_bits) {
  format.validate();
  const std::string where = "device_slot_symbols: ";
  if (codeword.size() != format.codeword_length)
    throw std::invalid_argument(where + "codeword has " + std::to_string(codeword.size()) + " entries, expected M = " +
                                std::to_string(format.codeword_length));
  if (static_cast<int>(aux_bits.size()) != format.aux_bits())
    throw std::invalid_argument(where + "aux message has " + std::to_string(aux_bits.size()) +
                                " bits, expected " + std::to_string(format.aux_bits()));
  require_finite(codeword, "device_slot_symbols: codeword");
  ComplexVector s = ComplexVector::Zero(format.slot_symbols());
  s.head(format.preamble_symbols()) = preamble_symbols(format);
  s.segment(format.payload_start(), format.codeword_length) =
      (format.payload_scale() * codeword).cast<std::complex<double>>();
  s.segment(format.aux_start(device), format.aux_symbols()) = dbpsk_modulate(aux_bits);
  return s;
}

std::vector<double> root_raised_cosine(int samples_per_symbol, double rolloff, int span) {
  if (samples_per_symbol < 1 || span < 1 || !(rolloff > 0 && rolloff <= 1))
    throw std::invalid_argument("root_raised_cosine: needs samples_per_symbol >= 1, span >= 1, 0 < rolloff <= 1");
  const int n = span * samples_per_symbol + 1;
  std::vector<double> taps(n);
  double energy = 0;
  for (int i = 0; i < n; ++i) {
    taps[i] = rrc_at(static_cast<double>(i - n / 2) / samples_per_symbol, rolloff);
    energy += taps[i] * taps[i];
  }
  for (double& t : taps) t /= std::sqrt(energy);
  return taps;
}

SlotPulseShaper::SlotPulseShaper(std::vector<double> taps, int samples_per_symbol)
    : taps_(std::move(taps)), samples_per_symbol_(samples_per_symbol) {
  if (taps_.empty() || samples_per_symbol < 1)
    throw std::invalid_argument("SlotPulseShaper: needs taps and samples_per_symbol >= 1");
  tail_.assign(taps_.size() - 1, Sample{});
}

std::vector<Sample> SlotPulseShaper::next(const ComplexVector& symbols) {
  std::vector<Sample> shaped = pulse_shape(symbols, taps_, samples_per_symbol_);
  const auto length = static_cast<std::size_t>(symbols.size()) * static_cast<std::size_t>(samples_per_symbol_);
  for (std::size_t i = 0; i < tail_.size(); ++i) shaped[i] += tail_[i];
  tail_.assign(shaped.begin() + static_cast<std::ptrdiff_t>(length), shaped.end());
  shaped.resize(length);
  return shaped;
}

std::vector<Sample> fir_filter(const std::vector<Sample>& x, const std::vector<double>& taps) {
  if (x.empty() || taps.empty()) return {};
  std::vector<Sample> y(x.size() + taps.size() - 1, Sample{});
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i] == Sample{}) continue;  // zero-stuffed input: skip the zeros
    for (std::size_t j = 0; j < taps.size(); ++j) y[i + j] += x[i] * taps[j];
  }
  return y;
}

FirFilter::FirFilter(std::vector<double> taps) : reversed_(taps.rbegin(), taps.rend()) {
  if (taps.empty()) throw std::invalid_argument("FirFilter: no taps");
  history_.assign(taps.size() - 1, Sample{});
}

void FirFilter::process(const Sample* in, Sample* out, std::size_t n) {
  const std::size_t memory = reversed_.size() - 1;
  const std::size_t taps = reversed_.size();
  history_.insert(history_.end(), in, in + n);
  // Four outputs at a time, their re/im sums held in registers while the taps
  // stream past (the compiler vectorises the eight lanes). Each output sums
  // its products in tap order whatever the block size, so a stream filtered
  // in any chunks gives the same samples, bit for bit.
  const auto* x = reinterpret_cast<const double*>(history_.data());
  auto* o = reinterpret_cast<double*>(out);
  constexpr int kLanes = 8;  // 4 complex outputs
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    Eigen::Array<double, kLanes, 1> acc = Eigen::Array<double, kLanes, 1>::Zero();
    for (std::size_t j = 0; j < taps; ++j)
      acc += reversed_[j] * Eigen::Map<const Eigen::Array<double, kLanes, 1>>(x + 2 * (i + j));
    Eigen::Map<Eigen::Array<double, kLanes, 1>>(o + 2 * i) = acc;
  }
  for (; i < n; ++i) {
    double re = 0, im = 0;
    for (std::size_t j = 0; j < taps; ++j) {
      re += reversed_[j] * x[2 * (i + j)];
      im += reversed_[j] * x[2 * (i + j) + 1];
    }
    o[2 * i] = re;
    o[2 * i + 1] = im;
  }
  history_.erase(history_.begin(), history_.end() - static_cast<std::ptrdiff_t>(memory));
}

std::vector<Sample> pulse_shape(const ComplexVector& symbols, const std::vector<double>& taps,
                                int samples_per_symbol) {
  std::vector<Sample> stuffed(static_cast<std::size_t>(symbols.size()) * samples_per_symbol, Sample{});
  for (Eigen::Index i = 0; i < symbols.size(); ++i) stuffed[i * samples_per_symbol] = symbols(i);
  return fir_filter(stuffed, taps);
}

}  // namespace moema::rx
