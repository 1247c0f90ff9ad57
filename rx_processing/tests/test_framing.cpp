// The device framer's slots carry what the format says, and the frame
// receiver decodes them, counts them and names what it drops.
#include "moema/rx/codeword_decoder.hpp"
#include "moema/air/dbpsk.hpp"
#include "moema/air/device_framer.hpp"
#include "moema/rx/frame_receiver.hpp"

#include <gtest/gtest.h>

namespace moema::rx {
namespace {

SlotFormat two_devices() {
  SlotFormat f;
  f.devices = 2;
  f.aux_values = 2;
  return f;
}

TEST(DeviceFramer, CountsSlotsAndFillsTheAuxMessage) {
  const SlotFormat f = two_devices();
  DeviceFramer framer(f, 1);
  Vector w = Vector::Zero(f.codeword_length);
  w(3) = -0.8;
  w(5) = 0.6;
  for (int t = 0; t < 3; ++t) {
    const ComplexVector s = framer.next(w, Vector::Constant(2, 0.25 * t));
    // The payload is sqrt(M) w; device 1's mini-slot holds its DBPSK message.
    EXPECT_NEAR(s(f.payload_start() + 3).real(), -0.8 * std::sqrt(10.0), 1e-12);
    const ComplexMatrix aux = s.segment(f.aux_start(1), f.aux_symbols()).transpose();
    const AuxDecodeResult r = decode_aux(dbpsk_demodulate(aux), AuxLayout{2});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.message.device_id, 1);
    EXPECT_EQ(r.message.slot_counter, static_cast<std::uint32_t>(t));
    EXPECT_DOUBLE_EQ(r.message.values[1], 0.25 * t);
    EXPECT_EQ(r.message.anchor.index, 3);  // the largest entry, negative
    EXPECT_FALSE(r.message.anchor.positive);
    // Device 0's mini-slot is silent in device 1's slot.
    EXPECT_EQ(s.segment(f.aux_start(0), f.aux_symbols()).norm(), 0.0);
  }
  EXPECT_EQ(framer.slots_framed(), 3u);
}

TEST(DeviceFramer, RejectsAWrongAuxCountOrDevice) {
  DeviceFramer framer(two_devices(), 0);
  EXPECT_THROW(framer.next(Vector::Ones(10).normalized(), Vector::Zero(3)), std::invalid_argument);
  EXPECT_THROW(DeviceFramer(two_devices(), 2), std::invalid_argument);
}

// Two devices' slots from their framers (device 1 through a fixed complex
// gain), pulse-shaped and matched-filtered, on one antenna, no noise.
std::vector<Sample> stream_of(const SlotFormat& f, int slots, int corrupt_slot) {
  std::vector<DeviceFramer> framers{DeviceFramer(f, 0), DeviceFramer(f, 1)};
  const auto taps = root_raised_cosine(f.samples_per_symbol, f.rolloff, f.filter_span);
  ComplexVector all = ComplexVector::Zero(static_cast<Eigen::Index>(f.slot_symbols()) * (slots + 2));
  for (int t = 0; t < slots; ++t) {
    ComplexVector slot = framers[0].next(Vector::Unit(10, t % 10), Vector::Zero(2)) +
                         Sample(0.3, 0.4) * framers[1].next(Vector::Unit(10, (t + 3) % 10), Vector::Ones(2));
    if (t == corrupt_slot) slot(f.aux_start(1) + 5) *= -1.0;  // one flipped DBPSK symbol: two bit errors
    all.segment(static_cast<Eigen::Index>(t + 1) * f.slot_symbols(), f.slot_symbols()) = slot;
  }
  return fir_filter(pulse_shape(all, taps, f.samples_per_symbol), taps);
}

TEST(FrameReceiver, DecodesCountsAndNamesADroppedFrame) {
  const SlotFormat f = two_devices();
  const std::vector<Sample> x = stream_of(f, 6, 2);
  SlotSyncConfig config;
  config.format = f;
  config.antennas = 1;
  FrameReceiver receiver(config);
  std::vector<DecodedFrame> frames;
  for (std::size_t at = 0; at < x.size(); at += 1000) {
    std::vector<const Sample*> ptr{x.data() + at};
    for (auto& fr : receiver.push(ptr, std::min<std::size_t>(1000, x.size() - at))) frames.push_back(std::move(fr));
  }
  ASSERT_EQ(frames.size(), 6u);
  for (int t = 0; t < 6; ++t) {
    if (t == 2) {
      EXPECT_FALSE(frames[t].ok);
      EXPECT_NE(frames[t].error.find("device 1: aux message: CRC mismatch"), std::string::npos) << frames[t].error;
      continue;
    }
    ASSERT_TRUE(frames[t].ok) << frames[t].error;
    EXPECT_EQ(frames[t].slot_id, static_cast<std::uint32_t>(t));
    EXPECT_EQ(frames[t].aux[1].device_id, 1);
  }
  EXPECT_EQ(receiver.counts().detected, 6);
  EXPECT_EQ(receiver.counts().decoded, 5);
  EXPECT_EQ(receiver.counts().dropped, 1);
  EXPECT_EQ(receiver.counts().aux_crc_failures, 1);
}

}  // namespace
}  // namespace moema::rx
