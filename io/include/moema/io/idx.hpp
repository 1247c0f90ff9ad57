// Reader for IDX files, the format MNIST and Fashion-MNIST ship in: a magic
// number (two zero bytes, a type code, the number of dimensions), one
// big-endian int32 per dimension, then the data in row-major order. Only
// unsigned bytes (type 0x08) are supported: both data sets use nothing else.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace moema::io {

// A data file that is missing, unreadable or malformed. The message names the
// file and the problem (and, where the caller knows, how to get the file).
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct IdxArray {
  std::vector<int> dims;           // 1 to 4 entries, each > 0
  std::vector<std::uint8_t> data;  // product(dims) bytes, row-major
};

// Parses the bytes of an (uncompressed) IDX file; `name` is used in messages.
IdxArray parse_idx(const std::vector<std::uint8_t>& bytes, const std::string& name);

// Reads an IDX file, raw or gzip-compressed (recognised by its 1f 8b magic).
IdxArray read_idx(const std::string& path);

}  // namespace moema::io
