#include "moema/system/jscc_radio_link.hpp"

#include "moema/jscc/channel.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace moema::jscc {

namespace {

std::string size_text(int64_t height, int64_t width) { return std::to_string(height) + "x" + std::to_string(width); }

torch::Tensor to_tensor(const rx::ComplexVector& v) {
  auto t = torch::empty({1, v.size()}, torch::kComplexDouble);
  std::copy(v.data(), v.data() + v.size(), t.data_ptr<c10::complex<double>>());
  return t.to(torch::kComplexFloat);
}

rx::ComplexVector from_tensor(const torch::Tensor& t) {
  const auto d = t.to(torch::kCPU, torch::kComplexDouble).contiguous().view(-1);
  rx::ComplexVector v(d.numel());
  const auto* p = d.data_ptr<c10::complex<double>>();
  for (Eigen::Index i = 0; i < v.size(); ++i) v(i) = {p[i].real(), p[i].imag()};
  return v;
}

torch::Device device_of(TrainedCodec& model) { return model.codec->parameters().front().device(); }

}  // namespace

double codec_ratio(const TrainedCodec& model) { return model.config.realised_ratio(); }

nlohmann::json frame_format_to_json(const rx::MimoFrameFormat& f) {
  const rx::SlotFormat& a = f.air;
  return {{"nt", f.nt},
          {"payload_symbols", f.payload_symbols},
          {"pilot_length", f.pilot_length},
          {"pilot_spacing", f.pilot_spacing},
          {"samples_per_symbol", a.samples_per_symbol},
          {"rolloff", a.rolloff},
          {"filter_span", a.filter_span},
          {"preamble_half", a.preamble_half},
          {"guard_symbols", a.guard_symbols},
          {"payload_gap", a.payload_gap}};
}

rx::MimoFrameFormat frame_format_from_json(const nlohmann::json& j) {
  const auto get_int = [&](const char* key) {
    if (!j.is_object() || !j.contains(key) || !j.at(key).is_number_integer())
      throw std::invalid_argument(std::string("frame format: ") + key + " missing or not an integer");
    return j.at(key).get<int>();
  };
  rx::MimoFrameFormat f;
  f.nt = get_int("nt");
  f.payload_symbols = get_int("payload_symbols");
  f.pilot_length = get_int("pilot_length");
  f.pilot_spacing = get_int("pilot_spacing");
  f.air.samples_per_symbol = get_int("samples_per_symbol");
  f.air.filter_span = get_int("filter_span");
  f.air.preamble_half = get_int("preamble_half");
  f.air.guard_symbols = get_int("guard_symbols");
  f.air.payload_gap = get_int("payload_gap");
  if (!j.contains("rolloff") || !j.at("rolloff").is_number())
    throw std::invalid_argument("frame format: rolloff missing or not a number");
  f.air.rolloff = j.at("rolloff").get<double>();
  f.validate();
  return f;
}

rx::MimoFrameFormat radio_frame_format(const TrainedCodec& model, const RadioLinkOptions& options) {
  const int multiple = model.config.size_multiple();
  if (options.height % multiple != 0 || options.width % multiple != 0 || options.height < 1 || options.width < 1)
    throw std::invalid_argument("radio link: image size " + size_text(options.height, options.width) + " is not a multiple of " +
                                std::to_string(multiple) + " (" + model.name + ")");
  rx::MimoFrameFormat f;
  f.nt = model.channel.streams();
  f.payload_symbols = rx::jscc_payload_symbols(options.height, options.width, codec_ratio(model));
  f.pilot_length = options.pilot_length;
  f.pilot_spacing = options.pilot_spacing;
  f.air = options.air;
  f.validate();
  return f;
}

rx::ComplexVector encode_image(TrainedCodec& model, const rx::MimoFrameFormat& format, const torch::Tensor& image,
                               double nominal_snr_db) {
  if (!image.defined() || image.dim() != 4 || image.size(0) != 1 || image.size(1) != 3)
    throw std::invalid_argument("encode_image: need one RGB image [1, 3, H, W]");
  const int64_t height = image.size(2), width = image.size(3);
  const int multiple = model.config.size_multiple();
  if (height % multiple != 0 || width % multiple != 0)
    throw std::invalid_argument("encode_image: image " + size_text(height, width) + " is not a multiple of " +
                                std::to_string(multiple) + " pixels per side");
  const double symbols = 3.0 * static_cast<double>(height * width) * codec_ratio(model);
  if (std::lround(symbols) != format.payload_symbols)
    throw std::invalid_argument("encode_image: image " + size_text(height, width) + " gives " +
                                std::to_string(std::lround(symbols)) + " symbols, the link's frame carries " +
                                std::to_string(format.payload_symbols));
  torch::NoGradGuard no_grad;
  model.codec->eval();
  const auto device = device_of(model);
  const auto snr = torch::full({1}, nominal_snr_db, torch::TensorOptions().device(device));
  const auto sent = model.codec->encode(image.to(device), nominal_csi(snr, format.nt));
  return from_tensor(sent);
}

