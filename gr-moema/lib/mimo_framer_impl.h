// mimo_framer_impl: takes PDUs, frames them with moema::rx::MimoFramer and
// pulse-shapes the frames with moema::rx::MimoTransmitter (complex<double> ->
// gr_complex). No signal processing here.
#ifndef INCLUDED_MOEMA_MIMO_FRAMER_IMPL_H
#define INCLUDED_MOEMA_MIMO_FRAMER_IMPL_H

#include <gnuradio/moema/mimo_framer.h>

#include "moema/air/mimo_frame.hpp"

#include <deque>
#include <limits>
#include <string>
#include <vector>

namespace gr {
namespace moema {

class mimo_framer_impl : public mimo_framer
{
public:
    mimo_framer_impl(const ::moema::rx::MimoFrameFormat& format,
                     int tail_frames,
                     bool burst_tags,
                     double start_time);

    int nt() const override { return d_format.nt; }
    int payload_symbols() const override { return d_format.payload_symbols; }
    int frame_samples() const override { return d_format.frame_samples(); }
    std::string frame_format() const override;
    std::uint64_t frames_sent() const override { return d_framer.frames_framed(); }
    std::uint64_t dropped() const override { return d_dropped; }

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    void take_messages();
    bool next_frame(std::uint64_t offset);
    bool frame_pdu(const pmt::pmt_t& pdu, std::uint64_t offset);
    void load(const std::vector<std::vector<::moema::rx::Sample>>& samples);
    void tag_burst(std::uint64_t first, std::uint64_t count);

    const ::moema::rx::MimoFrameFormat d_format;
    const int d_tail_frames;
    const bool d_burst_tags;
    const double d_start_time;
    // The stream's last sample, once the last tail frame is loaded.
    std::uint64_t d_last_sample = std::numeric_limits<std::uint64_t>::max();
    ::moema::rx::MimoFramer d_framer;
    ::moema::rx::MimoTransmitter d_transmitter;
    std::deque<pmt::pmt_t> d_queue;
    std::uint64_t d_dropped = 0;
    int d_tail_sent = 0;
    // The frame being emitted, per antenna, and the next sample of it.
    std::vector<std::vector<gr_complex>> d_frame;
    std::size_t d_position;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_MIMO_FRAMER_IMPL_H */
