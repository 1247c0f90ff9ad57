#include "moema/calibration/receiver_corrector.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace moema::calibration {

namespace {

const std::string kWhere = "ReceiverCorrector: ";

void require_channel_order(const std::vector<ChannelCalibration>& channels) {
  if (channels.empty()) throw CalibrationError(kWhere + "no channels in the calibration");
  for (std::size_t k = 0; k < channels.size(); ++k)
    if (channels[k].channel_index != static_cast<int>(k))
      throw CalibrationError(kWhere + "entry " + std::to_string(k) + " has channel_index " +
                             std::to_string(channels[k].channel_index) + ": entries must be in channel order");
}

}  // namespace

ReceiverCorrector::ReceiverCorrector(const std::vector<ChannelCalibration>& channels, int half_length) {
  require_channel_order(channels);
  double latest = channels.front().delay();
  for (const ChannelCalibration& c : channels) latest = std::max(latest, c.delay());
  for (const ChannelCalibration& c : channels) {
    const Sample gain = std::polar(std::pow(10.0, c.gain_db / 20.0), c.phase_rad);
    // latest - delay of the latest channel itself is exactly 0, an integer
    // delay, so that channel passes through the lookahead alone.
    chains_.push_back({c.dc, 1.0 / gain, rx::FractionalDelayLine(latest - c.delay(), half_length)});
  }
}

ReceiverCorrector::ReceiverCorrector(const CalibrationFile& file, int half_length)
    : ReceiverCorrector(file.channels, half_length) {}

void ReceiverCorrector::process(const std::vector<const Sample*>& inputs, const std::vector<Sample*>& outputs,
                                std::size_t n) {
  if (inputs.size() != chains_.size() || outputs.size() != chains_.size())
    throw CalibrationError(kWhere + "process got " + std::to_string(inputs.size()) + " input and " +
                           std::to_string(outputs.size()) + " output streams for a calibration of " +
                           std::to_string(chains_.size()) + " channels");
  for (std::size_t k = 0; k < chains_.size(); ++k) {
    if (n > 0 && (inputs[k] == nullptr || outputs[k] == nullptr))
      throw CalibrationError(kWhere + "null buffer for channel " + std::to_string(k));
    Chain& chain = chains_[k];
    for (std::size_t i = 0; i < n; ++i) outputs[k][i] = (inputs[k][i] - chain.dc) * chain.inverse_gain;
    chain.line.process(outputs[k], outputs[k], n);
  }
}

void ReceiverCorrector::process(const std::vector<const std::complex<float>*>& inputs,
                                const std::vector<std::complex<float>*>& outputs, std::size_t n) {
  if (inputs.size() != chains_.size() || outputs.size() != chains_.size())
    throw CalibrationError(kWhere + "process got " + std::to_string(inputs.size()) + " input and " +
                           std::to_string(outputs.size()) + " output streams for a calibration of " +
                           std::to_string(chains_.size()) + " channels");
  scratch_.resize(chains_.size());
  std::vector<const Sample*> in(chains_.size());
  std::vector<Sample*> out(chains_.size());
  for (std::size_t k = 0; k < chains_.size(); ++k) {
    if (n > 0 && (inputs[k] == nullptr || outputs[k] == nullptr))
      throw CalibrationError(kWhere + "null buffer for channel " + std::to_string(k));
    scratch_[k].assign(inputs[k], inputs[k] + n);
    in[k] = out[k] = scratch_[k].data();
  }
  process(in, out, n);
  for (std::size_t k = 0; k < chains_.size(); ++k)
    std::transform(scratch_[k].begin(), scratch_[k].end(), outputs[k],
                   [](const Sample& s) { return std::complex<float>(s); });
}

void ReceiverCorrector::reset() {
  for (Chain& chain : chains_) chain.line.reset();
}

double ReceiverCorrector::latency(int channel) const {
  if (channel < 0 || channel >= channels())
    throw CalibrationError(kWhere + "latency of channel " + std::to_string(channel) + " of " +
                           std::to_string(channels()));
  return chains_[static_cast<std::size_t>(channel)].line.latency();
}

}  // namespace moema::calibration

namespace moema::calibration {

CalibrationFile load_applicable_calibration(const std::string& path, double frequency, double sample_rate,
                                            int channels, const std::vector<std::string>& serials) {
  CalibrationFile file = load_calibration(path);
  try {
    check_applicable(file, frequency, sample_rate, channels, serials);
  } catch (const CalibrationError& e) {
    throw CalibrationError(path + ": " + e.what());
  }
  return file;
}

}  // namespace moema::calibration
