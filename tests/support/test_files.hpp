// Files for the data-set tests: a fresh temporary directory, raw and gzipped
// byte files (parent directories created), and a check that an action throws
// a DataError whose message names what it should.
#pragma once

#include "moema/io/idx.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace moema::test_files {

using Bytes = std::vector<std::uint8_t>;

// A fresh directory under GoogleTest's temporary folder.
inline std::string make_temp_dir() {
  std::string pattern = ::testing::TempDir() + "moema_data_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  return pattern;
}

inline void write_raw(const std::string& path, const Bytes& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline void write_gzip(const std::string& path, const Bytes& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  gzFile file = gzopen(path.c_str(), "wb");
  if (file == nullptr) throw std::runtime_error("gzopen failed for " + path);
  const int written = gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  if (gzclose(file) != Z_OK || written != static_cast<int>(bytes.size()))
    throw std::runtime_error("gzwrite failed for " + path);
}

// Runs `action`, expects a DataError, and checks its message has each part.
inline void expect_data_error(const std::function<void()>& action, const std::vector<std::string>& parts) {
  try {
    action();
    ADD_FAILURE() << "no DataError thrown";
  } catch (const io::DataError& error) {
    const std::string message = error.what();
    for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << "message: " << message;
  }
}

}  // namespace moema::test_files
