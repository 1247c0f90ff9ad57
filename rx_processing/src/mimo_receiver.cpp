#include "moema/rx/mimo_receiver.hpp"

#include "moema/air/aux_message.hpp"
#include "moema/air/dbpsk.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace moema::rx {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMinSinrDb = -30, kMaxSinrDb = 60;  // the decoder's CSI range (jscc/channel.hpp)
// A frame without a readable header is delivered with the assumed size only
// if its pilots show a signal: on noise alone the LS estimate's power is
// about Nt / (Lp B) of the noise (-27 dB for a Kodak frame), so a false
// preamble detection stays below this and is dropped.
constexpr double kMinAssumedSnrDb = -10;

// e^{-j theta}
Sample derotation(double theta) { return std::polar(1.0, -theta); }

// Linear interpolation of y at x between sorted knots xs, held at the ends.
double interpolate(const std::vector<double>& xs, const std::vector<double>& ys, double x) {
  if (x <= xs.front()) return ys.front();
  if (x >= xs.back()) return ys.back();
  const auto upper = std::upper_bound(xs.begin(), xs.end(), x);
  const std::size_t i = static_cast<std::size_t>(upper - xs.begin());
  const double t = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
  return ys[i - 1] + t * (ys[i] - ys[i - 1]);
}

double block_centre(const MimoFrameFormat& f, int block) { return f.pilot_start(block) + 0.5 * (f.pilot_length - 1); }

}  // namespace

double MimoChannelEstimate::phase_at(double index) const {
  return 2.0 * kPi * residual_cfo * index + interpolate(block_centre, block_phase, index);
}

MimoChannelEstimate estimate_mimo_channel(const MimoFrameFormat& f, const ComplexMatrix& body) {
  f.validate();
  if (body.cols() != f.body_symbols() || body.rows() < 1)
    throw std::invalid_argument("estimate_mimo_channel: body is " + std::to_string(body.rows()) + " x " +
                                std::to_string(body.cols()) + ", expected Nr x " + std::to_string(f.body_symbols()));
  const ComplexMatrix p = pilot_block(f);
  const int blocks = f.pilot_blocks(), lp = f.pilot_length;
  // P P^H = (Lp / Nt) I, so the least-squares H_b = Y_b P^H (Nt / Lp).
  std::vector<ComplexMatrix> hb(blocks);
  for (int b = 0; b < blocks; ++b)
    hb[b] = body.middleCols(f.pilot_start(b), lp) * p.adjoint() * (static_cast<double>(f.nt) / lp);

  MimoChannelEstimate est;
  for (int b = 0; b < blocks; ++b) est.block_centre.push_back(block_centre(f, b));
  // Residual CFO from the block-to-block phase advance, over the pairs a full
  // data block apart (the last block may be shorter).
  const double full = f.pilot_length + f.pilot_spacing;
  Sample advance{};
  for (int b = 0; b + 1 < blocks; ++b)
    if (block_centre(f, b + 1) - block_centre(f, b) == full || blocks == 2)
      advance += (hb[b].conjugate().cwiseProduct(hb[b + 1])).sum();
  est.residual_cfo = std::arg(advance) / (2.0 * kPi * (block_centre(f, 1) - block_centre(f, 0)));

  // Then each block's remaining common phase against their mean.
  ComplexMatrix mean = ComplexMatrix::Zero(body.rows(), f.nt);
  for (int b = 0; b < blocks; ++b) {
    hb[b] *= derotation(2.0 * kPi * est.residual_cfo * block_centre(f, b));
    mean += hb[b] / blocks;
  }
  est.block_phase.resize(blocks);
  double previous = 0;
  for (int b = 0; b < blocks; ++b) {
    double phi = std::arg((mean.conjugate().cwiseProduct(hb[b])).sum());
    phi -= 2.0 * kPi * std::round((phi - previous) / (2.0 * kPi));  // unwrap
    est.block_phase[b] = previous = phi;
  }
  est.h = ComplexMatrix::Zero(body.rows(), f.nt);
  for (int b = 0; b < blocks; ++b) est.h += hb[b] * derotation(est.block_phase[b]) / blocks;

  // Noise from what the model leaves of the pilots.
  double residual = 0;
  for (int b = 0; b < blocks; ++b)
    for (int i = 0; i < lp; ++i) {
      const int index = f.pilot_start(b) + i;
      residual += (body.col(index) * derotation(est.phase_at(index)) - est.h * p.col(i)).squaredNorm();
    }
  const double unknowns = static_cast<double>(body.rows()) * f.nt + blocks + 1;
  const double observations = static_cast<double>(body.rows()) * blocks * lp;
  est.noise_variance = residual / std::max(observations - unknowns, 1.0);
  return est;
}

