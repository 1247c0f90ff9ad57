#include "moema/system/receive_chain.hpp"

#include <chrono>
#include <future>
#include <stdexcept>

namespace moema::models {

namespace {

std::vector<double> matched_taps(const ApReceiverConfig& c) {
  const rx::SlotFormat f = c.sync().format;
  return rx::root_raised_cosine(f.samples_per_symbol, f.rolloff, f.filter_span);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

ReceiveChain::ReceiveChain(const ApReceiverConfig& config, const std::string& decisions_path)
    : receiver_(config), log_(decisions_path) {
  const std::vector<double> taps = matched_taps(config);
  matched_.assign(config.antennas, rx::FirFilter(taps));
  delay_ = 0.5 * static_cast<double>(taps.size() - 1);
  for (auto& b : buffers_) b.resize(config.antennas);
}

void ReceiveChain::push(const std::vector<const std::complex<float>*>& channels, std::size_t n) {
  if (channels.size() != matched_.size())
    throw std::invalid_argument("ReceiveChain: " + std::to_string(channels.size()) + " channels, the receiver has " +
                                std::to_string(matched_.size()));
  auto start = std::chrono::steady_clock::now();
  std::vector<std::vector<rx::Sample>>& block = buffers_[filling_];
  for (std::size_t k = 0; k < channels.size(); ++k) {
    block[k].assign(channels[k], channels[k] + n);
    matched_[k].process(block[k].data(), block[k].data(), n);
  }
  filter_seconds_ += seconds_since(start);
  wait();
  receiving_ = std::async(std::launch::async, [this, &block, n] {
    const auto begin = std::chrono::steady_clock::now();
    std::vector<const rx::Sample*> filtered;
    for (const auto& b : block) filtered.push_back(b.data());
    log(receiver_.push(filtered, n));
    collect_errors();
    receiver_seconds_ += seconds_since(begin);
  });
  filling_ = 1 - filling_;
}

void ReceiveChain::wait() {
  if (receiving_.valid()) receiving_.get();  // rethrows the receiver's exception
}

void ReceiveChain::finish() {
  wait();
  log(receiver_.finish());
  collect_errors();
}

void ReceiveChain::set_clock(const rx::SampleClock& clock) {
  wait();  // the receiving thread reads it
  clock_ = clock;
}

void ReceiveChain::log(std::vector<SlotDecision> decisions) {
  stamp_receive_times(decisions, clock_, delay_);
  log_.add(decisions);
}

void ReceiveChain::collect_errors() {
  for (std::string& e : receiver_.take_errors()) errors_.push_back(std::move(e));
  for (FrameEvent& f : receiver_.take_frames()) {
    f.timing -= delay_;  // back to the input's samples
    frames_.push_back(std::move(f));
  }
}

std::vector<FrameEvent> ReceiveChain::take_frames() {
  wait();
  std::vector<FrameEvent> out;
  out.swap(frames_);
  return out;
}

nlohmann::json ReceiveChain::summary() {
  wait();
  return log_.summary(receiver_.counts(), receiver_.subspace_similarity(), receiver_.detected_overlap(), errors_);
}

}  // namespace moema::models
