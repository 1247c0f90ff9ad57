// mimo_receiver_impl: hands the Nr channels to
// moema::jscc::RadioReceiver and publishes its frames as PDUs and
// SigMF annotation dicts. No signal processing here.
#ifndef INCLUDED_MOEMA_MIMO_RECEIVER_IMPL_H
#define INCLUDED_MOEMA_MIMO_RECEIVER_IMPL_H

#include <gnuradio/moema/mimo_receiver.h>

#include "moema/system/jscc_radio_link.hpp"

#include <complex>
#include <map>
#include <string>
#include <vector>

namespace gr {
namespace moema {

class mimo_receiver_impl : public mimo_receiver
{
public:
    mimo_receiver_impl(const ::moema::rx::MimoFrameFormat& format,
                       int nr,
                       const ::moema::rx::MimoHeader& assumed,
                       double input_delay,
                       bool pass_through);

    int nr() const override { return d_nr; }
    int nt() const override { return d_format.nt; }
    int payload_symbols() const override { return d_format.payload_symbols; }
    int frame_samples() const override { return d_format.frame_samples(); }
    std::string frame_format() const override;
    int frames_detected() const override { return d_receiver.counts().detected; }
    int frames_ok() const override { return d_ok; }
    int frames_failed() const override { return d_failed; }

    bool stop() override;
    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    void handle_truth(const pmt::pmt_t& msg);
    void publish(const ::moema::rx::MimoReceivedFrame& frame);
    void report(const std::string& error);

    const ::moema::rx::MimoFrameFormat d_format;
    const int d_nr;
    const double d_input_delay; // transmit pulse, matched filter and what is in front, samples
    ::moema::jscc::RadioReceiver d_receiver;
    std::map<std::uint64_t, std::string> d_names; // frame counter -> image name, from "truth"
    std::vector<const std::complex<float>*> d_channels;
    int d_ok = 0;
    int d_failed = 0;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_MIMO_RECEIVER_IMPL_H */
