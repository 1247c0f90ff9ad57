#include "moema/rx/codeword_decoder.hpp"

#include <stdexcept>
#include <string>

namespace moema::rx {
namespace {

// Dominant eigenvector of a small symmetric positive semi-definite matrix.
Vector dominant_direction(const Matrix& gram) {
  Eigen::SelfAdjointEigenSolver<Matrix> eig(gram);
  return eig.eigenvectors().col(gram.rows() - 1);
}

}  // namespace

Decoder parse_decoder(const std::string& name) {
  if (name == "projection") return Decoder::Projection;
  if (name == "intersection") return Decoder::Intersection;
  throw std::invalid_argument("decoder: unknown '" + name + "' (expected 'projection' or 'intersection')");
}

std::string to_string(Decoder decoder) { return decoder == Decoder::Projection ? "projection" : "intersection"; }

void apply_sign_and_scale(Vector& codeword, const SignAnchor* anchor) {
  codeword.normalize();
  const SignAnchor reference = anchor ? *anchor : SignAnchor{make_sign_anchor(codeword).index, true};
  if (reference.index < 0 || reference.index >= codeword.size())
    throw std::invalid_argument("sign anchor: index " + std::to_string(reference.index) + " outside a codeword of " +
                                std::to_string(codeword.size()) + " symbols");
  if ((codeword(reference.index) >= 0.0) != reference.positive) codeword = -codeword;
}

CodewordDecoder::CodewordDecoder(std::vector<Matrix> bases, Decoder decoder)
    : bases_(std::move(bases)), decoder_(decoder) {
  if (bases_.empty()) throw std::invalid_argument("CodewordDecoder: no device subspaces");
  for (std::size_t n = 0; n < bases_.size(); ++n) {
    const Matrix& a = bases_[n];
    if (a.rows() != bases_.front().rows() || a.cols() < 1 || a.cols() > a.rows())
      throw std::invalid_argument("CodewordDecoder: basis " + std::to_string(n) + " is " + std::to_string(a.rows()) +
                                  "x" + std::to_string(a.cols()) + "; bases must be M x D with 1 <= D <= M");
    require_finite(a, "CodewordDecoder: basis " + std::to_string(n));
    if (!(a.transpose() * a).isIdentity(1e-6))
      throw std::invalid_argument("CodewordDecoder: basis " + std::to_string(n) + " does not have orthonormal columns");
  }
  if (decoder_ == Decoder::Intersection && devices() > codeword_length())
    throw std::invalid_argument("CodewordDecoder: intersection decoding of " + std::to_string(devices()) +
                                " devices needs a row space of that dimension, but M = " +
                                std::to_string(codeword_length()));
}

std::vector<Vector> CodewordDecoder::decode(const Matrix& slot, const std::vector<SignAnchor>& anchors) const {
  if (slot.cols() != codeword_length())
    throw std::invalid_argument("CodewordDecoder::decode: slot has " + std::to_string(slot.cols()) +
                                " columns, expected M = " + std::to_string(codeword_length()));
  if (!anchors.empty() && static_cast<int>(anchors.size()) != devices())
    throw std::invalid_argument("CodewordDecoder::decode: " + std::to_string(anchors.size()) +
                                " sign anchors for " + std::to_string(devices()) + " devices");
  require_finite(slot, "CodewordDecoder::decode: slot");
  const Matrix gram = slot.transpose() * slot;  // M x M; both decoders only need this
  Matrix row_space;
  if (decoder_ == Decoder::Intersection) {
    Eigen::SelfAdjointEigenSolver<Matrix> eig(gram);
    row_space = eig.eigenvectors().rightCols(devices());
  }
  std::vector<Vector> out;
  out.reserve(bases_.size());
  for (int n = 0; n < devices(); ++n) {
    const Matrix& a = bases_[n];
    Vector w;
    if (decoder_ == Decoder::Projection) {
      w = a * dominant_direction(a.transpose() * gram * a);
    } else {
      const Matrix cross = a.transpose() * row_space;  // D x N
      w = a * dominant_direction(cross * cross.transpose());
    }
    apply_sign_and_scale(w, anchors.empty() ? nullptr : &anchors[n]);
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace moema::rx
