// sigmf_sink: records K receive channels as a SigMF collection.
// A thin adapter over moema::rx::SigmfRecorder (sigmf.hpp).
#ifndef INCLUDED_MOEMA_SIGMF_SINK_H
#define INCLUDED_MOEMA_SIGMF_SINK_H

#include <gnuradio/moema/api.h>
#include <gnuradio/sync_block.h>

#include <cstdint>
#include <string>

namespace gr {
namespace moema {

/*!
 * \brief K complex streams in, a SigMF recording on disk.
 * \ingroup moema
 *
 * Writes <directory>/<name>-chKK.sigmf-data/-meta per channel and
 * <directory>/<name>.sigmf-collection (cf32_le). The metadata is written at
 * the end of the run (stop()).
 *
 * - "rx_time" tags on input 0 (tuple(uint64 seconds, double fraction), as a
 *   USRP source sends them at the start and after each overflow) start a
 *   capture segment at their sample.
 * - Message input "frames": dicts {"sample_start", "sample_count", "label",
 *   "slot", "ok", "error"} (ap_receiver's "frames") become annotations.
 * - Message input "truth": dicts {"slot", "device", "label"}, written at the
 *   end as the extension field "moema:truth" {"<slot>": [label per device]}.
 *
 * extension_json is a JSON object written as "moema:<key>" globals (e.g.
 * {"receiver": ApReceiverConfig::to_json()} so that a replay finds its
 * settings).
 */
class MOEMA_API sigmf_sink : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<sigmf_sink> sptr;

    static sptr make(const std::string& directory,
                     const std::string& name,
                     int channels,
                     double sample_rate,
                     double frequency,
                     const std::string& description = "",
                     const std::string& extension_json = "{}");

    //! The .sigmf-collection file this sink writes.
    virtual std::string collection_path() const = 0;
    virtual std::uint64_t samples_written() const = 0;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_SIGMF_SINK_H */
