#include "moema/air/sign_anchor.hpp"

namespace moema::rx {

SignAnchor make_sign_anchor(const Vector& codeword) {
  Eigen::Index index = 0;
  codeword.cwiseAbs().maxCoeff(&index);
  return {static_cast<int>(index), codeword(index) >= 0.0};
}

}  // namespace moema::rx
