#include "moema/link/air_link.hpp"


#include <cmath>
#include <stdexcept>
#include <string>

namespace moema::rx {

namespace {

SlotFormat slot_format(const AirLinkConfig& air, const PrecoderConfig& pc, int aux_values) {
  SlotFormat f = air.format;
  f.devices = pc.devices;
  f.codeword_length = pc.codeword_length;
  f.aux_values = aux_values;
  f.validate();
  return f;
}

// Noise per antenna and sample for the per-antenna SNR of channel.hpp: the
// payload is sent at unit symbol power, so per symbol and per Y entry the
// ratio is the same as in the slot-level model.
double noise_variance(const ScenarioConfig& scenario, const std::vector<DeviceImpairments>& devices) {
  if (std::isinf(scenario.channel.snr_db) && scenario.channel.snr_db > 0) return 0.0;
  double mean_power = 0;
  for (const DeviceImpairments& d : devices)
    mean_power += std::pow(10.0, d.path_gain_db / 10.0) *
                  (scenario.channel.fading == Fading::UnitNorm ? 1.0 / scenario.channel.antennas : 1.0);
  return mean_power / std::pow(10.0, scenario.channel.snr_db / 10.0);
}

MultipleAccessConfig channel_config(const ScenarioConfig& scenario, const AirLinkConfig& air, const SlotFormat& f) {
  MultipleAccessConfig mc;
  mc.antennas = scenario.channel.antennas;
  mc.block_length = f.slot_samples();  // one fade per slot, as in the slot-level model
  mc.fading = scenario.channel.fading;
  mc.devices = air.devices.empty() ? std::vector<DeviceImpairments>(f.devices) : air.devices;
  if (static_cast<int>(mc.devices.size()) != f.devices)
    throw std::invalid_argument("transmit_features_over_air: impairments for " + std::to_string(mc.devices.size()) +
                                " devices, the scenario has " + std::to_string(f.devices));
  mc.ap = air.ap;
  ScenarioConfig with_snr = scenario;
  with_snr.channel.snr_db = air.snr_db;
  mc.noise_variance = noise_variance(with_snr, mc.devices);
  return mc;
}

// Each device's transmitter: frames and pulse-shapes one slot at a time,
// carrying the pulse tails into the next slot's samples.
class DeviceTransmitter {
 public:
  DeviceTransmitter(const SlotFormat& f, int device, const std::vector<double>& taps)
      : framer_(f, device), format_(f), shaper_(taps, f.samples_per_symbol) {}

  // slot_samples() samples; silence when codeword is empty.
  std::vector<Sample> next(const Vector& codeword, const Vector& aux_values) {
    return shaper_.next(codeword.size() == 0 ? ComplexVector::Zero(format_.slot_symbols())
                                             : framer_.next(codeword, aux_values));
  }

 private:
  DeviceFramer framer_;
  SlotFormat format_;
  SlotPulseShaper shaper_;
};

}  // namespace

struct UplinkSimulator::Impl {
  Impl(const ScenarioConfig& scenario, const AirLinkConfig& air, int aux_values)
      : precoders([&] {
          PrecoderConfig pc = scenario.precoders;
          pc.seed = scenario.seed;
          return pc;
        }()),
        format(slot_format(air, scenario.precoders, aux_values)),
        antennas(scenario.channel.antennas),
        channel(channel_config(scenario, air, format),
                scenario.seed + 1 + 0x9E3779B97F4A7C15ULL * scenario.channel_stream) {
    const std::vector<double> taps = root_raised_cosine(format.samples_per_symbol, format.rolloff, format.filter_span);
    for (int n = 0; n < format.devices; ++n) transmitters.emplace_back(format, n, taps);
  }

