#include "moema/system/loopback_recording.hpp"

#include <utility>

namespace moema::rx {

RecordingInfo simulated_recording_info(int channels, double sample_rate, double frequency, std::string description,
                                       std::string hw, nlohmann::json extension) {
  RecordingInfo info;
  info.channels = channels;
  info.sample_rate = sample_rate;
  info.frequency = frequency;
  info.description = std::move(description);
  info.hw = std::move(hw);
  info.extension = std::move(extension);
  return info;
}

LoopbackRecording::LoopbackRecording(const std::string& dir, const std::string& name, const RecordingInfo& info) {
  if (!dir.empty()) recorder_ = std::make_unique<SigmfRecorder>(dir, name, info);
}

void LoopbackRecording::write(const std::vector<const std::complex<float>*>& channels, std::size_t n) {
  if (recorder_) recorder_->write(channels, n);
}

std::vector<const std::complex<float>*> LoopbackRecording::write(
    const std::vector<std::vector<std::complex<float>>>& channels) {
  std::vector<const std::complex<float>*> pointers;
  for (const auto& c : channels) pointers.push_back(c.data());
  if (!channels.empty()) write(pointers, channels.front().size());
  return pointers;
}

void LoopbackRecording::add_capture(std::uint64_t sample, double rx_time_seconds) {
  if (recorder_) recorder_->add_capture(sample, rx_time_seconds);
}

void LoopbackRecording::annotate(const SigmfAnnotation& annotation) {
  if (recorder_) recorder_->annotate(annotation);
}

void LoopbackRecording::annotate(std::uint64_t sample_start, std::uint64_t sample_count, const std::string& label) {
  SigmfAnnotation a;
  a.sample_start = sample_start;
  a.sample_count = sample_count;
  a.label = label;
  annotate(a);
}

std::string LoopbackRecording::close() {
  if (!recorder_) return "";
  recorder_->close();
  return recorder_->collection_path();
}

}  // namespace moema::rx
