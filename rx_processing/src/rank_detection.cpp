#include "moema/rx/rank_detection.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace moema::rx {

double noise_variance_from_tails(const std::vector<Vector>& singular_values, int signal_rank, int rows, int cols) {
  const int residual_rows = rows - signal_rank, residual_cols = cols - signal_rank;
  if (singular_values.empty() || residual_rows <= 0 || residual_cols <= 0)
    throw std::invalid_argument("noise_variance_from_tails: need slots with more than signal_rank = " +
                                std::to_string(signal_rank) + " rows and columns (got " + std::to_string(rows) +
                                "x" + std::to_string(cols) + ", " + std::to_string(singular_values.size()) +
                                " slots)");
  double energy = 0.0;
  for (const Vector& s : singular_values) energy += s.tail(s.size() - signal_rank).squaredNorm();
  return energy / (static_cast<double>(singular_values.size()) * residual_rows * residual_cols);
}

double noise_edge(double noise_std, double rows, double cols) {
  return noise_std * (std::sqrt(rows) + std::sqrt(cols));
}

int detect_rank(const Vector& singular_values, double noise_std, double rows, double cols, double margin,
                double relative_floor) {
  if (singular_values.size() == 0) return 0;
  const double threshold =
      std::max(margin * noise_edge(noise_std, rows, cols), relative_floor * singular_values(0));
  int rank = 0;
  while (rank < singular_values.size() && singular_values(rank) > threshold) ++rank;
  return rank;
}

}  // namespace moema::rx
