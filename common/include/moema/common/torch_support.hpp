// What every LibTorch program of the testbed shares: module archives (.pt)
// written and read with errors that name the file, and the thread count.
#pragma once

#include "moema/common/files.hpp"
#include "moema/common/paths.hpp"
#include "moema/common/version.hpp"

#include <torch/torch.h>

#include <string>

namespace moema {

// Sets LibTorch's intra-op thread count. Debian's LibTorch starts with one
// thread on these machines (it counts physical cores), so every program
// calls this; 0 means all hardware threads.
void configure_threads(int threads);

template <typename ModuleHolder>
void save_module(ModuleHolder& module, const std::string& path);
template <typename ModuleHolder>
void load_module(ModuleHolder& module, const std::string& path);

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

}  // namespace moema
