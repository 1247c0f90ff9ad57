// The codecs' colour coordinates against hand-computed values and against
// the statistics of the Kodak images: the opponent map must decorrelate them
// and give each coordinate about unit spread.
#include "moema/jscc/colour.hpp"
#include "moema/jscc/image_io.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace moema::jscc {
namespace {

torch::Tensor pixel(double r, double g, double b) {
  return torch::tensor({r, g, b}, torch::kFloat).view({1, 3, 1, 1});
}

TEST(ColourSpace, NamesRoundTripAndAnUnknownNameIsRefused) {
  EXPECT_EQ(parse_colour_space("rgb"), ColourSpace::rgb);
  EXPECT_EQ(parse_colour_space("opponent"), ColourSpace::opponent);
  EXPECT_EQ(to_string(ColourSpace::opponent), "opponent");
  try {
    parse_colour_space("yuv");
    FAIL() << "yuv accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'yuv'"), std::string::npos) << e.what();
  }
}

TEST(ColourSpace, RgbPassesImagesThroughAndDecodesWithASigmoid) {
  const auto x = pixel(0.1, 0.5, 0.9);
  EXPECT_TRUE(torch::equal(encoder_input(x, ColourSpace::rgb), x));
  EXPECT_TRUE(torch::allclose(decoder_output(x, ColourSpace::rgb), torch::sigmoid(x)));
}

TEST(ColourSpace, GreyHasOnlyLuminance) {
  for (double v : {0.0, 0.25, 0.5, 1.0}) {
    const auto z = encoder_input(pixel(v, v, v), ColourSpace::opponent).flatten();
    EXPECT_NEAR(z[0].item<double>(), (v - 0.5) * std::sqrt(3.0) / 0.4, 1e-5) << v;
    EXPECT_NEAR(z[1].item<double>(), 0.0, 1e-5) << v;
    EXPECT_NEAR(z[2].item<double>(), 0.0, 1e-5) << v;
  }
}

TEST(ColourSpace, PureRedByHand) {
  // x - 0.5 = (0.5, -0.5, -0.5) on the rows (1,1,1)/sqrt3/0.4,
  // (1,0,-1)/sqrt2/0.12, (1,-2,1)/sqrt6/0.055.
  const auto z = encoder_input(pixel(1, 0, 0), ColourSpace::opponent).flatten();
  EXPECT_NEAR(z[0].item<double>(), -0.5 / std::sqrt(3.0) / 0.4, 1e-5);
  EXPECT_NEAR(z[1].item<double>(), 1.0 / std::sqrt(2.0) / 0.12, 1e-4);
  EXPECT_NEAR(z[2].item<double>(), 1.0 / std::sqrt(6.0) / 0.055, 1e-4);
}

TEST(ColourSpace, DecodingTheEncoderInputIsTheSigmoidThroughMidGrey) {
  // decoder_output(encoder_input(x)) = sigmoid(4 (x - 0.5)): slope 1 at 0.5.
  const auto x = torch::rand({2, 3, 4, 5});
  const auto y = decoder_output(encoder_input(x, ColourSpace::opponent), ColourSpace::opponent);
  EXPECT_TRUE(torch::allclose(y, torch::sigmoid(4 * (x - 0.5)), 1e-5, 1e-5));
  EXPECT_NEAR(decoder_output(torch::zeros({1, 3, 1, 1}), ColourSpace::opponent).mean().item<double>(), 0.5, 1e-6);
}

TEST(ColourSpace, OpponentCoordinatesOfKodakAreNearlyWhite) {
  std::vector<torch::Tensor> pixels;
  for (const auto& path : list_images(moema::kodak_dir())) pixels.push_back(load_image(path).reshape({3, -1}));
  const auto rgb = torch::cat(pixels, 1).to(torch::kDouble);
  const auto z = encoder_input(rgb.view({1, 3, 1, -1}), ColourSpace::opponent).view({3, -1});
  const auto rgb_correlation = torch::corrcoef(rgb), z_correlation = torch::corrcoef(z);
  for (int i = 0; i < 3; ++i) {
    const double spread = z[i].std().item<double>();
    EXPECT_GT(spread, 0.8) << "coordinate " << i;
    EXPECT_LT(spread, 1.25) << "coordinate " << i;
    for (int j = 0; j < i; ++j) {
      EXPECT_GT(rgb_correlation[i][j].item<double>(), 0.7) << i << "," << j;  // the problem
      EXPECT_LT(std::abs(z_correlation[i][j].item<double>()), 0.35) << i << "," << j;
    }
  }
}

TEST(ColourSpace, WrongShapeIsNamed) {
  EXPECT_THROW(encoder_input(torch::zeros({1, 4, 2, 2}), ColourSpace::opponent), std::invalid_argument);
  EXPECT_THROW(decoder_output(torch::zeros({3, 2, 2}), ColourSpace::opponent), std::invalid_argument);
}

}  // namespace
}  // namespace moema::jscc
