// Swin Transformer building blocks (Liu et al. 2021) as SwinJSCC uses them:
// window partition and reverse, the shifted-window attention mask, window
// attention with a relative position bias, the transformer block (its
// feed-forward layer is either a plain MLP or the AD-MoE MLP), and the patch
// merging / expanding layers that halve or double the resolution.
//
// Tokens are [B, H*W, C] in row-major pixel order; images are [B, C, H, W].
#pragma once

#include "moema/jscc/moe_mlp.hpp"

#include <torch/torch.h>

namespace moema::jscc {

// [B, H, W, C] -> [B * (H/w) * (W/w), w*w, C]; windows in row-major order,
// batch-major. H and W must be multiples of w.
torch::Tensor window_partition(const torch::Tensor& x, int window);
// The inverse of window_partition: back to [B, H, W, C].
torch::Tensor window_reverse(const torch::Tensor& windows, int window, int height, int width);

// Additive attention mask for shifted-window attention on an H x W map
// cyclically shifted up-left by `shift`: [nW, w*w, w*w], 0 where two tokens
// of a window come from the same region of the unshifted map and -100 where
// the cyclic shift brought them together from opposite borders.
torch::Tensor shifted_window_mask(int height, int width, int window, int shift);

// Index of each (query, key) pair of a w x w window into the (2w-1)^2 table
// of relative position biases: [w*w, w*w] int64.
torch::Tensor relative_position_index(int window);

// Multi-head self-attention inside windows with a learnt relative position bias.
class WindowAttentionImpl : public torch::nn::Module {
 public:
  WindowAttentionImpl(int dim, int window, int heads);
  // x: [B*nW, w*w, C]; mask: [nW, w*w, w*w] or undefined.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask = {});

 private:
  int window_, heads_;
  double scale_;
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr};
  torch::Tensor bias_table_;
  torch::Tensor bias_index_;
};
TORCH_MODULE(WindowAttention);

// Linear - GELU - Linear.
class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int dim, int hidden);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(Mlp);

struct SwinBlockOptions {
  int dim = 64;
  int heads = 4;
  int window = 8;
  bool shifted = false;  // shift by window/2 (every second block)
  int mlp_ratio = 4;     // plain MLP hidden width = mlp_ratio * dim
  bool moe = false;      // AD-MoE MLP instead of the plain MLP
  MoeOptions moe_options;
};

// x + W-MSA(LN(x)), then x + FFN(LN(x)). Where the map is exactly one window
// the shift is dropped, as in Swin; a map smaller than the window is an error
// (the codecs only build maps that are multiples of it).
class SwinBlockImpl : public torch::nn::Module {
 public:
  explicit SwinBlockImpl(const SwinBlockOptions& options);
  // x: [B, H*W, C]; csi: [B, csi_dim] (used by the MoE router only).
  torch::Tensor forward(const torch::Tensor& x, int height, int width, const torch::Tensor& csi);
  // The AD-MoE MLP, or an empty holder for a plain block.
  AdaptiveMoeMlp moe() const { return moe_; }

 private:
  torch::Tensor attend(const torch::Tensor& x, int height, int width);

  SwinBlockOptions options_;
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
  WindowAttention attention_{nullptr};
  Mlp mlp_{nullptr};
  AdaptiveMoeMlp moe_{nullptr};
};
TORCH_MODULE(SwinBlock);

// 2x2 neighbourhood -> one token: [B, H*W, C] -> [B, H/2*W/2, out]
// (LayerNorm over the 4C concatenation, then a linear layer).
class PatchMergingImpl : public torch::nn::Module {
 public:
  PatchMergingImpl(int dim, int out_dim);
  torch::Tensor forward(const torch::Tensor& x, int height, int width);

 private:
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::Linear reduce_{nullptr};
};
TORCH_MODULE(PatchMerging);

// One token -> 2x2: [B, H*W, C] -> [B, 2H*2W, out] (a linear layer to 4*out,
// a pixel shuffle, then LayerNorm).
class PatchExpandingImpl : public torch::nn::Module {
 public:
  PatchExpandingImpl(int dim, int out_dim);
  torch::Tensor forward(const torch::Tensor& x, int height, int width);

 private:
  int out_dim_;
  torch::nn::Linear expand_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(PatchExpanding);

// Token <-> image layout.
torch::Tensor tokens_to_image(const torch::Tensor& tokens, int height, int width);  // [B,HW,C] -> [B,C,H,W]
torch::Tensor image_to_tokens(const torch::Tensor& image);                         // [B,C,H,W] -> [B,HW,C]

}  // namespace moema::jscc
