// The Swin building blocks against independent expectations: hand-written
// windows, masks and relative position indices, locality of (shifted) window
// attention, and the 2x2 neighbour layout of patch merging / expanding
// checked with identity weights against a concatenation built in the test.
#include "moema/jscc/swin.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace moema::jscc {
namespace {

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

std::vector<float> values(const torch::Tensor& t) {
  const auto c = t.to(torch::kFloat).contiguous().flatten();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// Sets a named parameter of a module (under no_grad).
void set_parameter(torch::nn::Module& module, const std::string& name, const torch::Tensor& value) {
  torch::NoGradGuard guard;
  auto params = module.named_parameters();
  ASSERT_TRUE(params.contains(name)) << name;
  ASSERT_EQ(params[name].sizes(), value.sizes()) << name;
  params[name].copy_(value);
}

// ---------------------------------------------------------------- windows

TEST(SwinWindowPartition, FourByFourIntoTwoByTwoWindows) {
  const auto x = torch::arange(16, torch::kFloat).view({1, 4, 4, 1});
  const auto windows = window_partition(x, 2);
  ASSERT_EQ(windows.sizes(), (std::vector<int64_t>{4, 4, 1}));
  const std::vector<std::vector<float>> expected{{0, 1, 4, 5}, {2, 3, 6, 7}, {8, 9, 12, 13}, {10, 11, 14, 15}};
  for (int w = 0; w < 4; ++w) EXPECT_EQ(values(windows[w]), expected[w]) << "window " << w;
}

TEST(SwinWindowPartition, BatchMajorThenRowMajorWindowsKeepChannels) {
  // Two images, two channels: channel 1 = 100 + channel 0, image 1 = image 0 + 1000.
  const auto base = torch::arange(16, torch::kFloat).view({1, 4, 4, 1});
  const auto image = torch::cat({base, base + 100}, 3);
  const auto x = torch::cat({image, image + 1000}, 0);  // [2, 4, 4, 2]
  const auto windows = window_partition(x, 2);
  ASSERT_EQ(windows.sizes(), (std::vector<int64_t>{8, 4, 2}));
  // Window 5 = image 1, window 1 (top right): pixels 2, 3, 6, 7.
  EXPECT_EQ(values(windows[5].select(1, 0)), (std::vector<float>{1002, 1003, 1006, 1007}));
  EXPECT_EQ(values(windows[5].select(1, 1)), (std::vector<float>{1102, 1103, 1106, 1107}));
  // Window 2 = image 0, bottom left.
  EXPECT_EQ(values(windows[2].select(1, 0)), (std::vector<float>{8, 9, 12, 13}));
}

TEST(SwinWindowPartition, ReverseInvertsPartition) {
  torch::manual_seed(3);
  const auto x = torch::randn({2, 8, 12, 3});
  const auto windows = window_partition(x, 4);
  ASSERT_EQ(windows.sizes(), (std::vector<int64_t>{2 * 2 * 3, 16, 3}));
  EXPECT_TRUE(torch::equal(window_reverse(windows, 4, 8, 12), x));
  // And the other way round.
  const auto w = torch::randn({12, 16, 3});
  EXPECT_TRUE(torch::equal(window_partition(window_reverse(w, 4, 8, 12), 4), w));
}

TEST(SwinWindowPartition, NonMultipleSizesThrow) {
  EXPECT_THROW(window_partition(torch::zeros({1, 6, 8, 1}), 4), std::invalid_argument);
  EXPECT_THROW(window_partition(torch::zeros({1, 8, 6, 1}), 4), std::invalid_argument);
  EXPECT_THROW(window_partition(torch::zeros({1, 5, 5, 1}), 2), std::invalid_argument);
  EXPECT_NO_THROW(window_partition(torch::zeros({1, 8, 4, 1}), 4));
}

// ---------------------------------------------------------------- shifted window mask

// The mask from a region-label grid: [nW, w*w, w*w], 0 for equal labels, -100 otherwise.
torch::Tensor mask_from_labels(const std::vector<std::vector<int>>& labels, int window) {
  const int h = static_cast<int>(labels.size()), w = static_cast<int>(labels[0].size());
  const int per = window * window;
  std::vector<torch::Tensor> masks;
  for (int wy = 0; wy < h / window; ++wy) {
    for (int wx = 0; wx < w / window; ++wx) {
      std::vector<int> l;
      for (int y = 0; y < window; ++y)
        for (int x = 0; x < window; ++x) l.push_back(labels[wy * window + y][wx * window + x]);
      auto m = torch::zeros({per, per});
      for (int i = 0; i < per; ++i)
        for (int j = 0; j < per; ++j)
          if (l[i] != l[j]) m[i][j] = -100.0;
      masks.push_back(m);
    }
  }
  return torch::stack(masks);
}

TEST(SwinShiftedWindowMask, FourByFourWindowTwoShiftOneMatchesHandBuiltMask) {
  // After the cyclic shift by 1, rows {0,1},{2},{3} x cols {0,1},{2},{3}.
  const std::vector<std::vector<int>> labels{
      {0, 0, 1, 2},
      {0, 0, 1, 2},
      {3, 3, 4, 5},
      {6, 6, 7, 8},
  };
  const auto expected = mask_from_labels(labels, 2);
  const auto mask = shifted_window_mask(4, 4, 2, 1);
  ASSERT_EQ(mask.sizes(), (std::vector<int64_t>{4, 4, 4}));
  EXPECT_TRUE(torch::equal(mask.to(torch::kFloat), expected)) << mask;
  // Spelled out: window 1 (top right) holds labels 1,2,1,2.
  EXPECT_EQ(values(mask[1]), (std::vector<float>{0, -100, 0, -100,  //
                                                 -100, 0, -100, 0,  //
                                                 0, -100, 0, -100,  //
                                                 -100, 0, -100, 0}));
  // Window 3 (bottom right): four different labels, only the diagonal is 0.
  EXPECT_EQ(values(mask[3]), (std::vector<float>{0, -100, -100, -100,  //
                                                 -100, 0, -100, -100,  //
                                                 -100, -100, 0, -100,  //
                                                 -100, -100, -100, 0}));
}

TEST(SwinShiftedWindowMask, EightByEightWindowFourShiftTwoCounts) {
  const auto mask = shifted_window_mask(8, 8, 4, 2);
  ASSERT_EQ(mask.sizes(), (std::vector<int64_t>{4, 16, 16}));
  // Only 0 and -100 occur.
  EXPECT_EQ(((mask == 0) | (mask == -100)).all().item<bool>(), true);
  // Top left window: one region, no masking.
  EXPECT_EQ((mask[0] == 0).sum().item<int64_t>(), 256);
  // Top right: two regions of 8 tokens (cols 4-5, cols 6-7): 2 * 8 * 8 = 128
  // pairs allowed, 256 - 128 = 128 masked.
  EXPECT_EQ((mask[1] == -100).sum().item<int64_t>(), 128);
  EXPECT_EQ((mask[2] == -100).sum().item<int64_t>(), 128);
  // Bottom right: four regions of 4 tokens: 4 * 4 * 4 = 64 allowed, 192 masked.
  EXPECT_EQ((mask[3] == -100).sum().item<int64_t>(), 192);
  // Symmetric, zero diagonal.
  EXPECT_TRUE(torch::equal(mask, mask.transpose(1, 2)));
  EXPECT_EQ(mask.diagonal(0, 1, 2).abs().sum().item<double>(), 0.0);
  // Bottom right, token 0 (row 4, col 4) and token 5 (row 5, col 5) share a
  // region; token 0 and token 2 (row 4, col 6) do not; token 10 (row 6, col 6)
  // and token 15 (row 7, col 7) do.
  EXPECT_EQ(mask[3][0][5].item<float>(), 0.0f);
  EXPECT_EQ(mask[3][0][2].item<float>(), -100.0f);
  EXPECT_EQ(mask[3][10][15].item<float>(), 0.0f);
  EXPECT_EQ(mask[3][8][2].item<float>(), -100.0f);
}

// ---------------------------------------------------------------- relative position index

TEST(SwinRelativePositionIndex, WindowTwoFullMatrix) {
  // Tokens 0=(0,0) 1=(0,1) 2=(1,0) 3=(1,1); index = (dy+1)*3 + (dx+1).
  const std::vector<int64_t> expected{4, 3, 1, 0,  //
                                      5, 4, 2, 1,  //
                                      7, 6, 4, 3,  //
                                      8, 7, 5, 4};
  const auto index = relative_position_index(2);
  ASSERT_EQ(index.sizes(), (std::vector<int64_t>{4, 4}));
  ASSERT_EQ(index.scalar_type(), torch::kLong);
  const auto flat = index.contiguous().flatten();
  EXPECT_EQ(std::vector<int64_t>(flat.data_ptr<int64_t>(), flat.data_ptr<int64_t>() + 16), expected);
}

TEST(SwinRelativePositionIndex, WindowFourRangeAndFormula) {
  const int w = 4;
  const auto index = relative_position_index(w);
  ASSERT_EQ(index.sizes(), (std::vector<int64_t>{16, 16}));
  for (int q = 0; q < 16; ++q)
    for (int k = 0; k < 16; ++k) {
      const int dy = q / w - k / w, dx = q % w - k % w;
      ASSERT_EQ(index[q][k].item<int64_t>(), (dy + w - 1) * (2 * w - 1) + (dx + w - 1)) << q << "," << k;
    }
  EXPECT_EQ(std::get<0>(at::_unique(index.flatten())).numel(), 49);  // all (2w-1)^2 offsets occur
}

// ---------------------------------------------------------------- window attention

TEST(SwinWindowAttention, ShapeAndWrongTokenCountThrows) {
  torch::manual_seed(1);
  WindowAttention attention(8, 4, 2);
  const auto x = torch::randn({3, 16, 8});
  EXPECT_EQ(attention(x).sizes(), x.sizes());
  EXPECT_THROW(attention(torch::randn({3, 9, 8})), std::invalid_argument);
  EXPECT_THROW(WindowAttention(10, 4, 3), std::invalid_argument);
}

TEST(SwinWindowAttention, ZeroMaskEqualsNoMask) {
  torch::manual_seed(2);
  WindowAttention attention(8, 2, 2);
  const auto x = torch::randn({2 * 4, 4, 8});
  const auto zero = torch::zeros({4, 4, 4});
  EXPECT_LT(max_abs_diff(attention(x, zero), attention(x)), 1e-6);
}

TEST(SwinWindowAttention, MaskBlocksOtherTokensPerWindow) {
  torch::manual_seed(4);
  WindowAttention attention(8, 2, 2);
  // Two images of two windows; window 0 of each image masks every pair of
  // different tokens (each token sees only itself), window 1 is unmasked.
  auto mask = torch::zeros({2, 4, 4});
  mask[0] = torch::full({4, 4}, -100.0) * (1 - torch::eye(4));
  const auto x = torch::randn({4, 4, 8});
  const auto before = attention(x, mask);
  auto changed = x.clone();
  changed.select(1, 3) += torch::randn({4, 8});  // token 3 of every window
  const auto after = attention(changed, mask);
  for (int w : {0, 2}) {  // masked windows: tokens 0-2 do not see token 3
    EXPECT_LT(max_abs_diff(before[w].slice(0, 0, 3), after[w].slice(0, 0, 3)), 1e-6) << "window " << w;
    EXPECT_GT(max_abs_diff(before[w][3], after[w][3]), 1e-3);
  }
  for (int w : {1, 3})  // unmasked windows: they do
    EXPECT_GT(max_abs_diff(before[w].slice(0, 0, 3), after[w].slice(0, 0, 3)), 1e-4) << "window " << w;
}

// ---------------------------------------------------------------- Swin block locality

struct Pixel {
  int y, x;
};

// Output tokens of `block` on an 8x8 map before and after perturbing the token at `changed`.
std::pair<torch::Tensor, torch::Tensor> perturb(SwinBlock& block, Pixel changed) {
  torch::manual_seed(11);
  const auto x = torch::randn({2, 64, 16});
  auto y = x.clone();
  y[0][changed.y * 8 + changed.x] += 3 * torch::randn({16});
  torch::NoGradGuard guard;
  return {block->forward(x, 8, 8, {}), block->forward(y, 8, 8, {})};
}

double token_change(const std::pair<torch::Tensor, torch::Tensor>& out, Pixel p) {
  return max_abs_diff(out.first[0][p.y * 8 + p.x], out.second[0][p.y * 8 + p.x]);
}

TEST(SwinBlockLocality, UnshiftedWindowsAreIndependent) {
  torch::manual_seed(5);
  SwinBlockOptions o;
  o.dim = 16, o.heads = 2, o.window = 4, o.shifted = false;
  SwinBlock block(o);
  const auto out = perturb(block, {0, 0});
  // Windows rows/cols {0..3}, {4..7}.
  for (Pixel p : {Pixel{0, 0}, Pixel{3, 3}, Pixel{1, 2}, Pixel{3, 0}})
    EXPECT_GT(token_change(out, p), 1e-4) << p.y << "," << p.x;
  for (Pixel p : {Pixel{0, 4}, Pixel{4, 0}, Pixel{4, 4}, Pixel{7, 7}, Pixel{3, 4}})
    EXPECT_LT(token_change(out, p), 1e-6) << p.y << "," << p.x;
  // The other image of the batch is untouched.
  EXPECT_LT(max_abs_diff(out.first[1], out.second[1]), 1e-6);
}

TEST(SwinBlockLocality, ShiftedWindowsFollowTheShiftAndTheMask) {
  torch::manual_seed(6);
  SwinBlockOptions o;
  o.dim = 16, o.heads = 2, o.window = 4, o.shifted = true;  // shift 2
  SwinBlock block(o);
  // Shifted windows in map coordinates: rows and cols {2..5} form a window;
  // {6,7,0,1} are cyclically one window but the mask splits it into {6,7}
  // and {0,1}.
  {
    const auto out = perturb(block, {3, 3});
    for (Pixel p : {Pixel{3, 3}, Pixel{2, 2}, Pixel{5, 5}, Pixel{2, 5}, Pixel{5, 2}})
      EXPECT_GT(token_change(out, p), 1e-4) << p.y << "," << p.x;
    // Same unshifted window (0..3) but another shifted one.
    for (Pixel p : {Pixel{0, 0}, Pixel{1, 1}, Pixel{3, 1}, Pixel{1, 3}, Pixel{6, 3}, Pixel{3, 6}, Pixel{7, 7}})
      EXPECT_LT(token_change(out, p), 1e-6) << p.y << "," << p.x;
  }
  {
    const auto out = perturb(block, {0, 0});
    // Region {0,1} x {0,1}.
    for (Pixel p : {Pixel{0, 1}, Pixel{1, 0}, Pixel{1, 1}}) EXPECT_GT(token_change(out, p), 1e-4) << p.y << "," << p.x;
    // The wrapped window's other regions: masked.
    for (Pixel p : {Pixel{7, 7}, Pixel{6, 6}, Pixel{0, 7}, Pixel{7, 0}, Pixel{6, 1}, Pixel{1, 6}})
      EXPECT_LT(token_change(out, p), 1e-6) << p.y << "," << p.x;
    // Another window altogether.
    for (Pixel p : {Pixel{2, 2}, Pixel{3, 3}, Pixel{0, 2}}) EXPECT_LT(token_change(out, p), 1e-6) << p.y << "," << p.x;
  }
}

TEST(SwinBlock, ShiftIsDroppedWhenTheMapEqualsTheWindow) {
  torch::manual_seed(7);
  SwinBlockOptions o;
  o.dim = 8, o.heads = 2, o.window = 4;
  o.shifted = false;
  SwinBlock plain(o);
  o.shifted = true;
  SwinBlock shifted(o);
  // Same weights: copy the plain block's parameters.
  {
    torch::NoGradGuard guard;
    auto src = plain->named_parameters();
    for (auto& p : shifted->named_parameters()) p.value().copy_(src[p.key()]);
  }
  const auto x = torch::randn({2, 16, 8});
  EXPECT_LT(max_abs_diff(plain->forward(x, 4, 4, {}), shifted->forward(x, 4, 4, {})), 1e-6);
  // On an 8x8 map the shift matters.
  const auto y = torch::randn({2, 64, 8});
  EXPECT_GT(max_abs_diff(plain->forward(y, 8, 8, {}), shifted->forward(y, 8, 8, {})), 1e-4);
}

TEST(SwinBlock, MapSmallerThanTheWindowThrowsNamingBoth) {
  SwinBlockOptions o;
  o.dim = 8, o.heads = 2, o.window = 4;
  SwinBlock block(o);
  try {
    block->forward(torch::randn({1, 4, 8}), 2, 2, {});
    FAIL() << "no error for a 2x2 map and a window of 4";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("2x2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("window 4"), std::string::npos) << e.what();
  }
}

TEST(SwinBlock, MoeBlockUsesTheRouterAndKeepsShape) {
  torch::manual_seed(8);
  SwinBlockOptions o;
  o.dim = 8, o.heads = 2, o.window = 4, o.moe = true;
  o.moe_options.csi_dim = 2;
  SwinBlock block(o);
  ASSERT_TRUE(static_cast<bool>(block->moe()));
  const auto x = torch::randn({2, 16, 8});
  const auto y = block->forward(x, 4, 4, torch::tensor({{10.0f, 12.0f}, {0.0f, 3.0f}}));
  EXPECT_EQ(y.sizes(), x.sizes());
  EXPECT_EQ(block->moe()->last_routing().probs.sizes(), (std::vector<int64_t>{2, 16, 5}));
  SwinBlockOptions plain_options = o;
  plain_options.moe = false;
  EXPECT_FALSE(static_cast<bool>(SwinBlock(plain_options)->moe()));
}

// ---------------------------------------------------------------- patch merging / expanding

TEST(SwinPatchMerging, NeighbourLayoutWithIdentityWeights) {
  const int c = 2, h = 4, w = 6;
  PatchMerging merge(c, 4 * c);
  set_parameter(*merge, "reduce.weight", torch::eye(4 * c));
  // Pixel (y, x) channel k holds 100 y + 10 x + k.
  auto image = torch::zeros({1, h * w, c});
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) image[0][y * w + x][k] = 100.0 * y + 10.0 * x + k;
  const auto out = merge(image, h, w);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{1, (h / 2) * (w / 2), 4 * c}));
  // Swin's order: (0,0), (1,0), (0,1), (1,1) as (dy, dx), channels inside.
  const int offsets[4][2] = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};
  for (int i = 0; i < h / 2; ++i)
    for (int j = 0; j < w / 2; ++j) {
      std::vector<float> concat;
      for (const auto& o : offsets)
        for (int k = 0; k < c; ++k) concat.push_back(100.0f * (2 * i + o[0]) + 10.0f * (2 * j + o[1]) + k);
      const auto expected = torch::layer_norm(torch::tensor(concat), {4 * c});
      EXPECT_LT(max_abs_diff(out[0][i * (w / 2) + j], expected), 1e-5) << i << "," << j;
    }
}