  PrecoderSet precoders;
  SlotFormat format;
  int antennas;
  MultipleAccessChannel channel;
  std::vector<DeviceTransmitter> transmitters;
  std::vector<std::vector<Sample>> device_samples;
};

UplinkSimulator::UplinkSimulator(const ScenarioConfig& scenario, const AirLinkConfig& air, int aux_values)
    : impl_(std::make_unique<Impl>(scenario, air, aux_values)) {}
UplinkSimulator::~UplinkSimulator() = default;
UplinkSimulator::UplinkSimulator(UplinkSimulator&&) noexcept = default;
const PrecoderSet& UplinkSimulator::precoders() const { return impl_->precoders; }
const SlotFormat& UplinkSimulator::format() const { return impl_->format; }
int UplinkSimulator::antennas() const { return impl_->antennas; }

std::vector<Vector> UplinkSimulator::next(const std::vector<Vector>& features, const std::vector<Vector>& aux_values,
                                          std::vector<std::vector<Sample>>& antenna_samples) {
  Impl& s = *impl_;
  const int devices = s.format.devices;
  const bool active = !features.empty();
  if (active && static_cast<int>(features.size()) != devices)
    throw std::invalid_argument("UplinkSimulator: " + std::to_string(features.size()) + " features for " +
                                std::to_string(devices) + " devices");
  if (!aux_values.empty() && static_cast<int>(aux_values.size()) != devices)
    throw std::invalid_argument("UplinkSimulator: aux values for " + std::to_string(aux_values.size()) +
                                " devices, the uplink has " + std::to_string(devices));
  std::vector<Vector> sent;
  s.device_samples.resize(devices);
  for (int n = 0; n < devices; ++n) {
    if (!active) {
      s.device_samples[n] = s.transmitters[n].next(Vector(), Vector());
      continue;
    }
    sent.push_back(s.precoders.precode(n, features[n]));
    s.device_samples[n] = s.transmitters[n].next(sent.back(), aux_values.empty() ? Vector() : aux_values[n]);
  }
  const auto length = static_cast<std::size_t>(s.format.slot_samples());
  antenna_samples.resize(s.antennas);
  std::vector<const Sample*> inputs;
  for (const auto& d : s.device_samples) inputs.push_back(d.data());
  std::vector<Sample*> outputs;
  for (auto& a : antenna_samples) {
    a.resize(length);
    outputs.push_back(a.data());
  }
  s.channel.process(inputs, outputs, length);
  return sent;
}

AirSlots transmit_features_over_air(const ScenarioConfig& scenario, const AirLinkConfig& air,
                                    const std::vector<std::vector<Vector>>& features,
                                    const std::vector<std::vector<Vector>>& aux_values) {
  const int values = aux_values.empty() ? 0 : static_cast<int>(aux_values.front().front().size());
  if (!aux_values.empty() && aux_values.size() != features.size())
    throw std::invalid_argument("transmit_features_over_air: aux values for " + std::to_string(aux_values.size()) +
                                " slots, features for " + std::to_string(features.size()));
  UplinkSimulator uplink(scenario, air, values);
  const SlotFormat& f = uplink.format();
  const int antennas = uplink.antennas();
  const auto length = static_cast<std::size_t>(f.slot_samples());

  AirSlots out{SimulatedSlots{uplink.precoders(), {}, {}, {}}, {}, {}, {}, {}, {}};
  FrameReceiver receiver(SlotSyncConfig{f, antennas, air.detection_threshold});
  const std::vector<double> taps = root_raised_cosine(f.samples_per_symbol, f.rolloff, f.filter_span);
  std::vector<FirFilter> matched(antennas, FirFilter(taps));

  std::vector<std::vector<Vector>> sent;  // [slot][device]
  std::vector<std::vector<Sample>> antenna_samples;
  const std::size_t slots = features.size();
  // One silent slot first (the synchroniser needs some history) and two after
  // (the filters' and the channel's delays flush the last slot through).
  for (std::size_t step = 0; step < slots + 3; ++step) {
    const bool active = step >= 1 && step <= slots;
    const std::size_t t = step - 1;
    if (active && static_cast<int>(features[t].size()) != f.devices)
      throw std::invalid_argument("transmit_features_over_air: slot " + std::to_string(t) + " has " +
                                  std::to_string(features[t].size()) + " features for " + std::to_string(f.devices) +
                                  " devices");
    std::vector<Vector> codewords = uplink.next(active ? features[t] : std::vector<Vector>{},
                                                active && values > 0 ? aux_values[t] : std::vector<Vector>{},
                                                antenna_samples);
    if (active) sent.push_back(std::move(codewords));
    std::vector<const Sample*> filtered;
    for (int k = 0; k < antennas; ++k) {
      matched[k].process(antenna_samples[k].data(), antenna_samples[k].data(), length);
      filtered.push_back(antenna_samples[k].data());
    }
    for (DecodedFrame& frame : receiver.push(filtered, length)) {
      if (frame.ok && frame.slot_id >= sent.size()) {
        frame.ok = false;
        frame.error = "frame " + std::to_string(frame.slot.index) + ": slot counter " + std::to_string(frame.slot_id) +
                      " was never sent";
      }
      if (!frame.ok) {
        out.errors.push_back(frame.error);
        continue;
      }
      std::vector<SignAnchor> anchors;
      for (const AuxMessage& m : frame.aux) anchors.push_back(m.anchor);
      out.slots.received.push_back(stack_real(frame.slot.payload));
      out.slots.codewords.push_back(sent[frame.slot_id]);
      out.slots.anchors.push_back(std::move(anchors));
      out.slot_ids.push_back(frame.slot_id);
      out.aux.push_back(std::move(frame.aux));
      frame.slot.payload.resize(0, 0);
      frame.slot.aux.clear();
      out.sync.push_back(std::move(frame.slot));
    }
  }
  out.counts = receiver.counts();
  out.counts.sent = static_cast<int>(slots);
  out.counts.decoded = static_cast<int>(out.slot_ids.size());
  out.counts.dropped = out.counts.detected - out.counts.decoded;
  return out;
}

}  // namespace moema::rx
