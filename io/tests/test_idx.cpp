#include "moema/io/idx.hpp"

#include "test_files.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

using namespace moema::io;

namespace {

using namespace moema::test_files;

Bytes read_raw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Header of an unsigned-byte IDX file with one dimension of 258 (0x0102),
// which a little-endian reader would see as 0x02010000.
Bytes one_dim_file() {
  Bytes bytes = {0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x01, 0x02};
  for (int i = 0; i < 258; ++i) bytes.push_back(static_cast<std::uint8_t>(i % 256));
  return bytes;
}

// Two 2x3 images: dims 2, 2, 3 and 12 bytes of data.
const Bytes kThreeDimFile = {0x00, 0x00, 0x08, 0x03,                          // magic: ubyte, 3 dims
                             0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02,  // 2 images, 2 rows
                             0x00, 0x00, 0x00, 0x03,                          // 3 cols
                             0,    1,    2,    3,    4,    5,    250,  251,  252, 253, 254, 255};

}  // namespace

TEST(Idx, ParsesOneDimensionBigEndian) {
  const IdxArray array = parse_idx(one_dim_file(), "labels");
  EXPECT_EQ(array.dims, std::vector<int>({258}));
  ASSERT_EQ(array.data.size(), 258u);
  EXPECT_EQ(array.data[0], 0);
  EXPECT_EQ(array.data[255], 255);
  EXPECT_EQ(array.data[257], 1);
}

TEST(Idx, ParsesThreeDimensions) {
  const IdxArray array = parse_idx(kThreeDimFile, "images");
  EXPECT_EQ(array.dims, std::vector<int>({2, 2, 3}));
  EXPECT_EQ(array.data, Bytes({0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255}));
}

TEST(Idx, ParsesFourDimensions) {
  const Bytes bytes = {0, 0, 8, 4, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 9, 8, 7, 6};
  const IdxArray array = parse_idx(bytes, "four");
  EXPECT_EQ(array.dims, std::vector<int>({1, 2, 1, 2}));
  EXPECT_EQ(array.data, Bytes({9, 8, 7, 6}));
}

TEST(Idx, RejectsTooShortInput) {
  expect_data_error([] { parse_idx({0, 0, 8}, "short.idx"); }, {"short.idx", "too short", "3 bytes"});
}

TEST(Idx, RejectsBadMagic) {
  // A zip file's magic, "PK\3\4".
  expect_data_error([] { parse_idx({0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 1, 7}, "zipped.idx"); },
                    {"zipped.idx", "bad magic", "0x504B0304"});
}

TEST(Idx, RejectsOtherDataTypesByName) {
  expect_data_error([] { parse_idx({0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0}, "floats.idx"); },
                    {"floats.idx", "data type 0x0D", "float", "0x08"});
  expect_data_error([] { parse_idx({0, 0, 0x0C, 1, 0, 0, 0, 1, 0, 0, 0, 0}, "ints.idx"); },
                    {"ints.idx", "data type 0x0C", "integer"});
}

TEST(Idx, RejectsDimensionCountsOutsideOneToFour) {
  expect_data_error([] { parse_idx({0, 0, 8, 0}, "scalar.idx"); }, {"scalar.idx", "dimensions 0"});
  expect_data_error([] { parse_idx({0, 0, 8, 5}, "five.idx"); }, {"five.idx", "dimensions 5"});
}

TEST(Idx, RejectsTruncatedHeader) {
  // Three dimensions announced, only two given.
  expect_data_error([] { parse_idx({0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2}, "header.idx"); },
                    {"header.idx", "truncated header", "16 bytes", "found 12"});
}

TEST(Idx, RejectsZeroAndNegativeDimensions) {
  expect_data_error([] { parse_idx({0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 0}, "zero.idx"); },
                    {"zero.idx", "dimension 1 is 0"});
  expect_data_error([] { parse_idx({0, 0, 8, 1, 0xFF, 0xFF, 0xFF, 0xFF}, "negative.idx"); },
                    {"negative.idx", "dimension 0 is -1"});
}

TEST(Idx, RejectsTruncatedPayload) {
  Bytes bytes = kThreeDimFile;
  bytes.resize(bytes.size() - 7);  // 12 data bytes expected, 5 left
  expect_data_error([&] { parse_idx(bytes, "cut.idx"); },
                    {"cut.idx", "truncated: expected 12 bytes of data, found 5"});
}

