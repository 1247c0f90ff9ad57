#include "moema/air/mimo_frame.hpp"

#include "moema/air/aux_message.hpp"
#include "moema/air/dbpsk.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace moema::rx {

namespace {

constexpr double kPi = 3.14159265358979323846;

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("MimoFrameFormat: " + what);
}

}  // namespace

void MimoFrameFormat::validate() const {
  require(nt >= 1 && nt <= 64, "nt must be in 1..64, got " + std::to_string(nt));
  require(payload_symbols >= nt && payload_symbols % nt == 0,
          "payload_symbols must be a positive multiple of nt = " + std::to_string(nt) + ", got " +
              std::to_string(payload_symbols));
  require(pilot_length >= nt, "pilot_length (" + std::to_string(pilot_length) + ") must be >= nt (" +
                                  std::to_string(nt) + ") for orthogonal pilots");
  require(pilot_spacing >= 1, "pilot_spacing must be >= 1, got " + std::to_string(pilot_spacing));
  slot_format().validate();
}

int MimoFrameFormat::data_blocks() const { return (uses() + pilot_spacing - 1) / pilot_spacing; }

int MimoFrameFormat::pilot_start(int block) const {
  return block * pilot_length + std::min(block * pilot_spacing, uses());
}

int MimoFrameFormat::data_position(int use) const { return (use / pilot_spacing + 1) * pilot_length + use; }

SlotFormat MimoFrameFormat::slot_format() const {
  SlotFormat f = air;
  f.devices = 1;
  f.aux_values = MimoHeader::kValues;
  f.codeword_length = body_symbols();
  return f;
}

int jscc_payload_symbols(int height, int width, double ratio) {
  if (height < 1 || width < 1 || !(ratio > 0 && ratio <= 1))
    throw std::invalid_argument("jscc_payload_symbols: need height, width >= 1 and 0 < ratio <= 1, got " +
                                std::to_string(height) + "x" + std::to_string(width) + ", R = " + std::to_string(ratio));
  const double exact = 3.0 * height * width * ratio;
  const double symbols = std::round(exact);
  if (std::abs(symbols - exact) > 1e-6 * exact)
    throw std::invalid_argument("jscc_payload_symbols: 3 x " + std::to_string(height) + " x " + std::to_string(width) +
                                " x R is not a whole number of symbols for R = " + std::to_string(ratio));
  return static_cast<int>(symbols);
}

ComplexMatrix pilot_block(const MimoFrameFormat& format) {
  format.validate();
  const int lp = format.pilot_length, nt = format.nt;
  ComplexMatrix p(nt, lp);
  for (int i = 0; i < lp; ++i) {
    // Zadoff-Chu (root 1): unit modulus, so the DFT rows stay orthogonal.
    const double zc = lp % 2 ? -kPi * i * (i + 1.0) / lp : -kPi * i * static_cast<double>(i) / lp;
    for (int t = 0; t < nt; ++t) p(t, i) = std::polar(1.0 / std::sqrt(nt), zc - 2.0 * kPi * t * i / lp);
  }
  return p;
}

MimoFramer::MimoFramer(const MimoFrameFormat& format) : format_(format), pilots_(pilot_block(format)) {}

ComplexMatrix MimoFramer::next(const ComplexVector& symbols, int height, int width) {
  const MimoFrameFormat& f = format_;
  if (symbols.size() != f.payload_symbols)
    throw std::invalid_argument("MimoFramer: " + std::to_string(symbols.size()) + " symbols, the frame carries " +
                                std::to_string(f.payload_symbols));
  if (!symbols.allFinite()) throw std::invalid_argument("MimoFramer: the symbols contain NaN or infinity");
  if (height < 1 || height > MimoHeader::kMaxSide || width < 1 || width > MimoHeader::kMaxSide)
    throw std::invalid_argument("MimoFramer: image size " + std::to_string(height) + "x" + std::to_string(width) +
                                " outside 1..32767");
  const SlotFormat slot = f.slot_format();
  ComplexMatrix frame = ComplexMatrix::Zero(f.nt, slot.slot_symbols());
  frame.row(0).head(slot.preamble_symbols()) = preamble_symbols(slot).transpose();

  AuxMessage header;
  header.device_id = 0;
  header.slot_counter = counter_ & 0xFFFF;
  header.values = {height * MimoHeader::kUnit, width * MimoHeader::kUnit};
  frame.row(0).segment(slot.aux_start(0), slot.aux_symbols()) =
      dbpsk_modulate(encode_aux(header, AuxLayout{MimoHeader::kValues})).transpose();

  const int body = slot.payload_start();
  for (int b = 0; b < f.pilot_blocks(); ++b) frame.block(0, body + f.pilot_start(b), f.nt, f.pilot_length) = pilots_;
  const double amplitude = 1.0 / std::sqrt(f.nt);
  for (int u = 0; u < f.uses(); ++u)
    for (int t = 0; t < f.nt; ++t) frame(t, body + f.data_position(u)) = amplitude * symbols(u * f.nt + t);
  ++counter_;
  return frame;
}

MimoTransmitter::MimoTransmitter(const MimoFrameFormat& format) : format_(format) {
  format.validate();
  const SlotFormat& a = format.air;
  const auto taps = root_raised_cosine(a.samples_per_symbol, a.rolloff, a.filter_span);
  antennas_.assign(static_cast<std::size_t>(format.nt), SlotPulseShaper(taps, a.samples_per_symbol));
}

std::vector<std::vector<Sample>> MimoTransmitter::next(const ComplexMatrix& frame_symbols) {
  const int symbols = format_.frame_symbols();
  if (frame_symbols.size() != 0 && (frame_symbols.rows() != format_.nt || frame_symbols.cols() != symbols))
    throw std::invalid_argument("MimoTransmitter: frame is " + std::to_string(frame_symbols.rows()) + " x " +
                                std::to_string(frame_symbols.cols()) + ", expected " + std::to_string(format_.nt) +
                                " x " + std::to_string(symbols));
  std::vector<std::vector<Sample>> out;
  for (int t = 0; t < format_.nt; ++t)
    out.push_back(antennas_[static_cast<std::size_t>(t)].next(
        frame_symbols.size() == 0 ? ComplexVector::Zero(symbols) : ComplexVector(frame_symbols.row(t).transpose())));
  return out;
}

}  // namespace moema::rx
