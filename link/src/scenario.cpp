#include "moema/link/scenario.hpp"

#include "moema/rx/metrics.hpp"

#include <stdexcept>
#include <string>

namespace moema::rx {

SimulatedSlots transmit_features(const ScenarioConfig& config, const std::vector<std::vector<Vector>>& features) {
  PrecoderConfig pc = config.precoders;
  pc.seed = config.seed;
  SimulatedSlots sim{PrecoderSet(pc), {}, {}, {}};
  const int n = pc.devices;
  SimoChannel channel(config.channel, n, pc.codeword_length, config.seed + 1 + 0x9E3779B97F4A7C15ULL * config.channel_stream);
  for (std::size_t t = 0; t < features.size(); ++t) {
    if (static_cast<int>(features[t].size()) != n)
      throw std::invalid_argument("transmit_features: slot " + std::to_string(t) + " has " +
                                  std::to_string(features[t].size()) + " features for " + std::to_string(n) + " devices");
    std::vector<Vector> codewords;
    std::vector<SignAnchor> anchors;
    for (int dev = 0; dev < n; ++dev) {
      codewords.push_back(sim.precoders.precode(dev, features[t][dev]));
      anchors.push_back(make_sign_anchor(codewords.back()));
    }
    sim.received.push_back(stack_real(channel.transmit(codewords)));
    sim.codewords.push_back(std::move(codewords));
    sim.anchors.push_back(std::move(anchors));
  }
  return sim;
}

SimulatedSlots simulate(const ScenarioConfig& config) {
  std::mt19937_64 rng(config.seed + 2);
  std::vector<std::vector<Vector>> features(config.slots);
  for (auto& slot : features)
    for (int dev = 0; dev < config.precoders.devices; ++dev)
      slot.push_back(random_unit_vector(config.precoders.feature_dim, rng));
  return transmit_features(config, features);
}

double mean_data_similarity(const SimulatedSlots& sim, const std::vector<Matrix>& bases, Decoder decoder) {
  const CodewordDecoder dec(bases, decoder);
  double sum = 0.0;
  int count = 0;
  for (std::size_t t = 0; t < sim.received.size(); ++t) {
    const std::vector<Vector> estimates = dec.decode(sim.received[t], sim.anchors[t]);
    for (std::size_t n = 0; n < estimates.size(); ++n, ++count) sum += cosine_similarity(sim.codewords[t][n], estimates[n]);
  }
  return sum / count;
}

RecoveryConfig recovery_config(const SimulatedSlots& sim, RecoveryMethod method) {
  RecoveryConfig rc;
  rc.devices = sim.precoders.devices();
  rc.feature_dim = sim.precoders.feature_dim();
  rc.method = method;
  rc.signatures = sim.precoders.signatures();
  return rc;
}

std::vector<double> subspace_similarities(const SimulatedSlots& sim, const SubspaceEstimate& estimate) {
  std::vector<double> out;
  for (int n = 0; n < sim.precoders.devices(); ++n)
    out.push_back(subspace_similarity(sim.precoders.basis(n), estimate.bases.at(n)));
  return out;
}

ScenarioReport evaluate_blind(const SimulatedSlots& sim, RecoveryMethod method, Decoder decoder) {
  const SubspaceEstimate est = recover_subspaces(sim.received, recovery_config(sim, method));
  ScenarioReport report;
  report.subspace_similarity = subspace_similarities(sim, est);
  report.data_similarity = mean_data_similarity(sim, est.bases, decoder);
  report.data_similarity_oracle = mean_data_similarity(sim, sim.precoders.bases(), decoder);
  report.rank = est.rank();
  report.overlap = est.overlap;
  report.noise_variance = est.noise_variance;
  return report;
}

}  // namespace moema::rx
