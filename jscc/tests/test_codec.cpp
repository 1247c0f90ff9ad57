// The image codecs, their files and their training against independent
// expectations: bandwidth ratios and symbol counts from the paper's
// definition R = complex symbols / (3 H W), unit power per image, routing
// shapes from the stage resolutions, compute counts by hand, an overfit smoke
// test, bit-identical save/load, and a resumed training run that ends exactly
// where an uninterrupted one does.
#include "moema/jscc/channel.hpp"
#include "moema/jscc/codec.hpp"
#include "moema/jscc/evaluation.hpp"
#include "moema/jscc/image_io.hpp"
#include "moema/jscc/losses.hpp"
#include "moema/jscc/model_files.hpp"
#include "moema/jscc/training.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace moema::jscc {
namespace {

namespace fs = std::filesystem;

constexpr double kPi = 3.14159265358979323846;

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

double psnr(const torch::Tensor& a, const torch::Tensor& b) {
  return -10.0 * std::log10(torch::mse_loss(a, b).item<double>());
}

// An empty folder of its own for the running test, removed afterwards.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = fs::path(::testing::TempDir()) / ("moema_jscc_" + std::string(info->test_suite_name()) + "_" +
                                             info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
};

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// Runs f, expecting an exception of type E whose message contains `needle`.
template <typename E, typename F>
void expect_throw_naming(F f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no exception, expected one naming " << needle;
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message \"" << e.what() << "\" does not name " << needle;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

// A small Swin codec: 64x64 images with window 4.
CodecConfig small_config(const std::string& architecture = "admoe_swinjscc") {
  CodecConfig c;
  c.architecture = architecture;
  c.dims = {16, 16, 32, 48};
  c.depths = {1, 1, 2, 2};
  c.heads = {2, 2};
  c.window = 4;
  c.deepjscc_filters = 8;
  return c;
}

ChannelConfig awgn() {
  ChannelConfig c;
  c.kind = "awgn";
  return c;
}

// A smooth synthetic image with a few sharp edges: [1, 3, size, size] in [0, 1].
torch::Tensor synthetic_image(int size) {
  const auto t = torch::linspace(0, 1, size);
  const auto y = t.view({size, 1}).expand({size, size});
  const auto x = t.view({1, size}).expand({size, size});
  auto r = 0.5 + 0.3 * torch::sin(2 * kPi * x) * torch::cos(kPi * y);
  auto g = 0.2 + 0.6 * y;
  auto b = 0.4 + 0.3 * torch::cos(2 * kPi * (x + y) / 2);
  // Edges: a bright square, a dark vertical bar.
  r = torch::where((x > 0.2) & (x < 0.5) & (y > 0.3) & (y < 0.6), torch::full_like(r, 0.95), r);
  g = torch::where((x > 0.7) & (x < 0.78), torch::full_like(g, 0.05), g);
  b = torch::where(y > 0.8, torch::full_like(b, 0.9), b);
  return torch::stack({r, g, b}).unsqueeze(0).clamp(0, 1).to(torch::kFloat);
}

// ---------------------------------------------------------------- configuration

TEST(CodecConfig, JsonRoundTrip) {
  CodecConfig c;
  c.architecture = "swinjscc";
  c.ratio = 1.0 / 8;
  c.dims = {8, 16, 24, 40};
  c.depths = {2, 1, 4, 2};
  c.heads = {3, 5};
  c.window = 2;
  c.mlp_ratio = 3;
  c.moe.routed_experts = 6;
  c.moe.max_k = 2;
  c.moe.threshold = 0.2;
  c.deepjscc_filters = 20;
  c.colour = ColourSpace::opponent;
  const auto back = CodecConfig::from_json(c.to_json());
  EXPECT_EQ(back.architecture, "swinjscc");
  EXPECT_DOUBLE_EQ(back.ratio, 1.0 / 8);
  EXPECT_EQ(back.dims, c.dims);
  EXPECT_EQ(back.depths, c.depths);
  EXPECT_EQ(back.heads, c.heads);
  EXPECT_EQ(back.window, 2);
  EXPECT_EQ(back.mlp_ratio, 3);
  EXPECT_EQ(back.moe.routed_experts, 6);
  EXPECT_EQ(back.moe.max_k, 2);
  EXPECT_DOUBLE_EQ(back.moe.threshold, 0.2);
  EXPECT_EQ(back.deepjscc_filters, 20);
  EXPECT_EQ(back.colour, ColourSpace::opponent);
  EXPECT_EQ(back.to_json(), c.to_json());
  // Archives from before the colour choice are rgb.
  auto legacy = c.to_json();
  legacy.erase("colour");
  EXPECT_EQ(CodecConfig::from_json(legacy).colour, ColourSpace::rgb);
  EXPECT_FALSE(CodecConfig::from_json(legacy).csi_scaling);
  c.csi_scaling = true;
  EXPECT_TRUE(CodecConfig::from_json(c.to_json()).csi_scaling);
  // Through text too.
  EXPECT_EQ(CodecConfig::from_json(nlohmann::json::parse(c.to_json().dump())).to_json(), c.to_json());
}

TEST(CodecConfig, LatentChannelsFollowTheBandwidthRatio) {
  // R = latent/2 complex symbols per 16x16x3 = 768 source values: latent = 2 * 768 R.
  CodecConfig swin;
  swin.architecture = "admoe_swinjscc";
  swin.ratio = 1.0 / 16;
  EXPECT_EQ(swin.latent_channels(), 96);
  EXPECT_DOUBLE_EQ(swin.realised_ratio(), 1.0 / 16);
  swin.architecture = "swinjscc";
  EXPECT_EQ(swin.latent_channels(), 96);
  swin.ratio = 1.0 / 12;
  EXPECT_EQ(swin.latent_channels(), 128);
  // DeepJSCC: c/2 symbols per 4x4x3 = 48 values: c = 96 R.
  CodecConfig deep;
  deep.architecture = "deepjscc";
  deep.ratio = 1.0 / 16;
  EXPECT_EQ(deep.latent_channels(), 6);
  EXPECT_DOUBLE_EQ(deep.realised_ratio(), 1.0 / 16);
  deep.ratio = 1.0 / 6;
  EXPECT_EQ(deep.latent_channels(), 16);
  // Size multiples: 16 * window for Swin, 4 for DeepJSCC.
  EXPECT_EQ(small_config().size_multiple(), 64);
  EXPECT_EQ(deep.size_multiple(), 4);
}

TEST(CodecConfig, BadValuesThrowNamingTheKey) {
  expect_throw_naming<std::invalid_argument>([] { CodecConfig::from_json({{"architecture", "resnet"}}); },
                                             "architecture");
  expect_throw_naming<std::invalid_argument>([] { CodecConfig::from_json({{"ratio", 0.0}}); }, "ratio");
  expect_throw_naming<std::invalid_argument>([] { CodecConfig::from_json({{"ratio", 1.5}}); }, "ratio");
  expect_throw_naming<std::invalid_argument>([] { CodecConfig::from_json({{"dims", {8, 16, 32}}}); }, "dims");
  expect_throw_naming<std::invalid_argument>([] { CodecConfig::from_json({{"heads", {2}}}); }, "heads");
  expect_throw_naming<std::invalid_argument>([] { CodecConfig::from_json({{"window", 0}}); }, "window");
  expect_throw_naming<std::invalid_argument>([] { CodecConfig::from_json({{"colour", "lab"}}); }, "'colour'");
  EXPECT_THROW(CodecConfig::from_json({{"moe", {{"max_k", 9}}}}), std::invalid_argument);
  expect_throw_naming<std::invalid_argument>(
      [] { CodecConfig::from_json({{"architecture", "deepjscc"}, {"csi_scaling", true}}); }, "'csi_scaling'");
}

TEST(CodecCsi, NominalCsiRepeatsTheSnrPerStream) {
  const auto csi = nominal_csi(torch::tensor({3.0, -2.5}), 2);
  ASSERT_EQ(csi.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(csi.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::equal(csi, torch::tensor({{3.0f, 3.0f}, {-2.5f, -2.5f}})));
  EXPECT_EQ(nominal_csi(torch::tensor({7.0f}), 1).sizes(), (std::vector<int64_t>{1, 1}));
}

TEST(CodecCsi, DecoderCsiAblationModes) {
  const auto measured = torch::tensor({{12.0f, -3.0f}, {5.0f, 9.0f}});
  EXPECT_TRUE(torch::equal(decoder_csi(DecoderCsi::measured, measured, 7.0), measured));
  EXPECT_TRUE(torch::equal(decoder_csi(DecoderCsi::nominal, measured, 7.0), torch::full({2, 2}, 7.0f)));
  EXPECT_TRUE(torch::equal(decoder_csi(DecoderCsi::swapped, measured, 7.0), torch::tensor({{-3.0f, 12.0f}, {9.0f, 5.0f}})));
  for (const auto mode : {DecoderCsi::measured, DecoderCsi::nominal, DecoderCsi::swapped})
    EXPECT_EQ(parse_decoder_csi(to_string(mode)), mode);
  expect_throw_naming<std::invalid_argument>([] { parse_decoder_csi("perfect"); }, "'perfect'");
}

TEST(CodecCsi, StreamOfLatentValuesByHand) {
  // Values 2s and 2s+1 are complex symbol s, sent on antenna s % streams.
  EXPECT_TRUE(torch::equal(stream_of_latent_values(8, 2), torch::tensor({0, 0, 1, 1, 0, 0, 1, 1}, torch::kLong)));
  EXPECT_TRUE(torch::equal(stream_of_latent_values(8, 3), torch::tensor({0, 0, 1, 1, 2, 2, 0, 0}, torch::kLong)));
  EXPECT_TRUE(torch::equal(stream_of_latent_values(4, 1), torch::zeros({4}, torch::kLong)));
  EXPECT_THROW(stream_of_latent_values(4, 0), std::invalid_argument);
}

TEST(CodecCsi, StreamOfLatentValuesMatchesTheMimoChannel) {
  // H = diag(1, 0.03): antenna 1 arrives 30 dB weaker, so after unbiased MMSE
  // the values it carried have about 1000 times the error power.
  torch::manual_seed(5);
  ChannelConfig config;  // 2x2 MIMO
  const Channel channel(config);
  const auto latent = torch::randn({1, 400});
  const auto h = torch::tensor({1.0, 0.0, 0.0, 0.03}).to(torch::kComplexFloat).view({1, 2, 2});
  const auto received = channel.transmit(real_to_complex(latent), torch::tensor({20.0}), h);
  const auto error = (complex_to_real(received.symbols) - latent).pow(2).squeeze(0);
  const auto stream = stream_of_latent_values(400, 2);
  const double weak = error.index({stream == 1}).mean().item<double>();
  const double strong = error.index({stream == 0}).mean().item<double>();
  EXPECT_GT(weak, 100 * strong);
  EXPECT_GT(received.stream_snr_db[0][0].item<double>(), received.stream_snr_db[0][1].item<double>() + 25);
}

TEST(CodecCsi, CsiShrinkageClosedForms) {
  // One position, four values: symbols 0 and 1, on streams 0 and 1.
  const auto latent = torch::tensor({2.0f, -4.0f, 1.0f, 3.0f}).view({1, 1, 4});
  const auto csi = torch::tensor({{0.0f, 10.0f}});  // linear SNR 1 and 10
  const auto ones = torch::ones({4}), zeros = torch::zeros({4});
  // slope 1, offset 0: snr / (1 + snr), i.e. 1/2 on stream 0 and 10/11 on stream 1.
  const auto mmse = csi_shrinkage(latent, csi, ones, zeros);
  EXPECT_LT(max_abs_diff(mmse, torch::tensor({1.0, -2.0, 10.0 / 11, 30.0 / 11}).view({1, 1, 4})), 1e-6);
  // slope 0: sigmoid(offset) whatever the SNR.
  const auto flat = csi_shrinkage(latent, csi, zeros, torch::full({4}, std::log(3.0f)));
  EXPECT_LT(max_abs_diff(flat, latent * 0.75), 1e-6);
  // slope 2: snr^2 / (1 + snr^2).
  const auto steep = csi_shrinkage(latent, csi, 2 * ones, zeros);
  EXPECT_LT(max_abs_diff(steep, torch::tensor({1.0, -2.0, 100.0 / 101, 300.0 / 101}).view({1, 1, 4})), 1e-6);
}

TEST(CodecCsi, DecoderCsiScalingShutsOutAWeakStream) {
  torch::manual_seed(43);
  auto config = small_config("swinjscc");
  config.csi_scaling = true;
  const auto codec = make_codec(config, 2);
  codec->eval();
  torch::NoGradGuard guard;
  const auto symbols = codec->encode(torch::rand({1, 3, 64, 64}), nominal_csi(torch::tensor({10.0}), 2));
  EXPECT_THROW(codec->decode(symbols, torch::zeros({1, 3}), 64, 64), std::invalid_argument);
  // At -30 dB a value is scaled by 1e-3: with a steeper slope (1e-12) what the
  // weak stream carried no longer changes the image, and told the other way
  // round, the same change does.
  for (auto& p : codec->named_parameters())
    if (p.key() == "csi_scaling.slope") p.value().fill_(4.0);
  const auto good_first = torch::tensor({{30.0f, -30.0f}}), good_second = torch::tensor({{-30.0f, 30.0f}});
  const auto stream = stream_of_latent_values(2 * symbols.size(1), 2);
  const auto values = complex_to_real(symbols);
  auto other = values.clone();
  other.index_put_({0, stream == 1}, torch::randn({(stream == 1).sum().item<int64_t>()}));
  const auto decode = [&](const torch::Tensor& v, const torch::Tensor& csi) {
    return codec->decode(real_to_complex(v), csi, 64, 64);
  };
  EXPECT_LT(max_abs_diff(decode(values, good_first), decode(other, good_first)), 1e-6);
  EXPECT_GT(max_abs_diff(decode(values, good_second), decode(other, good_second)), 1e-3);
}

// ---------------------------------------------------------------- encode / decode

class CodecArchitecture : public ::testing::TestWithParam<std::string> {};

TEST_P(CodecArchitecture, EncodeDecodeShapesPowerAndRange) {
  torch::manual_seed(41);
  const auto config = small_config(GetParam());
  const auto codec = make_codec(config, 2);
  codec->eval();
  torch::NoGradGuard guard;
  const auto images = torch::rand({2, 3, 64, 64});
  const auto csi = nominal_csi(torch::tensor({5.0, 15.0}), 2);
  const auto symbols = codec->encode(images, csi);
  // R * 3 * 64 * 64 = 12288 / 16 = 768 complex symbols per image.
  ASSERT_EQ(symbols.sizes(), (std::vector<int64_t>{2, 768}));
  EXPECT_TRUE(symbols.is_complex());
  const auto power = symbols.abs().pow(2).mean(1);
  EXPECT_LT(max_abs_diff(power, torch::ones({2})), 1e-4);
  const auto decoded = codec->decode(symbols, csi, 64, 64);
  ASSERT_EQ(decoded.sizes(), (std::vector<int64_t>{2, 3, 64, 64}));
  EXPECT_GE(decoded.min().item<double>(), 0.0);
  EXPECT_LE(decoded.max().item<double>(), 1.0);
  // Wrong sizes are named.
  const std::string bad = GetParam() == "deepjscc" ? "50x50" : "48x48";
  const int side = GetParam() == "deepjscc" ? 50 : 48;
  expect_throw_naming<std::invalid_argument>([&] { codec->encode(torch::rand({1, 3, side, side}), csi.slice(0, 0, 1)); },
                                             bad);
  expect_throw_naming<std::invalid_argument>([&] { codec->decode(symbols, csi, 128, 128); }, "128x128");
  EXPECT_THROW(codec->encode(torch::rand({1, 1, 64, 64}), csi.slice(0, 0, 1)), std::invalid_argument);
  // Other ratios change the symbol count accordingly: 1/8 -> 1536.
  auto wider = config;
  wider.ratio = 1.0 / 8;
  EXPECT_EQ(make_codec(wider, 2)->encode(images, csi).size(1), 1536);
}

INSTANTIATE_TEST_SUITE_P(Codec, CodecArchitecture, ::testing::Values("admoe_swinjscc", "swinjscc", "deepjscc"));

TEST(CodecRouting, OnlyTheMoeCodecRoutesWithTokenCountsOfItsStages) {
  torch::manual_seed(42);
  torch::NoGradGuard guard;
  const auto images = torch::rand({2, 3, 64, 64});
  const auto csi = nominal_csi(torch::tensor({5.0, 15.0}), 1);
  for (const std::string arch : {"swinjscc", "deepjscc"}) {
    const auto codec = make_codec(small_config(arch), 1);
    codec->decode(codec->encode(images, csi), csi, 64, 64);
    EXPECT_TRUE(codec->routing().empty()) << arch;
  }
  const auto codec = make_codec(small_config(), 1);
  const auto symbols = codec->encode(images, csi);
  // Encoder only so far: stage 3 (8x8 map) and stage 4 (4x4), two blocks each.
  EXPECT_EQ(codec->routing().size(), 4u);
  codec->decode(symbols, csi, 64, 64);
  const auto routing = codec->routing();
  ASSERT_EQ(routing.size(), 8u);
  int stage3 = 0, stage4 = 0;
  for (const auto& layer : routing) {
    const bool is3 = layer.layer.find("stage3") != std::string::npos;
    const bool is4 = layer.layer.find("stage4") != std::string::npos;
    ASSERT_TRUE(is3 != is4) << layer.layer;
    stage3 += is3, stage4 += is4;
    const int64_t tokens = is3 ? 64 : 16;
    EXPECT_EQ(layer.routing.probs.sizes(), (std::vector<int64_t>{2, tokens, 5})) << layer.layer;
    EXPECT_EQ(layer.routing.mask.sizes(), (std::vector<int64_t>{2, tokens, 5})) << layer.layer;
    const auto counts = layer.routing.mask.sum(-1);
    EXPECT_GE(counts.min().item<int64_t>(), 1) << layer.layer;
    EXPECT_LE(counts.max().item<int64_t>(), 3) << layer.layer;
  }
  EXPECT_EQ(stage3, 4);
  EXPECT_EQ(stage4, 4);
}

TEST(CodecCompute, SparseBelowDenseByHand) {
  torch::manual_seed(43);
  torch::NoGradGuard guard;
  const auto config = small_config();  // widths 32 (stage 3), 48 (stage 4), expert_ratio 2
  const auto codec = make_codec(config, 1);
  const auto csi = nominal_csi(torch::tensor({5.0, 15.0}), 1);
  codec->decode(codec->encode(torch::rand({2, 3, 64, 64}), csi), csi, 64, 64);
  const auto routing = codec->routing();
  const auto compute = moe_compute(config, routing);
  // One expert: two linear layers, width x 2 width each.
  const double e3 = 2.0 * 32 * 64, e4 = 2.0 * 48 * 96;
  // Four layers at stage 3 with 2 x 64 tokens, four at stage 4 with 2 x 16.
  const double shared = 4 * 128 * e3 + 4 * 32 * e4;  // one shared expert
  EXPECT_DOUBLE_EQ(compute.dense_all_experts, 6 * shared);  // 1 shared + 5 routed
  double selected = 0;
  for (const auto& layer : routing)
    selected += layer.routing.mask.sum().item<double>() * (layer.layer.find("stage3") != std::string::npos ? e3 : e4);
  EXPECT_DOUBLE_EQ(compute.sparse, shared + selected);
  // At least one, at most max_k = 3 routed experts per token.
  EXPECT_GE(compute.sparse, 2 * shared);
  EXPECT_LE(compute.sparse, 4 * shared);
  EXPECT_LT(compute.sparse, compute.dense_all_experts);
  // Shared experts twice as wide as the routed ones cost twice as much.
  auto wide = config;
  wide.moe.shared_ratio = 4;
  const auto wide_compute = moe_compute(wide, routing);
  EXPECT_DOUBLE_EQ(wide_compute.dense_all_experts, 7 * shared);
  EXPECT_DOUBLE_EQ(wide_compute.sparse, 2 * shared + selected);
  const auto none = moe_compute(config, {});
  EXPECT_EQ(none.dense_all_experts, 0.0);
  EXPECT_EQ(none.sparse, 0.0);
}

// ---------------------------------------------------------------- overfit smoke test

TEST(CodecTraining, OverfitsOneImage) {
  torch::manual_seed(44);
  CodecConfig config;
  config.architecture = "admoe_swinjscc";
  config.dims = {16, 16, 32, 32};
  config.depths = {1, 1, 2, 2};
  config.heads = {2, 2};
  config.window = 4;
  const Channel channel(awgn());
  const auto codec = make_codec(config, channel.config().streams());
  const auto image = synthetic_image(64);
  const auto snr = torch::full({1}, 30.0);
  const auto csi = nominal_csi(snr, 1);
  const auto reconstruct = [&] {
    torch::NoGradGuard guard;
    codec->eval();
    const auto received = channel.transmit(codec->encode(image, csi), snr);
    return psnr(codec->decode(received.symbols, received.stream_snr_db, 64, 64), image);
  };
  const double before = reconstruct();
  codec->train();
  torch::optim::Adam optimizer(codec->parameters(), torch::optim::AdamOptions(2e-3));
  const auto start = std::chrono::steady_clock::now();
  for (int step = 0; step < 150; ++step) {
    const auto received = channel.transmit(codec->encode(image, csi), snr);
    const auto decoded = codec->decode(received.symbols, received.stream_snr_db, 64, 64);
    std::vector<Routing> routing;
    for (const auto& layer : codec->routing()) routing.push_back(layer.routing);
    const auto loss = torch::mse_loss(decoded, image) + routing_loss(routing, LossWeights{});
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double after = reconstruct();
  std::printf("overfit: PSNR %.2f dB -> %.2f dB in %.1f s\n", before, after, seconds);
  EXPECT_GE(after - before, 8.0);
  EXPECT_GT(after, 20.0);
}

// ---------------------------------------------------------------- model files

nlohmann::json manifest_for(const CodecConfig& codec, const ChannelConfig& channel) {
  return {{"codec", codec.to_json()}, {"channel", channel.to_json()}, {"note", "test"}};
}

TEST(CodecFiles, SaveLoadRoundTripDecodesIdentically) {
  const ScratchDir scratch;
  const fs::path& dir = scratch.path;
  torch::manual_seed(45);
  const auto config = small_config();
  const auto codec = make_codec(config, 1);
  codec->eval();
  const std::string prefix = (dir / "sub" / "tiny").string();
  save_codec(codec, manifest_for(config, awgn()), prefix);
  EXPECT_TRUE(fs::is_regular_file(prefix + ".pt"));
  EXPECT_TRUE(fs::is_regular_file(prefix + ".json"));

  const auto loaded = load_codec(prefix + ".json");
  EXPECT_EQ(loaded.name, "tiny");
  EXPECT_EQ(loaded.config.to_json(), config.to_json());
  EXPECT_EQ(loaded.channel.kind, "awgn");
  EXPECT_EQ(loaded.manifest.at("note"), "test");
  EXPECT_FALSE(loaded.codec->is_training());
  // Without the .json suffix too.
  EXPECT_EQ(load_codec(prefix).name, "tiny");

  torch::NoGradGuard guard;
  const auto images = torch::rand({2, 3, 64, 64});
  const auto csi = nominal_csi(torch::tensor({5.0, 15.0}), 1);
  const auto symbols = codec->encode(images, csi);
  EXPECT_TRUE(torch::equal(loaded.codec->encode(images, csi), symbols));
  EXPECT_TRUE(torch::equal(loaded.codec->decode(symbols, csi, 64, 64), codec->decode(symbols, csi, 64, 64)));
  // The manifest needs codec and channel.
  EXPECT_THROW(save_codec(codec, {{"codec", config.to_json()}}, prefix + "2"), std::invalid_argument);
}

TEST(CodecFiles, BadManifestOrWeightsThrowNamingTheFile) {
  const ScratchDir scratch;
  const fs::path& dir = scratch.path;
  torch::manual_seed(46);
  const auto config = small_config();
  const auto codec = make_codec(config, 1);
  const std::string prefix = (dir / "model").string();
  save_codec(codec, manifest_for(config, awgn()), prefix);

  // A bad architecture in the manifest.
  auto bad = manifest_for(config, awgn());
  bad["codec"]["architecture"] = "transformer";
  write_text(dir / "bad_arch.json", bad.dump());
  fs::copy_file(prefix + ".pt", dir / "bad_arch.pt");
  expect_throw_naming<std::runtime_error>([&] { load_codec((dir / "bad_arch.json").string()); },
                                          (dir / "bad_arch.json").string());
  expect_throw_naming<std::runtime_error>([&] { load_codec((dir / "bad_arch.json").string()); }, "architecture");

  // Weights of another architecture beside a valid manifest.
  const auto deep_config = small_config("deepjscc");
  save_codec(make_codec(deep_config, 1), manifest_for(deep_config, awgn()), (dir / "deep").string());
  write_text(dir / "swapped.json", manifest_for(config, awgn()).dump());
  fs::copy_file(dir / "deep.pt", dir / "swapped.pt");
  expect_throw_naming<std::runtime_error>([&] { load_codec((dir / "swapped.json").string()); },
                                          (dir / "swapped.pt").string());

  // A missing manifest names the file.
  try {
    load_codec((dir / "missing.json").string());
    ADD_FAILURE() << "no exception for a missing manifest";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("missing.json"), std::string::npos) << e.what();
  }
}

TEST(CodecFiles, WeightsOfAnotherSizeOfTheSameArchitectureThrowNamingTheFile) {
  // Same architecture, other widths / ratio: the tensors have the same names
  // but other shapes.
  const ScratchDir scratch;
  const fs::path& dir = scratch.path;
  torch::manual_seed(47);
  auto wide = small_config();
  wide.ratio = 1.0 / 8;
  wide.dims = {16, 16, 32, 64};
  save_codec(make_codec(wide, 1), manifest_for(wide, awgn()), (dir / "wide").string());
  write_text(dir / "narrow.json", manifest_for(small_config(), awgn()).dump());
  fs::copy_file(dir / "wide.pt", dir / "narrow.pt");
  expect_throw_naming<std::runtime_error>([&] { load_codec((dir / "narrow.json").string()); },
                                          (dir / "narrow.pt").string());
}

// ---------------------------------------------------------------- training

// PNGs of smooth random colour fields, w x h, in `dir`.
void write_images(const fs::path& dir, int count, int height, int width, uint64_t seed) {
  torch::manual_seed(seed);
  for (int i = 0; i < count; ++i) {
    const auto coarse = torch::rand({1, 3, 6, 6});
    const auto image = torch::nn::functional::interpolate(
        coarse, torch::nn::functional::InterpolateFuncOptions()
                    .size(std::vector<int64_t>{height, width})
                    .mode(torch::kBilinear)
                    .align_corners(false));
    char name[32];
    std::snprintf(name, sizeof name, "img%02d.png", i);
    save_png(image[0], (dir / name).string());
  }
}

TEST(CodecTraining, ImageCropSamplerCropsFlipsAndSkips) {
  const ScratchDir scratch;
  const fs::path& dir = scratch.path;
  // R = x / 255, G = y / 255, B = 0.5, 64 high, 80 wide; and a 32x32 image.
  const auto x = torch::arange(80, torch::kFloat).div(255).view({1, 80}).expand({64, 80});
  const auto y = torch::arange(64, torch::kFloat).div(255).view({64, 1}).expand({64, 80});
  save_png(torch::stack({x, y, torch::full({64, 80}, 0.5f)}), (dir / "a.png").string());
  save_png(torch::rand({3, 32, 32}), (dir / "b.png").string());
  const ImageCropSampler sampler(dir.string(), 48);
  EXPECT_EQ(sampler.images(), 1u);
  EXPECT_EQ(sampler.skipped(), 1u);
  std::mt19937_64 rng(7);
  const auto batch = sampler.sample(16, rng);
  ASSERT_EQ(batch.sizes(), (std::vector<int64_t>{16, 3, 48, 48}));
  EXPECT_EQ(batch.scalar_type(), torch::kFloat);
  int flipped = 0;
  for (int i = 0; i < 16; ++i) {
    const auto r = batch[i][0].mul(255).round(), g = batch[i][1].mul(255).round();
    // Rows: consecutive y from some top, the same across the row.
    const double top = g[0][0].item<double>();
    EXPECT_TRUE(torch::equal(g, (top + torch::arange(48, torch::kFloat)).view({48, 1}).expand({48, 48})));
    EXPECT_GE(top, 0);
    EXPECT_LE(top, 64 - 48);
    // Columns: consecutive x, either way round.
    const double first = r[0][0].item<double>(), second = r[0][1].item<double>();
    const double step = second - first;
    ASSERT_TRUE(step == 1 || step == -1) << step;
    flipped += step < 0;
    const double left = step > 0 ? first : first - 47;
    EXPECT_GE(left, 0);
    EXPECT_LE(left, 80 - 48);
    EXPECT_TRUE(torch::equal(r, (first + step * torch::arange(48, torch::kFloat)).view({1, 48}).expand({48, 48})));
    EXPECT_LT(max_abs_diff(batch[i][2], torch::full({48, 48}, 128.0 / 255)), 1e-6);
  }
  EXPECT_GT(flipped, 0);
  EXPECT_LT(flipped, 16);
  // The same generator state gives the same batch.
  std::mt19937_64 a(9), b(9);
  EXPECT_TRUE(torch::equal(sampler.sample(4, a), sampler.sample(4, b)));
  // No image large enough.
  EXPECT_THROW(ImageCropSampler(dir.string(), 100), ImageError);
}

CodecConfig tiny_train_config(const std::string& architecture = "admoe_swinjscc") {
  CodecConfig c;
  c.architecture = architecture;
  c.dims = {8, 8, 16, 16};
  c.depths = {1, 1, 2, 2};
  c.heads = {2, 2};
  c.window = 4;
  return c;
}

TEST(CodecTraining, LearningRateScheduleClosedForms) {
  TrainOptions o;
  o.learning_rate = 1e-3;
  o.steps = 110;
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 0), 1e-3);  // constant, no warm-up
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 109), 1e-3);
  o.warmup_steps = 10;
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 0), 1e-4);  // (step + 1) / 10 of the peak
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 4), 5e-4);
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 10), 1e-3);
  o.lr_schedule = "cosine";  // 100 decay steps after the warm-up
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 9), 1e-3);
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 10), 1e-3);
  EXPECT_NEAR(learning_rate_at(o, 35), 1e-3 * (1 + std::sqrt(0.5)) / 2, 1e-15);  // cos(pi/4)
  EXPECT_NEAR(learning_rate_at(o, 60), 5e-4, 1e-15);
  EXPECT_NEAR(learning_rate_at(o, 110), 0.0, 1e-18);
  EXPECT_NEAR(learning_rate_at(o, 500), 0.0, 1e-18);  // past the end: stays at 0
  o.lr_schedule = "step";
  EXPECT_THROW(learning_rate_at(o, 0), std::invalid_argument);
  o.lr_schedule = "constant";
  o.warmup_steps = -1;
  EXPECT_THROW(learning_rate_at(o, 0), std::invalid_argument);
}

