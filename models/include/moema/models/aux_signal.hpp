// Auxiliary signalling (paper Sec. 2.1, App. E): besides its codeword, each
// device sends a short message that tells the AP's gate which task the
// codeword is closest to, computed at the device from its clean feature.
//
// Task-specific centre points. The trained ArcFace embedding forms one
// cluster per class; a task's centre points are the centres of its ten class
// clusters (unit-normalised mean features). One centre per task would not do
// with D = 3: twenty classes spread over the sphere, so a task's mean feature
// lies near the origin and is about as far from every feature. A feature's
// distance to a task is its distance to the nearest of that task's centres.
// Distances are taken between unit features, which equals the distance between
// the codewords A_n x and A_n c since A_n has orthonormal columns.
#pragma once

#include "moema/common/json_fields.hpp"
#include "moema/models/datasets.hpp"
#include "moema/common/linalg.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace moema::models {

enum class Signalling {
  Distance,  // the distance to each task: 2 reals
  OneHot,    // the nearest task as a one-hot vector: 1 bit
};

Signalling parse_signalling(const std::string& name);  // "distance" | "onehot"
std::string to_string(Signalling signalling);
MOEMA_JSON_ENUM(Signalling, to_string, parse_signalling)
constexpr int kTasks = 2;
constexpr int kAuxDim = kTasks;  // both strategies give one entry per task

class TaskCentres {
 public:
  // Class centres from features (one row per sample, unit norm) and labels 0..19.
  static TaskCentres fit(const rx::Matrix& features, const std::vector<int>& labels);
  explicit TaskCentres(rx::Matrix class_centres);  // kClasses x D, unit rows

  const rx::Matrix& class_centres() const { return centres_; }
  int feature_dim() const { return static_cast<int>(centres_.cols()); }

  double distance_to_task(const rx::Vector& feature, Task task) const;
  Task nearest_task(const rx::Vector& feature) const;
  // The auxiliary message of one feature (kAuxDim entries, MNIST first).
  rx::Vector signal(const rx::Vector& feature, Signalling signalling) const;
  // One message per row of `features`.
  rx::Matrix signals(const rx::Matrix& features, Signalling signalling) const;

  nlohmann::json to_json() const;
  static TaskCentres from_json(const nlohmann::json& j);

 private:
  rx::Matrix centres_;
};

// The gate's input from distance-based messages as received over the air (one
// row per message): the distances themselves, or for one-hot the nearest task,
// the rule TaskCentres::nearest_task applies at the device.
rx::Matrix aux_from_distances(const rx::Matrix& distances, Signalling signalling);

}  // namespace moema::models
