// moema-subspace: simulate CSI-free multiple access and recover the devices'
// subspaces and codewords blindly, or recover from slots given in a file.
//
//   moema-subspace [options]                  simulate + recover, print figures
//   moema-subspace recover --input FILE ...   recover from received slots (JSON)
//   moema-subspace table                      the subspace-recovery table (demo)
//   moema-subspace scaling                    known-subspace decoding vs N
#include "moema/common/system_parameters.hpp"
#include "moema/rx/metrics.hpp"
#include "moema/link/scenario.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <stdexcept>
#include <string>

using namespace moema::rx;
using nlohmann::json;

namespace {

struct SimulateOptions {
  ScenarioConfig scenario;
  std::string method = "jbd", decoder = "intersection", fading = "unit", snr = "inf", write_slots;
  bool json = false;
};

double parse_snr_db(const std::string& text) {
  if (text == "inf" || text == "none") return std::numeric_limits<double>::infinity();
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument("--snr-db: expected a number of dB or 'inf', got '" + text + "'");
}

Fading parse_fading(const std::string& text) {
  if (text == "unit") return Fading::UnitNorm;
  if (text == "rayleigh") return Fading::Rayleigh;
  throw std::invalid_argument("--fading: expected 'unit' or 'rayleigh', got '" + text + "'");
}

json matrix_to_json(const Matrix& m) {
  json rows = json::array();
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    json row = json::array();
    for (Eigen::Index j = 0; j < m.cols(); ++j) row.push_back(m(i, j));
    rows.push_back(row);
  }
  return rows;
}

json vector_to_json(const Vector& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

std::string snr_label(double snr_db) {
  return std::isfinite(snr_db) ? std::to_string(static_cast<int>(snr_db)) + " dB" : "no noise";
}

// ---- simulate ---------------------------------------------------------------

void write_slots_file(const SimulatedSlots& sim, const std::string& path) {
  json slots = json::array();
  const Eigen::Index k = sim.received.front().rows() / 2;
  for (const Matrix& y : sim.received) slots.push_back({{"re", matrix_to_json(y.topRows(k))}, {"im", matrix_to_json(y.bottomRows(k))}});
  json truth_bases = json::array(), truth_codewords = json::array();
  for (const Matrix& a : sim.precoders.bases()) truth_bases.push_back(matrix_to_json(a));
  for (const auto& slot : sim.codewords) {
    json per_device = json::array();
    for (const Vector& w : slot) per_device.push_back(vector_to_json(w));
    truth_codewords.push_back(per_device);
  }
  std::ofstream out(path);
  if (!out) throw std::runtime_error("--write-slots: cannot write '" + path + "'");
  out << json{{"slots", slots}, {"truth", {{"bases", truth_bases}, {"codewords", truth_codewords}}}}.dump();
}

int run_simulate(SimulateOptions opt) {
  opt.scenario.channel.snr_db = parse_snr_db(opt.snr);
  opt.scenario.channel.fading = parse_fading(opt.fading);
  const RecoveryMethod method = parse_recovery_method(opt.method);
  const Decoder decoder = parse_decoder(opt.decoder);
  const SimulatedSlots sim = simulate(opt.scenario);
  if (!opt.write_slots.empty()) write_slots_file(sim, opt.write_slots);
  const ScenarioReport r = evaluate_blind(sim, method, decoder);
  if (opt.json) {
    std::cout << json{{"subspace_similarity", r.subspace_similarity}, {"data_similarity", r.data_similarity},
                      {"data_similarity_oracle", r.data_similarity_oracle}, {"rank", r.rank}, {"overlap", r.overlap},
                      {"noise_variance", r.noise_variance}, {"method", opt.method}, {"decoder", opt.decoder}}
                     .dump()
              << "\n";
    return 0;
  }
  const PrecoderConfig& p = opt.scenario.precoders;
  std::printf("N=%d M=%d D=%d K=%d overlap=%d slots=%d SNR=%s method=%s decoder=%s\n", p.devices, p.codeword_length,
              p.feature_dim, opt.scenario.channel.antennas, p.overlap, opt.scenario.slots,
              snr_label(opt.scenario.channel.snr_db).c_str(), opt.method.c_str(), opt.decoder.c_str());
  std::printf("detected rank r = %d, overlap gamma = %d, noise variance per real entry = %.3g\n", r.rank, r.overlap,
              r.noise_variance);
  for (std::size_t n = 0; n < r.subspace_similarity.size(); ++n)
    std::printf("device %zu: subspace similarity %.5f\n", n, r.subspace_similarity[n]);
  std::printf("data similarity %.4f (oracle, true subspaces: %.4f)\n", r.data_similarity, r.data_similarity_oracle);
  return 0;
}

// ---- recover from a file ----------------------------------------------------

Matrix json_to_matrix(const json& rows, const std::string& what) {
  if (!rows.is_array() || rows.empty() || !rows.front().is_array() || rows.front().empty())
    throw std::invalid_argument(what + ": expected a non-empty array of rows");
  Matrix m(rows.size(), rows.front().size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].is_array() || rows[i].size() != rows.front().size())
      throw std::invalid_argument(what + ": row " + std::to_string(i) + " has a different length than row 0");
    for (std::size_t j = 0; j < rows[i].size(); ++j) {
      if (!rows[i][j].is_number()) throw std::invalid_argument(what + ": entry (" + std::to_string(i) + "," + std::to_string(j) + ") is not a number");
      m(i, j) = rows[i][j].get<double>();
    }
  }
  return m;
}

