// The testbed's system parameters, defined once. Every configuration struct
// takes its default from here, and every program's option of the same name
// starts from it, so changing a default here changes it everywhere.
#pragma once

#include <cstdint>

namespace moema::defaults {

inline constexpr int kDevices = 2;                  // N: devices that transmit at once
inline constexpr int kCodewordLength = 10;          // M: real PAM symbols of a codeword, one slot
inline constexpr int kFeatureDim = 3;               // D: semantic feature dimension (MoEMA Table 2)
inline constexpr int kOverlap = 0;                  // gamma: dimension of the subspace all devices share
inline constexpr int kAntennas = 16;                // K: the access point's receive channels
inline constexpr int kLearningSlots = 1000;         // T: slots of the blind learning phase
inline constexpr std::uint64_t kSeed = 1;           // precoders, data splits, channel draws, training
inline constexpr double kSampleRate = 1e6;          // samples per second of a recording or radio
inline constexpr double kCentreFrequency = 2.45e9;  // Hz, the image link's default carrier
inline constexpr int kImageLinkAntennas = 2;        // Nt and Nr of the image link (2x2 MIMO)

}  // namespace moema::defaults
