#include "moema/io/plot.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <locale>
#include <sstream>
#include <stdexcept>

namespace moema::io::plot {
namespace {

namespace fs = std::filesystem;

constexpr int kLineWidth = 900, kLineHeight = 700;
// Scatter panels are wider than tall: the legend takes ~140 px on the right.
constexpr int kPanelWidth = 640, kPanelHeight = 500, kTitleBand = 40;
constexpr int kNumLabels = 20;

// Labels 0-9: the Tableau-10 colours; 10-19: ten darker or lighter ones, also
// drawn with another point shape, so the two tens stay apart even where a
// colour is close.
constexpr std::array<const char*, kNumLabels> kPalette = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#393b79", "#e7ba52", "#637939", "#843c39", "#7b4173", "#000000", "#fd8d3c", "#6baed6", "#74c476", "#8c6d31"};

// pngcairo point types: 7 filled circle, 8 open triangle.
int point_type(int label) { return label < 10 ? 7 : 8; }
double point_size(int label) { return label < 10 ? 0.6 : 0.8; }

const char* const kMissingGnuplot = "gnuplot not found: apt-get install gnuplot-nox";

// A gnuplot string literal. Single quotes because gnuplot expands `backticks`
// (runs them as shell commands) inside double-quoted strings, and takes
// nothing but '' specially inside single ones. A newline would end the
// command, so control characters become spaces.
std::string gnuplot_string(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') quoted += "''";
    else if (static_cast<unsigned char>(c) < 0x20) quoted += ' ';
    else quoted += c;
  }
  return quoted + "'";
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
    if (access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return true;
  }
  return false;
}

// A fresh private folder under the system's temporary directory, removed with
// everything in it when this goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "moema-plot-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("cannot create a temporary folder " + pattern + ": " + std::strerror(errno));
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  fs::path file(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Numbers for gnuplot: '.' decimal point and no digit grouping whatever the
// global locale, and every digit a double has.
template <typename Stream>
Stream& for_gnuplot(Stream& out) {
  out.imbue(std::locale::classic());
  out << std::setprecision(std::numeric_limits<double>::max_digits10);
  return out;
}

std::ofstream open_for_writing(const fs::path& path) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  for_gnuplot(out);
  return out;
}

// gnuplot skips points with an undefined coordinate, written as NaN.
void write_number(std::ostream& out, double value) {
  if (std::isfinite(value)) out << value;
  else out << "NaN";
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\n") - first + 1);
}

std::string last_chars(const std::string& text, std::size_t count) {
  return text.size() <= count ? text : "..." + text.substr(text.size() - count);
}

void require_gnuplot(const std::string& png_path) {
  if (!on_path("gnuplot")) throw std::runtime_error("cannot render " + png_path + ": " + kMissingGnuplot);
}

// Fails here, before gnuplot runs, when the destination cannot exist.
void create_parent_folder(const std::string& png_path) {
  const fs::path parent = fs::path(png_path).parent_path();
  if (parent.empty()) return;
  std::error_code error;
  fs::create_directories(parent, error);
  if (error) throw std::runtime_error("cannot create the folder for plot " + png_path + ": " + error.message());
}

// Runs the script (which writes dir/plot.png), checks the result and copies
// it to png_path, so png_path never holds a half-written image.
void run_gnuplot(const std::string& script, const TempDir& dir, const std::string& png_path) {
  const fs::path script_file = dir.file("plot.gp"), png_file = dir.file("plot.png"), errors = dir.file("stderr.txt");
  open_for_writing(script_file) << script;
  const std::string command =
      "gnuplot " + shell_quote(script_file.string()) + " >/dev/null 2>" + shell_quote(errors.string());
  const int status = std::system(command.c_str());
  const int exit_code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;  // -1: did not run or killed
  std::error_code error;
  const bool has_image = fs::exists(png_file, error) && fs::file_size(png_file, error) > 0;
  if (exit_code != 0 || !has_image) {
    const std::string what = exit_code == 127 ? std::string(kMissingGnuplot)
                                              : "gnuplot failed (exit code " + std::to_string(exit_code) +
                                                    "): " + trimmed(last_chars(read_text(errors), 2000));
    throw std::runtime_error("cannot render " + png_path + ": " + what);
  }
  fs::copy_file(png_file, png_path, fs::copy_options::overwrite_existing, error);
  if (error) throw std::runtime_error("cannot write plot " + png_path + ": " + error.message());
}

// noenhanced: labels are shown as written ("x_1" stays x_1, not x subscript 1).
std::string terminal_lines(int width, int height, const TempDir& dir) {
  std::ostringstream out;
  for_gnuplot(out);
  out << "reset\n"
      << "set terminal pngcairo size " << width << "," << height << " noenhanced font 'Sans,12'\n"
      << "set output " << gnuplot_string(dir.file("plot.png").string()) << "\n";
  return out.str();
}

std::string title_or_notitle(const std::string& label) {
  return label.empty() ? "notitle" : "title " + gnuplot_string(label);
}

// ---- line plots ----

void check_series(const Series& series) {
  const auto name = "series '" + series.label + "'";
  if (series.x.size() != series.y.size())
    throw std::invalid_argument(name + ": x has " + std::to_string(series.x.size()) + " values, y " +
                                std::to_string(series.y.size()));
  if (series.y.empty()) throw std::invalid_argument(name + " has no points");
  const bool no_bars = series.y_low.empty() && series.y_high.empty();
  const bool full_bars = series.y_low.size() == series.y.size() && series.y_high.size() == series.y.size();
  if (!no_bars && !full_bars)
    throw std::invalid_argument(name + ": y_low and y_high must both be empty or both have " +
                                std::to_string(series.y.size()) + " values");
}

void write_series(const Series& series, const fs::path& path) {
  auto out = open_for_writing(path);
  const bool bars = !series.y_low.empty();
  for (std::size_t i = 0; i < series.y.size(); ++i) {
    write_number(out, series.x[i]);
    out << ' ';
    write_number(out, series.y[i]);
    if (bars) {
      out << ' ';
      write_number(out, series.y_low[i]);
      out << ' ';
      write_number(out, series.y_high[i]);
    }
    out << '\n';
  }
}

std::string series_clause(const Series& series, const fs::path& data, int index) {
  const bool bars = !series.y_low.empty();
  std::ostringstream out;
  for_gnuplot(out);
  out << gnuplot_string(data.string()) << (bars ? " using 1:2:3:4 with yerrorlines" : " using 1:2 with linespoints")
      << " lw 2 lc rgb '" << kPalette[index % kNumLabels] << "' pt " << 5 + 2 * (index % 4) << " ps 1.2 "
      << title_or_notitle(series.label);
  return out.str();
}

std::string line_plot_script(const LinePlot& plot, const TempDir& dir) {
  std::ostringstream out;
  for_gnuplot(out);
  out << terminal_lines(kLineWidth, kLineHeight, dir) << "set title " << gnuplot_string(plot.title) << "\n"
      << "set xlabel " << gnuplot_string(plot.x_label) << "\n"
      << "set ylabel " << gnuplot_string(plot.y_label) << "\n"
      << "set grid\nset key below height 1\n"
      // A margin round the data so end points and their error bars clear the frame.
      << "set offsets graph 0.03, graph 0.03, graph 0.03, graph 0.03\n";
  if (plot.y_range) out << "set yrange [" << plot.y_range->first << ":" << plot.y_range->second << "]\n";
  out << "plot ";
  for (std::size_t i = 0; i < plot.series.size(); ++i) {
    const fs::path data = dir.file("series" + std::to_string(i) + ".dat");
    write_series(plot.series[i], data);
    out << (i ? ", \\\n     " : "") << series_clause(plot.series[i], data, static_cast<int>(i));
  }
  out << "\n";
  return out.str();
}

// ---- scatter grids ----

void check_grid(const ScatterGrid& grid) {
  if (grid.panels.empty()) throw std::invalid_argument("scatter grid '" + grid.title + "' has no panels");
  if (grid.columns < 1) throw std::invalid_argument("scatter grid '" + grid.title + "': columns must be >= 1");
  for (const auto& panel : grid.panels)
    for (const auto& point : panel.points)
      if (point.label < 0 || point.label >= kNumLabels)
        throw std::invalid_argument("scatter panel '" + panel.title + "': label " + std::to_string(point.label) +
                                    " is outside 0.." + std::to_string(kNumLabels - 1));
}

std::string label_name(const ScatterGrid& grid, int label) {
  const auto index = static_cast<std::size_t>(label);
  return index < grid.label_names.size() ? grid.label_names[index] : "class " + std::to_string(label);
}

fs::path panel_file(const TempDir& dir, int panel_index, int label) {
  return dir.file("panel" + std::to_string(panel_index) + "_" + std::to_string(label) + ".dat");
}

// Writes one file per label present in the panel; returns which labels those are.
std::vector<int> write_panel(const ScatterPanel& panel, bool three_d, const TempDir& dir, int panel_index) {
  std::array<std::ofstream, kNumLabels> files;
  std::vector<int> present;
  for (const auto& point : panel.points) {
    auto& out = files[point.label];
    if (!out.is_open()) {
      out = open_for_writing(panel_file(dir, panel_index, point.label));
      present.push_back(point.label);
    }
    write_number(out, point.x);
    out << ' ';
    write_number(out, point.y);
    if (three_d) {
      out << ' ';
      write_number(out, point.z);
    }
    out << '\n';
  }
  std::sort(present.begin(), present.end());
  return present;
}

// gnuplot refuses to plot nothing; fixed ranges let it draw an empty frame.
std::string empty_panel_lines(bool three_d) {
  return std::string("set xrange [-1:1]\nset yrange [-1:1]\nset zrange [-1:1]\n") +
         "set label 1 'no points' at graph 0.5, graph 0.5 center\n" + (three_d ? "splot" : "plot") + " NaN notitle\n";
}

std::string panel_lines(const ScatterGrid& grid, int panel_index, const TempDir& dir) {
  const ScatterPanel& panel = grid.panels[panel_index];
  std::ostringstream out;
  for_gnuplot(out);
  out << "set autoscale\nunset label\nset title " << gnuplot_string(panel.title) << "\n";
  const std::vector<int> labels = write_panel(panel, grid.three_d, dir, panel_index);
  if (labels.empty()) return out.str() + empty_panel_lines(grid.three_d);
  out << (grid.three_d ? "splot " : "plot ");
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const int label = labels[i];
    out << (i ? ", \\\n     " : "") << gnuplot_string(panel_file(dir, panel_index, label).string())
        << (grid.three_d ? " using 1:2:3" : " using 1:2") << " with points pt " << point_type(label) << " ps "
        << point_size(label) << " lc rgb '" << kPalette[label] << "' " << title_or_notitle(label_name(grid, label));
  }
  out << "\n";
  return out.str();
}

