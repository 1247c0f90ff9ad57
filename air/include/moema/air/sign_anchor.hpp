// The sign anchor a device sends with each codeword (aux_message.hpp): the
// index of the codeword's largest-magnitude entry and that entry's sign. The
// access point uses it to resolve the sign that blind recovery cannot see
// (rx_processing's codeword_decoder.hpp explains the rule).
#pragma once

#include "moema/common/linalg.hpp"

namespace moema::rx {

struct SignAnchor {
  int index = 0;
  bool positive = true;
};

// What a device puts in its auxiliary mini-slot: its codeword's largest entry.
SignAnchor make_sign_anchor(const Vector& codeword);

}  // namespace moema::rx
