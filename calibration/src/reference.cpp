#include "moema/calibration/reference.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace moema::calibration {

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw CalibrationError("ReferenceConfig: " + what);
}

}  // namespace

void ReferenceConfig::validate() const {
  try {
    format.validate();
  } catch (const std::invalid_argument& e) {
    throw CalibrationError(std::string("ReferenceConfig.format: ") + e.what());
  }
  require(repetitions >= 2, "repetitions must be >= 2 (the carrier offset comes from the phase advance between "
                            "repetitions), got " + std::to_string(repetitions));
  require(gap_samples >= 0, "gap_samples must be >= 0, got " + std::to_string(gap_samples));
  require(std::isfinite(peak) && peak > 0 && peak <= 1.0,
          "peak must be in (0, 1] (full scale is 1.0), got " + std::to_string(peak));
  require(max_channel_delay >= 0 && 2 * max_channel_delay < period_samples(),
          "max_channel_delay must be >= 0 and below half a period (" + std::to_string(period_samples()) +
              " samples), got " + std::to_string(max_channel_delay));
}

int ReferenceConfig::burst_samples() const {
  // pulse_shape's full convolution: symbols * sps + (span * sps + 1) - 1.
  return (format.preamble_symbols() + format.filter_span) * format.samples_per_symbol;
}

std::string ReferenceConfig::describe() const {
  std::ostringstream text;
  text << "moema-preamble: Zadoff-Chu " << format.preamble_half << " twice, " << format.samples_per_symbol
       << " samples/symbol, RRC rolloff " << format.rolloff << " over " << format.filter_span << " symbols; "
       << repetitions << " bursts of " << burst_samples() << " samples, each followed by " << gap_samples
       << " silent samples";
  return text.str();
}

std::vector<Sample> reference_burst(const ReferenceConfig& config) {
  config.validate();
  const rx::SlotFormat& f = config.format;
  std::vector<Sample> burst = rx::pulse_shape(rx::preamble_symbols(f),
                                              rx::root_raised_cosine(f.samples_per_symbol, f.rolloff, f.filter_span),
                                              f.samples_per_symbol);
  double largest = 0;
  for (const Sample& s : burst) largest = std::max(largest, std::abs(s));
  for (Sample& s : burst) s *= config.peak / largest;
  return burst;
}

std::vector<Sample> reference_waveform(const ReferenceConfig& config) {
  const std::vector<Sample> burst = reference_burst(config);
  std::vector<Sample> waveform;
  waveform.reserve(static_cast<std::size_t>(config.total_samples()));
  for (int r = 0; r < config.repetitions; ++r) {
    waveform.insert(waveform.end(), burst.begin(), burst.end());
    waveform.insert(waveform.end(), static_cast<std::size_t>(config.gap_samples), Sample{});
  }
  return waveform;
}

}  // namespace moema::calibration
