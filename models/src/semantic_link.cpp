#include "moema/models/semantic_link.hpp"

#include "moema/rx/metrics.hpp"
#include "moema/rx/scenario.hpp"

#include <stdexcept>
#include <string>

namespace moema::models {

namespace {

rx::ScenarioConfig scenario_config(const LinkConfig& config, int feature_dim, std::uint64_t channel_stream) {
  rx::ScenarioConfig sc;
  sc.precoders.devices = config.devices;
  sc.precoders.codeword_length = config.codeword_length;
  sc.precoders.feature_dim = feature_dim;
  sc.precoders.overlap = config.overlap;
  sc.channel.antennas = config.antennas;
  sc.channel.snr_db = channel_stream == 0 ? std::numeric_limits<double>::infinity() : config.snr_db;
  sc.seed = config.seed;
  sc.channel_stream = channel_stream;
  return sc;
}

std::vector<std::vector<rx::Vector>> slot_features(const std::vector<DeviceStream>& streams) {
  const Eigen::Index slots = streams.front().features.rows();
  std::vector<std::vector<rx::Vector>> out(slots);
  for (Eigen::Index t = 0; t < slots; ++t)
    for (const DeviceStream& s : streams) out[t].push_back(s.features.row(t).transpose());
  return out;
}

Reconstruction reconstruct(const rx::SimulatedSlots& sim, const std::vector<rx::Matrix>& bases, rx::Decoder decoder,
                           const std::vector<DeviceStream>& streams) {
  const rx::CodewordDecoder dec(bases, decoder);
  const int n = sim.precoders.devices();
  const int m = sim.precoders.codeword_length();
  const auto slots = static_cast<Eigen::Index>(sim.received.size());
  Reconstruction r;
  r.codewords.resize(slots * n, m);
  r.sent.resize(slots * n, m);
  r.features.resize(slots * n, streams.front().features.cols());
  double similarity = 0;
  for (Eigen::Index t = 0; t < slots; ++t) {
    const std::vector<rx::Vector> estimates = dec.decode(sim.received[t], sim.anchors[t]);
    for (int dev = 0; dev < n; ++dev) {
      const Eigen::Index row = t * n + dev;
      r.codewords.row(row) = estimates[dev].transpose();
      r.sent.row(row) = sim.codewords[t][dev].transpose();
      r.features.row(row) = streams[dev].features.row(t);
      r.labels.push_back(streams[dev].labels[t]);
      similarity += rx::cosine_similarity(sim.codewords[t][dev], estimates[dev]);
    }
  }
  r.data_similarity = similarity / static_cast<double>(slots * n);
  return r;
}

void check_streams(const LinkConfig& config, const std::vector<DeviceStream>& streams) {
  if (static_cast<int>(streams.size()) != config.devices)
    throw std::invalid_argument("run_link: " + std::to_string(streams.size()) + " device streams for " +
                                std::to_string(config.devices) + " devices");
  for (std::size_t dev = 0; dev < streams.size(); ++dev) {
    const DeviceStream& s = streams[dev];
    if (s.features.rows() != streams.front().features.rows() || s.labels.size() != static_cast<std::size_t>(s.features.rows()))
      throw std::invalid_argument("run_link: device " + std::to_string(dev) + "'s stream has " +
                                  std::to_string(s.features.rows()) + " features and " + std::to_string(s.labels.size()) +
                                  " labels; every stream needs one label per feature and the same length");
  }
}

}  // namespace

LinkResult run_link(const LinkConfig& config, const std::vector<DeviceStream>& streams, std::uint64_t channel_stream,
                    bool estimate) {
  check_streams(config, streams);
  const int feature_dim = static_cast<int>(streams.front().features.cols());
  const rx::SimulatedSlots sim =
      rx::transmit_features(scenario_config(config, feature_dim, channel_stream), slot_features(streams));
  LinkResult result;
  result.with_true_subspaces = reconstruct(sim, sim.precoders.bases(), config.decoder, streams);
  if (!estimate) return result;

  const std::size_t used = std::min<std::size_t>(sim.received.size(), static_cast<std::size_t>(config.recovery_slots));
  const std::vector<rx::Matrix> slots(sim.received.begin(), sim.received.begin() + static_cast<std::ptrdiff_t>(used));
  const rx::SubspaceEstimate estimate_ = rx::recover_subspaces(slots, rx::recovery_config(sim, config.recovery));
  result.with_estimated_subspaces = reconstruct(sim, estimate_.bases, config.decoder, streams);
  result.subspace_similarity = rx::subspace_similarities(sim, estimate_);
  result.detected_overlap = estimate_.overlap;
  result.detected_rank = estimate_.rank();
  return result;
}

}  // namespace moema::models
