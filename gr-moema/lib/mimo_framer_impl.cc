#include "mimo_framer_impl.h"

#include "jscc_link.h"

#include <gnuradio/io_signature.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace gr {
namespace moema {

namespace {

namespace rx = ::moema::rx;

const pmt::pmt_t kPdu = pmt::intern("pdu");
const pmt::pmt_t kSent = pmt::intern("sent");
const pmt::pmt_t kFrameStart = pmt::intern("frame_start");

} // namespace

mimo_framer::sptr mimo_framer::make(int nt,
                                    const std::string& model,
                                    int height,
                                    int width,
                                    int payload_symbols,
                                    int pilot_length,
                                    int pilot_spacing,
                                    int samples_per_symbol,
                                    int tail_frames,
                                    bool burst_tags,
                                    double start_time)
{
    if (!(start_time >= 0.0))
        throw std::invalid_argument("mimo_framer: start_time must be >= 0 seconds, got " +
                                    std::to_string(start_time));
    if (nt < 1)
        throw std::invalid_argument("mimo_framer: nt must be >= 1, got " + std::to_string(nt));
    if (tail_frames < 1)
        throw std::invalid_argument("mimo_framer: tail_frames must be >= 1 (the receiver needs the "
                                    "last frame's tail), got " +
                                    std::to_string(tail_frames));
    link_format params =
        codec_link_format(model, height, width, pilot_length, pilot_spacing, samples_per_symbol);
    params.nt = nt;
    params.payload_symbols = payload_symbols;
    return gnuradio::make_block_sptr<mimo_framer_impl>(
        make_frame_format(params, "mimo_framer"), tail_frames, burst_tags, start_time);
}

mimo_framer_impl::mimo_framer_impl(const rx::MimoFrameFormat& format,
                                   int tail_frames,
                                   bool burst_tags,
                                   double start_time)
    : gr::sync_block("mimo_framer",
                     gr::io_signature::make(0, 0, 0),
                     gr::io_signature::make(format.nt, format.nt, sizeof(gr_complex))),
      d_format(format),
      d_tail_frames(tail_frames),
      d_burst_tags(burst_tags),
      d_start_time(start_time),
      d_framer(format),
      d_transmitter(format),
      d_frame(static_cast<std::size_t>(format.nt),
              std::vector<gr_complex>(static_cast<std::size_t>(format.frame_samples()))),
      d_position(static_cast<std::size_t>(format.frame_samples()))
{
    message_port_register_in(kPdu);
    // The handler only queues; work() takes the PDUs in order (and drains the
    // port itself, so that none is left behind when the sources finish).
    set_msg_handler(kPdu, [this](const pmt::pmt_t& msg) { d_queue.push_back(msg); });
    message_port_register_out(kSent);
}

std::string mimo_framer_impl::frame_format() const { return frame_format_text(d_format); }

void mimo_framer_impl::take_messages()
{
    for (pmt::pmt_t msg = delete_head_nowait(kPdu); msg; msg = delete_head_nowait(kPdu))
        d_queue.push_back(msg);
}

void mimo_framer_impl::load(const std::vector<std::vector<rx::Sample>>& samples)
{
    for (std::size_t t = 0; t < d_frame.size(); ++t)
        std::transform(samples[t].begin(), samples[t].end(), d_frame[t].begin(), [](const rx::Sample& s) {
            return gr_complex(static_cast<float>(s.real()), static_cast<float>(s.imag()));
        });
    d_position = 0;
}

// One PDU as the next frame, its first sample going out at `offset`; false
// (logged, counted) when the PDU cannot be framed.
bool mimo_framer_impl::frame_pdu(const pmt::pmt_t& pdu, std::uint64_t offset)
{
    std::string name;
    long index = -1;
    try {
        if (!pmt::is_pair(pdu) || !pmt::is_dict(pmt::car(pdu)))
            throw std::invalid_argument("not a PDU (dict . c32vector): " +
                                        pmt::write_string(pdu).substr(0, 80));
        const pmt::pmt_t meta = pmt::car(pdu);
        name = dict_string(meta, "name", "");
        index = dict_long(meta, "index", -1);
        const long height = dict_long(meta, "height", -1);
        const long width = dict_long(meta, "width", -1);
        if (height < 0 || width < 0)
            throw std::invalid_argument("the PDU has no \"height\" and \"width\" (the image size the "
                                        "header carries)");
        const rx::ComplexVector symbols = from_c32vector(pmt::cdr(pdu));
        const std::uint64_t frame = d_framer.frames_framed();
        load(d_transmitter.next(
            d_framer.next(symbols, static_cast<int>(height), static_cast<int>(width))));
        add_item_tag(0, offset, kFrameStart, pmt::from_uint64(frame), alias_pmt());
        pmt::pmt_t sent = pmt::make_dict();
        sent = pmt::dict_add(sent, pmt::intern("frame"), pmt::from_uint64(frame));
        sent = pmt::dict_add(sent, pmt::intern("name"), pmt::intern(name));
        sent = pmt::dict_add(sent, pmt::intern("index"), pmt::from_long(index));
        sent = pmt::dict_add(sent, pmt::intern("height"), pmt::from_long(height));
        sent = pmt::dict_add(sent, pmt::intern("width"), pmt::from_long(width));
        sent = pmt::dict_add(sent, pmt::intern("sample"), pmt::from_uint64(offset));
        message_port_pub(kSent, sent);
        return true;
    } catch (const std::exception& e) {
        ++d_dropped;
        d_logger->error("dropped PDU {}{}: {}",
                        index >= 0 ? "#" + std::to_string(index) : std::string("(no index)"),
                        name.empty() ? std::string() : " (" + name + ")",
                        e.what());
        return false;
    }
}

// Fills d_frame with the next frame: the next PDU that can be framed, else
// silence; false once the stream is to end.
bool mimo_framer_impl::next_frame(std::uint64_t offset)
{
    take_messages();
    while (!d_queue.empty()) {
        const pmt::pmt_t pdu = d_queue.front();
        d_queue.pop_front();
        if (frame_pdu(pdu, offset))
            return true;
    }
    // finished(): every block feeding "pdu" has said it is done, after its
    // last PDU (which take_messages() has seen).
    if (finished()) {
        if (d_tail_sent >= d_tail_frames)
            return false;
        if (++d_tail_sent == d_tail_frames)
            d_last_sample = offset + static_cast<std::uint64_t>(d_format.frame_samples()) - 1;
    }
    load(d_transmitter.next(rx::ComplexMatrix()));
    return true;
}

// Burst tags for output samples [first, first + count), for a UHD sink.
void mimo_framer_impl::tag_burst(std::uint64_t first, std::uint64_t count)
{
    if (!d_burst_tags || count == 0)
        return;
    if (first == 0) {
        add_item_tag(0, 0, pmt::intern("tx_sob"), pmt::PMT_T, alias_pmt());
        // No tx_time for start_time 0: UHD would find that time long past.
        if (d_start_time > 0) {
            const double whole = std::floor(d_start_time);
            add_item_tag(0,
                         0,
                         pmt::intern("tx_time"),
                         pmt::make_tuple(pmt::from_uint64(static_cast<std::uint64_t>(whole)),
                                         pmt::from_double(d_start_time - whole)),
                         alias_pmt());
        }
    }
    if (first <= d_last_sample && d_last_sample < first + count)
        add_item_tag(0, d_last_sample, pmt::intern("tx_eob"), pmt::PMT_T, alias_pmt());
}

int mimo_framer_impl::work(int noutput_items,
                           gr_vector_const_void_star&,
                           gr_vector_void_star& output_items)
{
    const std::uint64_t first = nitems_written(0);
    const std::size_t length = d_frame.front().size();
    std::size_t produced = 0;
    while (produced < static_cast<std::size_t>(noutput_items)) {
        if (d_position == length && !next_frame(first + produced))
            break;
        const std::size_t n = std::min(length - d_position, noutput_items - produced);
        for (std::size_t t = 0; t < d_frame.size(); ++t)
            std::copy_n(d_frame[t].begin() + d_position, n, static_cast<gr_complex*>(output_items[t]) + produced);
        d_position += n;
        produced += n;
    }
    tag_burst(first, produced);
    return produced == 0 ? WORK_DONE : static_cast<int>(produced);
}

} // namespace moema
} // namespace gr
