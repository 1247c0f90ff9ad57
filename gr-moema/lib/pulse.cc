#include <gnuradio/moema/pulse.h>

#include "moema/air/slot_format.hpp"

namespace gr {
namespace moema {

pulse_shape default_pulse_shape()
{
    const ::moema::rx::SlotFormat format;
    return { format.samples_per_symbol, format.rolloff, format.filter_span };
}

std::vector<double> root_raised_cosine(int samples_per_symbol, double rolloff, int span)
{
    return ::moema::rx::root_raised_cosine(samples_per_symbol, rolloff, span);
}

} // namespace moema
} // namespace gr
