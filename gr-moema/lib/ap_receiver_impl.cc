#include "ap_receiver_impl.h"
#include "raw_pass_through.h"

#include <gnuradio/io_signature.h>

#include <cmath>
#include <fstream>
#include <stdexcept>

namespace gr {
namespace moema {

namespace {

namespace models = ::moema::models;

const pmt::pmt_t kTruth = pmt::intern("truth");
const pmt::pmt_t kDecisions = pmt::intern("decisions");
const pmt::pmt_t kErrors = pmt::intern("errors");
const pmt::pmt_t kFrames = pmt::intern("frames");
const pmt::pmt_t kRxTime = pmt::intern("rx_time");
const pmt::pmt_t kRxRate = pmt::intern("rx_rate");

models::ApReceiverConfig parse_config(const std::string& config_json)
{
    try {
        return models::ApReceiverConfig::from_json(nlohmann::json::parse(config_json));
    } catch (const nlohmann::json::exception& e) {
        throw std::invalid_argument("ap_receiver: config_json is not an ApReceiverConfig: " +
                                    std::string(e.what()));
    }
}

// The frame as sigmf_sink's "frames" input takes it: the library's annotation,
// timed in the samples before the matched filters.
nlohmann::json frame_json(models::FrameEvent f, double sample_delay, int slot_samples)
{
    f.timing -= sample_delay;
    const ::moema::rx::SigmfAnnotation a = models::frame_annotation(f, slot_samples);
    nlohmann::json message = a.extension;
    message["sample_start"] = a.sample_start;
    message["sample_count"] = a.sample_count;
    message["label"] = a.label;
    message["error"] = a.comment;
    return message;
}

} // namespace

ap_receiver::sptr ap_receiver::make(const std::string& config_json,
                                    const std::string& decisions_path,
                                    const std::string& summary_path,
                                    double sample_delay,
                                    bool pass_through)
{
    if (!std::isfinite(sample_delay) || sample_delay < 0)
        throw std::invalid_argument("ap_receiver: sample_delay must be >= 0 samples");
    return gnuradio::make_block_sptr<ap_receiver_impl>(
        parse_config(config_json), decisions_path, summary_path, sample_delay, pass_through);
}

int ap_receiver::antennas_of(const std::string& config_json)
{
    return parse_config(config_json).antennas;
}

ap_receiver_impl::ap_receiver_impl(const models::ApReceiverConfig& config,
                                   const std::string& decisions_path,
                                   const std::string& summary_path,
                                   double sample_delay,
                                   bool pass_through)
    : gr::sync_block("ap_receiver",
                     receiver_inputs(config.antennas, pass_through),
                     receiver_outputs(config.antennas, pass_through)),
      d_receiver(config),
      d_log(decisions_path),
      d_summary_path(summary_path),
      d_sample_delay(sample_delay),
      d_devices(config.deployment.devices),
      d_slot_samples(config.sync().format.slot_samples()),
      d_buffers(config.antennas),
      d_channels(config.antennas)
{
    message_port_register_in(kTruth);
    set_msg_handler(kTruth, [this](const pmt::pmt_t& msg) { handle_truth(msg); });
    message_port_register_out(kDecisions);
    message_port_register_out(kErrors);
    message_port_register_out(kFrames);
}

void ap_receiver_impl::handle_truth(const pmt::pmt_t& msg)
{
    try {
        const TruthEntry entry = parse_truth(msg);
        if (entry.device >= d_devices)
            throw std::invalid_argument("device " + std::to_string(entry.device) +
                                        " of a deployment of " + std::to_string(d_devices));
        d_truth.add(entry);
        const auto slot = static_cast<std::uint32_t>(entry.slot);
        if (const auto labels = d_truth.labels(entry.slot, d_devices)) {
            d_receiver.set_truth(slot, *labels);
            d_log.set_truth(slot, *labels);
        }
    } catch (const std::exception& e) {
        d_logger->warn("ignoring a \"truth\" message: {}", e.what());
    }
}

// A bad tag is reported and skipped: the stream goes on.
void ap_receiver_impl::read_time_tags(int n)
{
    std::vector<gr::tag_t> tags;
    get_tags_in_window(tags, 0, 0, static_cast<std::uint64_t>(n));
    bool stamped = false;
    for (const gr::tag_t& tag : tags) {
        try {
            if (pmt::eq(tag.key, kRxRate)) {
                d_clock.set_rate(pmt::to_double(tag.value));
            } else if (pmt::eq(tag.key, kRxTime)) {
                d_clock.stamp(tag.offset, rx_time_seconds(tag.value));
                stamped = true;
            }
        } catch (const std::exception& e) {
            d_logger->warn("ignoring the {} tag at sample {}: {}",
                           pmt::symbol_to_string(tag.key),
                           tag.offset,
                           e.what());
        }
    }
    if (stamped && !d_clock.known() && !d_time_without_rate_reported) {
        d_logger->warn("rx_time without an rx_rate tag: decisions carry no rx_time until a "
                       "rate arrives");
        d_time_without_rate_reported = true;
    }
}

void ap_receiver_impl::publish(std::vector<models::SlotDecision> decisions)
{
    models::stamp_receive_times(decisions, d_clock, d_sample_delay);
    for (const models::SlotDecision& decision : decisions) {
        d_log.add(decision);
        message_port_pub(kDecisions, json_to_pmt(decision.to_json()));
    }
}

void ap_receiver_impl::report_error(const std::string& error)
{
    d_logger->warn("{}", error);
    message_port_pub(kErrors, pmt::intern(error));
    d_errors.push_back(error);
}

void ap_receiver_impl::publish_frame(const models::FrameEvent& frame)
{
    message_port_pub(kFrames, json_to_pmt(frame_json(frame, d_sample_delay, d_slot_samples)));
}

// What the receiver reported besides decisions: dropped frames and every
// detected frame.
void ap_receiver_impl::collect_events()
{
    for (const std::string& error : d_receiver.take_errors())
        report_error(error);
    for (const models::FrameEvent& frame : d_receiver.take_frames())
        publish_frame(frame);
}

int ap_receiver_impl::work(int noutput_items,
                           gr_vector_const_void_star& input_items,
                           gr_vector_void_star& output_items)
{
    const std::size_t n = static_cast<std::size_t>(noutput_items);
    const std::size_t antennas = d_buffers.size();
    copy_raw_inputs(static_cast<int>(antennas), noutput_items, input_items, output_items);
    read_time_tags(noutput_items);
    for (std::size_t k = 0; k < antennas; ++k) {
        const gr_complex* in = static_cast<const gr_complex*>(input_items[k]);
        d_buffers[k].assign(in, in + n); // complex<float> -> complex<double>
        d_channels[k] = d_buffers[k].data();
    }
    // The library reports bad frames itself; anything it throws must not stop
    // the flowgraph either: it is reported and the stream goes on.
    try {
        publish(d_receiver.push(d_channels, n));
    } catch (const std::exception& e) {
        report_error("ap_receiver: " + std::to_string(n) + " samples at " +
                     std::to_string(nitems_read(0)) + " not processed: " + e.what());
    }
    collect_events();
    return noutput_items;
}

nlohmann::json ap_receiver_impl::summary() const
{
    return d_log.summary(d_receiver.counts(),
                         d_receiver.subspace_similarity(),
                         d_receiver.detected_overlap(),
                         d_errors);
}

void ap_receiver_impl::log_summary() const
{
    const ::moema::rx::FrameCounts& c = d_receiver.counts();
    const double accuracy = d_log.accuracy();
    const std::string score =
        std::isnan(accuracy) ? std::string("accuracy unknown (no ground truth)")
                             : fmt::format("accuracy {:.2f}% over {} device decisions",
                                           accuracy,
                                           d_log.scored());
    d_logger->info("{}; {} slots decided; frames detected {}, decoded {}, dropped {}",
                   score,
                   d_log.decisions().size(),
                   c.detected,
                   c.decoded,
                   c.dropped);
}

bool ap_receiver_impl::stop()
{
    if (d_finished)
        return true;
    d_finished = true;
    // Labels still queued when the stream ended (GNU Radio stops handling a
    // block's messages then): the summary should score every slot it can.
    for (pmt::pmt_t msg = delete_head_nowait(kTruth); msg; msg = delete_head_nowait(kTruth))
        handle_truth(msg);
    try {
        publish(d_receiver.finish()); // the learning slots still held
    } catch (const std::exception& e) {
        report_error(std::string("ap_receiver: deciding the held slots failed: ") + e.what());
    }
    collect_events();
    log_summary();
    if (!d_summary_path.empty()) {
        std::ofstream out(d_summary_path, std::ios::trunc);
        out << summary().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        out.close();
        if (!out)
            d_logger->error("cannot write the summary to {}", d_summary_path);
    }
    return true;
}

} // namespace moema
} // namespace gr
