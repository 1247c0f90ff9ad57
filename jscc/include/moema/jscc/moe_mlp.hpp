// The AD-MoE MLP of the paper (Sec. II-B): always-on shared experts plus
// routed experts chosen per token by a router that sees the token's features
// and the CSI, with an adaptive top-k gate.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <string>

namespace moema::jscc {

struct MoeOptions {
  int routed_experts = 5;
  int shared_experts = 1;
  int expert_ratio = 2;     // each routed expert's hidden width = expert_ratio * dim
  int shared_ratio = 2;     // each shared expert's hidden width = shared_ratio * dim
  // Routed experts' output layers start at zero, so the block starts as its
  // shared experts alone and the routed ones grow from there.
  bool zero_init_routed = false;
  int max_k = 3;            // at most this many routed experts per token
  double threshold = 0.1;   // add the next-ranked expert while its weight gap is below this
  int csi_dim = 2;          // CSI features the router sees (per-stream SNR in dB)
  // The router sees SNR_dB / csi_unit_db. With Adam every router weight moves
  // at about the learning rate per step, so a smaller unit lets the CSI's
  // share of the logits grow that many times faster.
  double csi_unit_db = 10.0;

  nlohmann::json to_json() const;
  static MoeOptions from_json(const nlohmann::json& j);
};

// Throws std::invalid_argument naming `who` unless csi is [batch, dim].
void require_csi(const torch::Tensor& csi, int64_t batch, int dim, const std::string& who);

// The adaptive top-k rule on router probabilities [..., E]: rank the experts,
// take the best, then keep adding the next-ranked one while its weight is
// within `threshold` of the previous selected one, up to `max_k`. Returns a
// bool mask [..., E] in expert order.
torch::Tensor adaptive_topk_mask(const torch::Tensor& probs, int max_k, double threshold);

// What the router did in the last forward pass.
struct Routing {
  torch::Tensor probs;  // [B, L, E] router softmax
  torch::Tensor mask;   // [B, L, E] bool, the selected routed experts
};

class ExpertImpl : public torch::nn::Module {
 public:
  ExpertImpl(int dim, int hidden);
  torch::Tensor forward(const torch::Tensor& x);
  void zero_output();  // output layer to zero: the expert adds nothing until trained

 private:
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(Expert);

class AdaptiveMoeMlpImpl : public torch::nn::Module {
 public:
  AdaptiveMoeMlpImpl(int dim, const MoeOptions& options);
  // x: [B, L, C]; csi: [B, csi_dim] (dB values; scaled inside).
  // Output: sum of the shared experts plus the selected routed experts
  // weighted by their router probabilities renormalised over the selection.
  // Each routed expert runs only on the tokens that selected it.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& csi);
  const Routing& last_routing() const { return routing_; }
  const MoeOptions& options() const { return options_; }

 private:
  torch::Tensor route(const torch::Tensor& x, const torch::Tensor& csi);

  MoeOptions options_;
  torch::nn::LayerNorm router_norm_{nullptr};
  torch::nn::Linear router_{nullptr};
  torch::nn::ModuleList shared_, routed_;
  Routing routing_;
};
TORCH_MODULE(AdaptiveMoeMlp);

}  // namespace moema::jscc
