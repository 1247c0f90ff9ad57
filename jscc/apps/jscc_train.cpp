// jscc-train: trains one image codec (AD-MoE SwinJSCC, SwinJSCC or DeepJSCC)
// through the channel on random crops of a folder of images, with one SNR
// drawn per batch. Checkpoints every few hundred steps; run it again with the
// same --checkpoint folder to resume (e.g. in chunks with --minutes). When the
// step count is reached it writes PREFIX.pt and the manifest PREFIX.json.
#include "moema/jscc/model_files.hpp"
#include "moema/jscc/training.hpp"
#include "moema/common/torch_support.hpp"
#include "moema/common/torch_support.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

using namespace moema;
using namespace moema::jscc;

int main(int argc, char** argv) {
  CLI::App app{"Train an image JSCC codec over a MIMO or AWGN channel"};
  TrainOptions train;
  CodecConfig codec_config;
  ChannelConfig channel_config;
  std::string output, note;
  int threads = 2;
  app.add_option("--images", train.images, "folder of training images (PNG/JPEG), e.g. BSDS500 or DIV2K")->required();
  app.add_option("--output", output, "write PREFIX.pt and PREFIX.json when training finishes")->required();
  app.add_option("--architecture", codec_config.architecture, "admoe_swinjscc, swinjscc or deepjscc")
      ->check(CLI::IsMember({"admoe_swinjscc", "swinjscc", "deepjscc"}));
  app.add_option("--ratio", codec_config.ratio, "bandwidth ratio R (complex symbols per source dimension)");
  app.add_option("--dims", codec_config.dims, "stage widths (4 values)")->expected(4);
  app.add_option("--depths", codec_config.depths, "blocks per stage (4 values)")->expected(4);
  app.add_option("--heads", codec_config.heads, "attention heads of stages 3 and 4")->expected(2);
  app.add_option("--window", codec_config.window, "Swin window size");
  std::string colour = to_string(codec_config.colour);
  app.add_option("--colour", colour, "encoder input / decoder output coordinates: opponent (whitened) or rgb")
      ->check(CLI::IsMember({"opponent", "rgb"}));
  app.add_flag("--csi-scaling", codec_config.csi_scaling,
               "Swin codecs: the decoder scales each received value by a learned function of its stream's SNR");
  app.add_option("--routed-experts", codec_config.moe.routed_experts);
  app.add_option("--shared-experts", codec_config.moe.shared_experts);
  app.add_option("--expert-ratio", codec_config.moe.expert_ratio, "routed expert hidden width / token width");
  app.add_option("--shared-ratio", codec_config.moe.shared_ratio,
                 "shared expert hidden width / token width (SwinJSCC's MLP has 4)");
  app.add_flag("--zero-init-routed", codec_config.moe.zero_init_routed,
               "routed experts start with a zero output layer: AD-MoE starts as its shared experts");
  app.add_option("--max-k", codec_config.moe.max_k, "most routed experts per token");
  app.add_option("--threshold", codec_config.moe.threshold, "adaptive top-k weight-gap threshold");
  app.add_option("--router-csi-unit-db", codec_config.moe.csi_unit_db,
                 "the routers see the per-stream SNR in units of this many dB (smaller: the CSI weights learn faster)");
  app.add_option("--load-balance-weight", train.routing_weights.load_balance, "weight of the load-balance loss");
  app.add_option("--entropy-weight", train.routing_weights.entropy, "weight of the routing entropy loss");
  app.add_option("--variance-weight", train.routing_weights.variance, "weight of the utilisation-variance loss");
  app.add_option("--channel", channel_config.kind, "mimo or awgn")->check(CLI::IsMember({"mimo", "awgn"}));
  app.add_option("--nt", channel_config.nt, "transmit antennas");
  app.add_option("--nr", channel_config.nr, "receive antennas");
  app.add_option("--estimation-nmse", channel_config.estimation_nmse, "channel estimation error (NMSE)");
  app.add_flag("--svd-precoding", channel_config.svd_precoding, "precode with the SVD of the channel");
  app.add_option("--steps", train.steps, "total training steps (over all resumed runs)");
  app.add_option("--batch", train.batch);
  app.add_option("--crop", train.crop, "training crop size in pixels");
  app.add_option("--lr", train.learning_rate, "Adam learning rate (the peak, with a schedule)");
  app.add_option("--lr-schedule", train.lr_schedule, "constant, or cosine decay to 0 at --steps")
      ->check(CLI::IsMember({"constant", "cosine"}));
  app.add_option("--warmup-steps", train.warmup_steps, "linear learning-rate warm-up");
  app.add_option("--snr-min", train.snr_min_db);
  app.add_option("--snr-max", train.snr_max_db);
  app.add_option("--seed", train.seed);
  app.add_option("--minutes", train.max_minutes, "stop after this many minutes (a checkpoint is saved); 0: no limit");
  app.add_option("--checkpoint", train.checkpoint_dir, "checkpoint folder (resumed from when it exists)");
  app.add_option("--checkpoint-every", train.checkpoint_every, "steps between checkpoints");
  app.add_option("--device", train.device, "cpu or cuda");
  app.add_option("--note", note, "a remark for the manifest (e.g. why the configuration is small)");
  app.add_option("--threads", threads, "CPU threads (0: all)");
  app.add_flag("--no-progress", [&](int64_t) { train.progress = false; }, "no progress bar");
  CLI11_PARSE(app, argc, argv);

  try {
    configure_threads(threads);
    codec_config.colour = parse_colour_space(colour);
    codec_config = CodecConfig::from_json(codec_config.to_json());  // validates
    const Channel channel(ChannelConfig::from_json(channel_config.to_json()));
    torch::manual_seed(train.seed);
    auto codec = make_codec(codec_config, channel.config().streams());
    const auto result = train_codec(codec, channel, train);
    if (!result.finished) {
      std::printf("stopped at step %ld of %ld (time limit); run the same command again to resume\n",
                  result.steps_done, train.steps);
      return 0;
    }
    long parameters = 0;
    for (const auto& p : codec->parameters()) parameters += p.numel();
    const nlohmann::json manifest = {
        {"codec", codec_config.to_json()},
        {"channel", channel.config().to_json()},
        {"realised_ratio", codec_config.realised_ratio()},
        {"parameters", parameters},
        {"training",
         {{"options", train.to_json()},
          {"steps", result.steps_done},
          {"seconds", result.seconds},
          {"threads", threads},
          {"final_mse", result.final_loss}}},
        {"note", note},
        {"commit", source_commit()},
        {"program", "jscc-train"}};
    codec->to(torch::kCPU);
    save_codec(codec, manifest, output);
    std::printf("wrote %s.pt and %s.json (%ld steps, %.0f s, final MSE %.5f)\n", output.c_str(), output.c_str(),
                result.steps_done, result.seconds, result.final_loss);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "jscc-train: %s\n", e.what());
    return 1;
  }
  return 0;
}
