// Blind (CSI-free) recovery of the devices' precoding subspaces at the access
// point, from T received slots Y_t = sum_n h_n w_n^T + noise.
//
// Stages shared by both methods (paper Sec. 3.1): per-slot SVD; noise level
// from the trailing singular values; the signal space U = span(A_1..A_N) and
// its dimension r from the energy of all slots against the noise edge; the
// overlap gamma = (N D - r) / (N - 1) and the shared subspace V (the gamma
// leading eigenvectors of B B^T, B the per-slot right singular vectors).
// Then the private parts C_n, which the methods find differently:
//  - Paper: sparse subspace clustering (Elhamifar-Vidal) of the per-slot right
//    singular vectors of Y_t (I - V V^T) (Sec. 3.2-3.3, as written).
//  - Jbd (the project's): joint block diagonalisation of the per-slot Gram
//    matrices (devices' energies fluctuate independently from slot to slot),
//    refined by alternating projections that use the structure every slot
//    obeys: its row space meets each device's private subspace in one
//    codeword. See joint_diagonalization.hpp.
// Finally A~_n = [C_n : V], mapped to devices by their signatures.
#pragma once

#include "moema/common/json_fields.hpp"
#include "moema/common/system_parameters.hpp"
#include "moema/common/linalg.hpp"
#include "moema/rx/sparse_subspace_clustering.hpp"

#include <string>
#include <vector>

namespace moema::rx {

enum class RecoveryMethod { Paper, Jbd };

RecoveryMethod parse_recovery_method(const std::string& name);  // "paper" | "jbd"
std::string to_string(RecoveryMethod method);
MOEMA_JSON_ENUM(RecoveryMethod, to_string, parse_recovery_method)

struct RecoveryConfig {
  int devices = defaults::kDevices;      // N
  int feature_dim = defaults::kFeatureDim;  // D
  RecoveryMethod method = RecoveryMethod::Jbd;
  // Registered device signatures (column 0 of each A_n). When given, the
  // estimates are returned in device order; otherwise in the order found.
  std::vector<Vector> signatures;
  int refinement_iterations = 30;  // Jbd only
  SscOptions ssc;                  // Paper only
};

struct SubspaceEstimate {
  std::vector<Matrix> bases;  // A~_n = [C_n : V], M x D each, orthonormal columns
  Matrix shared;              // V, M x gamma
  Matrix signal_space;        // U, M x r
  int overlap = 0;            // gamma as detected
  double noise_variance = 0;  // per real entry of the stacked slots
  int rank() const { return static_cast<int>(signal_space.cols()); }
};

// `slots` are real-stacked received slots ([Re Y; Im Y], 2K x M each, see
// stack_real). Throws std::invalid_argument naming the input and the problem
// for wrong dimensions, NaN/Inf, too few slots, or a detected signal space
// inconsistent with the requested devices.
SubspaceEstimate recover_subspaces(const std::vector<Matrix>& slots, const RecoveryConfig& config);

// Fewest slots accepted: enough for the clustering to see every direction.
int minimum_slots(int devices, int feature_dim);

}  // namespace moema::rx
