#include "moema/air/aux_message.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

using namespace moema::rx;
using ::testing::HasSubstr;

namespace {

std::vector<std::uint8_t> bytes_to_bits(const std::string& bytes) {
  std::vector<std::uint8_t> bits;
  for (unsigned char c : bytes)
    for (int b = 7; b >= 0; --b) bits.push_back(static_cast<std::uint8_t>((c >> b) & 1));
  return bits;
}

// The 16 bits starting at `pos`, MSB first, as a number (read independently of the decoder).
unsigned field16(const std::vector<std::uint8_t>& bits, std::size_t pos) {
  unsigned v = 0;
  for (std::size_t i = pos; i < pos + 16; ++i) v = (v << 1) | bits[i];
  return v;
}

AuxMessage message(int id, std::uint32_t counter, std::vector<double> values, int index, bool positive) {
  AuxMessage m;
  m.device_id = id;
  m.slot_counter = counter;
  m.values = std::move(values);
  m.anchor = {index, positive};
  return m;
}

std::string invalid_argument_message(const AuxMessage& m, const AuxLayout& layout) {
  try {
    encode_aux(m, layout);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

TEST(Crc16CcittFalse, StandardCheckValueAndEmptyInput) {
  EXPECT_EQ(crc16_ccitt_false(bytes_to_bits("123456789")), 0x29B1);
  EXPECT_EQ(crc16_ccitt_false({}), 0xFFFF);
  // Single byte 'A' (0x41): the published CRC-16/CCITT-FALSE value is 0xB915.
  EXPECT_EQ(crc16_ccitt_false(bytes_to_bits("A")), 0xB915);
  EXPECT_THROW(crc16_ccitt_false({0, 1, 2}), std::invalid_argument);
}

TEST(AuxMessage, BitCountFollowsTheLayout) {
  EXPECT_EQ(AuxLayout{}.bits(), 77);
  EXPECT_EQ(AuxLayout{0}.bits(), 8 + 16 + 5 + 16);
  EXPECT_EQ(AuxLayout{10}.bits(), 8 + 16 + 160 + 5 + 16);
  EXPECT_THROW(AuxLayout{-1}.bits(), std::invalid_argument);
  const AuxMessage m = message(3, 7, {0.5, 1.5}, 2, true);
  EXPECT_EQ(encode_aux(m, AuxLayout{2}).size(), 77u);
}

TEST(AuxMessage, FieldLayoutMatchesHandComputedBits) {
  const AuxMessage m = message(0xA5, 0x1234, {1.0, -0.5}, 0xB, false);
  const auto bits = encode_aux(m, AuxLayout{2});
  ASSERT_EQ(bits.size(), 77u);
  const std::vector<std::uint8_t> id(bits.begin(), bits.begin() + 8);
  EXPECT_EQ(id, (std::vector<std::uint8_t>{1, 0, 1, 0, 0, 1, 0, 1}));
  EXPECT_EQ(field16(bits, 8), 0x1234u);
  EXPECT_EQ(field16(bits, 24), 0x4000u);  // 1.0 * 2^14
  EXPECT_EQ(field16(bits, 40), 0xE000u);  // -0.5 * 2^14 = -8192 -> 0x10000 - 0x2000
  const std::vector<std::uint8_t> anchor(bits.begin() + 56, bits.begin() + 61);
  EXPECT_EQ(anchor, (std::vector<std::uint8_t>{1, 0, 1, 1, 0}));  // index 11, sign 0 = negative
  // The CRC trailer is the CRC of everything before it.
  EXPECT_EQ(field16(bits, 61), crc16_ccitt_false(std::vector<std::uint8_t>(bits.begin(), bits.begin() + 61)));
}

TEST(AuxMessage, ValuesRoundToNearestMultipleOfTwoToTheMinus14) {
  const double lsb = std::ldexp(1.0, -14);  // 6.1035e-5
  // 0.00003 = 0.49 LSB -> 0; 0.00004 = 0.66 LSB -> 1 LSB; -0.00004 -> -1 LSB = 0xFFFF.
  const auto bits = encode_aux(message(0, 0, {0.00003, 0.00004, -0.00004, -2.0}, 0, true), AuxLayout{4});
  EXPECT_EQ(field16(bits, 24), 0x0000u);
  EXPECT_EQ(field16(bits, 40), 0x0001u);
  EXPECT_EQ(field16(bits, 56), 0xFFFFu);
  EXPECT_EQ(field16(bits, 72), 0x8000u);  // -2, the most negative code
  const auto decoded = decode_aux(bits, AuxLayout{4});
  ASSERT_TRUE(decoded.ok) << decoded.error;
  EXPECT_EQ(decoded.message.values, (std::vector<double>{0.0, lsb, -lsb, -2.0}));
  // Just below 2 rounds up to 2, which has no code: it saturates to 2 - 2^-14.
  const auto top = encode_aux(message(0, 0, {std::nextafter(2.0, 0.0)}, 0, true), AuxLayout{1});
  EXPECT_EQ(field16(top, 24), 0x7FFFu);
}

TEST(AuxMessage, RoundTripsSeveralMessages) {
  const double lsb = std::ldexp(1.0, -14);
  const std::vector<std::pair<AuxMessage, AuxLayout>> cases = {
      {message(0, 0, {0.0, 0.0}, 0, true), AuxLayout{2}},
      {message(255, 65535, {1.999, -2.0}, 15, false), AuxLayout{2}},
      {message(17, 4242, {0.0, 1.0, 0.0, 0.0, 1.0}, 3, true), AuxLayout{5}},  // one-hot style
      {message(42, 1, {0.7311, 1.4142, 0.25}, 9, false), AuxLayout{3}},       // distances in [0, 2]
      {message(128, 32768, {}, 7, true), AuxLayout{0}},
  };
  for (const auto& [m, layout] : cases) {
    const auto decoded = decode_aux(encode_aux(m, layout), layout);
    ASSERT_TRUE(decoded.ok) << decoded.error;
    EXPECT_TRUE(decoded.error.empty());
    EXPECT_EQ(decoded.message.device_id, m.device_id);
    EXPECT_EQ(decoded.message.slot_counter, m.slot_counter);
    EXPECT_EQ(decoded.message.anchor.index, m.anchor.index);
    EXPECT_EQ(decoded.message.anchor.positive, m.anchor.positive);
    ASSERT_EQ(decoded.message.values.size(), m.values.size());
    for (std::size_t i = 0; i < m.values.size(); ++i)
      EXPECT_NEAR(decoded.message.values[i], m.values[i], lsb / 2 + 1e-15);
  }
}

TEST(AuxMessage, EverySingleBitFlipIsDetected) {
  const AuxLayout layout{2};
  const auto bits = encode_aux(message(0xA5, 0x1234, {0.8, -1.25}, 5, true), layout);
  for (std::size_t i = 0; i < bits.size(); ++i) {
    auto corrupted = bits;
    corrupted[i] ^= 1;
    const auto decoded = decode_aux(corrupted, layout);
    EXPECT_FALSE(decoded.ok) << "flip at bit " << i;
    EXPECT_THAT(decoded.error, HasSubstr("CRC mismatch")) << "flip at bit " << i;
  }
}

TEST(AuxMessage, CrcMismatchReportsBothValues) {
  const AuxLayout layout{0};
  auto bits = encode_aux(message(1, 2, {}, 3, true), layout);
  const unsigned sent = field16(bits, 29);
  for (std::size_t i = 29; i < 45; ++i) bits[i] = static_cast<std::uint8_t>((0x1234 >> (44 - i)) & 1);
  const auto decoded = decode_aux(bits, layout);
  EXPECT_FALSE(decoded.ok);
  char expected[64];
  std::snprintf(expected, sizeof expected, "aux message: CRC mismatch (received 0x1234, computed 0x%04X)", sent);
  EXPECT_EQ(decoded.error, expected);
}

TEST(AuxMessage, WrongLengthAndNonBinaryBitsAreReportedNotThrown) {
  const AuxLayout layout{2};
  auto bits = encode_aux(message(1, 2, {0.1, 0.2}, 3, true), layout);
  auto shorter = bits;
  shorter.pop_back();
  const auto short_result = decode_aux(shorter, layout);
  EXPECT_FALSE(short_result.ok);
  EXPECT_THAT(short_result.error, HasSubstr("76 bits"));
  EXPECT_THAT(short_result.error, HasSubstr("expected 77"));
  const auto longer = decode_aux(encode_aux(message(1, 2, {0.1, 0.2, 0.3}, 3, true), AuxLayout{3}), layout);
  EXPECT_FALSE(longer.ok);
  EXPECT_THAT(longer.error, HasSubstr("93 bits"));
  const auto empty = decode_aux({}, layout);
  EXPECT_FALSE(empty.ok);
  bits[10] = 2;
  const auto non_binary = decode_aux(bits, layout);
  EXPECT_FALSE(non_binary.ok);
  EXPECT_THAT(non_binary.error, HasSubstr("bit 10"));
  EXPECT_THROW(decode_aux(bits, AuxLayout{-1}), std::invalid_argument);
}

TEST(AuxMessage, OutOfRangeInputsThrowNamingTheField) {
  const AuxLayout layout{2};
  const auto with = [](auto change) {
    AuxMessage m = message(1, 2, {0.5, 0.5}, 3, true);
    change(m);
    return m;
  };
  EXPECT_THAT(invalid_argument_message(with([](AuxMessage& m) { m.device_id = 256; }), layout), HasSubstr("device_id"));
  EXPECT_THAT(invalid_argument_message(with([](AuxMessage& m) { m.device_id = -1; }), layout), HasSubstr("device_id"));
  EXPECT_THAT(invalid_argument_message(with([](AuxMessage& m) { m.slot_counter = 65536; }), layout),
              HasSubstr("slot_counter"));
  EXPECT_THAT(invalid_argument_message(with([](AuxMessage& m) { m.values = {0.5}; }), layout), HasSubstr("values"));
  EXPECT_THAT(invalid_argument_message(with([](AuxMessage& m) { m.values[1] = 2.0; }), layout),
              HasSubstr("value 1"));
  EXPECT_THAT(invalid_argument_message(with([](AuxMessage& m) { m.values[0] = -2.0001; }), layout),
              HasSubstr("value 0"));
  EXPECT_THAT(
      invalid_argument_message(with([](AuxMessage& m) { m.values[0] = std::numeric_limits<double>::quiet_NaN(); }),
                               layout),
      HasSubstr("value 0"));
  EXPECT_THAT(invalid_argument_message(with([](AuxMessage& m) { m.anchor.index = 16; }), layout),
              HasSubstr("anchor index"));
  EXPECT_THAT(invalid_argument_message(with([](AuxMessage& m) { m.anchor.index = -1; }), layout),
              HasSubstr("anchor index"));
  EXPECT_THAT(invalid_argument_message(with([](AuxMessage&) {}), AuxLayout{-1}), HasSubstr("values"));
}
