#include "moema/air/device_framer.hpp"

#include <stdexcept>

namespace moema::rx {

DeviceFramer::DeviceFramer(const SlotFormat& format, int device) : format_(format), device_(device) {
  format.validate();
  if (device < 0 || device >= format.devices)
    throw std::invalid_argument("DeviceFramer: device " + std::to_string(device) + " of " +
                                std::to_string(format.devices));
}

ComplexVector DeviceFramer::next(const Vector& codeword, const Vector& aux_values) {
  if (aux_values.size() != format_.aux_values)
    throw std::invalid_argument("DeviceFramer: " + std::to_string(aux_values.size()) + " aux values, the format has " +
                                std::to_string(format_.aux_values));
  AuxMessage message;
  message.device_id = device_;
  message.slot_counter = counter_ & 0xFFFF;
  message.values.assign(aux_values.data(), aux_values.data() + aux_values.size());
  message.anchor = make_sign_anchor(codeword);
  ComplexVector symbols = device_slot_symbols(format_, device_, codeword, encode_aux(message, AuxLayout{format_.aux_values}));
  ++counter_;
  return symbols;
}

}  // namespace moema::rx
