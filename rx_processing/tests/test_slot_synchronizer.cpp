// The K-channel slot synchroniser on synthetic slots: devices' slots are
// pulse-shaped at 8x the receiver's rate and decimated with an offset, which
// delays them by an exact fraction of a sample without any interpolator of the
// code under test; channels, CFO, DC and noise are applied here by hand.
#include "moema/air/aux_message.hpp"
#include "moema/air/dbpsk.hpp"
#include "moema/common/linalg.hpp"
#include "moema/rx/slot_synchronizer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace moema::rx {
namespace {

constexpr double kTwoPi = 6.28318530717958647692;
constexpr int kOversample = 8;
// The truncated RRC pair's own ISI is 7e-4 rms (slot_format.hpp) and the
// timing estimate is off by up to 0.01 sample, which with the pulse's slope
// gives a few 1e-3: the payload matches the ideal Y to about that (30 dB of
// SNR would add 3e-2).
constexpr double kIsiFloor = 5e-3;

struct Scene {
  int antennas = 4;
  int slots = 3;
  int lead_in = 300;                 // silent samples before the first slot (receiver rate)
  std::vector<int> eighths;          // per device: delay in 1/8 sample
  double cfo = 0;                    // cycles per receiver sample
  Sample dc{};                       // added to every channel
  double noise_variance = 0;
  std::uint64_t seed = 1;
};

struct Transmitted {
  std::vector<std::vector<Sample>> rx;       // K matched-filtered streams
  std::vector<std::vector<Vector>> codewords;  // [slot][device]
  std::vector<std::vector<AuxMessage>> aux;    // [slot][device]
  std::vector<ComplexVector> gains;            // [device], fixed over the run
  double first_preamble = 0;                   // position of the first preamble symbol's peak
};

AuxMessage message(int device, int slot) {
  AuxMessage m;
  m.device_id = device;
  m.slot_counter = static_cast<std::uint32_t>(slot);
  m.values = {0.25 * device, 1.5 - 0.125 * slot};
  m.anchor = {device + 3, slot % 2 == 0};
  return m;
}

Transmitted transmit(const SlotFormat& f, const Scene& s) {
  std::mt19937_64 rng(s.seed);
  Transmitted t;
  const int devices = f.devices;
  const int sps = f.samples_per_symbol;
  SlotFormat fine = f;
  fine.samples_per_symbol = sps * kOversample;
  const auto fine_taps = root_raised_cosine(fine.samples_per_symbol, f.rolloff, f.filter_span);
  const auto taps = root_raised_cosine(sps, f.rolloff, f.filter_span);
  const int slot_len = f.slot_samples();
  const int total = s.lead_in + s.slots * slot_len + 200;
  std::vector<std::vector<Sample>> device_streams(devices, std::vector<Sample>(total, Sample{}));
  for (int slot = 0; slot < s.slots; ++slot) {
    t.codewords.emplace_back();
    t.aux.emplace_back();
    for (int n = 0; n < devices; ++n) {
      const Vector w = random_unit_vector(f.codeword_length, rng);
      t.codewords.back().push_back(w);
      t.aux.back().push_back(message(n, slot));
      const auto bits = encode_aux(t.aux.back().back(), AuxLayout{f.aux_values});
      const auto shaped = pulse_shape(device_slot_symbols(f, n, w, bits), fine_taps, fine.samples_per_symbol);
      const int start = s.lead_in + slot * slot_len;
      const int offset = s.eighths.empty() ? 0 : s.eighths[n];
      // Receiver sample j is fine sample 8 j - offset: the slot arrives offset/8
      // samples late. sqrt(8) keeps unit symbol energy after decimation.
      for (std::size_t j = 0; j * kOversample < shaped.size() + offset; ++j) {
        const std::size_t fine_index = j * kOversample;
        if (fine_index < static_cast<std::size_t>(offset) || start + static_cast<int>(j) >= total) continue;
        device_streams[n][start + j] += shaped[fine_index - offset] * std::sqrt(double(kOversample));
      }
    }
  }
  std::normal_distribution<double> gauss;
  for (int n = 0; n < devices; ++n) {
    ComplexVector h(s.antennas);
    for (int k = 0; k < s.antennas; ++k) h(k) = {gauss(rng), gauss(rng)};
    t.gains.push_back(h.normalized());
  }
  std::normal_distribution<double> noise(0.0, std::sqrt(s.noise_variance / 2));
  t.rx.assign(s.antennas, {});
  for (int k = 0; k < s.antennas; ++k) {
    std::vector<Sample> air(total, Sample{});
    for (int i = 0; i < total; ++i) {
      for (int n = 0; n < devices; ++n) air[i] += t.gains[n](k) * device_streams[n][i];
      air[i] *= std::polar(1.0, kTwoPi * s.cfo * i);
      air[i] += s.dc + Sample(noise(rng), noise(rng));
    }
    t.rx[k] = fir_filter(air, taps);
  }
  // TX and RX filters each delay by span*sps/2 samples.
  t.first_preamble = s.lead_in + f.filter_span * sps;
  return t;
}

std::vector<ReceivedSlot> receive(const SlotSyncConfig& config, const Transmitted& t, std::size_t chunk) {
  SlotSynchronizer sync(config);
  std::vector<ReceivedSlot> slots;
  const std::size_t total = t.rx.front().size();
  for (std::size_t at = 0; at < total; at += chunk) {
    const std::size_t n = std::min(chunk, total - at);
    std::vector<const Sample*> ptrs;
    for (const auto& ch : t.rx) ptrs.push_back(ch.data() + at);
    for (auto& s : sync.push(ptrs, n)) slots.push_back(std::move(s));
  }
  return slots;
}

// Y = c sum_n h_n w_n^T for some unit-modulus c (the carrier phase at the
// slot): the relative residual of the best such fit.
double payload_error(const ComplexMatrix& y, const std::vector<ComplexVector>& gains,
                     const std::vector<Vector>& codewords) {
  ComplexMatrix expected = ComplexMatrix::Zero(y.rows(), y.cols());
  for (std::size_t n = 0; n < gains.size(); ++n)
    expected += gains[n] * codewords[n].transpose().cast<std::complex<double>>();
  const Sample c = (expected.conjugate().cwiseProduct(y)).sum();
  const Sample phase = c / std::abs(c);
  return (y - phase * expected).norm() / expected.norm();
}

SlotSyncConfig config_for(int antennas) {
  SlotSyncConfig c;
  c.antennas = antennas;
  return c;
}

TEST(SlotSynchronizer, FindsEverySlotAtTheRightTimeAndRecoversPayloadAndAux) {
  SlotSyncConfig config = config_for(4);
  Scene scene;
  const Transmitted t = transmit(config.format, scene);
  const auto slots = receive(config, t, 1 << 20);
  ASSERT_EQ(slots.size(), 3u);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    EXPECT_EQ(slots[i].index, i);
    EXPECT_NEAR(slots[i].timing, t.first_preamble + i * config.format.slot_samples(), 0.01);
    EXPECT_NEAR(slots[i].cfo, 0.0, 1e-6);
    EXPECT_GT(slots[i].detection_metric, 0.95);
    EXPECT_LT(payload_error(slots[i].payload, t.gains, t.codewords[i]), kIsiFloor);
    for (int n = 0; n < config.format.devices; ++n) {
      const AuxDecodeResult r = decode_aux(dbpsk_demodulate(slots[i].aux[n]), AuxLayout{config.format.aux_values});
      ASSERT_TRUE(r.ok) << r.error;
      EXPECT_EQ(r.message.device_id, n);
      EXPECT_EQ(r.message.slot_counter, i);
      EXPECT_EQ(r.message.anchor.index, n + 3);
    }
  }
}

