#include "mimo_receiver_impl.h"

#include "jscc_link.h"
#include "raw_pass_through.h"

#include <gnuradio/io_signature.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace gr {
namespace moema {

namespace {

namespace rx = ::moema::rx;

const pmt::pmt_t kTruth = pmt::intern("truth");
const pmt::pmt_t kFrame = pmt::intern("frame");
const pmt::pmt_t kFrames = pmt::intern("frames");

// Names are kept for this many frames behind the newest announced one.
constexpr std::uint64_t kNameHistory = 4096;

} // namespace

mimo_receiver::sptr mimo_receiver::make(int nr,
                                        const std::string& model,
                                        int height,
                                        int width,
                                        int nt,
                                        int payload_symbols,
                                        int pilot_length,
                                        int pilot_spacing,
                                        int samples_per_symbol,
                                        const std::string& frame_format,
                                        double input_delay,
                                        bool pass_through)
{
    if (!(input_delay >= 0.0))
        throw std::invalid_argument("mimo_receiver: input_delay must be >= 0 samples, got " +
                                    std::to_string(input_delay));
    if (nr < 1)
        throw std::invalid_argument("mimo_receiver: nr must be >= 1, got " + std::to_string(nr));
    link_format params =
        codec_link_format(model, height, width, pilot_length, pilot_spacing, samples_per_symbol);
    params.nt = nt;
    params.payload_symbols = payload_symbols;
    params.frame_format_json = frame_format;
    const rx::MimoFrameFormat format = make_frame_format(params, "mimo_receiver");
    // The link's image size, assumed for a frame whose header cannot be read,
    // when it is known to fit the frame: the codec's frame for height x width
    // is this one. Otherwise (no codec, another size) such frames are dropped.
    rx::MimoHeader assumed;
    if (!model.empty()) {
        link_format by_model = params;
        by_model.frame_format_json.clear();
        by_model.payload_symbols = 0;
        by_model.nt = 0;
        const bool same = frame_format.empty() && payload_symbols <= 0;
        try {
            const rx::MimoFrameFormat expected = same ? format : make_frame_format(by_model, "mimo_receiver");
            if (expected.nt == format.nt && expected.payload_symbols == format.payload_symbols)
                assumed.height = height, assumed.width = width;
        } catch (const std::exception&) {
            // the codec does not fit the size: no size is assumed
        }
    }
    return gnuradio::make_block_sptr<mimo_receiver_impl>(
        format, nr, assumed, input_delay, pass_through);
}

mimo_receiver_impl::mimo_receiver_impl(const rx::MimoFrameFormat& format,
                                       int nr,
                                       const rx::MimoHeader& assumed,
                                       double input_delay,
                                       bool pass_through)
    : gr::sync_block("mimo_receiver",
                     receiver_inputs(nr, pass_through),
                     receiver_outputs(nr, pass_through)),
      d_format(format),
      d_nr(nr),
      // Each root-raised-cosine filter (span * sps + 1 taps) delays by half its
      // length; whatever sits in front of the receiver adds input_delay.
      d_input_delay(static_cast<double>(format.air.filter_span) * format.air.samples_per_symbol +
                    input_delay),
      d_receiver(format, nr, assumed.height, assumed.width),
      d_channels(static_cast<std::size_t>(nr))
{
    message_port_register_in(kTruth);
    set_msg_handler(kTruth, [this](const pmt::pmt_t& msg) { handle_truth(msg); });
    message_port_register_out(kFrame);
    message_port_register_out(kFrames);
}

std::string mimo_receiver_impl::frame_format() const { return frame_format_text(d_format); }

void mimo_receiver_impl::handle_truth(const pmt::pmt_t& msg)
{
    try {
        const long frame = dict_long(msg, "frame", -1);
        if (frame < 0)
            throw std::invalid_argument("no \"frame\" in " + pmt::write_string(msg).substr(0, 120));
        d_names[static_cast<std::uint64_t>(frame)] = dict_string(msg, "name", "");
        while (!d_names.empty() && d_names.begin()->first + kNameHistory < d_names.rbegin()->first)
            d_names.erase(d_names.begin());
    } catch (const std::exception& e) {
        d_logger->warn("ignoring a \"truth\" message: {}", e.what());
    }
}

void mimo_receiver_impl::report(const std::string& error)
{
    ++d_failed;
    d_logger->warn("{}", error);
}

void mimo_receiver_impl::publish(const rx::MimoReceivedFrame& frame)
{
    std::string name;
    if (frame.ok) {
        ++d_ok;
        const auto it = d_names.find(frame.frame_id);
        if (it != d_names.end())
            name = it->second;
    } else {
        report(frame.error);
    }
    message_port_pub(kFrame, frame_pdu(frame, name));

    pmt::pmt_t a = pmt::make_dict();
    const double start = std::max(0.0, std::round(frame.timing - d_input_delay));
    a = pmt::dict_add(a, pmt::intern("sample_start"), pmt::from_uint64(static_cast<std::uint64_t>(start)));
    a = pmt::dict_add(a, pmt::intern("sample_count"), pmt::from_uint64(static_cast<std::uint64_t>(d_format.frame_samples())));
    a = pmt::dict_add(a,
                      pmt::intern("label"),
                      pmt::intern(frame.ok ? (name.empty() ? "frame " + std::to_string(frame.frame_id) : name)
                                           : "bad frame"));
    if (frame.ok)
        a = pmt::dict_add(a, pmt::intern("frame"), pmt::from_uint64(frame.frame_id));
    a = pmt::dict_add(a, pmt::intern("ok"), pmt::from_bool(frame.ok));
    a = pmt::dict_add(a, pmt::intern("error"), pmt::intern(frame.error));
    message_port_pub(kFrames, a);
}

int mimo_receiver_impl::work(int noutput_items,
                             gr_vector_const_void_star& input_items,
                             gr_vector_void_star& output_items)
{
    copy_raw_inputs(d_nr, noutput_items, input_items, output_items);
    for (std::size_t k = 0; k < d_channels.size(); ++k)
        d_channels[k] = static_cast<const std::complex<float>*>(input_items[k]);
    // The library reports bad frames itself; anything it throws must not stop
    // the flowgraph either: it is reported and the stream goes on.
    try {
        for (const rx::MimoReceivedFrame& frame :
             d_receiver.push(d_channels, static_cast<std::size_t>(noutput_items)))
            publish(frame);
    } catch (const std::exception& e) {
        report("mimo_receiver: " + std::to_string(noutput_items) + " samples at " +
               std::to_string(nitems_read(0)) + " not processed: " + e.what());
    }
    return noutput_items;
}

bool mimo_receiver_impl::stop()
{
    const auto& c = d_receiver.counts();
    d_logger->info("frames detected {}, delivered {} (header read coherently {}, size assumed {}), "
                   "not usable {}",
                   c.detected,
                   d_ok,
                   c.header_coherent,
                   c.header_assumed,
                   d_failed);
    return true;
}

} // namespace moema
} // namespace gr
