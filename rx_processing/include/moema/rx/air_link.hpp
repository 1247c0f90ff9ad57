// The MoEMA uplink at the sample level, without GNU Radio: devices frame and
// pulse-shape their slots (slot_format.hpp), the sample-level multiple-access
// channel adds fading, noise and the radio's impairments
// (multiple_access_channel.hpp), and the access point matched-filters its K
// channels, synchronises (slot_synchronizer.hpp) and decodes the aux
// mini-slots. The result has the layout of the slot-level simulation
// (scenario.hpp), so subspace recovery and the networks run on it unchanged.
// The flowgraphs run the same library classes inside GNU Radio blocks.
#pragma once

#include "moema/rx/framing.hpp"
#include "moema/rx/multiple_access_channel.hpp"
#include "moema/rx/scenario.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace moema::rx {

struct AirLinkConfig {
  SlotFormat format;  // devices, codeword_length and aux_values are set from the scenario
  double snr_db = std::numeric_limits<double>::infinity();  // per-antenna, as in channel.hpp
  std::vector<DeviceImpairments> devices;                   // empty: none
  ApImpairments ap;
  double detection_threshold = SlotSyncConfig{}.detection_threshold;
};

struct AirSlots {
  SimulatedSlots slots;  // decoded frames only: received Y, and what was sent in them
  std::vector<std::uint32_t> slot_ids;                // transmitted slot index of each decoded frame
  std::vector<std::vector<AuxMessage>> aux;           // [frame][device], as received
  std::vector<ReceivedSlot> sync;                     // timing, CFO, SNR per decoded frame (payload cleared)
  FrameCounts counts;
  std::vector<std::string> errors;                    // one line per dropped frame
};

// Sends features[t][n] (unit norm) from device n in slot t, with aux values
// aux_values[t][n] (empty: no values), through the air and receives them.
// Precoders and channel draws come from `scenario` as in transmit_features().
AirSlots transmit_features_over_air(const ScenarioConfig& scenario, const AirLinkConfig& air,
                                    const std::vector<std::vector<Vector>>& features,
                                    const std::vector<std::vector<Vector>>& aux_values = {});

}  // namespace moema::rx
