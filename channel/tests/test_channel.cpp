#include "moema/channel/channel.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

using namespace moema::rx;

namespace {
std::vector<Vector> unit_codewords(int devices, int m) {
  std::mt19937_64 rng(99);
  std::vector<Vector> w;
  for (int n = 0; n < devices; ++n) w.push_back(random_unit_vector(m, rng));
  return w;
}
}  // namespace

TEST(Channel, NoiseFreeSlotIsTheSumOfRankOneTerms) {
  SimoChannel ch({16, Fading::UnitNorm, {}, INFINITY}, 2, 10, 1);
  const std::vector<Vector> w = unit_codewords(2, 10);
  const ComplexMatrix y = ch.transmit(w);
  ComplexMatrix expected = ComplexMatrix::Zero(16, 10);
  for (int n = 0; n < 2; ++n) {
    EXPECT_NEAR(ch.last_gains()[n].norm(), 1.0, 1e-12);  // the paper's unit-norm h
    expected += ch.last_gains()[n] * w[n].transpose().cast<std::complex<double>>();
  }
  EXPECT_TRUE(y.isApprox(expected, 1e-14));
}

TEST(Channel, RealStackingKeepsTheRowSpaceOfRealCodewords) {
  SimoChannel ch({4, Fading::Rayleigh, {}, INFINITY}, 2, 6, 2);
  const std::vector<Vector> w = unit_codewords(2, 6);
  const Matrix z = stack_real(ch.transmit(w));
  ASSERT_EQ(z.rows(), 8);
  Matrix basis(6, 2);
  basis << w[0], w[1];
  const Matrix residual = z - z * basis * (basis.transpose() * basis).inverse() * basis.transpose();
  EXPECT_LT(residual.norm(), 1e-12 * z.norm());
  EXPECT_EQ(Eigen::JacobiSVD<Matrix>(z).setThreshold(1e-10).rank(), 2);
}

TEST(Channel, NoiseVarianceFollowsThePerAntennaSnrDefinition) {
  // SNR = sum_n E|h_nk|^2 / (M sigma^2): unit norm gives E|h_nk|^2 = 1/K.
  SimoChannel unit({16, Fading::UnitNorm, {}, 10.0}, 2, 10, 3);
  EXPECT_NEAR(unit.noise_variance(), (2.0 / 16) / (10 * 10.0), 1e-15);
  SimoChannel rayleigh({16, Fading::Rayleigh, {0.0, -3.0}, 20.0}, 2, 10, 3);
  EXPECT_NEAR(rayleigh.noise_variance(), (1.0 + std::pow(10.0, -0.3)) / (10 * 100.0), 1e-15);
}

TEST(Channel, MeasuredSignalAndNoisePowersMatchTheSnr) {
  const double snr_db = 5.0;
  SimoChannel ch({16, Fading::Rayleigh, {0.0, 0.0}, snr_db}, 2, 10, 4);
  double signal = 0, noise = 0;
  for (int t = 0; t < 4000; ++t) {
    const std::vector<Vector> w = unit_codewords(2, 10);
    const ComplexMatrix y = ch.transmit(w);
    ComplexMatrix s = ComplexMatrix::Zero(16, 10);  // rebuilt from the drawn gains
    for (int n = 0; n < 2; ++n) s += ch.last_gains()[n] * w[n].transpose().cast<std::complex<double>>();
    signal += s.squaredNorm();
    noise += (y - s).squaredNorm();
  }
  // 4000 x 160 samples: the measured ratio is within a few percent of the definition.
  EXPECT_NEAR(10 * std::log10(signal / noise), snr_db, 0.15);
}

TEST(Channel, RayleighPathGainSetsTheMeanPower) {
  SimoChannel ch({64, Fading::Rayleigh, {6.0}, INFINITY}, 1, 4, 5);
  double power = 0;
  for (int t = 0; t < 2000; ++t) {
    ch.transmit(unit_codewords(1, 4));
    power += ch.last_gains()[0].squaredNorm() / 64;
  }
  EXPECT_NEAR(power / 2000, std::pow(10.0, 0.6), 0.05 * std::pow(10.0, 0.6));
}

TEST(Channel, BadInputIsNamed) {
  SimoChannel ch({16, Fading::UnitNorm, {}, INFINITY}, 2, 10, 1);
  EXPECT_THROW(ch.transmit(unit_codewords(3, 10)), std::invalid_argument);
  try {
    ch.transmit(unit_codewords(2, 9));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), testing::HasSubstr("codeword 0"));
  }
  EXPECT_THROW(SimoChannel({16, Fading::Rayleigh, {0.0}, 10.0}, 2, 10, 1), std::invalid_argument);
  EXPECT_THROW(SimoChannel({16, Fading::UnitNorm, {}, NAN}, 2, 10, 1), std::invalid_argument);
}
