#include "moema/calibration/splitter_bench.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace moema::calibration {

namespace {

// A bound that keeps a mistyped delay from asking for gigabytes of samples.
constexpr double kMaxDelay = 1e6;

void require(bool ok, const std::string& what) {
  if (!ok) throw CalibrationError("SplitterBench: " + what);
}

template <typename T>
void require_per_channel(const std::vector<T>& values, int channels, const std::string& field) {
  require(values.empty() || static_cast<int>(values.size()) == channels,
          field + " has " + std::to_string(values.size()) + " entries for " + std::to_string(channels) +
              " channels (expected 0 or " + std::to_string(channels) + ")");
}

void validate(const SplitterBench& bench) {
  require(bench.channels >= 1, "channels must be >= 1, got " + std::to_string(bench.channels));
  bench.reference.validate();
  require(std::isfinite(bench.cfo), "cfo is not finite");
  require(std::isfinite(bench.snr_db), "snr_db must be a finite number of dB");
  require(bench.lead_samples >= 0, "lead_samples must be >= 0, got " + std::to_string(bench.lead_samples));
  const rx::ApImpairments& r = bench.receivers;
  require_per_channel(r.dc_offset, bench.channels, "receivers.dc_offset");
  require_per_channel(r.gain_db, bench.channels, "receivers.gain_db");
  require_per_channel(r.phase, bench.channels, "receivers.phase");
  require_per_channel(r.delay, bench.channels, "receivers.delay");
  for (std::size_t k = 0; k < r.delay.size(); ++k)
    require(std::isfinite(r.delay[k]) && r.delay[k] >= 0 && r.delay[k] <= kMaxDelay,
            "receivers.delay[" + std::to_string(k) + "] must be in [0, 1e6] samples, got " + std::to_string(r.delay[k]));
  for (std::size_t k = 0; k < r.gain_db.size(); ++k)
    require(std::isfinite(r.gain_db[k]), "receivers.gain_db[" + std::to_string(k) + "] is not finite");
  for (std::size_t k = 0; k < r.phase.size(); ++k)
    require(std::isfinite(r.phase[k]), "receivers.phase[" + std::to_string(k) + "] is not finite");
  for (std::size_t k = 0; k < r.dc_offset.size(); ++k)
    require(std::isfinite(std::abs(r.dc_offset[k])), "receivers.dc_offset[" + std::to_string(k) + "] is not finite");
  require(bench.tail_samples >= 0, "tail_samples must be >= 0, got " + std::to_string(bench.tail_samples));
}

double mean_burst_power(const ReferenceConfig& reference) {
  double power = 0;
  const std::vector<Sample> burst = reference_burst(reference);
  for (const Sample& s : burst) power += std::norm(s);
  return power / static_cast<double>(burst.size());
}

template <typename T>
std::vector<T> entry(const std::vector<T>& values, int k) {
  return values.empty() ? std::vector<T>{} : std::vector<T>{values[static_cast<std::size_t>(k)]};
}

rx::MultipleAccessConfig receive_chain(const SplitterBench& bench, int k, double noise_variance) {
  rx::MultipleAccessConfig config;
  config.antennas = 1;
  config.noise_variance = noise_variance;
  config.devices = {rx::DeviceImpairments{0.0, 0.0, bench.cfo, 0.0}};
  config.ap = {entry(bench.receivers.dc_offset, k), entry(bench.receivers.gain_db, k),
               entry(bench.receivers.phase, k), entry(bench.receivers.delay, k)};
  return config;
}

// Channel k's capture: the transmitted stream through its own receive chain,
// lookahead dropped, so sample t is y_k(t) of the model above.
std::vector<Sample> capture_channel(const SplitterBench& bench, int k, const std::vector<Sample>& transmitted,
                                    double noise_variance) {
  rx::MultipleAccessChannel chain(receive_chain(bench, k, noise_variance), bench.seed * 1000003ULL + static_cast<std::uint64_t>(k));
  const Sample splitter_path = std::conj(chain.gains().front()(0));  // cancels the unit-modulus draw
  std::vector<Sample> input(transmitted.size() + static_cast<std::size_t>(chain.lookahead()), Sample{});
  for (std::size_t t = 0; t < transmitted.size(); ++t) input[t] = transmitted[t] * splitter_path;
  std::vector<Sample> output(input.size());
  chain.process({input.data()}, {output.data()}, input.size());
  return {output.begin() + chain.lookahead(), output.end()};
}

}  // namespace

Channels simulate_splitter_capture(const SplitterBench& bench) {
  validate(bench);
  std::vector<Sample> transmitted(static_cast<std::size_t>(bench.lead_samples), Sample{});
  const std::vector<Sample> reference = reference_waveform(bench.reference);
  transmitted.insert(transmitted.end(), reference.begin(), reference.end());
  const std::vector<double>& delays = bench.receivers.delay;
  const double latest = delays.empty() ? 0.0 : *std::max_element(delays.begin(), delays.end());
  transmitted.resize(transmitted.size() + static_cast<std::size_t>(std::ceil(latest)) +
                         static_cast<std::size_t>(bench.tail_samples),
                     Sample{});
  const double noise_variance = mean_burst_power(bench.reference) / std::pow(10.0, bench.snr_db / 10.0);
  Channels captures;
  for (int k = 0; k < bench.channels; ++k) captures.push_back(capture_channel(bench, k, transmitted, noise_variance));
  return captures;
}

}  // namespace moema::calibration
