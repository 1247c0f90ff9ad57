#include "moema/jscc/swin.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace moema::jscc {

namespace {

void require_multiple(int size, int window, const char* what) {
  if (window <= 0 || size % window != 0)
    throw std::invalid_argument(std::string("Swin: ") + what + " " + std::to_string(size) +
                                " is not a multiple of the window " + std::to_string(window));
}

}  // namespace

torch::Tensor window_partition(const torch::Tensor& x, int window) {
  const auto b = x.size(0), h = x.size(1), w = x.size(2), c = x.size(3);
  require_multiple(static_cast<int>(h), window, "height");
  require_multiple(static_cast<int>(w), window, "width");
  return x.view({b, h / window, window, w / window, window, c})
      .permute({0, 1, 3, 2, 4, 5})
      .reshape({-1, window * window, c});
}

torch::Tensor window_reverse(const torch::Tensor& windows, int window, int height, int width) {
  const auto c = windows.size(-1);
  return windows.view({-1, height / window, width / window, window, window, c})
      .permute({0, 1, 3, 2, 4, 5})
      .reshape({-1, height, width, c});
}

torch::Tensor shifted_window_mask(int height, int width, int window, int shift) {
  // Label the nine regions the cyclic shift creates; tokens may attend to
  // each other only within a region.
  auto regions = torch::zeros({1, height, width, 1});
  const int starts[] = {0, -window, -shift};
  int label = 0;
  for (int hs = 0; hs < 3; ++hs) {
    for (int ws = 0; ws < 3; ++ws) {
      const int h0 = hs == 0 ? 0 : height + starts[hs], h1 = hs == 2 ? height : height + starts[hs + 1];
      const int w0 = ws == 0 ? 0 : width + starts[ws], w1 = ws == 2 ? width : width + starts[ws + 1];
      if (h1 > h0 && w1 > w0) regions.slice(1, h0, h1).slice(2, w0, w1).fill_(label);
      ++label;
    }
  }
  const auto labels = window_partition(regions, window).squeeze(-1);  // [nW, w*w]
  const auto differ = labels.unsqueeze(1) != labels.unsqueeze(2);
  return torch::zeros(differ.sizes()).masked_fill(differ, -100.0);
}

torch::Tensor relative_position_index(int window) {
  const auto coords = torch::arange(window, torch::kLong);
  const auto grid = torch::meshgrid({coords, coords}, "ij");
  const auto flat = torch::stack({grid[0].flatten(), grid[1].flatten()});  // [2, w*w]
  const auto relative = flat.unsqueeze(2) - flat.unsqueeze(1) + (window - 1);  // [2, N, N], in [0, 2w-2]
  return relative[0] * (2 * window - 1) + relative[1];
}

WindowAttentionImpl::WindowAttentionImpl(int dim, int window, int heads)
    : window_(window), heads_(heads), scale_(1.0 / std::sqrt(static_cast<double>(dim / heads))) {
  if (dim % heads != 0) throw std::invalid_argument("WindowAttention: dim must be a multiple of heads");
  qkv_ = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj_ = register_module("proj", torch::nn::Linear(dim, dim));
  bias_table_ = register_parameter("relative_position_bias_table",
                                   torch::randn({(2 * window - 1) * (2 * window - 1), heads}) * 0.02);
  bias_index_ = register_buffer("relative_position_index", relative_position_index(window));
}

torch::Tensor WindowAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const auto b = x.size(0), n = x.size(1), c = x.size(2);
  if (n != static_cast<int64_t>(window_) * window_)
    throw std::invalid_argument("WindowAttention: expected windows of " + std::to_string(window_ * window_) + " tokens");
  const auto qkv = qkv_(x).reshape({b, n, 3, heads_, c / heads_}).permute({2, 0, 3, 1, 4});
  auto attention = torch::matmul(qkv[0] * scale_, qkv[1].transpose(-2, -1));  // [b, heads, n, n]
  const auto bias = bias_table_.index_select(0, bias_index_.flatten()).view({n, n, heads_}).permute({2, 0, 1});
  attention = attention + bias.unsqueeze(0);
  if (mask.defined()) {
    const auto windows = mask.size(0);
    attention = attention.view({b / windows, windows, heads_, n, n}) + mask.to(attention.dtype()).unsqueeze(1).unsqueeze(0);
    attention = attention.view({b, heads_, n, n});
  }
  const auto out = torch::matmul(torch::softmax(attention, -1), qkv[2]).transpose(1, 2).reshape({b, n, c});
  return proj_(out);
}

