// ap_receiver_impl: converts the K channels to complex<double> and hands them
// to moema::models::ApReceiver; passes its decisions, errors and frames on
// as messages and to moema::models::DecisionLog. No signal processing here.
#ifndef INCLUDED_MOEMA_AP_RECEIVER_IMPL_H
#define INCLUDED_MOEMA_AP_RECEIVER_IMPL_H

#include <gnuradio/moema/ap_receiver.h>

#include "messages.h"
#include "moema/system/ap_receiver.hpp"
#include "moema/system/decision_log.hpp"

#include <complex>
#include <string>
#include <vector>

namespace gr {
namespace moema {

class ap_receiver_impl : public ap_receiver
{
public:
    ap_receiver_impl(const ::moema::models::ApReceiverConfig& config,
                     const std::string& decisions_path,
                     const std::string& summary_path,
                     double sample_delay,
                     bool pass_through);

    int antennas() const override { return d_receiver.config().antennas; }
    std::string summary_json() const override
    {
        return summary().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }

    bool stop() override;
    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    void handle_truth(const pmt::pmt_t& msg);
    void read_time_tags(int n);
    void publish(std::vector<::moema::models::SlotDecision> decisions);
    void collect_events();
    void publish_frame(const ::moema::models::FrameEvent& frame);
    void report_error(const std::string& error);
    nlohmann::json summary() const;
    void log_summary() const;

    ::moema::models::ApReceiver d_receiver;
    ::moema::models::DecisionLog d_log;
    const std::string d_summary_path;
    const double d_sample_delay;
    const int d_devices;
    const int d_slot_samples;
    TruthTable d_truth;
    std::vector<std::string> d_errors; // every dropped frame, for the summary
    // Conversion buffers, reused across calls.
    std::vector<std::vector<std::complex<double>>> d_buffers;
    std::vector<const std::complex<double>*> d_channels;
    ::moema::rx::SampleClock d_clock; // from input 0's rx_time / rx_rate tags
    bool d_time_without_rate_reported = false;
    bool d_finished = false;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_AP_RECEIVER_IMPL_H */
