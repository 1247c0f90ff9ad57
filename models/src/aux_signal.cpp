#include "moema/models/aux_signal.hpp"

#include <limits>
#include <stdexcept>
#include <string>

namespace moema::models {

Signalling parse_signalling(const std::string& name) {
  if (name == "distance") return Signalling::Distance;
  if (name == "onehot") return Signalling::OneHot;
  throw std::invalid_argument("signalling '" + name + "': expected distance or onehot");
}

std::string to_string(Signalling signalling) { return signalling == Signalling::Distance ? "distance" : "onehot"; }

TaskCentres::TaskCentres(rx::Matrix class_centres) : centres_(std::move(class_centres)) {
  if (centres_.rows() != kClasses)
    throw std::invalid_argument("TaskCentres: expected " + std::to_string(kClasses) + " class centres, got " +
                                std::to_string(centres_.rows()));
}

TaskCentres TaskCentres::fit(const rx::Matrix& features, const std::vector<int>& labels) {
  if (static_cast<std::size_t>(features.rows()) != labels.size())
    throw std::invalid_argument("TaskCentres::fit: " + std::to_string(features.rows()) + " features but " +
                                std::to_string(labels.size()) + " labels");
  rx::Matrix sums = rx::Matrix::Zero(kClasses, features.cols());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= kClasses)
      throw std::invalid_argument("TaskCentres::fit: label " + std::to_string(labels[i]) + " outside 0.." +
                                  std::to_string(kClasses - 1));
    sums.row(labels[i]) += features.row(static_cast<Eigen::Index>(i));
  }
  for (int c = 0; c < kClasses; ++c) {
    const double norm = sums.row(c).norm();
    if (norm == 0.0) throw std::invalid_argument("TaskCentres::fit: class " + std::to_string(c) + " has no samples");
    sums.row(c) /= norm;
  }
  return TaskCentres(sums);
}

double TaskCentres::distance_to_task(const rx::Vector& feature, Task task) const {
  const int first = static_cast<int>(task) * (kClasses / kTasks);
  double best = std::numeric_limits<double>::infinity();
  for (int c = first; c < first + kClasses / kTasks; ++c)
    best = std::min(best, (centres_.row(c).transpose() - feature).norm());
  return best;
}

Task TaskCentres::nearest_task(const rx::Vector& feature) const {
  return distance_to_task(feature, Task::Mnist) <= distance_to_task(feature, Task::Fashion) ? Task::Mnist
                                                                                           : Task::Fashion;
}

rx::Vector TaskCentres::signal(const rx::Vector& feature, Signalling signalling) const {
  rx::Vector out(kAuxDim);
  if (signalling == Signalling::Distance) {
    out << distance_to_task(feature, Task::Mnist), distance_to_task(feature, Task::Fashion);
  } else {
    const bool mnist = nearest_task(feature) == Task::Mnist;
    out << (mnist ? 1.0 : 0.0), (mnist ? 0.0 : 1.0);
  }
  return out;
}

rx::Matrix TaskCentres::signals(const rx::Matrix& features, Signalling signalling) const {
  rx::Matrix out(features.rows(), kAuxDim);
  for (Eigen::Index i = 0; i < features.rows(); ++i)
    out.row(i) = signal(features.row(i).transpose(), signalling).transpose();
  return out;
}

nlohmann::json TaskCentres::to_json() const {
  nlohmann::json rows = nlohmann::json::array();
  for (Eigen::Index c = 0; c < centres_.rows(); ++c) {
    std::vector<double> row(centres_.cols());
    for (Eigen::Index d = 0; d < centres_.cols(); ++d) row[d] = centres_(c, d);
    rows.push_back(row);
  }
  return rows;
}

TaskCentres TaskCentres::from_json(const nlohmann::json& j) {
  if (!j.is_array() || j.empty()) throw std::invalid_argument("task centres: expected a non-empty array of rows");
  rx::Matrix centres(j.size(), j.front().size());
  for (std::size_t c = 0; c < j.size(); ++c) {
    if (j[c].size() != static_cast<std::size_t>(centres.cols()))
      throw std::invalid_argument("task centres: row " + std::to_string(c) + " has the wrong length");
    for (std::size_t d = 0; d < j[c].size(); ++d) centres(c, d) = j[c][d].get<double>();
  }
  return TaskCentres(centres);
}

rx::Matrix aux_from_distances(const rx::Matrix& distances, Signalling signalling) {
  if (distances.cols() != kAuxDim)
    throw std::invalid_argument("aux_from_distances: " + std::to_string(distances.cols()) + " values per message, expected " +
                                std::to_string(kAuxDim));
  if (signalling == Signalling::Distance) return distances;
  rx::Matrix onehot(distances.rows(), kAuxDim);
  for (Eigen::Index i = 0; i < distances.rows(); ++i) {
    const bool mnist = distances(i, 0) <= distances(i, 1);
    onehot.row(i) << (mnist ? 1.0 : 0.0), (mnist ? 0.0 : 1.0);
  }
  return onehot;
}

}  // namespace moema::models
