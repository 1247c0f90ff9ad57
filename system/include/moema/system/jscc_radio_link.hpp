// The JSCC codec over the radio: the two ends of the image link that sit
// around the MIMO frame (rx_processing/mimo_frame.hpp). The transmitter
// encodes an image into the codec's power-normalised symbols and frames them;
// the receiver matched-filters Nr sample streams, finds and equalises frames,
// and decodes each into an image with the per-stream SINR as the decoder's
// CSI. jscc-loopback, jscc-replay and the GNU Radio blocks all use these.
#pragma once

#include "moema/jscc/model_files.hpp"
#include "moema/air/mimo_frame.hpp"
#include "moema/channel/mimo_channel.hpp"
#include "moema/rx/mimo_receiver.hpp"

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace moema::jscc {

// The link both ends agree on: the codec (its ratio R and Nt) and the image
// size in pixels fix the frame.
struct RadioLinkOptions {
  int height = 512, width = 768;  // Kodak; its portrait images have the same pixel count, hence the same frame
  int pilot_length = 16;
  int pilot_spacing = 512;
  rx::SlotFormat air;             // pulse and preamble (samples per symbol, roll-off, ...)
};

// The frame format for `model`'s R and Nt. Throws std::invalid_argument when
// the image size is not a multiple of the codec's size multiple.
rx::MimoFrameFormat radio_frame_format(const TrainedCodec& model, const RadioLinkOptions& options);

// The codec's ratio R from its manifest (symbols per 3 H W).
double codec_ratio(const TrainedCodec& model);

// The frame format as a recording's metadata keeps it, and back (errors name
// the missing or mistyped key).
nlohmann::json frame_format_to_json(const rx::MimoFrameFormat& format);
rx::MimoFrameFormat frame_format_from_json(const nlohmann::json& j);

// Image [1, 3, H, W] in [0, 1] -> S symbols, unit mean power. The encoder is
// told the nominal SNR (the transmitter has no feedback). Throws
// std::invalid_argument naming the size when the image does not give the
// frame's symbol count (a wrong-size image).
rx::ComplexVector encode_image(TrainedCodec& model, const rx::MimoFrameFormat& format, const torch::Tensor& image,
                               double nominal_snr_db);

// A received frame -> image [1, 3, H, W] in [0, 1] (not yet quantised).
// Throws std::invalid_argument when the frame is not ok or its header's image
// size does not match its symbol count.
torch::Tensor decode_frame(TrainedCodec& model, const rx::MimoReceivedFrame& frame);

// The receiving end without the decoder: matched filters on Nr cf32 streams,
// then the MIMO frame receiver. Deterministic: the same samples in the same
// pieces give the same frames, bit for bit (what replay relies on).
class RadioReceiver {
 public:
  // height x width: the link's image size, assumed for a frame whose header
  // cannot be read (0 x 0: such frames are dropped).
  RadioReceiver(const rx::MimoFrameFormat& format, int receive_antennas, int height = 0, int width = 0);
  std::vector<rx::MimoReceivedFrame> push(const std::vector<const std::complex<float>*>& channels, std::size_t n);
  const rx::MimoFrameCounts& counts() const;

 private:
  std::vector<rx::FirFilter> matched_;
  rx::MimoFrameReceiver receiver_;
  std::vector<std::vector<rx::Sample>> buffer_;
};

// The simulated air: framer, pulse shaping and the Nt x Nr channel, one frame
// period per call; the output is cf32, as a radio's samples are.
class SimulatedAir {
 public:
  SimulatedAir(const rx::MimoFrameFormat& format, const rx::MimoChannelConfig& channel, std::uint64_t seed);
  // Nr streams of frame_samples() each: the frame of `symbols` (empty: silence).
  std::vector<std::vector<std::complex<float>>> next(const rx::ComplexVector& symbols, int height, int width);
  // The true H (Nr x Nt, for antenna symbols of amplitude 1/sqrt(Nt)) of the last frame.
  rx::ComplexMatrix last_channel() const;

 private:
  rx::MimoFramer framer_;
  rx::MimoTransmitter transmitter_;
  rx::MultipleAccessChannel channel_;
};

// The reference the radio is measured against: the same image through the
// model's symbol-level channel with the given true H (Nr x Nt), perfect
// timing, frequency and CSI, at `snr_db`, noise drawn with `seed`.
torch::Tensor ideal_reconstruction(TrainedCodec& model, const torch::Tensor& image, const rx::ComplexMatrix& h,
                                   double snr_db, std::uint64_t seed);

}  // namespace moema::jscc
