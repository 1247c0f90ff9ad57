#include "moema/io/plot.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace moema::io::plot;

namespace {

// ---- project_pca ----

TEST(ProjectPca, PointsOnALineHaveVarianceOnlyOnTheFirstAxis) {
  const Eigen::Vector3d direction = Eigen::Vector3d(1, 2, -3).normalized();
  const Eigen::Vector3d offset(5, -1, 2);
  Eigen::MatrixXd points(6, 3);
  for (int i = 0; i < 6; ++i) points.row(i) = (offset + (i - 2.0) * direction).transpose();

  const Eigen::MatrixXd projected = project_pca(points, 3);
  ASSERT_EQ(projected.rows(), 6);
  ASSERT_EQ(projected.cols(), 3);
  EXPECT_LT(projected.col(1).norm(), 1e-9);
  EXPECT_LT(projected.col(2).norm(), 1e-9);
  // The first axis is +-direction; the sign rule (largest loading, the -3,
  // made positive) picks -direction, so coordinates fall as i grows.
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(projected(i, 0), -(i - 2.0) + 0.5, 1e-9) << "row " << i;
}

TEST(ProjectPca, AnisotropicGaussianRecoversItsAxes) {
  // Axes of a rotated frame in R^4, standard deviations 10, 4, 1, 0.1.
  const Eigen::MatrixXd frame = Eigen::HouseholderQR<Eigen::MatrixXd>(Eigen::MatrixXd::Random(4, 4)).householderQ();
  const Eigen::Vector4d deviations(10, 4, 1, 0.1);
  std::mt19937 rng(7);
  std::normal_distribution<double> normal;
  const int n = 20000;
  Eigen::MatrixXd points(n, 4);
  for (int i = 0; i < n; ++i) {
    Eigen::Vector4d latent;
    for (int k = 0; k < 4; ++k) latent(k) = deviations(k) * normal(rng);
    points.row(i) = (frame * latent + Eigen::Vector4d(3, -7, 1, 0)).transpose();
  }

  const Eigen::MatrixXd projected = project_pca(points, 2);
  ASSERT_EQ(projected.cols(), 2);
  // Recovered axis k = least squares of the projection on the centred points.
  const Eigen::MatrixXd centred = points.rowwise() - points.colwise().mean();
  const Eigen::MatrixXd axes = centred.colPivHouseholderQr().solve(projected);
  for (int k = 0; k < 2; ++k) {
    Eigen::Vector4d expected = frame.col(k);
    Eigen::Index largest = 0;
    expected.cwiseAbs().maxCoeff(&largest);
    if (expected(largest) < 0) expected = -expected;
    EXPECT_GT(axes.col(k).dot(expected), 0.999) << "axis " << k;
    EXPECT_NEAR(axes.col(k).norm(), 1.0, 1e-9) << "axis " << k;
  }
  // Variance along each axis is the generating one.
  EXPECT_NEAR(std::sqrt(projected.col(0).squaredNorm() / (n - 1)), 10.0, 0.2);
  EXPECT_NEAR(std::sqrt(projected.col(1).squaredNorm() / (n - 1)), 4.0, 0.1);
}

TEST(ProjectPca, OutputIsCentredAndSignsAreReproducible) {
  const Eigen::MatrixXd points = Eigen::MatrixXd::Random(50, 5).array() + 3.0;
  const Eigen::MatrixXd projected = project_pca(points, 3);
  EXPECT_LT(projected.colwise().mean().norm(), 1e-12);
  // Shifting the cloud changes nothing: the output depends on the centred points only.
  const Eigen::MatrixXd shifted = points.rowwise() + Eigen::RowVectorXd::Constant(5, 100.0);
  EXPECT_TRUE(project_pca(shifted, 3).isApprox(projected, 1e-9));
}

TEST(ProjectPca, RejectsBadDims) {
  const Eigen::MatrixXd points = Eigen::MatrixXd::Random(10, 3);
  EXPECT_THROW(project_pca(points, 0), std::invalid_argument);
  EXPECT_THROW(project_pca(points, 4), std::invalid_argument);
  EXPECT_THROW(project_pca(Eigen::MatrixXd(0, 3), 2), std::invalid_argument);
}

// ---- rendering ----

struct PngSize {
  std::uint32_t width = 0, height = 0;
};

std::uint32_t big_endian(const unsigned char* bytes) {
  return std::uint32_t(bytes[0]) << 24 | std::uint32_t(bytes[1]) << 16 | std::uint32_t(bytes[2]) << 8 | bytes[3];
}

// Checks the 8-byte signature and the IHDR chunk that must follow it.
PngSize read_png_size(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char header[24] = {};
  in.read(reinterpret_cast<char*>(header), sizeof header);
  EXPECT_EQ(in.gcount(), 24) << path;
  const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  EXPECT_TRUE(std::equal(signature, signature + 8, header)) << path << " is not a PNG";
  EXPECT_EQ(std::string(reinterpret_cast<char*>(header + 12), 4), "IHDR") << path;
  return {big_endian(header + 16), big_endian(header + 20)};
}

class Render : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!gnuplot_available()) GTEST_SKIP() << "gnuplot with pngcairo not installed (apt-get install gnuplot-nox)";
    // MOEMA_PLOT_KEEP=dir keeps the images for a look.
    const char* keep = std::getenv("MOEMA_PLOT_KEEP");
    dir_ = keep ? fs::path(keep) : fs::temp_directory_path() / ("moema-test-plot-" + std::to_string(::getpid()));
    remove_ = keep == nullptr;
  }
  void TearDown() override {
    std::error_code ignored;
    if (remove_) fs::remove_all(dir_, ignored);
  }
  fs::path dir_;
  bool remove_ = true;
};

