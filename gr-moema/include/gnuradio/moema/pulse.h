// The slot format's pulse for GNU Radio's filters: the transmit pulse shaper
// (device_tx) and the access point's matched filters (ap_rx) use the library's
// own taps, so GNU Radio and the library's simulations shape pulses alike.
#ifndef INCLUDED_MOEMA_PULSE_H
#define INCLUDED_MOEMA_PULSE_H

#include <gnuradio/moema/api.h>

#include <vector>

namespace gr {
namespace moema {

//! The pulse of moema::rx::SlotFormat (slot_format.hpp).
struct pulse_shape {
    int samples_per_symbol;
    double rolloff;
    int filter_span; //!< symbols
};

//! rx::SlotFormat's defaults, which device_source's slots are built with.
MOEMA_API pulse_shape default_pulse_shape();

//! rx::root_raised_cosine: span * sps + 1 unit-energy taps.
MOEMA_API std::vector<double>
root_raised_cosine(int samples_per_symbol, double rolloff, int span);

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_PULSE_H */
