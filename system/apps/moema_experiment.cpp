// moema-experiment: the MoEMA chain end to end. Devices embed MNIST and
// Fashion-MNIST samples (ArcFace embedder), precode them, and transmit all at
// once over the CSI-free multiple-access channel; the AP reconstructs the
// codewords with the true subspaces ("w/o subspace estimation") or blindly
// estimated ones ("w/"), and classifies them with MoEMA and the Single
// baseline. Prints the paper's Table 1 and Table 3 with its numbers beside
// ours, writes a CSV and PNG plots; --json prints {"rows": [...]}.
#include "moema/common/system_parameters.hpp"
#include "moema/system/experiment.hpp"
#include "moema/io/plot.hpp"
#include "moema/system/radio_options.hpp"
#include "moema/models/tensor_utils.hpp"
#include "moema/common/torch_support.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <sstream>

using namespace moema;
using namespace moema::models;
namespace rx = moema::rx;
namespace plot = moema::io::plot;
using nlohmann::json;

namespace {

struct Options {
  std::vector<int> overlaps{0, 1, 2};
  std::vector<std::uint64_t> seeds{1, 2, 3};
  std::vector<std::string> decoders{"projection", "intersection"};
  std::vector<std::string> signallings{"distance", "onehot"};
  std::vector<std::string> snrs{"inf"};
  int devices = defaults::kDevices;
  int codeword_length = defaults::kCodewordLength;
  int antennas = defaults::kAntennas;
  std::string recovery = "jbd";
  int recovery_slots = defaults::kLearningSlots;
  int train_per_device = 15000;
  int test_per_device = 5000;
  TrainingConfig training;
  std::string data_dir = moema::data_dir();
  std::string weights_dir = moema::weights_dir();
  std::string train_dir;  // where receivers trained by this run go
  std::string out_dir = "results/moema-experiment";
  bool retrain = false;
  bool quick = false;
  bool json = false;
  bool plots = true;
  int threads = 2;
  // Over the air (rx/air_link.hpp) instead of the slot-level channel.
  bool air = false;
  RadioImpairments radio;
};

// One cell of the paper's tables for one seed (the --json row).
struct Row {
  int overlap = 0;
  bool subspace_estimation = false;
  std::string model, signalling, decoder;
  std::uint64_t seed = defaults::kSeed;
  double snr_db = std::numeric_limits<double>::infinity();
  double accuracy = 0;
  double data_similarity = 0;
  double subspace_similarity = 0;  // min over devices; 1 without estimation
};

double parse_snr_db(const std::string& text) {
  if (text == "inf" || text == "none") return std::numeric_limits<double>::infinity();
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !std::isfinite(v))
    throw std::invalid_argument("--snr: expected dB values or 'inf', got '" + text + "'");
  return v;
}

std::string snr_text(double snr_db) {
  if (std::isinf(snr_db)) return "noiseless";
  std::ostringstream s;
  s << snr_db << " dB";
  return s.str();
}

// ---------------------------------------------------------------- the runs

// Mean gate weights of MoEMA (distance signalling) per task: which experts
// each task's codewords are routed to.
std::string gate_text(const MoeEvaluation& e) {
  char text[160];
  std::snprintf(text, sizeof text, "gate mnist->(%.2f %.2f %.2f) fashion->(%.2f %.2f %.2f) [mnist, fashion, multi-task]",
                e.mean_gate[0][0], e.mean_gate[0][1], e.mean_gate[0][2], e.mean_gate[1][0], e.mean_gate[1][1],
                e.mean_gate[1][2]);
  return text;
}

class Experiment {
 public:
  explicit Experiment(const Options& options) : o_(options), embedding_(load_embedding(o_.weights_dir)) {
    test_images_ = load_tasks(o_.data_dir, Split::Test);
  }

  std::vector<Row> run() {
    std::vector<Row> rows;
    for (const std::string& decoder : o_.decoders)
      for (const int overlap : o_.overlaps)
        for (const std::uint64_t seed : o_.seeds) run_deployment(rx::parse_decoder(decoder), overlap, seed, rows);
    return rows;
  }

