// Command-line options shared by the tools that simulate an access point's
// receive chains (header-only; include from programs that use CLI11).
#pragma once

#include "moema/calibration/receiver_impairments.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace moema::calibration {

// --<prefix>delay, --<prefix>gain-db, --<prefix>phase-deg, --<prefix>dc,
// each a comma-separated list with one value per receive channel.
inline void add_receiver_impairment_options(CLI::App& app, ReceiverImpairmentLists& lists,
                                            const std::string& prefix) {
  app.add_option("--" + prefix + "delay", lists.delay, "Per-channel delay, samples (d0,d1,...)")->delimiter(',');
  app.add_option("--" + prefix + "gain-db", lists.gain_db, "Per-channel power gain, dB")->delimiter(',');
  app.add_option("--" + prefix + "phase-deg", lists.phase_deg, "Per-channel phase, degrees")->delimiter(',');
  app.add_option("--" + prefix + "dc", lists.dc, "Per-channel DC offset re:im (full scale 1.0)")->delimiter(',');
}

}  // namespace moema::calibration
