#include "moema/system/deployment.hpp"

#include "moema/system/experiment.hpp"
#include "moema/common/torch_support.hpp"

#include <stdexcept>

namespace moema::models {

rx::PrecoderConfig DeploymentConfig::precoders(int feature_dim) const {
  rx::PrecoderConfig pc;
  pc.devices = devices;
  pc.codeword_length = codeword_length;
  pc.feature_dim = feature_dim;
  pc.overlap = overlap;
  pc.seed = seed;
  return pc;
}

nlohmann::json DeploymentConfig::to_json() const { return *this; }

DeploymentConfig DeploymentConfig::from_json(const nlohmann::json& j) { return j.get<DeploymentConfig>(); }

std::vector<DeviceStream> deployment_streams(const DeploymentConfig& config) {
  const std::string data_dir = config.data_dir.empty() ? moema::data_dir() : config.data_dir;
  Embedding embedding = load_embedding(config.weights_dir.empty() ? moema::weights_dir() : config.weights_dir);
  const LabelledImages test = load_tasks(data_dir, Split::Test);
  // The split depends on the training set's size only; its pixels are not needed.
  const LabelledImages train = load_tasks(data_dir, Split::Train);
  const std::vector<DeviceSamples> devices =
      split_devices(train, test, config.devices, config.train_per_device, config.slots, config.seed);
  return embed_device_streams(embedding, test, devices, Split::Test);
}

SemanticTransmitter::SemanticTransmitter(const rx::SlotFormat& format, int device, const rx::PrecoderSet& precoders,
                                         DeviceStream stream)
    : device_(device), precoders_(precoders), stream_(std::move(stream)), framer_(format, device) {
  if (device < 0 || device >= precoders.devices())
    throw std::invalid_argument("SemanticTransmitter: device " + std::to_string(device) + " of " +
                                std::to_string(precoders.devices()));
  if (stream_.aux.rows() != stream_.features.rows())
    throw std::invalid_argument("SemanticTransmitter: the stream has " + std::to_string(stream_.features.rows()) +
                                " features but " + std::to_string(stream_.aux.rows()) + " aux signals");
}

rx::ComplexVector SemanticTransmitter::next() {
  if (done()) throw std::out_of_range("SemanticTransmitter: all " + std::to_string(slots()) + " slots sent");
  const Eigen::Index t = slots_sent();
  return framer_.next(precoders_.precode(device_, stream_.features.row(t).transpose()), stream_.aux.row(t).transpose());
}

}  // namespace moema::models