  // Reconstructions kept for the scatter plot (first seed, first decoder).
  std::map<int, Reconstruction> scatter_reconstructions;
  rx::Matrix embedding_sample;
  std::vector<int> embedding_labels;

 private:
  const LabelledImages& train_images() {
    if (train_images_.size() == 0) train_images_ = load_tasks(o_.data_dir, Split::Train);
    return train_images_;
  }

  std::vector<DeviceSamples> split(std::uint64_t seed) {
    // Only the sizes of the training split matter when no training is needed.
    const LabelledImages& train = train_images();
    return split_devices(train, test_images_, o_.devices, o_.train_per_device, o_.test_per_device, seed);
  }

  LinkConfig link_config(int overlap, rx::Decoder decoder, std::uint64_t seed, double snr_db) const {
    LinkConfig c;
    c.devices = o_.devices;
    c.codeword_length = o_.codeword_length;
    c.antennas = o_.antennas;
    c.overlap = overlap;
    c.snr_db = snr_db;
    c.decoder = decoder;
    c.recovery = rx::parse_recovery_method(o_.recovery);
    c.recovery_slots = o_.recovery_slots;
    c.seed = seed;
    if (o_.air) c.air = air_link_config(o_.radio, o_.devices, o_.antennas, seed);
    return c;
  }

  Receivers receivers_for(const ReceiverKey& key, const std::vector<DeviceSamples>& devices) {
    if (!o_.retrain)
      if (auto r = find_receivers(key, o_.weights_dir, o_.train_dir)) return std::move(*r);
    std::cerr << "training the receivers for " << key.name() << " (no trained weights in " << o_.weights_dir
              << "/receivers or " << o_.train_dir << ")\n";
    const std::vector<DeviceStream> streams = embed_device_streams(embedding_, train_images(), devices, Split::Train);
    const LinkResult train = run_link(link_config(key.overlap, key.decoder, key.seed, INFINITY), streams, 0, false);
    TrainingConfig t = o_.training;
    t.seed = key.seed;
    Receivers r = train_receivers(key, train.with_true_subspaces, embedding_, t);
    save_receivers(r, key, o_.train_dir);
    std::cerr << "saved to " << o_.train_dir << "/" << key.name() << "\n";
    return r;
  }

  void run_deployment(rx::Decoder decoder, int overlap, std::uint64_t seed, std::vector<Row>& rows) {
    const ReceiverKey key{o_.devices, o_.codeword_length, embedding_.feature_dim(), overlap, decoder, seed};
    const std::vector<DeviceSamples> devices = split(seed);
    Receivers receivers = receivers_for(key, devices);
    const std::vector<DeviceStream> streams = embed_device_streams(embedding_, test_images_, devices, Split::Test);
    if (embedding_sample.rows() == 0) keep_embedding_sample(streams);
    for (const std::string& snr : o_.snrs) {
      const double snr_db = parse_snr_db(snr);
      const LinkResult link = run_link(link_config(overlap, decoder, seed, snr_db), streams, 1, true);
      if (decoder == rx::parse_decoder(o_.decoders.front()) && seed == o_.seeds.front() && snr == o_.snrs.front())
        scatter_reconstructions.emplace(overlap, link.with_estimated_subspaces);
      const double subspace = *std::min_element(link.subspace_similarity.begin(), link.subspace_similarity.end());
      if (link.frames) {
        const rx::FrameCounts& f = *link.frames;
        std::cerr << key.name() << " over the air: frames sent " << f.sent << ", detected " << f.detected
                  << ", decoded " << f.decoded << ", dropped " << f.dropped << "\n";
        for (const std::string& e : link.frame_errors) std::cerr << "  " << e << "\n";
      }
      for (const bool estimated : {false, true}) {
        const Reconstruction& rec = estimated ? link.with_estimated_subspaces : link.with_true_subspaces;
        Row base{overlap, estimated, "", "", rx::to_string(decoder), seed, snr_db, 0, rec.data_similarity,
                 estimated ? subspace : 1.0};
        const double single = accuracy(receivers.single, codeword_set(rec, embedding_.centres, Signalling::Distance));
        for (const std::string& s : o_.signallings) {
          const Signalling signalling = parse_signalling(s);
          Row r = base;
          r.signalling = s;
          r.model = "single";  // Single ignores the auxiliary signal: the same figure under both
          r.accuracy = single;
          rows.push_back(r);
          r.model = "moema";
          r.accuracy = evaluate(receivers.moema.at(signalling), codeword_set(rec, embedding_.centres, signalling)).accuracy;
          rows.push_back(r);
        }
      }
      std::cerr << key.name() << " " << snr_text(snr_db) << ": subspace similarity " << subspace
                << ", data similarity " << link.with_estimated_subspaces.data_similarity << ", "
                << gate_text(evaluate(receivers.moema.at(Signalling::Distance),
                                      codeword_set(link.with_estimated_subspaces, embedding_.centres, Signalling::Distance)))
                << "\n";
    }
  }

