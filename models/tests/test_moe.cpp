// The MoE receiver: the load-balance loss against hand-computed values, the
// gate's routing and the mixture it outputs, and the two training phases.
#include "moema/models/moe.hpp"
#include "moema/models/receiver_training.hpp"

#include <gtest/gtest.h>

namespace moema::models {
namespace {

TEST(LoadBalanceLoss, HandComputedBatch) {
  // Top-1 experts 0, 1, 0, 2: f = (1/2, 1/4, 1/4); mean weights P = (0.4, 0.375, 0.225).
  // 3 * (0.5*0.4 + 0.25*0.375 + 0.25*0.225) = 3 * 0.35 = 1.05.
  const torch::Tensor gate =
      torch::tensor({{0.7, 0.2, 0.1}, {0.1, 0.8, 0.1}, {0.6, 0.3, 0.1}, {0.2, 0.2, 0.6}}, torch::kFloat64);
  EXPECT_NEAR(load_balance_loss(gate).item<double>(), 1.05, 1e-12);
}

TEST(LoadBalanceLoss, OneWhenBalancedAndExpertsWhenCollapsed) {
  const torch::Tensor balanced = torch::tensor({{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}}, torch::kFloat64);
  EXPECT_NEAR(load_balance_loss(balanced).item<double>(), 1.0, 1e-12);
  const torch::Tensor collapsed = torch::tensor({{1.0, 0.0, 0.0}, {1.0, 0.0, 0.0}}, torch::kFloat64);
  EXPECT_NEAR(load_balance_loss(collapsed).item<double>(), 3.0, 1e-12);
}

TEST(LoadBalanceLoss, GradientPushesTheOverloadedExpertDown) {
  const torch::Tensor gate =
      torch::tensor({{0.8, 0.1, 0.1}, {0.6, 0.3, 0.1}}, torch::TensorOptions().dtype(torch::kFloat64).requires_grad(true));
  load_balance_loss(gate).backward();
  // d/dP_e = E f_e / B: only expert 0 was ever top-1.
  EXPECT_NEAR(gate.grad()[0][0].item<double>(), 3.0 * 1.0 / 2.0, 1e-12);
  EXPECT_NEAR(gate.grad()[0][1].item<double>(), 0.0, 1e-12);
}

// Sets the gate's output layer to zero weights and the given biases, so the
// gate weights are softmax(bias) whatever the input.
void pin_gate(MixtureOfExperts& moe, const std::vector<double>& bias) {
  const torch::NoGradGuard no_grad;
  auto params = moe->gate()->parameters();
  params[params.size() - 2].zero_();  // last Linear weight
  params[params.size() - 1].copy_(torch::tensor(bias, torch::kFloat32));
}

struct MoeFixture : ::testing::Test {
  MoeFixture() {
    torch::manual_seed(7);
    moe = MixtureOfExperts(MoeConfig{});
    moe->eval();
    codewords = torch::randn({5, 10});
    aux = torch::rand({5, 2});
  }
  torch::Tensor expert_probabilities(int e) { return torch::softmax(moe->expert(e)->forward(codewords), 1); }
  MixtureOfExperts moe{nullptr};
  torch::Tensor codewords, aux;
};

TEST_F(MoeFixture, GateWeightsAreADistributionOverTheThreeExperts) {
  const torch::NoGradGuard no_grad;
  const torch::Tensor g = moe->gate_weights(codewords, aux);
  ASSERT_EQ(g.size(1), kExperts);
  EXPECT_TRUE(g.ge(0).all().item<bool>());
  EXPECT_TRUE(torch::allclose(g.sum(1), torch::ones({5}), 1e-6, 1e-6));
}

TEST_F(MoeFixture, OutputIsTheGateWeightedMixtureOfExpertDistributions) {
  const torch::NoGradGuard no_grad;
  const MoeOutput out = moe->forward(codewords, aux);
  torch::Tensor mixture = torch::zeros({5, 20});
  for (int e = 0; e < kExperts; ++e) mixture += out.gate.select(1, e).unsqueeze(1) * expert_probabilities(e);
  EXPECT_TRUE(torch::allclose(out.log_probabilities.exp(), mixture, 1e-5, 1e-6));
}

TEST_F(MoeFixture, PinnedGateRoutesEverythingToOneExpert) {
  const torch::NoGradGuard no_grad;
  pin_gate(moe, {-30.0, -30.0, 30.0});
  const MoeOutput out = moe->forward(codewords, aux);
  EXPECT_TRUE(out.gate.argmax(1).eq(kMultiTaskExpert).all().item<bool>());
  EXPECT_TRUE(torch::allclose(out.log_probabilities.exp(), expert_probabilities(kMultiTaskExpert), 1e-5, 1e-6));
  pin_gate(moe, {0.0, 0.0, 0.0});  // uniform: the plain average of the experts
  const torch::Tensor average =
      (expert_probabilities(0) + expert_probabilities(1) + expert_probabilities(2)) / 3.0;
  EXPECT_TRUE(torch::allclose(moe->forward(codewords, aux).log_probabilities.exp(), average, 1e-5, 1e-6));
}

// Two tasks the gate can only tell apart through the auxiliary signal: the
// codewords of class c (MNIST) and c + 10 (Fashion) are the same cluster.
CodewordSet ambiguous_tasks(int per_class, std::uint64_t seed) {
  torch::manual_seed(100);  // the same clusters for every draw
  const torch::Tensor centres = torch::randn({10, 10}) * 3.0;
  torch::manual_seed(seed);
  std::vector<torch::Tensor> w, a, y;
  for (int label = 0; label < 20; ++label) {
    const bool fashion = label >= 10;
    w.push_back(centres[label % 10].unsqueeze(0) + 0.3 * torch::randn({per_class, 10}));
    a.push_back(torch::tensor({fashion ? 0.0f : 1.0f, fashion ? 1.0f : 0.0f}).repeat({per_class, 1}));
    y.push_back(torch::full({per_class}, label, torch::kInt64));
  }
  return {torch::cat(w), torch::cat(a), torch::cat(y)};
}

TEST(MoeTraining, GateLearnsToRouteByTheAuxiliarySignal) {
  TrainingConfig t;
  t.expert_epochs = 5;
  t.epochs = 8;
  t.progress = false;
  TrainingLog log;
  MixtureOfExperts moe = train_moema(ambiguous_tasks(40, 1), MoeConfig{}, t, log);
  const CodewordSet test = ambiguous_tasks(20, 2);
  const MoeEvaluation eval = evaluate(moe, test);
  // Without the auxiliary signal the best possible is 50% (c vs c + 10).
  EXPECT_GT(eval.accuracy, 95.0);
  EXPECT_GT(eval.mean_gate[0][kMnistExpert], eval.mean_gate[0][kFashionExpert]);
  EXPECT_GT(eval.mean_gate[1][kFashionExpert], eval.mean_gate[1][kMnistExpert]);
  ASSERT_EQ(log.epoch_loss.size(), 8u);
  EXPECT_LT(log.epoch_loss.back(), log.epoch_loss.front());

  // The Single baseline sees only codewords: no better than a coin within each pair.
  TrainingLog single_log;
  Mlp single = train_single(ambiguous_tasks(40, 1), MoeConfig{}, t, single_log);
  EXPECT_LT(accuracy(single, test), 60.0);
}

TEST(MoeTraining, DeterministicForASeed) {
  TrainingConfig t;
  t.expert_epochs = 1;
  t.epochs = 1;
  t.progress = false;
  TrainingLog a, b;
  const CodewordSet data = ambiguous_tasks(10, 3);
  MixtureOfExperts m1 = train_moema(data, MoeConfig{}, t, a);
  MixtureOfExperts m2 = train_moema(data, MoeConfig{}, t, b);
  EXPECT_EQ(a.epoch_loss, b.epoch_loss);
  const torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(m1->forward(data.codewords, data.aux).log_probabilities,
                           m2->forward(data.codewords, data.aux).log_probabilities));
}

}  // namespace
}  // namespace moema::models