TEST(CodecTraining, ResumedRunEqualsUninterruptedRun) {
  torch::set_num_threads(1);
  const ScratchDir scratch;
  const fs::path& dir = scratch.path;
  write_images(dir / "images", 3, 72, 80, 5);
  const Channel channel(awgn());
  TrainOptions options;
  options.images = (dir / "images").string();
  options.crop = 64;
  options.batch = 2;
  options.learning_rate = 1e-3;
  options.snr_min_db = 0;
  options.snr_max_db = 20;
  options.seed = 3;
  options.progress = false;

  const auto fresh_codec = [&](uint64_t seed, const CodecConfig& config) {
    torch::manual_seed(seed);
    return make_codec(config, channel.config().streams());
  };

  // In this configuration some routed experts get a gradient in steps 0-1 and
  // none in step 2: Adam must treat them alike whether or not the run resumed.
  auto config = tiny_train_config();
  config.colour = ColourSpace::opponent;

  // Four steps straight.
  auto straight = fresh_codec(1, config);
  options.steps = 4;
  options.checkpoint_dir = (dir / "straight").string();
  const auto a = train_codec(straight, channel, options);
  EXPECT_EQ(a.steps_done, 4);
  EXPECT_TRUE(a.finished);
  EXPECT_GT(a.final_loss, 0.0);
  EXPECT_TRUE(fs::is_regular_file(dir / "straight" / "state.json"));

  // Two steps, then a new process-like start (other initial weights) resumes to four.
  auto first = fresh_codec(1, config);
  options.steps = 2;
  options.checkpoint_dir = (dir / "resumed").string();
  const auto b = train_codec(first, channel, options);
  EXPECT_EQ(b.steps_done, 2);
  EXPECT_TRUE(b.finished);
  auto second = fresh_codec(99, config);
  options.steps = 4;
  const auto c = train_codec(second, channel, options);
  EXPECT_EQ(c.steps_done, 4);
  EXPECT_TRUE(c.finished);

  const auto pa = straight->named_parameters(), pc = second->named_parameters();
  ASSERT_EQ(pa.size(), pc.size());
  for (const auto& item : pa) {
    ASSERT_TRUE(pc.contains(item.key()));
    EXPECT_TRUE(torch::equal(item.value(), pc[item.key()])) << item.key();
  }
  // The two-step codec differs from the four-step one (training moved it).
  EXPECT_FALSE(torch::equal(first->named_parameters()["head.weight"], pa["head.weight"]));

  // Already finished: resuming does nothing more.
  auto third = fresh_codec(98, config);
  const auto d = train_codec(third, channel, options);
  EXPECT_EQ(d.steps_done, 4);
  for (const auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), third->named_parameters()[item.key()]));

  // A checkpoint written before the shared_ratio and zero_init_routed keys
  // existed is one of the defaults: it resumes.
  {
    const auto state_path = dir / "resumed" / "state.json";
    nlohmann::json state;
    std::ifstream(state_path) >> state;
    auto& moe = state["identity"]["codec"]["moe"];
    ASSERT_EQ(moe.erase("shared_ratio") + moe.erase("zero_init_routed"), 2u);
    std::ofstream(state_path) << state.dump();
    auto legacy = fresh_codec(97, config);
    EXPECT_EQ(train_codec(legacy, channel, options).steps_done, 4);
    for (const auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), legacy->named_parameters()[item.key()]));
  }

  // A checkpoint of another configuration.
  auto other_config = config;
  other_config.architecture = "swinjscc";
  auto other = fresh_codec(1, other_config);
  expect_throw_naming<std::runtime_error>([&] { train_codec(other, channel, options); }, "another configuration");
  auto rgb = fresh_codec(1, tiny_train_config());  // another colour space
  expect_throw_naming<std::runtime_error>([&] { train_codec(rgb, channel, options); }, "another configuration");
  ChannelConfig mimo;
  mimo.kind = "mimo";
  const Channel other_channel(mimo);
  torch::manual_seed(1);
  auto mimo_codec = make_codec(config, other_channel.config().streams());
  expect_throw_naming<std::runtime_error>([&] { train_codec(mimo_codec, other_channel, options); },
                                          (dir / "resumed" / "state.json").string());
}

}  // namespace
}  // namespace moema::jscc
