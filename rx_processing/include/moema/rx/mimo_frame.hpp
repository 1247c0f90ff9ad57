// The image link's MIMO frame (DESIGN.md section 3, "Image link"): a single-
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
// Receiver, per detected frame: least-squares H from each pilot block; the
// residual CFO from the phase advance between consecutive blocks and the
// remaining slow phase (oscillator phase noise) per block, interpolated
// linearly over the data; H from all blocks; the noise variance from the
// pilot residuals; then unbiased linear MMSE and the per-stream SINR.
#pragma once

#include "moema/rx/framing.hpp"
#include "moema/rx/multiple_access_channel.hpp"
#include "moema/rx/slot_format.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace moema::rx {

struct MimoFrameFormat {
  int nt = 2;                // transmit antennas (streams)
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

struct MimoHeader {
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

// Least-squares channel estimate from the pilot blocks of one frame's body
// (Nr x body_symbols(), after timing, CFO and DC correction).
struct MimoChannelEstimate {
  ComplexMatrix h;                   // Nr x Nt, for antenna symbols of amplitude 1/sqrt(Nt)
  double noise_variance = 0;         // per receive antenna and symbol, from the pilot residuals
  double residual_cfo = 0;           // cycles per symbol, from the phase advance between blocks
  std::vector<double> block_centre;  // body index of each pilot block's centre
  std::vector<double> block_phase;   // radians per pilot block, after removing residual_cfo
  // The common phase to remove from body symbol `index` (residual CFO plus
  // the block phases, interpolated linearly between block centres).
  double phase_at(double index) const;
};
MimoChannelEstimate estimate_mimo_channel(const MimoFrameFormat& format, const ComplexMatrix& body);

// Unbiased linear MMSE equalisation of y = H x + n with E[x x^H] = I / Nt:
//   W = (H^H H + Nt s2 I)^-1 H^H,  x_hat_i = (W y)_i / (W H)_ii,
//   SINR_i = 1 / (Nt s2 [(H^H H + Nt s2 I)^-1]_ii) - 1.
// y: Nr x L. The models' training channel (models/jscc/channel.hpp) uses the
// same formulas on tensors; a test checks that the two agree.
struct MimoEqualized {
  ComplexMatrix symbols;         // Nt x L
  std::vector<double> sinr_db;   // per stream
};
MimoEqualized mmse_equalize(const ComplexMatrix& y, const ComplexMatrix& h, double noise_variance);

struct MimoReceivedFrame {
  bool ok = false;
  std::string error;              // why not ok, naming the frame
  MimoHeader header;
  // How the header was read. The synchroniser decodes it noncoherently,
  // which fails in a deep fade of antenna 0 long before the MIMO payload
  // does; the receiver then decodes it again coherently, combining the Nr
  // channels with antenna 0's column of the pilot estimate (maximum-ratio).
  // If that fails too, the receiver was given the link's image size and the
  // pilots show a signal (SNR >= -10 dB), the frame is still delivered with
  // that size and the next frame number; a false detection on noise is not.
  bool header_coherent = false;   // read by the coherent retry
  bool header_assumed = false;    // CRC failed twice: size and number assumed, `error` says so
  std::uint32_t frame_id = 0;     // the counter unwrapped past 16 bits
  double timing = 0;              // input sample of the first preamble symbol
  double cfo = 0;                 // cycles per sample: the preamble's estimate refined by the pilots
  double detection_metric = 0;
  MimoChannelEstimate channel;
  double snr_db = 0;              // received power per antenna, ||H||_F^2 / (Nr Nt), over the noise variance
  ComplexVector symbols;          // S JSCC symbols in the codec's layout, scaled back to unit power
  std::vector<double> stream_snr_db;  // per stream, post-MMSE, as the decoder's CSI
};

// Frame accounting at the image link's level (nothing is dropped silently).
struct MimoFrameCounts {
  int detected = 0;         // preambles found
  int decoded = 0;          // delivered (ok), including those below
  int header_coherent = 0;  // header read only by the coherent retry
  int header_assumed = 0;   // header unreadable, the link's size assumed
  int dropped = 0;          // not delivered: see the frame's error
};

class MimoFrameReceiver {
 public:
  // receive_antennas: Nr. Throws std::invalid_argument for a bad format.
  // assumed: the link's image size, used when a header cannot be read (0 x 0:
  // such frames are dropped).
  MimoFrameReceiver(const MimoFrameFormat& format, int receive_antennas, MimoHeader assumed = {},
                    double detection_threshold = SlotSyncConfig{}.detection_threshold);

  // Nr channels of matched-filtered samples in; every frame they complete
  // out, usable or not (ok, error). Never throws on received samples.
  std::vector<MimoReceivedFrame> push(const std::vector<const Sample*>& channels, std::size_t n);
  const MimoFrameCounts& counts() const { return counts_; }
  const MimoFrameFormat& format() const { return format_; }

 private:
  MimoReceivedFrame decode(const DecodedFrame& frame);
  bool read_header(const DecodedFrame& frame, MimoReceivedFrame& out);
  void equalise(const ComplexMatrix& body, MimoReceivedFrame& out) const;

  MimoFrameFormat format_;
  FrameReceiver receiver_;
  MimoHeader assumed_;
  std::int64_t previous_id_ = -1;
  MimoFrameCounts counts_;
};

// The simulated Nt x Nr channel: the Nt antennas of one transmitter share its
// oscillator and clock (one CFO, phase and timing offset); Rayleigh block
// fading, one H per frame, entries CN(0, 1); AWGN at `snr_db` = total transmit
// power / noise variance per receive antenna; the receiver's per-channel
// front-end impairments as in multiple_access_channel.hpp.
struct MimoChannelConfig {
  int nr = 2;
  double snr_db = 10;
  double cfo = 0;             // cycles per sample
  double timing_offset = 0;   // samples, >= 0
  double phase = 0;           // radians
  ApImpairments ap;
};
MultipleAccessConfig mimo_channel_config(const MimoFrameFormat& format, const MimoChannelConfig& channel);

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
