// The image link's MIMO frame (docs/architecture.md, "Image link"): a single-
// carrier frame that carries one image's JSCC symbols from Nt transmit to Nr
// receive antennas, and the receiver that turns Nr sample streams back into
// the equalised symbols and the CSI the JSCC decoder was trained with.
//
// On the air (symbol rate, per transmit antenna t):
//
//   | preamble | gap | P | data | P | data | ... | P | guard | header | guard |
//
// It rides in a MoEMA slot (slot_format.hpp) with one "device": the preamble
// (Zadoff-Chu twice) and the header mini-slot (DBPSK, CRC-checked: frame
// counter, image height and width) are sent by antenna 0 alone at unit power,
// so the slot synchroniser finds the frame, its timing and CFO and the DC
// offset exactly as for MoEMA. The body between them is the slot's payload:
// pilot blocks P (Nt x Lp, orthogonal rows, P P^H = (Lp / Nt) I) every
// `pilot_spacing` channel uses, and the data, where JSCC symbol s goes to
// antenna s % Nt at channel use s / Nt, as in the codec's training channel.
// Every antenna sends amplitude 1/sqrt(Nt), so the antennas together send
// unit power per channel use, and the matched-filtered symbol-rate samples
// follow y = H x + n with one H per frame (flat fading), the model the decoder
// was trained for.
//
// This file is the transmitter's side; the receiver is rx_processing's
// mimo_receiver.hpp and the simulated channel channel/mimo_channel.hpp.
#pragma once

#include "moema/common/system_parameters.hpp"
#include "moema/air/slot_format.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace moema::rx {

struct MimoFrameFormat {
  int nt = defaults::kImageLinkAntennas;                // transmit antennas (streams)
  int payload_symbols = 0;   // S: complex JSCC symbols per frame, a multiple of nt
  int pilot_length = 16;     // Lp: symbols per pilot block, >= nt
  // Channel uses between pilot blocks. The blocks track the residual CFO and
  // the oscillators' phase; closer blocks follow faster phase drift.
  int pilot_spacing = 512;
  SlotFormat air;            // pulse, preamble, guards; devices, codeword_length and aux_values are set here

  // Throws std::invalid_argument naming the field.
  void validate() const;
  int uses() const { return payload_symbols / nt; }  // data symbols per antenna
  int data_blocks() const;                           // ceil(uses / pilot_spacing)
  int pilot_blocks() const { return data_blocks() + 1; }
  int body_symbols() const { return pilot_blocks() * pilot_length + uses(); }
  int pilot_start(int block) const;                  // body index of pilot block `block`
  int data_position(int use) const;                  // body index of channel use `use`
  SlotFormat slot_format() const;                    // the MoEMA slot that carries the frame
  int frame_symbols() const { return slot_format().slot_symbols(); }
  int frame_samples() const { return slot_format().slot_samples(); }
};

// The format for an image of height x width pixels at ratio R = S / (3 H W)
// (the codec's bandwidth ratio, e.g. 1/16): S = 3 H W R symbols.
int jscc_payload_symbols(int height, int width, double ratio);

// Nt x Lp pilot block as sent: P[t, i] = z_i exp(-j 2 pi t i / Lp) / sqrt(Nt),
// with z a Zadoff-Chu sequence, so the rows are orthogonal with P P^H = (Lp/Nt) I.
ComplexMatrix pilot_block(const MimoFrameFormat& format);

// The header mini-slot: an aux message (aux_message.hpp) whose two values are
// the image height and width, one pixel per aux code.
struct MimoHeader {
  static constexpr int kValues = 2;                // image height and width
  static constexpr double kUnit = 1.0 / 16384.0;   // the aux value resolution
  static constexpr int kMaxSide = 32767;           // the largest aux code
  std::uint32_t frame_counter = 0;  // 16 bits on air
  int height = 0, width = 0;        // image size in pixels, 1 .. 32767
};

// The transmitter's framer: one frame per image.
class MimoFramer {
 public:
  explicit MimoFramer(const MimoFrameFormat& format);

  // symbols: S JSCC symbols (the codec's power-normalised output). Returns the
  // frame at the symbol rate, Nt x frame_symbols(). Throws
  // std::invalid_argument for a wrong symbol count, a non-finite symbol or an
  // image size the header cannot carry.
  ComplexMatrix next(const ComplexVector& symbols, int height, int width);
  std::uint32_t frames_framed() const { return counter_; }
  const MimoFrameFormat& format() const { return format_; }

 private:
  MimoFrameFormat format_;
  ComplexMatrix pilots_;
  std::uint32_t counter_ = 0;
};

// Pulse-shapes frames for Nt antennas, carrying the pulse tails from one
// frame into the next.
class MimoTransmitter {
 public:
  explicit MimoTransmitter(const MimoFrameFormat& format);
  // One frame's samples per antenna (Nt x frame_samples()), from the framer's
  // symbols; an empty matrix sends silence.
  std::vector<std::vector<Sample>> next(const ComplexMatrix& frame_symbols);

 private:
  MimoFrameFormat format_;
  std::vector<SlotPulseShaper> antennas_;
};

}  // namespace moema::rx
