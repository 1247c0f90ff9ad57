// Receive time of a sample, from the time stamps a radio puts on its stream.
//
// UHD tags the first sample of every contiguous stretch it delivers with
// rx_time (and rx_rate); a SigMF recording keeps them as capture segments.
// Between stamps the samples are contiguous, so a sample's time is its
// stamp's time plus the samples since it over the sample rate. A stamp
// replaces the extrapolation from earlier ones: after an overflow the radio
// restarts its count with a new stamp, and the gap shows only there.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

namespace moema::rx {

class SampleClock {
 public:
  // Throws std::invalid_argument unless sample_rate is finite and positive.
  void set_rate(double sample_rate);
  // `seconds` (since the epoch) is the time of stream sample `sample`; a
  // second stamp on the same sample replaces the first. Throws
  // std::invalid_argument if seconds is not finite.
  void stamp(std::uint64_t sample, double seconds);

  // The time of a (fractional) sample position: from the latest stamp at or
  // before it, or from the first stamp for a position before every stamp.
  // Empty until the rate and one stamp are known.
  std::optional<double> time_at(double sample) const;
  bool known() const { return rate_ > 0 && !stamps_.empty(); }

 private:
  double rate_ = 0;
  std::map<std::uint64_t, double> stamps_;
};

}  // namespace moema::rx
