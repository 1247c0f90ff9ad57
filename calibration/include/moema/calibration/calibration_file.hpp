// The calibration file: one JSON object per measurement, written by
// `moema-calibrate estimate` and loaded by the receiver. Keys follow SigMF
// (core namespace) and its `spatial` extension where those have a field for
// the value, and the project's `moema` namespace otherwise:
//
//   moema:calibration_version   1 (files of any other version are refused)
//   core:datetime               time of measurement, ISO 8601 UTC
//   core:frequency              centre frequency, Hz
//   core:sample_rate            Hz
//   spatial:num_elements        K
//   spatial:calibration         {"caltype": "ref", "moema:reference": "<the reference, described>"}
//   moema:serials               serials of the receiving USRPs, in device-argument order (may be empty)
//   moema:gain_db               receive gain setting during the measurement, dB
//   moema:cfo, moema:cfo_hz     carrier offset of the reference, cycles/sample and Hz
//   moema:channels              K objects, in channel order:
//     spatial:channel_index     k
//     spatial:phase_offset      degrees relative to channel 0 (SigMF's field; aligned data = data * exp(-j phase_offset))
//     moema:phase_rad           the same in radians, at full precision
//     moema:gain_db             power gain relative to channel 0
//     moema:integer_delay, moema:fractional_delay   delay relative to channel 0 = integer + fraction, fraction in [0, 1)
//     moema:dc_re, moema:dc_im  DC offset, full scale 1.0
//     moema:snr_db              of the fit, informational
// Derived values (spatial:phase_offset, moema:cfo_hz) are written for people
// and checked for agreement on load, so a hand edit of one of a pair is caught.
#pragma once

#include "moema/calibration/estimator.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace moema::calibration {

constexpr int kCalibrationVersion = 1;

struct CalibrationFile {
  std::vector<std::string> serials;  // the receiving USRPs (a device may carry several channels); may be empty
  double frequency = 0;              // Hz
  double sample_rate = 0;            // Hz
  double gain_db = 0;                // receive gain setting, dB
  std::string measured_at;           // ISO 8601 UTC, e.g. "2025-03-01T14:02:11Z"
  std::string reference;             // ReferenceConfig::describe() of what was sent
  double cfo = 0;                    // cycles per sample
  std::vector<ChannelCalibration> channels;

  int num_elements() const { return static_cast<int>(channels.size()); }
  double cfo_hz() const { return cfo * sample_rate; }
};

// The file for an estimate, measured now.
CalibrationFile make_calibration_file(const CalibrationEstimate& estimate, const ReferenceConfig& reference,
                                      double frequency, double sample_rate, double gain_db,
                                      const std::vector<std::string>& serials);

std::string utc_now_iso8601();

// nlohmann's hooks. from_json throws CalibrationError naming the key (with its
// place, e.g. "moema:channels[2].moema:gain_db") and the problem.
void to_json(nlohmann::json& j, const CalibrationFile& file);
void from_json(const nlohmann::json& j, CalibrationFile& file);

// Throw CalibrationError starting with the path: cannot write / cannot open,
// not valid JSON, a missing or mistyped key, an unknown version.
void save_calibration(const CalibrationFile& file, const std::string& path);
CalibrationFile load_calibration(const std::string& path);

// Throws CalibrationError when the file was measured for another set-up: another
// centre frequency or sample rate (stale: every retune moves the LO phases), another
// channel count, or (when both name them) other devices.
void check_applicable(const CalibrationFile& file, double frequency, double sample_rate, int channels,
                      const std::vector<std::string>& serials = {});

}  // namespace moema::calibration
