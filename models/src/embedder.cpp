#include "moema/models/embedder.hpp"

#include "moema/common/progress.hpp"
#include "moema/models/tensor_utils.hpp"

#include <cmath>

namespace moema::models {

namespace F = torch::nn::functional;

EncoderImpl::EncoderImpl(int pixels, const EmbedderConfig& config)
    : mlp_(MlpConfig{pixels, config.hidden, config.feature_dim, config.dropout, config.batch_norm}) {
  register_module("mlp", mlp_);
}

torch::Tensor EncoderImpl::forward(torch::Tensor images) {
  return F::normalize(mlp_->forward(images), F::NormalizeFuncOptions().dim(1));
}

torch::Tensor image_tensor(const LabelledImages& images, const std::vector<int>& indices) {
  const int pixels = images.pixels_per_image();
  const torch::Tensor all =
      torch::from_blob(const_cast<float*>(images.pixels.data()), {images.size(), pixels}, torch::kFloat32);
  if (indices.empty()) return all.clone();
  return all.index_select(0, index_tensor(indices));
}

namespace {

double nearest_direction_accuracy(Encoder& encoder, ArcFaceHead& head, const LabelledImages& data) {
  const torch::NoGradGuard no_grad;
  encoder->eval();
  const torch::Tensor features = encoder->forward(image_tensor(data));
  const torch::Tensor predicted = head->cosine(features).argmax(1);
  return predicted.eq(label_tensor(data.labels)).to(torch::kFloat64).mean().item<double>();
}

}  // namespace

double cosine_learning_rate(double initial, int epoch, int epochs) {
  return 0.5 * initial * (1.0 + std::cos(M_PI * epoch / std::max(1, epochs)));
}

double warmed_up_margin(double margin, int epoch, int warmup_epochs) {
  if (warmup_epochs <= 0 || epoch >= warmup_epochs) return margin;
  return margin * static_cast<double>(epoch) / warmup_epochs;
}

void set_learning_rate(torch::optim::Adam& optimizer, double learning_rate) {
  for (auto& group : optimizer.param_groups())
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(learning_rate);
}

Encoder train_embedder(const LabelledImages& train, const LabelledImages& test, const EmbedderConfig& config,
                       EmbedderReport& report) {
  torch::manual_seed(config.seed);
  Encoder encoder(train.pixels_per_image(), config);
  ArcFaceHead head(config.feature_dim, kClasses);
  std::vector<torch::Tensor> parameters = encoder->parameters();
  for (const auto& p : head->parameters()) parameters.push_back(p);
  torch::optim::Adam optimizer(parameters, torch::optim::AdamOptions(config.learning_rate));

  const torch::Tensor images = image_tensor(train);
  const torch::Tensor labels = label_tensor(train.labels);
  const std::int64_t n = images.size(0);
  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    set_learning_rate(optimizer, cosine_learning_rate(config.learning_rate, epoch, config.epochs));
    ArcFaceConfig arcface = config.arcface;
    arcface.margin = warmed_up_margin(config.arcface.margin, epoch, config.margin_warmup_epochs);
    encoder->train();
    const torch::Tensor order = torch::randperm(n, torch::kInt64);
    ProgressBar bar("embedder epoch " + std::to_string(epoch + 1) + "/" + std::to_string(config.epochs),
                    (n + config.batch_size - 1) / config.batch_size, config.progress);
    double loss_sum = 0;
    std::int64_t batches = 0;
    for (std::int64_t start = 0; start < n; start += config.batch_size) {
      const torch::Tensor idx = order.slice(0, start, std::min(n, start + config.batch_size));
      if (idx.size(0) < 2) continue;  // batch norm needs two samples
      const torch::Tensor y = labels.index_select(0, idx);
      const torch::Tensor cosine = head->cosine(encoder->forward(images.index_select(0, idx)));
      const torch::Tensor loss = F::cross_entropy(arcface_logits(cosine, y, arcface), y);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>();
      ++batches;
      if (batches % 200 == 0) bar.advance(200, "loss " + std::to_string(loss_sum / batches).substr(0, 6));
    }
    report.epoch_loss.push_back(loss_sum / batches);
    report.epoch_test_accuracy.push_back(nearest_direction_accuracy(encoder, head, test));
    bar.finish("loss " + std::to_string(report.epoch_loss.back()).substr(0, 6) + " test accuracy " +
               std::to_string(report.epoch_test_accuracy.back()).substr(0, 6));
  }
  report.train_accuracy = nearest_direction_accuracy(encoder, head, train);
  report.test_accuracy = nearest_direction_accuracy(encoder, head, test);
  {
    const torch::NoGradGuard no_grad;
    report.class_directions = head->class_directions().detach().clone();
  }
  encoder->eval();
  return encoder;
}

rx::Matrix embed(Encoder& encoder, const LabelledImages& images, const std::vector<int>& indices) {
  const torch::NoGradGuard no_grad;
  encoder->eval();
  return to_eigen(encoder->forward(image_tensor(images, indices)));
}

}  // namespace moema::models
