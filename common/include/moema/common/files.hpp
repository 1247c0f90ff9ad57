// Reading and writing the testbed's own files (JSON manifests, weights,
// calibration), with errors that name the file.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace moema {

nlohmann::json read_json_file(const std::string& path);  // errors name the file
void write_json_file(const std::string& path, const nlohmann::json& j);

// FNV-1a (64 bit) of the file's bytes as 16 hex digits: identifies a weights
// file without trusting its name or manifest. Errors name the file.
std::string file_fingerprint(const std::string& path);

void ensure_parent_directory(const std::string& path);
void require_file(const std::string& path, const std::string& how_to_get_it);

}  // namespace moema
