#include "moema/air/aux_message.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

namespace moema::rx {
namespace {

constexpr int kIdBits = 8;
constexpr int kCounterBits = 16;
constexpr int kValueBits = 16;
constexpr int kAnchorIndexBits = 4;
constexpr int kCrcBits = 16;
constexpr int kHeaderBits = kIdBits + kCounterBits;
constexpr int kTrailerBits = kAnchorIndexBits + 1 + kCrcBits;
constexpr double kValueScale = 16384.0;  // 2^14 fractional bits

void append_bits(std::vector<std::uint8_t>& bits, std::uint32_t field, int width) {
  for (int b = width - 1; b >= 0; --b) bits.push_back(static_cast<std::uint8_t>((field >> b) & 1u));
}

// Reads `width` bits MSB first starting at `pos` and advances `pos`.
std::uint32_t read_bits(const std::vector<std::uint8_t>& bits, std::size_t& pos, int width) {
  std::uint32_t field = 0;
  for (int b = 0; b < width; ++b) field = (field << 1) | bits[pos++];
  return field;
}

std::string hex16(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04X", static_cast<unsigned>(v));
  return buf;
}

// Two's-complement 16-bit code of v in [-2, 2); the caller has range-checked v.
std::uint32_t to_fixed(double v) {
  const double q = std::min(std::round(v * kValueScale), 32767.0);  // saturate 2 - 2^-15 <= v < 2
  return static_cast<std::uint32_t>(static_cast<std::int32_t>(q)) & 0xFFFFu;
}

double from_fixed(std::uint32_t code) {
  const auto signed_code = static_cast<std::int32_t>(code) - (code >= 0x8000u ? 0x10000 : 0);
  return signed_code / kValueScale;
}

}  // namespace

int AuxLayout::bits() const {
  constexpr int kMaxValues = (std::numeric_limits<int>::max() - kHeaderBits - kTrailerBits) / kValueBits;
  if (values < 0 || values > kMaxValues)
    throw std::invalid_argument("aux layout: values is " + std::to_string(values) + ", must be in 0.." +
                                std::to_string(kMaxValues));
  return kHeaderBits + kValueBits * values + kTrailerBits;
}

std::uint16_t crc16_ccitt_false(const std::vector<std::uint8_t>& bits) {
  std::uint16_t crc = 0xFFFF;
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (bits[i] > 1)
      throw std::invalid_argument("crc16_ccitt_false: bit " + std::to_string(i) + " is " + std::to_string(bits[i]) +
                                  ", expected 0 or 1");
    const bool feedback = ((crc >> 15) & 1u) != bits[i];
    crc = static_cast<std::uint16_t>(crc << 1);
    if (feedback) crc ^= 0x1021;
  }
  return crc;
}

std::vector<std::uint8_t> encode_aux(const AuxMessage& m, const AuxLayout& layout) {
  const int total = layout.bits();
  if (m.device_id < 0 || m.device_id > 255)
    throw std::invalid_argument("aux message: device_id " + std::to_string(m.device_id) + " outside 0..255");
  if (m.slot_counter > 0xFFFFu)
    throw std::invalid_argument("aux message: slot_counter " + std::to_string(m.slot_counter) +
                                " outside 0..65535 (wrap it before sending)");
  if (static_cast<int>(m.values.size()) != layout.values)
    throw std::invalid_argument("aux message: " + std::to_string(m.values.size()) + " values, layout expects " +
                                std::to_string(layout.values));
  for (std::size_t i = 0; i < m.values.size(); ++i) {
    const double v = m.values[i];
    if (!(v >= -2.0 && v < 2.0))  // also rejects NaN
      throw std::invalid_argument("aux message: value " + std::to_string(i) + " is " + std::to_string(v) +
                                  ", outside [-2, 2)");
  }
  if (m.anchor.index < 0 || m.anchor.index > 15)
    throw std::invalid_argument("aux message: anchor index " + std::to_string(m.anchor.index) + " outside 0..15");

  std::vector<std::uint8_t> bits;
  bits.reserve(static_cast<std::size_t>(total));
  append_bits(bits, static_cast<std::uint32_t>(m.device_id), kIdBits);
  append_bits(bits, m.slot_counter, kCounterBits);
  for (double v : m.values) append_bits(bits, to_fixed(v), kValueBits);
  append_bits(bits, static_cast<std::uint32_t>(m.anchor.index), kAnchorIndexBits);
  append_bits(bits, m.anchor.positive ? 1u : 0u, 1);
  append_bits(bits, crc16_ccitt_false(bits), kCrcBits);
  return bits;
}

AuxDecodeResult decode_aux(const std::vector<std::uint8_t>& bits, const AuxLayout& layout) {
  const int expected = layout.bits();
  AuxDecodeResult result;
  if (static_cast<std::size_t>(expected) != bits.size()) {
    result.error = "aux message: " + std::to_string(bits.size()) + " bits, expected " + std::to_string(expected);
    return result;
  }
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (bits[i] > 1) {
      result.error = "aux message: bit " + std::to_string(i) + " is " + std::to_string(bits[i]) + ", expected 0 or 1";
      return result;
    }
  }
  const std::size_t body = bits.size() - kCrcBits;
  const auto computed = crc16_ccitt_false(std::vector<std::uint8_t>(bits.begin(), bits.begin() + body));
  std::size_t pos = body;
  const auto received = static_cast<std::uint16_t>(read_bits(bits, pos, kCrcBits));
  if (received != computed) {
    result.error = "aux message: CRC mismatch (received " + hex16(received) + ", computed " + hex16(computed) + ")";
    return result;
  }

  pos = 0;
  AuxMessage& m = result.message;
  m.device_id = static_cast<int>(read_bits(bits, pos, kIdBits));
  m.slot_counter = read_bits(bits, pos, kCounterBits);
  m.values.resize(static_cast<std::size_t>(layout.values));
  for (double& v : m.values) v = from_fixed(read_bits(bits, pos, kValueBits));
  m.anchor.index = static_cast<int>(read_bits(bits, pos, kAnchorIndexBits));
  m.anchor.positive = read_bits(bits, pos, 1) == 1u;
  result.ok = true;
  return result;
}

}  // namespace moema::rx
