// Device-specific random orthonormal precoders A_n (M x D) with a controlled
// shared subspace, and the device signatures that map subspaces to devices.
#pragma once

#include "moema/common/system_parameters.hpp"
#include "moema/common/linalg.hpp"

#include <cstdint>
#include <vector>

namespace moema::rx {

struct PrecoderConfig {
  int devices = defaults::kDevices;           // N
  int codeword_length = defaults::kCodewordLength;  // M: real PAM symbols per slot
  int feature_dim = defaults::kFeatureDim;       // D: semantic feature dimension
  int overlap = defaults::kOverlap;           // gamma: dimension of the subspace all devices share
  std::uint64_t seed = defaults::kSeed;
  // Random draws compared when the devices' subspaces fit in R^M; the best
  // conditioned is kept (see PrecoderSet). 1 gives a plain random draw.
  int candidates = 64;
};

// Dimension of span(A_1, ..., A_N) when all devices share one gamma-dimensional
// subspace and their private parts are in general position: N*D - (N-1)*gamma.
int signal_space_dimension(int devices, int feature_dim, int overlap);

// The precoders of all devices. A_n = [C_n : V] with V (M x gamma) common to all
// devices and C_n (M x (D - gamma)) random in the orthogonal complement of V,
// drawn independently per device (so private parts are in general position, not
// orthogonal). Independent draws are often nearly linearly dependent (three
// 3-dim subspaces of R^10 leave a direction with a smallest singular value
// around 0.02 in the worst of 200 draws), and a direction that carries no
// energy cannot be detected in noise; so the AP, which assigns precoders,
// keeps of `candidates` draws the one whose stacked private bases have the
// largest smallest singular value (conditioning()). Column 0 of A_n, the
// first private direction, is device n's signature (the paper's footnote 1): the AP knows it from registration and uses
// it to tell which blindly estimated subspace belongs to which device.
class PrecoderSet {
 public:
  explicit PrecoderSet(const PrecoderConfig& config);

  int devices() const { return static_cast<int>(bases_.size()); }
  int codeword_length() const { return static_cast<int>(shared_.rows()); }
  int feature_dim() const { return static_cast<int>(bases_.front().cols()); }
  int overlap() const { return static_cast<int>(shared_.cols()); }

  const Matrix& basis(int device) const { return bases_.at(device); }
  const std::vector<Matrix>& bases() const { return bases_; }
  const Matrix& shared() const { return shared_; }
  // Smallest singular value of [C_1 ... C_N] (0 when they do not fit in R^M).
  double conditioning() const { return conditioning_; }
  Vector signature(int device) const { return bases_.at(device).col(0); }
  std::vector<Vector> signatures() const;

  // The semantic codeword w = A_n x of a unit-norm feature x.
  Vector precode(int device, const Vector& feature) const;

 private:
  std::vector<Matrix> bases_;
  Matrix shared_;
  double conditioning_ = 0.0;
};

// Assigns estimated subspaces to devices: result[k] is the device whose
// signature lies most in span(estimated[k]), the assignment maximising the total
// captured signature energy over all one-to-one matchings.
std::vector<int> match_subspaces_to_signatures(const std::vector<Matrix>& estimated,
                                               const std::vector<Vector>& signatures);

}  // namespace moema::rx
