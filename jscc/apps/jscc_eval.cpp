// jscc-eval: evaluates trained image codecs on Kodak (or --images DIR)
// through each model's channel: PSNR and MS-SSIM per SNR (and per bandwidth
// ratio, one model per ratio), averaged per image; for the AD-MoE codec the
// mean number of routed experts each token activated and how often each
// expert of the last encoder layer was chosen. Prints a table, --json prints
// {"rows": [...]}; writes a CSV, PNG plots and reconstructed images.
#include "moema/common/system_parameters.hpp"
#include "moema/jscc/evaluation.hpp"
#include "moema/jscc/image_io.hpp"
#include "moema/io/plot.hpp"
#include "moema/common/progress.hpp"
#include "moema/common/torch_support.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

using namespace moema;
using namespace moema::jscc;
namespace fs = std::filesystem;
namespace plot = moema::io::plot;

namespace {

struct Options {
  std::vector<std::string> models;
  std::string images = moema::kodak_dir();
  std::vector<double> snrs{1, 4, 7, 10, 13};
  uint64_t seed = defaults::kSeed;
  int limit = 0;
  std::string out_dir = "results/jscc-eval";
  double reconstruction_snr = 10;
  bool reconstructions = true;
  bool plots = true;
  bool json = false;
  std::string device = "cpu";
  int threads = 2;
  std::string decoder_csi = "measured";
};

std::string number(double x, int decimals) {
  if (!std::isfinite(x)) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, x);
  return buffer;
}

void print_table(const std::vector<EvalRow>& rows) {
  std::printf("%-28s %-15s %7s %7s %8s %8s %8s %9s\n", "model", "architecture", "R", "SNR dB", "PSNR", "MS-SSIM",
              "experts", "MLP work");
  for (const auto& r : rows)
    std::printf("%-28s %-15s %7.4f %7.1f %8.2f %8.4f %8s %9s\n", r.model.c_str(), r.architecture.c_str(), r.ratio,
                r.snr_db, r.psnr, r.ms_ssim, number(r.mean_active_experts, 3).c_str(),
                std::isfinite(r.mlp_compute_fraction) ? (number(100 * r.mlp_compute_fraction, 1) + "%").c_str() : "-");
}

void write_csv(const std::vector<EvalRow>& rows, const std::string& path) {
  std::ofstream out(path);
  out << "model,architecture,ratio,snr_db,psnr,ms_ssim,mean_active_experts,mlp_compute_fraction\n";
  for (const auto& r : rows)
    out << r.model << ',' << r.architecture << ',' << r.ratio << ',' << r.snr_db << ',' << r.psnr << ','
        << r.ms_ssim << ',' << number(r.mean_active_experts, 4) << ',' << number(r.mlp_compute_fraction, 4) << '\n';
  if (!out) throw std::runtime_error(path + ": could not be written");
}

