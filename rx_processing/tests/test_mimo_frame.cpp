// The image link's MIMO frame: layout, pilots, channel estimation, MMSE and
// the whole chain at the sample level (framer, pulse shaping, the simulated
// Nt x Nr channel with CFO and timing offset, matched filter, receiver).
#include "moema/air/mimo_frame.hpp"
#include "moema/channel/mimo_channel.hpp"
#include "moema/rx/mimo_receiver.hpp"

#include "moema/channel/multiple_access_channel.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <set>

namespace moema::rx {
namespace {

constexpr double kPi = 3.14159265358979323846;

MimoFrameFormat small_format(int nt = 2, int uses = 1500) {
  MimoFrameFormat f;
  f.nt = nt;
  f.payload_symbols = nt * uses;
  f.pilot_spacing = 256;
  return f;
}

ComplexVector gaussian_symbols(int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, std::sqrt(0.5));
  ComplexVector x(n);
  for (auto& v : x) v = {g(rng), g(rng)};
  return x;
}

ComplexMatrix gaussian_matrix(int rows, int cols, std::uint64_t seed) {
  return gaussian_symbols(rows * cols, seed).reshaped(rows, cols);
}

TEST(MimoFrameFormat, PilotsAndDataTileTheBodyExactly) {
  for (int uses : {1, 255, 256, 257, 1500}) {
    const MimoFrameFormat f = small_format(2, uses);
    std::set<int> taken;
    for (int b = 0; b < f.pilot_blocks(); ++b)
      for (int i = 0; i < f.pilot_length; ++i) EXPECT_TRUE(taken.insert(f.pilot_start(b) + i).second);
    for (int u = 0; u < f.uses(); ++u) EXPECT_TRUE(taken.insert(f.data_position(u)).second);
    EXPECT_EQ(static_cast<int>(taken.size()), f.body_symbols());
    EXPECT_EQ(*taken.begin(), 0);
    EXPECT_EQ(*taken.rbegin(), f.body_symbols() - 1);
    EXPECT_EQ(f.pilot_start(f.pilot_blocks() - 1), f.body_symbols() - f.pilot_length) << "a pilot block closes the body";
  }
}

TEST(MimoFrameFormat, RejectsBadFieldsByName) {
  MimoFrameFormat f = small_format();
  f.payload_symbols = 3001;
  EXPECT_THROW(
      {
        try {
          f.validate();
        } catch (const std::invalid_argument& e) {
          EXPECT_NE(std::string(e.what()).find("payload_symbols"), std::string::npos) << e.what();
          throw;
        }
      },
      std::invalid_argument);
  f = small_format(4);
  f.pilot_length = 3;
  EXPECT_THROW(f.validate(), std::invalid_argument);
}

TEST(MimoFrameFormat, JsccPayloadIsThreeHWR) {
  EXPECT_EQ(jscc_payload_symbols(512, 768, 1.0 / 16), 73728);
  EXPECT_EQ(jscc_payload_symbols(768, 512, 1.0 / 16), 73728);
  EXPECT_THROW(jscc_payload_symbols(5, 5, 1.0 / 16), std::invalid_argument);
  EXPECT_THROW(jscc_payload_symbols(0, 5, 1.0 / 16), std::invalid_argument);
}

TEST(PilotBlock, RowsAreOrthogonalWithUnitPowerPerUse) {
  for (int nt : {1, 2, 3, 4})
    for (int lp : {4, 15, 16}) {
      MimoFrameFormat f = small_format(nt);
      f.pilot_length = lp;
      const ComplexMatrix p = pilot_block(f);
      const ComplexMatrix gram = p * p.adjoint();
      EXPECT_TRUE(gram.isApprox(ComplexMatrix::Identity(nt, nt) * (static_cast<double>(lp) / nt), 1e-12))
          << "nt " << nt << " Lp " << lp;
      for (int i = 0; i < lp; ++i) EXPECT_NEAR(p.col(i).squaredNorm(), 1.0, 1e-12);
    }
}

TEST(MimoFramer, PlacesSymbolSOnAntennaSModNtAtUseSDivNt) {
  const MimoFrameFormat f = small_format(3, 600);
  MimoFramer framer(f);
  const ComplexVector x = gaussian_symbols(f.payload_symbols, 1);
  const ComplexMatrix frame = framer.next(x, 40, 50);
  ASSERT_EQ(frame.rows(), 3);
  ASSERT_EQ(frame.cols(), f.frame_symbols());
  const int body = f.slot_format().payload_start();
  for (int s : {0, 1, 2, 3, 1000, f.payload_symbols - 1})
    EXPECT_NEAR(std::abs(frame(s % 3, body + f.data_position(s / 3)) - x(s) / std::sqrt(3.0)), 0.0, 1e-15);
  // Only antenna 0 sends the preamble.
  EXPECT_NEAR(frame.row(0).head(f.air.preamble_symbols()).squaredNorm(), f.air.preamble_symbols(), 1e-9);
  EXPECT_EQ(frame.row(1).head(f.air.preamble_symbols()).squaredNorm(), 0.0);
  EXPECT_EQ(framer.frames_framed(), 1u);
}

TEST(MimoFramer, RejectsWrongSymbolCountNonFiniteAndOversizedImage) {
  const MimoFrameFormat f = small_format();
  MimoFramer framer(f);
  EXPECT_THROW(framer.next(gaussian_symbols(f.payload_symbols - 2, 1), 8, 8), std::invalid_argument);
  ComplexVector bad = gaussian_symbols(f.payload_symbols, 1);
  bad(7) = {std::nan(""), 0};
  EXPECT_THROW(framer.next(bad, 8, 8), std::invalid_argument);
  EXPECT_THROW(framer.next(gaussian_symbols(f.payload_symbols, 1), 40000, 8), std::invalid_argument);
  EXPECT_EQ(framer.frames_framed(), 0u) << "a rejected image does not use a frame number";
}

// body = e^{j(2 pi d i + phi)} H X + noise, built from the pilots and random data.
ComplexMatrix synthetic_body(const MimoFrameFormat& f, const ComplexMatrix& h, double cfo, double phase,
                             double noise_variance, std::uint64_t seed) {
  const ComplexMatrix p = pilot_block(f);
  ComplexMatrix x = gaussian_matrix(f.nt, f.body_symbols(), seed) / std::sqrt(f.nt);
  for (int b = 0; b < f.pilot_blocks(); ++b) x.middleCols(f.pilot_start(b), f.pilot_length) = p;
  ComplexMatrix y = h * x + gaussian_matrix(h.rows(), f.body_symbols(), seed + 1) * std::sqrt(noise_variance);
  for (int i = 0; i < f.body_symbols(); ++i) y.col(i) *= std::polar(1.0, 2 * kPi * cfo * i + phase);
  return y;
}

TEST(EstimateMimoChannel, RecoversHResidualCfoAndNoiseVariance) {
  const MimoFrameFormat f = small_format(2, 3000);
  const ComplexMatrix h = gaussian_matrix(4, 2, 11);
  const double cfo = 2e-4, phase = 0.7, noise = 0.05;
  const MimoChannelEstimate est = estimate_mimo_channel(f, synthetic_body(f, h, cfo, phase, noise, 5));
  EXPECT_NEAR(est.residual_cfo, cfo, 2e-6);
  EXPECT_NEAR(est.noise_variance / noise, 1.0, 0.1);
  // The reference phase lands on H, which is what the receiver needs. LS on
  // B blocks of Lp pilots: each entry's error variance is Nt s2 / (Lp B),
  // 4.8e-4 here, i.e. 2.2 % of ||H|| in norm; the block phases add their own
  // noise (one 16-symbol block each, about 0.02 rad).
  const ComplexMatrix rotated = h * std::polar(1.0, phase);
  EXPECT_LT((est.h - rotated).norm() / h.norm(), 0.05);
  EXPECT_NEAR(std::remainder(est.phase_at(1234.0) - 2 * kPi * cfo * 1234.0, 2 * kPi), 0.0, 0.06);
}

TEST(EstimateMimoChannel, RejectsABodyOfTheWrongLength) {
  const MimoFrameFormat f = small_format();
  EXPECT_THROW(estimate_mimo_channel(f, ComplexMatrix::Zero(2, f.body_symbols() - 1)), std::invalid_argument);
}

TEST(MmseEqualize, DiagonalChannelGivesClosedFormSinr) {
  ComplexMatrix h = ComplexMatrix::Zero(2, 2);
  h(0, 0) = 2.0;
  h(1, 1) = {0.0, 0.5};
  const double noise = 0.1;
  const ComplexMatrix x = gaussian_matrix(2, 5, 3);
  const MimoEqualized eq = mmse_equalize(h * x, h, noise);
  // Diagonal H: streams separate, SINR_i = |h_i|^2 / (Nt s2), and the unbiased
  // estimate of a noiseless y is x itself.
  EXPECT_NEAR(eq.sinr_db[0], 10 * std::log10(4.0 / (2 * noise)), 1e-9);
  EXPECT_NEAR(eq.sinr_db[1], 10 * std::log10(0.25 / (2 * noise)), 1e-9);
  EXPECT_TRUE(eq.symbols.isApprox(x, 1e-12));
}

TEST(MmseEqualize, IsUnbiasedAndItsSinrPredictsTheError) {
  const ComplexMatrix h = gaussian_matrix(3, 2, 21);
  const double noise = 0.2;
  const int uses = 200000;
  const ComplexMatrix x = gaussian_matrix(2, uses, 22) / std::sqrt(2.0);
  const ComplexMatrix y = h * x + gaussian_matrix(3, uses, 23) * std::sqrt(noise);
  const MimoEqualized eq = mmse_equalize(y, h, noise);
  for (int i = 0; i < 2; ++i) {
    const Sample gain = eq.symbols.row(i).dot(x.row(i)) / x.row(i).squaredNorm();  // conj(x) . x_hat / |x|^2
    EXPECT_NEAR(std::abs(gain - Sample(1.0)), 0.0, 0.01) << "stream " << i;
    const double error = (eq.symbols.row(i) - x.row(i)).squaredNorm() / uses;
    const double predicted = (1.0 / 2.0) / std::pow(10.0, eq.sinr_db[i] / 10.0);  // signal power 1/Nt
    EXPECT_NEAR(error / predicted, 1.0, 0.03) << "stream " << i;
  }
  EXPECT_THROW(mmse_equalize(y, h, -1.0), std::invalid_argument);
  EXPECT_THROW(mmse_equalize(y.topRows(2), h, noise), std::invalid_argument);
}

// The sample-level link: frames through pulse shaping, the simulated channel
// and the matched filter into the receiver.
struct Link {
  MimoFrameFormat format;
  MimoFramer framer;
  MimoTransmitter transmitter;
  MultipleAccessChannel channel;
  std::vector<FirFilter> matched;
  MimoFrameReceiver receiver;

