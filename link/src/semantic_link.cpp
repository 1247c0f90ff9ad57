#include "moema/link/semantic_link.hpp"

#include "moema/rx/metrics.hpp"
#include "moema/link/scenario.hpp"

#include <random>
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

// Rows of the reconstruction for received frame f carrying slot slot_ids[f].
Reconstruction reconstruct(const rx::SimulatedSlots& sim, const std::vector<rx::Matrix>& bases, rx::Decoder decoder,
                           const std::vector<DeviceStream>& streams, const std::vector<std::uint32_t>& slot_ids) {
  const rx::CodewordDecoder dec(bases, decoder);
  const int n = sim.precoders.devices();
  const int m = sim.precoders.codeword_length();
  const auto frames = static_cast<Eigen::Index>(sim.received.size());
  Reconstruction r;
  r.codewords.resize(frames * n, m);
  r.sent.resize(frames * n, m);
  r.features.resize(frames * n, streams.front().features.cols());
  double similarity = 0;
  for (Eigen::Index f = 0; f < frames; ++f) {
    const Eigen::Index t = slot_ids.empty() ? f : static_cast<Eigen::Index>(slot_ids[f]);
    const std::vector<rx::Vector> estimates = dec.decode(sim.received[f], sim.anchors[f]);
    for (int dev = 0; dev < n; ++dev) {
      const Eigen::Index row = f * n + dev;
      r.codewords.row(row) = estimates[dev].transpose();
      r.sent.row(row) = sim.codewords[f][dev].transpose();
      r.features.row(row) = streams[dev].features.row(t);
      r.labels.push_back(streams[dev].labels[t]);
      similarity += rx::cosine_similarity(sim.codewords[f][dev], estimates[dev]);
    }
  }
  r.data_similarity = frames > 0 ? similarity / static_cast<double>(frames * n) : 0.0;
  return r;
}

// The received aux values, in the reconstruction's row order.
rx::Matrix received_aux(const rx::AirSlots& air) {
  if (air.aux.empty() || air.aux.front().front().values.empty()) return {};
  const auto devices = static_cast<Eigen::Index>(air.aux.front().size());
  const auto values = static_cast<Eigen::Index>(air.aux.front().front().values.size());
  rx::Matrix out(static_cast<Eigen::Index>(air.aux.size()) * devices, values);
  for (std::size_t f = 0; f < air.aux.size(); ++f)
    for (Eigen::Index n = 0; n < devices; ++n)
      out.row(static_cast<Eigen::Index>(f) * devices + n) =
          Eigen::Map<const rx::Vector>(air.aux[f][n].values.data(), values).transpose();
  return out;
}

std::vector<std::vector<rx::Vector>> slot_aux(const std::vector<DeviceStream>& streams) {
  if (streams.front().aux.size() == 0) return {};
  std::vector<std::vector<rx::Vector>> out(streams.front().aux.rows());
  for (std::size_t t = 0; t < out.size(); ++t)
    for (const DeviceStream& s : streams) out[t].push_back(s.aux.row(static_cast<Eigen::Index>(t)).transpose());
  return out;
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

rx::AirLinkConfig air_link_config(const RadioImpairments& im, int devices, int antennas, std::uint64_t seed) {
  rx::AirLinkConfig air;
  for (int n = 0; n < devices; ++n) air.devices.push_back({0.0, im.timing_offset + n * im.timing_spread, im.cfo + n * im.cfo_spread, 0.0});
  if (im.dc > 0) {
    std::mt19937_64 rng(seed + 77);
    std::uniform_real_distribution<double> angle(0, 2 * 3.14159265358979323846);
    for (int k = 0; k < antennas; ++k) air.ap.dc_offset.push_back(std::polar(im.dc, angle(rng)));
  }
  return air;
}

LinkResult run_link(const LinkConfig& config, const std::vector<DeviceStream>& streams, std::uint64_t channel_stream,
                    bool estimate) {
  check_streams(config, streams);
  const int feature_dim = static_cast<int>(streams.front().features.cols());
  const rx::ScenarioConfig scenario = scenario_config(config, feature_dim, channel_stream);
  LinkResult result;
  std::vector<std::uint32_t> slot_ids;
  rx::Matrix aux;
  const rx::SimulatedSlots sim = [&] {
    if (!config.air || channel_stream == 0) return rx::transmit_features(scenario, slot_features(streams));
    rx::AirLinkConfig air = *config.air;
    air.snr_db = config.snr_db;
    rx::AirSlots over_air = rx::transmit_features_over_air(scenario, air, slot_features(streams), slot_aux(streams));
    result.frames = over_air.counts;
    result.frame_errors = std::move(over_air.errors);
    if (over_air.slots.received.empty())
      throw std::runtime_error("run_link: no frame was decoded over the air (" +
                               std::to_string(over_air.counts.detected) + " of " +
                               std::to_string(over_air.counts.sent) + " detected)");
    aux = received_aux(over_air);
    slot_ids = std::move(over_air.slot_ids);
    return std::move(over_air.slots);
  }();
  result.with_true_subspaces = reconstruct(sim, sim.precoders.bases(), config.decoder, streams, slot_ids);
  result.with_true_subspaces.aux = aux;
  if (!estimate) return result;

  const std::size_t used = std::min<std::size_t>(sim.received.size(), static_cast<std::size_t>(config.recovery_slots));
  const std::vector<rx::Matrix> slots(sim.received.begin(), sim.received.begin() + static_cast<std::ptrdiff_t>(used));
  const rx::SubspaceEstimate estimate_ = rx::recover_subspaces(slots, rx::recovery_config(sim, config.recovery));
  result.with_estimated_subspaces = reconstruct(sim, estimate_.bases, config.decoder, streams, slot_ids);
  result.with_estimated_subspaces.aux = aux;
  result.subspace_similarity = rx::subspace_similarities(sim, estimate_);
  result.detected_overlap = estimate_.overlap;
  result.detected_rank = estimate_.rank();
  return result;
}

}  // namespace moema::models