TEST(SwinPatchMerging, EachTokenDependsOnlyOnItsTwoByTwoBlock) {
  torch::manual_seed(9);
  PatchMerging merge(3, 5);
  const auto x = torch::randn({2, 8 * 8, 3});
  auto y = x.clone();
  // Change pixel (5, 2): block (2, 1), token 2*4+1 = 9.
  y[1][5 * 8 + 2] += torch::randn({3});
  const auto a = merge(x, 8, 8), b = merge(y, 8, 8);
  ASSERT_EQ(a.sizes(), (std::vector<int64_t>{2, 16, 5}));
  EXPECT_GT(max_abs_diff(a[1][9], b[1][9]), 1e-4);
  auto others = torch::ones({2, 16}, torch::kBool);
  others[1][9] = false;
  EXPECT_LT(max_abs_diff(a.index({others}), b.index({others})), 1e-6);
  EXPECT_THROW(merge(torch::randn({1, 15, 3}), 3, 5), std::invalid_argument);
}

TEST(SwinPatchExpanding, NeighbourLayoutWithIdentityWeights) {
  const int out_c = 2, h = 2, w = 3;
  PatchExpanding expand(4 * out_c, out_c);
  set_parameter(*expand, "expand.weight", torch::eye(4 * out_c));
  set_parameter(*expand, "expand.bias", torch::zeros({4 * out_c}));
  torch::manual_seed(10);
  const auto x = torch::randn({1, h * w, 4 * out_c});
  const auto out = expand(x, h, w);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{1, 4 * h * w, out_c}));
  // Chunk k of token (i, j) goes to pixel (2i + dy, 2j + dx), the same order
  // as PatchMerging's concatenation: (0,0), (1,0), (0,1), (1,1).
  const int offsets[4][2] = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};
  for (int i = 0; i < h; ++i)
    for (int j = 0; j < w; ++j)
      for (int k = 0; k < 4; ++k) {
        const auto chunk = x[0][i * w + j].slice(0, k * out_c, (k + 1) * out_c);
        const int py = 2 * i + offsets[k][0], px = 2 * j + offsets[k][1];
        EXPECT_LT(max_abs_diff(out[0][py * (2 * w) + px], torch::layer_norm(chunk, {out_c})), 1e-5)
            << i << "," << j << " chunk " << k;
      }
}

TEST(SwinTokens, ImageTokenLayoutIsRowMajor) {
  const auto image = torch::arange(2 * 3 * 4 * 5, torch::kFloat).view({2, 3, 4, 5});
  const auto tokens = image_to_tokens(image);
  ASSERT_EQ(tokens.sizes(), (std::vector<int64_t>{2, 20, 3}));
  // Token y*W + x, channel c = image[b][c][y][x].
  for (int b = 0; b < 2; ++b)
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 5; ++x)
          ASSERT_EQ(tokens[b][y * 5 + x][c].item<float>(), ((b * 3 + c) * 4 + y) * 5 + x);
  EXPECT_TRUE(torch::equal(tokens_to_image(tokens, 4, 5), image));
}

}  // namespace
}  // namespace moema::jscc