  Link(const MimoFrameFormat& f, const MimoChannelConfig& c, std::uint64_t seed)
      : format(f), framer(f), transmitter(f), channel(mimo_channel_config(f, c), seed), receiver(f, c.nr) {
    const auto taps = root_raised_cosine(f.air.samples_per_symbol, f.air.rolloff, f.air.filter_span);
    matched.assign(static_cast<std::size_t>(c.nr), FirFilter(taps));
  }

  // Antenna samples of one frame period (a frame, or silence when x is empty).
  std::vector<std::vector<Sample>> air(const ComplexVector& x, int height, int width) {
    const ComplexMatrix symbols = x.size() ? framer.next(x, height, width) : ComplexMatrix();
    const auto tx = transmitter.next(symbols);
    std::vector<std::vector<Sample>> rx(static_cast<std::size_t>(channel.antennas()),
                                        std::vector<Sample>(tx.front().size()));
    std::vector<const Sample*> in;
    for (const auto& s : tx) in.push_back(s.data());
    std::vector<Sample*> out;
    for (auto& s : rx) out.push_back(s.data());
    channel.process(in, out, tx.front().size());
    for (std::size_t k = 0; k < rx.size(); ++k) matched[k].process(rx[k].data(), rx[k].data(), rx[k].size());
    return rx;
  }

