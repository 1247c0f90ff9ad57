// The access point's receiver after the matched filters, as one object that
// the GNU Radio receiver block, moema-loopback and moema-replay all run:
//
//   K matched-filtered channels -> rx::FrameReceiver (detection, CFO, timing,
//   per-slot Y, aux messages with CRC) -> learning phase: the first T decoded
//   slots are kept, the subspaces recovered blindly from them (and the MoE
//   fine-tuned on their reconstructions when labels are given, paper Sec. 4)
//   -> inference: each slot's codewords reconstructed and classified by the
//   MoE, one decision per device.
//
// The learning slots are decided too, once the subspaces are known: no frame
// is lost. Inference decides frames in groups of 16 (one MoE pass each), so a
// decision comes up to 16 slots late; finish() flushes the last group.
// Results depend only on the samples, not on how they are chunked.
#pragma once

#include "moema/common/json_fields.hpp"
#include "moema/common/system_parameters.hpp"
#include "moema/system/deployment.hpp"
#include "moema/rx/frame_receiver.hpp"
#include "moema/io/sample_clock.hpp"
#include "moema/io/sigmf.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace moema::models {

struct ApReceiverConfig {
  DeploymentConfig deployment;  // N, M, gamma, decoder, seed: the registered devices and the receivers
  rx::SlotFormat format;        // devices, codeword_length and aux_values are set from the deployment
  int antennas = defaults::kAntennas;            // K
  double detection_threshold = rx::SlotSyncConfig{}.detection_threshold;
  rx::RecoveryMethod recovery = rx::RecoveryMethod::Jbd;
  int learning_slots = defaults::kLearningSlots;    // T
  Signalling signalling = Signalling::Distance;
  int fine_tune_epochs = 0;     // MoE epochs on the learning slots (needs their labels: set_truth)
  std::string train_dir;        // receivers trained by moema-experiment (empty: <data>/trained-receivers)

  rx::SlotSyncConfig sync() const;  // format completed from the deployment
  nlohmann::json to_json() const;
  static ApReceiverConfig from_json(const nlohmann::json& j);
};
MOEMA_JSON_FIELDS(ApReceiverConfig, deployment, format, antennas, detection_threshold, recovery, learning_slots,
                  signalling, fine_tune_epochs, train_dir)

struct SlotDecision {
  std::uint32_t slot_id = 0;     // the devices' slot counter
  std::uint64_t frame = 0;       // frames detected before this one
  double timing = 0;             // sample position of the preamble's first symbol (matched-filter output)
  double cfo = 0;                // cycles per sample
  double snr_db = 0;
  bool learning = false;         // one of the T learning slots
  std::vector<int> classes;      // per device, 0..19
  std::vector<std::array<double, 3>> gate;  // per device: mnist, fashion, multi-task expert
  std::optional<double> rx_time;  // receive time of `timing`, seconds since the epoch, when the stream is stamped
  nlohmann::json to_json() const;  // "rx_time" only when known
};

// Sets each decision's rx_time from the clock of the raw (stamped) samples;
// `sample_delay` is the filters' delay between those and the receiver's input.
void stamp_receive_times(std::vector<SlotDecision>& decisions, const rx::SampleClock& clock, double sample_delay);

// Every frame the synchroniser detected, usable or not: what a recording
// annotates.
struct FrameEvent {
  std::uint64_t frame = 0;
  double timing = 0;         // matched-filter output sample of the preamble's first symbol
  std::uint32_t slot_id = 0;
  bool ok = false;
  std::string error;         // why it was dropped
};

// The SigMF annotation of a frame (label "frame" or "dropped frame", the error
// as comment, slot, frame and ok under moema:), for a frame whose timing has
// been moved to the recording's samples (the matched filter's delay taken off).
rx::SigmfAnnotation frame_annotation(const FrameEvent& frame, int slot_samples);

class ApReceiver {
 public:
  // Loads the deployment's trained receivers (std::runtime_error naming the
  // key, the directories searched and the command that trains them).
  explicit ApReceiver(const ApReceiverConfig& config);
  ~ApReceiver();

  // The labels device by device of slot `slot_id`, for fine-tuning (the
  // learning phase's labelled slots); unused when fine_tune_epochs is 0.
  void set_truth(std::uint32_t slot_id, const std::vector<int>& labels);

  // K channels of matched-filtered samples; the decisions they complete.
  std::vector<SlotDecision> push(const std::vector<const rx::Sample*>& channels, std::size_t n);
  // End of the stream: the last group is decided; still learning, the
  // subspaces are recovered from the slots received so far (at least 50) and
  // those slots decided.
  std::vector<SlotDecision> finish();

  const rx::FrameCounts& counts() const;
  // Dropped frames since the last call, one line each, naming frame and cause.
  std::vector<std::string> take_errors();
  // Detected frames since the last call.
  std::vector<FrameEvent> take_frames();
  bool learning() const;
  // Eq. (6) per device against the deployment's precoders; empty while learning.
  std::vector<double> subspace_similarity() const;
  int detected_overlap() const;  // -1 while learning
  // Time spent ending the learning phase (recovery, fine-tuning, deciding the
  // T held slots): a one-off cost, reported apart from the per-slot work.
  double learning_seconds() const;
  const ApReceiverConfig& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace moema::models
