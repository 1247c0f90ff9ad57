// The image link's receive chain, the counterpart of receive_chain.hpp: raw
// cf32 channels (a radio's or a recording's) through the receiver
// calibration when there is one, the matched filters and the MIMO frame
// receiver (RadioReceiver), to the codec's decoder. jscc-loopback and
// jscc-replay run it on samples; the GNU Radio decoder block, which gets its
// frames from the MIMO receiver block, runs its last stage
// (decode_received_frame).
#pragma once

#include "moema/calibration/calibration_file.hpp"
#include "moema/calibration/receiver_corrector.hpp"
#include "moema/system/jscc_radio_link.hpp"

#include <torch/torch.h>

#include <complex>
#include <optional>
#include <string>
#include <vector>

namespace moema::jscc {

// One received frame and what the decoder made of it.
struct ReceivedImage {
  rx::MimoReceivedFrame frame;  // as received: ok or why not, header, CSI
  torch::Tensor image;          // [1, 3, H, W] on 8-bit levels; undefined when not decoded
  std::string error;            // why there is no image, naming the frame (and the frame's own reason)
  bool decoded() const { return image.defined(); }
};

// Decodes one received frame. Never throws for the frame's content: a frame
// that is not ok, or that does not fit the codec, comes back undecoded with
// the reason.
ReceivedImage decode_received_frame(TrainedCodec& model, rx::MimoReceivedFrame frame);

class JsccReceiveChain {
 public:
  // assumed: the link's image size, for a frame whose header cannot be read
  // (0 x 0: such frames are dropped). calibration: applied to the raw
  // samples first (checked by the caller against the radio's set-up).
  JsccReceiveChain(TrainedCodec& model, const rx::MimoFrameFormat& format, int receive_antennas,
                   rx::MimoHeader assumed = {},
                   const std::optional<calibration::CalibrationFile>& calibration = std::nullopt);

  // n samples of each of the Nr channels; every frame they complete comes
  // out, decoded or with its reason. The same samples in the same pieces
  // give the same images, bit for bit (what replay relies on).
  std::vector<ReceivedImage> push(const std::vector<const std::complex<float>*>& channels, std::size_t n);
  const rx::MimoFrameCounts& counts() const { return receiver_.counts(); }

 private:
  TrainedCodec& model_;
  RadioReceiver receiver_;
  std::optional<calibration::ReceiverCorrector> corrector_;
  std::vector<std::vector<std::complex<float>>> corrected_;
};

}  // namespace moema::jscc