std::string scatter_script(const ScatterGrid& grid, const TempDir& dir) {
  const int panels = static_cast<int>(grid.panels.size());
  const int columns = std::min(grid.columns, panels);
  const int rows = (panels + columns - 1) / columns;
  std::ostringstream out;
  for_gnuplot(out);
  out << terminal_lines(columns * kPanelWidth, rows * kPanelHeight + kTitleBand, dir)
      << "set key outside right top samplen 1\nset grid\n";
  // Enlarged 3-D view: gnuplot's default leaves much of the panel empty.
  if (grid.three_d) out << "set view 60, 30, 1.1\nset xyplane relative 0\n";
  out << "set multiplot layout " << rows << "," << columns << " title " << gnuplot_string(grid.title) << "\n";
  for (int p = 0; p < panels; ++p) out << panel_lines(grid, p, dir);
  out << "unset multiplot\n";
  return out.str();
}

// ---- principal components ----

Eigen::MatrixXd principal_axes(const Eigen::MatrixXd& centred, int dims) {
  const Eigen::Index n = centred.rows(), d = centred.cols();
  const double degrees_of_freedom = static_cast<double>(std::max<Eigen::Index>(1, n - 1));
  const Eigen::MatrixXd covariance = centred.transpose() * centred / degrees_of_freedom;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(covariance);
  if (solver.info() != Eigen::Success) throw std::runtime_error("project_pca: eigen-decomposition failed");
  Eigen::MatrixXd axes(d, dims);
  for (int k = 0; k < dims; ++k) {
    axes.col(k) = solver.eigenvectors().col(d - 1 - k);  // eigenvalues come in increasing order
    Eigen::Index largest = 0;
    axes.col(k).cwiseAbs().maxCoeff(&largest);
    if (axes(largest, k) < 0) axes.col(k) *= -1;
  }
  return axes;
}

}  // namespace

