#include "moema/air/precoder.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

namespace moema::rx {
namespace {

void validate(const PrecoderConfig& c) {
  auto fail = [](const std::string& msg) { throw std::invalid_argument("PrecoderConfig: " + msg); };
  if (c.devices < 1) fail("devices must be >= 1, got " + std::to_string(c.devices));
  if (c.feature_dim < 1) fail("feature_dim must be >= 1, got " + std::to_string(c.feature_dim));
  if (c.overlap < 0 || c.overlap >= c.feature_dim)
    fail("overlap must be in [0, feature_dim - 1] = [0, " + std::to_string(c.feature_dim - 1) +
         "] (each device keeps a private signature direction), got " + std::to_string(c.overlap));
  if (c.feature_dim > c.codeword_length)
    fail("feature_dim " + std::to_string(c.feature_dim) + " exceeds codeword_length " +
         std::to_string(c.codeword_length));
  if (c.candidates < 1) fail("candidates must be >= 1, got " + std::to_string(c.candidates));
  // More devices than fit in R^M is allowed: their subspaces then share
  // directions by chance, the regime known-subspace decoding studies.
}

}  // namespace

int signal_space_dimension(int devices, int feature_dim, int overlap) {
  return devices * feature_dim - (devices - 1) * overlap;
}

PrecoderSet::PrecoderSet(const PrecoderConfig& config) {
  validate(config);
  std::mt19937_64 rng(config.seed);
  const int m = config.codeword_length, d = config.feature_dim, gamma = config.overlap, n = config.devices;
  const Matrix frame = random_orthonormal(m, m, rng);
  shared_ = frame.leftCols(gamma);
  const Matrix complement = frame.rightCols(m - gamma);  // orthonormal basis of V's complement
  const bool fits = n * (d - gamma) <= m - gamma;
  const int draws = fits ? std::max(1, config.candidates) : 1;
  Matrix best_privates;
  for (int draw = 0; draw < draws; ++draw) {
    Matrix stacked(m, n * (d - gamma));
    for (int dev = 0; dev < n; ++dev)
      stacked.middleCols(dev * (d - gamma), d - gamma) = complement * random_orthonormal(m - gamma, d - gamma, rng);
    const double sigma_min = fits ? Eigen::JacobiSVD<Matrix>(stacked).singularValues().minCoeff() : 0.0;
    if (draw == 0 || sigma_min > conditioning_) {
      conditioning_ = sigma_min;
      best_privates = std::move(stacked);
    }
  }
  for (int dev = 0; dev < n; ++dev) {
    Matrix basis(m, d);
    basis << best_privates.middleCols(dev * (d - gamma), d - gamma), shared_;
    bases_.push_back(std::move(basis));
  }
}

std::vector<Vector> PrecoderSet::signatures() const {
  std::vector<Vector> out;
  for (int n = 0; n < devices(); ++n) out.push_back(signature(n));
  return out;
}

Vector PrecoderSet::precode(int device, const Vector& feature) const {
  if (feature.size() != feature_dim())
    throw std::invalid_argument("precode: feature has " + std::to_string(feature.size()) +
                                " entries, expected D = " + std::to_string(feature_dim()));
  require_finite(feature, "precode: feature");
  return basis(device) * feature;
}

std::vector<int> match_subspaces_to_signatures(const std::vector<Matrix>& estimated,
                                               const std::vector<Vector>& signatures) {
  const int n = static_cast<int>(estimated.size());
  if (static_cast<int>(signatures.size()) != n)
    throw std::invalid_argument("match_subspaces_to_signatures: " + std::to_string(n) +
                                " subspaces but " + std::to_string(signatures.size()) + " signatures");
  if (n > 9)
    throw std::invalid_argument("match_subspaces_to_signatures: at most 9 devices are matched exhaustively, got " +
                                std::to_string(n));
  Matrix energy(n, n);  // energy(k, dev): share of device dev's signature inside subspace k
  for (int k = 0; k < n; ++k)
    for (int dev = 0; dev < n; ++dev)
      energy(k, dev) = (estimated[k].transpose() * signatures[dev]).squaredNorm();
  std::vector<int> perm(n), best;
  std::iota(perm.begin(), perm.end(), 0);
  double best_score = -1.0;
  do {  // n <= 9: exhaustive search is at most 362880 cheap steps
    double score = 0.0;
    for (int k = 0; k < n; ++k) score += energy(k, perm[k]);
    if (score > best_score) best_score = score, best = perm;
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

}  // namespace moema::rx
