// mimo_framer: JSCC symbol PDUs in, Nt antenna sample streams out.
// A thin adapter over moema::rx::MimoFramer and MimoTransmitter (mimo_frame.hpp).
#ifndef INCLUDED_MOEMA_MIMO_FRAMER_H
#define INCLUDED_MOEMA_MIMO_FRAMER_H

#include <gnuradio/moema/api.h>
#include <gnuradio/sync_block.h>

#include <cstdint>
#include <string>

namespace gr {
namespace moema {

/*!
 * \brief PDUs of S symbols in, one MIMO frame each on Nt outputs (sample rate).
 * \ingroup moema
 *
 * Each PDU on message input "pdu" (jscc_encoder's: dict with "height",
 * "width", optional "name" and "index" . c32vector of S symbols) becomes one
 * frame (preamble and header on antenna 0, orthogonal pilots, the symbols
 * spread over the antennas), pulse-shaped with the format's root-raised
 * cosine, frame_samples() samples per output. Frames go out back to back in
 * arrival order; while no PDU is queued the outputs carry silent frames
 * (zeros, plus the last frame's pulse tail), so downstream streams keep
 * flowing and a USRP sink never underflows while the encoder works.
 *
 * With burst_tags the whole transmission is one burst for a UHD sink, as
 * device_source's: "tx_sob" on output 0's first sample, with "tx_time"
 * (start_time, seconds on the USRP's clock, e.g. set on PPS) when
 * start_time > 0, and "tx_eob" on the last sample of the last tail frame.
 *
 * Output 0 gets a "frame_start" tag (uint64 frame counter, the header's) on
 * the first sample of each frame. Message output "sent": per frame, a dict
 * {"frame", "name", "index", "height", "width", "sample"} (sample = the tag's
 * offset), for mimo_receiver's "truth" input (the header carries no name).
 *
 * A PDU of the wrong symbol count, with non-finite symbols, without an image
 * size or otherwise malformed is logged as an error naming it, counted
 * (dropped()) and dropped; the stream goes on.
 *
 * End of stream: once every block feeding "pdu" has finished (a jscc_encoder
 * without listen) and the queue is empty, tail_frames silent frames follow
 * the last frame (the receiver needs the tail to finish it) and the stream
 * ends. With a source that never finishes it never ends.
 *
 * Frame format, in this order of precedence: nt streams of payload_symbols
 * symbols when payload_symbols > 0; otherwise the codec `model` (a manifest
 * or a shipped name; its Nt must equal nt) and the image size height x width.
 * pilot_length, pilot_spacing and samples_per_symbol as in
 * moema::rx::MimoFrameFormat; rolloff, span, preamble and guards are
 * rx::SlotFormat's defaults.
 */
class MOEMA_API mimo_framer : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<mimo_framer> sptr;

    static sptr make(int nt,
                     const std::string& model = "",
                     int height = 512,
                     int width = 768,
                     int payload_symbols = 0,
                     int pilot_length = 16,
                     int pilot_spacing = 512,
                     int samples_per_symbol = 4,
                     int tail_frames = 1,
                     bool burst_tags = false,
                     double start_time = 0.0);

    virtual int nt() const = 0;
    virtual int payload_symbols() const = 0;
    virtual int frame_samples() const = 0;
    //! The format as JSON (the library's frame_format_to_json, plus
    //! frame_symbols and frame_samples), e.g. for a recording's metadata.
    virtual std::string frame_format() const = 0;
    //! Frames sent (the header's frame counter of the next one).
    virtual std::uint64_t frames_sent() const = 0;
    //! PDUs dropped (each logged).
    virtual std::uint64_t dropped() const = 0;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_MIMO_FRAMER_H */
