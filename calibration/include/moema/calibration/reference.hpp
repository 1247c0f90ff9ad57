// The calibration reference: a known waveform sent from ONE transmitter and
// split on the bench to all K receive inputs, so that whatever differs between
// the K captured copies belongs to the receive chains (delay, gain, phase, DC).
//
// It reuses the MoEMA preamble (slot_format.hpp: a Zadoff-Chu sequence twice,
// root-raised-cosine shaped): its flat spectrum over the signal band gives a
// sharp correlation peak for timing, its constant envelope keeps the DAC out of
// clipping, and the receiver chain under calibration is the one that carries
// exactly this band. The burst is sent `repetitions` times, each followed by
// `gap_samples` of silence:
//
//   | burst | gap | burst | gap | ... (repetitions times)
//
// The repetitions give the carrier frequency offset from the phase advance
// from one burst to the next (period P = burst + gap samples); the gaps show
// the receiver's DC offset alone.
#pragma once

#include "moema/calibration/error.hpp"
#include "moema/air/slot_format.hpp"

#include <complex>
#include <string>
#include <vector>

namespace moema::calibration {

using Sample = std::complex<double>;
using Channels = std::vector<std::vector<Sample>>;  // [channel][sample]

struct ReferenceConfig {
  // Only the preamble fields are used: preamble_half, samples_per_symbol,
  // rolloff, filter_span (defaults: ZC 31 twice, 4 samples/symbol, RRC 0.5 over 16 symbols).
  rx::SlotFormat format;
  int repetitions = 8;
  int gap_samples = 128;
  // Largest |sample| of the waveform. Full scale is amplitude 1.0 for cf32
  // samples; 0.5 (-6 dBFS) leaves headroom for the transmitter's DAC.
  double peak = 0.5;
  // The largest delay between any two receive channels that the estimator
  // searches for, in samples. Must stay below half a period, or a delay of
  // one period could not be told from no delay.
  int max_channel_delay = 64;

  // Throws CalibrationError naming the field.
  void validate() const;
  int burst_samples() const;   // one shaped preamble, pulse tails included
  int period_samples() const { return burst_samples() + gap_samples; }
  int total_samples() const { return repetitions * period_samples(); }
  // One line for files and logs, e.g. "moema-preamble: ZC 31 x2, 4 sps, RRC 0.5 span 16, 8 x (312 + 128 gap) samples".
  std::string describe() const;
};

// One burst: the preamble pulse-shaped, scaled so that the waveform peaks at `peak`.
std::vector<Sample> reference_burst(const ReferenceConfig& config);

// The whole reference, total_samples() long: repetitions x (burst, gap).
std::vector<Sample> reference_waveform(const ReferenceConfig& config);

}  // namespace moema::calibration
