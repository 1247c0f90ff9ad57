#include "moema/system/decision_log.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace moema::models {

DecisionLog::DecisionLog(const std::string& jsonl_path) : jsonl_path_(jsonl_path) {
  if (jsonl_path.empty()) return;
  jsonl_.open(jsonl_path);
  if (!jsonl_) throw std::runtime_error("DecisionLog: cannot write " + jsonl_path);
}

void DecisionLog::set_truth(std::uint32_t slot_id, const std::vector<int>& labels) { truth_[slot_id] = labels; }

void DecisionLog::add(const SlotDecision& decision) {
  decisions_.push_back(decision);
  if (!jsonl_.is_open()) return;
  jsonl_ << decision.to_json().dump() << '\n';
  jsonl_.flush();  // the log is read while the receiver runs
}

void DecisionLog::add(const std::vector<SlotDecision>& decisions) {
  for (const SlotDecision& d : decisions) add(d);
}

namespace {

struct Score {
  int correct = 0, scored = 0;
};

Score score(const std::vector<SlotDecision>& decisions, const std::map<std::uint32_t, std::vector<int>>& truth,
            bool inference_only = false) {
  Score s;
  for (const SlotDecision& d : decisions) {
    if (inference_only && d.learning) continue;
    const auto it = truth.find(d.slot_id);
    if (it == truth.end()) continue;
    for (std::size_t n = 0; n < d.classes.size() && n < it->second.size(); ++n) {
      ++s.scored;
      s.correct += d.classes[n] == it->second[n];
    }
  }
  return s;
}

double percent(const Score& s) {
  return s.scored == 0 ? std::numeric_limits<double>::quiet_NaN() : 100.0 * s.correct / s.scored;
}

nlohmann::json number_or_null(double x) { return std::isnan(x) ? nlohmann::json(nullptr) : nlohmann::json(x); }

}  // namespace

double DecisionLog::accuracy() const { return percent(score(decisions_, truth_)); }

int DecisionLog::scored() const { return score(decisions_, truth_).scored; }

double DecisionLog::inference_accuracy() const { return percent(score(decisions_, truth_, true)); }

int DecisionLog::inference_scored() const { return score(decisions_, truth_, true).scored; }

nlohmann::json DecisionLog::summary(const rx::FrameCounts& counts, const std::vector<double>& subspace_similarity,
                                    int detected_overlap, const std::vector<std::string>& errors) const {
  nlohmann::json decisions = nlohmann::json::array();
  for (const SlotDecision& d : decisions_) decisions.push_back(d.to_json());
  return {{"accuracy", number_or_null(accuracy())},
          {"scored", scored()},
          {"inference_accuracy", number_or_null(inference_accuracy())},
          {"inference_scored", inference_scored()},
          {"frames_detected", counts.detected},
          {"frames_decoded", counts.decoded},
          {"frames_dropped", counts.dropped},
          {"aux_crc_failures", counts.aux_crc_failures},
          {"subspace_similarity", subspace_similarity},
          {"detected_overlap", detected_overlap},
          {"errors", errors},
          {"decisions", std::move(decisions)}};
}

}  // namespace moema::models
