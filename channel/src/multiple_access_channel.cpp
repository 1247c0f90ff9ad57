#include "moema/channel/multiple_access_channel.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace moema::rx {

namespace {

constexpr double kTwoPi = 6.28318530717958647692;
constexpr int kHalfLength = 8;           // interpolator half length: 4e-4 error up to 0.35 fs
constexpr std::size_t kChunk = 1024;     // samples per pass through the three stages
constexpr std::uint64_t kResync = 1024;  // the oscillators restart from the exact phase this often

const std::string kWhere = "MultipleAccessChannel: ";

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(kWhere + message);
}

std::string indexed(const std::string& field, std::size_t i) { return field + "[" + std::to_string(i) + "]"; }

void require_finite(double value, const std::string& field) {
  require(std::isfinite(value), field + " is not finite");
}

void require_delay(double value, const std::string& field) {
  require_finite(value, field);
  require(value >= 0.0, field + " is negative (" + std::to_string(value) + ")");
}

// A per-channel vector is either absent or has one entry per antenna.
template <typename T>
void require_per_channel(const std::vector<T>& values, int antennas, const std::string& field) {
  require(values.empty() || static_cast<int>(values.size()) == antennas,
          field + " has " + std::to_string(values.size()) + " entries for K = " + std::to_string(antennas) +
              " antennas (expected 0 or K)");
}

bool has_fraction(double delay) { return delay != std::floor(delay); }

