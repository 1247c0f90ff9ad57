// The image link's plumbing shared by the JSCC blocks: which codec a block
// parameter names, which MIMO frame format the parameters describe, and the
// PDU <-> library conversions. No signal processing and no LibTorch in this
// header (the framer includes it without Torch's headers).
#ifndef INCLUDED_MOEMA_JSCC_LINK_IMPL_H
#define INCLUDED_MOEMA_JSCC_LINK_IMPL_H

#include "moema/air/mimo_frame.hpp"
#include "moema/rx/mimo_receiver.hpp"

#include <gnuradio/gr_complex.h>
#include <pmt/pmt.h>

#include <string>
#include <vector>

namespace gr {
namespace moema {

// How a block's parameters fix the frame, in this order of precedence:
//  1. frame_format_json: the library's frame_format_to_json() (a recording's
//     moema:frame_format), taken as it is;
//  2. payload_symbols > 0: nt streams of payload_symbols symbols, with the
//     pilots and samples per symbol below (no codec needed);
//  3. otherwise the codec `model` and the image size: radio_frame_format().
// nt > 0 is checked against what 1 and 3 give.
struct link_format {
    int nt = 0;
    int payload_symbols = 0;
    std::string model;
    int height = 512;
    int width = 768;
    int pilot_length = 16;
    int pilot_spacing = 512;
    int samples_per_symbol = 4;
    std::string frame_format_json;
};

// The codec-described part every block parameter list shares (nt,
// payload_symbols and frame_format_json left unset).
link_format codec_link_format(const std::string& model,
                              int height,
                              int width,
                              int pilot_length,
                              int pilot_spacing,
                              int samples_per_symbol);

// Throws std::invalid_argument (ValueError in Python) starting with `block`
// and naming the parameter, or std::runtime_error for an unreadable codec.
::moema::rx::MimoFrameFormat make_frame_format(const link_format& params, const std::string& block);

// frame_format_to_json() plus frame_symbols and frame_samples, as text.
std::string frame_format_text(const ::moema::rx::MimoFrameFormat& format);

// The codec's manifest path for a manifest path or a shipped codec's name.
std::string codec_path(const std::string& model, const std::string& block);

// c32vector <-> the library's complex<double> vectors.
pmt::pmt_t to_c32vector(const ::moema::rx::ComplexVector& symbols);
::moema::rx::ComplexVector from_c32vector(const pmt::pmt_t& vector);

// Fields of a PDU's metadata dict; `fallback` when absent. Throw
// std::invalid_argument naming the key when present with the wrong type.
long dict_long(const pmt::pmt_t& dict, const char* key, long fallback);
double dict_double(const pmt::pmt_t& dict, const char* key, double fallback);
std::string dict_string(const pmt::pmt_t& dict, const char* key, const std::string& fallback);
bool dict_bool(const pmt::pmt_t& dict, const char* key, bool fallback);

// The receiver's frame as the "frame" PDU (see mimo_receiver.h) and back.
// `name` (may be empty) is the image the transmitter said it framed.
pmt::pmt_t frame_pdu(const ::moema::rx::MimoReceivedFrame& frame, const std::string& name);
// Throws std::invalid_argument naming what is missing or mistyped.
::moema::rx::MimoReceivedFrame parse_frame_pdu(const pmt::pmt_t& pdu, std::string* name);

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_JSCC_LINK_IMPL_H */
