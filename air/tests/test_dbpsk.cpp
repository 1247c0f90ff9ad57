#include "moema/air/aux_message.hpp"
#include "moema/air/dbpsk.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <random>
#include <stdexcept>

using namespace moema::rx;
using ::testing::HasSubstr;

namespace {

using cd = std::complex<double>;
constexpr double kPi = 3.14159265358979323846;

std::vector<std::uint8_t> random_bits(int n, std::mt19937_64& rng) {
  std::bernoulli_distribution coin(0.5);
  std::vector<std::uint8_t> bits(static_cast<std::size_t>(n));
  for (auto& b : bits) b = coin(rng) ? 1 : 0;
  return bits;
}

// r_k = h_k s + n_k with h_k = exp(j theta_k) (|h_k| = 1, unknown phase) and
// n_k ~ CN(0, noise_variance): per-antenna Es/N0 = Eb/N0 = 1 / noise_variance.
ComplexMatrix unit_gain_channel(const ComplexVector& s, int antennas, double noise_variance, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> phase(0.0, 2.0 * kPi);
  std::normal_distribution<double> normal(0.0, std::sqrt(noise_variance / 2.0));
  ComplexMatrix r(antennas, s.size());
  for (int k = 0; k < antennas; ++k) {
    const cd h = std::polar(1.0, phase(rng));
    for (Eigen::Index i = 0; i < s.size(); ++i) r(k, i) = h * s(i) + cd(normal(rng), normal(rng));
  }
  return r;
}

// Bit error rate over frames of 77 bits (one aux message), fresh phases per frame.
double bit_error_rate(int antennas, double noise_variance, int frames, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  long errors = 0, total = 0;
  for (int f = 0; f < frames; ++f) {
    const auto bits = random_bits(77, rng);
    const auto decided = dbpsk_demodulate(unit_gain_channel(dbpsk_modulate(bits), antennas, noise_variance, rng));
    for (std::size_t i = 0; i < bits.size(); ++i) errors += decided[i] != bits[i];
    total += static_cast<long>(bits.size());
  }
  return static_cast<double>(errors) / static_cast<double>(total);
}

}  // namespace

TEST(Dbpsk, ModulatesAKnownSequenceToHandWrittenSymbols) {
  // bits 1 0 1 1: +1 (reference), flip -> -1, keep -> -1, flip -> +1, flip -> -1.
  const ComplexVector s = dbpsk_modulate({1, 0, 1, 1});
  ASSERT_EQ(s.size(), 5);
  const ComplexVector expected = (ComplexVector(5) << 1.0, -1.0, -1.0, 1.0, -1.0).finished();
  EXPECT_EQ(s, expected);
  EXPECT_EQ(dbpsk_modulate({}).size(), 1);
  EXPECT_THROW(dbpsk_modulate({0, 3}), std::invalid_argument);
}

TEST(Dbpsk, DecodesExactlyThroughUnknownPerAntennaGains) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(0.0, 1.0);
  const auto bits = random_bits(200, rng);
  const ComplexVector s = dbpsk_modulate(bits);
  ComplexMatrix r(4, s.size());
  for (int k = 0; k < 4; ++k) r.row(k) = cd(normal(rng), normal(rng)) * s.transpose();  // h_k ~ CN(0, 2)
  EXPECT_EQ(dbpsk_demodulate(r), bits);
  const Eigen::VectorXd soft = dbpsk_soft(r);
  ASSERT_EQ(soft.size(), 200);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(soft(i) > 0.0, bits[static_cast<std::size_t>(i)] == 0) << i;
}

TEST(Dbpsk, ToleratesResidualCarrierOffset) {
  std::mt19937_64 rng(12);
  const auto bits = random_bits(500, rng);
  const ComplexVector s = dbpsk_modulate(bits);
  ComplexMatrix r(4, s.size());
  for (int k = 0; k < 4; ++k)
    for (Eigen::Index i = 0; i < s.size(); ++i)
      r(k, i) = std::polar(0.5 + k, 1.3 * k) * s(i) * std::polar(1.0, 0.05 * static_cast<double>(i));
  EXPECT_EQ(dbpsk_demodulate(r), bits);
}

TEST(Dbpsk, SingleAntennaBerMatchesTheClosedForm) {
  // Non-coherent DBPSK in AWGN: P_b = exp(-Eb/N0) / 2 = 0.1839 at 0 dB. With
  // ~20000 bits the standard error is ~0.003, so +-0.02 is a > 6 sigma margin.
  const double ber = bit_error_rate(1, 1.0, 260, 21);
  EXPECT_NEAR(ber, 0.5 * std::exp(-1.0), 0.02);
}

TEST(Dbpsk, SixteenAntennaCombiningDrivesTheBerDown) {
  // Post-detection combining of L = 16 branches at 0 dB each (total SNR 16):
  // P_b = 2^-(2L-1) e^-16 sum_{k<L} c_k 16^k, c_k = (1/k!) sum_{n<=L-1-k} C(2L-1, n),
  // = 1.8e-4 (Proakis, Digital Communications, sec. 13.4): ~4 errors expected
  // in 20020 bits, so < 1e-3 (20 errors) fails only by an implausible fluke.
  const double ber = bit_error_rate(16, 1.0, 260, 22);
  EXPECT_LT(ber, 1e-3);
}

TEST(Dbpsk, CarriesAnAuxMessageThroughANoisyChannel) {
  const AuxLayout layout{2};
  AuxMessage m;
  m.device_id = 9;
  m.slot_counter = 300;
  m.values = {0.42, 1.37};
  m.anchor = {6, false};
  std::mt19937_64 rng(23);
  const auto bits = encode_aux(m, layout);
  const auto decoded = decode_aux(dbpsk_demodulate(unit_gain_channel(dbpsk_modulate(bits), 16, 0.5, rng)), layout);
  ASSERT_TRUE(decoded.ok) << decoded.error;
  EXPECT_EQ(decoded.message.device_id, 9);
  EXPECT_EQ(decoded.message.slot_counter, 300u);
  EXPECT_EQ(decoded.message.anchor.index, 6);
}

TEST(Dbpsk, RejectsTooFewSymbols) {
  try {
    dbpsk_demodulate(ComplexMatrix::Ones(4, 1));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("at least 2"));
  }
  EXPECT_THROW(dbpsk_soft(ComplexMatrix(4, 0)), std::invalid_argument);
  EXPECT_THROW(dbpsk_demodulate(ComplexMatrix(0, 5)), std::invalid_argument);
}
