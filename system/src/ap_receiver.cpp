#include "moema/system/ap_receiver.hpp"

#include "moema/system/experiment.hpp"
#include "moema/models/receiver_training.hpp"
#include "moema/models/tensor_utils.hpp"
#include "moema/common/torch_support.hpp"
#include "moema/rx/metrics.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace moema::models {

namespace {

// Fewer slots than this cannot span the signal space reliably.
constexpr int kMinimumLearningSlots = 50;
// Inference decides frames in groups of this many, in arrival order: one MoE
// pass per group instead of per frame, and groups that do not depend on how
// the samples were chunked, so replays stay bit-identical. Costs up to this
// many slots of latency (finish() decides the last, partial group).
constexpr std::size_t kDecisionGroup = 16;

std::string weights_dir(const DeploymentConfig& d) {
  return d.weights_dir.empty() ? moema::weights_dir() : d.weights_dir;
}

int embedder_feature_dim(const DeploymentConfig& d) {
  return read_json_file(weights_dir(d) + "/embedder.json").at("architecture").at("feature_dim").get<int>();
}

Receivers load_deployment_receivers(const ApReceiverConfig& c, const ReceiverKey& key) {
  const std::string weights = weights_dir(c.deployment);
  if (auto r = find_receivers(key, weights, c.train_dir)) return std::move(*r);
  throw std::runtime_error("ApReceiver: no receivers " + key.name() + " for the embedder in " + weights +
                           " (looked in " + weights + "/receivers and " + trained_receivers_dir(c.train_dir) + ")" +
                           "; train them with: moema-experiment --quick --devices " + std::to_string(key.devices) +
                           " --overlap " + std::to_string(key.overlap) + " --decoder " + rx::to_string(key.decoder) +
                           " --seed " + std::to_string(key.seed) + " --train-dir <dir>");
}

// A decoded frame as the receiver keeps it until it can be decided.
struct HeldFrame {
  rx::ReceivedSlot sync;  // payload and aux symbols cleared
  std::uint32_t slot_id = 0;
  rx::Matrix stacked;     // 2K x M
  std::vector<rx::SignAnchor> anchors;
  rx::Matrix aux;         // N x aux values, as received
};

}  // namespace

rx::SlotSyncConfig ApReceiverConfig::sync() const {
  rx::SlotFormat f = format;
  f.devices = deployment.devices;
  f.codeword_length = deployment.codeword_length;
  f.aux_values = kAuxDim;
  f.validate();
  return {f, antennas, detection_threshold};
}

nlohmann::json ApReceiverConfig::to_json() const { return *this; }

ApReceiverConfig ApReceiverConfig::from_json(const nlohmann::json& j) { return j.get<ApReceiverConfig>(); }

nlohmann::json SlotDecision::to_json() const {
  nlohmann::json gates = nlohmann::json::array();
  for (const auto& g : gate) gates.push_back({g[0], g[1], g[2]});
  nlohmann::json out = {{"slot", slot_id}, {"frame", frame},     {"timing", timing},       {"cfo", cfo},
                        {"snr_db", snr_db}, {"learning", learning}, {"classes", classes}, {"gate", gates}};
  if (rx_time) out["rx_time"] = *rx_time;
  return out;
}

void stamp_receive_times(std::vector<SlotDecision>& decisions, const rx::SampleClock& clock, double sample_delay) {
  for (SlotDecision& d : decisions) d.rx_time = clock.time_at(d.timing - sample_delay);
}

rx::SigmfAnnotation frame_annotation(const FrameEvent& f, int slot_samples) {
  rx::SigmfAnnotation a;
  a.sample_start = static_cast<std::uint64_t>(std::max(0.0, std::round(f.timing)));
  a.sample_count = static_cast<std::uint64_t>(slot_samples);
  a.label = f.ok ? "frame" : "dropped frame";
  a.comment = f.error;
  a.extension = {{"frame", f.frame}, {"slot", f.slot_id}, {"ok", f.ok}};
  return a;
}

struct ApReceiver::Impl {
  explicit Impl(const ApReceiverConfig& c)
      : config(c),
        feature_dim(embedder_feature_dim(c.deployment)),
        key{c.deployment.devices, c.deployment.codeword_length, feature_dim, c.deployment.overlap, c.deployment.decoder,
            c.deployment.seed},
        receivers(load_deployment_receivers(c, key)),
        precoders(c.deployment.precoders(feature_dim)),
        frames(c.sync()) {
    if (c.learning_slots < kMinimumLearningSlots)
      throw std::invalid_argument("ApReceiver: learning_slots " + std::to_string(c.learning_slots) + " < " +
                                  std::to_string(kMinimumLearningSlots));
  }