MimoEqualized mmse_equalize(const ComplexMatrix& y, const ComplexMatrix& h, double noise_variance) {
  if (h.rows() != y.rows() || h.cols() < 1)
    throw std::invalid_argument("mmse_equalize: H is " + std::to_string(h.rows()) + " x " + std::to_string(h.cols()) +
                                ", y has " + std::to_string(y.rows()) + " rows");
  if (!(noise_variance >= 0) || !std::isfinite(noise_variance))
    throw std::invalid_argument("mmse_equalize: noise_variance must be finite and >= 0, got " +
                                std::to_string(noise_variance));
  const auto nt = h.cols();
  const double load = static_cast<double>(nt) * noise_variance;
  const ComplexMatrix a = h.adjoint() * h + load * ComplexMatrix::Identity(nt, nt);
  const ComplexMatrix a_inv = a.inverse();
  const ComplexMatrix w = a_inv * h.adjoint();
  const ComplexMatrix wh = w * h;
  MimoEqualized out;
  out.symbols = w * y;
  out.sinr_db.resize(static_cast<std::size_t>(nt));
  for (Eigen::Index i = 0; i < nt; ++i) {
    out.symbols.row(i) /= std::max(wh(i, i).real(), 1e-12);  // unbiased: remove the MMSE shrinkage
    const double mse = load * a_inv(i, i).real();
    const double sinr_db = mse > 0 ? 10.0 * std::log10(1.0 / mse - 1.0) : kMaxSinrDb;
    out.sinr_db[static_cast<std::size_t>(i)] = std::clamp(std::isnan(sinr_db) ? kMinSinrDb : sinr_db, kMinSinrDb, kMaxSinrDb);
  }
  return out;
}

MimoFrameReceiver::MimoFrameReceiver(const MimoFrameFormat& format, int receive_antennas, MimoHeader assumed,
                                     double detection_threshold)
    : format_(format),
      receiver_([&] {
        format.validate();
        if (receive_antennas < 1)
          throw std::invalid_argument("MimoFrameReceiver: receive_antennas must be >= 1, got " +
                                      std::to_string(receive_antennas));
        return SlotSyncConfig{format.slot_format(), receive_antennas, detection_threshold};
      }()),
      assumed_(assumed) {}

std::vector<MimoReceivedFrame> MimoFrameReceiver::push(const std::vector<const Sample*>& channels, std::size_t n) {
  std::vector<MimoReceivedFrame> frames;
  for (const DecodedFrame& frame : receiver_.push(channels, n)) {
    frames.push_back(decode(frame));
    const MimoReceivedFrame& f = frames.back();
    ++counts_.detected;
    ++(f.ok ? counts_.decoded : counts_.dropped);
    counts_.header_coherent += f.ok && f.header_coherent;
    counts_.header_assumed += f.ok && f.header_assumed;
  }
  return frames;
}

namespace {

// Coherent DBPSK: maximum-ratio combining with antenna 0's channel h0, the
// sign of each combined symbol, then the differences (symbol 0 is the reference).
std::vector<std::uint8_t> coherent_dbpsk(const ComplexMatrix& aux, const ComplexVector& h0,
                                         const std::vector<double>& phase) {
  std::vector<std::uint8_t> bits;
  double previous = 0;
  for (Eigen::Index i = 0; i < aux.cols(); ++i) {
    const double sign = (h0.dot(aux.col(i)) * derotation(phase[static_cast<std::size_t>(i)])).real() >= 0 ? 1.0 : -1.0;
    if (i > 0) bits.push_back(sign != previous ? 1 : 0);
    previous = sign;
  }
  return bits;
}

}  // namespace

