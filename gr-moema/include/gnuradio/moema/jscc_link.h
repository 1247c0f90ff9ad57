// The image link's frame format for flowgraphs: what the JSCC blocks derive
// from a codec and an image size, available before any block is made (a GRC
// variable, the simulated channel's fading block length).
#ifndef INCLUDED_MOEMA_JSCC_LINK_H
#define INCLUDED_MOEMA_JSCC_LINK_H

#include <gnuradio/moema/api.h>

#include <string>

namespace gr {
namespace moema {

/*!
 * The MIMO frame of `model` (manifest or shipped name) for height x width
 * images, as JSON text: moema::jscc::frame_format_to_json (nt,
 * payload_symbols, pilot_length, pilot_spacing, samples_per_symbol, rolloff,
 * filter_span, ...) plus frame_symbols and frame_samples. Throws
 * std::invalid_argument naming the bad parameter.
 */
MOEMA_API std::string jscc_frame_format(const std::string& model,
                                        int height = 512,
                                        int width = 768,
                                        int pilot_length = 16,
                                        int pilot_spacing = 512,
                                        int samples_per_symbol = 4);

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_JSCC_LINK_H */
