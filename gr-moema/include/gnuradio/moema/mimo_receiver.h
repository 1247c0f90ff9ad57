// mimo_receiver: Nr raw receive channels in, one PDU per received frame out.
// A thin adapter over moema::jscc::RadioReceiver (matched filters and
// moema::rx::MimoFrameReceiver).
#ifndef INCLUDED_MOEMA_MIMO_RECEIVER_H
#define INCLUDED_MOEMA_MIMO_RECEIVER_H

#include <gnuradio/moema/api.h>
#include <gnuradio/sync_block.h>

#include <cstdint>
#include <string>

namespace gr {
namespace moema {

/*!
 * \brief Nr RAW (not matched-filtered) channels in, received frames out.
 * \ingroup moema
 *
 * Applies the format's root-raised-cosine matched filter to each input, then
 * detects frames (preamble), estimates timing and CFO, checks the header's
 * CRC, estimates H from the pilots and equalises (unbiased MMSE). Never
 * throws on received samples: what cannot be received is reported.
 *
 * Stream outputs: none, or with pass_through Nr more inputs (the raw samples
 * before whatever sits in front, e.g. a calibration_corrector) copied to Nr
 * outputs, for a sigmf_sink taking "frames": fed from them it cannot finish
 * before this block has published every frame it records.
 *
 * Message outputs:
 *  - "frame": per detected frame, usable or not, a PDU whose dict holds
 *    "ok", "error" (why not ok), "frame_id" (uint64, the header's counter
 *    unwrapped), "height", "width" (from the header), "header_coherent" and
 *    "header_assumed" (how the header was read, see MimoReceivedFrame), "snr_db", "cfo"
 *    (cycles/sample), "timing" (matched-filtered sample of the first preamble
 *    symbol), "stream_snr_db" (f64vector, the post-MMSE SINR per stream, the
 *    decoder's CSI) and, when a "truth" message named the frame, "name"; and
 *    whose c32vector holds the S equalised symbols in the codec's layout
 *    (empty when not ok). For jscc_decoder.
 *  - "frames": per detected frame a dict {"sample_start", "sample_count",
 *    "label", "frame", "ok", "error"} for sigmf_sink's "frames" input:
 *    sample_start is the frame's first sample in the raw input (the timing
 *    less both filters' delays and input_delay), sample_count one frame.
 *    input_delay: samples by which the input lags the raw samples being
 *    annotated (a calibration_corrector's latency() in front).
 * Message input "truth": mimo_framer's "sent" dicts ({"frame", "name", ...});
 * a frame whose id was announced gets the name in its PDU.
 *
 * Frame format: as mimo_framer's, plus frame_format (JSON, the library's
 * frame_format_to_json, e.g. a recording's moema:frame_format), which when
 * non-empty overrides the rest.
 *
 * A header that cannot be read even coherently: when a codec `model` is
 * given and its frame for height x width is this frame, the frame is still
 * delivered with that size and the next frame number ("header_assumed", and
 * "error" says so); otherwise it is reported not ok.
 */
class MOEMA_API mimo_receiver : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<mimo_receiver> sptr;

    static sptr make(int nr,
                     const std::string& model = "",
                     int height = 512,
                     int width = 768,
                     int nt = 0,
                     int payload_symbols = 0,
                     int pilot_length = 16,
                     int pilot_spacing = 512,
                     int samples_per_symbol = 4,
                     const std::string& frame_format = "",
                     double input_delay = 0.0,
                     bool pass_through = false);

    virtual int nr() const = 0;
    virtual int nt() const = 0;
    virtual int payload_symbols() const = 0;
    virtual int frame_samples() const = 0;
    //! As mimo_framer::frame_format().
    virtual std::string frame_format() const = 0;
    //! Frames found (preambles), decoded (header CRC passed and frame usable)
    //! and not usable.
    virtual int frames_detected() const = 0;
    virtual int frames_ok() const = 0;
    virtual int frames_failed() const = 0;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_MIMO_RECEIVER_H */
