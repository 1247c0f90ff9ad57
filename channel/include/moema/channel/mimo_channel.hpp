// The image link's simulated Nt x Nr MIMO channel (the frame is
// air/mimo_frame.hpp), as a configuration of the multiple-access channel.
#pragma once

#include "moema/common/system_parameters.hpp"
#include "moema/air/mimo_frame.hpp"
#include "moema/channel/multiple_access_channel.hpp"

namespace moema::rx {

// The simulated Nt x Nr channel: the Nt antennas of one transmitter share its
// oscillator and clock (one CFO, phase and timing offset); Rayleigh block
// fading, one H per frame, entries CN(0, 1); AWGN at `snr_db` = total transmit
// power / noise variance per receive antenna; the receiver's per-channel
// front-end impairments as in multiple_access_channel.hpp.
struct MimoChannelConfig {
  int nr = defaults::kImageLinkAntennas;
  double snr_db = 10;
  double cfo = 0;             // cycles per sample
  double timing_offset = 0;   // samples, >= 0
  double phase = 0;           // radians
  ApImpairments ap;
};
MultipleAccessConfig mimo_channel_config(const MimoFrameFormat& format, const MimoChannelConfig& channel);

}  // namespace moema::rx