TEST(Idx, RejectsTrailingBytes) {
  Bytes bytes = kThreeDimFile;
  bytes.push_back(0);
  bytes.push_back(0);
  expect_data_error([&] { parse_idx(bytes, "long.idx"); }, {"long.idx", "2 trailing bytes", "12 bytes"});
}

TEST(Idx, RejectsDimensionsBeyondAnyFile) {
  // 2^31-1 four times: the product overflows 64 bits, which must not wrap.
  Bytes bytes = {0, 0, 8, 4};
  for (int i = 0; i < 4; ++i) bytes.insert(bytes.end(), {0x7F, 0xFF, 0xFF, 0xFF});
  expect_data_error([&] { parse_idx(bytes, "huge.idx"); }, {"huge.idx", "more than 2^62 bytes"});
}

TEST(IdxFile, ReadsRawAndGzipFilesAlike) {
  const std::string dir = make_temp_dir();
  write_raw(dir + "/images-idx3-ubyte", kThreeDimFile);
  write_gzip(dir + "/images-idx3-ubyte.gz", kThreeDimFile);
  ASSERT_EQ(read_raw(dir + "/images-idx3-ubyte.gz")[0], 0x1f);  // really compressed
  for (const char* name : {"/images-idx3-ubyte", "/images-idx3-ubyte.gz"}) {
    const IdxArray array = read_idx(dir + name);
    EXPECT_EQ(array.dims, std::vector<int>({2, 2, 3})) << name;
    EXPECT_EQ(array.data, Bytes({0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255})) << name;
  }
}

TEST(IdxFile, ReadsConcatenatedGzipMembers) {
  // gzip(1) accepts concatenated members; split the file after its header.
  const std::string dir = make_temp_dir();
  const Bytes head(kThreeDimFile.begin(), kThreeDimFile.begin() + 16);
  const Bytes tail(kThreeDimFile.begin() + 16, kThreeDimFile.end());
  write_gzip(dir + "/a.gz", head);
  write_gzip(dir + "/b.gz", tail);
  Bytes joined = read_raw(dir + "/a.gz");
  const Bytes second = read_raw(dir + "/b.gz");
  joined.insert(joined.end(), second.begin(), second.end());
  write_raw(dir + "/joined.gz", joined);
  EXPECT_EQ(read_idx(dir + "/joined.gz").dims, std::vector<int>({2, 2, 3}));
}

TEST(IdxFile, MalformedContentNamesThePath) {
  const std::string dir = make_temp_dir();
  Bytes bytes = kThreeDimFile;
  bytes.pop_back();
  write_gzip(dir + "/short.gz", bytes);
  expect_data_error([&] { read_idx(dir + "/short.gz"); },
                    {dir + "/short.gz", "truncated: expected 12 bytes of data, found 11"});
}

TEST(IdxFile, MissingFileIsNotFound) {
  const std::string path = make_temp_dir() + "/absent-idx1-ubyte";
  expect_data_error([&] { read_idx(path); }, {path + ": not found"});
}

TEST(IdxFile, CorruptGzipNamesThePath) {
  const std::string dir = make_temp_dir();
  Bytes payload = one_dim_file();
  write_gzip(dir + "/good.gz", payload);
  const Bytes good = read_raw(dir + "/good.gz");

  // Flipping a byte of the stored CRC-32 (8th byte from the end) keeps the
  // deflate data valid, so only the integrity check can catch it.
  Bytes bad_crc = good;
  bad_crc[bad_crc.size() - 8] ^= 0xFF;
  write_raw(dir + "/crc.gz", bad_crc);
  expect_data_error([&] { read_idx(dir + "/crc.gz"); }, {dir + "/crc.gz", "corrupt gzip"});

  // Block header bits 11 (reserved block type) right after the 10-byte header.
  Bytes bad_block = good;
  bad_block[10] = 0x07;
  write_raw(dir + "/block.gz", bad_block);
  expect_data_error([&] { read_idx(dir + "/block.gz"); }, {dir + "/block.gz", "corrupt gzip"});

  const Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2));
  write_raw(dir + "/cut.gz", cut);
  expect_data_error([&] { read_idx(dir + "/cut.gz"); }, {dir + "/cut.gz", "corrupt gzip", "truncated"});

  Bytes trailing = good;
  trailing.insert(trailing.end(), {1, 2, 3});
  write_raw(dir + "/trailing.gz", trailing);
  expect_data_error([&] { read_idx(dir + "/trailing.gz"); }, {dir + "/trailing.gz", "3 trailing bytes"});
}