std::vector<Matrix> read_slots_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("--input: cannot open '" + path + "'");
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::parse_error& e) {
    throw std::invalid_argument("--input '" + path + "': not valid JSON (" + e.what() + ")");
  }
  if (!doc.contains("slots") || !doc["slots"].is_array())
    throw std::invalid_argument("--input '" + path + "': expected an object with an array \"slots\"");
  std::vector<Matrix> slots;
  for (std::size_t t = 0; t < doc["slots"].size(); ++t) {
    const json& s = doc["slots"][t];
    const std::string what = "--input '" + path + "': slot " + std::to_string(t);
    if (!s.is_object() || !s.contains("re") || !s.contains("im"))
      throw std::invalid_argument(what + ": expected {\"re\": [[...]], \"im\": [[...]]}");
    const Matrix re = json_to_matrix(s["re"], what + " \"re\""), im = json_to_matrix(s["im"], what + " \"im\"");
    if (re.rows() != im.rows() || re.cols() != im.cols())
      throw std::invalid_argument(what + ": \"re\" is " + std::to_string(re.rows()) + "x" + std::to_string(re.cols()) +
                                  " but \"im\" is " + std::to_string(im.rows()) + "x" + std::to_string(im.cols()));
    Matrix stacked(2 * re.rows(), re.cols());
    stacked << re, im;
    slots.push_back(std::move(stacked));
  }
  return slots;
}

struct RecoverOptions {
  std::string input, method = "jbd", decoder = "intersection";
  int devices = moema::defaults::kDevices, dim = moema::defaults::kFeatureDim;
  bool json = false;
};

int run_recover(const RecoverOptions& opt) {
  const std::vector<Matrix> slots = read_slots_file(opt.input);
  RecoveryConfig rc;
  rc.devices = opt.devices;
  rc.feature_dim = opt.dim;
  rc.method = parse_recovery_method(opt.method);
  if (slots.empty()) throw std::invalid_argument("--input '" + opt.input + "': no slots");
  const SubspaceEstimate est = recover_subspaces(slots, rc);
  const CodewordDecoder decoder(est.bases, parse_decoder(opt.decoder));
  json bases = json::array(), codewords = json::array();
  for (const Matrix& a : est.bases) bases.push_back(matrix_to_json(a));
  for (const Matrix& y : slots) {
    json per_device = json::array();
    for (const Vector& w : decoder.decode(y)) per_device.push_back(vector_to_json(w));
    codewords.push_back(per_device);
  }
  const json out{{"bases", bases}, {"codewords", codewords}, {"rank", est.rank()}, {"overlap", est.overlap},
                 {"noise_variance", est.noise_variance}};
  if (opt.json) {
    std::cout << out.dump() << "\n";
  } else {
    std::printf("%zu slots: rank r = %d, overlap gamma = %d, noise variance %.3g\n", slots.size(), est.rank(),
                est.overlap, est.noise_variance);
    std::cout << out.dump(2) << "\n";
  }
  return 0;
}

// ---- tables -----------------------------------------------------------------

struct TableOptions {
  int slots = 500, seeds = 1;
  std::uint64_t seed = moema::defaults::kSeed;
};

// Mean over seeds of one blind run per decoder (the recovery is shared).
struct Row {
  double min_subspace = 1.0, data_projection = 0, oracle_projection = 0, data_intersection = 0, oracle_intersection = 0;
  int rank = 0, overlap = 0;
};

