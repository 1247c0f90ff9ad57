#include "moema/models/receiver_training.hpp"

#include "moema/models/datasets.hpp"
#include "moema/common/progress.hpp"
#include "moema/models/tensor_utils.hpp"

#include <cstdio>
#include <functional>

namespace moema::models {

namespace F = torch::nn::functional;

CodewordSet CodewordSet::select(const torch::Tensor& indices) const {
  return {codewords.index_select(0, indices), aux.index_select(0, indices), labels.index_select(0, indices)};
}

CodewordSet make_codeword_set(const rx::Matrix& codewords, const rx::Matrix& aux, const std::vector<int>& labels) {
  TORCH_CHECK(codewords.rows() == aux.rows() && static_cast<std::size_t>(codewords.rows()) == labels.size(),
              "make_codeword_set: ", codewords.rows(), " codewords, ", aux.rows(), " aux signals, ", labels.size(),
              " labels");
  return {to_tensor(codewords), to_tensor(aux), label_tensor(labels)};
}

namespace {

using BatchLoss = std::function<torch::Tensor(const CodewordSet&)>;

std::string format_loss(double loss) {
  char text[32];
  std::snprintf(text, sizeof text, "loss %.4f", loss);
  return text;
}

// Mini-batch Adam over `data` for `epochs`; returns the mean loss per epoch.
std::vector<double> fit(torch::nn::Module& module, const CodewordSet& data, int epochs, const TrainingConfig& training,
                        const std::string& label, const BatchLoss& batch_loss) {
  torch::optim::Adam optimizer(module.parameters(), torch::optim::AdamOptions(training.learning_rate));
  const std::int64_t n = data.size();
  const std::int64_t batches = (n + training.batch_size - 1) / training.batch_size;
  std::vector<double> epoch_loss;
  ProgressBar bar(label, static_cast<long>(epochs) * batches, training.progress);
  module.train();
  for (int epoch = 0; epoch < epochs; ++epoch) {
    const torch::Tensor order = torch::randperm(n, torch::kInt64);
    double sum = 0;
    for (std::int64_t start = 0; start < n; start += training.batch_size) {
      const torch::Tensor loss = batch_loss(data.select(order.slice(0, start, std::min(n, start + training.batch_size))));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      sum += loss.item<double>();
    }
    epoch_loss.push_back(sum / static_cast<double>(batches));
    bar.advance(batches, "epoch " + std::to_string(epoch + 1) + " " + format_loss(epoch_loss.back()));
  }
  bar.finish(format_loss(epoch_loss.empty() ? 0.0 : epoch_loss.back()));
  module.eval();
  return epoch_loss;
}

torch::Tensor task_indices(const CodewordSet& data, Task task) {
  const torch::Tensor is_fashion = data.labels >= (kClasses / 2);
  return torch::nonzero(task == Task::Fashion ? is_fashion : is_fashion.logical_not()).squeeze(1);
}

}  // namespace

Mlp train_single(const CodewordSet& data, const MoeConfig& config, const TrainingConfig& training, TrainingLog& log) {
  torch::manual_seed(training.seed);
  Mlp single(single_config(config));
  log.epoch_loss = fit(*single, data, training.epochs, training, training.label + " single",
                       [&](const CodewordSet& b) { return F::cross_entropy(single->forward(b.codewords), b.labels); });
  return single;
}

MixtureOfExperts train_moema(const CodewordSet& data, const MoeConfig& config, const TrainingConfig& training,
                             TrainingLog& log) {
  torch::manual_seed(training.seed);
  MixtureOfExperts moe(config);
  // Phase 1: each task expert learns its own task's codewords, no gate.
  for (const Task task : {Task::Mnist, Task::Fashion}) {
    Mlp& expert = moe->expert(static_cast<int>(task));
    const std::string name = task == Task::Mnist ? " expert mnist" : " expert fashion";
    log.expert_loss[static_cast<int>(task)] =
        fit(*expert, data.select(task_indices(data, task)), training.expert_epochs, training, training.label + name,
            [&](const CodewordSet& b) { return F::cross_entropy(expert->forward(b.codewords), b.labels); });
  }
  fine_tune_moema(moe, data, training, log);  // phase 2
  return moe;
}

void fine_tune_moema(MixtureOfExperts& moe, const CodewordSet& data, const TrainingConfig& training, TrainingLog& log) {
  // Gate and all experts on every codeword, plus load balance.
  log.epoch_loss = fit(*moe, data, training.epochs, training, training.label + " moema", [&](const CodewordSet& b) {
    const MoeOutput out = moe->forward(b.codewords, b.aux);
    return F::nll_loss(out.log_probabilities, b.labels) + training.load_balance_weight * load_balance_loss(out.gate);
  });
}

double accuracy(Mlp& single, const CodewordSet& data) {
  const torch::NoGradGuard no_grad;
  single->eval();
  const torch::Tensor predicted = single->forward(data.codewords).argmax(1);
  return 100.0 * predicted.eq(data.labels).to(torch::kFloat64).mean().item<double>();
}

MoeEvaluation evaluate(MixtureOfExperts& moe, const CodewordSet& data) {
  const torch::NoGradGuard no_grad;
  moe->eval();
  const MoeOutput out = moe->forward(data.codewords, data.aux);
  MoeEvaluation result;
  result.accuracy = 100.0 * out.log_probabilities.argmax(1).eq(data.labels).to(torch::kFloat64).mean().item<double>();
  for (const Task task : {Task::Mnist, Task::Fashion}) {
    const torch::Tensor idx = task_indices(data, task);
    if (idx.numel() == 0) continue;
    const torch::Tensor mean = out.gate.index_select(0, idx).to(torch::kFloat64).mean(0);
    for (int e = 0; e < kExperts; ++e) result.mean_gate[static_cast<int>(task)][e] = mean[e].item<double>();
  }
  return result;
}

}  // namespace moema::models
