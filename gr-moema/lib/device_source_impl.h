// device_source_impl: emits moema::models::SemanticTransmitter's slots
// (complex<double> -> gr_complex), framed by silent slots, with tags and
// truth messages. No signal processing here.
#ifndef INCLUDED_MOEMA_DEVICE_SOURCE_IMPL_H
#define INCLUDED_MOEMA_DEVICE_SOURCE_IMPL_H

#include <gnuradio/moema/device_source.h>

#include "moema/system/deployment.hpp"

#include <vector>

namespace gr {
namespace moema {

struct device_source_settings {
    int device = 0;
    int idle_before = 1;
    int idle_after = 2;
    bool burst_tags = false;
    double start_time = 0.0;
};

class device_source_impl : public device_source
{
public:
    device_source_impl(const ::moema::models::DeploymentConfig& config,
                       const device_source_settings& settings);

    int device() const override { return d_settings.device; }
    int slots() const override { return d_tx.slots(); }
    int slot_symbols() const override { return d_format.slot_symbols(); }
    std::uint64_t total_symbols() const override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    int total_slots() const;
    bool load_next_slot(std::uint64_t offset);
    void load_data_slot(std::uint64_t offset);
    void tag_burst(std::uint64_t first, std::uint64_t count);
    void tag(std::uint64_t offset, const char* key, const pmt::pmt_t& value);

    const device_source_settings d_settings;
    const ::moema::rx::SlotFormat d_format;
    ::moema::models::SemanticTransmitter d_tx;
    std::vector<gr_complex> d_slot; // the slot being emitted
    std::size_t d_position;         // next symbol of d_slot to emit
    int d_slot_index = -1;          // slot in d_slot, silent ones included
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_DEVICE_SOURCE_IMPL_H */
