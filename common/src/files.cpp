#include "moema/common/files.hpp"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace moema {

std::string file_fingerprint(const std::string& path) {
  require_file(path, "cannot fingerprint a missing file");
  std::ifstream in(path, std::ios::binary);
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      hash ^= static_cast<unsigned char>(buffer[i]);
      hash *= 0x100000001b3ULL;
    }
  }
  if (in.bad()) throw std::runtime_error(path + ": could not be read");
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

void ensure_parent_directory(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
}

void require_file(const std::string& path, const std::string& how_to_get_it) {
  if (!std::filesystem::is_regular_file(path)) throw std::runtime_error(path + ": not found (" + how_to_get_it + ")");
}

nlohmann::json read_json_file(const std::string& path) {
  require_file(path, "it is written beside the weights it describes");
  std::ifstream in(path);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.what());
  }
}

void write_json_file(const std::string& path, const nlohmann::json& j) {
  ensure_parent_directory(path);
  std::ofstream out(path);
  out << j.dump(2) << "\n";
  if (!out) throw std::runtime_error(path + ": could not be written");
}

}  // namespace moema
