#include "moema/rx/metrics.hpp"
#include "moema/link/scenario.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace moema::rx;

namespace {
SimulatedSlots scenario(int devices, int overlap, double snr_db, int slots = 200) {
  ScenarioConfig sc;
  sc.precoders.devices = devices;
  sc.precoders.overlap = overlap;
  sc.channel.snr_db = snr_db;
  sc.slots = slots;
  sc.seed = 5;
  return simulate(sc);
}
constexpr double kNoNoise = std::numeric_limits<double>::infinity();
}  // namespace

TEST(SignRule, AnchorIsTheLargestEntryAndRestoresTheSign) {
  const Vector w = (Vector(4) << 0.1, -0.7, 0.5, 0.2).finished().normalized();
  const SignAnchor anchor = make_sign_anchor(w);
  EXPECT_EQ(anchor.index, 1);
  EXPECT_FALSE(anchor.positive);
  Vector estimate = -3.0 * w;  // wrong sign and scale, as blind recovery leaves it
  apply_sign_and_scale(estimate, &anchor);
  EXPECT_TRUE(estimate.isApprox(w, 1e-15));
  Vector canonical = w;  // no anchor: largest entry made positive
  apply_sign_and_scale(canonical, nullptr);
  EXPECT_TRUE(canonical.isApprox(-w, 1e-15));
  const SignAnchor outside{9, true};
  EXPECT_THROW(apply_sign_and_scale(estimate, &outside), std::invalid_argument);
}

TEST(CodewordDecoder, SingleDeviceIsRecoveredExactlyByBothDecoders) {
  const SimulatedSlots sim = scenario(1, 0, kNoNoise, 20);
  for (Decoder d : {Decoder::Projection, Decoder::Intersection}) EXPECT_NEAR(mean_data_similarity(sim, sim.precoders.bases(), d), 1.0, 1e-12);
}

TEST(CodewordDecoder, IntersectionRemovesOverlapInterference) {
  // Overlap 2 of D=3: projection keeps the other device's share of V, the
  // intersection of span(A_n) with the row space is exactly w_n.
  const SimulatedSlots sim = scenario(2, 2, kNoNoise);
  const double projection = mean_data_similarity(sim, sim.precoders.bases(), Decoder::Projection);
  const double intersection = mean_data_similarity(sim, sim.precoders.bases(), Decoder::Intersection);
  EXPECT_NEAR(intersection, 1.0, 1e-9);
  EXPECT_LT(projection, 0.97);
}

TEST(CodewordDecoder, IndependentOfTheUnknownChannel) {
  // Decoding depends on Y only through Y^T Y: rotating the antenna space gives identical codewords.
  const SimulatedSlots sim = scenario(2, 1, 20.0, 5);
  std::mt19937_64 rng(3);
  const Matrix q = random_orthonormal(32, 32, rng);
  for (Decoder d : {Decoder::Projection, Decoder::Intersection}) {
    const CodewordDecoder dec(sim.precoders.bases(), d);
    for (std::size_t t = 0; t < sim.received.size(); ++t) {
      const auto a = dec.decode(sim.received[t], sim.anchors[t]), b = dec.decode(q * sim.received[t], sim.anchors[t]);
      for (int n = 0; n < 2; ++n) EXPECT_TRUE(a[n].isApprox(b[n], 1e-9));
    }
  }
}

TEST(CodewordDecoder, ManyDevicesUpToTheGeometricLimit) {
  // Known subspaces, no noise: the intersection is unique while N <= M - D + 1 = 8.
  for (int n : {4, 8}) {
    const SimulatedSlots sim = scenario(n, 0, kNoNoise, 50);
    EXPECT_NEAR(mean_data_similarity(sim, sim.precoders.bases(), Decoder::Intersection), 1.0, 1e-6) << n;
  }
  const SimulatedSlots nine = scenario(9, 0, kNoNoise, 50);
  EXPECT_LT(mean_data_similarity(nine, nine.precoders.bases(), Decoder::Intersection), 0.9);
}

TEST(CodewordDecoder, BadInputIsNamed) {
  const SimulatedSlots sim = scenario(2, 0, kNoNoise, 2);
  const CodewordDecoder dec(sim.precoders.bases(), Decoder::Intersection);
  EXPECT_THROW(dec.decode(Matrix::Zero(32, 9)), std::invalid_argument);
  Matrix nan = sim.received[0];
  nan(0, 0) = std::numeric_limits<double>::infinity();
  try {
    dec.decode(nan);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), testing::HasSubstr("slot"));
  }
  EXPECT_THROW(dec.decode(sim.received[0], {SignAnchor{}}), std::invalid_argument);
  EXPECT_THROW(CodewordDecoder({2.0 * sim.precoders.basis(0)}, Decoder::Projection), std::invalid_argument);
  EXPECT_THROW(CodewordDecoder({}, Decoder::Projection), std::invalid_argument);
  EXPECT_THROW(parse_decoder("zf"), std::invalid_argument);
}