Row blind_row(ScenarioConfig sc, RecoveryMethod method, const TableOptions& t) {
  Row row;
  for (int s = 0; s < t.seeds; ++s) {
    sc.seed = t.seed + s;
    const SimulatedSlots sim = simulate(sc);
    const SubspaceEstimate est = recover_subspaces(sim.received, recovery_config(sim, method));
    for (double s : subspace_similarities(sim, est)) row.min_subspace = std::min(row.min_subspace, s);
    row.data_projection += mean_data_similarity(sim, est.bases, Decoder::Projection) / t.seeds;
    row.data_intersection += mean_data_similarity(sim, est.bases, Decoder::Intersection) / t.seeds;
    row.oracle_projection += mean_data_similarity(sim, sim.precoders.bases(), Decoder::Projection) / t.seeds;
    row.oracle_intersection += mean_data_similarity(sim, sim.precoders.bases(), Decoder::Intersection) / t.seeds;
    row.rank = est.rank(), row.overlap = est.overlap;
  }
  return row;
}

int run_table(const TableOptions& t) {
  std::printf("Blind subspace recovery, M=10 D=3 K=16, %d slots, unit-norm h and w, %d seed(s) from %llu\n", t.slots,
              t.seeds, static_cast<unsigned long long>(t.seed));
  std::printf("subspace = min over devices of eq. (6); data = mean cosine similarity eq. (7); oracle = same decoder on "
              "the true subspaces\n\n");
  std::printf("%-6s %2s %-9s %3s | %4s %4s | %8s | %-18s | %-18s\n", "method", "N", "SNR", "gam", "r", "gam^",
              "subspace", "data projection", "data intersection");
  std::printf("%-6s %2s %-9s %3s | %4s %4s | %8s | %8s %9s | %8s %9s\n", "", "", "", "", "", "", "", "est.",
              "(oracle)", "est.", "(oracle)");
  struct Case { int devices, overlap; double snr; };
  std::vector<Case> cases;
  for (double snr : {std::numeric_limits<double>::infinity(), 20.0, 10.0}) {
    for (int g = 0; g < 3; ++g) cases.push_back({2, g, snr});
    cases.push_back({3, 0, snr});
  }
  for (RecoveryMethod method : {RecoveryMethod::Paper, RecoveryMethod::Jbd}) {
    for (const Case& c : cases) {
      ScenarioConfig sc;
      sc.precoders.devices = c.devices;
      sc.precoders.overlap = c.overlap;
      sc.channel.snr_db = c.snr;
      sc.slots = t.slots;
      std::string status;
      try {
        const Row r = blind_row(sc, method, t);
        std::printf("%-6s %2d %-9s %3d | %4d %4d | %8.4f | %8.4f %9.4f | %8.4f %9.4f\n", to_string(method).c_str(),
                    c.devices, snr_label(c.snr).c_str(), c.overlap, r.rank, r.overlap, r.min_subspace,
                    r.data_projection, r.oracle_projection, r.data_intersection, r.oracle_intersection);
      } catch (const std::exception& e) {
        std::printf("%-6s %2d %-9s %3d | failed: %s\n", to_string(method).c_str(), c.devices, snr_label(c.snr).c_str(),
                    c.overlap, e.what());
      }
      std::fflush(stdout);
    }
  }
  return 0;
}

