// Differential BPSK for the auxiliary mini-slot. Information sits in the phase
// change between consecutive symbols, so the access point, which has no channel
// state information, decodes it non-coherently: per antenna the product
// r_k[i+1] conj(r_k[i]) = |h_k|^2 s[i+1] conj(s[i]) + noise removes the unknown
// complex gain's phase, and the products are summed over the K antennas with
// equal weights (post-detection combining; each antenna's signal term already
// carries |h_k|^2, so stronger antennas count more). A residual carrier offset
// of phi rad per symbol only rotates every product by phi, which shrinks the
// decision margin by cos(phi) and is tolerated while |phi| << pi/2.
#pragma once

#include "moema/common/linalg.hpp"

#include <cstdint>
#include <vector>

namespace moema::rx {

// bits -> bits.size() + 1 unit-magnitude symbols: s[0] = +1 (the reference),
// s[i+1] = s[i] * (bit i ? -1 : +1). Throws std::invalid_argument for an entry
// other than 0/1.
ComplexVector dbpsk_modulate(const std::vector<std::uint8_t>& bits);

// received: K x (n+1), one row per antenna, one column per symbol (matched-
// filtered and sampled). Soft metric per bit i: Re(sum_k r_k[i+1] conj(r_k[i]));
// positive favours bit 0. Throws std::invalid_argument for fewer than 2 columns
// or no rows.
Eigen::VectorXd dbpsk_soft(const ComplexMatrix& received);

// Hard decisions: bit i = 1 where the soft metric is negative (ties give 0).
std::vector<std::uint8_t> dbpsk_demodulate(const ComplexMatrix& received);

}  // namespace moema::rx