  void keep_embedding_sample(const std::vector<DeviceStream>& streams) {
    const DeviceStream& s = streams.front();
    const Eigen::Index n = std::min<Eigen::Index>(s.features.rows(), 3000);
    embedding_sample = s.features.topRows(n);
    embedding_labels.assign(s.labels.begin(), s.labels.begin() + n);
  }

  Options o_;
  Embedding embedding_;
  LabelledImages test_images_;
  LabelledImages train_images_;
};

// ---------------------------------------------------------------- tables

struct Stats {
  double mean = 0, min = 0, max = 0;
  int count = 0;
};

Stats stats(const std::vector<double>& v) {
  Stats s;
  s.count = static_cast<int>(v.size());
  if (v.empty()) return s;
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  for (const double x : v) s.mean += x / static_cast<double>(v.size());
  return s;
}

using Filter = std::function<bool(const Row&)>;

std::vector<double> pick(const std::vector<Row>& rows, const Filter& f, double Row::*field) {
  std::vector<double> out;
  for (const Row& r : rows)
    if (f(r)) out.push_back(r.*field);
  return out;
}

std::string cell(const Stats& s, int decimals, const std::string& paper) {
  if (s.count == 0) return "-";
  char text[96];
  if (s.count == 1)
    std::snprintf(text, sizeof text, "%.*f", decimals, s.mean);
  else
    std::snprintf(text, sizeof text, "%.*f [%.*f,%.*f]", decimals, s.mean, decimals, s.min, decimals, s.max);
  return paper.empty() ? text : std::string(text) + " (" + paper + ")";
}

// The paper's figures (Table 1 and Table 3), for N=2, M=10, D=3, K=16, noiseless.
const std::map<int, std::vector<std::string>> kPaperTable1 = {
    {0, {"0.99", "0.99", "93.23", "93.26", "93.18", "93.22"}},
    {1, {"0.99", "0.95", "88.35", "89.66", "88.00", "89.61"}},
    {2, {"0.99", "0.89", "72.0", "76.15", "71.98", "76.07"}}};
const std::map<int, std::vector<std::string>> kPaperTable3 = {{0, {"93.26", "93.29", "93.22", "93.23"}},
                                                              {1, {"89.66", "89.71", "89.61", "89.46"}},
                                                              {2, {"76.15", "76.19", "76.07", "75.76"}}};

class TablePrinter {
 public:
  TablePrinter(const std::vector<Row>& rows, const Options& o) : rows_(rows), o_(o) {}

  void print_all() {
    for (const std::string& snr : o_.snrs)
      for (const std::string& decoder : o_.decoders) print_for(decoder, parse_snr_db(snr));
  }

