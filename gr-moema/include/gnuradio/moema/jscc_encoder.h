// jscc_encoder: images in (files), the codec's channel symbols out as PDUs.
// A thin adapter over moema::jscc::encode_image (radio_link.hpp).
#ifndef INCLUDED_MOEMA_JSCC_ENCODER_H
#define INCLUDED_MOEMA_JSCC_ENCODER_H

#include <gnuradio/block.h>
#include <gnuradio/moema/api.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace moema {

/*!
 * \brief Image files in, one PDU of JSCC symbols per image out.
 * \ingroup moema
 *
 * Message-only block. At start, every image of `images` (files, or folders
 * whose PNG/JPEG files are taken in name order) is loaded, encoded once by
 * the trained codec `model` at the nominal SNR (the transmitter's only CSI)
 * and published `repeat` times in list order (image 1, 2, ..., 1, 2, ...).
 * A PMT symbol (a path) on message input "image" is encoded and published
 * once (only with `listen`).
 *
 * Message output "pdu": (dict . c32vector): the dict holds "height",
 * "width" (the image's own size), "name" (its file name) and "index" (this
 * block's PDU counter, uint64); the vector the S = 3 H W R symbols, unit mean
 * power, for mimo_framer.
 *
 * The frame is fixed by height x width (and the codec's R): an image that
 * gives another symbol count (a portrait Kodak image gives the same count as
 * a landscape one), an unreadable file or a bad message is logged as an error
 * naming the file, counted (errors()) and skipped; nothing is published for it.
 *
 * Without `listen` the block finishes once the start images are published:
 * a mimo_framer fed only by it then ends its stream after the last frame, so
 * a flowgraph runs to completion. With `listen` it runs until the flowgraph
 * is stopped, waiting for paths on "image".
 */
class MOEMA_API jscc_encoder : virtual public gr::block
{
public:
    typedef std::shared_ptr<jscc_encoder> sptr;

    /*!
     * \param model           codec manifest (NAME.json) or shipped codec name
     * \param images          image files or folders, published at start
     * \param nominal_snr_db  the SNR the encoder is told, dB
     * \param height, width   the link's image size in pixels (sets S)
     * \param repeat          times the list is published at start (>= 0)
     * \param listen          keep running for paths on "image"
     */
    static sptr make(const std::string& model,
                     const std::vector<std::string>& images = {},
                     double nominal_snr_db = 10.0,
                     int height = 512,
                     int width = 768,
                     int repeat = 1,
                     bool listen = false);

    //! S, the symbols per image (per PDU).
    virtual int payload_symbols() const = 0;
    //! The codec's transmit streams (Nt).
    virtual int nt() const = 0;
    //! PDUs published so far.
    virtual std::uint64_t published() const = 0;
    //! Images that could not be encoded (each logged).
    virtual std::uint64_t errors() const = 0;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_JSCC_ENCODER_H */
