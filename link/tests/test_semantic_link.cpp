// The uplink from features to reconstructed codewords, checked against what
// the devices sent.
#include "moema/link/semantic_link.hpp"

#include "moema/rx/metrics.hpp"

#include <gtest/gtest.h>

#include <random>

namespace moema::models {
namespace {

std::vector<DeviceStream> random_streams(int devices, int slots, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<DeviceStream> streams(devices);
  for (int n = 0; n < devices; ++n) {
    streams[n].features.resize(slots, 3);
    for (int t = 0; t < slots; ++t) {
      streams[n].features.row(t) = rx::random_unit_vector(3, rng).transpose();
      streams[n].labels.push_back((t + n) % 20);
    }
  }
  return streams;
}

TEST(SemanticLink, RowsAreSlotMajorAndCarryWhatEachDeviceSent) {
  LinkConfig config;
  config.decoder = rx::Decoder::Intersection;
  const std::vector<DeviceStream> streams = random_streams(2, 300, 1);
  const LinkResult r = run_link(config, streams, 1, true);
  const Reconstruction& rec = r.with_true_subspaces;
  ASSERT_EQ(rec.codewords.rows(), 600);
  for (int t : {0, 17, 299})
    for (int n : {0, 1}) {
      EXPECT_EQ(rec.labels[t * 2 + n], streams[n].labels[t]);
      EXPECT_TRUE(rec.features.row(t * 2 + n).isApprox(streams[n].features.row(t)));
      EXPECT_NEAR(rec.sent.row(t * 2 + n).norm(), 1.0, 1e-12);  // A_n x with orthonormal A_n
    }
}

TEST(SemanticLink, NoiselessDisjointSubspacesReconstructExactly) {
  LinkConfig config;
  config.decoder = rx::Decoder::Intersection;
  const LinkResult r = run_link(config, random_streams(2, 500, 2), 1, true);
  EXPECT_GT(r.with_true_subspaces.data_similarity, 0.9999);
  EXPECT_GT(r.with_estimated_subspaces.data_similarity, 0.999);
  for (const double s : r.subspace_similarity) EXPECT_GT(s, 0.999);
  EXPECT_EQ(r.detected_overlap, 0);
  EXPECT_EQ(r.detected_rank, 6);
}

TEST(SemanticLink, OverlapCorruptsProjectionDecodingButNotIntersection) {
  LinkConfig config;
  config.overlap = 2;
  const std::vector<DeviceStream> streams = random_streams(2, 500, 3);
  const double projection = run_link(config, streams, 1, false).with_true_subspaces.data_similarity;
  config.decoder = rx::Decoder::Intersection;
  const double intersection = run_link(config, streams, 1, false).with_true_subspaces.data_similarity;
  EXPECT_LT(projection, 0.97);
  EXPECT_GT(intersection, 0.999);
}

TEST(SemanticLink, TrainingSlotsAreNoiselessAndUseTheirOwnChannelDraws) {
  LinkConfig config;
  config.snr_db = -5.0;
  config.decoder = rx::Decoder::Intersection;
  const std::vector<DeviceStream> streams = random_streams(2, 200, 4);
  EXPECT_GT(run_link(config, streams, 0, false).with_true_subspaces.data_similarity, 0.9999);
  EXPECT_LT(run_link(config, streams, 1, false).with_true_subspaces.data_similarity, 0.99);
}

TEST(SemanticLink, RejectsMismatchedStreams) {
  LinkConfig config;
  std::vector<DeviceStream> streams = random_streams(2, 10, 5);
  streams[1].labels.pop_back();
  try {
    run_link(config, streams, 1, false);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("device 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(run_link(config, random_streams(3, 10, 5), 1, false), std::invalid_argument);
}

}  // namespace
}  // namespace moema::models