 private:
  bool paper_setting(double snr_db) const {
    return std::isinf(snr_db) && o_.devices == 2 && o_.codeword_length == 10 && o_.antennas == 16;
  }
  std::string paper(const std::map<int, std::vector<std::string>>& table, int overlap, int column, double snr) const {
    if (!paper_setting(snr) || !table.count(overlap)) return "";
    return table.at(overlap).at(column);
  }

  void print_for(const std::string& decoder, double snr) {
    const auto in = [&](int overlap, bool est) {
      return [=](const Row& r) {
        return r.decoder == decoder && r.overlap == overlap && r.subspace_estimation == est &&
               (r.snr_db == snr || (std::isinf(r.snr_db) && std::isinf(snr)));
      };
    };
    std::printf("\n== decoder %s%s, %s, N=%d M=%d K=%d, recovery %s, seeds:", decoder.c_str(),
                decoder == "projection" ? " (the paper's)" : " (the project's)", snr_text(snr).c_str(), o_.devices,
                o_.codeword_length, o_.antennas, o_.recovery.c_str());
    for (const auto s : o_.seeds) std::printf(" %llu", static_cast<unsigned long long>(s));
    std::printf(" ==\nfigures: mean over seeds [min,max]; (paper)\n\n");

    std::printf("Table 1 (a) cosine similarity\n%-8s| %-28s| %-28s| %s\n", "overlap", "subspace (w/ est., min dev.)",
                "data (w/ est.)", "data (w/o est.)");
    for (const int ov : o_.overlaps)
      std::printf("%-8d| %-28s| %-28s| %s\n", ov,
                  cell(stats(pick(rows_, model_is(in(ov, true), "single", "distance"), &Row::subspace_similarity)), 4,
                       paper(kPaperTable1, ov, 0, snr)).c_str(),
                  cell(stats(pick(rows_, model_is(in(ov, true), "single", "distance"), &Row::data_similarity)), 4,
                       paper(kPaperTable1, ov, 1, snr)).c_str(),
                  cell(stats(pick(rows_, model_is(in(ov, false), "single", "distance"), &Row::data_similarity)), 4, "")
                      .c_str());

    const std::string sig = o_.signallings.front();
    std::printf("\nTable 1 (b) accuracy %% (MoEMA with %s signalling)\n%-8s| %-30s| %-30s| %-30s| %-30s| %s\n",
                sig.c_str(), "overlap", "w/o est. Single", "w/o est. MoEMA", "w/ est. Single", "w/ est. MoEMA",
                "MoEMA - Single, w/o est. (per-seed min)");
    for (const int ov : o_.overlaps) {
      std::printf("%-8d", ov);
      int column = 2;
      for (const bool est : {false, true})
        for (const char* model : {"single", "moema"})
          std::printf("| %-30s", cell(stats(pick(rows_, model_is(in(ov, est), model, sig), &Row::accuracy)), 2,
                                      paper(kPaperTable1, ov, column++, snr))
                                     .c_str());
      std::printf("| %s\n", gap_text(in(ov, false), sig).c_str());
    }

    std::printf("\nTable 3 accuracy %% of MoEMA by signalling\n%-8s| %-30s| %-30s| %-30s| %s\n", "overlap",
                "w/o est. distance", "w/o est. one-hot", "w/ est. distance", "w/ est. one-hot");
    for (const int ov : o_.overlaps) {
      std::printf("%-8d", ov);
      int column = 0;
      for (const bool est : {false, true})
        for (const char* s : {"distance", "onehot"})
          std::printf("| %-30s", cell(stats(pick(rows_, model_is(in(ov, est), "moema", s), &Row::accuracy)), 2,
                                      paper(kPaperTable3, ov, column++, snr))
                                     .c_str());
      std::printf("\n");
    }
  }

  static Filter model_is(const Filter& f, const std::string& model, const std::string& signalling) {
    return [=](const Row& r) { return f(r) && r.model == model && r.signalling == signalling; };
  }

