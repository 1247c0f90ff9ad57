#include "moema/rx/air_link.hpp"

#include "moema/rx/dbpsk.hpp"

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
      : format_(f), device_(device), taps_(taps), tail_(taps.size() - 1, Sample{}) {}

  // slot_samples() samples; silence when codeword is empty.
  std::vector<Sample> next(const Vector& codeword, const std::vector<std::uint8_t>& bits) {
    const ComplexVector symbols = codeword.size() == 0 ? ComplexVector::Zero(format_.slot_symbols())
                                                       : device_slot_symbols(format_, device_, codeword, bits);
    std::vector<Sample> shaped = pulse_shape(symbols, taps_, format_.samples_per_symbol);
    const std::size_t length = static_cast<std::size_t>(format_.slot_samples());
    for (std::size_t i = 0; i < tail_.size(); ++i) shaped[i] += tail_[i];
    tail_.assign(shaped.begin() + static_cast<std::ptrdiff_t>(length), shaped.end());
    shaped.resize(length);
    return shaped;
  }

 private:
  SlotFormat format_;
  int device_;
  std::vector<double> taps_;
  std::vector<Sample> tail_;
};

// Recovers the full slot index from the 16-bit counter: frames arrive in order.
std::uint32_t unwrap_slot_id(std::uint32_t counter, std::int64_t previous) {
  std::int64_t id = (previous + 1) - ((previous + 1) & 0xFFFF) + counter;
  if (id <= previous) id += 0x10000;
  return static_cast<std::uint32_t>(id);
}

}  // namespace

AirSlots transmit_features_over_air(const ScenarioConfig& scenario, const AirLinkConfig& air,
                                    const std::vector<std::vector<Vector>>& features,
                                    const std::vector<std::vector<Vector>>& aux_values) {
  PrecoderConfig pc = scenario.precoders;
  pc.seed = scenario.seed;
  const int devices = pc.devices;
  const int values = aux_values.empty() ? 0 : static_cast<int>(aux_values.front().front().size());
  if (!aux_values.empty() && aux_values.size() != features.size())
    throw std::invalid_argument("transmit_features_over_air: aux values for " + std::to_string(aux_values.size()) +
                                " slots, features for " + std::to_string(features.size()));
  const SlotFormat f = slot_format(air, pc, values);
  const int antennas = scenario.channel.antennas;
  const int length = f.slot_samples();

  AirSlots out{SimulatedSlots{PrecoderSet(pc), {}, {}, {}}, {}, {}, {}, {}, {}};
  const PrecoderSet& precoders = out.slots.precoders;
  MultipleAccessChannel channel(channel_config(scenario, air, f),
                                scenario.seed + 1 + 0x9E3779B97F4A7C15ULL * scenario.channel_stream);
  SlotSynchronizer sync(SlotSyncConfig{f, antennas, air.detection_threshold});
  const std::vector<double> taps = root_raised_cosine(f.samples_per_symbol, f.rolloff, f.filter_span);
  std::vector<DeviceTransmitter> transmitters;
  for (int n = 0; n < devices; ++n) transmitters.emplace_back(f, n, taps);
  std::vector<FirFilter> matched(antennas, FirFilter(taps));

  std::vector<std::vector<Vector>> sent;  // [slot][device]
  std::vector<std::vector<Sample>> device_samples(devices), antenna_samples(antennas, std::vector<Sample>(length));
  std::int64_t previous_id = -1;
  const std::size_t slots = features.size();
  // One silent slot first (the synchroniser needs some history) and two after
  // (the filters' and the channel's delays flush the last slot through).
  for (std::size_t step = 0; step < slots + 3; ++step) {
    const bool active = step >= 1 && step <= slots;
    const std::size_t t = step - 1;
    if (active) {
      if (static_cast<int>(features[t].size()) != devices)
        throw std::invalid_argument("transmit_features_over_air: slot " + std::to_string(t) + " has " +
                                    std::to_string(features[t].size()) + " features for " + std::to_string(devices) +
                                    " devices");
      sent.emplace_back();
      ++out.counts.sent;
    }
    for (int n = 0; n < devices; ++n) {
      if (!active) {
        device_samples[n] = transmitters[n].next(Vector(), {});
        continue;
      }
      const Vector codeword = precoders.precode(n, features[t][n]);
      AuxMessage message;
      message.device_id = n;
      message.slot_counter = static_cast<std::uint32_t>(t & 0xFFFF);
      if (values > 0) message.values.assign(aux_values[t][n].data(), aux_values[t][n].data() + values);
      message.anchor = make_sign_anchor(codeword);
      device_samples[n] = transmitters[n].next(codeword, encode_aux(message, AuxLayout{values}));
      sent.back().push_back(codeword);
    }
    std::vector<const Sample*> inputs;
    for (const auto& d : device_samples) inputs.push_back(d.data());
    std::vector<Sample*> outputs;
    for (auto& a : antenna_samples) outputs.push_back(a.data());
    channel.process(inputs, outputs, static_cast<std::size_t>(length));
    std::vector<const Sample*> filtered;
    for (int k = 0; k < antennas; ++k) {
      matched[k].process(antenna_samples[k].data(), antenna_samples[k].data(), static_cast<std::size_t>(length));
      filtered.push_back(antenna_samples[k].data());
    }
    for (ReceivedSlot& frame : sync.push(filtered, static_cast<std::size_t>(length))) {
      ++out.counts.detected;
      std::vector<AuxMessage> messages;
      std::string problem;
      for (int n = 0; n < devices; ++n) {
        const AuxDecodeResult r = decode_aux(dbpsk_demodulate(frame.aux[n]), AuxLayout{values});
        if (!r.ok) {
          ++out.counts.aux_crc_failures;
          problem += (problem.empty() ? "" : "; ") + ("device " + std::to_string(n) + ": " + r.error);
        } else if (r.message.device_id != n) {
          problem += (problem.empty() ? "" : "; ") + ("mini-slot " + std::to_string(n) + " carries device id " +
                                                      std::to_string(r.message.device_id));
        }
        messages.push_back(r.message);
      }
      std::uint32_t id = 0;
      if (problem.empty()) {
        id = unwrap_slot_id(messages.front().slot_counter, previous_id);
        if (id >= sent.size()) problem = "slot counter " + std::to_string(id) + " was never sent";
      }
      if (!problem.empty()) {
        ++out.counts.dropped;
        out.errors.push_back("frame " + std::to_string(frame.index) + " at sample " +
                             std::to_string(static_cast<long long>(frame.timing)) + " dropped: " + problem);
        continue;
      }
      previous_id = id;
      ++out.counts.decoded;
      std::vector<SignAnchor> anchors;
      for (const AuxMessage& m : messages) anchors.push_back(m.anchor);
      out.slots.received.push_back(stack_real(frame.payload));
      out.slots.codewords.push_back(sent[id]);
      out.slots.anchors.push_back(std::move(anchors));
      out.slot_ids.push_back(id);
      out.aux.push_back(std::move(messages));
      frame.payload.resize(0, 0);
      frame.aux.clear();
      out.sync.push_back(std::move(frame));
    }
  }
  return out;
}

}  // namespace moema::rx
