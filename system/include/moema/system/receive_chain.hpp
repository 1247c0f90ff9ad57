// The access point's chain from raw channel samples (cf32, as a USRP or a
// SigMF recording delivers them) to decisions, without GNU Radio: K matched
// filters (rx::FirFilter), the ApReceiver, and the DecisionLog. moema-loopback
// and moema-replay run it; the GNU Radio receiver hier block runs the same
// ApReceiver behind GNU Radio's own filters.
#pragma once

#include "moema/system/ap_receiver.hpp"
#include "moema/system/decision_log.hpp"

#include <complex>
#include <future>
#include <string>
#include <vector>

namespace moema::models {

class ReceiveChain {
 public:
  ReceiveChain(const ApReceiverConfig& config, const std::string& decisions_path = "");

  // n samples of each of the K channels. The chain is a two-stage pipeline:
  // this call filters the block while the receiver works on the previous one
  // on a second thread, so decisions come one call late; the accessors below
  // wait for the receiver first.
  void push(const std::vector<const std::complex<float>*>& channels, std::size_t n);
  void finish();  // end of the stream (see ApReceiver::finish)
  // The input's rx_time stamps (e.g. a recording's captures): decisions then
  // carry their receive time.
  void set_clock(const rx::SampleClock& clock);

  ApReceiver& receiver() { wait(); return receiver_; }
  DecisionLog& log() { wait(); return log_; }
  // Detected frames since the last call, timed in input samples.
  std::vector<FrameEvent> take_frames();
  // The --json object of moema-loopback and moema-replay.
  nlohmann::json summary();
  // Seconds spent in the matched filters and in the receiver so far.
  double filter_seconds() const { return filter_seconds_; }
  double receiver_seconds() const { return receiver_seconds_; }

 private:
  void collect_errors();
  void log(std::vector<SlotDecision> decisions);
  void wait();  // until the receiver has taken the last block

  ApReceiver receiver_;
  DecisionLog log_;
  std::vector<rx::FirFilter> matched_;
  double delay_ = 0;  // the matched filter's group delay, samples
  rx::SampleClock clock_;
  std::vector<std::vector<rx::Sample>> buffers_[2];  // filtered blocks: one filling, one being received
  int filling_ = 0;
  std::future<void> receiving_;
  std::vector<std::string> errors_;
  std::vector<FrameEvent> frames_;
  double filter_seconds_ = 0, receiver_seconds_ = 0;
};

}  // namespace moema::models