  std::vector<MimoReceivedFrame> receive(const std::vector<std::vector<Sample>>& rx, std::size_t from = 0,
                                         std::size_t count = SIZE_MAX) {
    std::vector<const Sample*> ptrs;
    for (const auto& s : rx) ptrs.push_back(s.data() + from);
    return receiver.push(ptrs, std::min(count, rx.front().size() - from));
  }

  // Receives rx and appends its frames to `frames`.
  void receive_into(std::vector<MimoReceivedFrame>& frames, const std::vector<std::vector<Sample>>& rx) {
    const auto got = receive(rx);
    frames.insert(frames.end(), got.begin(), got.end());
  }
  // A frame period of silence: the last frame completes once its tail is in.
  void flush_into(std::vector<MimoReceivedFrame>& frames) { receive_into(frames, air({}, 0, 0)); }

  // The true H for antenna symbols, from the simulator's gains of the frame.
  ComplexMatrix true_h() const {
    ComplexMatrix h(channel.antennas(), format.nt);
    for (int t = 0; t < format.nt; ++t) h.col(t) = channel.gains()[static_cast<std::size_t>(t)];
    return h;
  }
};

TEST(MimoLink, RecoversSymbolsAtThePredictedSinrThroughCfoAndTimingOffset) {
  const MimoFrameFormat f = small_format(2, 3000);
  MimoChannelConfig c;
  c.nr = 2;
  c.snr_db = 10;
  c.cfo = 1.5e-4;
  c.timing_offset = 5.37;
  c.phase = 1.1;
  Link link(f, c, 7);
  const ComplexVector x = gaussian_symbols(f.payload_symbols, 9);
  auto rx = link.air(x, 60, 100);
  const ComplexMatrix h = link.true_h();
  auto frames = link.receive(rx);
  link.flush_into(frames);
  ASSERT_EQ(frames.size(), 1u);
  const MimoReceivedFrame& r = frames.front();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.header.height, 60);
  EXPECT_EQ(r.header.width, 100);
  EXPECT_EQ(r.frame_id, 0u);
  EXPECT_NEAR(r.cfo, c.cfo, 2e-6) << "the pilots refine the preamble's CFO";
  EXPECT_NEAR(r.channel.noise_variance / 0.1, 1.0, 0.15);
  // H up to the frame's common carrier phase.
  const Sample common = h.conjugate().cwiseProduct(r.channel.h).sum();
  EXPECT_LT((r.channel.h * std::polar(1.0, -std::arg(common)) - h).norm() / h.norm(), 0.05);
  // Per stream, the error power matches the SINR the receiver reports (and
  // the decoder is told), within 15 %.
  for (int t = 0; t < 2; ++t) {
    double error = 0;
    for (int u = 0; u < f.uses(); ++u) error += std::norm(r.symbols(u * 2 + t) - x(u * 2 + t));
    error /= f.uses();
    const double predicted = std::pow(10.0, -r.stream_snr_db[static_cast<std::size_t>(t)] / 10.0);
    EXPECT_NEAR(error / predicted, 1.0, 0.15) << "stream " << t;
  }
}

