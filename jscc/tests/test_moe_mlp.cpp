// The AD-MoE MLP and its routing losses against independent expectations:
// adaptive top-k on hand-ranked probabilities, the layer against a dense
// reference that runs every expert on every token from the layer's own
// weights, and each loss (and its straight-through gradient) against numbers
// worked out by hand.
#include "moema/jscc/losses.hpp"
#include "moema/jscc/moe_mlp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace moema::jscc {
namespace {

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

std::vector<bool> bools(const torch::Tensor& mask) {
  const auto flat = mask.to(torch::kBool).contiguous().flatten();
  std::vector<bool> out;
  for (int64_t i = 0; i < flat.numel(); ++i) out.push_back(flat[i].item<bool>());
  return out;
}

torch::Tensor row(std::vector<float> v) { return torch::tensor(v, torch::kFloat); }

// ---------------------------------------------------------------- adaptive top-k

TEST(MoeTopK, GapsBelowThresholdJoin) {
  const auto p = row({0.5f, 0.3f, 0.1f, 0.06f, 0.04f});
  // Gaps 0.2, 0.2, 0.04, 0.02: with threshold 0.25 ranks 2 and 3 join, max_k stops at 3.
  EXPECT_EQ(bools(adaptive_topk_mask(p, 3, 0.25)), (std::vector<bool>{true, true, true, false, false}));
  // Threshold 0.15: the first gap 0.2 is too large, only the best.
  EXPECT_EQ(bools(adaptive_topk_mask(p, 3, 0.15)), (std::vector<bool>{true, false, false, false, false}));
  // Threshold 0: never another one.
  EXPECT_EQ(bools(adaptive_topk_mask(p, 5, 0.0)), (std::vector<bool>{true, false, false, false, false}));
}

TEST(MoeTopK, MaxKCaps) {
  const auto p = row({0.5f, 0.3f, 0.1f, 0.06f, 0.04f});
  EXPECT_EQ(bools(adaptive_topk_mask(p, 1, 1.0)), (std::vector<bool>{true, false, false, false, false}));
  EXPECT_EQ(bools(adaptive_topk_mask(p, 2, 1.0)), (std::vector<bool>{true, true, false, false, false}));
  EXPECT_EQ(bools(adaptive_topk_mask(p, 4, 1.0)), (std::vector<bool>{true, true, true, true, false}));
  EXPECT_EQ(bools(adaptive_topk_mask(p, 5, 1.0)), (std::vector<bool>{true, true, true, true, true}));
  EXPECT_THROW(adaptive_topk_mask(p, 0, 0.1), std::invalid_argument);
  EXPECT_THROW(adaptive_topk_mask(p, 6, 0.1), std::invalid_argument);
}

TEST(MoeTopK, MaskIsInExpertOrderNotRankOrder) {
  // Ranked: expert 1 (0.45), 3 (0.38), 2 (0.10), 0 (0.05), 4 (0.02).
  // Gaps 0.07, 0.28: with threshold 0.1 experts 1 and 3.
  const auto p = row({0.05f, 0.45f, 0.10f, 0.38f, 0.02f});
  EXPECT_EQ(bools(adaptive_topk_mask(p, 3, 0.1)), (std::vector<bool>{false, true, false, true, false}));
  EXPECT_EQ(bools(adaptive_topk_mask(p, 3, 0.05)), (std::vector<bool>{false, true, false, false, false}));
  EXPECT_EQ(bools(adaptive_topk_mask(p, 3, 0.3)), (std::vector<bool>{false, true, true, true, false}));
  // Another order: ranked 4 (0.4), 0 (0.3), 2 (0.2).
  const auto q = row({0.3f, 0.05f, 0.2f, 0.05f, 0.4f});
  EXPECT_EQ(bools(adaptive_topk_mask(q, 3, 0.15)), (std::vector<bool>{true, false, true, false, true}));
}

TEST(MoeTopK, ChainStopsAtTheFirstLargeGap) {
  // Gaps 0.2, 0.01, 0.08, 0.01: the 0.2 gap ends the chain although the later gaps are small.
  const auto p = row({0.4f, 0.2f, 0.19f, 0.11f, 0.1f});
  EXPECT_EQ(bools(adaptive_topk_mask(p, 5, 0.1)), (std::vector<bool>{true, false, false, false, false}));
  // Gaps 0.01, 0.2: two, then stop.
  const auto q = row({0.4f, 0.39f, 0.19f, 0.01f, 0.01f});
  EXPECT_EQ(bools(adaptive_topk_mask(q, 5, 0.1)), (std::vector<bool>{true, true, false, false, false}));
}

TEST(MoeTopK, Ties) {
  const auto p = row({0.1f, 0.3f, 0.3f, 0.2f, 0.1f});
  // A tie has gap 0: joins for any positive threshold.
  EXPECT_EQ(bools(adaptive_topk_mask(p, 3, 0.05)), (std::vector<bool>{false, true, true, false, false}));
  // Threshold 0 ("gap below 0" never holds): exactly one of the tied experts.
  const auto one = bools(adaptive_topk_mask(p, 3, 0.0));
  EXPECT_EQ(std::count(one.begin(), one.end(), true), 1);
  EXPECT_TRUE(one[1] || one[2]);
  // All equal: max_k of them for any positive threshold.
  const auto flat = torch::full({5}, 0.2f);
  const auto all = bools(adaptive_topk_mask(flat, 3, 0.01));
  EXPECT_EQ(std::count(all.begin(), all.end(), true), 3);
}

TEST(MoeTopK, BatchedRowsAreIndependent) {
  // [2, 3, 5] of the hand cases above, threshold 0.1, max_k 3.
  const std::vector<std::vector<float>> rows{
      {0.5f, 0.3f, 0.1f, 0.06f, 0.04f},   // gap 0.2: {0}
      {0.05f, 0.45f, 0.10f, 0.38f, 0.02f},  // {1, 3}
      {0.4f, 0.39f, 0.19f, 0.01f, 0.01f},  // {0, 1}
      {0.22f, 0.2f, 0.18f, 0.2f, 0.2f},   // ranked 0.22,0.2,0.2,0.2: {0} + two of 1,3,4 (max_k)
      {0.1f, 0.1f, 0.1f, 0.1f, 0.6f},     // {4}
      {0.35f, 0.05f, 0.28f, 0.02f, 0.3f},  // ranked 0, 4, 2 (gaps 0.05, 0.02): {0, 2, 4}
  };
  std::vector<float> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  const auto probs = torch::tensor(flat).view({2, 3, 5});
  const auto mask = adaptive_topk_mask(probs, 3, 0.1);
  ASSERT_EQ(mask.sizes(), (std::vector<int64_t>{2, 3, 5}));
  ASSERT_EQ(mask.scalar_type(), torch::kBool);
  EXPECT_EQ(bools(mask[0][0]), (std::vector<bool>{true, false, false, false, false}));
  EXPECT_EQ(bools(mask[0][1]), (std::vector<bool>{false, true, false, true, false}));
  EXPECT_EQ(bools(mask[0][2]), (std::vector<bool>{true, true, false, false, false}));
  const auto r3 = bools(mask[1][0]);
  EXPECT_TRUE(r3[0]);
  EXPECT_FALSE(r3[2]);
  EXPECT_EQ(std::count(r3.begin(), r3.end(), true), 3);
  EXPECT_EQ(bools(mask[1][1]), (std::vector<bool>{false, false, false, false, true}));
  EXPECT_EQ(bools(mask[1][2]), (std::vector<bool>{true, false, true, false, true}));
}

TEST(MoeTopK, RandomRowsSelectTheBestRanksWithinMaxK) {
  torch::manual_seed(21);
  const int max_k = 3;
  const auto probs = torch::softmax(2 * torch::randn({4, 50, 6}), -1);
  const auto mask = adaptive_topk_mask(probs, max_k, 0.1);
  const auto counts = mask.sum(-1);
  EXPECT_GE(counts.min().item<int64_t>(), 1);
  EXPECT_LE(counts.max().item<int64_t>(), max_k);
  const double mean = counts.to(torch::kDouble).mean().item<double>();
  EXPECT_GE(mean, 1.0);
  EXPECT_LE(mean, max_k);
  // The argmax is always in; every selected weight >= every unselected one;
  // and each selected rank's gap to the next higher rank is below the threshold.
  const auto best = probs.argmax(-1, true);
  EXPECT_TRUE(mask.gather(-1, best).all().item<bool>());
  const auto min_selected = probs.masked_fill(~mask, 2.0).amin(-1);
  const auto max_unselected = probs.masked_fill(mask, -1.0).amax(-1);
  EXPECT_TRUE((min_selected >= max_unselected).all().item<bool>());
  const auto acc = probs.accessor<float, 3>();
  const auto m = mask.accessor<bool, 3>();
  for (int b = 0; b < 4; ++b)
    for (int l = 0; l < 50; ++l) {
      std::vector<float> sel, all;
      for (int e = 0; e < 6; ++e) {
        all.push_back(acc[b][l][e]);
        if (m[b][l][e]) sel.push_back(acc[b][l][e]);
      }
      std::sort(sel.rbegin(), sel.rend());
      std::sort(all.rbegin(), all.rend());
      for (size_t i = 1; i < sel.size(); ++i) ASSERT_LT(sel[i - 1] - sel[i], 0.1f);
      // Stopped because of max_k or because the next gap is not below the threshold.
      if (static_cast<int>(sel.size()) < max_k) ASSERT_GE(all[sel.size() - 1] - all[sel.size()], 0.1f);
    }
}

// ---------------------------------------------------------------- options

TEST(MoeOptions, JsonRoundTripAndValidation) {
  MoeOptions o;
  o.routed_experts = 7, o.shared_experts = 2, o.expert_ratio = 3, o.max_k = 4, o.threshold = 0.05, o.csi_dim = 4;
  o.shared_ratio = 5, o.zero_init_routed = true, o.csi_unit_db = 2.5;
  const auto back = MoeOptions::from_json(o.to_json());
  EXPECT_DOUBLE_EQ(back.csi_unit_db, 2.5);
  EXPECT_EQ(back.routed_experts, 7);
  EXPECT_EQ(back.shared_experts, 2);
  EXPECT_EQ(back.expert_ratio, 3);
  EXPECT_EQ(back.shared_ratio, 5);
  EXPECT_TRUE(back.zero_init_routed);
  EXPECT_EQ(back.max_k, 4);
  EXPECT_DOUBLE_EQ(back.threshold, 0.05);
  EXPECT_EQ(back.csi_dim, 4);
  EXPECT_EQ(back.to_json(), o.to_json());
  // Missing keys take the defaults.
  const auto defaults = MoeOptions::from_json(nlohmann::json::object());
  EXPECT_EQ(defaults.routed_experts, MoeOptions{}.routed_experts);
  EXPECT_EQ(defaults.max_k, MoeOptions{}.max_k);
  EXPECT_DOUBLE_EQ(defaults.csi_unit_db, 10.0);  // what archives from before the option used
  EXPECT_THROW(MoeOptions::from_json({{"csi_unit_db", 0.0}}), std::invalid_argument);
  EXPECT_THROW(MoeOptions::from_json({{"routed_experts", 0}}), std::invalid_argument);
  EXPECT_THROW(MoeOptions::from_json({{"routed_experts", 3}, {"max_k", 4}}), std::invalid_argument);
  EXPECT_THROW(MoeOptions::from_json({{"max_k", 0}}), std::invalid_argument);
  EXPECT_THROW(MoeOptions::from_json({{"threshold", -0.1}}), std::invalid_argument);
  EXPECT_THROW(MoeOptions::from_json({{"shared_ratio", 0}}), std::invalid_argument);
}

TEST(MoeOptions, ArchiveWithoutSharedRatioHasSharedExpertsAsWideAsRoutedOnes) {
  const auto legacy = MoeOptions::from_json({{"expert_ratio", 3}});
  EXPECT_EQ(legacy.shared_ratio, 3);
  EXPECT_FALSE(legacy.zero_init_routed);
}

// ---------------------------------------------------------------- the layer

// fc2(GELU(fc1(x))) from the named parameters PREFIX.fc1.weight, ...
torch::Tensor expert_reference(const torch::OrderedDict<std::string, torch::Tensor>& p, const std::string& prefix,
                               const torch::Tensor& x) {
  const auto h = torch::gelu(torch::linear(x, p[prefix + ".fc1.weight"], p[prefix + ".fc1.bias"]));
  return torch::linear(h, p[prefix + ".fc2.weight"], p[prefix + ".fc2.bias"]);
}

// Every expert on every token, combined with the routing's probabilities
// renormalised over its mask, plus the shared experts.
torch::Tensor dense_reference(AdaptiveMoeMlp& moe, const torch::Tensor& x) {
  const auto p = moe->named_parameters();
  const auto& o = moe->options();
  const auto& r = moe->last_routing();
  auto out = torch::zeros_like(x);
  for (int s = 0; s < o.shared_experts; ++s) out = out + expert_reference(p, "shared." + std::to_string(s), x);
  const auto selected = r.probs * r.mask.to(r.probs.dtype());
  const auto weights = selected / selected.sum(-1, true);
  for (int e = 0; e < o.routed_experts; ++e)
    out = out + weights.select(-1, e).unsqueeze(-1) * expert_reference(p, "routed." + std::to_string(e), x);
  return out;
}

TEST(MoeLayer, EqualsDenseReference) {
  torch::manual_seed(31);
  MoeOptions o;
  o.routed_experts = 5, o.shared_experts = 2, o.expert_ratio = 2, o.max_k = 3, o.threshold = 0.1, o.csi_dim = 2;
  AdaptiveMoeMlp moe(8, o);
  // Sharpen the router so that tokens pick different numbers of experts.
  {
    torch::NoGradGuard guard;
    moe->named_parameters()["router.weight"].mul_(6);
  }
  const auto x = torch::randn({3, 20, 8});
  const auto csi = torch::tensor({{0.0f, 5.0f}, {10.0f, 10.0f}, {-5.0f, 20.0f}});
  torch::NoGradGuard guard;
  const auto y = moe(x, csi);
  ASSERT_EQ(y.sizes(), x.sizes());
  const auto& r = moe->last_routing();
  ASSERT_EQ(r.probs.sizes(), (std::vector<int64_t>{3, 20, 5}));
  ASSERT_EQ(r.mask.sizes(), (std::vector<int64_t>{3, 20, 5}));
  EXPECT_LT(max_abs_diff(r.probs.sum(-1), torch::ones({3, 20})), 1e-5);
  EXPECT_TRUE(torch::equal(r.mask, adaptive_topk_mask(r.probs, o.max_k, o.threshold)));
  const auto counts = r.mask.sum(-1);
  EXPECT_GT(counts.max().item<int64_t>(), counts.min().item<int64_t>()) << "test needs varied selections";
  EXPECT_LT(max_abs_diff(y, dense_reference(moe, x)), 1e-5);
}

TEST(MoeLayer, ExpertWidthsFollowTheirRatios) {
  MoeOptions o;
  o.expert_ratio = 2, o.shared_ratio = 4;
  AdaptiveMoeMlp moe(8, o);
  const auto p = moe->named_parameters();
  EXPECT_EQ(p["shared.0.fc1.weight"].sizes(), (std::vector<int64_t>{32, 8}));
  EXPECT_EQ(p["shared.0.fc2.weight"].sizes(), (std::vector<int64_t>{8, 32}));
  EXPECT_EQ(p["routed.0.fc1.weight"].sizes(), (std::vector<int64_t>{16, 8}));
  EXPECT_EQ(p["routed.4.fc2.weight"].sizes(), (std::vector<int64_t>{8, 16}));
}

TEST(MoeLayer, ZeroInitRoutedStartsAsTheSharedExpertsAndStillLearns) {
  torch::manual_seed(35);
  MoeOptions o;
  o.shared_experts = 1, o.zero_init_routed = true;
  AdaptiveMoeMlp moe(8, o);
  const auto x = torch::randn({2, 12, 8});
  const auto y = moe(x, torch::tensor({{3.0f, 4.0f}, {12.0f, 9.0f}}));
  const auto p = moe->named_parameters();
  EXPECT_LT(max_abs_diff(y, expert_reference(p, "shared.0", x)), 1e-6);
  y.pow(2).sum().backward();
  // d/d fc2 of a selected expert is its weight times its hidden activations:
  // not zero. fc1 and the router see the gradient through fc2 = 0: zero.
  double fc2_grad = 0;
  for (int e = 0; e < o.routed_experts; ++e) {
    const auto name = "routed." + std::to_string(e);
    if (p[name + ".fc2.weight"].grad().defined()) fc2_grad += p[name + ".fc2.weight"].grad().abs().sum().item<double>();
    if (p[name + ".fc1.weight"].grad().defined())
      EXPECT_EQ(p[name + ".fc1.weight"].grad().abs().max().item<double>(), 0.0) << name;
  }
  EXPECT_GT(fc2_grad, 0.0);
  EXPECT_EQ(p["router.weight"].grad().abs().max().item<double>(), 0.0);
}

TEST(MoeLayer, RouterSeesTheCsi) {
  torch::manual_seed(32);
  MoeOptions o;
  o.csi_dim = 2;
  AdaptiveMoeMlp moe(8, o);
  const auto x = torch::randn({1, 10, 8});
  torch::NoGradGuard guard;
  moe(x, torch::tensor({{0.0f, 0.0f}}));
  const auto low = moe->last_routing().probs.clone();
  moe(x, torch::tensor({{30.0f, -10.0f}}));
  EXPECT_GT(max_abs_diff(low, moe->last_routing().probs), 1e-4);
}

TEST(MoeLayer, RouterCsiInputInItsUnitByHand) {
  // Only the CSI column of the router is non-zero: logits = w * SNR_dB / unit.
  MoeOptions o;
  o.routed_experts = 2, o.max_k = 2, o.csi_dim = 1, o.csi_unit_db = 2.0;
  AdaptiveMoeMlp moe(4, o);
  auto params = moe->named_parameters();
  torch::NoGradGuard guard;
  params["router.weight"].zero_();
  params["router.bias"].zero_();
  params["router.weight"].index_put_({0, 4}, 1.0f);  // expert 0's logit: SNR_dB / 2
  moe(torch::randn({1, 3, 4}), torch::tensor({{6.0f}}));
  // softmax(3, 0) = (e^3, 1) / (e^3 + 1)
  const double p0 = std::exp(3.0) / (std::exp(3.0) + 1.0);
  EXPECT_LT(max_abs_diff(moe->last_routing().probs, torch::tensor({p0, 1 - p0}).expand({1, 3, 2})), 1e-6);
}

TEST(MoeLayer, HandSetRouterSingleAndTiedExperts) {
  torch::manual_seed(33);
  MoeOptions o;
  o.routed_experts = 4, o.shared_experts = 1, o.max_k = 3, o.threshold = 0.1, o.csi_dim = 1;
  AdaptiveMoeMlp moe(6, o);
  auto params = moe->named_parameters();
  const auto x = torch::randn({2, 5, 6});
  const auto csi = torch::tensor({{3.0f}, {12.0f}});
  {
    // Router ignores the token: expert 2 has weight ~1, alone selected, weight exactly 1.
    torch::NoGradGuard guard;
    params["router.weight"].zero_();
    params["router.bias"].copy_(torch::tensor({0.0f, 0.0f, 20.0f, 0.0f}));
  }
  {
    torch::NoGradGuard guard;
    const auto y = moe(x, csi);
    EXPECT_EQ(bools(moe->last_routing().mask.sum(std::vector<int64_t>{0, 1}) > 0), (std::vector<bool>{false, false, true, false}));
    const auto expected = expert_reference(params, "shared.0", x) + expert_reference(params, "routed.2", x);
    EXPECT_LT(max_abs_diff(y, expected), 1e-5);
  }
  {
    // Experts 0 and 3 tied: both selected, half each.
    torch::NoGradGuard guard;
    params["router.bias"].copy_(torch::tensor({5.0f, 0.0f, 0.0f, 5.0f}));
    const auto y = moe(x, csi);
    const auto mask = moe->last_routing().mask;
    EXPECT_TRUE(mask.select(-1, 0).all().item<bool>());
    EXPECT_TRUE(mask.select(-1, 3).all().item<bool>());
    EXPECT_FALSE(mask.select(-1, 1).any().item<bool>());
    const auto expected = expert_reference(params, "shared.0", x) + 0.5 * expert_reference(params, "routed.0", x) +
                          0.5 * expert_reference(params, "routed.3", x);
    EXPECT_LT(max_abs_diff(y, expected), 1e-5);
  }
  {
    // Sparse dispatch: unselected experts get no gradient.
    params["router.bias"].detach().copy_(torch::tensor({0.0f, 0.0f, 20.0f, 0.0f}));
    moe->zero_grad();
    moe(x, csi).pow(2).sum().backward();
    const auto p = moe->named_parameters();
    EXPECT_GT(p["routed.2.fc1.weight"].grad().abs().sum().item<double>(), 0.0);
    EXPECT_GT(p["shared.0.fc1.weight"].grad().abs().sum().item<double>(), 0.0);
    for (int e : {0, 1, 3}) {
      const auto g = p["routed." + std::to_string(e) + ".fc1.weight"].grad();
      EXPECT_TRUE(!g.defined() || g.abs().sum().item<double>() == 0.0) << "expert " << e;
    }
  }
}

TEST(MoeLayer, GradientsReachTheRouter) {
  torch::manual_seed(34);
  MoeOptions o;
  o.threshold = 1.0;  // always max_k experts, so the renormalised weights depend on the router
  AdaptiveMoeMlp moe(8, o);
  const auto x = torch::randn({2, 12, 8});
  moe(x, torch::tensor({{1.0f, 2.0f}, {20.0f, 15.0f}})).pow(2).sum().backward();
  const auto p = moe->named_parameters();
  for (const char* name : {"router.weight", "router.bias", "router_norm.weight"}) {
    ASSERT_TRUE(p[name].grad().defined()) << name;
    EXPECT_GT(p[name].grad().abs().sum().item<double>(), 0.0) << name;
  }
  // The CSI columns of the router weight too (the last csi_dim inputs).
  EXPECT_GT(p["router.weight"].grad().slice(1, 8, 10).abs().sum().item<double>(), 0.0);
}

TEST(MoeLayer, CsiOfWrongShapeThrows) {
  torch::manual_seed(35);
  MoeOptions o;
  o.csi_dim = 2;
  AdaptiveMoeMlp moe(8, o);
  const auto x = torch::randn({2, 4, 8});
  EXPECT_NO_THROW(moe(x, torch::zeros({2, 2})));
  EXPECT_THROW(moe(x, torch::zeros({2, 3})), std::invalid_argument);
  EXPECT_THROW(moe(x, torch::zeros({1, 2})), std::invalid_argument);
  EXPECT_THROW(moe(x, torch::zeros({2})), std::invalid_argument);
  EXPECT_THROW(moe(x, torch::Tensor()), std::invalid_argument);
  // Without CSI inputs, none is needed.
  o.csi_dim = 0;
  AdaptiveMoeMlp blind(8, o);
  EXPECT_EQ(blind(x, torch::Tensor()).sizes(), x.sizes());
}

// ---------------------------------------------------------------- losses

// One image, four tokens, three experts:
//   token  probs            mask
//   0      0.6 0.3 0.1      1 1 0
//   1      0.5 0.4 0.1      1 1 0
//   2      0.2 0.7 0.1      0 1 0
//   3      0.1 0.2 0.7      0 0 1
// Counts 2, 3, 1 of 6: f = 1/3, 1/2, 1/6. Mean probabilities P = 0.35, 0.4, 0.25.
Routing hand_routing(bool requires_grad = false) {
  Routing r;
  r.probs = torch::tensor({0.6, 0.3, 0.1, 0.5, 0.4, 0.1, 0.2, 0.7, 0.1, 0.1, 0.2, 0.7}, torch::kDouble)
                .view({1, 4, 3})
                .set_requires_grad(requires_grad);
  r.mask = torch::tensor({1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1}).view({1, 4, 3}).to(torch::kBool);
  return r;
}

// Two images, two tokens, two experts:
//   image 0: masks {1,0},{1,0}  -> f = 1, 0
//   image 1: masks {1,1},{0,1}  -> f = 1/3, 2/3
// Over the batch: counts 3, 2 -> f = 0.6, 0.4.
Routing two_image_routing() {
  Routing r;
  r.probs = torch::tensor({0.9, 0.1, 0.8, 0.2, 0.5, 0.5, 0.3, 0.7}, torch::kDouble).view({2, 2, 2});
  r.mask = torch::tensor({1, 0, 1, 0, 1, 1, 0, 1}).view({2, 2, 2}).to(torch::kBool);
  return r;
}

TEST(MoeLoss, ActivationFrequencies) {
  const auto f = activation_frequency(hand_routing());
  EXPECT_LT(max_abs_diff(f, torch::tensor({1.0 / 3, 1.0 / 2, 1.0 / 6}, torch::kDouble)), 1e-12);
  const auto g = activation_frequency(two_image_routing());
  EXPECT_LT(max_abs_diff(g, torch::tensor({0.6, 0.4}, torch::kDouble)), 1e-12);
  const auto per_image = activation_frequency_per_image(two_image_routing());
  ASSERT_EQ(per_image.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_LT(max_abs_diff(per_image, torch::tensor({1.0, 0.0, 1.0 / 3, 2.0 / 3}, torch::kDouble).view({2, 2})), 1e-12);
}

TEST(MoeLoss, LoadBalanceByHand) {
  // E sum f_i P_i = 3 (1/3 * 0.35 + 1/2 * 0.4 + 1/6 * 0.25) = 1.075.
  EXPECT_NEAR(load_balance_loss(hand_routing()).item<double>(), 1.075, 1e-12);
  // Two images: P = (0.9+0.8+0.5+0.3)/4 = 0.625, 0.375; 2 (0.6*0.625 + 0.4*0.375) = 1.05.
  EXPECT_NEAR(load_balance_loss(two_image_routing()).item<double>(), 1.05, 1e-12);
  // Uniform probabilities and uniform use: 1.
  Routing uniform;
  uniform.probs = torch::full({2, 3, 3}, 1.0 / 3, torch::kDouble);
  uniform.mask = torch::eye(3).to(torch::kBool).unsqueeze(0).expand({2, 3, 3});
  EXPECT_NEAR(load_balance_loss(uniform).item<double>(), 1.0, 1e-12);
}

TEST(MoeLoss, EntropyByHand) {
  // One image: sum f log f = 1/3 ln(1/3) + 1/2 ln(1/2) + 1/6 ln(1/6).
  const double one = 1.0 / 3 * std::log(1.0 / 3) + 0.5 * std::log(0.5) + 1.0 / 6 * std::log(1.0 / 6);
  EXPECT_NEAR(one, -1.0114042647, 1e-9);
  EXPECT_NEAR(entropy_loss(hand_routing()).item<double>(), one, 1e-7);
  // Two images: (1 ln(1) + 0 + [1/3 ln(1/3) + 2/3 ln(2/3)]) / 2 = -0.3182571...
  const double two = (0.0 + (1.0 / 3 * std::log(1.0 / 3) + 2.0 / 3 * std::log(2.0 / 3))) / 2;
  EXPECT_NEAR(two, -0.318257084, 1e-8);
  EXPECT_NEAR(entropy_loss(two_image_routing()).item<double>(), two, 1e-7);
  // The minimum, -ln E, at uniform use.
  Routing uniform;
  uniform.probs = torch::full({1, 3, 3}, 1.0 / 3, torch::kDouble);
  uniform.mask = torch::eye(3).to(torch::kBool).unsqueeze(0);
  EXPECT_NEAR(entropy_loss(uniform).item<double>(), -std::log(3.0), 1e-7);
}

TEST(MoeLoss, UtilisationVarianceByHand) {
  // (1/3) [(1/3-1/3)^2 + (1/2-1/3)^2 + (1/6-1/3)^2] = (1/3)(2/36) = 1/54.
  EXPECT_NEAR(utilisation_variance_loss(hand_routing()).item<double>(), 1.0 / 54, 1e-12);
  // (1/2) [(0.6-0.5)^2 + (0.4-0.5)^2] = 0.01.
  EXPECT_NEAR(utilisation_variance_loss(two_image_routing()).item<double>(), 0.01, 1e-12);
}

TEST(MoeLoss, RoutingLossIsTheWeightedMeanOverLayers) {
  LossWeights w;
  w.load_balance = 0.5, w.entropy = 0.25, w.variance = 2.0;
  const double ent_one = 1.0 / 3 * std::log(1.0 / 3) + 0.5 * std::log(0.5) + 1.0 / 6 * std::log(1.0 / 6);
  const double ent_two = (1.0 / 3 * std::log(1.0 / 3) + 2.0 / 3 * std::log(2.0 / 3)) / 2;
  const double layer_one = 0.5 * 1.075 + 0.25 * ent_one + 2.0 * (1.0 / 54);
  const double layer_two = 0.5 * 1.05 + 0.25 * ent_two + 2.0 * 0.01;
  EXPECT_NEAR(routing_loss({hand_routing()}, w).item<double>(), layer_one, 1e-7);
  EXPECT_NEAR(routing_loss({hand_routing(), two_image_routing()}, w).item<double>(), (layer_one + layer_two) / 2,
              1e-7);
  const auto empty = routing_loss({}, w);
  EXPECT_EQ(empty.numel(), 1);
  EXPECT_EQ(empty.item<double>(), 0.0);
}

TEST(MoeLoss, LossWeightsJsonRoundTrip) {
  LossWeights w;
  w.load_balance = 0.3, w.entropy = 0.02, w.variance = 0.7;
  const auto back = LossWeights::from_json(w.to_json());
  EXPECT_DOUBLE_EQ(back.load_balance, 0.3);
  EXPECT_DOUBLE_EQ(back.entropy, 0.02);
  EXPECT_DOUBLE_EQ(back.variance, 0.7);
}

TEST(MoeLoss, StraightThroughGradientsByHand) {
  // Entropy: d/dp_{l,i} of sum_i f_i log(f_i + eps) with f_i = hard + mean_l p_{l,i} - detached
  // = (log f_i + 1) / L (eps negligible), the same for every token.
  {
    auto r = hand_routing(true);
    entropy_loss(r).backward();
    const auto g = r.probs.grad();
    ASSERT_TRUE(g.defined());
    const std::vector<double> f{1.0 / 3, 0.5, 1.0 / 6};
    for (int l = 0; l < 4; ++l)
      for (int i = 0; i < 3; ++i) EXPECT_NEAR(g[0][l][i].item<double>(), (std::log(f[i]) + 1) / 4, 1e-7);
  }
  // Variance: d/dp_{l,i} = (2/E)(f_i - 1/E) / L: 0, +1/36, -1/36.
  {
    auto r = hand_routing(true);
    utilisation_variance_loss(r).backward();
    const auto g = r.probs.grad();
    ASSERT_TRUE(g.defined());
    EXPECT_GT(g.abs().sum().item<double>(), 0.0);
    const std::vector<double> expected{0.0, 1.0 / 36, -1.0 / 36};
    for (int l = 0; l < 4; ++l)
      for (int i = 0; i < 3; ++i) EXPECT_NEAR(g[0][l][i].item<double>(), expected[i], 1e-12);
  }
  // Load balance: d/dp_{l,i} = E f_i / L: 0.25, 0.375, 0.125.
  {
    auto r = hand_routing(true);
    load_balance_loss(r).backward();
    const std::vector<double> expected{0.25, 0.375, 0.125};
    for (int l = 0; l < 4; ++l)
      for (int i = 0; i < 3; ++i) EXPECT_NEAR(r.probs.grad()[0][l][i].item<double>(), expected[i], 1e-12);
  }
}

}  // namespace
}  // namespace moema::jscc