// Plain complex product: std::complex's operator* checks for NaN/Inf and may
// call __muldc3, which is slow in the inner loops and buys nothing here.
inline std::complex<double> mul(std::complex<double> a, std::complex<double> b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

double db_to_linear(double db) { return std::pow(10.0, db / 10.0); }

// Delay lines get their own error prefix; this names the config field as well.
FractionalDelayLine make_line(double delay, int half_length, const std::string& field) {
  try {
    return FractionalDelayLine(delay, half_length);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(kWhere + field + ": " + e.what());
  }
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void validate(const MultipleAccessConfig& config) {
  require(config.antennas >= 1, "antennas must be >= 1, got " + std::to_string(config.antennas));
  require(config.block_length >= 0, "block_length must be >= 0, got " + std::to_string(config.block_length));
  require(config.fading == Fading::UnitNorm || config.fading == Fading::Rayleigh, "fading is not a known model");
  require_finite(config.noise_variance, "noise_variance");
  require(config.noise_variance >= 0.0, "noise_variance is negative (" + std::to_string(config.noise_variance) + ")");
  require(!config.devices.empty(), "devices is empty: need at least one device");
  for (std::size_t n = 0; n < config.devices.size(); ++n) {
    const DeviceImpairments& d = config.devices[n];
    const std::string field = indexed("devices", n);
    require_finite(d.path_gain_db, field + ".path_gain_db");
    require_delay(d.timing_offset, field + ".timing_offset");
    require_finite(d.cfo, field + ".cfo");
    require_finite(d.phase, field + ".phase");
  }
  const ApImpairments& ap = config.ap;
  require_per_channel(ap.dc_offset, config.antennas, "ap.dc_offset");
  require_per_channel(ap.gain_db, config.antennas, "ap.gain_db");
  require_per_channel(ap.phase, config.antennas, "ap.phase");
  require_per_channel(ap.delay, config.antennas, "ap.delay");
  for (std::size_t k = 0; k < ap.dc_offset.size(); ++k) {
    require_finite(ap.dc_offset[k].real(), indexed("ap.dc_offset", k));
    require_finite(ap.dc_offset[k].imag(), indexed("ap.dc_offset", k));
  }
  for (std::size_t k = 0; k < ap.gain_db.size(); ++k) require_finite(ap.gain_db[k], indexed("ap.gain_db", k));
  for (std::size_t k = 0; k < ap.phase.size(); ++k) require_finite(ap.phase[k], indexed("ap.phase", k));
  for (std::size_t k = 0; k < ap.delay.size(); ++k) require_delay(ap.delay[k], indexed("ap.delay", k));
}

}  // namespace

MultipleAccessChannel::MultipleAccessChannel(const MultipleAccessConfig& config, std::uint64_t seed)
    : antennas_(config.antennas),
      block_length_(config.block_length),
      fading_(config.fading),
      noise_sigma_(0.0),
      device_lookahead_(0),
      ap_lookahead_(0),
      has_ap_delay_(!config.ap.delay.empty()),
      block_position_(0),
      fading_rng_(seed),
      noise_rng_(splitmix64(seed)) {
  validate(config);
  noise_sigma_ = std::sqrt(config.noise_variance / 2.0);
  // Lookahead only where some delay has a fraction: integer delays stay exact.
  for (const DeviceImpairments& d : config.devices)
    if (has_fraction(d.timing_offset)) device_lookahead_ = kHalfLength;
  for (double delay : config.ap.delay)
    if (has_fraction(delay)) ap_lookahead_ = kHalfLength;

  for (std::size_t n = 0; n < config.devices.size(); ++n) {
    const DeviceImpairments& d = config.devices[n];
    Device device{make_line(d.timing_offset, device_lookahead_, indexed("devices", n) + ".timing_offset"),
                  std::sqrt(db_to_linear(d.path_gain_db)),
                  d.cfo,
                  d.phase,
                  std::polar(1.0, kTwoPi * d.cfo),
                  {0.0, 0.0}};
    device.phasor = exact_phasor(device, 0);
    devices_.push_back(std::move(device));
  }
  const ApImpairments& ap = config.ap;
  for (std::size_t k = 0; k < static_cast<std::size_t>(antennas_); ++k) {
    const double gain_db = ap.gain_db.empty() ? 0.0 : ap.gain_db[k];
    const double phase = ap.phase.empty() ? 0.0 : ap.phase[k];
    receivers_.push_back({make_line(has_ap_delay_ ? ap.delay[k] : 0.0, ap_lookahead_, indexed("ap.delay", k)),
                          std::polar(std::sqrt(db_to_linear(gain_db)), phase),
                          ap.dc_offset.empty() ? std::complex<double>(0.0, 0.0) : ap.dc_offset[k]});
  }

  // Block 0 also covers the lookahead samples, whose model time is negative.
  block_position_ = -device_lookahead_;
  gain_table_.resize(devices_.size() * antennas_);
  draw_gains();
  device_buffer_.resize(devices_.size() * kChunk);
  antenna_buffer_.resize(antennas_ * kChunk);
  noise_buffer_.resize(antennas_ * kChunk);
}

void MultipleAccessChannel::draw_gains() {
  const std::size_t devices = devices_.size();
  gains_.resize(devices);
  for (std::size_t n = 0; n < devices; ++n) {
    ComplexVector h(antennas_);
    for (int k = 0; k < antennas_; ++k) {
      const double re = fading_gauss_(fading_rng_);
      h(k) = {re, fading_gauss_(fading_rng_)};
    }
    gains_[n] = fading_ == Fading::UnitNorm ? ComplexVector(h.normalized()) : ComplexVector(h * std::sqrt(0.5));
    for (int k = 0; k < antennas_; ++k) gain_table_[k * devices + n] = gains_[n](k);
  }
}

// sqrt(G_n) e^{j(2 pi cfo t + phase)} computed afresh at model time t = sample -
// lookahead; only the fractional cycles enter the sine, so the phase stays exact
// however long the stream runs.
std::complex<double> MultipleAccessChannel::exact_phasor(const Device& device, std::uint64_t sample) const {
  const double t = static_cast<double>(sample) - device_lookahead_;
  const double cycles = device.cfo * t;
  return std::polar(device.amplitude, kTwoPi * (cycles - std::floor(cycles)) + device.phase);
}

void MultipleAccessChannel::process(const std::vector<const std::complex<double>*>& inputs,
                                    const std::vector<std::complex<double>*>& outputs, std::size_t n) {
  const std::string where = "MultipleAccessChannel::process: ";
  if (inputs.size() != devices_.size())
    throw std::invalid_argument(where + "got " + std::to_string(inputs.size()) + " input streams for N = " +
                                std::to_string(devices_.size()) + " devices");
  if (outputs.size() != static_cast<std::size_t>(antennas_))
    throw std::invalid_argument(where + "got " + std::to_string(outputs.size()) + " output streams for K = " +
                                std::to_string(antennas_) + " antennas");
  if (n == 0) return;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i] == nullptr) throw std::invalid_argument(where + indexed("inputs", i) + " is null");
  for (std::size_t k = 0; k < outputs.size(); ++k)
    if (outputs[k] == nullptr) throw std::invalid_argument(where + indexed("outputs", k) + " is null");
  for (std::size_t offset = 0; offset < n; offset += kChunk) {
    const std::size_t count = std::min(kChunk, n - offset);
    device_stage(inputs, offset, count);
    combine(count);
    receiver_stage(outputs, offset, count);
    sample_ += count;
  }
}

