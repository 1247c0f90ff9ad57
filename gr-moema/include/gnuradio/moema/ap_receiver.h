// ap_receiver: the MoEMA access point's receiver after the matched filters.
// A thin adapter over moema::models::ApReceiver and DecisionLog.
#ifndef INCLUDED_MOEMA_AP_RECEIVER_H
#define INCLUDED_MOEMA_AP_RECEIVER_H

#include <gnuradio/moema/api.h>
#include <gnuradio/sync_block.h>

#include <string>

namespace gr {
namespace moema {

/*!
 * \brief K matched-filtered channels in, one decision per slot out (messages).
 * \ingroup moema
 *
 * Detects frames, recovers the devices' subspaces blindly from the first
 * learning_slots decoded slots and classifies every slot's codewords with the
 * deployment's trained MoE (moema::models::ApReceiver).
 *
 * Stream outputs: none, or with pass_through K more inputs (the raw samples
 * the matched-filtered ones came from) copied to K outputs. A recorder
 * (sigmf_sink) downstream of them cannot finish before this block has
 * published the frames of every sample it records; one fed beside this block
 * can, and loses the last frames' annotations.
 *
 * Message outputs:
 *  - "decisions": one dict per decided slot (SlotDecision::to_json(): slot,
 *    frame, timing, cfo, snr_db, learning, classes, gate);
 *  - "errors": one symbol per dropped frame, naming the frame and the cause
 *    (also logged as a warning);
 *  - "frames": one dict per detected frame, as sigmf_sink's "frames" input
 *    takes it: sample_start (timing minus sample_delay, rounded), sample_count
 *    (one slot), label, slot, frame, ok, error.
 * Stream tags rx_time and rx_rate on input 0 (from a USRP source, or
 * sigmf_source on a timed recording) give every decision its "rx_time":
 * the receive time of its frame's first preamble sample, seconds since the
 * epoch. Without both, decisions carry none.
 * Message input "truth": dicts {"slot", "device", "label"}; once a slot's N
 * labels are known they are handed to the receiver (fine-tuning) and the
 * decision log (accuracy).
 *
 * A bad frame never stops the flowgraph: it is counted, logged and reported.
 * At the end (stop()) the slots still held are decided, the summary is
 * logged and, when summary_path is set, written there as JSON. Messages
 * published then reach only blocks still running (GNU Radio stops handling a
 * block's messages once its streams are done): the decision log, the summary
 * file and summary_json() hold every decision.
 */
class MOEMA_API ap_receiver : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<ap_receiver> sptr;

    /*!
     * \param config_json     ApReceiverConfig::to_json().dump()
     * \param decisions_path  JSON lines, one per decision (empty: none)
     * \param summary_path    the summary at the end, JSON (empty: none)
     * \param sample_delay    delay of the filters before this block, samples:
     *                        subtracted from frame timings on "frames" so that
     *                        they index the raw (recorded) samples
     * \param pass_through    2K inputs (K matched-filtered, then K raw) and the
     *                        raw ones copied to K outputs; false: K inputs,
     *                        no outputs
     */
    static sptr make(const std::string& config_json,
                     const std::string& decisions_path = "",
                     const std::string& summary_path = "",
                     double sample_delay = 0.0,
                     bool pass_through = false);

    //! K of a receiver config (its "antennas", or ApReceiverConfig's
    //! default); throws std::invalid_argument on a bad config.
    static int antennas_of(const std::string& config_json);

    //! K, the number of receive channels.
    virtual int antennas() const = 0;
    //! DecisionLog::summary() so far, as JSON text (complete after the run).
    virtual std::string summary_json() const = 0;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_AP_RECEIVER_H */
