#include "moema/system/jscc_receive_chain.hpp"

#include "moema/jscc/image_io.hpp"

#include <stdexcept>
#include <utility>

namespace moema::jscc {

ReceivedImage decode_received_frame(TrainedCodec& model, rx::MimoReceivedFrame frame) {
  ReceivedImage out;
  out.frame = std::move(frame);
  try {
    out.image = quantize_8bit(decode_frame(model, out.frame));
  } catch (const std::invalid_argument& e) {  // not ok, or it does not fit the codec
    out.error = e.what();
  }
  return out;
}

JsccReceiveChain::JsccReceiveChain(TrainedCodec& model, const rx::MimoFrameFormat& format, int receive_antennas,
                                   rx::MimoHeader assumed,
                                   const std::optional<calibration::CalibrationFile>& calibration)
    : model_(model),
      receiver_(format, receive_antennas, assumed.height, assumed.width),
      corrected_(static_cast<std::size_t>(receive_antennas)) {
  if (model.channel.streams() != format.nt)
    throw std::invalid_argument(model.name + " has " + std::to_string(model.channel.streams()) +
                                " streams, the frames " + std::to_string(format.nt));
  if (calibration) corrector_.emplace(*calibration);
  if (corrector_ && corrector_->channels() != receive_antennas)
    throw std::invalid_argument("JsccReceiveChain: the calibration has " + std::to_string(corrector_->channels()) +
                                " channels, the receiver " + std::to_string(receive_antennas));
}

std::vector<ReceivedImage> JsccReceiveChain::push(const std::vector<const std::complex<float>*>& channels,
                                                  std::size_t n) {
  std::vector<const std::complex<float>*> in = channels;
  if (corrector_) {
    std::vector<std::complex<float>*> out;
    for (auto& c : corrected_) c.resize(n), out.push_back(c.data());
    corrector_->process(channels, out, n);
    for (std::size_t k = 0; k < in.size(); ++k) in[k] = corrected_[k].data();  // the constructor matched the counts
  }
  std::vector<ReceivedImage> images;
  for (rx::MimoReceivedFrame& frame : receiver_.push(in, n)) images.push_back(decode_received_frame(model_, std::move(frame)));
  return images;
}

}  // namespace moema::jscc
