// ma_channel_impl: converts gr_complex <-> std::complex<double> and hands the
// samples to moema::rx::MultipleAccessChannel. No signal processing here.
#ifndef INCLUDED_MOEMA_MA_CHANNEL_IMPL_H
#define INCLUDED_MOEMA_MA_CHANNEL_IMPL_H

#include <gnuradio/moema/ma_channel.h>

#include "moema/channel/multiple_access_channel.hpp"

#include <complex>
#include <vector>

namespace gr {
namespace moema {

class ma_channel_impl : public ma_channel
{
public:
    ma_channel_impl(const ::moema::rx::MultipleAccessConfig& config, std::uint64_t seed);

    int lookahead() const override { return d_channel.lookahead(); }
    int antennas() const override { return d_channel.antennas(); }
    int devices() const override { return d_channel.devices(); }

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    ::moema::rx::MultipleAccessChannel d_channel;
    // Conversion buffers, sized once: N (resp. K) x chunk samples, stream-major.
    std::vector<std::complex<double>> d_in;
    std::vector<std::complex<double>> d_out;
    std::vector<const std::complex<double>*> d_in_ptrs;
    std::vector<std::complex<double>*> d_out_ptrs;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_MA_CHANNEL_IMPL_H */
