// A device's side of the slot format (slot_format.hpp) as a stateful object:
// the payload, and the aux message with the device's slot counter and its
// codeword's sign anchor. The access point's side is rx_processing's
// frame_receiver.hpp; both are shared by the sample-level link (link/air_link.hpp)
// and the GNU Radio blocks.
#pragma once

#include "moema/air/aux_message.hpp"
#include "moema/air/slot_format.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace moema::rx {

class DeviceFramer {
 public:
  DeviceFramer(const SlotFormat& format, int device);

  // The next slot at the symbol rate (format.slot_symbols() entries): the
  // unit-norm codeword as the payload, and an aux message with this device's
  // id, its slot counter (16 bits on air), `aux_values` (format.aux_values of
  // them) and the codeword's sign anchor.
  ComplexVector next(const Vector& codeword, const Vector& aux_values);
  std::uint32_t slots_framed() const { return counter_; }

 private:
  SlotFormat format_;
  int device_;
  std::uint32_t counter_ = 0;
};

}  // namespace moema::rx
