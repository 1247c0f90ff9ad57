// Device-specific random orthonormal precoders A_n (M x D) with a controlled
// shared subspace, and the device signatures that map subspaces to devices.
#pragma once

#include "moema/rx/linalg.hpp"

#include <cstdint>
#include <vector>

namespace moema::rx {

struct PrecoderConfig {
  int devices = 2;           // N
  int codeword_length = 10;  // M: real PAM symbols per slot
  int feature_dim = 3;       // D: semantic feature dimension
  int overlap = 0;           // gamma: dimension of the subspace all devices share
  std::uint64_t seed = 1;
};

// Dimension of span(A_1, ..., A_N) when all devices share one gamma-dimensional
// subspace and their private parts are in general position: N*D - (N-1)*gamma.
int signal_space_dimension(int devices, int feature_dim, int overlap);

// The precoders of all devices. A_n = [C_n : V] with V (M x gamma) common to all
// devices and C_n (M x (D - gamma)) random in the orthogonal complement of V,
// drawn independently per device (so private parts are in general position, not
// orthogonal). Column 0 of A_n, the first private direction, is device n's
// signature (the paper's footnote 1): the AP knows it from registration and uses
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
  Vector signature(int device) const { return bases_.at(device).col(0); }
  std::vector<Vector> signatures() const;

  // The semantic codeword w = A_n x of a unit-norm feature x.
  Vector precode(int device, const Vector& feature) const;

 private:
  std::vector<Matrix> bases_;
  Matrix shared_;
};

// Assigns estimated subspaces to devices: result[k] is the device whose
// signature lies most in span(estimated[k]), the assignment maximising the total
// captured signature energy over all one-to-one matchings.
std::vector<int> match_subspaces_to_signatures(const std::vector<Matrix>& estimated,
                                               const std::vector<Vector>& signatures);

}  // namespace moema::rx
