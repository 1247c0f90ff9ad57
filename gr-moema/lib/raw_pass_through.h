// A receiver block's optional raw pass-through: K more inputs (the raw samples
// its processed inputs came from) copied to K outputs. A sigmf_sink fed from
// those outputs cannot finish before the receiver has published the frames of
// every sample it records; one fed beside the receiver can, and then loses
// the last frames' annotations.
#ifndef INCLUDED_MOEMA_RAW_PASS_THROUGH_H
#define INCLUDED_MOEMA_RAW_PASS_THROUGH_H

#include <gnuradio/gr_complex.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/types.h>

#include <cstring>

namespace gr {
namespace moema {

//! K processed inputs, then (pass_through) K raw ones.
inline gr::io_signature::sptr receiver_inputs(int channels, bool pass_through)
{
    const int n = pass_through ? 2 * channels : channels;
    return gr::io_signature::make(n, n, sizeof(gr_complex));
}

//! The K raw inputs again (pass_through), else no stream output.
inline gr::io_signature::sptr receiver_outputs(int channels, bool pass_through)
{
    return pass_through ? gr::io_signature::make(channels, channels, sizeof(gr_complex))
                        : gr::io_signature::make(0, 0, 0);
}

//! Inputs [channels, 2 channels) to the outputs; nothing without outputs.
inline void copy_raw_inputs(int channels,
                            int n,
                            const gr_vector_const_void_star& input_items,
                            gr_vector_void_star& output_items)
{
    for (std::size_t k = 0; k < output_items.size(); ++k)
        std::memcpy(output_items[k],
                    input_items[static_cast<std::size_t>(channels) + k],
                    static_cast<std::size_t>(n) * sizeof(gr_complex));
}

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_RAW_PASS_THROUGH_H */
