#include "moema/calibration/receiver_impairments.hpp"

#include "moema/calibration/error.hpp"
#include "moema/air/slot_format.hpp"

#include <cmath>

namespace moema::calibration {

namespace {

constexpr double kPi = 3.14159265358979323846;

double parse_number(const std::string& text, const std::string& option) {
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size() && std::isfinite(value)) return value;
  } catch (const std::exception&) {
  }
  throw CalibrationError(option + ": expected a number, got '" + text + "'");
}

rx::Sample parse_dc(const std::string& entry, const std::string& option) {
  const std::size_t colon = entry.find(':');
  if (colon == std::string::npos || entry.find(':', colon + 1) != std::string::npos)
    throw CalibrationError(option + ": expected re:im per channel, got '" + entry + "'");
  return {parse_number(entry.substr(0, colon), option), parse_number(entry.substr(colon + 1), option)};
}

template <typename T>
void require_per_channel(const std::vector<T>& values, int channels, const std::string& option) {
  if (!values.empty() && static_cast<int>(values.size()) != channels)
    throw CalibrationError(option + ": " + std::to_string(values.size()) + " values for " + std::to_string(channels) +
                           " receive channels (give one per channel, or none)");
}

}  // namespace

rx::ApImpairments to_ap_impairments(const ReceiverImpairmentLists& lists, int channels,
                                    const std::string& option_prefix) {
  const std::string option = "--" + option_prefix;
  require_per_channel(lists.delay, channels, option + "delay");
  require_per_channel(lists.gain_db, channels, option + "gain-db");
  require_per_channel(lists.phase_deg, channels, option + "phase-deg");
  require_per_channel(lists.dc, channels, option + "dc");
  rx::ApImpairments ap;
  for (double d : lists.delay) {
    if (!(d >= 0)) throw CalibrationError(option + "delay: delays must be >= 0 samples, got " + std::to_string(d));
    ap.delay.push_back(d);
  }
  ap.gain_db = lists.gain_db;
  for (double degrees : lists.phase_deg) ap.phase.push_back(degrees * kPi / 180.0);
  for (const std::string& entry : lists.dc) ap.dc_offset.push_back(parse_dc(entry, option + "dc"));
  return ap;
}

}  // namespace moema::calibration
