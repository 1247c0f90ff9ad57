// Joint (block) diagonalisation of a set of symmetric matrices.
//
// Why: per slot, the Gram matrix of the received rows is
//   Y_t^T Y_t = sum_n ||h_n||^2 w_n w_n^T + cross terms (h_n^T h_m, zero mean),
// so across slots the per-slot Gram matrices are, up to zero-mean cross terms,
// block diagonal in a basis made of the device subspaces: every device's block
// changes from slot to slot independently of the others. Joint block
// diagonalisation recovers that basis from energy fluctuations alone, even when
// all devices arrive with equal power (where a per-slot SVD mixes them).
#pragma once

#include "moema/common/linalg.hpp"

#include <vector>

namespace moema::rx {

// Orthogonal joint diagonalisation by Jacobi rotations (Cardoso and Souloumiac,
// 1996): returns the orthogonal Q that maximises the diagonal energy of
// Q^T M_t Q summed over t. Matrices must be symmetric and of one size.
Matrix joint_diagonalize(const std::vector<Matrix>& symmetric, double tolerance = 1e-12, int max_sweeps = 100);

// Splits the coordinates 0..n-1 (n = groups * group_size) of jointly
// diagonalised matrices into groups whose coordinates stay coupled: the
// coupling of i and j is sum_t M_t(i,j)^2 / sqrt(sum_t M_t(i,i)^2 sum_t M_t(j,j)^2).
std::vector<std::vector<int>> group_coupled_coordinates(const std::vector<Matrix>& diagonalized, int groups,
                                                        int group_size);

// Non-orthogonal joint block diagonalisation of covariances C_t = B L_t B^T
// (+ zero-mean perturbations) with L_t block diagonal with `blocks` blocks of
// `block_size`: whitens with the mean covariance, jointly diagonalises, groups
// the coupled coordinates, and returns an orthonormal basis of each block's
// column span of B (in the input coordinates). The mean covariance must be
// positive definite.
std::vector<Matrix> joint_block_diagonalize(const std::vector<Matrix>& covariances, int blocks, int block_size);

}  // namespace moema::rx
