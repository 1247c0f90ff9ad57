// Receivers are stored per key and tied to the embedder they were trained
// for: a stored set made for another embedder must not be used.
#include "moema/system/experiment.hpp"
#include "moema/common/torch_support.hpp"

#include "test_files.hpp"

#include <gtest/gtest.h>

#include <string>

namespace moema::models {
namespace {

using moema::test_files::make_temp_dir;
using moema::test_files::write_raw;

std::string bytes_file(const std::string& dir, const std::string& text) {
  const std::string path = dir + "/f.bin";
  write_raw(path, moema::test_files::Bytes(text.begin(), text.end()));
  return path;
}

TEST(FileFingerprint, KnownFnv1aVectors) {
  const std::string dir = make_temp_dir();
  // Published FNV-1a 64-bit test vectors.
  EXPECT_EQ(file_fingerprint(bytes_file(dir, "")), "cbf29ce484222325");
  EXPECT_EQ(file_fingerprint(bytes_file(dir, "a")), "af63dc4c8601ec8c");
  EXPECT_EQ(file_fingerprint(bytes_file(dir, "foobar")), "85944171f73967e8");
}

TEST(FileFingerprint, MissingFileIsNamed) {
  try {
    file_fingerprint("/nonexistent/embedder.pt");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/embedder.pt"), std::string::npos) << e.what();
  }
}

// Untrained receivers of `key` saved under `dir` with `embedder` in the manifest.
void store(const ReceiverKey& key, const std::string& dir, const nlohmann::json& embedder) {
  const MoeConfig config = receiver_config(key);
  Receivers r;
  r.single = Mlp(single_config(config));
  for (const Signalling s : {Signalling::Distance, Signalling::OneHot}) r.moema.emplace(s, MixtureOfExperts(config));
  r.manifest = {{"key", key.name()}};
  if (!embedder.is_null()) r.manifest["embedder"] = embedder;
  save_receivers(r, key, dir);
}

TEST(ReceiverStore, LoadsOnlyReceiversTrainedForTheEmbedderInUse) {
  const std::string dir = make_temp_dir();
  const ReceiverKey key{2, 10, 3, 1, rx::Decoder::Projection, 7};
  store(key, dir, {{"fingerprint", "00000000000000aa"}});
  const std::optional<Receivers> same = load_receivers(key, dir, "00000000000000aa");
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->moema.size(), 2u);
  EXPECT_FALSE(load_receivers(key, dir, "00000000000000bb").has_value());
}

TEST(ReceiverStore, ReceiversWithoutAnEmbedderRecordAreNotTrusted) {
  const std::string dir = make_temp_dir();
  const ReceiverKey key{3, 10, 3, 2, rx::Decoder::Intersection, 1};
  store(key, dir, nullptr);
  EXPECT_FALSE(load_receivers(key, dir, "00000000000000aa").has_value());
}

TEST(ReceiverStore, ShippedReceiversMatchTheShippedEmbedder) {
  const std::string fingerprint = embedder_fingerprint(moema::weights_dir());
  for (const rx::Decoder decoder : {rx::Decoder::Projection, rx::Decoder::Intersection})
    for (int overlap = 0; overlap <= 2; ++overlap)
      for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        const ReceiverKey key{2, 10, 3, overlap, decoder, seed};
        EXPECT_TRUE(load_receivers(key, moema::weights_dir() + "/receivers", fingerprint).has_value()) << key.name();
      }
}

}  // namespace
}  // namespace moema::models
