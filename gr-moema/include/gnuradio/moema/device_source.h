// device_source: one MoEMA device's uplink slots at the symbol rate.
// A thin adapter over moema::models::SemanticTransmitter (deployment.hpp).
#ifndef INCLUDED_MOEMA_DEVICE_SOURCE_H
#define INCLUDED_MOEMA_DEVICE_SOURCE_H

#include <gnuradio/moema/api.h>
#include <gnuradio/sync_block.h>

#include <string>

namespace gr {
namespace moema {

/*!
 * \brief The slots of one device of a deployment, at the symbol rate.
 * \ingroup moema
 *
 * Output: idle_before silent slots, then one slot per test sample of the
 * device (preamble, payload, aux message), then idle_after silent slots, then
 * the end of the stream. Pulse shaping is left to GNU Radio's
 * interp_fir_filter_ccf (see device_tx).
 *
 * Stream tags on the first symbol of each data slot: "slot" (uint64, the
 * data slot index, which is also the slot counter the device transmits) and
 * "label" (long, the sample's class). With burst_tags: "tx_sob" on the first
 * output sample, "tx_eob" on the last and, when start_time > 0, "tx_time"
 * (tuple(uint64 seconds, double fraction)) on the first, for a UHD sink's timed
 * burst.
 *
 * Message output "truth": one dict {"slot": uint64, "device": long,
 * "label": long} per data slot, published when the slot is produced.
 */
class MOEMA_API device_source : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<device_source> sptr;

    /*!
     * \param config_json  DeploymentConfig::to_json().dump()
     * \param device       this device, 0..N-1
     * \param idle_before  silent slots before the first data slot (>= 0)
     * \param idle_after   silent slots after the last (>= 0)
     * \param burst_tags   add tx_sob / tx_eob (and tx_time) tags
     * \param start_time   tx_time of the first sample, seconds (0: no tx_time)
     */
    static sptr make(const std::string& config_json,
                     int device,
                     int idle_before = 1,
                     int idle_after = 2,
                     bool burst_tags = false,
                     double start_time = 0.0);

    virtual int device() const = 0;
    //! Data slots (the deployment's slots).
    virtual int slots() const = 0;
    //! Symbols per slot, silent slots included.
    virtual int slot_symbols() const = 0;
    //! Output symbols in all: (idle_before + slots + idle_after) * slot_symbols.
    virtual std::uint64_t total_symbols() const = 0;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_DEVICE_SOURCE_H */
