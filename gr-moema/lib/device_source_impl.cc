#include "device_source_impl.h"

#include "messages.h"
#include "moema/models/aux_signal.hpp"

#include <gnuradio/io_signature.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace gr {
namespace moema {

namespace {

namespace models = ::moema::models;
namespace rx = ::moema::rx;

const pmt::pmt_t kTruth = pmt::intern("truth");

models::DeploymentConfig parse_config(const std::string& config_json)
{
    try {
        return models::DeploymentConfig::from_json(nlohmann::json::parse(config_json));
    } catch (const nlohmann::json::exception& e) {
        throw std::invalid_argument("device_source: config_json is not a DeploymentConfig: " +
                                    std::string(e.what()));
    }
}

// The slot format the AP expects of this deployment (the same completion as
// ApReceiverConfig::sync(); the pulse is shaped outside the block).
rx::SlotFormat slot_format(const models::DeploymentConfig& config)
{
    rx::SlotFormat format;
    format.devices = config.devices;
    format.codeword_length = config.codeword_length;
    format.aux_values = models::kAuxDim;
    format.validate();
    return format;
}

models::SemanticTransmitter make_transmitter(const models::DeploymentConfig& config,
                                             const rx::SlotFormat& format,
                                             int device)
{
    std::vector<models::DeviceStream> streams = models::deployment_streams(config);
    const int feature_dim = static_cast<int>(streams.at(device).features.cols());
    return models::SemanticTransmitter(format,
                                       device,
                                       rx::PrecoderSet(config.precoders(feature_dim)),
                                       std::move(streams.at(device)));
}

} // namespace

device_source::sptr device_source::make(const std::string& config_json,
                                        int device,
                                        int idle_before,
                                        int idle_after,
                                        bool burst_tags,
                                        double start_time)
{
    const models::DeploymentConfig config = parse_config(config_json);
    if (device < 0 || device >= config.devices)
        throw std::invalid_argument("device_source: device must be in 0.." +
                                    std::to_string(config.devices - 1) + " (N = " +
                                    std::to_string(config.devices) + "), got " +
                                    std::to_string(device));
    if (idle_before < 0 || idle_after < 0)
        throw std::invalid_argument("device_source: idle_before and idle_after must be >= 0, got " +
                                    std::to_string(idle_before) + " and " +
                                    std::to_string(idle_after));
    if (!std::isfinite(start_time) || start_time < 0)
        throw std::invalid_argument("device_source: start_time must be >= 0 seconds");
    return gnuradio::make_block_sptr<device_source_impl>(
        config, device_source_settings{ device, idle_before, idle_after, burst_tags, start_time });
}

device_source_impl::device_source_impl(const models::DeploymentConfig& config,
                                       const device_source_settings& settings)
    : gr::sync_block("device_source",
                     gr::io_signature::make(0, 0, 0),
                     gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_settings(settings),
      d_format(slot_format(config)),
      d_tx(make_transmitter(config, d_format, settings.device)),
      d_slot(static_cast<std::size_t>(d_format.slot_symbols())),
      d_position(d_slot.size())
{
    message_port_register_out(kTruth);
}

int device_source_impl::total_slots() const
{
    return d_settings.idle_before + d_tx.slots() + d_settings.idle_after;
}

std::uint64_t device_source_impl::total_symbols() const
{
    return static_cast<std::uint64_t>(total_slots()) * d_slot.size();
}

void device_source_impl::tag(std::uint64_t offset, const char* key, const pmt::pmt_t& value)
{
    add_item_tag(0, offset, pmt::intern(key), value, alias_pmt());
}

// Fills d_slot with the next slot, whose first symbol goes out at `offset`;
// false after the last one.
bool device_source_impl::load_next_slot(std::uint64_t offset)
{
    if (d_slot_index + 1 >= total_slots())
        return false;
    ++d_slot_index;
    d_position = 0;
    const int data_slot = d_slot_index - d_settings.idle_before;
    if (data_slot >= 0 && data_slot < d_tx.slots())
        load_data_slot(offset);
    else
        std::fill(d_slot.begin(), d_slot.end(), gr_complex(0, 0));
    return true;
}

void device_source_impl::load_data_slot(std::uint64_t offset)
{
    const int slot = d_tx.slots_sent();
    const int label = d_tx.label(slot);
    const rx::ComplexVector symbols = d_tx.next();
    for (std::size_t i = 0; i < d_slot.size(); ++i)
        d_slot[i] = gr_complex(static_cast<float>(symbols[i].real()),
                               static_cast<float>(symbols[i].imag()));
    tag(offset, "slot", pmt::from_uint64(static_cast<std::uint64_t>(slot)));
    tag(offset, "label", pmt::from_long(label));
    message_port_pub(
        kTruth, truth_message({ static_cast<std::uint64_t>(slot), d_settings.device, label }));
}

// Burst tags for output samples [first, first + count), for a UHD sink.
void device_source_impl::tag_burst(std::uint64_t first, std::uint64_t count)
{
    if (!d_settings.burst_tags || count == 0)
        return;
    if (first == 0) {
        tag(0, "tx_sob", pmt::PMT_T);
        // No tx_time for start_time 0: UHD would find that time long past.
        if (d_settings.start_time > 0) {
            const double whole = std::floor(d_settings.start_time);
            tag(0,
                "tx_time",
                pmt::make_tuple(pmt::from_uint64(static_cast<std::uint64_t>(whole)),
                                pmt::from_double(d_settings.start_time - whole)));
        }
    }
    const std::uint64_t last = total_symbols() - 1;
    if (first <= last && last < first + count)
        tag(last, "tx_eob", pmt::PMT_T);
}

int device_source_impl::work(int noutput_items,
                             gr_vector_const_void_star&,
                             gr_vector_void_star& output_items)
{
    gr_complex* out = static_cast<gr_complex*>(output_items[0]);
    const std::uint64_t first = nitems_written(0);
    std::size_t produced = 0;
    // Slots and the output buffer need not line up: d_position remembers
    // where the current slot stopped.
    while (produced < static_cast<std::size_t>(noutput_items)) {
        if (d_position == d_slot.size() && !load_next_slot(first + produced))
            break;
        const std::size_t n =
            std::min(d_slot.size() - d_position, noutput_items - produced);
        std::copy_n(d_slot.begin() + d_position, n, out + produced);
        d_position += n;
        produced += n;
    }
    tag_burst(first, produced);
    return produced == 0 ? WORK_DONE : static_cast<int>(produced);
}

} // namespace moema
} // namespace gr
