// Differentiable channel layers of the JSCC codec: the encoder's real outputs
// become complex symbols, cross an AWGN or MIMO Rayleigh block-fading channel
// and come back as the receiver's estimate, with the per-stream SNR the
// receiver can compute (it conditions the decoder's experts). Everything is
// differentiable with respect to the transmitted symbols and follows the
// input's device; randomness comes from the global torch RNG.
#pragma once

#include "moema/common/system_parameters.hpp"
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>

namespace moema::jscc {

// Real encoder outputs [B, 2S] <-> complex symbols [B, S]: consecutive pairs
// of the real tensor are (re, im) of one symbol.
torch::Tensor real_to_complex(const torch::Tensor& real);
torch::Tensor complex_to_real(const torch::Tensor& symbols);

// Scales each row of [B, S] complex symbols to mean |x|^2 = 1, i.e. by
// sqrt(S) / ||x||, keeping its direction.
torch::Tensor normalize_power(const torch::Tensor& symbols);

struct ChannelConfig {
  std::string kind = "mimo";     // "mimo" (Rayleigh block fading) or "awgn"
  int nt = defaults::kImageLinkAntennas, nr = defaults::kImageLinkAntennas;            // transmit / receive antennas (ignored for awgn)
  double estimation_nmse = 0.0;  // receiver's estimate H_est = H + E, E ~ CN(0, nmse) per entry
  bool svd_precoding = false;    // transmitter knows H_est: x -> V x, receiver U^H y (nr >= nt)

  nlohmann::json to_json() const;
  // Missing keys take the defaults above; unknown keys, wrong types and bad
  // values throw std::invalid_argument naming the key.
  static ChannelConfig from_json(const nlohmann::json& j);
  int streams() const;  // nt for mimo, 1 for awgn
};

struct ChannelOutput {
  torch::Tensor symbols;        // [B, S] complex: receiver's estimate of the input, same layout
  torch::Tensor stream_snr_db;  // [B, streams] real: post-equalisation SNR from H_est, [-30, 60] dB
  torch::Tensor channel;        // [B, nr, nt] complex true H (undefined for awgn)
};

struct Equalized {
  torch::Tensor symbols;        // [B, nt, L] complex
  torch::Tensor stream_snr_db;  // [B, nt] real, in [-30, 60] dB
};

// Unbiased linear MMSE equalisation of y = H x + n, with E[x x^H] = I / nt and
// noise variance noise_var per receive antenna:
//   W = (H^H H + nt noise_var I)^-1 H^H,  x_hat_i = (W y)_i / (W H)_ii,
//   SINR_i = 1 / [(I + H^H H / (nt noise_var))^-1]_ii - 1.
// y: [B, nr, L] complex, h_est: [B, nr, nt] complex, noise_var: [B] real.
Equalized mmse_equalize(const torch::Tensor& y, const torch::Tensor& h_est,
                        const torch::Tensor& noise_var);

class Channel {
 public:
  explicit Channel(ChannelConfig config);  // validates like from_json

  // x: [B, S] complex with unit average power per image (normalize_power's
  // output), S divisible by nt. Symbol s goes to antenna s % nt at channel
  // use s / nt, scaled by 1/sqrt(nt) so that the antennas together send unit
  // power per use; the output is scaled back, so out.symbols - x is the
  // effective noise and its variance on stream i is 1 / SINR_i.
  // snr_db: [B] (or a single value), one SNR per image = total transmit power
  // / noise variance per receive antenna. mimo: one H per image (block
  // fading), entries i.i.d. CN(0, 1); awgn: y = x + n. `given_h` ([B, nr,
  // nt] complex), when defined, replaces the random H: the radio link's
  // reference runs its frames' true channels through here.
  ChannelOutput transmit(const torch::Tensor& x, const torch::Tensor& snr_db,
                         const torch::Tensor& given_h = {}) const;
  const ChannelConfig& config() const;

 private:
  ChannelConfig config_;
};

}  // namespace moema::jscc
