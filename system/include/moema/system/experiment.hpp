// The pieces moema-experiment and moema-train-receiver share: the shipped
// embedder, the devices' embedded samples, and the trained receivers (MoEMA
// per signalling strategy and Single) of one deployment, stored per key.
#pragma once

#include "moema/common/system_parameters.hpp"
#include "moema/models/aux_signal.hpp"
#include "moema/models/datasets.hpp"
#include "moema/models/embedder.hpp"
#include "moema/models/receiver_training.hpp"
#include "moema/link/semantic_link.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace moema::models {

struct Embedding {
  Encoder encoder{nullptr};
  TaskCentres centres{rx::Matrix::Zero(kClasses, 1)};
  nlohmann::json manifest;
  std::string fingerprint;  // of embedder.pt: receivers are trained for one embedder
  int feature_dim() const { return centres.feature_dim(); }
};

// embedder.pt and embedder.json from `weights_dir` (see moema-train-embedder).
Embedding load_embedding(const std::string& weights_dir);
// file_fingerprint of `weights_dir`/embedder.pt, without loading the network.
std::string embedder_fingerprint(const std::string& weights_dir);

// The per-device samples of one split, embedded: one stream per device.
std::vector<DeviceStream> embed_device_streams(Embedding& embedding, const LabelledImages& images,
                                               const std::vector<DeviceSamples>& devices, Split split);

// Reconstructed codewords with each row's auxiliary signal: as received over
// the air when the reconstruction has it, else from the device's feature.
CodewordSet codeword_set(const Reconstruction& r, const TaskCentres& centres, Signalling signalling);

// One deployment's receivers are trained for its precoders (N, M, D, gamma,
// seed) and decoder; K and SNR only matter at evaluation (training slots are
// noiseless).
struct ReceiverKey {
  int devices = defaults::kDevices;
  int codeword_length = defaults::kCodewordLength;
  int feature_dim = defaults::kFeatureDim;
  int overlap = defaults::kOverlap;
  rx::Decoder decoder = rx::Decoder::Projection;
  std::uint64_t seed = defaults::kSeed;
  std::string name() const;  // e.g. n2_m10_d3_ov1_projection_s1
};

struct Receivers {
  Mlp single{nullptr};
  std::map<Signalling, MixtureOfExperts> moema;
  nlohmann::json manifest;
};

MoeConfig receiver_config(const ReceiverKey& key);

// Trains Single and one MoEMA per signalling strategy on `train` (the
// training slots reconstructed with the true subspaces); the manifest names
// the embedder by its fingerprint.
Receivers train_receivers(const ReceiverKey& key, const Reconstruction& train, const Embedding& embedding,
                          const TrainingConfig& training);

// <dir>/<key>/{single.pt, moema_distance.pt, moema_onehot.pt, manifest.json}
void save_receivers(Receivers& receivers, const ReceiverKey& key, const std::string& dir);
// Empty when <dir>/<key>/manifest.json does not exist, or when its receivers
// were trained for another embedder than the one with `embedder_fingerprint`
// (their inputs would mean something else); the latter says so on stderr.
std::optional<Receivers> load_receivers(const ReceiverKey& key, const std::string& dir,
                                        const std::string& embedder_fingerprint);
// Where moema-experiment's trained receivers are: `train_dir`, or
// <data>/trained-receivers when it is empty.
std::string trained_receivers_dir(const std::string& train_dir);
// The receivers of `key` for the embedder in `weights_dir`: the shipped ones
// (`weights_dir`/receivers), else those in trained_receivers_dir(train_dir).
// Empty when neither has them.
std::optional<Receivers> find_receivers(const ReceiverKey& key, const std::string& weights_dir,
                                        const std::string& train_dir);

}  // namespace moema::models