  std::string gap_text(const Filter& f, const std::string& sig) const {
    std::map<std::uint64_t, double> single, moema;
    for (const Row& r : rows_)
      if (f(r) && r.signalling == sig) (r.model == "single" ? single : moema)[r.seed] = r.accuracy;
    std::vector<double> gaps;
    for (const auto& [seed, acc] : moema)
      if (single.count(seed)) gaps.push_back(acc - single[seed]);
    if (gaps.empty()) return "-";
    const Stats g = stats(gaps);
    char text[64];
    std::snprintf(text, sizeof text, "%+.2f (%+.2f)", g.mean, g.min);
    return text;
  }

  const std::vector<Row>& rows_;
  const Options& o_;
};

// ---------------------------------------------------------------- outputs

json row_json(const Row& r) {
  json j = {{"overlap", r.overlap},
            {"subspace_estimation", r.subspace_estimation},
            {"model", r.model},
            {"signalling", r.signalling},
            {"seed", r.seed},
            {"accuracy", r.accuracy},
            {"data_similarity", r.data_similarity},
            {"subspace_similarity", r.subspace_similarity},
            {"decoder", r.decoder}};
  j["snr_db"] = std::isinf(r.snr_db) ? json(nullptr) : json(r.snr_db);
  return j;
}

void write_csv(const std::vector<Row>& rows, const std::string& path) {
  ensure_parent_directory(path);
  std::ofstream out(path);
  out << "decoder,snr_db,overlap,subspace_estimation,model,signalling,seed,accuracy,data_similarity,subspace_similarity\n";
  for (const Row& r : rows)
    out << r.decoder << "," << (std::isinf(r.snr_db) ? std::string("inf") : std::to_string(r.snr_db)) << ","
        << r.overlap << "," << (r.subspace_estimation ? "true" : "false") << "," << r.model << "," << r.signalling
        << "," << r.seed << "," << r.accuracy << "," << r.data_similarity << "," << r.subspace_similarity << "\n";
  if (!out) throw std::runtime_error(path + ": could not be written");
}

plot::Series accuracy_series(const std::vector<Row>& rows, const std::string& label, const Filter& f,
                             const std::vector<int>& overlaps) {
  plot::Series s{label, {}, {}, {}, {}};
  for (const int ov : overlaps) {
    const Stats st = stats(pick(rows, [&](const Row& r) { return f(r) && r.overlap == ov; }, &Row::accuracy));
    if (st.count == 0) continue;
    s.x.push_back(ov);
    s.y.push_back(st.mean);
    s.y_low.push_back(st.min);
    s.y_high.push_back(st.max);
  }
  return s;
}

