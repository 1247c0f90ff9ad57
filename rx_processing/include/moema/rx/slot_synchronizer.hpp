// The access point's K-channel slot synchroniser: finds MoEMA slots in
// matched-filtered sample streams (see slot_format.hpp) and cuts out, per
// slot, the K x M payload matrix Y and each device's aux mini-slot, with the
// carrier frequency offset, the timing and the DC offset removed.
//
// Per slot:
//  1. detection: the Schmidl-Cox metric |P|^2 / (E1 E2) of the preamble's two
//     halves, summed over the K channels (no CSI needed: each channel
//     correlates with itself), kept as running sums (O(K) per sample);
//  2. CFO from the phase of P at the peak (range +-1/(2 L sps) cycles/sample);
//  3. timing to a fraction of a sample: the known preamble correlated per
//     channel at integer lags, band-limited interpolation of those lags, and
//     a golden-section search of the summed power;
//  4. DC and amplitude per channel by least squares on the preamble, the DC
//     removed from every sample of the slot (DC drifts slowly: constant per slot);
//  5. payload and aux samples at the symbol instants, de-rotated.
// Detection removes each window's per-channel mean from the Schmidl-Cox sums
// (a DC offset is periodic and would otherwise look like a preamble
// everywhere); timing and CFO use zero-mean references, so DC never biases them.
#pragma once

#include "moema/common/system_parameters.hpp"
#include "moema/air/fractional_delay.hpp"
#include "moema/air/slot_format.hpp"

#include <cstdint>
#include <vector>

namespace moema::rx {

struct SlotSyncConfig {
  SlotFormat format;
  int antennas = defaults::kAntennas;                 // K
  // Schmidl-Cox metric, in [0, 1]. A preamble peaks near (S / (S + N))^2,
  // 0.25 at 0 dB; noise alone averages 1 / (K L sps), 5e-4 for K = 16.
  double detection_threshold = 0.1;
};

struct ReceivedSlot {
  std::uint64_t index = 0;     // slots detected before this one
  double timing = 0;           // input sample position of the first preamble symbol
  double cfo = 0;              // cycles per sample
  double detection_metric = 0;
  double snr_db = 0;           // from the preamble fit: mean |amplitude|^2 / noise variance per symbol
  ComplexMatrix payload;       // K x M, divided by the payload scale: Y = sum_n h_n w_n^T + noise
  std::vector<ComplexMatrix> aux;  // per device, K x aux_symbols
  ComplexVector dc;            // per channel, estimated on the preamble and removed
};

class SlotSynchronizer {
 public:
  explicit SlotSynchronizer(const SlotSyncConfig& config);

  // Appends n samples of each of the K channels and returns the slots
  // completed by them. Slots come out once all their samples have arrived.
  std::vector<ReceivedSlot> push(const std::vector<const Sample*>& channels, std::size_t n);

  std::uint64_t samples_received() const { return base_ + buffered(); }
  std::uint64_t slots_detected() const { return slots_; }
  const SlotSyncConfig& config() const { return config_; }

 private:
  std::size_t buffered() const { return buffer_.front().size(); }
  Sample at(int k, std::uint64_t position) const { return buffer_[k][position - base_]; }
  // Channel k at symbol i of a slot whose first symbol is at `timing`: all
  // symbol instants share one fraction, so one set of interpolation weights.
  class SymbolSampler {
   public:
    SymbolSampler(const SlotSynchronizer& sync, double timing);
    Sample operator()(int k, int symbol) const;

   private:
    const SlotSynchronizer& sync_;
    double first_;
    Interpolator interpolator_;
  };

  struct Centred {
    Sample p;
    double e1, e2;
  };
  Centred centred() const;
  void reset_running_sums(std::uint64_t d);
  void advance_running_sums(std::uint64_t d);
  double metric() const;
  bool try_detect(std::vector<ReceivedSlot>& out);
  void scan_for_peak();
  std::uint64_t last_symbol_reach() const;
  ReceivedSlot extract(std::uint64_t peak, Sample correlation) const;
  double refine_timing(std::uint64_t coarse, double cfo) const;
  double residual_cfo(double timing, double cfo) const;
  void discard_before(std::uint64_t position);

  SlotSyncConfig config_;
  ComplexVector preamble_;
  int window_ = 0;                       // L * sps: one preamble half in samples
  std::vector<std::vector<Sample>> buffer_;
  std::uint64_t base_ = 0;               // stream position of buffer_[k][0]
  std::uint64_t next_ = 0;               // next position d to test
  // Schmidl-Cox sums at next_: P, E1 (first half), E2 (second half).
  Sample p_{};
  double e1_ = 0, e2_ = 0;
  std::vector<Sample> sum1_, sum2_;  // per channel: the samples of each half-window
  bool sums_valid_ = false;
  // A detected preamble whose slot has not fully arrived yet.
  bool pending_ = false;
  std::uint64_t pending_peak_ = 0;
  Sample pending_p_{};
  double pending_metric_ = 0;
  int since_reset_ = 0;
  std::uint64_t slots_ = 0;
};

}  // namespace moema::rx
