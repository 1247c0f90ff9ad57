#include "calibration_corrector_impl.h"

#include <gnuradio/io_signature.h>

#include <stdexcept>
#include <string>

namespace gr {
namespace moema {

calibration_corrector::sptr calibration_corrector::make(const std::string& path,
                                                        int channels,
                                                        double frequency,
                                                        double sample_rate,
                                                        const std::vector<std::string>& serials)
{
    if (channels < 1)
        throw std::invalid_argument("calibration_corrector: channels must be >= 1, got " +
                                    std::to_string(channels));
    // CalibrationError is a std::invalid_argument that names the path.
    return gnuradio::make_block_sptr<calibration_corrector_impl>(::moema::calibration::ReceiverCorrector(
        ::moema::calibration::load_applicable_calibration(path, frequency, sample_rate, channels, serials)));
}

calibration_corrector_impl::calibration_corrector_impl(
    ::moema::calibration::ReceiverCorrector corrector)
    : gr::sync_block("calibration_corrector",
                     gr::io_signature::make(corrector.channels(), corrector.channels(), sizeof(gr_complex)),
                     gr::io_signature::make(corrector.channels(), corrector.channels(), sizeof(gr_complex))),
      d_corrector(std::move(corrector)),
      d_in(static_cast<std::size_t>(d_corrector.channels())),
      d_out(static_cast<std::size_t>(d_corrector.channels()))
{
}

int calibration_corrector_impl::work(int noutput_items,
                                     gr_vector_const_void_star& input_items,
                                     gr_vector_void_star& output_items)
{
    for (std::size_t k = 0; k < d_in.size(); ++k) {
        d_in[k] = static_cast<const std::complex<float>*>(input_items[k]);
        d_out[k] = static_cast<std::complex<float>*>(output_items[k]);
    }
    d_corrector.process(d_in, d_out, static_cast<std::size_t>(noutput_items));
    return noutput_items;
}

} // namespace moema
} // namespace gr
