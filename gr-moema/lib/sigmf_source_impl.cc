#include "sigmf_source_impl.h"

#include "messages.h"

#include <gnuradio/io_signature.h>

#include <string>

namespace gr {
namespace moema {

namespace {

const pmt::pmt_t kTruth = pmt::intern("truth");
const pmt::pmt_t kRxTime = pmt::intern("rx_time");
const pmt::pmt_t kRxRate = pmt::intern("rx_rate");

// Opened before the block exists: its channel count fixes the outputs.
// SigmfError (naming the file) propagates: RuntimeError in Python.
std::unique_ptr<::moema::rx::SigmfReader> open_reader(const std::string& path)
{
    return std::make_unique<::moema::rx::SigmfReader>(path);
}

} // namespace

sigmf_source::sptr sigmf_source::make(const std::string& path, bool repeat)
{
    return gnuradio::make_block_sptr<sigmf_source_impl>(path, repeat, open_reader(path));
}

sigmf_source_impl::sigmf_source_impl(const std::string& path,
                                     bool repeat,
                                     std::unique_ptr<::moema::rx::SigmfReader> reader)
    : gr::sync_block("sigmf_source",
                     gr::io_signature::make(0, 0, 0),
                     gr::io_signature::make(
                         reader->channels(), reader->channels(), sizeof(gr_complex))),
      d_path(path),
      d_repeat(repeat),
      d_reader(std::move(reader)),
      d_channels(d_reader->channels())
{
    // The reader's repairs (a broken meta, ragged data files) do not stop the
    // replay, but the user must hear of them.
    for (const std::string& warning : d_reader->warnings())
        d_logger->warn("{}", warning);
    message_port_register_out(kTruth);
}

// The recording's "moema:truth" {"<slot>": [label per device]} as one message
// per slot and device.
void sigmf_source_impl::publish_truth()
{
    const nlohmann::json& extension = d_reader->extension();
    if (!extension.contains("truth"))
        return;
    try {
        for (const auto& [slot, labels] : extension.at("truth").items())
            for (std::size_t n = 0; n < labels.size(); ++n)
                message_port_pub(kTruth,
                                 truth_message({ std::stoull(slot),
                                                 static_cast<int>(n),
                                                 labels.at(n).get<int>() }));
    } catch (const std::exception& e) {
        d_logger->warn("{}: unusable moema:truth, not published: {}", d_path, e.what());
    }
}

bool sigmf_source_impl::start()
{
    publish_truth();
    return true;
}

// Starts the recording over; false when that is impossible or pointless.
bool sigmf_source_impl::rewind()
{
    if (!d_repeat || d_reader->samples() == 0)
        return false;
    try {
        d_reader = open_reader(d_path);
    } catch (const std::exception& e) {
        d_logger->error("cannot reopen the recording to repeat it: {}", e.what());
        return false;
    }
    return static_cast<int>(d_channels.size()) == d_reader->channels();
}

// rx_time and rx_rate on the first sample of every timed capture segment
// among the next n, on every channel, as a USRP source tags its stream.
void sigmf_source_impl::tag_captures(std::size_t n)
{
    const std::uint64_t first = nitems_written(0) - d_pass_start; // in the file
    for (const ::moema::rx::SigmfCapture& c : d_reader->captures()) {
        if (!c.rx_time || c.sample_start < first || c.sample_start >= first + n)
            continue;
        for (std::size_t k = 0; k < d_channels.size(); ++k) {
            const std::uint64_t offset = d_pass_start + c.sample_start;
            add_item_tag(static_cast<int>(k), offset, kRxTime, rx_time_value(*c.rx_time));
            add_item_tag(static_cast<int>(k), offset, kRxRate, pmt::from_double(d_reader->sample_rate()));
        }
    }
}

int sigmf_source_impl::work(int noutput_items,
                            gr_vector_const_void_star&,
                            gr_vector_void_star& output_items)
{
    for (std::size_t k = 0; k < d_channels.size(); ++k)
        d_channels[k] = static_cast<gr_complex*>(output_items[k]);
    try {
        std::size_t n = d_reader->read(d_channels, static_cast<std::size_t>(noutput_items));
        if (n == 0 && rewind()) {
            d_pass_start = nitems_written(0);
            n = d_reader->read(d_channels, static_cast<std::size_t>(noutput_items));
        }
        tag_captures(n);
        return n == 0 ? WORK_DONE : static_cast<int>(n);
    } catch (const std::exception& e) {
        // A read error mid-file ends the replay; what was read stays delivered.
        d_logger->error("{}", e.what());
        return WORK_DONE;
    }
}

} // namespace moema
} // namespace gr
