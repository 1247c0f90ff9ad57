// Per-slot reconstruction of each device's semantic codeword from a received
// slot, given the devices' (estimated or registered) subspaces.
//
// Sign and scale rule. Y = sum_n h_n w_n^T determines each w_n only up to a
// real factor (h_n w_n^T = (c h_n)(w_n / c)^T). Scale: codewords are unit-norm
// (||w|| = ||A x|| = ||x|| = 1), so reconstructions are normalised to unit
// norm. Sign: each device's auxiliary mini-slot carries a sign anchor, the
// index of the largest-magnitude entry of its codeword and that entry's sign
// (ceil(log2 M) + 1 bits). Since that entry has magnitude >= 1/sqrt(M), the
// reconstruction's entry at the index keeps its sign unless the error is
// gross, so the sign is resolved robustly. Without an anchor the canonical
// sign is used: the largest-magnitude entry of the reconstruction is made
// positive (a deterministic rule a downstream network can be trained under).
#pragma once

#include "moema/common/json_fields.hpp"
#include "moema/air/sign_anchor.hpp"
#include "moema/common/linalg.hpp"

#include <string>
#include <vector>

namespace moema::rx {

enum class Decoder {
  // The paper's: the dominant direction of the slot projected onto span(A~_n),
  // i.e. the top right singular vector of Y A~_n A~_n^T. Other devices' energy
  // in an overlapping subspace leaks into the estimate.
  Projection,
  // The project's: the codeword is the direction of span(A~_n) that lies in the
  // slot's row space (the top principal vector between span(A~_n) and the
  // N-dimensional row space). With subspaces in general position apart from
  // the shared part, the two meet exactly in w_n, so other devices' share of
  // the overlap is removed. Needs N + D - 1 <= M (unique intersection).
  Intersection,
};

Decoder parse_decoder(const std::string& name);  // "projection" | "intersection"
std::string to_string(Decoder decoder);
MOEMA_JSON_ENUM(Decoder, to_string, parse_decoder)

// Unit norm, then the anchor's sign (or the canonical sign when anchor is null).
void apply_sign_and_scale(Vector& codeword, const SignAnchor* anchor);

class CodewordDecoder {
 public:
  CodewordDecoder(std::vector<Matrix> bases, Decoder decoder);

  int devices() const { return static_cast<int>(bases_.size()); }
  int codeword_length() const { return static_cast<int>(bases_.front().rows()); }

  // Unit-norm codeword estimates, one per device, from one real-stacked slot
  // (2K x M). `anchors` is empty (canonical sign) or holds one per device.
  std::vector<Vector> decode(const Matrix& slot, const std::vector<SignAnchor>& anchors = {}) const;

 private:
  std::vector<Matrix> bases_;
  Decoder decoder_;
};

}  // namespace moema::rx
