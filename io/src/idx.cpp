#include "moema/io/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace moema::io {
namespace {

constexpr std::uint8_t kUnsignedByte = 0x08;
constexpr int kMaxDims = 4;
constexpr std::size_t kMagicSize = 4;
constexpr std::size_t kDimSize = 4;

std::string hex(const std::uint8_t* bytes, std::size_t count) {
  std::string text = "0x";
  char digits[3];
  for (std::size_t i = 0; i < count; ++i) {
    std::snprintf(digits, sizeof digits, "%02X", bytes[i]);
    text += digits;
  }
  return text;
}

std::string type_name(std::uint8_t code) {
  switch (code) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "16-bit integer";
    case 0x0C: return "32-bit integer";
    case 0x0D: return "32-bit float";
    case 0x0E: return "64-bit float";
    default: return "unknown type";
  }
}

std::int32_t big_endian_int32(const std::uint8_t* p) {
  const std::uint32_t value = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                              (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
  return static_cast<std::int32_t>(value);
}

void check_magic(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  if (bytes.size() < kMagicSize)
    throw DataError(name + ": too short for an IDX file (" + std::to_string(bytes.size()) +
                    " bytes; the magic number alone takes 4)");
  if (bytes[0] != 0 || bytes[1] != 0)
    throw DataError(name + ": not an IDX file: bad magic number " + hex(bytes.data(), kMagicSize) +
                    " (an IDX file starts with two zero bytes)");
  if (bytes[2] != kUnsignedByte)
    throw DataError(name + ": unsupported IDX data type " + hex(&bytes[2], 1) + " (" + type_name(bytes[2]) +
                    "); only unsigned bytes (0x08) are supported");
  const int dims = bytes[3];
  if (dims < 1 || dims > kMaxDims)
    throw DataError(name + ": unsupported number of dimensions " + std::to_string(dims) + " (expected 1 to " +
                    std::to_string(kMaxDims) + ")");
}

std::vector<int> read_dims(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  const int count = bytes[3];
  const std::size_t header = kMagicSize + kDimSize * count;
  if (bytes.size() < header)
    throw DataError(name + ": truncated header: " + std::to_string(count) + " dimensions need " +
                    std::to_string(header) + " bytes, found " + std::to_string(bytes.size()));
  std::vector<int> dims;
  for (int i = 0; i < count; ++i) {
    const std::int32_t dim = big_endian_int32(&bytes[kMagicSize + kDimSize * i]);
    if (dim <= 0)
      throw DataError(name + ": dimension " + std::to_string(i) + " is " + std::to_string(dim) +
                      " (must be positive)");
    dims.push_back(dim);
  }
  return dims;
}

// product(dims) in bytes; the dimensions are < 2^31, so four of them can
// overflow 64 bits and the product is checked as it grows.
std::uint64_t payload_size(const std::vector<int>& dims, const std::string& name) {
  constexpr std::uint64_t kLimit = std::uint64_t{1} << 62;
  std::uint64_t size = 1;
  for (int dim : dims) {
    if (size > kLimit / static_cast<std::uint64_t>(dim))
      throw DataError(name + ": dimensions declare more than 2^62 bytes of data");
    size *= static_cast<std::uint64_t>(dim);
  }
  return size;
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::exists(path, error)) throw DataError(path + ": not found");
  if (fs::is_directory(path, error)) throw DataError(path + ": is a directory, not a file");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw DataError(path + ": cannot open (" + std::strerror(errno) + ")");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(in.tellg()));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
    throw DataError(path + ": read error");
  return bytes;
}

bool is_gzip(const std::vector<std::uint8_t>& bytes, std::size_t at = 0) {
  return bytes.size() >= at + 2 && bytes[at] == 0x1f && bytes[at + 1] == 0x8b;
}

// Owns a zlib inflate stream so every exit path frees it.
struct InflateStream {
  z_stream z{};
  InflateStream() = default;
  InflateStream(const InflateStream&) = delete;
  InflateStream& operator=(const InflateStream&) = delete;
  ~InflateStream() { inflateEnd(&z); }
};

// The gzip trailer's last 4 bytes hold the uncompressed size mod 2^32: exact
// for these files, so the output rarely grows. A corrupt trailer must not
// cause a huge allocation, so the guess is capped by deflate's maximum ratio.
std::size_t initial_output_size(const std::vector<std::uint8_t>& compressed) {
  constexpr std::size_t kMaxDeflateRatio = 1032;
  const std::size_t n = compressed.size();
  const std::size_t stored = n < 4 ? 0
                                   : std::size_t{compressed[n - 4]} | std::size_t{compressed[n - 3]} << 8 |
                                         std::size_t{compressed[n - 2]} << 16 | std::size_t{compressed[n - 1]} << 24;
  return std::clamp<std::size_t>(stored, 1 << 16, std::max<std::size_t>(kMaxDeflateRatio * n, 1 << 16));
}

// Decompresses a whole gzip file (one or more members, as gzip(1) accepts).
std::vector<std::uint8_t> gunzip(const std::vector<std::uint8_t>& compressed, const std::string& path) {
  if (compressed.size() > UINT_MAX) throw DataError(path + ": gzip file too large (over 4 GiB)");
  InflateStream stream;
  if (inflateInit2(&stream.z, 16 + MAX_WBITS) != Z_OK) throw DataError(path + ": cannot initialise zlib");
  stream.z.next_in = const_cast<Bytef*>(compressed.data());
  stream.z.avail_in = static_cast<uInt>(compressed.size());

  std::vector<std::uint8_t> out(initial_output_size(compressed));
  std::size_t produced = 0;
  for (;;) {
    if (produced == out.size()) out.resize(2 * out.size());
    stream.z.next_out = out.data() + produced;
    stream.z.avail_out = static_cast<uInt>(std::min<std::size_t>(out.size() - produced, UINT_MAX));
    const int status = inflate(&stream.z, Z_NO_FLUSH);
    produced = static_cast<std::size_t>(stream.z.next_out - out.data());
    if (status == Z_STREAM_END) {
      const std::size_t consumed = compressed.size() - stream.z.avail_in;
      if (stream.z.avail_in == 0) break;
      if (!is_gzip(compressed, consumed))
        throw DataError(path + ": corrupt gzip file: " + std::to_string(stream.z.avail_in) +
                        " trailing bytes after the compressed data");
      inflateReset(&stream.z);
    } else if (status == Z_BUF_ERROR && stream.z.avail_in == 0) {
      throw DataError(path + ": corrupt gzip file: truncated (the compressed data ends early)");
    } else if (status != Z_OK && status != Z_BUF_ERROR) {
      throw DataError(path + ": corrupt gzip file: " + (stream.z.msg ? stream.z.msg : zError(status)));
    }
  }
  out.resize(produced);
  return out;
}

}  // namespace

IdxArray parse_idx(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  check_magic(bytes, name);
  IdxArray array;
  array.dims = read_dims(bytes, name);
  const std::size_t header = kMagicSize + kDimSize * array.dims.size();
  const std::uint64_t expected = payload_size(array.dims, name);
  const std::uint64_t found = bytes.size() - header;
  if (found < expected)
    throw DataError(name + ": truncated: expected " + std::to_string(expected) + " bytes of data, found " +
                    std::to_string(found));
  if (found > expected)
    throw DataError(name + ": " + std::to_string(found - expected) + " trailing bytes after the expected " +
                    std::to_string(expected) + " bytes of data");
  array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return array;
}

IdxArray read_idx(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file(path);
  return is_gzip(bytes) ? parse_idx(gunzip(bytes, path), path) : parse_idx(bytes, path);
}

}  // namespace moema::io
