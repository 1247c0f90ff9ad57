// SigMF recordings of the access point's K receive channels, for replay.
//
// A recording is a SigMF collection of K single-channel recordings, one per
// antenna, side by side in one directory:
//
//   <name>-ch00.sigmf-data   cf32_le samples of channel 0 (8 bytes each)
//   <name>-ch00.sigmf-meta   global / captures / annotations (SigMF 1.0.0)
//   ...                      the same for channels 01 .. K-1
//   <name>.sigmf-collection  {"collection": {"core:streams": [{"name": "<name>-ch00"}, ...]}}
//
// Project fields live in the "moema" extension namespace: RecordingInfo's and
// SigmfAnnotation's `extension` objects are written key by key as
// "moema:<key>", and each meta's global also holds "moema:channel" (k) and
// "moema:channels" (K). The collection's streams carry no "hash": SigMF's is
// the SHA-512 of the meta, which this library neither computes nor checks.
//
// The reader is meant for replaying field recordings, so it survives what a
// recording cut short or edited by hand tends to have: a channel's missing or
// broken meta is replaced by another channel's (all channels share their
// global fields), and data files of unequal or ragged length are replayed up
// to the shortest one. Each such repair is reported in warnings(). What it
// cannot repair (no collection, a missing data file, no usable meta at all,
// a datatype other than cf32_le) throws SigmfError naming the file.
#pragma once

#include "moema/common/system_parameters.hpp"
#include <nlohmann/json.hpp>

#include <complex>
#include <cstdint>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace moema::rx {

using SampleF = std::complex<float>;  // cf32_le on disk

// Names the file and the problem.
struct SigmfError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RecordingInfo {
  int channels = 1;                // K: one recording per channel
  double sample_rate = defaults::kSampleRate;        // core:sample_rate
  double frequency = 0;            // centre frequency, captures' core:frequency
  std::string description;         // core:description (omitted when empty)
  std::string hw;                  // core:hw (e.g. "simulated multiple-access channel" or USRP args)
  // The project's globals, written as "moema:<key>" in every channel's global
  // and in the collection. "channel" and "channels" are reserved.
  nlohmann::json extension = nlohmann::json::object();
};

struct SigmfAnnotation {
  std::uint64_t sample_start = 0;
  std::uint64_t sample_count = 0;
  std::string label;                                    // core:label (omitted when empty)
  std::string comment;                                  // core:comment (omitted when empty)
  nlohmann::json extension = nlohmann::json::object();  // "moema:<key>" fields
};

// A capture segment as read back: where it starts and, when the meta says,
// the receive time of that sample (moema:rx_time, else core:datetime).
struct SigmfCapture {
  std::uint64_t sample_start = 0;
  std::optional<double> rx_time;  // seconds since the epoch
};

// Writes <dir>/<name>-ch<k>.sigmf-data (cf32_le) and .sigmf-meta per channel k
// (k zero-padded to 2 digits), and <dir>/<name>.sigmf-collection; creates dir.
// The metadata is written by close(), once the captures and annotations are
// known; the destructor calls close() and swallows its errors, so call close()
// to see them. Bad arguments throw std::invalid_argument, file errors SigmfError.
class SigmfRecorder {
 public:
  SigmfRecorder(const std::string& dir, const std::string& name, const RecordingInfo& info);
  ~SigmfRecorder();
  SigmfRecorder(const SigmfRecorder&) = delete;
  SigmfRecorder& operator=(const SigmfRecorder&) = delete;

  // n samples of every channel; throws if channels.size() != K.
  void write(const std::vector<const SampleF*>& channels, std::size_t n);
  // A capture segment starting at `sample` (core:sample_start) with
  // core:datetime from rx_time, seconds since the epoch, as ISO-8601 UTC with
  // microseconds ("2023-11-14T22:13:20.250000Z"); rx_time itself is kept as
  // "moema:rx_time" since the string drops its sub-microsecond part. Without
  // any call, one segment at 0 with no datetime. Sorted by sample at close.
  void add_capture(std::uint64_t sample, double rx_time_seconds);
  // Added to every channel's meta, sorted by sample_start at close.
  void annotate(const SigmfAnnotation& a);
  // Sets "moema:<key>" in every global and the collection, like
  // RecordingInfo::extension: for what is known only at the end of a run
  // (e.g. the ground truth). Written at close.
  void set_extension(const std::string& key, const nlohmann::json& value);
  void close();
  std::uint64_t samples_written() const { return samples_written_; }
  const std::string& collection_path() const { return collection_path_; }

 private:
  struct Capture {
    std::uint64_t sample;
    double rx_time;
  };
  std::string stream_name(int k) const;
  void require_open(const char* what) const;
  void close_data();
  void write_meta(int k) const;
  void write_collection() const;

  std::string dir_;
  std::string name_;
  RecordingInfo info_;
  std::string collection_path_;
  std::vector<std::string> data_paths_;
  std::vector<std::ofstream> data_;
  std::vector<Capture> captures_;
  std::vector<SigmfAnnotation> annotations_;
  std::uint64_t samples_written_ = 0;
  bool closed_ = false;
};

// Reads a recording: `path` is a .sigmf-collection file or a directory holding
// exactly one. Stream names are resolved relative to the collection's directory.
class SigmfReader {
 public:
  explicit SigmfReader(const std::string& path);

  int channels() const { return static_cast<int>(data_.size()); }
  double sample_rate() const { return sample_rate_; }
  double frequency() const { return frequency_; }     // the first capture's core:frequency (0 if none)
  const nlohmann::json& extension() const { return extension_; }  // the collection's "moema:*", prefix stripped
  // Channel 0's (or the first usable meta's), sorted by sample_start; a missing
  // core:sample_count reads as 0.
  const std::vector<SigmfAnnotation>& annotations() const { return annotations_; }
  // The same meta's capture segments, sorted by sample_start. A segment whose
  // core:datetime cannot be read has no rx_time (and a warning).
  const std::vector<SigmfCapture>& captures() const { return captures_; }
  std::uint64_t samples() const { return samples_; }  // per channel: the shortest channel's whole samples
  // Problems that did not stop the replay, one line each, naming the file.
  const std::vector<std::string>& warnings() const { return warnings_; }
  // Reads up to max samples of every channel into out[k] (each with room for
  // max); returns how many (0 at the end). Throws if out.size() != channels().
  std::size_t read(const std::vector<SampleF*>& out, std::size_t max);

 private:
  void load_metas(const std::string& collection, const std::vector<std::string>& bases);
  void open_data(const std::vector<std::string>& bases);
  void check_lengths();

  std::vector<std::string> data_paths_;
  std::vector<std::ifstream> data_;
  double sample_rate_ = 0;
  double frequency_ = 0;
  nlohmann::json extension_ = nlohmann::json::object();
  std::vector<SigmfAnnotation> annotations_;
  std::vector<SigmfCapture> captures_;
  std::uint64_t samples_ = 0;
  std::uint64_t position_ = 0;
  std::vector<std::string> warnings_;
};

}  // namespace moema::rx