torch::Tensor decode_frame(TrainedCodec& model, const rx::MimoReceivedFrame& frame) {
  const std::string name = "frame " + std::to_string(frame.frame_id);
  if (!frame.ok) throw std::invalid_argument(name + " is not usable: " + frame.error);
  const int height = frame.header.height, width = frame.header.width;
  const int multiple = model.config.size_multiple();
  const double expected = 3.0 * height * width * codec_ratio(model);
  if (height % multiple != 0 || width % multiple != 0 || std::lround(expected) != frame.symbols.size())
    throw std::invalid_argument(name + ": header says " + size_text(height, width) + ", which does not fit its " +
                                std::to_string(frame.symbols.size()) + " symbols with " + model.name);
  if (static_cast<int>(frame.stream_snr_db.size()) != model.channel.streams())
    throw std::invalid_argument(name + ": " + std::to_string(frame.stream_snr_db.size()) + " streams, " + model.name +
                                " was trained for " + std::to_string(model.channel.streams()));
  torch::NoGradGuard no_grad;
  model.codec->eval();
  const auto device = device_of(model);
  const auto csi = torch::tensor(std::vector<double>(frame.stream_snr_db), torch::kDouble)
                       .to(device, torch::kFloat)
                       .view({1, -1});
  return model.codec->decode(to_tensor(frame.symbols).to(device), csi, height, width).to(torch::kCPU);
}

RadioReceiver::RadioReceiver(const rx::MimoFrameFormat& format, int receive_antennas, int height, int width)
    : receiver_(format, receive_antennas, rx::MimoHeader{0, height, width}), buffer_(static_cast<std::size_t>(receive_antennas)) {
  const rx::SlotFormat& a = format.air;
  matched_.assign(static_cast<std::size_t>(receive_antennas),
                  rx::FirFilter(rx::root_raised_cosine(a.samples_per_symbol, a.rolloff, a.filter_span)));
}

std::vector<rx::MimoReceivedFrame> RadioReceiver::push(const std::vector<const std::complex<float>*>& channels,
                                                        std::size_t n) {
  if (channels.size() != buffer_.size())
    throw std::invalid_argument("RadioReceiver: " + std::to_string(channels.size()) + " channels, configured for " +
                                std::to_string(buffer_.size()));
  std::vector<const rx::Sample*> filtered;
  for (std::size_t k = 0; k < channels.size(); ++k) {
    buffer_[k].assign(channels[k], channels[k] + n);
    matched_[k].process(buffer_[k].data(), buffer_[k].data(), n);
    filtered.push_back(buffer_[k].data());
  }
  return receiver_.push(filtered, n);
}

const rx::MimoFrameCounts& RadioReceiver::counts() const { return receiver_.counts(); }

SimulatedAir::SimulatedAir(const rx::MimoFrameFormat& format, const rx::MimoChannelConfig& channel, std::uint64_t seed)
    : framer_(format), transmitter_(format), channel_(rx::mimo_channel_config(format, channel), seed) {}

std::vector<std::vector<std::complex<float>>> SimulatedAir::next(const rx::ComplexVector& symbols, int height,
                                                                 int width) {
  const auto tx = transmitter_.next(symbols.size() ? framer_.next(symbols, height, width) : rx::ComplexMatrix());
  const std::size_t n = tx.front().size();
  std::vector<std::vector<rx::Sample>> rx(static_cast<std::size_t>(channel_.antennas()), std::vector<rx::Sample>(n));
  std::vector<const rx::Sample*> in;
  for (const auto& s : tx) in.push_back(s.data());
  std::vector<rx::Sample*> out;
  for (auto& s : rx) out.push_back(s.data());
  channel_.process(in, out, n);
  std::vector<std::vector<std::complex<float>>> samples(rx.size());
  for (std::size_t k = 0; k < rx.size(); ++k) samples[k].assign(rx[k].begin(), rx[k].end());
  return samples;
}

rx::ComplexMatrix SimulatedAir::last_channel() const {
  rx::ComplexMatrix h(channel_.antennas(), channel_.devices());
  for (int t = 0; t < channel_.devices(); ++t) h.col(t) = channel_.gains()[static_cast<std::size_t>(t)];
  return h;
}

torch::Tensor ideal_reconstruction(TrainedCodec& model, const torch::Tensor& image, const rx::ComplexMatrix& h,
                                   double snr_db, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  model.codec->eval();
  ChannelConfig config = model.channel;
  config.nr = static_cast<int>(h.rows());
  config.estimation_nmse = 0;  // perfect CSI
  const Channel channel(config);
  const auto device = device_of(model);
  auto given = torch::empty({1, h.rows(), h.cols()}, torch::kComplexDouble);
  auto* g = given.data_ptr<c10::complex<double>>();
  for (Eigen::Index r = 0; r < h.rows(); ++r)
    for (Eigen::Index c = 0; c < h.cols(); ++c) g[r * h.cols() + c] = {h(r, c).real(), h(r, c).imag()};
  torch::manual_seed(seed);
  const auto snr = torch::full({1}, snr_db, torch::TensorOptions().device(device));
  const auto sent = model.codec->encode(image.to(device), nominal_csi(snr, config.streams()));
  const auto received = channel.transmit(sent, snr, given.to(device));
  return model.codec->decode(received.symbols, received.stream_snr_db, static_cast<int>(image.size(2)),
                             static_cast<int>(image.size(3)))
      .to(torch::kCPU);
}

}  // namespace moema::jscc
