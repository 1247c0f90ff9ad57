// The image link's MIMO frame receiver (the frame is air/mimo_frame.hpp): it
// turns Nr sample streams back into the equalised JSCC symbols and the CSI
// the decoder was trained with.
//
// Per detected frame: least-squares H from each pilot block; the residual CFO
// from the phase advance between consecutive blocks and the remaining slow
// phase (oscillator phase noise) per block, interpolated linearly over the
// data; H from all blocks; the noise variance from the pilot residuals; then
// unbiased linear MMSE and the per-stream SINR.
#pragma once

#include "moema/air/mimo_frame.hpp"
#include "moema/rx/frame_receiver.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace moema::rx {

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

}  // namespace moema::rx