  HeldFrame hold(rx::DecodedFrame& frame) const {
    HeldFrame h;
    h.slot_id = frame.slot_id;
    h.stacked = rx::stack_real(frame.slot.payload);
    h.aux.resize(static_cast<Eigen::Index>(frame.aux.size()), kAuxDim);
    for (std::size_t n = 0; n < frame.aux.size(); ++n) {
      h.anchors.push_back(frame.aux[n].anchor);
      h.aux.row(static_cast<Eigen::Index>(n)) =
          Eigen::Map<const rx::Vector>(frame.aux[n].values.data(), kAuxDim).transpose();
    }
    frame.slot.payload.resize(0, 0);
    frame.slot.aux.clear();
    h.sync = std::move(frame.slot);
    return h;
  }

  // Reconstructed codewords (one row per device and frame) and their aux rows.
  std::pair<rx::Matrix, rx::Matrix> reconstruct(const std::vector<HeldFrame>& batch) const {
    const int n = config.deployment.devices;
    rx::Matrix codewords(static_cast<Eigen::Index>(batch.size()) * n, config.deployment.codeword_length);
    rx::Matrix aux(codewords.rows(), kAuxDim);
    for (std::size_t f = 0; f < batch.size(); ++f) {
      const std::vector<rx::Vector> w = decoder->decode(batch[f].stacked, batch[f].anchors);
      for (int d = 0; d < n; ++d) {
        const Eigen::Index row = static_cast<Eigen::Index>(f) * n + d;
        codewords.row(row) = w[d].transpose();
        aux.row(row) = batch[f].aux.row(d);
      }
    }
    return {codewords, aux_from_distances(aux, config.signalling)};
  }

  std::vector<SlotDecision> decide(const std::vector<HeldFrame>& batch, bool learning_phase) {
    if (batch.empty()) return {};
    const auto [codewords, aux] = reconstruct(batch);
    MixtureOfExperts& moe = receivers.moema.at(config.signalling);
    const torch::NoGradGuard no_grad;
    moe->eval();
    const MoeOutput out = moe->forward(to_tensor(codewords), to_tensor(aux));
    const torch::Tensor classes = out.log_probabilities.argmax(1).contiguous();
    const torch::Tensor gate = out.gate.to(torch::kFloat64).contiguous();
    const auto* c = classes.data_ptr<std::int64_t>();
    const auto* g = gate.data_ptr<double>();
    const int n = config.deployment.devices;
    std::vector<SlotDecision> decisions;
    for (std::size_t f = 0; f < batch.size(); ++f) {
      const HeldFrame& h = batch[f];
      SlotDecision d{h.slot_id, h.sync.index, h.sync.timing, h.sync.cfo, h.sync.snr_db, learning_phase, {}, {}, std::nullopt};
      for (int dev = 0; dev < n; ++dev) {
        const std::size_t row = f * static_cast<std::size_t>(n) + static_cast<std::size_t>(dev);
        d.classes.push_back(static_cast<int>(c[row]));
        d.gate.push_back({g[3 * row], g[3 * row + 1], g[3 * row + 2]});
      }
      decisions.push_back(std::move(d));
    }
    return decisions;
  }

  void fine_tune() {
    std::vector<HeldFrame> labelled;
    std::vector<int> labels;
    for (const HeldFrame& h : held) {
      const auto it = truth.find(h.slot_id);
      if (it == truth.end()) continue;
      labelled.push_back(h);
      labels.insert(labels.end(), it->second.begin(), it->second.end());
    }
    if (labelled.empty()) return;
    const auto [codewords, aux] = reconstruct(labelled);
    TrainingConfig t;
    t.epochs = config.fine_tune_epochs;
    t.seed = config.deployment.seed;
    t.progress = false;
    TrainingLog log;
    fine_tune_moema(receivers.moema.at(config.signalling), make_codeword_set(codewords, aux, labels), t, log);
  }

