#include "moema/common/paths.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>

#ifndef MOEMA_SOURCE_DIR
#error "MOEMA_SOURCE_DIR must be defined (common/CMakeLists.txt sets it)"
#endif

namespace moema {
namespace fs = std::filesystem;
namespace {

// The file (executable or shared library) that holds this function.
fs::path this_binary() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&this_binary), &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code error;
  const fs::path path = fs::canonical(info.dli_fname, error);
  return error ? fs::path{} : path;
}

std::string from_env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : "";
}

// The environment variable, else the installed folder, else the source tree's.
std::string locate(const char* variable, const char* installed, const char* in_source_tree) {
  if (std::string value = from_env(variable); !value.empty()) return value;
  if (const std::string share = installed_share_dir(); !share.empty()) return share + "/" + installed;
  return std::string(MOEMA_SOURCE_DIR) + "/" + in_source_tree;
}

}  // namespace

std::string installed_share_dir() {
  // bin/<program> or lib[/<multiarch>]/<library>: look two and three levels up.
  const fs::path binary = this_binary();
  fs::path dir = binary.parent_path();
  for (int up = 0; up < 3 && !dir.empty(); ++up, dir = dir.parent_path()) {
    const fs::path share = dir / "share" / "moema";
    std::error_code error;
    if (fs::is_regular_file(share / "installed.json", error)) return share.string();
  }
  return "";
}

std::string weights_dir() { return locate("MOEMA_WEIGHTS_DIR", "weights", "models/weights"); }
std::string jscc_weights_dir() { return locate("MOEMA_JSCC_WEIGHTS_DIR", "jscc-weights", "jscc/weights"); }
std::string kodak_dir() { return locate("MOEMA_KODAK_DIR", "images/kodak", "jscc/images/kodak"); }

std::string data_dir() {
  // The data sets are fetched by ./testbed setup, not installed: an installed
  // program without MOEMA_DATA_DIR looks in the user's data folder.
  if (std::string value = from_env("MOEMA_DATA_DIR"); !value.empty()) return value;
  if (!installed_share_dir().empty()) {
    const std::string xdg = from_env("XDG_DATA_HOME");
    return (xdg.empty() ? from_env("HOME") + "/.local/share" : xdg) + "/moema/data";
  }
  return std::string(MOEMA_SOURCE_DIR) + "/data";
}

}  // namespace moema
