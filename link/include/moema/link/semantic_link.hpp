// The MoEMA uplink end to end, up to the networks: devices' unit features ->
// precoded codewords (rx_processing) -> CSI-free multiple-access channel ->
// the AP's reconstructions, with the true subspaces (the paper's "w/o subspace
// estimation") and with blindly estimated ones ("w/ subspace estimation").
#pragma once

#include "moema/common/json_fields.hpp"
#include "moema/common/system_parameters.hpp"
#include "moema/link/air_link.hpp"
#include "moema/rx/codeword_decoder.hpp"
#include "moema/common/linalg.hpp"
#include "moema/rx/subspace_recovery.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace moema::models {

struct LinkConfig {
  int devices = defaults::kDevices;           // N
  int codeword_length = defaults::kCodewordLength;  // M
  int antennas = defaults::kAntennas;         // K
  int overlap = defaults::kOverlap;  // gamma
  double snr_db = std::numeric_limits<double>::infinity();  // per-antenna, test slots
  rx::Decoder decoder = rx::Decoder::Projection;
  rx::RecoveryMethod recovery = rx::RecoveryMethod::Jbd;
  int recovery_slots = defaults::kLearningSlots;  // test slots the AP estimates the subspaces from
  std::uint64_t seed = defaults::kSeed;    // precoders and channel draws
  // Test slots over the air at the sample level (rx/air_link.hpp: framing,
  // pulses, impairments, synchronisation, aux messages) instead of the
  // slot-level channel; its snr_db is replaced by the one above.
  std::optional<rx::AirLinkConfig> air;
};

// What one device sends over consecutive slots: its unit features (one row
// per slot) and, for scoring, their labels.
struct DeviceStream {
  rx::Matrix features;
  std::vector<int> labels;
  rx::Matrix aux;  // optional: the distance-based aux signal per slot, what the aux message carries
};

// Reconstructions of all devices' codewords, slot-major (slot t, device n at
// row t*N + n), with what the devices sent.
struct Reconstruction {
  rx::Matrix codewords;  // estimates, unit norm
  rx::Matrix sent;       // transmitted codewords
  rx::Matrix features;   // the devices' features (for their aux signals)
  std::vector<int> labels;
  rx::Matrix aux;              // over the air: the aux values as received (else empty)
  double data_similarity = 0;  // mean eq. (7) over rows
};

struct LinkResult {
  Reconstruction with_true_subspaces;
  Reconstruction with_estimated_subspaces;
  std::vector<double> subspace_similarity;  // eq. (6) per device, estimated vs true
  int detected_overlap = 0;
  int detected_rank = 0;
  // Over the air only: frames sent / detected / decoded / dropped, and why.
  std::optional<rx::FrameCounts> frames;
  std::vector<std::string> frame_errors;
};

// The radio impairments moema-experiment --air and moema-loopback take:
// every device's CFO is `cfo` plus n * cfo_spread, device n arrives
// timing_offset + n * timing_spread samples late, and every AP channel has a
// DC offset of magnitude `dc` and a random phase (drawn from `seed`). The
// common parts (cfo, timing_offset, dc) are what the AP's synchroniser
// corrects; the spreads between devices are left in the payload.
struct RadioImpairments {
  double cfo = 0, cfo_spread = 0, timing_offset = 0, timing_spread = 0, dc = 0;
};
MOEMA_JSON_FIELDS(RadioImpairments, cfo, cfo_spread, timing_offset, timing_spread, dc)
rx::AirLinkConfig air_link_config(const RadioImpairments& impairments, int devices, int antennas, std::uint64_t seed);

// Transmits the streams (all the same length) over the link and reconstructs
// them (over the air: the decoded frames only, in the order received). `channel_stream` selects independent channel draws (0 for training
// slots, 1 for test slots); blind estimation runs only when `estimate`.
LinkResult run_link(const LinkConfig& config, const std::vector<DeviceStream>& streams, std::uint64_t channel_stream,
                    bool estimate);

}  // namespace moema::models
