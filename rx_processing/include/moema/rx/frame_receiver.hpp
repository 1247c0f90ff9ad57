// The access point's side of the slot format (air/slot_format.hpp) as a
// stateful object: the K-channel synchroniser, aux decoding, slot ids and
// frame accounting. The device's side is air/device_framer.hpp.
#pragma once

#include "moema/air/aux_message.hpp"
#include "moema/rx/slot_synchronizer.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace moema::rx {

// Frame accounting: nothing is dropped silently.
struct FrameCounts {
  int sent = 0;            // known to simulations only
  int detected = 0;        // preambles found
  int decoded = 0;         // every device's aux message passed its CRC
  int dropped = 0;         // detected but unusable: an aux CRC failure or a wrong device id
  int aux_crc_failures = 0;
};

struct DecodedFrame {
  ReceivedSlot slot;             // Y, the aux symbols, timing, CFO, SNR
  std::vector<AuxMessage> aux;   // per device, as decoded
  std::uint32_t slot_id = 0;     // the slot counter, unwrapped past 16 bits (frames arrive in order)
  bool ok = false;
  std::string error;             // why not ok, naming the frame and the device
};

// The full slot (or frame) number from its 16-bit counter on air, given the
// previous one's (-1 before the first): frames arrive in order.
std::uint32_t unwrap_slot_id(std::uint32_t counter, std::int64_t previous);

class FrameReceiver {
 public:
  explicit FrameReceiver(const SlotSyncConfig& config);

  // K channels of matched-filtered samples in; every frame they complete out,
  // usable or not (see DecodedFrame::ok and error).
  std::vector<DecodedFrame> push(const std::vector<const Sample*>& channels, std::size_t n);
  const FrameCounts& counts() const { return counts_; }
  const SlotSyncConfig& config() const { return sync_.config(); }

 private:
  DecodedFrame decode(ReceivedSlot slot);

  SlotSynchronizer sync_;
  FrameCounts counts_;
  std::int64_t previous_id_ = -1;
};

}  // namespace moema::rx
