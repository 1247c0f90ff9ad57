#include "moema/rx/metrics.hpp"
#include "moema/link/scenario.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace moema::rx;

namespace {

SimulatedSlots scenario(int devices, int overlap, double snr_db, int slots = 500, std::uint64_t seed = 1) {
  ScenarioConfig sc;
  sc.precoders.devices = devices;
  sc.precoders.overlap = overlap;
  sc.channel.snr_db = snr_db;
  sc.slots = slots;
  sc.seed = seed;
  return simulate(sc);
}

RecoveryConfig config_for(const SimulatedSlots& sim, RecoveryMethod method = RecoveryMethod::Jbd) {
  return recovery_config(sim, method);
}

std::string what_of(const std::vector<Matrix>& slots, const RecoveryConfig& rc) {
  try {
    recover_subspaces(slots, rc);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no exception";
}

constexpr double kNoNoise = std::numeric_limits<double>::infinity();

}  // namespace

// The bar: N=2, M=10, D=3, K=16, T=500, unit-norm h and w.
struct Case {
  int overlap;
  double snr_db;
};
void PrintTo(const Case& c, std::ostream* os) { *os << "overlap " << c.overlap << ", SNR " << c.snr_db << " dB"; }
class BlindRecovery : public testing::TestWithParam<Case> {};

TEST_P(BlindRecovery, FindsEachDeviceSubspaceAndTheOverlap) {
  const auto [overlap, snr] = GetParam();
  const SimulatedSlots sim = scenario(2, overlap, snr);
  const SubspaceEstimate est = recover_subspaces(sim.received, config_for(sim));
  EXPECT_EQ(est.rank(), signal_space_dimension(2, 3, overlap));
  EXPECT_EQ(est.overlap, overlap);
  for (int n = 0; n < 2; ++n) {
    EXPECT_TRUE((est.bases[n].transpose() * est.bases[n]).isApprox(Matrix::Identity(3, 3), 1e-9));
    EXPECT_GE(subspace_similarity(sim.precoders.basis(n), est.bases[n]), 0.99) << "device " << n;
  }
  if (overlap > 0) EXPECT_GE(subspace_similarity(sim.precoders.shared(), est.shared), 0.99);
  // Decoding on the estimate is as good as on the truth (within 0.01), for both decoders.
  for (Decoder d : {Decoder::Projection, Decoder::Intersection})
    EXPECT_NEAR(mean_data_similarity(sim, est.bases, d), mean_data_similarity(sim, sim.precoders.bases(), d), 0.01)
        << to_string(d);
}

INSTANTIATE_TEST_SUITE_P(OverlapAndSnr, BlindRecovery,
                         testing::Values(Case{0, kNoNoise}, Case{1, kNoNoise}, Case{2, kNoNoise}, Case{0, 20},
                                         Case{1, 20}, Case{2, 20}, Case{0, 10}, Case{1, 10}, Case{2, 10}),
                         [](const testing::TestParamInfo<Case>& info) {
                           const double snr = info.param.snr_db;
                           return "overlap" + std::to_string(info.param.overlap) +
                                  (std::isfinite(snr) ? "_snr" + std::to_string(static_cast<int>(snr)) + "dB" : "_noiseless");
                         });

TEST(BlindRecovery, ThreeDevicesAtTenDecibels) {
  const SimulatedSlots sim = scenario(3, 0, 10.0);
  const SubspaceEstimate est = recover_subspaces(sim.received, config_for(sim));
  for (int n = 0; n < 3; ++n) EXPECT_GE(subspace_similarity(sim.precoders.basis(n), est.bases[n]), 0.99);
}

TEST(BlindRecovery, FiveDevicesFillSixteenDimensions) {
  // N = floor(M/D) devices with no overlap: the signal space fills 15 of 16
  // dimensions, and the weakest direction must still be detected in noise.
  ScenarioConfig sc;
  sc.precoders.devices = 5;
  sc.precoders.codeword_length = 16;
  sc.channel.snr_db = 10.0;
  const SimulatedSlots sim = simulate(sc);
  const SubspaceEstimate est = recover_subspaces(sim.received, config_for(sim));
  EXPECT_EQ(est.rank(), 15);
  for (int n = 0; n < 5; ++n) EXPECT_GE(subspace_similarity(sim.precoders.basis(n), est.bases[n]), 0.99) << n;
}

TEST(BlindRecovery, RayleighFadingWithUnequalPathGains) {
  ScenarioConfig sc;
  sc.channel.fading = Fading::Rayleigh;
  sc.channel.path_gain_db = {0.0, -6.0};
  sc.channel.snr_db = 20.0;
  sc.precoders.overlap = 1;
  const SimulatedSlots sim = simulate(sc);
  const SubspaceEstimate est = recover_subspaces(sim.received, config_for(sim));
  for (int n = 0; n < 2; ++n) EXPECT_GE(subspace_similarity(sim.precoders.basis(n), est.bases[n]), 0.99);
}

TEST(BlindRecovery, OneDeviceSpansExactlyItsSubspace) {
  const SimulatedSlots sim = scenario(1, 0, kNoNoise, 50);
  const SubspaceEstimate est = recover_subspaces(sim.received, config_for(sim));
  EXPECT_NEAR(subspace_similarity(sim.precoders.basis(0), est.bases[0]), 1.0, 1e-9);
}

TEST(BlindRecovery, InvariantToAntennaRotationAndScale) {
  // The receiver never sees h, so rotating the antenna space (Y -> Q Y with Q
  // orthogonal) or changing the overall gain must not change the estimate.
  const SimulatedSlots sim = scenario(2, 1, 20.0, 300);
  std::mt19937_64 rng(8);
  const Matrix q = random_orthonormal(32, 32, rng);
  std::vector<Matrix> rotated;
  for (const Matrix& y : sim.received) rotated.push_back(3.0 * q * y);
  const SubspaceEstimate a = recover_subspaces(sim.received, config_for(sim));
  const SubspaceEstimate b = recover_subspaces(rotated, config_for(sim));
  for (int n = 0; n < 2; ++n) EXPECT_GT(subspace_similarity(a.bases[n], b.bases[n]), 1 - 1e-8);
}

TEST(BlindRecovery, NoiseVarianceIsEstimated) {
  const SimulatedSlots sim = scenario(2, 0, 10.0);
  const SubspaceEstimate est = recover_subspaces(sim.received, config_for(sim));
  const double per_real_entry = (2.0 / 16) / (10 * 10.0) / 2;  // complex variance from the SNR definition, halved
  EXPECT_NEAR(est.noise_variance, per_real_entry, 0.05 * per_real_entry);
}

TEST(PaperPipeline, RunsAsWrittenAndDetectsTheStructure) {
  // The literal pipeline (SSC of per-slot singular vectors) is reported beside
  // ours; it must at least find the signal space, overlap and shared subspace.
  const SimulatedSlots sim = scenario(2, 1, kNoNoise, 200);
  const SubspaceEstimate est = recover_subspaces(sim.received, config_for(sim, RecoveryMethod::Paper));
  EXPECT_EQ(est.overlap, 1);
  ASSERT_EQ(est.bases.size(), 2u);
  for (const Matrix& a : est.bases) EXPECT_TRUE((a.transpose() * a).isApprox(Matrix::Identity(3, 3), 1e-9));
  Matrix truth_space(10, 5);
  truth_space << sim.precoders.basis(0), sim.precoders.basis(1).leftCols(2);
  EXPECT_NEAR(subspace_similarity(orthonormal_basis(truth_space), est.signal_space), 1.0, 1e-9);
}

TEST(BlindRecoveryErrors, NameTheInputAndTheProblem) {
  const SimulatedSlots sim = scenario(2, 0, 20.0, 40);
  RecoveryConfig rc = config_for(sim);

  EXPECT_THAT(what_of({sim.received.begin(), sim.received.begin() + 5}, rc), testing::HasSubstr("too few slots"));

  std::vector<Matrix> bad = sim.received;
  bad[3](2, 4) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(what_of(bad, rc), testing::AllOf(testing::HasSubstr("slot 3"), testing::HasSubstr("NaN")));

  bad = sim.received;
  bad[7] = Matrix::Zero(32, 9);
  EXPECT_THAT(what_of(bad, rc), testing::HasSubstr("slot 7 is 32x9"));

  RecoveryConfig three = rc;  // the slots hold two devices, three are requested
  three.signatures.clear();
  three.devices = 3;
  EXPECT_THAT(what_of(sim.received, three), testing::HasSubstr("rank too low"));

  RecoveryConfig one = rc;  // two devices' worth of signal, one requested
  one.signatures.clear();
  one.devices = 1;
  EXPECT_THAT(what_of(sim.received, one), testing::HasSubstr("exceeds"));

  RecoveryConfig sigs = rc;
  sigs.signatures.pop_back();
  EXPECT_THAT(what_of(sim.received, sigs), testing::HasSubstr("signatures"));

  EXPECT_THAT(what_of({}, rc), testing::HasSubstr("no slots"));
}