bool MimoFrameReceiver::read_header(const DecodedFrame& frame, MimoReceivedFrame& out) {
  const AuxLayout layout{MimoHeader::kValues};
  AuxMessage header;
  if (frame.ok) {
    header = frame.aux.front();
  } else {
    // The aux mini-slot sits after the body: its phase continues the tracked one.
    const SlotFormat slot = format_.slot_format();
    const ComplexMatrix& aux = frame.slot.aux.front();
    std::vector<double> phase(static_cast<std::size_t>(aux.cols()));
    for (Eigen::Index i = 0; i < aux.cols(); ++i)
      phase[static_cast<std::size_t>(i)] =
          out.channel.phase_at(slot.aux_start(0) - slot.payload_start() + static_cast<double>(i));
    const AuxDecodeResult retry = decode_aux(coherent_dbpsk(aux, out.channel.h.col(0), phase), layout);
    if (retry.ok && retry.message.device_id == 0) {
      header = retry.message;
      out.header_coherent = true;
    } else if (assumed_.height > 0 && assumed_.width > 0 && out.snr_db >= kMinAssumedSnrDb) {
      out.header_assumed = true;
      out.frame_id = static_cast<std::uint32_t>(previous_id_ + 1);
      out.header = assumed_;
      out.header.frame_counter = out.frame_id & 0xFFFF;
      out.error = "frame " + std::to_string(out.frame_id) + ": header unreadable (" + frame.error + "); assumed " +
                  std::to_string(assumed_.height) + "x" + std::to_string(assumed_.width);
      previous_id_ = out.frame_id;
      return true;
    } else {
      out.error = frame.error + "; the coherent retry failed too" +
                  (assumed_.height > 0 ? " and the pilots show no signal (SNR " + std::to_string(out.snr_db) + " dB)" : "");
      return false;
    }
  }
  out.frame_id = unwrap_slot_id(header.slot_counter, previous_id_);
  previous_id_ = out.frame_id;
  out.header.frame_counter = header.slot_counter;
  out.header.height = static_cast<int>(std::lround(header.values.at(0) / MimoHeader::kUnit));
  out.header.width = static_cast<int>(std::lround(header.values.at(1) / MimoHeader::kUnit));
  if (out.header.height < 1 || out.header.width < 1) {
    out.error = "frame " + std::to_string(out.frame_id) + ": header gives image size " +
                std::to_string(out.header.height) + "x" + std::to_string(out.header.width);
    return false;
  }
  return true;
}

void MimoFrameReceiver::equalise(const ComplexMatrix& body, MimoReceivedFrame& out) const {
  const MimoFrameFormat& f = format_;
  ComplexMatrix data(body.rows(), f.uses());
  for (int u = 0; u < f.uses(); ++u) {
    const int index = f.data_position(u);
    data.col(u) = body.col(index) * derotation(out.channel.phase_at(index));
  }
  const MimoEqualized eq = mmse_equalize(data, out.channel.h, out.channel.noise_variance);
  out.symbols.resize(f.payload_symbols);
  const double scale = std::sqrt(f.nt);  // back to the codec's unit power per symbol
  for (int u = 0; u < f.uses(); ++u)
    for (int t = 0; t < f.nt; ++t) out.symbols(u * f.nt + t) = eq.symbols(t, u) * scale;
  out.stream_snr_db = eq.sinr_db;
}

MimoReceivedFrame MimoFrameReceiver::decode(const DecodedFrame& frame) {
  const MimoFrameFormat& f = format_;
  MimoReceivedFrame out;
  out.timing = frame.slot.timing;
  out.cfo = frame.slot.cfo;
  out.detection_metric = frame.slot.detection_metric;
  const ComplexMatrix body = frame.slot.payload * f.slot_format().payload_scale();
  if (body.cols() != f.body_symbols() || !body.allFinite() || frame.slot.aux.empty()) {
    out.error = "frame at sample " + std::to_string(static_cast<long long>(out.timing)) +
                ": the received samples contain NaN or infinity";
    return out;
  }
  out.channel = estimate_mimo_channel(f, body);
  out.cfo += out.channel.residual_cfo / f.air.samples_per_symbol;
  const double rx_power = out.channel.h.squaredNorm() / static_cast<double>(body.rows() * f.nt);
  out.snr_db = 10.0 * std::log10(rx_power / std::max(out.channel.noise_variance, 1e-300));
  if (!read_header(frame, out)) return out;
  equalise(body, out);
  out.ok = true;
  return out;
}

}  // namespace moema::rx
