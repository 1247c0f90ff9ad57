// Per-channel receive-chain impairments as the command-line tools take them
// (moema-calibrate simulate, jscc-loopback, moema-loopback): one list per
// quantity, one value per channel, an empty list for none.
#pragma once

#include "moema/channel/multiple_access_channel.hpp"

#include <string>
#include <vector>

namespace moema::calibration {

struct ReceiverImpairmentLists {
  std::vector<double> delay;      // samples, >= 0, fractional allowed
  std::vector<double> gain_db;    // power gain
  std::vector<double> phase_deg;  // degrees
  std::vector<std::string> dc;    // "re:im", full scale 1.0
  bool empty() const { return delay.empty() && gain_db.empty() && phase_deg.empty() && dc.empty(); }
};

// The channel model's form of the lists. Throws CalibrationError naming the
// option (option_prefix + "delay", "gain-db", "phase-deg", "dc") when a list
// has other than `channels` values, a DC entry is not re:im or a delay is
// negative.
rx::ApImpairments to_ap_impairments(const ReceiverImpairmentLists& lists, int channels,
                                    const std::string& option_prefix);

}  // namespace moema::calibration
