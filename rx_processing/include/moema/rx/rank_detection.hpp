// Noise-aware span and rank detection. A received slot is signal of low rank
// plus white noise; its smallest singular values measure the noise, and a
// singular value counts as signal only above the largest one that noise alone
// would produce (the Marchenko-Pastur edge), never above a fixed zero threshold.
#pragma once

#include "moema/common/linalg.hpp"

#include <vector>

namespace moema::rx {

// Noise variance per real matrix entry, estimated from the singular values of
// many rows x cols slots that each hold at most `signal_rank` signal directions:
// the energy left in the trailing singular values divided by the number of
// entries of the noise-only residual, (rows - signal_rank)(cols - signal_rank).
double noise_variance_from_tails(const std::vector<Vector>& singular_values, int signal_rank, int rows, int cols);

// Largest singular value expected from a rows x cols matrix of i.i.d. noise
// with the given per-entry standard deviation: sigma (sqrt(rows) + sqrt(cols)).
double noise_edge(double noise_std, double rows, double cols);

// Number of singular values (sorted descending) above margin * noise_edge and
// above relative_floor times the largest one. margin > 1 keeps noise
// fluctuations from counting as signal; the floor covers noise-free input,
// whose singular values, when taken as square roots of Gram-matrix
// eigenvalues, carry rounding errors of order sqrt(machine epsilon).
int detect_rank(const Vector& singular_values, double noise_std, double rows, double cols, double margin = 1.3,
                double relative_floor = 1e-6);

}  // namespace moema::rx