ScatterGrid twenty_class_grid(bool three_d) {
  ScatterGrid grid;
  grid.title = "Features \"by\" class \\ PCA";
  grid.three_d = three_d;
  grid.columns = 2;
  std::mt19937 rng(3);
  std::normal_distribution<double> normal;
  for (int p = 0; p < 3; ++p) {
    ScatterPanel panel{"panel " + std::to_string(p) + (p == 2 ? " (no points)" : ""), {}};
    if (p < 2)
      for (int label = 0; label < 20; ++label)
        for (int i = 0; i < 30; ++i)
          panel.points.push_back({3 * std::cos(label * 0.314) + 0.4 * normal(rng),
                                  3 * std::sin(label * 0.314) + 0.4 * normal(rng), label * 0.2 + 0.4 * normal(rng),
                                  label});
    grid.panels.push_back(panel);
  }
  for (int label = 0; label < 10; ++label) grid.label_names.push_back("digit " + std::to_string(label));
  grid.label_names.push_back("T-shirt/top");  // label 10; 11..19 get "class k"
  return grid;
}

TEST_F(Render, LinePlotWithErrorBars) {
  LinePlot plot;
  plot.title = "Accuracy vs overlap \"gamma\" (C:\\path, it's `quoted`)";
  plot.x_label = "overlap gamma";
  plot.y_label = "accuracy";
  plot.y_range = std::make_pair(0.0, 1.0);
  Series moe{"MoE", {0, 1, 2, 3}, {0.95, 0.9, 0.8, 0.6}, {0.93, 0.87, 0.76, 0.55}, {0.97, 0.93, 0.84, 0.65}};
  Series single{"Single", {0, 1, 2, 3}, {0.9, 0.8, 0.65, 0.4}, {}, {}};
  plot.series = {moe, single};

  const fs::path png = dir_ / "nested" / "line.png";
  render(plot, png.string());
  const PngSize size = read_png_size(png);
  EXPECT_EQ(size.width, 900u);
  EXPECT_EQ(size.height, 700u);
}

TEST_F(Render, ScatterGrid2D) {
  const fs::path png = dir_ / "scatter2d.png";
  render(twenty_class_grid(false), png.string());
  const PngSize size = read_png_size(png);
  EXPECT_EQ(size.width, 2 * 640u);        // 2 columns
  EXPECT_EQ(size.height, 2 * 500u + 40);  // 2 rows + title band
}

TEST_F(Render, ScatterGrid3D) {
  ScatterGrid grid = twenty_class_grid(true);
  grid.columns = 3;
  const fs::path png = dir_ / "scatter3d.png";
  render(grid, png.string());
  const PngSize size = read_png_size(png);
  EXPECT_EQ(size.width, 3 * 640u);
  EXPECT_EQ(size.height, 540u);
}

// Runs without gnuplot too: that error also names the path.
TEST(RenderErrors, UnwritablePathThrowsNamingIt) {
  LinePlot plot{"t", "x", "y", {Series{"s", {0, 1}, {1, 2}, {}, {}}}, std::nullopt};
  for (const std::string path : {"/proc/moema-no-such-dir/plot.png", "/proc/moema-plot.png"}) {
    try {
      render(plot, path);
      ADD_FAILURE() << "no exception for " << path;
    } catch (const std::runtime_error& error) {
      EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
    }
  }
}

// ---- input checks (no gnuplot needed) ----

TEST(RenderInput, RejectsMalformedSeriesAndLabels) {
  LinePlot plot{"t", "x", "y", {Series{"bad", {0, 1}, {1}, {}, {}}}, std::nullopt};
  EXPECT_THROW(render(plot, "/tmp/never.png"), std::invalid_argument);
  plot.series[0] = Series{"bars", {0, 1}, {1, 2}, {0.5, 1.5}, {}};
  EXPECT_THROW(render(plot, "/tmp/never.png"), std::invalid_argument);

  plot.series[0] = Series{"ok", {0, 1}, {1, 2}, {}, {}};
  plot.y_range = std::make_pair(1.0, 1.0);
  EXPECT_THROW(render(plot, "/tmp/never.png"), std::invalid_argument);

  ScatterGrid grid;
  grid.panels = {ScatterPanel{"p", {Point{0, 0, 0, 20}}}};
  EXPECT_THROW(render(grid, "/tmp/never.png"), std::invalid_argument);
  grid.panels = {};
  EXPECT_THROW(render(grid, "/tmp/never.png"), std::invalid_argument);
}

}  // namespace
