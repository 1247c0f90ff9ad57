// The auxiliary message each device sends once per slot in its own mini-slot
// (DBPSK, see dbpsk.hpp): who it is, which slot, its auxiliary signal and the
// sign anchor of its codeword, protected by a CRC so that the access point can
// drop a corrupted message instead of mis-signing or mis-routing a codeword.
//
// Bits on air (one std::uint8_t per bit, 0 or 1), each field MSB first:
//   device_id 8 | slot_counter 16 | values 16 each | anchor index 4 |
//   anchor sign 1 (1 = positive) | CRC-16/CCITT-FALSE 16 over all preceding bits.
// A value is a 16-bit two's-complement fixed-point number with 14 fractional
// bits: q = round(v * 2^14) (ties away from zero), so the resolution is 2^-14
// and the range [-2, 2). Inputs in [2 - 2^-15, 2) round to 2 and are
// saturated to the largest code, 2 - 2^-14.
#pragma once

#include "moema/air/sign_anchor.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace moema::rx {

struct AuxMessage {
  int device_id = 0;               // 0..255
  std::uint32_t slot_counter = 0;  // 0..65535 (16 bits on air; the sender wraps it)
  std::vector<double> values;      // the auxiliary signal, each in [-2, 2)
  SignAnchor anchor;               // index 0..15 (4 bits) + sign bit
};

struct AuxLayout {
  int values = 2;  // entries of the auxiliary signal per message
  // Bits on air including the CRC: 8 + 16 + 16 * values + 5 + 16.
  // Throws std::invalid_argument when values is negative (or absurdly large).
  int bits() const;
};

// Throws std::invalid_argument naming the field when an input is out of range.
std::vector<std::uint8_t> encode_aux(const AuxMessage& m, const AuxLayout& layout);

// ok, or why not (wrong bit count, a non-binary entry, CRC mismatch). Never
// throws on received bits; throws std::invalid_argument only for a bad layout.
struct AuxDecodeResult {
  bool ok = false;
  AuxMessage message;  // meaningful only when ok
  std::string error;   // empty when ok
};
AuxDecodeResult decode_aux(const std::vector<std::uint8_t>& bits, const AuxLayout& layout);

// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no xorout) of a
// bit sequence, first bit = most significant; bytes expanded MSB first give the
// usual byte-wise CRC. Throws std::invalid_argument for an entry other than 0/1.
std::uint16_t crc16_ccitt_false(const std::vector<std::uint8_t>& bits);

}  // namespace moema::rx
