// What moema-loopback and jscc-loopback record: the receive channels exactly
// as the receiver gets them (cf32), as a SigMF collection for replay, with
// an annotation per frame. Constructed with an empty folder it records
// nothing, so a loopback calls it the same way whether --record is given.
#pragma once

#include "moema/io/sigmf.hpp"

#include <nlohmann/json.hpp>

#include <complex>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace moema::rx {

// The metadata of a recording made without a radio.
RecordingInfo simulated_recording_info(int channels, double sample_rate, double frequency, std::string description,
                                       std::string hw, nlohmann::json extension);

class LoopbackRecording {
 public:
  LoopbackRecording(const std::string& dir, const std::string& name, const RecordingInfo& info);

  bool active() const { return recorder_ != nullptr; }
  // Records n samples of each channel (when active).
  void write(const std::vector<const std::complex<float>*>& channels, std::size_t n);
  // The same for whole blocks; returns the pointers for the receiver.
  std::vector<const std::complex<float>*> write(const std::vector<std::vector<std::complex<float>>>& channels);
  void add_capture(std::uint64_t sample, double rx_time_seconds);
  void annotate(const SigmfAnnotation& annotation);
  void annotate(std::uint64_t sample_start, std::uint64_t sample_count, const std::string& label);
  // Finishes the recording; its collection's path, "" when not recording.
  std::string close();

 private:
  std::unique_ptr<SigmfRecorder> recorder_;
};

}  // namespace moema::rx