void write_plots(const std::vector<EvalRow>& rows, const Options& options) {
  std::map<std::string, plot::Series> psnr, msssim;
  std::map<std::string, std::map<double, double>> by_ratio;  // architecture -> R -> PSNR at the reconstruction SNR
  for (const auto& r : rows) {
    psnr[r.model].label = msssim[r.model].label = r.model;
    psnr[r.model].x.push_back(r.snr_db);
    psnr[r.model].y.push_back(r.psnr);
    msssim[r.model].x.push_back(r.snr_db);
    msssim[r.model].y.push_back(r.ms_ssim);
    if (r.snr_db == options.reconstruction_snr) by_ratio[r.architecture][r.ratio] = r.psnr;
  }
  plot::LinePlot p{"Kodak, PSNR vs SNR", "SNR (dB)", "PSNR (dB)", {}, std::nullopt};
  plot::LinePlot m{"Kodak, MS-SSIM vs SNR", "SNR (dB)", "MS-SSIM", {}, std::nullopt};
  for (auto& [name, s] : psnr) p.series.push_back(s);
  for (auto& [name, s] : msssim) m.series.push_back(s);
  plot::render(p, options.out_dir + "/psnr_vs_snr.png");
  plot::render(m, options.out_dir + "/ms_ssim_vs_snr.png");

  plot::LinePlot ratio{"Kodak, PSNR vs bandwidth ratio at " + number(options.reconstruction_snr, 0) + " dB",
                       "bandwidth ratio R", "PSNR (dB)", {}, std::nullopt};
  for (const auto& [architecture, points] : by_ratio) {
    plot::Series s{architecture, {}, {}, {}, {}};
    for (const auto& [r, value] : points) s.x.push_back(r), s.y.push_back(value);
    ratio.series.push_back(s);
  }
  if (!ratio.series.empty()) plot::render(ratio, options.out_dir + "/psnr_vs_ratio.png");

  plot::LinePlot experts{"Routed-expert activation, last encoder MoE layer", "expert", "share of tokens", {},
                         std::nullopt};
  for (const auto& r : rows) {
    if (r.expert_frequency.empty()) continue;
    plot::Series s{r.model + " " + number(r.snr_db, 0) + " dB", {}, {}, {}, {}};
    for (size_t e = 0; e < r.expert_frequency.size(); ++e) s.x.push_back(e + 1), s.y.push_back(r.expert_frequency[e]);
    experts.series.push_back(s);
  }
  if (!experts.series.empty()) plot::render(experts, options.out_dir + "/expert_activation.png");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Evaluate image JSCC codecs on Kodak (or another folder)"};
  Options o;
  app.add_option("--models", o.models, "manifests (NAME.json); default: every shipped codec (jscc/weights, or MOEMA_JSCC_WEIGHTS_DIR)")
      ->delimiter(',');
  app.add_option("--images", o.images, "folder of test images (default: the repository's Kodak copy)");
  app.add_option("--snr", o.snrs, "SNRs in dB")->delimiter(',');
  app.add_option("--seed", o.seed, "seed of the channel draws");
  app.add_option("--limit", o.limit, "evaluate only the first N images");
  app.add_option("--out", o.out_dir, "folder for the CSV, plots and reconstructions");
  app.add_option("--reconstruction-snr", o.reconstruction_snr, "SNR whose reconstructions are written");
  app.add_flag("--no-reconstructions", [&](int64_t) { o.reconstructions = false; });
  app.add_flag("--no-plots", [&](int64_t) { o.plots = false; });
  app.add_flag("--json", o.json, "print {\"rows\": [...]} instead of the table");
  app.add_option("--device", o.device, "cpu or cuda");
  app.add_option("--threads", o.threads, "CPU threads (0: all)");
  app.add_option("--decoder-csi", o.decoder_csi,
                 "CSI given to the decoder: measured (per-stream SNR), or for an ablation nominal (the SNR on every "
                 "stream) or swapped (the streams' SNRs in reverse order)");
  CLI11_PARSE(app, argc, argv);

  try {
    configure_threads(o.threads);
    const DecoderCsi csi = parse_decoder_csi(o.decoder_csi);
    if (o.models.empty()) o.models = shipped_codecs();
    std::map<int, std::vector<EvalImage>> images_by_multiple;
    std::vector<EvalRow> rows;
    for (const auto& path : o.models) {
      auto model = load_codec(path, torch::Device(o.device));
      const int multiple = model.config.size_multiple();
      if (!images_by_multiple.count(multiple)) images_by_multiple[multiple] = load_eval_images(o.images, multiple, o.limit);
      const auto& images = images_by_multiple[multiple];
      ProgressBar progress("eval " + model.name, static_cast<long>(o.snrs.size()), !o.json);
      for (double snr : o.snrs) {
        const bool keep = o.reconstructions && snr == o.reconstruction_snr;
        rows.push_back(evaluate(model, images, snr, o.seed, keep ? o.out_dir + "/reconstructions" : "", csi));
        progress.advance(1, "PSNR " + number(rows.back().psnr, 2) + " dB at " + number(snr, 0) + " dB");
      }
      progress.finish();
    }
    fs::create_directories(o.out_dir);
    write_csv(rows, o.out_dir + "/results.csv");
    if (o.plots) {
      if (plot::gnuplot_available()) write_plots(rows, o);
      else std::fprintf(stderr, "jscc-eval: gnuplot not found, no plots (apt-get install gnuplot-nox)\n");
    }
    if (o.json) {
      nlohmann::json out = {{"images", o.images}, {"decoder_csi", o.decoder_csi}, {"rows", nlohmann::json::array()}};
      for (const auto& r : rows) out["rows"].push_back(r.to_json());
      std::cout << out.dump(1) << "\n";
    } else {
      print_table(rows);
      std::printf("(%s; decoder CSI %s; CSV and plots in %s)\n", o.images.c_str(), o.decoder_csi.c_str(),
                  o.out_dir.c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "jscc-eval: %s\n", e.what());
    return 1;
  }
  return 0;
}
