// One MoEMA deployment as the radio programs run it: which devices send which
// test samples (embedded by the shipped ArcFace embedder), through which
// precoders, to an AP holding which trained receivers. moema-loopback, the
// GNU Radio device source and moema-replay all build it from the same
// settings, which a recording carries in its metadata.
#pragma once

#include "moema/common/json_fields.hpp"
#include "moema/common/system_parameters.hpp"
#include "moema/models/aux_signal.hpp"
#include "moema/link/semantic_link.hpp"
#include "moema/rx/codeword_decoder.hpp"
#include "moema/air/device_framer.hpp"
#include "moema/air/precoder.hpp"
#include "moema/rx/subspace_recovery.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace moema::models {

struct DeploymentConfig {
  int devices = defaults::kDevices;           // N
  int codeword_length = defaults::kCodewordLength;  // M
  int overlap = defaults::kOverlap;  // gamma
  rx::Decoder decoder = rx::Decoder::Projection;
  std::uint64_t seed = defaults::kSeed;    // precoders, sample split, receivers
  int slots = 1000;          // test samples per device: one per slot
  int train_per_device = 15000;  // only fixes the split, as in moema-experiment
  std::string data_dir;      // empty: data_dir()
  std::string weights_dir;   // empty: the shipped weights (moema::weights_dir())

  rx::PrecoderConfig precoders(int feature_dim) const;
  nlohmann::json to_json() const;
  static DeploymentConfig from_json(const nlohmann::json& j);  // missing keys keep their defaults
};
MOEMA_JSON_FIELDS(DeploymentConfig, devices, codeword_length, overlap, decoder, seed, slots, train_per_device, data_dir,
                  weights_dir)

// Torch-free on purpose: GNU Radio blocks include this header.

// Every device's test samples, embedded: features, labels and the
// distance-based aux values each device's message carries.
std::vector<DeviceStream> deployment_streams(const DeploymentConfig& config);

// One device's transmitter at the symbol rate: precodes its next feature,
// frames it with its aux values (rx::DeviceFramer). The GNU Radio device
// source wraps it; pulse shaping is GNU Radio's.
class SemanticTransmitter {
 public:
  SemanticTransmitter(const rx::SlotFormat& format, int device, const rx::PrecoderSet& precoders, DeviceStream stream);

  int slots() const { return static_cast<int>(stream_.labels.size()); }
  int slots_sent() const { return static_cast<int>(framer_.slots_framed()); }
  bool done() const { return slots_sent() >= slots(); }
  int label(int slot) const { return stream_.labels.at(static_cast<std::size_t>(slot)); }
  // The next slot's symbols (format.slot_symbols()); std::out_of_range when done().
  rx::ComplexVector next();

 private:
  int device_;
  rx::PrecoderSet precoders_;
  DeviceStream stream_;
  rx::DeviceFramer framer_;
};

}  // namespace moema::models
