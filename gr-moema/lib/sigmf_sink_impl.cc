#include "sigmf_sink_impl.h"

#include <gnuradio/io_signature.h>

#include <stdexcept>

namespace gr {
namespace moema {

namespace {

const pmt::pmt_t kRxTime = pmt::intern("rx_time");
const pmt::pmt_t kTruth = pmt::intern("truth");
const pmt::pmt_t kFrames = pmt::intern("frames");

::moema::rx::RecordingInfo make_info(int channels,
                                     double sample_rate,
                                     double frequency,
                                     const std::string& description,
                                     const std::string& extension_json)
{
    ::moema::rx::RecordingInfo info;
    info.channels = channels;
    info.sample_rate = sample_rate;
    info.frequency = frequency;
    info.description = description;
    try {
        info.extension = nlohmann::json::parse(extension_json);
    } catch (const nlohmann::json::exception& e) {
        throw std::invalid_argument("sigmf_sink: extension_json is not valid JSON: " +
                                    std::string(e.what()));
    }
    if (!info.extension.is_object())
        throw std::invalid_argument("sigmf_sink: extension_json must be a JSON object, got " +
                                    extension_json);
    return info;
}

} // namespace

sigmf_sink::sptr sigmf_sink::make(const std::string& directory,
                                  const std::string& name,
                                  int channels,
                                  double sample_rate,
                                  double frequency,
                                  const std::string& description,
                                  const std::string& extension_json)
{
    if (channels < 1)
        throw std::invalid_argument("sigmf_sink: channels must be >= 1, got " +
                                    std::to_string(channels));
    return gnuradio::make_block_sptr<sigmf_sink_impl>(
        directory, name, make_info(channels, sample_rate, frequency, description, extension_json));
}

sigmf_sink_impl::sigmf_sink_impl(const std::string& directory,
                                 const std::string& name,
                                 const ::moema::rx::RecordingInfo& info)
    : gr::sync_block("sigmf_sink",
                     gr::io_signature::make(info.channels, info.channels, sizeof(gr_complex)),
                     gr::io_signature::make(0, 0, 0)),
      d_recorder(directory, name, info),
      d_channels(info.channels)
{
    message_port_register_in(kTruth);
    set_msg_handler(kTruth, [this](const pmt::pmt_t& msg) { handle_truth(msg); });
    message_port_register_in(kFrames);
    set_msg_handler(kFrames, [this](const pmt::pmt_t& msg) { handle_frame(msg); });
}

void sigmf_sink_impl::handle_truth(const pmt::pmt_t& msg)
{
    try {
        d_truth.add(parse_truth(msg));
    } catch (const std::exception& e) {
        d_logger->warn("ignoring a \"truth\" message: {}", e.what());
    }
}

void sigmf_sink_impl::handle_frame(const pmt::pmt_t& msg)
{
    try {
        d_recorder.annotate(parse_frame(msg));
    } catch (const std::exception& e) {
        d_logger->warn("ignoring a \"frames\" message: {}", e.what());
    }
}

void sigmf_sink_impl::add_captures(int noutput_items)
{
    std::vector<gr::tag_t> tags;
    get_tags_in_window(tags, 0, 0, noutput_items, kRxTime);
    for (const gr::tag_t& tag : tags) {
        try {
            d_recorder.add_capture(tag.offset, rx_time_seconds(tag.value));
        } catch (const std::exception& e) {
            d_logger->warn("ignoring the rx_time tag at sample {}: {}", tag.offset, e.what());
        }
    }
}

int sigmf_sink_impl::work(int noutput_items,
                          gr_vector_const_void_star& input_items,
                          gr_vector_void_star&)
{
    if (d_failed)
        return noutput_items; // keep draining: the rest of the flowgraph runs on
    add_captures(noutput_items);
    for (std::size_t k = 0; k < d_channels.size(); ++k)
        d_channels[k] = static_cast<const gr_complex*>(input_items[k]);
    try {
        d_recorder.write(d_channels, static_cast<std::size_t>(noutput_items));
    } catch (const std::exception& e) {
        d_logger->error("recording stopped after {} samples: {}",
                        d_recorder.samples_written(),
                        e.what());
        d_failed = true;
    }
    return noutput_items;
}

void sigmf_sink_impl::write_truth()
{
    std::size_t incomplete = 0;
    const nlohmann::json truth = d_truth.to_json(&incomplete);
    if (incomplete > 0)
        d_logger->warn("{} slots with labels missing for some device are not in the truth",
                       incomplete);
    d_recorder.set_extension("truth", truth);
}

// Messages still queued when the stream ended: GNU Radio stops handling a
// block's messages once its stream inputs are done, but frames and truth
// published just before belong in the recording.
void sigmf_sink_impl::drain_messages()
{
    for (pmt::pmt_t msg = delete_head_nowait(kTruth); msg; msg = delete_head_nowait(kTruth))
        handle_truth(msg);
    for (pmt::pmt_t msg = delete_head_nowait(kFrames); msg; msg = delete_head_nowait(kFrames))
        handle_frame(msg);
}

bool sigmf_sink_impl::stop()
{
    drain_messages();
    try {
        if (!d_truth.empty())
            write_truth();
        d_recorder.close();
        d_logger->info("recorded {} samples per channel to {}",
                       d_recorder.samples_written(),
                       d_recorder.collection_path());
    } catch (const std::exception& e) {
        d_logger->error("closing the recording failed: {}", e.what());
    }
    return true;
}

} // namespace moema
} // namespace gr
