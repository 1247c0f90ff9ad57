// PNG plots through gnuplot (Debian: gnuplot-nox, terminal pngcairo): line
// plots with optional error bars (accuracy vs overlap, PSNR vs SNR) and grids
// of 2-D or 3-D scatter plots coloured by class (semantic features), plus the
// principal-component projection that brings features down to 2 or 3 axes.
// No LibTorch: the data goes to gnuplot as text files in a temporary folder.
#pragma once

#include <Eigen/Dense>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moema::io::plot {

struct Series {
  std::string label;
  std::vector<double> x, y;
  // Optional error bars as absolute bounds (e.g. mean -+ std): both empty, or
  // both sized like y. NaN anywhere leaves that point out.
  std::vector<double> y_low, y_high;
};

struct LinePlot {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  std::optional<std::pair<double, double>> y_range;  // autoscaled when empty
};

struct Point {
  double x = 0, y = 0, z = 0;  // z is used by 3-D grids only
  int label = 0;               // class, 0..19
};

struct ScatterPanel {
  std::string title;
  std::vector<Point> points;
};

// Colours are fixed per label (the same class looks the same in every panel
// and every plot): labels 0-9 are filled circles, 10-19 open triangles in
// ten further colours.
struct ScatterGrid {
  std::string title;
  std::vector<ScatterPanel> panels;
  int columns = 2;  // panels per row; fewer when there are fewer panels
  bool three_d = false;
  std::vector<std::string> label_names;  // legend name per label value; "class k" beyond its end
};

// gnuplot is on PATH and has the pngcairo terminal.
bool gnuplot_available();

// Renders to png_path (900 x 700), creating its parent folder. Throws
// std::invalid_argument for malformed input (naming the series) and
// std::runtime_error when gnuplot is missing or fails (naming png_path and
// quoting gnuplot's error output). png_path is written only on success.
void render(const LinePlot& plot, const std::string& png_path);

// Renders a multiplot grid, 640 x 500 pixels per panel (plot and legend)
// plus a title band of 40 pixels; errors as above.
void render(const ScatterGrid& grid, const std::string& png_path);

// Projects the rows of `points` (n x d) onto their top `dims` principal axes
// (centred; eigenvectors of the covariance). Each axis's sign is fixed so its
// largest-magnitude loading is positive, so plots are reproducible. Returns
// n x dims; throws std::invalid_argument unless 1 <= dims <= d and n >= 1.
Eigen::MatrixXd project_pca(const Eigen::MatrixXd& points, int dims);

}  // namespace moema::io::plot
