#include "moema/io/sample_clock.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace moema::rx {

void SampleClock::set_rate(double sample_rate) {
  if (!std::isfinite(sample_rate) || sample_rate <= 0)
    throw std::invalid_argument("SampleClock: sample rate must be positive, got " + std::to_string(sample_rate));
  rate_ = sample_rate;
}

void SampleClock::stamp(std::uint64_t sample, double seconds) {
  if (!std::isfinite(seconds)) throw std::invalid_argument("SampleClock: time stamp must be finite");
  stamps_[sample] = seconds;
}

std::optional<double> SampleClock::time_at(double sample) const {
  if (!known()) return std::nullopt;
  // First stamp after the position; the one before it governs, if any.
  auto it = sample < 0 ? stamps_.begin() : stamps_.upper_bound(static_cast<std::uint64_t>(std::floor(sample)));
  if (it != stamps_.begin()) --it;
  // A double holds epoch seconds to about 0.2 microseconds: a fraction of a
  // sample up to a few MS/s.
  return it->second + (sample - static_cast<double>(it->first)) / rate_;
}

}  // namespace moema::rx
