// sigmf_source: replays a SigMF recording of K receive channels.
// A thin adapter over moema::rx::SigmfReader (sigmf.hpp).
#ifndef INCLUDED_MOEMA_SIGMF_SOURCE_H
#define INCLUDED_MOEMA_SIGMF_SOURCE_H

#include <gnuradio/moema/api.h>
#include <gnuradio/sync_block.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace moema {

/*!
 * \brief A SigMF recording in, its K channels out.
 * \ingroup moema
 *
 * path: a .sigmf-collection file or a directory holding exactly one. The
 * number of outputs is the recording's channel count. Outputs all channels up
 * to the shortest one, then ends (or starts over with repeat).
 *
 * The reader repairs what it can (a channel's broken meta, ragged data
 * files) and each repair is logged as a warning; what it cannot repair (no
 * collection, a missing data file) makes make() throw, naming the file
 * (RuntimeError in Python).
 *
 * Capture segments with a receive time (moema:rx_time or core:datetime) are
 * tagged on their first sample of every channel with rx_time
 * (tuple(uint64 seconds, double fraction)) and rx_rate, as a USRP source
 * tags its stream, so a replay downstream sees the times of the capture.
 *
 * Message output "truth": at start, the recording's ground truth
 * ("moema:truth") as dicts {"slot", "device", "label"}, one per slot and
 * device, for ap_receiver's "truth" input.
 */
class MOEMA_API sigmf_source : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<sigmf_source> sptr;

    static sptr make(const std::string& path, bool repeat = false);

    virtual int channels() const = 0;
    virtual double sample_rate() const = 0;
    virtual double frequency() const = 0;
    //! Samples per channel in one pass.
    virtual std::uint64_t samples() const = 0;
    //! The recording's "moema:*" fields without the prefix, as JSON text
    //! ("receiver" holds the ApReceiverConfig of a moema recording).
    virtual std::string extension_json() const = 0;
    //! The reader's repairs, one line each.
    virtual std::vector<std::string> warnings() const = 0;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_SIGMF_SOURCE_H */