// Decoding with registered (known) subspaces: how many devices fit.
int run_scaling(const TableOptions& t, double snr_db, int max_devices, int overlap) {
  const int m = 10, d = 3;
  std::printf("Known subspaces, M=%d D=%d K=16 overlap=%d, SNR %s, %d slots, %d seed(s): mean data similarity\n", m, d,
              overlap, snr_label(snr_db).c_str(), t.slots, t.seeds);
  std::printf("Intersection decoding is unique while N <= M - D + 1 = %d.\n\n", m - d + 1);
  std::printf("%3s | %10s | %12s | %s\n", "N", "projection", "intersection", "");
  for (int n = 2; n <= max_devices; ++n) {
    double proj = 0, inter = 0;
    for (int s = 0; s < t.seeds; ++s) {
      ScenarioConfig sc;
      sc.precoders.devices = n;
      sc.precoders.overlap = overlap;
      sc.channel.snr_db = snr_db;
      sc.slots = t.slots;
      sc.seed = t.seed + s;
      const SimulatedSlots sim = simulate(sc);
      proj += mean_data_similarity(sim, sim.precoders.bases(), Decoder::Projection) / t.seeds;
      inter += mean_data_similarity(sim, sim.precoders.bases(), Decoder::Intersection) / t.seeds;
    }
    std::printf("%3d | %10.4f | %12.4f | %s\n", n, proj, inter, n <= m - d + 1 ? "" : "beyond the limit");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Blind (CSI-free) subspace recovery for MoEMA: simulate multiple access and recover each device's "
               "subspace and codewords"};
  app.require_subcommand(0, 1);
  SimulateOptions sim;
  PrecoderConfig& p = sim.scenario.precoders;
  app.add_option("--devices,-N", p.devices, "devices N")->capture_default_str();
  app.add_option("--codeword-length,-M", p.codeword_length, "symbols per codeword M")->capture_default_str();
  app.add_option("--dim,-D", p.feature_dim, "feature dimension D")->capture_default_str();
  app.add_option("--antennas,-K", sim.scenario.channel.antennas, "AP antennas K")->capture_default_str();
  app.add_option("--overlap", p.overlap, "shared subspace dimension gamma")->capture_default_str();
  app.add_option("--slots,-T", sim.scenario.slots, "slots T")->capture_default_str();
  app.add_option("--snr-db", sim.snr, "per-antenna SNR in dB, or 'inf' for no noise")->capture_default_str();
  app.add_option("--fading", sim.fading, "unit (unit-norm h, the paper's) or rayleigh")->capture_default_str();
  app.add_option("--path-gain-db", sim.scenario.channel.path_gain_db, "per-device path gain, Rayleigh fading");
  app.add_option("--seed", sim.scenario.seed, "random seed")->capture_default_str();
  app.add_option("--method", sim.method, "subspace recovery: jbd (the project's) or paper")->capture_default_str();
  app.add_option("--decoder", sim.decoder, "codeword decoder: intersection (the project's) or projection")
      ->capture_default_str();
  app.add_option("--write-slots", sim.write_slots, "also write the received slots (and the truth) as JSON");
  app.add_flag("--json", sim.json, "print one JSON object");

  RecoverOptions rec;
  CLI::App* recover = app.add_subcommand("recover", "recover subspaces and codewords from slots in a JSON file");
  recover->add_option("--input", rec.input, "JSON {\"slots\":[{\"re\":[[...]],\"im\":[[...]]}, ...]}, each K x M")
      ->required();
  recover->add_option("--devices,-N", rec.devices, "devices N")->capture_default_str();
  recover->add_option("--dim,-D", rec.dim, "feature dimension D")->capture_default_str();
  recover->add_option("--method", rec.method, "jbd or paper")->capture_default_str();
  recover->add_option("--decoder", rec.decoder, "intersection or projection")->capture_default_str();
  recover->add_flag("--json", rec.json, "print one JSON object");

  TableOptions tab;
  CLI::App* table = app.add_subcommand("table", "the subspace-recovery table: both methods, N=2 and 3, overlap, SNR");
  table->add_option("--slots,-T", tab.slots, "slots T")->capture_default_str();
  table->add_option("--seeds", tab.seeds, "seeds to average over")->capture_default_str();
  table->add_option("--seed", tab.seed, "first seed")->capture_default_str();

  TableOptions sca;
  std::string scaling_snr = "20";
  int max_devices = 10, scaling_overlap = 0;
  CLI::App* scaling = app.add_subcommand("scaling", "decoding with known subspaces for N = 2.. devices");
  scaling->add_option("--slots,-T", sca.slots, "slots T")->capture_default_str();
  scaling->add_option("--seeds", sca.seeds, "seeds to average over")->capture_default_str();
  scaling->add_option("--seed", sca.seed, "first seed")->capture_default_str();
  scaling->add_option("--snr-db", scaling_snr, "per-antenna SNR in dB or 'inf'")->capture_default_str();
  scaling->add_option("--max-devices", max_devices, "largest N")->capture_default_str();
  scaling->add_option("--overlap", scaling_overlap, "shared subspace dimension")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  try {
    if (*recover) return run_recover(rec);
    if (*table) return run_table(tab);
    if (*scaling) return run_scaling(sca, parse_snr_db(scaling_snr), max_devices, scaling_overlap);
    return run_simulate(sim);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moema-subspace: error: %s\n", e.what());
    return 2;
  }
}
