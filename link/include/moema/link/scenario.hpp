// A simulated CSI-free multiple-access experiment: devices precode random
// unit-norm features, transmit through SimoChannel, and the AP recovers
// subspaces and codewords. Used by moema-subspace, the tests and benchmarks.
#pragma once

#include "moema/common/system_parameters.hpp"
#include "moema/channel/channel.hpp"
#include "moema/rx/codeword_decoder.hpp"
#include "moema/air/precoder.hpp"
#include "moema/rx/subspace_recovery.hpp"

#include <cstdint>
#include <vector>

namespace moema::rx {

struct ScenarioConfig {
  PrecoderConfig precoders;  // its seed is overwritten by `seed`
  ChannelConfig channel;
  int slots = 500;
  std::uint64_t seed = defaults::kSeed;
  // Picks an independent sequence of channel draws for the same precoders,
  // e.g. one for training slots and one for test slots.
  std::uint64_t channel_stream = 0;
};

struct SimulatedSlots {
  PrecoderSet precoders;
  std::vector<Matrix> received;                  // real-stacked slots, 2K x M
  std::vector<std::vector<Vector>> codewords;    // [slot][device], unit norm
  std::vector<std::vector<SignAnchor>> anchors;  // [slot][device], what each aux mini-slot carries
};

// Features are uniform on the unit sphere of R^D (they stand in for the
// ArcFace embeddings, which are unit-norm too).
SimulatedSlots simulate(const ScenarioConfig& config);

// The same link carrying given unit-norm features: features[t][n] is what
// device n sends in slot t (config.slots is ignored; one slot per entry).
SimulatedSlots transmit_features(const ScenarioConfig& config, const std::vector<std::vector<Vector>>& features);

// Recovery settings for a simulation: its N and D, and the devices'
// registered signatures so estimates come back in device order.
RecoveryConfig recovery_config(const SimulatedSlots& sim, RecoveryMethod method);

// Eq. (6) per device between the true and the estimated subspaces.
std::vector<double> subspace_similarities(const SimulatedSlots& sim, const SubspaceEstimate& estimate);

// Mean cosine similarity (paper eq. 7) over slots and devices of the decoder's
// reconstructions with the given subspaces against the transmitted codewords.
double mean_data_similarity(const SimulatedSlots& sim, const std::vector<Matrix>& bases, Decoder decoder);

struct ScenarioReport {
  std::vector<double> subspace_similarity;  // eq. 6, per device
  double data_similarity = 0;               // decoder on the estimated subspaces
  double data_similarity_oracle = 0;        // same decoder on the true subspaces
  int rank = 0;                             // detected dim span(A_1..A_N)
  int overlap = 0;                          // detected gamma
  double noise_variance = 0;                // estimated, per real entry
};

// Blind recovery followed by decoding, scored against the ground truth.
ScenarioReport evaluate_blind(const SimulatedSlots& sim, RecoveryMethod method, Decoder decoder);

}  // namespace moema::rx
