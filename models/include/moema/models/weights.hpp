// Shipped weights: each network is a LibTorch archive (.pt) beside a JSON
// manifest (architecture, data, seed, commit, metrics) from which the program
// that loads it rebuilds the architecture before reading the tensors.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <memory>
#include <string>

namespace moema::models {

// MOEMA_WEIGHTS_DIR if set, else the repository's models/weights.
std::string default_weights_dir();

// `git describe --always --dirty` of the source tree, or "unknown".
std::string source_commit();

nlohmann::json read_json_file(const std::string& path);  // errors name the file
void write_json_file(const std::string& path, const nlohmann::json& j);

template <typename ModuleHolder>
void save_module(ModuleHolder& module, const std::string& path);
template <typename ModuleHolder>
void load_module(ModuleHolder& module, const std::string& path);

// FNV-1a (64 bit) of the file's bytes as 16 hex digits: identifies a weights
// file without trusting its name or manifest. Errors name the file.
std::string file_fingerprint(const std::string& path);

void ensure_parent_directory(const std::string& path);
void require_file(const std::string& path, const std::string& how_to_get_it);

template <typename ModuleHolder>
void save_module(ModuleHolder& module, const std::string& path) {
  ensure_parent_directory(path);
  torch::serialize::OutputArchive archive;
  module->save(archive);
  archive.save_to(path);
}

template <typename ModuleHolder>
void load_module(ModuleHolder& module, const std::string& path) {
  require_file(path, "train it, or restore models/weights from git");
  torch::serialize::InputArchive archive;
  archive.load_from(path);
  module->load(archive);
  module->eval();
}

}  // namespace moema::models