// Delay, carrier rotation and path gain of every device, into device_buffer_.
void MultipleAccessChannel::device_stage(const std::vector<const std::complex<double>*>& inputs, std::size_t offset,
                                         std::size_t count) {
  for (std::size_t n = 0; n < devices_.size(); ++n) {
    Device& device = devices_[n];
    std::complex<double>* buffer = device_buffer_.data() + n * kChunk;
    device.line.process(inputs[n] + offset, buffer, count);
    // Phasor recurrence, restarted from the exact value at fixed multiples of
    // kResync on the channel's clock: no drift, no std::exp per sample, and
    // the same values whatever the chunking.
    for (std::size_t s = 0; s < count; ++s) {
      if ((sample_ + s) % kResync == 0) device.phasor = exact_phasor(device, sample_ + s);
      buffer[s] = mul(buffer[s], device.phasor);
      device.phasor = mul(device.phasor, device.rotation);
    }
  }
}

// r_k = sum_n h_nk u_n, block by block, into antenna_buffer_. The new block's
// gains are drawn when its first sample comes, so gains() always belongs to the
// last sample processed.
void MultipleAccessChannel::combine(std::size_t count) {
  const std::size_t devices = devices_.size();
  for (std::size_t first = 0; first < count;) {
    std::size_t length = count - first;
    if (block_length_ > 0) {
      if (block_position_ == block_length_) {
        draw_gains();
        block_position_ = 0;
      }
      length = std::min<std::size_t>(length, static_cast<std::size_t>(block_length_ - block_position_));
    }
    for (std::size_t k = 0; k < static_cast<std::size_t>(antennas_); ++k) {
      std::complex<double>* out = antenna_buffer_.data() + k * kChunk + first;
      std::fill(out, out + length, std::complex<double>(0.0, 0.0));
      for (std::size_t n = 0; n < devices; ++n) {
        const std::complex<double> h = gain_table_[k * devices + n];
        const std::complex<double>* in = device_buffer_.data() + n * kChunk + first;
        for (std::size_t s = 0; s < length; ++s) out[s] += mul(h, in[s]);
      }
    }
    block_position_ += static_cast<std::int64_t>(length);
    first += length;
  }
}

// Per-channel delay, noise, per-channel gain and DC offset, into the outputs.
void MultipleAccessChannel::receiver_stage(const std::vector<std::complex<double>*>& outputs, std::size_t offset,
                                           std::size_t count) {
  const bool noisy = noise_sigma_ > 0.0;
  if (noisy) {
    // Drawn sample by sample, antenna by antenna: the order that does not
    // depend on how the stream is chunked.
    for (std::size_t s = 0; s < count; ++s)
      for (std::size_t k = 0; k < static_cast<std::size_t>(antennas_); ++k) {
        const double re = noise_sigma_ * noise_gauss_(noise_rng_);
        noise_buffer_[k * kChunk + s] = {re, noise_sigma_ * noise_gauss_(noise_rng_)};
      }
  }
  for (std::size_t k = 0; k < static_cast<std::size_t>(antennas_); ++k) {
    Receiver& receiver = receivers_[k];
    std::complex<double>* signal = antenna_buffer_.data() + k * kChunk;
    if (has_ap_delay_) receiver.line.process(signal, signal, count);
    if (noisy) {
      const std::complex<double>* noise = noise_buffer_.data() + k * kChunk;
      for (std::size_t s = 0; s < count; ++s) signal[s] += noise[s];
    }
    std::complex<double>* out = outputs[k] + offset;
    for (std::size_t s = 0; s < count; ++s) out[s] = mul(receiver.gain, signal[s]) + receiver.dc;
  }
}

}  // namespace moema::rx