bool gnuplot_available() {
  if (!on_path("gnuplot")) return false;
  return std::system("gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1") == 0;
}

void render(const LinePlot& plot, const std::string& png_path) {
  if (plot.series.empty()) throw std::invalid_argument("line plot '" + plot.title + "' has no series");
  if (plot.y_range && !(std::isfinite(plot.y_range->first) && std::isfinite(plot.y_range->second) &&
                        plot.y_range->first < plot.y_range->second))
    throw std::invalid_argument("line plot '" + plot.title + "': y_range must be finite, low < high");
  for (const auto& series : plot.series) check_series(series);
  require_gnuplot(png_path);
  create_parent_folder(png_path);
  const TempDir dir;
  run_gnuplot(line_plot_script(plot, dir), dir, png_path);
}

void render(const ScatterGrid& grid, const std::string& png_path) {
  check_grid(grid);
  require_gnuplot(png_path);
  create_parent_folder(png_path);
  const TempDir dir;
  run_gnuplot(scatter_script(grid, dir), dir, png_path);
}

Eigen::MatrixXd project_pca(const Eigen::MatrixXd& points, int dims) {
  if (points.rows() < 1) throw std::invalid_argument("project_pca: no points");
  if (dims < 1 || dims > points.cols())
    throw std::invalid_argument("project_pca: dims " + std::to_string(dims) + " is outside 1.." +
                                std::to_string(points.cols()));
  if (!points.allFinite()) throw std::invalid_argument("project_pca: points contain NaN or infinity");
  const Eigen::MatrixXd centred = points.rowwise() - points.colwise().mean();
  return centred * principal_axes(centred, dims);
}

}  // namespace moema::io::plot
