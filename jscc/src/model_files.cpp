#include "moema/jscc/model_files.hpp"

#include "moema/common/torch_support.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace moema::jscc {

namespace {

std::string strip_json(const std::string& path) {
  const std::string suffix = ".json";
  if (path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0)
    return path.substr(0, path.size() - suffix.size());
  return path;
}

// Shapes of every parameter and buffer by name. LibTorch's Module::load
// replaces each tensor by the stored one whatever its shape, so a .pt of
// another configuration with the same tensor names would load silently.
std::map<std::string, std::vector<int64_t>> tensor_shapes(const torch::nn::Module& module) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& p : module.named_parameters()) shapes[p.key()] = p.value().sizes().vec();
  for (const auto& b : module.named_buffers()) shapes[b.key()] = b.value().sizes().vec();
  return shapes;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? "," : "") << shape[i];
  out << ']';
  return out.str();
}

}  // namespace

void save_codec(const Codec& codec, const nlohmann::json& manifest, const std::string& prefix) {
  if (!manifest.contains("codec") || !manifest.contains("channel"))
    throw std::invalid_argument("save_codec: the manifest needs 'codec' and 'channel'");
  save_module(codec, prefix + ".pt");
  write_json_file(prefix + ".json", manifest);
}

TrainedCodec load_codec(const std::string& manifest_path, torch::Device device) {
  const std::string prefix = strip_json(manifest_path);
  const auto manifest = read_json_file(prefix + ".json");
  TrainedCodec out;
  try {
    out.config = CodecConfig::from_json(manifest.at("codec"));
    out.channel = ChannelConfig::from_json(manifest.at("channel"));
  } catch (const std::exception& e) {
    throw std::runtime_error(prefix + ".json: " + e.what());
  }
  out.codec = make_codec(out.config, out.channel.streams());
  const auto expected = tensor_shapes(*out.codec);
  try {
    load_module(out.codec, prefix + ".pt");
  } catch (const c10::Error& e) {
    throw std::runtime_error(prefix + ".pt: does not match its manifest or is damaged: " + e.what_without_backtrace());
  }
  for (const auto& [name, shape] : tensor_shapes(*out.codec))
    if (expected.at(name) != shape)
      throw std::runtime_error(prefix + ".pt: does not match its manifest: '" + name + "' is " + shape_text(shape) +
                               " in the file, " + shape_text(expected.at(name)) + " for the manifest's configuration");
  out.codec->to(device);
  out.codec->eval();
  out.manifest = manifest;
  out.name = std::filesystem::path(prefix).filename().string();
  return out;
}

std::vector<std::string> shipped_codecs() {
  std::vector<std::string> found;
  const auto dir = moema::jscc_weights_dir();
  if (std::filesystem::is_directory(dir))
    for (const auto& entry : std::filesystem::directory_iterator(dir))
      if (entry.path().extension() == ".json") found.push_back(entry.path().string());
  std::sort(found.begin(), found.end());
  if (found.empty()) throw std::runtime_error(dir + ": no trained codecs (*.json); train one with jscc-train");
  return found;
}

std::string find_codec(const std::string& name_or_path) {
  namespace fs = std::filesystem;
  if (fs::exists(name_or_path) || fs::exists(name_or_path + ".json")) return name_or_path;
  std::string names;
  for (const auto& path : shipped_codecs()) {
    const auto stem = fs::path(path).stem().string();
    if (stem == name_or_path) return path;
    names += (names.empty() ? "" : ", ") + stem;
  }
  throw std::invalid_argument("codec " + name_or_path + ": no such manifest, and not a shipped codec (" + names + ")");
}

}  // namespace moema::jscc
