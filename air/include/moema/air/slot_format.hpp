// The MoEMA uplink slot on the air (docs/architecture.md), at the symbol rate:
//
//   | preamble: a Zadoff-Chu sequence twice | gap | payload: M real PAM symbols |
//   | guard | aux mini-slot of device 0 | guard | ... | device N-1 | guard |
//
// All devices send the same preamble and their payloads at the same time
// (timed bursts); each sends its auxiliary message (DBPSK, CRC-checked) alone
// in its own mini-slot. The preamble is common, so the scheme stays CSI-free:
// it gives the access point timing and the carrier frequency offset, nothing
// about any device's channel. Its two identical halves let the receiver find
// it and the CFO by delay-and-correlate (Schmidl-Cox), which costs O(K) per
// sample; the known sequence then refines timing to a fraction of a sample.
#pragma once

#include "moema/common/json_fields.hpp"
#include "moema/common/system_parameters.hpp"
#include "moema/common/linalg.hpp"

#include <complex>
#include <cstdint>
#include <vector>

namespace moema::rx {

struct SlotFormat {
  int devices = defaults::kDevices;                 // N: one aux mini-slot each
  int codeword_length = defaults::kCodewordLength;  // M: payload symbols
  int aux_values = 2;              // entries of the auxiliary signal per message
  int samples_per_symbol = 4;
  // Root-raised-cosine pulse and its length in symbols. A truncated RRC pair
  // is Nyquist only approximately: its residual ISI (rms, relative to the
  // peak) is 1.6% for rolloff 0.35 over 8 symbols, 0.22% over 16, and 0.07%
  // for rolloff 0.5 over 16, which is what the payload's analog PAM needs.
  double rolloff = 0.5;
  int filter_span = 16;
  int preamble_half = 31;          // Zadoff-Chu length (odd); the preamble is two copies
  int guard_symbols = 16;          // >= filter_span: pulse tails of one part die out before the next
  // Silence between the preamble and the payload. A device whose timing is
  // off by a fraction of a symbol leaks its preamble's last symbols into the
  // first payload symbols; that leakage is the same in every slot, so it adds
  // a direction to the row space of Y. Four symbols take it below 1e-3.
  int payload_gap = 4;

  // Throws std::invalid_argument naming the field.
  void validate() const;

  int preamble_symbols() const { return 2 * preamble_half; }
  int payload_start() const { return preamble_symbols() + payload_gap; }  // symbol index
  int aux_bits() const;                                      // message incl. CRC (aux_message.hpp)
  int aux_symbols() const { return aux_bits() + 1; }         // DBPSK adds a reference symbol
  int aux_start(int device) const;
  int slot_symbols() const;
  int slot_samples() const { return slot_symbols() * samples_per_symbol; }
  // Transmit amplitude of the payload: a unit-norm codeword times sqrt(M) has
  // the unit mean symbol power of the preamble and the aux symbols.
  double payload_scale() const;
};

// A format in JSON: the pulse, preamble and guards. devices, codeword_length
// and aux_values are not written: a receiver takes them from its deployment.
MOEMA_JSON_FIELDS(SlotFormat, samples_per_symbol, rolloff, filter_span, preamble_half, guard_symbols, payload_gap)

// The common preamble: exp(-j pi n (n+1) / L), n = 0..L-1, twice (L = preamble_half).
ComplexVector preamble_symbols(const SlotFormat& format);

// One device's slot at the symbol rate (slot_symbols() entries): the preamble,
// its payload sqrt(M) w, its DBPSK aux symbols in its own mini-slot, and zeros
// wherever it is silent. `aux_bits` holds SlotFormat::aux_bits() bits.
ComplexVector device_slot_symbols(const SlotFormat& format, int device, const Vector& codeword,
                                  const std::vector<std::uint8_t>& aux_bits);

// Root-raised-cosine taps (span * sps + 1 of them), unit energy, so that the
// cascade of the transmit pulse and the matched filter is a Nyquist pulse with
// unit peak at the symbol instants.
std::vector<double> root_raised_cosine(int samples_per_symbol, double rolloff, int span);

// Zero-stuffs `symbols` to `samples_per_symbol` and filters with `taps` (full
// convolution: symbols.size() * sps + taps.size() - 1 samples). The library's
// own pulse shaper for simulations and tests; flowgraphs use GNU Radio's filters.
std::vector<Sample> pulse_shape(const ComplexVector& symbols, const std::vector<double>& taps, int samples_per_symbol);

// Pulse-shapes consecutive slots (or frames), each symbols.size() *
// samples_per_symbol samples long, carrying each one's pulse tails into the
// next one's first samples: a transmitter's output, one slot at a time.
class SlotPulseShaper {
 public:
  SlotPulseShaper(std::vector<double> taps, int samples_per_symbol);
  std::vector<Sample> next(const ComplexVector& symbols);

 private:
  std::vector<double> taps_;
  int samples_per_symbol_;
  std::vector<Sample> tail_;
};

// Full convolution of `x` with real `taps`.
std::vector<Sample> fir_filter(const std::vector<Sample>& x, const std::vector<double>& taps);

// The same filter on a stream: out[i] = sum_j taps[j] in[i - j], with the
// history carried across calls (the receiver's matched filter in simulations).
class FirFilter {
 public:
  explicit FirFilter(std::vector<double> taps);
  void process(const Sample* in, Sample* out, std::size_t n);

 private:
  std::vector<double> reversed_;  // taps, last first
  std::vector<Sample> history_;   // the last taps-1 inputs, then the current block
};

}  // namespace moema::rx
