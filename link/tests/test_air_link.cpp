// The sample-level uplink against the slot-level model it must reproduce:
// the same precoders and features through pulse shaping, the impaired
// multiple-access channel and the synchroniser give the same codewords as
// SimoChannel's Y = sum h w^T + noise, within what noise and ISI explain.
#include "moema/link/air_link.hpp"
#include "moema/rx/metrics.hpp"

#include <gtest/gtest.h>

#include <random>

namespace moema::rx {
namespace {

ScenarioConfig scenario(int overlap, int antennas) {
  ScenarioConfig s;
  s.precoders.devices = 2;
  s.precoders.codeword_length = 10;
  s.precoders.feature_dim = 3;
  s.precoders.overlap = overlap;
  s.channel.antennas = antennas;
  s.seed = 5;
  s.channel_stream = 1;
  return s;
}

std::vector<std::vector<Vector>> random_features(int slots, int devices, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<Vector>> f(slots);
  for (auto& slot : f)
    for (int n = 0; n < devices; ++n) slot.push_back(random_unit_vector(3, rng));
  return f;
}

TEST(AirLink, CleanLinkDeliversEveryFrameWithTheSlotLevelCodewords) {
  const ScenarioConfig s = scenario(1, 8);
  const auto features = random_features(60, 2, 1);
  std::vector<std::vector<Vector>> aux(60, {Vector::Constant(2, 0.5), Vector::Constant(2, 1.25)});
  const AirSlots air = transmit_features_over_air(s, AirLinkConfig{}, features, aux);
  EXPECT_EQ(air.counts.sent, 60);
  EXPECT_EQ(air.counts.detected, 60);
  EXPECT_EQ(air.counts.decoded, 60);
  EXPECT_EQ(air.counts.dropped, 0);
  ASSERT_EQ(air.slot_ids.size(), 60u);
  for (std::size_t i = 0; i < air.slot_ids.size(); ++i) EXPECT_EQ(air.slot_ids[i], i);
  EXPECT_DOUBLE_EQ(air.aux[7][1].values[1], 1.25);
  // With the true subspaces the intersection decoder is exact on clean slots;
  // what is left is the pulse pair's ISI.
  EXPECT_GT(mean_data_similarity(air.slots, air.slots.precoders.bases(), Decoder::Intersection), 0.9999);
}

TEST(AirLink, ImpairedLinkMatchesTheSlotLevelModelAtTheSameSnr) {
  ScenarioConfig s = scenario(1, 16);
  s.channel.snr_db = 20;
  const auto features = random_features(400, 2, 2);
  AirLinkConfig air;
  air.snr_db = 20;
  air.devices = {DeviceImpairments{0, 0.0, 1e-3, 0.3}, DeviceImpairments{0, 0.05, 1e-3, -1.0}};
  air.ap.dc_offset.assign(16, {0.05, -0.02});
  const AirSlots over_air = transmit_features_over_air(s, air, features);
  ASSERT_EQ(over_air.counts.decoded, 400) << (over_air.errors.empty() ? "" : over_air.errors.front());
  const SimulatedSlots slot_level = transmit_features(s, features);
  const double air_similarity = mean_data_similarity(over_air.slots, over_air.slots.precoders.bases(), Decoder::Intersection);
  const double model_similarity = mean_data_similarity(slot_level, slot_level.precoders.bases(), Decoder::Intersection);
  EXPECT_NEAR(air_similarity, model_similarity, 0.005);
  for (const ReceivedSlot& sync : over_air.sync) EXPECT_NEAR(sync.cfo, 1e-3, 5e-5);  // Moose at 20 dB: std about 1e-5

  RecoveryConfig rc = recovery_config(over_air.slots, RecoveryMethod::Jbd);
  const SubspaceEstimate estimate = recover_subspaces(over_air.slots.received, rc);
  for (double sim : subspace_similarities(over_air.slots, estimate)) EXPECT_GT(sim, 0.99);
}

TEST(AirLink, CountsAndNamesFramesLostToAuxErrors) {
  ScenarioConfig s = scenario(0, 1);
  const auto features = random_features(300, 2, 3);
  AirLinkConfig air;
  air.snr_db = 3;  // one antenna: DBPSK at 3 dB loses many aux messages
  const AirSlots over_air = transmit_features_over_air(s, air, features);
  EXPECT_EQ(over_air.counts.sent, 300);
  EXPECT_GT(over_air.counts.dropped, 0);
  EXPECT_EQ(over_air.counts.decoded + over_air.counts.dropped, over_air.counts.detected);
  EXPECT_EQ(static_cast<int>(over_air.errors.size()), over_air.counts.dropped);
  EXPECT_NE(over_air.errors.front().find("CRC"), std::string::npos) << over_air.errors.front();
  EXPECT_EQ(over_air.slots.received.size(), static_cast<std::size_t>(over_air.counts.decoded));
}

TEST(AirLink, RejectsImpairmentsForTheWrongNumberOfDevices) {
  AirLinkConfig air;
  air.devices.resize(3);
  EXPECT_THROW(transmit_features_over_air(scenario(0, 4), air, random_features(2, 2, 4)), std::invalid_argument);
}

}  // namespace
}  // namespace moema::rx