void write_plots(const std::vector<Row>& rows, const Options& o, Experiment& ex) {
  if (!plot::gnuplot_available()) {
    std::cerr << "no plots: gnuplot not found (apt-get install gnuplot-nox)\n";
    return;
  }
  const std::string sig = o.signallings.front();
  const double snr = parse_snr_db(o.snrs.front());
  plot::LinePlot acc{"Accuracy vs overlapping dimension (" + snr_text(snr) + ", MoEMA with " + sig + " signalling)",
                     "overlapping dimension", "accuracy (%)", {}, std::nullopt};
  for (const std::string& decoder : o.decoders)
    for (const bool est : {false, true})
      for (const char* model : {"single", "moema"}) {
        const std::string label = std::string(model == std::string("single") ? "Single" : "MoEMA") + ", " + decoder +
                                  (est ? ", w/ est." : ", w/o est.");
        acc.series.push_back(accuracy_series(rows, label, [&, est, model](const Row& r) {
          return r.decoder == decoder && r.subspace_estimation == est && r.model == model && r.signalling == sig &&
                 (r.snr_db == snr || (std::isinf(r.snr_db) && std::isinf(snr)));
        }, o.overlaps));
      }
  if (o.devices == 2 && std::isinf(snr)) {
    plot::Series single{"paper Single, w/ est.", {}, {}, {}, {}}, moema{"paper MoEMA, w/ est.", {}, {}, {}, {}};
    for (const int ov : o.overlaps)
      if (kPaperTable1.count(ov)) {
        single.x.push_back(ov), single.y.push_back(std::stod(kPaperTable1.at(ov)[4]));
        moema.x.push_back(ov), moema.y.push_back(std::stod(kPaperTable1.at(ov)[5]));
      }
    acc.series.push_back(single);
    acc.series.push_back(moema);
  }
  plot::render(acc, o.out_dir + "/accuracy_vs_overlap.png");

  if (o.snrs.size() > 1) {
    plot::LinePlot sweep{"Accuracy vs per-antenna SNR (w/ subspace estimation)", "SNR (dB)", "accuracy (%)", {}, std::nullopt};
    for (const std::string& decoder : o.decoders)
      for (const int ov : o.overlaps)
        for (const char* model : {"single", "moema"}) {
          plot::Series s{std::string(model) + ", " + decoder + ", overlap " + std::to_string(ov), {}, {}, {}, {}};
          for (const std::string& text : o.snrs) {
            const double v = parse_snr_db(text);
            if (std::isinf(v)) continue;
            const Stats st = stats(pick(rows, [&](const Row& r) {
              return r.decoder == decoder && r.overlap == ov && r.subspace_estimation && r.model == model &&
                     r.signalling == sig && r.snr_db == v;
            }, &Row::accuracy));
            s.x.push_back(v), s.y.push_back(st.mean), s.y_low.push_back(st.min), s.y_high.push_back(st.max);
          }
          sweep.series.push_back(s);
        }
    plot::render(sweep, o.out_dir + "/accuracy_vs_snr.png");
  }

  // Fig. 1: original and reconstructed codewords of device 1, on the two
  // principal axes of the original codewords (PCA in place of the paper's t-SNE).
  plot::ScatterGrid scatter{"Device 1's semantic codewords, original and reconstructed (PCA of the originals)", {}, 2,
                            false, {}};
  if (!ex.scatter_reconstructions.empty()) {
    const int n = o.devices;
    const auto device_rows = [&](const rx::Matrix& m) {
      const Eigen::Index count = std::min<Eigen::Index>(m.rows() / n, 2000);
      rx::Matrix out(count, m.cols());
      for (Eigen::Index i = 0; i < count; ++i) out.row(i) = m.row(i * n);
      return out;
    };
    const Reconstruction& first = ex.scatter_reconstructions.begin()->second;
    const rx::Matrix original = device_rows(first.sent);
    const Eigen::RowVectorXd mean = original.colwise().mean();
    const rx::Matrix centred = original.rowwise() - mean;
    // Axes from the originals, applied to every panel so distortion shows.
    const Eigen::SelfAdjointEigenSolver<rx::Matrix> eig(centred.transpose() * centred);
    const rx::Matrix axes = eig.eigenvectors().rightCols(2).rowwise().reverse();
    const auto panel = [&](const std::string& title, const rx::Matrix& m) {
      plot::ScatterPanel p{title, {}};
      const rx::Matrix xy = (m.rowwise() - mean) * axes;
      for (Eigen::Index i = 0; i < xy.rows(); ++i) p.points.push_back({xy(i, 0), xy(i, 1), 0, first.labels[i * n]});
      return p;
    };
    scatter.panels.push_back(panel("original SCs", original));
    for (const auto& [ov, rec] : ex.scatter_reconstructions)
      scatter.panels.push_back(panel("reconstructed, overlap " + std::to_string(ov) + " (data similarity " +
                                         std::to_string(rec.data_similarity).substr(0, 5) + ")",
                                     device_rows(rec.codewords)));
    plot::render(scatter, o.out_dir + "/sc_scatter.png");
  }

  // Fig. 3: the embedding itself.
  plot::ScatterGrid emb{"ArcFace embedding of device 1's test samples (D = 3)", {}, 1, true, {}};
  plot::ScatterPanel p{"labels 0-9 MNIST, 10-19 Fashion-MNIST", {}};
  for (Eigen::Index i = 0; i < ex.embedding_sample.rows(); ++i)
    p.points.push_back({ex.embedding_sample(i, 0), ex.embedding_sample(i, 1), ex.embedding_sample(i, 2),
                        ex.embedding_labels[i]});
  emb.panels.push_back(p);
  plot::render(emb, o.out_dir + "/embedding.png");
}

