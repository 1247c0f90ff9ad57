#include "moema/jscc/training.hpp"

#include "moema/jscc/image_io.hpp"
#include "moema/common/progress.hpp"
#include "moema/common/torch_support.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <numeric>
#include <stdexcept>

namespace moema::jscc {

namespace {

namespace fs = std::filesystem;

// Each step draws from its own generator, so a resumed run draws exactly what
// an uninterrupted one would have.
std::mt19937_64 step_rng(uint64_t seed, long step) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(step)};
  return std::mt19937_64(seq);
}

struct Checkpoint {
  std::string dir;
  std::string model() const { return dir + "/codec.pt"; }
  std::string optimizer() const { return dir + "/optimizer.pt"; }
  std::string state() const { return dir + "/state.json"; }
  bool exists() const { return !dir.empty() && fs::is_regular_file(state()); }
};

nlohmann::json identity(const Codec& codec, const Channel& channel) {
  return {{"codec", codec->config().to_json()}, {"channel", channel.config().to_json()}};
}

// A stored identity read as the configurations it names, so that a checkpoint
// written before a configuration key existed matches that key's default.
nlohmann::json normalised_identity(const nlohmann::json& stored) {
  return {{"codec", CodecConfig::from_json(stored.at("codec")).to_json()},
          {"channel", ChannelConfig::from_json(stored.at("channel")).to_json()}};
}

void save_checkpoint(const Checkpoint& cp, const Codec& codec, torch::optim::Adam& optimizer,
                     const nlohmann::json& state) {
  fs::create_directories(cp.dir);
  // Write beside, then rename: an interrupted save leaves the last good one.
  save_module(codec, cp.model() + ".tmp");
  torch::save(optimizer, cp.optimizer() + ".tmp");
  write_json_file(cp.state() + ".tmp", state);
  fs::rename(cp.model() + ".tmp", cp.model());
  fs::rename(cp.optimizer() + ".tmp", cp.optimizer());
  fs::rename(cp.state() + ".tmp", cp.state());
}

}  // namespace

ImageCropSampler::ImageCropSampler(const std::string& folder, int crop) : crop_(crop) {
  for (const auto& path : list_images(folder)) {
    auto image = load_image(path);
    if (image.size(1) < crop || image.size(2) < crop) {
      ++skipped_;
      continue;
    }
    images_.push_back(quantize_8bit(image).mul(255).round().to(torch::kUInt8));
  }
  if (images_.empty())
    throw ImageError(folder + ": no image is at least " + std::to_string(crop) + "x" + std::to_string(crop));
}

torch::Tensor ImageCropSampler::sample(int batch, std::mt19937_64& rng) const {
  std::vector<torch::Tensor> crops;
  for (int i = 0; i < batch; ++i) {
    const auto& image = images_[std::uniform_int_distribution<size_t>(0, images_.size() - 1)(rng)];
    const auto top = std::uniform_int_distribution<int64_t>(0, image.size(1) - crop_)(rng);
    const auto left = std::uniform_int_distribution<int64_t>(0, image.size(2) - crop_)(rng);
    auto crop = image.slice(1, top, top + crop_).slice(2, left, left + crop_);
    if (std::bernoulli_distribution(0.5)(rng)) crop = crop.flip({2});
    crops.push_back(crop);
  }
  return torch::stack(crops).to(torch::kFloat).div(255.0);
}

nlohmann::json TrainOptions::to_json() const {
  return {{"images", images},
          {"crop", crop},
          {"batch", batch},
          {"steps", steps},
          {"learning_rate", learning_rate},
          {"lr_schedule", lr_schedule},
          {"warmup_steps", warmup_steps},
          {"snr_db", {snr_min_db, snr_max_db}},
          {"routing_loss_weights", routing_weights.to_json()},
          {"seed", seed},
          {"device", device}};
}

double learning_rate_at(const TrainOptions& options, long step) {
  if (options.lr_schedule != "constant" && options.lr_schedule != "cosine")
    throw std::invalid_argument("lr_schedule must be constant or cosine, got '" + options.lr_schedule + "'");
  if (options.warmup_steps < 0)
    throw std::invalid_argument("warmup_steps must be >= 0, got " + std::to_string(options.warmup_steps));
  if (step < options.warmup_steps) return options.learning_rate * (step + 1) / options.warmup_steps;
  if (options.lr_schedule == "constant") return options.learning_rate;
  const double decay_steps = static_cast<double>(options.steps - options.warmup_steps);
  if (decay_steps <= 0) return options.learning_rate;
  const double progress = std::min(1.0, (step - options.warmup_steps) / decay_steps);
  return options.learning_rate * 0.5 * (1.0 + std::cos(M_PI * progress));
}

