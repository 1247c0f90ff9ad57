// The results sink's bookkeeping, without GNU Radio: the per-slot decision
// log (JSON lines), the running accuracy against ground truth when the labels
// are known, and the summary both radio commands print with --json.
#pragma once

#include "moema/system/ap_receiver.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace moema::models {

class DecisionLog {
 public:
  DecisionLog() = default;
  // Also appends one JSON object per decision to `jsonl_path` (empty: none).
  explicit DecisionLog(const std::string& jsonl_path);

  // Ground truth of slot `slot_id`, device by device (labels 0..19).
  void set_truth(std::uint32_t slot_id, const std::vector<int>& labels);
  const std::map<std::uint32_t, std::vector<int>>& truth() const { return truth_; }

  void add(const SlotDecision& decision);
  void add(const std::vector<SlotDecision>& decisions);
  const std::vector<SlotDecision>& decisions() const { return decisions_; }

  // Percent of device decisions that match a known label; NaN when none is known.
  double accuracy() const;
  int scored() const;  // device decisions with a known label
  // The same over the slots decided after the learning phase only: held out
  // from what the AP learnt (and fine-tuned) on.
  double inference_accuracy() const;
  int inference_scored() const;

  // {"accuracy", "scored", "inference_accuracy", "inference_scored", "frames_detected", "frames_decoded", "frames_dropped",
  //  "aux_crc_failures", "subspace_similarity", "detected_overlap", "errors", "decisions"}
  nlohmann::json summary(const rx::FrameCounts& counts, const std::vector<double>& subspace_similarity,
                         int detected_overlap, const std::vector<std::string>& errors) const;

 private:
  std::map<std::uint32_t, std::vector<int>> truth_;
  std::vector<SlotDecision> decisions_;
  std::ofstream jsonl_;
  std::string jsonl_path_;
};

}  // namespace moema::models