TEST(SlotSynchronizer, EstimatesFractionalTimingAndCfo) {
  SlotSyncConfig config = config_for(4);
  for (int eighths : {1, 3, 5}) {
    Scene scene;
    scene.eighths = {eighths, eighths};
    scene.cfo = 1.5e-3;  // 1.5 kHz at 1 MS/s
    const Transmitted t = transmit(config.format, scene);
    const auto slots = receive(config, t, 1 << 20);
    ASSERT_EQ(slots.size(), 3u) << eighths;
    for (std::size_t i = 0; i < slots.size(); ++i) {
      const double expected = t.first_preamble + i * config.format.slot_samples() + eighths / 8.0;
      EXPECT_NEAR(slots[i].timing, expected, 0.02) << eighths;
      EXPECT_NEAR(slots[i].cfo, scene.cfo, 2e-6);
      EXPECT_LT(payload_error(slots[i].payload, t.gains, t.codewords[i]), kIsiFloor);
    }
  }
}

TEST(SlotSynchronizer, RemovesALargeDcOffset) {
  SlotSyncConfig config = config_for(4);
  Scene scene;
  scene.slots = 6;
  scene.dc = {0.8, -0.5};  // larger than a channel's amplitude (|h_k| ~ 0.5)
  const Transmitted t = transmit(config.format, scene);
  const auto slots = receive(config, t, 1 << 20);
  ASSERT_EQ(slots.size(), 6u);
  const double taps_sum = [&] {
    double s = 0;
    for (double v : root_raised_cosine(config.format.samples_per_symbol, config.format.rolloff,
                                       config.format.filter_span))
      s += v;
    return s;
  }();
  for (std::size_t i = 0; i < slots.size(); ++i) {
    EXPECT_LT(payload_error(slots[i].payload, t.gains, t.codewords[i]), kIsiFloor) << i;
    EXPECT_NEAR(std::abs(slots[i].dc(0) - scene.dc * taps_sum), 0.0, 1e-3) << i;
  }
}

