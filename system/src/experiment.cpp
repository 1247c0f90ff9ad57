#include "moema/system/experiment.hpp"

#include "moema/models/tensor_utils.hpp"
#include "moema/common/torch_support.hpp"

#include <filesystem>
#include <iostream>

namespace moema::models {

Embedding load_embedding(const std::string& weights_dir) {
  Embedding e;
  e.manifest = read_json_file(weights_dir + "/embedder.json");
  const nlohmann::json& arch = e.manifest.at("architecture");
  EmbedderConfig config;
  config.hidden = arch.at("hidden").get<std::vector<int>>();
  config.feature_dim = arch.at("feature_dim").get<int>();
  config.dropout = arch.at("dropout").get<double>();
  config.batch_norm = arch.value("batch_norm", false);
  e.encoder = Encoder(arch.at("inputs").get<int>(), config);
  load_module(e.encoder, weights_dir + "/embedder.pt");
  e.centres = TaskCentres::from_json(e.manifest.at("class_centres"));
  e.fingerprint = embedder_fingerprint(weights_dir);
  return e;
}

std::string embedder_fingerprint(const std::string& weights_dir) {
  return file_fingerprint(weights_dir + "/embedder.pt");
}

std::vector<DeviceStream> embed_device_streams(Embedding& embedding, const LabelledImages& images,
                                               const std::vector<DeviceSamples>& devices, Split split) {
  std::vector<DeviceStream> streams;
  for (const DeviceSamples& d : devices) {
    const std::vector<int>& indices = split == Split::Train ? d.train : d.test;
    rx::Matrix features = embed(embedding.encoder, images, indices);
    rx::Matrix aux = embedding.centres.signals(features, Signalling::Distance);
    streams.push_back({std::move(features), labels_of(images, indices), std::move(aux)});
  }
  return streams;
}

CodewordSet codeword_set(const Reconstruction& r, const TaskCentres& centres, Signalling signalling) {
  if (r.aux.size() == 0) return make_codeword_set(r.codewords, centres.signals(r.features, signalling), r.labels);
  return make_codeword_set(r.codewords, aux_from_distances(r.aux, signalling), r.labels);  // over the air
}

std::string ReceiverKey::name() const {
  return "n" + std::to_string(devices) + "_m" + std::to_string(codeword_length) + "_d" + std::to_string(feature_dim) +
         "_ov" + std::to_string(overlap) + "_" + rx::to_string(decoder) + "_s" + std::to_string(seed);
}

MoeConfig receiver_config(const ReceiverKey& key) {
  MoeConfig config;
  config.codeword_dim = key.codeword_length;
  config.aux_dim = kAuxDim;
  config.classes = kClasses;
  return config;
}

namespace {

const Signalling kSignallings[] = {Signalling::Distance, Signalling::OneHot};

std::string module_file(Signalling s) { return "moema_" + to_string(s) + ".pt"; }

nlohmann::json architecture_json(const MoeConfig& c, std::int64_t single_params, std::int64_t moema_params) {
  return {{"codeword_dim", c.codeword_dim},  {"aux_dim", c.aux_dim},
          {"classes", c.classes},            {"expert_hidden", c.expert_hidden},
          {"gate_hidden", c.gate_hidden},    {"dropout", c.dropout},
          {"experts", "0 mnist, 1 fashion, 2 multi-task; output = gate-weighted mixture of expert distributions"},
          {"single_parameters", single_params}, {"moema_parameters", moema_params}};
}

}  // namespace

Receivers train_receivers(const ReceiverKey& key, const Reconstruction& train, const Embedding& embedding,
                          const TrainingConfig& training) {
  const TaskCentres& centres = embedding.centres;
  const MoeConfig config = receiver_config(key);
  Receivers r;
  nlohmann::json logs;
  TrainingLog single_log;
  TrainingConfig t = training;
  t.label = key.name();
  r.single = train_single(codeword_set(train, centres, Signalling::Distance), config, t, single_log);
  logs["single"] = {{"epoch_loss", single_log.epoch_loss}};
  for (const Signalling s : kSignallings) {
    TrainingLog log;
    TrainingConfig ts = t;
    ts.label = key.name() + " " + to_string(s);
    r.moema.emplace(s, train_moema(codeword_set(train, centres, s), config, ts, log));
    logs["moema_" + to_string(s)] = {{"expert_mnist_loss", log.expert_loss[0]},
                                     {"expert_fashion_loss", log.expert_loss[1]},
                                     {"epoch_loss", log.epoch_loss}};
  }
  r.manifest = {
      {"network", "moema receivers (Single and MoEMA per signalling)"},
      {"key", key.name()},
      {"architecture", architecture_json(config, parameter_count(*r.single), parameter_count(*r.moema.begin()->second))},
      {"link",
       {{"devices", key.devices},
        {"codeword_length", key.codeword_length},
        {"feature_dim", key.feature_dim},
        {"overlap", key.overlap},
        {"decoder", rx::to_string(key.decoder)},
        {"seed", key.seed},
        {"training_slots", "noiseless, true subspaces"}}},
      {"training",
       {{"expert_epochs", training.expert_epochs},
        {"epochs", training.epochs},
        {"batch_size", training.batch_size},
        {"learning_rate", training.learning_rate},
        {"load_balance_weight", training.load_balance_weight},
        {"optimizer", "adam"},
        {"seed", training.seed},
        {"samples", train.labels.size()},
        {"train_data_similarity", train.data_similarity},
        {"logs", logs}}},
      {"embedder", {{"fingerprint", embedding.fingerprint}, {"commit", embedding.manifest.value("commit", "unknown")}}},
      {"commit", source_commit()},
  };
  return r;
}

void save_receivers(Receivers& receivers, const ReceiverKey& key, const std::string& dir) {
  const std::string base = dir + "/" + key.name();
  save_module(receivers.single, base + "/single.pt");
  for (auto& [s, moe] : receivers.moema) save_module(moe, base + "/" + module_file(s));
  write_json_file(base + "/manifest.json", receivers.manifest);
}

std::optional<Receivers> load_receivers(const ReceiverKey& key, const std::string& dir,
                                        const std::string& embedder_fingerprint) {
  const std::string base = dir + "/" + key.name();
  if (!std::filesystem::exists(base + "/manifest.json")) return std::nullopt;
  const MoeConfig config = receiver_config(key);
  Receivers r;
  r.manifest = read_json_file(base + "/manifest.json");
  const std::string trained_for = r.manifest.value("/embedder/fingerprint"_json_pointer, std::string("none recorded"));
  if (trained_for != embedder_fingerprint) {
    std::cerr << base << ": not used, trained for another embedder (fingerprint " << trained_for
              << ", the embedder in use has " << embedder_fingerprint << ")\n";
    return std::nullopt;
  }
  r.single = Mlp(single_config(config));
  load_module(r.single, base + "/single.pt");
  for (const Signalling s : kSignallings) {
    MixtureOfExperts moe(config);
    load_module(moe, base + "/" + module_file(s));
    r.moema.emplace(s, moe);
  }
  return r;
}

std::string trained_receivers_dir(const std::string& train_dir) {
  return train_dir.empty() ? moema::data_dir() + "/trained-receivers" : train_dir;
}

std::optional<Receivers> find_receivers(const ReceiverKey& key, const std::string& weights_dir,
                                        const std::string& train_dir) {
  const std::string fingerprint = embedder_fingerprint(weights_dir);
  for (const std::string& dir : {weights_dir + "/receivers", trained_receivers_dir(train_dir)})
    if (auto r = load_receivers(key, dir, fingerprint)) return r;
  return std::nullopt;
}

}  // namespace moema::models
