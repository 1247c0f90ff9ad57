// A trained codec on disk: NAME.pt (the tensors) beside NAME.json (the
// manifest: codec and channel configuration, training data and budget, seed,
// commit, metrics). The manifest is enough to rebuild the network.
#pragma once

#include "moema/common/paths.hpp"

#include "moema/jscc/channel.hpp"
#include "moema/jscc/codec.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace moema::jscc {

struct TrainedCodec {
  Codec codec;
  CodecConfig config;
  ChannelConfig channel;
  nlohmann::json manifest;
  std::string name;  // the manifest's file name without .json
};

// `manifest` must hold "codec" and "channel"; writes PREFIX.pt and PREFIX.json.
void save_codec(const Codec& codec, const nlohmann::json& manifest, const std::string& prefix);
// From PREFIX.json (or PREFIX); errors name the file and what is wrong.
TrainedCodec load_codec(const std::string& manifest_path, torch::Device device = torch::kCPU);

// Their manifests (*.json), sorted; an error naming the folder when there are none.
std::vector<std::string> shipped_codecs();
// A manifest path as given, or the shipped codec of that name (e.g.
// "admoe_swinjscc_mimo2x2_r16"); the error lists the shipped names.
std::string find_codec(const std::string& name_or_path);

}  // namespace moema::jscc