TEST(MimoLink, StreamsSeveralFramesAndNumbersThem) {
  const MimoFrameFormat f = small_format(2, 600);
  MimoChannelConfig c;
  c.nr = 3;
  c.snr_db = 20;
  c.cfo = -8e-5;
  Link link(f, c, 3);
  std::vector<MimoReceivedFrame> frames;
  for (int i = 0; i < 3; ++i) {
    // Pushed in odd-sized pieces, as a flowgraph would.
    const auto rx = link.air(gaussian_symbols(f.payload_symbols, 100 + i), 10 + i, 20);
    for (std::size_t from = 0; from < rx.front().size(); from += 997) {
      const auto got = link.receive(rx, from, 997);
      frames.insert(frames.end(), got.begin(), got.end());
    }
  }
  link.flush_into(frames);
  ASSERT_EQ(frames.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(frames[i].ok) << frames[i].error;
    EXPECT_EQ(frames[i].frame_id, static_cast<std::uint32_t>(i));
    EXPECT_EQ(frames[i].header.height, 10 + i);
  }
  EXPECT_EQ(link.receiver.counts().decoded, 3);
}

TEST(MimoLink, CorruptedHeaderIsDroppedWithAReasonAndTheNextFrameStillDecodes) {
  const MimoFrameFormat f = small_format(2, 600);
  MimoChannelConfig c;
  c.snr_db = 25;
  Link link(f, c, 4);
  auto rx = link.air(gaussian_symbols(f.payload_symbols, 1), 8, 8);
  // Flip the header: negate the second half of the DBPSK mini-slot on every channel.
  const SlotFormat s = f.slot_format();
  const int sps = s.samples_per_symbol;
  const std::size_t from = static_cast<std::size_t>((s.aux_start(0) + s.aux_symbols() / 2) * sps + s.filter_span * sps);
  for (auto& ch : rx)
    for (std::size_t i = from; i < from + 8 * static_cast<std::size_t>(sps); ++i) ch[i] = -ch[i];
  auto frames = link.receive(rx);
  link.receive_into(frames, link.air(gaussian_symbols(f.payload_symbols, 2), 8, 8));
  link.flush_into(frames);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_FALSE(frames[0].ok);
  EXPECT_NE(frames[0].error.find("dropped"), std::string::npos) << frames[0].error;
  EXPECT_TRUE(frames[1].ok) << frames[1].error;
  EXPECT_EQ(link.receiver.counts().dropped, 1);
}

