#include "moema/rx/frame_receiver.hpp"

#include "moema/air/dbpsk.hpp"

#include <stdexcept>

namespace moema::rx {

std::uint32_t unwrap_slot_id(std::uint32_t counter, std::int64_t previous) {
  std::int64_t id = (previous + 1) - ((previous + 1) & 0xFFFF) + counter;
  if (id <= previous) id += 0x10000;
  return static_cast<std::uint32_t>(id);
}

FrameReceiver::FrameReceiver(const SlotSyncConfig& config) : sync_(config) {}

std::vector<DecodedFrame> FrameReceiver::push(const std::vector<const Sample*>& channels, std::size_t n) {
  std::vector<DecodedFrame> frames;
  for (ReceivedSlot& slot : sync_.push(channels, n)) frames.push_back(decode(std::move(slot)));
  return frames;
}

DecodedFrame FrameReceiver::decode(ReceivedSlot slot) {
  const SlotFormat& f = sync_.config().format;
  ++counts_.detected;
  DecodedFrame frame;
  std::string problem;
  for (int n = 0; n < f.devices; ++n) {
    const AuxDecodeResult r = decode_aux(dbpsk_demodulate(slot.aux[n]), AuxLayout{f.aux_values});
    if (!r.ok) {
      ++counts_.aux_crc_failures;
      problem += (problem.empty() ? "" : "; ") + ("device " + std::to_string(n) + ": " + r.error);
    } else if (r.message.device_id != n) {
      problem += (problem.empty() ? "" : "; ") +
                 ("mini-slot " + std::to_string(n) + " carries device id " + std::to_string(r.message.device_id));
    }
    frame.aux.push_back(r.message);
  }
  if (problem.empty()) {
    frame.ok = true;
    frame.slot_id = unwrap_slot_id(frame.aux.front().slot_counter, previous_id_);
    previous_id_ = frame.slot_id;
    ++counts_.decoded;
  } else {
    ++counts_.dropped;
    frame.error = "frame " + std::to_string(slot.index) + " at sample " +
                  std::to_string(static_cast<long long>(slot.timing)) + " dropped: " + problem;
  }
  frame.slot = std::move(slot);
  return frame;
}

}  // namespace moema::rx
