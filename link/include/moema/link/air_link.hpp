// The MoEMA uplink at the sample level, without GNU Radio: devices frame and
// pulse-shape their slots (slot_format.hpp), the sample-level multiple-access
// channel adds fading, noise and the radio's impairments
// (multiple_access_channel.hpp), and the access point matched-filters its K
// channels, synchronises (slot_synchronizer.hpp) and decodes the aux
// mini-slots. The result has the layout of the slot-level simulation
// (scenario.hpp), so subspace recovery and the networks run on it unchanged.
// The flowgraphs run the same library classes inside GNU Radio blocks.
#pragma once

#include "moema/air/device_framer.hpp"
#include "moema/rx/frame_receiver.hpp"
#include "moema/channel/multiple_access_channel.hpp"
#include "moema/link/scenario.hpp"

#include <cstdint>
#include <limits>
#include <memory>
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

// The devices and the channel of a simulated uplink, one slot period at a
// time: each device frames (DeviceFramer) and pulse-shapes its slot, and the
// multiple-access channel turns the N device streams into K antenna streams.
// The receiving end is up to the caller (FrameReceiver after matched filters,
// or a recorder), which is what lets moema-loopback record what it receives.
class UplinkSimulator {
 public:
  // Precoders from `scenario` (its seed); channel draws from its seed and
  // channel_stream, as transmit_features() does. `aux_values` per message.
  UplinkSimulator(const ScenarioConfig& scenario, const AirLinkConfig& air, int aux_values);
  ~UplinkSimulator();
  UplinkSimulator(UplinkSimulator&&) noexcept;

  const PrecoderSet& precoders() const;
  const SlotFormat& format() const;
  int antennas() const;

  // One slot period (format().slot_samples() samples per antenna). Device n
  // sends features[n] (unit norm) with aux_values[n]; `features` empty: all
  // devices are silent. Returns the codewords sent (empty when silent).
  std::vector<Vector> next(const std::vector<Vector>& features, const std::vector<Vector>& aux_values,
                           std::vector<std::vector<Sample>>& antenna_samples);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Sends features[t][n] (unit norm) from device n in slot t, with aux values
// aux_values[t][n] (empty: no values), through the air and receives them.
// Precoders and channel draws come from `scenario` as in transmit_features().
AirSlots transmit_features_over_air(const ScenarioConfig& scenario, const AirLinkConfig& air,
                                    const std::vector<std::vector<Vector>>& features,
                                    const std::vector<std::vector<Vector>>& aux_values = {});

}  // namespace moema::rx