TEST(MimoLink, UnreadableHeaderWithAnAssumedSizeStillDeliversTheImageInOrder) {
  const MimoFrameFormat f = small_format(2, 600);
  MimoChannelConfig c;
  c.snr_db = 25;
  Link link(f, c, 4);
  link.receiver = MimoFrameReceiver(f, c.nr, MimoHeader{0, 8, 8});
  std::vector<MimoReceivedFrame> frames;
  for (int i = 0; i < 3; ++i) {
    auto rx = link.air(gaussian_symbols(f.payload_symbols, 1 + i), 8, 8);
    if (i == 1) {  // wipe frame 1's header mini-slot on every channel
      const SlotFormat s = f.slot_format();
      const int sps = s.samples_per_symbol;
      const auto from = static_cast<std::size_t>(s.aux_start(0) * sps + s.filter_span * sps / 2);
      for (auto& ch : rx)
        for (std::size_t k = from; k < from + static_cast<std::size_t>(s.aux_symbols() * sps); ++k) ch[k] = -ch[k] * 0.3;
    }
    link.receive_into(frames, rx);
  }
  link.flush_into(frames);
  ASSERT_EQ(frames.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(frames[i].ok) << frames[i].error;
    EXPECT_EQ(frames[i].frame_id, static_cast<std::uint32_t>(i));
  }
  EXPECT_TRUE(frames[1].header_assumed || frames[1].header_coherent);
  if (frames[1].header_assumed) EXPECT_NE(frames[1].error.find("assumed 8x8"), std::string::npos) << frames[1].error;
  EXPECT_FALSE(frames[0].header_assumed);
}

TEST(MimoLink, FalseDetectionsOnNoiseAreNeverDeliveredAsImages) {
  const MimoFrameFormat f = small_format(2, 600);
  MimoChannelConfig c;
  c.snr_db = 0;  // noise of unit variance
  Link link(f, c, 8);
  link.receiver = MimoFrameReceiver(f, c.nr, MimoHeader{0, 8, 8});
  std::vector<MimoReceivedFrame> frames;
  for (int i = 0; i < 200; ++i) link.flush_into(frames);  // silence: only noise on the air
  for (const auto& fr : frames) {
    EXPECT_FALSE(fr.ok) << "noise delivered as frame " << fr.frame_id << ", SNR " << fr.snr_db;
    EXPECT_LT(fr.snr_db, -10.0);
  }
  EXPECT_EQ(link.receiver.counts().decoded, 0);
  EXPECT_EQ(link.receiver.counts().dropped, link.receiver.counts().detected);
  std::printf("%d false detections in 200 frame periods of noise\n", link.receiver.counts().detected);
}

TEST(MimoLink, FrameCutShortYieldsNothingAndLosesNoLaterFrame) {
  const MimoFrameFormat f = small_format(2, 600);
  MimoChannelConfig c;
  c.snr_db = 25;
  Link link(f, c, 5);
  auto cut = link.air(gaussian_symbols(f.payload_symbols, 1), 8, 8);
  for (auto& ch : cut) std::fill(ch.begin() + static_cast<std::ptrdiff_t>(ch.size() / 3), ch.end(), Sample{});
  auto frames = link.receive(cut);
  link.receive_into(frames, link.air(gaussian_symbols(f.payload_symbols, 2), 9, 9));
  link.flush_into(frames);
  // The truncated frame is detected but its header is gone: dropped, not decoded.
  int good = 0;
  for (const auto& fr : frames) {
    if (fr.ok) {
      ++good;
      EXPECT_EQ(fr.header.height, 9);
    } else {
      EXPECT_FALSE(fr.error.empty());
    }
  }
  EXPECT_EQ(good, 1);
}

TEST(MimoLink, NonFiniteSamplesNeverThrow) {
  const MimoFrameFormat f = small_format(2, 600);
  MimoChannelConfig c;
  c.snr_db = 25;
  Link link(f, c, 6);
  auto rx = link.air(gaussian_symbols(f.payload_symbols, 1), 8, 8);
  const int body = f.slot_format().payload_start() * f.air.samples_per_symbol + 4000;
  rx[1][static_cast<std::size_t>(body)] = {std::nan(""), 0};
  std::vector<MimoReceivedFrame> frames;
  EXPECT_NO_THROW({
    frames = link.receive(rx);
    link.receive_into(frames, link.air(gaussian_symbols(f.payload_symbols, 2), 9, 9));
    link.flush_into(frames);
  });
  for (const auto& fr : frames) EXPECT_FALSE(fr.ok && !fr.symbols.allFinite());
  ASSERT_FALSE(frames.empty());
  EXPECT_TRUE(frames.back().ok && frames.back().header.height == 9) << "a NaN must not poison later frames";
}

}  // namespace
}  // namespace moema::rx