MlpImpl::MlpImpl(int dim, int hidden)
    : fc1_(register_module("fc1", torch::nn::Linear(dim, hidden))),
      fc2_(register_module("fc2", torch::nn::Linear(hidden, dim))) {}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) { return fc2_(torch::gelu(fc1_(x))); }

SwinBlockImpl::SwinBlockImpl(const SwinBlockOptions& options) : options_(options) {
  const auto norm = [&] { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.dim})); };
  norm1_ = register_module("norm1", norm());
  attention_ = register_module("attention", WindowAttention(options.dim, options.window, options.heads));
  norm2_ = register_module("norm2", norm());
  if (options.moe) moe_ = register_module("moe", AdaptiveMoeMlp(options.dim, options.moe_options));
  else mlp_ = register_module("mlp", Mlp(options.dim, options.mlp_ratio * options.dim));
}

torch::Tensor SwinBlockImpl::attend(const torch::Tensor& x, int height, int width) {
  const int window = options_.window;
  const int shift = options_.shifted && std::min(height, width) > window ? window / 2 : 0;
  if (std::min(height, width) < window)
    throw std::invalid_argument("Swin block: a " + std::to_string(height) + "x" + std::to_string(width) +
                                " map is smaller than the window " + std::to_string(window));
  auto map = x.view({x.size(0), height, width, x.size(2)});
  if (shift > 0) map = torch::roll(map, {-shift, -shift}, {1, 2});
  torch::Tensor mask;
  if (shift > 0) mask = shifted_window_mask(height, width, window, shift).to(x.device());
  auto out = window_reverse(attention_(window_partition(map, window), mask), window, height, width);
  if (shift > 0) out = torch::roll(out, {shift, shift}, {1, 2});
  return out.reshape(x.sizes());
}

torch::Tensor SwinBlockImpl::forward(const torch::Tensor& x, int height, int width, const torch::Tensor& csi) {
  auto y = x + attend(norm1_(x), height, width);
  const auto normed = norm2_(y);
  return y + (options_.moe ? moe_(normed, csi) : mlp_(normed));
}

PatchMergingImpl::PatchMergingImpl(int dim, int out_dim)
    : norm_(register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({4 * dim})))),
      reduce_(register_module("reduce", torch::nn::Linear(torch::nn::LinearOptions(4 * dim, out_dim).bias(false)))) {}

torch::Tensor PatchMergingImpl::forward(const torch::Tensor& x, int height, int width) {
  if (height % 2 != 0 || width % 2 != 0) throw std::invalid_argument("PatchMerging: odd map size");
  const auto b = x.size(0), c = x.size(2);
  // [B, H/2, 2, W/2, 2, C] -> the four neighbours side by side.
  const auto merged = x.view({b, height / 2, 2, width / 2, 2, c})
                          .permute({0, 1, 3, 4, 2, 5})
                          .reshape({b, height / 2 * (width / 2), 4 * c});
  return reduce_(norm_(merged));
}

PatchExpandingImpl::PatchExpandingImpl(int dim, int out_dim)
    : out_dim_(out_dim),
      expand_(register_module("expand", torch::nn::Linear(dim, 4 * out_dim))),
      norm_(register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({out_dim})))) {}

torch::Tensor PatchExpandingImpl::forward(const torch::Tensor& x, int height, int width) {
  const auto b = x.size(0);
  // The exact inverse layout of PatchMerging's neighbour order.
  const auto expanded = expand_(x)
                            .view({b, height, width, 2, 2, out_dim_})
                            .permute({0, 1, 4, 2, 3, 5})
                            .reshape({b, 4 * height * width, out_dim_});
  return norm_(expanded);
}

torch::Tensor tokens_to_image(const torch::Tensor& tokens, int height, int width) {
  return tokens.transpose(1, 2).reshape({tokens.size(0), tokens.size(2), height, width});
}

torch::Tensor image_to_tokens(const torch::Tensor& image) { return image.flatten(2).transpose(1, 2); }

}  // namespace moema::jscc