TEST(SlotSynchronizer, ChunkingDoesNotChangeTheResult) {
  SlotSyncConfig config = config_for(3);
  Scene scene;
  scene.antennas = 3;
  scene.noise_variance = 0.01;
  scene.cfo = -8e-4;
  const Transmitted t = transmit(config.format, scene);
  const auto whole = receive(config, t, 1 << 20);
  const auto pieces = receive(config, t, 37);
  ASSERT_EQ(whole.size(), pieces.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    EXPECT_DOUBLE_EQ(whole[i].timing, pieces[i].timing);
    EXPECT_DOUBLE_EQ(whole[i].cfo, pieces[i].cfo);
    EXPECT_LT((whole[i].payload - pieces[i].payload).norm(), 1e-9);
  }
}

TEST(SlotSynchronizer, SnrEstimateMatchesTheNoiseAdded) {
  SlotSyncConfig config = config_for(8);
  Scene scene;
  scene.antennas = 8;
  scene.slots = 8;
  // Preamble amplitude per channel: |sum_n h_nk|^2, about 2/K on average.
  scene.noise_variance = 0.025;
  const Transmitted t = transmit(config.format, scene);
  const auto slots = receive(config, t, 4096);
  ASSERT_EQ(slots.size(), 8u);
  double signal = 0;
  for (int k = 0; k < scene.antennas; ++k) signal += std::norm(t.gains[0](k) + t.gains[1](k));
  const double expected_db = 10 * std::log10(signal / scene.antennas / scene.noise_variance);
  for (const auto& s : slots) EXPECT_NEAR(s.snr_db, expected_db, 1.0);
}

TEST(SlotSynchronizer, NoiseAloneDetectsNothing) {
  SlotSyncConfig config = config_for(16);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> gauss(0.0, std::sqrt(0.5));
  std::vector<std::vector<Sample>> noise(16, std::vector<Sample>(100000));
  for (auto& ch : noise)
    for (auto& v : ch) v = {gauss(rng), gauss(rng)};
  SlotSynchronizer sync(config);
  std::vector<const Sample*> ptrs;
  for (const auto& ch : noise) ptrs.push_back(ch.data());
  EXPECT_TRUE(sync.push(ptrs, noise.front().size()).empty());
  EXPECT_EQ(sync.samples_received(), 100000u);
}

TEST(SlotSynchronizer, RejectsAWrongChannelCount) {
  SlotSynchronizer sync(config_for(4));
  std::vector<Sample> x(10);
  std::vector<const Sample*> three{x.data(), x.data(), x.data()};
  EXPECT_THROW(sync.push(three, x.size()), std::invalid_argument);
}

}  // namespace
}  // namespace moema::rx