TrainResult train_codec(Codec& codec, const Channel& channel, const TrainOptions& options) {
  const torch::Device device(options.device);
  codec->to(device);
  codec->train();
  learning_rate_at(options, 0);  // rejects an unknown schedule before any work
  torch::optim::Adam optimizer(codec->parameters(), torch::optim::AdamOptions(options.learning_rate));

  const Checkpoint checkpoint{options.checkpoint_dir};
  TrainResult result;
  if (checkpoint.exists()) {
    const auto state = read_json_file(checkpoint.state());
    if (normalised_identity(state.at("identity")) != identity(codec, channel))
      throw std::runtime_error(checkpoint.state() + ": a checkpoint of another configuration (" +
                               state.at("identity").dump() + "), not " + identity(codec, channel).dump() +
                               "; use another --checkpoint folder");
    load_module(codec, checkpoint.model());
    codec->train();
    torch::load(optimizer, checkpoint.optimizer());
    result.steps_done = state.at("step").get<long>();
    result.seconds = state.at("seconds").get<double>();
    result.final_loss = state.value("recent_mse", 0.0);
    std::fprintf(stderr, "resuming from %s at step %ld\n", checkpoint.dir.c_str(), result.steps_done);
  }

  const ImageCropSampler sampler(options.images, options.crop);
  if (sampler.skipped() > 0)
    std::fprintf(stderr, "%s: %zu images smaller than %dx%d skipped\n", options.images.c_str(), sampler.skipped(),
                 options.crop, options.crop);

  const int streams = channel.config().streams();
  std::deque<double> recent;
  const auto start = std::chrono::steady_clock::now();
  const double seconds_before = result.seconds;
  ProgressBar progress("train " + codec->config().architecture, options.steps, options.progress);
  progress.advance(result.steps_done);
  const auto save = [&] {
    if (checkpoint.dir.empty()) return;
    const double mean =
        recent.empty() ? result.final_loss : std::accumulate(recent.begin(), recent.end(), 0.0) / recent.size();
    save_checkpoint(checkpoint, codec, optimizer,
                    {{"identity", identity(codec, channel)},
                     {"step", result.steps_done},
                     {"seconds", result.seconds},
                     {"recent_mse", mean},
                     {"options", options.to_json()}});
  };

  while (result.steps_done < options.steps) {
    auto rng = step_rng(options.seed, result.steps_done);
    const auto images = sampler.sample(options.batch, rng).to(device);
    const double snr = std::uniform_real_distribution<double>(options.snr_min_db, options.snr_max_db)(rng);
    torch::manual_seed(options.seed * 1000003ULL + static_cast<uint64_t>(result.steps_done));
    const auto snr_db = torch::full({options.batch}, snr, torch::TensorOptions().device(device));

    const auto sent = codec->encode(images, nominal_csi(snr_db, streams));
    const auto received = channel.transmit(sent, snr_db);
    const auto decoded = codec->decode(received.symbols, received.stream_snr_db, options.crop, options.crop);
    const auto mse = torch::mse_loss(decoded, images);
    std::vector<Routing> routing;
    for (const auto& layer : codec->routing()) routing.push_back(layer.routing);
    const auto loss = mse + routing_loss(routing, options.routing_weights).to(device);

    // Undefined rather than zeroed gradients: Adam then skips the experts no
    // token chose in this step, whatever earlier steps chose. Zeroed ones would
    // keep moving on momentum in a long run but not in a resumed one.
    for (auto& parameter : codec->parameters()) parameter.mutable_grad().reset();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(codec->parameters(), 1.0);
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(learning_rate_at(options, result.steps_done));
    optimizer.step();

    recent.push_back(mse.item<double>());
    if (recent.size() > 100) recent.pop_front();
    ++result.steps_done;
    result.seconds = seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char status[96];
    std::snprintf(status, sizeof status, "mse %.5f (%.2f dB) at %.1f dB", recent.back(),
                  -10 * std::log10(recent.back()), snr);
    progress.advance(1, status);

    const bool out_of_time = options.max_minutes > 0 &&
                             result.seconds - seconds_before > options.max_minutes * 60.0;
    if (result.steps_done % options.checkpoint_every == 0 || out_of_time) save();
    if (out_of_time) break;
  }
  if (result.steps_done >= options.steps) save();
  result.finished = result.steps_done >= options.steps;
  // A resumed run that had nothing left to do keeps the checkpoint's figure.
  if (!recent.empty()) result.final_loss = std::accumulate(recent.begin(), recent.end(), 0.0) / recent.size();
  progress.finish();
  codec->eval();
  return result;
}

}  // namespace moema::jscc
