// Reconstruction metrics of the MoEMA paper, Appendix D.
#pragma once

#include "moema/common/linalg.hpp"

namespace moema::rx {

// Eq. (6): ||P P~||_F^2 / D with P = A A^T, P~ = A~ A~^T; both arguments have
// orthonormal columns, D = a.cols(). 1 for the same subspace, 0 for orthogonal ones.
double subspace_similarity(const Matrix& a, const Matrix& estimate);

// Eq. (7): cosine of the angle between a codeword and its reconstruction.
double cosine_similarity(const Vector& a, const Vector& b);

}  // namespace moema::rx