void apply_quick(Options& o) {
  o.seeds = {1};
  o.test_per_device = 1000;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MoEMA end to end: Tables 1 and 3 of the paper through the CSI-free subspace receiver"};
  Options o;
  o.train_dir = trained_receivers_dir("");
  app.add_option("--overlap", o.overlaps, "overlapping dimensions gamma")->delimiter(',');
  app.add_option("--seed", o.seeds, "seeds (precoders, channel, sample split, training)")->delimiter(',');
  app.add_option("--decoder", o.decoders, "codeword decoders: projection (paper), intersection (project)")->delimiter(',');
  app.add_option("--signalling", o.signallings, "auxiliary signalling: distance, onehot")->delimiter(',');
  app.add_option("--snr", o.snrs, "per-antenna SNR of the test slots in dB, or inf; a list is a sweep")->delimiter(',');
  app.add_option("--devices", o.devices, "N");
  app.add_option("--antennas", o.antennas, "K");
  app.add_option("--codeword-length", o.codeword_length, "M");
  app.add_option("--recovery", o.recovery, "blind subspace recovery: jbd (project), paper");
  app.add_option("--recovery-slots", o.recovery_slots, "test slots the AP estimates subspaces from");
  app.add_option("--train-per-device", o.train_per_device, "training samples per device");
  app.add_option("--test-per-device", o.test_per_device, "test samples per device");
  app.add_option("--epochs", o.training.epochs, "epochs of MoE phase 2 and Single when training");
  app.add_option("--expert-epochs", o.training.expert_epochs, "epochs of MoE phase 1 when training");
  app.add_option("--load-balance", o.training.load_balance_weight, "lambda of the load-balance loss");
  app.add_option("--data", o.data_dir, "data directory (./testbed setup fills it)");
  app.add_option("--weights", o.weights_dir, "shipped weights: embedder.* and receivers/");
  app.add_option("--train-dir", o.train_dir, "where receivers this run trains are saved and looked up");
  app.add_option("--out", o.out_dir, "directory for rows.csv and the PNG plots");
  app.add_flag("--retrain", o.retrain, "train the receivers even if weights exist");
  app.add_flag("--quick", o.quick, "seed 1 and 1000 test samples per device");
  app.add_flag("--json", o.json, "print {\"rows\": [...]} instead of the tables");
  app.add_flag("!--no-plots", o.plots, "skip the PNG plots");
  app.add_option("--threads", o.threads, "LibTorch threads (0: all)");
  app.add_flag("--air", o.air, "test slots over the sample-level radio link (pulses, sync, aux messages)");
  add_radio_impairment_options(app, o.radio, "with --air: ");
  bool quiet = false;
  app.add_flag("--quiet", quiet, "no progress bars");
  CLI11_PARSE(app, argc, argv);
  if (o.quick) apply_quick(o);
  o.training.progress = !quiet;
  try {
    for (const std::string& d : o.decoders) rx::parse_decoder(d);
    for (const std::string& s : o.signallings) parse_signalling(s);
    for (const std::string& s : o.snrs) parse_snr_db(s);
    configure_threads(o.threads);
    Experiment experiment(o);
    const std::vector<Row> rows = experiment.run();
    write_csv(rows, o.out_dir + "/rows.csv");
    if (o.plots) write_plots(rows, o, experiment);
    if (o.json) {
      json out = {{"rows", json::array()}};
      for (const Row& r : rows) out["rows"].push_back(row_json(r));
      std::cout << out.dump(1) << "\n";
    } else {
      TablePrinter(rows, o).print_all();
      std::printf("\nwrote %s/rows.csv%s\n", o.out_dir.c_str(), o.plots ? " and the PNG plots" : "");
    }
  } catch (const std::exception& e) {
    std::cerr << "moema-experiment: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
