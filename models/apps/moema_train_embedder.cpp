// Trains the devices' ArcFace embedder on MNIST + Fashion-MNIST and writes
// the encoder (embedder.pt) and its manifest (embedder.json) with the
// task-specific centre points the auxiliary signalling uses.
#include "moema/models/aux_signal.hpp"
#include "moema/models/datasets.hpp"
#include "moema/models/embedder.hpp"
#include "moema/models/tensor_utils.hpp"
#include "moema/common/torch_support.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

using namespace moema;
using namespace moema::models;

namespace {

double task_accuracy(const TaskCentres& centres, const moema::rx::Matrix& features, const std::vector<int>& labels) {
  int correct = 0;
  for (std::size_t i = 0; i < labels.size(); ++i)
    correct += centres.nearest_task(features.row(static_cast<Eigen::Index>(i)).transpose()) == task_of_label(labels[i]);
  return static_cast<double>(correct) / static_cast<double>(labels.size());
}

// Accuracy of the nearest class centre, per task, on unit features.
std::vector<double> per_task_centre_accuracy(const TaskCentres& centres, const moema::rx::Matrix& features,
                                             const std::vector<int>& labels) {
  std::vector<int> correct(kTasks, 0), total(kTasks, 0);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    Eigen::Index best;
    (centres.class_centres() * features.row(static_cast<Eigen::Index>(i)).transpose()).maxCoeff(&best);
    const int task = static_cast<int>(task_of_label(labels[i]));
    total[task]++;
    correct[task] += best == labels[i];
  }
  return {static_cast<double>(correct[0]) / total[0], static_cast<double>(correct[1]) / total[1]};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train the MoEMA ArcFace embedder (paper App. B)"};
  EmbedderConfig config;
  std::string data_dir = moema::data_dir();
  std::string out_dir = moema::weights_dir();
  int threads = 2;
  app.add_option("--data", data_dir, "data directory (./testbed setup fills it)");
  app.add_option("--out", out_dir, "where embedder.pt and embedder.json go");
  app.add_option("--epochs", config.epochs, "training epochs");
  app.add_option("--seed", config.seed, "seed of the initialisation and batch order");
  app.add_option("--feature-dim", config.feature_dim, "D, the embedding dimension");
  app.add_option("--hidden", config.hidden, "widths of the two hidden layers")->expected(2);
  app.add_option("--margin", config.arcface.margin, "ArcFace margin m, radians (paper: 0.5)");
  app.add_option("--margin-warmup", config.margin_warmup_epochs,
                 "epochs over which the margin rises linearly from 0 to m (0: none)");
  app.add_option("--lr", config.learning_rate, "initial Adam learning rate (cosine decay)");
  app.add_option("--threads", threads, "LibTorch threads (0: all)");
  bool quiet = false;
  app.add_flag("--quiet", quiet, "no progress bars");
  CLI11_PARSE(app, argc, argv);
  config.progress = !quiet;
  try {
    configure_threads(threads);
    const LabelledImages train = load_tasks(data_dir, Split::Train);
    const LabelledImages test = load_tasks(data_dir, Split::Test);
    EmbedderReport report;
    Encoder encoder = train_embedder(train, test, config, report);

    const moema::rx::Matrix train_features = embed(encoder, train);
    const moema::rx::Matrix test_features = embed(encoder, test);
    const TaskCentres centres = TaskCentres::fit(train_features, train.labels);
    const std::vector<double> centre_accuracy = per_task_centre_accuracy(centres, test_features, test.labels);

    save_module(encoder, out_dir + "/embedder.pt");
    nlohmann::json manifest = {
        {"network", "embedder"},
        {"architecture",
         {{"type", "mlp encoder, l2-normalised output"},
          {"inputs", train.pixels_per_image()},
          {"hidden", config.hidden},
          {"feature_dim", config.feature_dim},
          {"dropout", config.dropout},
          {"batch_norm", config.batch_norm},
          {"parameters", parameter_count(*encoder)}}},
        {"arcface", {{"scale", config.arcface.scale}, {"margin", config.arcface.margin}, {"clamp_eps", config.arcface.clamp_eps}}},
        {"training",
         {{"epochs", config.epochs},
          {"margin_warmup_epochs", config.margin_warmup_epochs},
          {"batch_size", config.batch_size},
          {"learning_rate", config.learning_rate},
          {"optimizer", "adam"},
          {"seed", config.seed},
          {"threads", threads},
          {"epoch_loss", report.epoch_loss},
          {"epoch_test_accuracy", report.epoch_test_accuracy}}},
        {"data",
         {{"train", "MNIST train (60000, labels 0-9) + Fashion-MNIST train (60000, labels 10-19)"},
          {"test", "MNIST t10k + Fashion-MNIST t10k (20000)"}}},
        {"commit", source_commit()},
        {"metrics",
         {{"arcface_train_accuracy", report.train_accuracy},
          {"arcface_test_accuracy", report.test_accuracy},
          {"centre_test_accuracy_mnist", centre_accuracy[0]},
          {"centre_test_accuracy_fashion", centre_accuracy[1]},
          {"nearest_task_test_accuracy", task_accuracy(centres, test_features, test.labels)}}},
        {"class_centres", centres.to_json()},
    };
    write_json_file(out_dir + "/embedder.json", manifest);
    std::cout << manifest["metrics"].dump(2) << "\nwrote " << out_dir << "/embedder.pt and embedder.json\n";
  } catch (const std::exception& e) {
    std::cerr << "moema-train-embedder: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
