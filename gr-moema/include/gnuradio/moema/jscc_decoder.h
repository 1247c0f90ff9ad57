// jscc_decoder: received frames in, images (PNG) and scores out.
// A thin adapter over moema::jscc::decode_frame (radio_link.hpp),
// image_io and image_metrics.
#ifndef INCLUDED_MOEMA_JSCC_DECODER_H
#define INCLUDED_MOEMA_JSCC_DECODER_H

#include <gnuradio/block.h>
#include <gnuradio/moema/api.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace moema {

/*!
 * \brief mimo_receiver's frame PDUs in, reconstructed images and results out.
 * \ingroup moema
 *
 * Message-only block. Each usable frame on message input "frame" is decoded
 * by the codec `model` with the frame's per-stream SINR as CSI, quantised to
 * 8 bits and, when output_dir is set, written there as
 * frameNNNNNN[_<name stem>].png. The frame's image name comes from the PDU
 * ("name", set by mimo_receiver from the transmitter's "sent" messages), else
 * from `names`: frame i carried names[i mod len(names)] (a recording's
 * moema:images, or the image list a transmitter sends over and over); when
 * reference_dir holds a file of that name and of the decoded size, the PSNR
 * against it is computed.
 *
 * Message output "result": per frame a dict {"frame_id", "name", "ok",
 * "error", "header_assumed", "height", "width", "snr_db", "stream_snr_db",
 * "psnr" (NaN without a reference), "png"}; header_assumed: the header was
 * unreadable and the receiver assumed the link's size (`error` says so). A frame that is not ok or cannot be decoded
 * is logged, counted and reported with ok = false; the block goes on.
 *
 * At the end (stop()) the frames still queued are decoded (GNU Radio stops
 * delivering messages once the receiver's stream is done), a one-line summary
 * is logged and, with output_dir, summary.json written there: {"model",
 * "frames", "decoded", "failed", "mean_psnr", "errors", "results"}.
 * summary_json() returns it. results.jsonl in output_dir gets one line per
 * frame as it is decoded.
 */
class MOEMA_API jscc_decoder : virtual public gr::block
{
public:
    typedef std::shared_ptr<jscc_decoder> sptr;

    /*!
     * \param model          codec manifest (NAME.json) or shipped codec name
     * \param output_dir     folder for the PNGs, results.jsonl, summary.json ("" = none)
     * \param reference_dir  folder of the original images ("" = no PSNR)
     * \param names          frame i carried names[i mod len(names)], for
     *                       frames the transmitter did not name
     */
    static sptr make(const std::string& model,
                     const std::string& output_dir = "",
                     const std::string& reference_dir = "",
                     const std::vector<std::string>& names = {});

    virtual std::uint64_t frames_decoded() const = 0;
    virtual std::uint64_t frames_failed() const = 0;
    //! The summary so far as JSON text (complete once the flowgraph stopped).
    virtual std::string summary_json() const = 0;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_JSCC_DECODER_H */
