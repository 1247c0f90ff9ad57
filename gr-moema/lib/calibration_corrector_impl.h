#ifndef INCLUDED_MOEMA_CALIBRATION_CORRECTOR_IMPL_H
#define INCLUDED_MOEMA_CALIBRATION_CORRECTOR_IMPL_H

#include <gnuradio/moema/calibration_corrector.h>

#include "moema/calibration/receiver_corrector.hpp"

#include <complex>
#include <vector>

namespace gr {
namespace moema {

class calibration_corrector_impl : public calibration_corrector
{
public:
    explicit calibration_corrector_impl(::moema::calibration::ReceiverCorrector corrector);

    double latency() const override { return d_corrector.latency(0); }
    int channels() const override { return d_corrector.channels(); }

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    ::moema::calibration::ReceiverCorrector d_corrector;
    std::vector<const std::complex<float>*> d_in;
    std::vector<std::complex<float>*> d_out;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_CALIBRATION_CORRECTOR_IMPL_H */
