// The one error type of the calibration library: every message names the input
// (a channel, a file and its key, an option) and what is wrong with it.
#pragma once

#include <stdexcept>

namespace moema::calibration {

struct CalibrationError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

}  // namespace moema::calibration