  // The learning phase ends: subspaces from the held slots, then their decisions.
  std::vector<SlotDecision> end_learning() {
    const auto start = std::chrono::steady_clock::now();
    struct Clock {  // adds the phase's duration however it ends
      std::chrono::steady_clock::time_point start;
      double& total;
      ~Clock() { total += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); }
    } clock{start, learning_seconds};
    std::vector<rx::Matrix> slots;
    for (const HeldFrame& h : held) slots.push_back(h.stacked);
    rx::RecoveryConfig rc;
    rc.devices = config.deployment.devices;
    rc.feature_dim = feature_dim;
    rc.method = config.recovery;
    rc.signatures = precoders.signatures();
    try {
      estimate = rx::recover_subspaces(slots, rc);
    } catch (const std::invalid_argument& e) {
      // Too impaired to recover: say so once; later frames are counted only.
      errors.push_back("subspace recovery from the " + std::to_string(held.size()) +
                       " learning slots failed, no slot is decided: " + e.what());
      recovery_failed = true;
      held.clear();
      return {};
    }
    decoder.emplace(estimate->bases, config.deployment.decoder);
    if (config.fine_tune_epochs > 0) fine_tune();
    std::vector<SlotDecision> out = decide(held, true);
    held.clear();
    return out;
  }

  ApReceiverConfig config;
  int feature_dim;
  ReceiverKey key;
  Receivers receivers;
  rx::PrecoderSet precoders;
  rx::FrameReceiver frames;
  std::vector<HeldFrame> held;     // learning slots
  std::vector<HeldFrame> pending;  // inference frames waiting for their group
  bool recovery_failed = false;
  std::optional<rx::SubspaceEstimate> estimate;
  std::optional<rx::CodewordDecoder> decoder;
  std::map<std::uint32_t, std::vector<int>> truth;
  std::vector<std::string> errors;
  std::vector<FrameEvent> events;
  double learning_seconds = 0;
};

ApReceiver::ApReceiver(const ApReceiverConfig& config) : impl_(std::make_unique<Impl>(config)) {}
ApReceiver::~ApReceiver() = default;

void ApReceiver::set_truth(std::uint32_t slot_id, const std::vector<int>& labels) { impl_->truth[slot_id] = labels; }

std::vector<SlotDecision> ApReceiver::push(const std::vector<const rx::Sample*>& channels, std::size_t n) {
  Impl& s = *impl_;
  std::vector<SlotDecision> out;
  for (rx::DecodedFrame& frame : s.frames.push(channels, n)) {
    s.events.push_back({frame.slot.index, frame.slot.timing, frame.slot_id, frame.ok, frame.error});
    if (!frame.ok) {
      s.errors.push_back(frame.error);
      continue;
    }
    if (s.recovery_failed) continue;
    if (s.decoder) {
      s.pending.push_back(s.hold(frame));
      if (s.pending.size() == kDecisionGroup) {
        std::vector<SlotDecision> group = s.decide(s.pending, false);
        out.insert(out.end(), std::make_move_iterator(group.begin()), std::make_move_iterator(group.end()));
        s.pending.clear();
      }
      continue;
    }
    s.held.push_back(s.hold(frame));
    if (static_cast<int>(s.held.size()) == s.config.learning_slots) out = s.end_learning();
  }
  return out;
}

std::vector<SlotDecision> ApReceiver::finish() {
  Impl& s = *impl_;
  if (s.decoder) {
    std::vector<SlotDecision> out = s.decide(s.pending, false);
    s.pending.clear();
    return out;
  }
  if (s.recovery_failed || s.held.empty()) return {};
  if (static_cast<int>(s.held.size()) < kMinimumLearningSlots) {
    s.errors.push_back("end of stream during the learning phase: " + std::to_string(s.held.size()) +
                       " slots received, at least " + std::to_string(kMinimumLearningSlots) +
                       " are needed to recover the subspaces; those slots are not decided");
    return {};
  }
  return s.end_learning();
}

const rx::FrameCounts& ApReceiver::counts() const { return impl_->frames.counts(); }

std::vector<std::string> ApReceiver::take_errors() {
  std::vector<std::string> out;
  out.swap(impl_->errors);
  return out;
}

std::vector<FrameEvent> ApReceiver::take_frames() {
  std::vector<FrameEvent> out;
  out.swap(impl_->events);
  return out;
}

bool ApReceiver::learning() const { return !impl_->decoder; }

std::vector<double> ApReceiver::subspace_similarity() const {
  std::vector<double> out;
  if (!impl_->estimate) return out;
  for (int n = 0; n < impl_->precoders.devices(); ++n)
    out.push_back(rx::subspace_similarity(impl_->precoders.basis(n), impl_->estimate->bases.at(n)));
  return out;
}

double ApReceiver::learning_seconds() const { return impl_->learning_seconds; }

int ApReceiver::detected_overlap() const { return impl_->estimate ? impl_->estimate->overlap : -1; }

const ApReceiverConfig& ApReceiver::config() const { return impl_->config; }

}  // namespace moema::models
