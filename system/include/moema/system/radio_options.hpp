// The radio-impairment options of moema-loopback and moema-experiment --air
// (header-only; include from programs that use CLI11 and nlohmann::json).
#pragma once

#include "moema/link/semantic_link.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>

namespace moema::models {

// `prefix` heads each help line (e.g. "with --air: ").
inline void add_radio_impairment_options(CLI::App& app, RadioImpairments& im, const std::string& prefix) {
  app.add_option("--cfo", im.cfo, prefix + "carrier frequency offset of all devices, cycles/sample");
  app.add_option("--cfo-spread", im.cfo_spread, prefix + "device n's extra CFO is n times this (residual, uncorrected)");
  app.add_option("--timing-offset", im.timing_offset,
                 prefix + "all devices arrive this many samples late (fractional: the AP's timing recovery corrects it)");
  app.add_option("--timing-spread", im.timing_spread,
                 prefix + "device n arrives n times this many samples later still (left in the payload)");
  app.add_option("--dc", im.dc, prefix + "DC offset magnitude at every AP channel (random phases)");
}

}  // namespace moema::models
