#include "moema/channel/mimo_channel.hpp"

#include <cmath>
#include <stdexcept>

namespace moema::rx {

MultipleAccessConfig mimo_channel_config(const MimoFrameFormat& format, const MimoChannelConfig& channel) {
  format.validate();
  if (channel.nr < 1) throw std::invalid_argument("mimo_channel_config: nr must be >= 1, got " + std::to_string(channel.nr));
  MultipleAccessConfig mc;
  mc.antennas = channel.nr;
  mc.block_length = format.frame_samples();  // one H per frame
  mc.fading = Fading::Rayleigh;
  // Unit total transmit power per channel use and E|h|^2 = 1: the SNR per
  // receive antenna is 1 / noise variance (the matched filter keeps it per symbol).
  mc.noise_variance = std::isinf(channel.snr_db) && channel.snr_db > 0 ? 0.0 : std::pow(10.0, -channel.snr_db / 10.0);
  DeviceImpairments transmitter;
  transmitter.cfo = channel.cfo;
  transmitter.timing_offset = channel.timing_offset;
  transmitter.phase = channel.phase;
  mc.devices.assign(static_cast<std::size_t>(format.nt), transmitter);
  mc.ap = channel.ap;
  return mc;
}

}  // namespace moema::rx
