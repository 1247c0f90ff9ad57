// ma_channel: the simulated multiple-access channel as a GNU Radio block.
// A thin adapter over moema::rx::MultipleAccessChannel (rx_processing), which
// holds the model and its tests; see multiple_access_channel.hpp.
#ifndef INCLUDED_MOEMA_MA_CHANNEL_H
#define INCLUDED_MOEMA_MA_CHANNEL_H

#include <gnuradio/moema/api.h>
#include <gnuradio/sync_block.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace moema {

/*!
 * \brief N device streams in, K access-point antenna streams out.
 * \ingroup moema
 *
 * Input n is device n's complex baseband signal; output k is receive channel
 * k. Per device: path gain, timing offset (samples, >= 0, fractional allowed),
 * carrier frequency offset (cycles/sample). Per receive channel: DC offset,
 * gain, phase, delay (samples, >= 0). Block fading redrawn every
 * block_length samples (0 = one channel for the whole run), then AWGN of
 * noise_variance per antenna and sample. Empty vectors mean no impairment;
 * otherwise per-device vectors have N entries and per-channel vectors K.
 *
 * The output lags the model by lookahead() samples (non-zero only when some
 * delay has a fractional part): output sample t + lookahead() is the model's
 * sample t. Invalid parameters throw std::invalid_argument (ValueError in
 * Python) naming the parameter.
 */
class MOEMA_API ma_channel : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<ma_channel> sptr;

    /*!
     * \param antennas        K, number of outputs (>= 1)
     * \param devices         N, number of inputs (>= 1)
     * \param block_length    samples per fading block; 0 = fixed channel
     * \param fading          "unit_norm" (h_n uniform on the unit sphere of C^K)
     *                        or "rayleigh" (h_n ~ CN(0, I_K))
     * \param noise_variance  complex AWGN variance per antenna and sample
     * \param path_gain_db    per device power gain in dB (empty: 0 dB)
     * \param timing_offset   per device delay in samples (empty: 0)
     * \param cfo             per device carrier offset, cycles/sample (empty: 0)
     * \param dc_offset       per channel DC offset (empty: 0)
     * \param gain_db         per channel power gain in dB (empty: 0 dB)
     * \param phase           per channel phase in radians (empty: 0)
     * \param delay           per channel delay in samples (empty: 0)
     * \param seed            seed of the fading and noise generators
     */
    static sptr make(int antennas,
                     int devices,
                     int block_length = 0,
                     const std::string& fading = "unit_norm",
                     double noise_variance = 0.0,
                     const std::vector<double>& path_gain_db = {},
                     const std::vector<double>& timing_offset = {},
                     const std::vector<double>& cfo = {},
                     const std::vector<gr_complex>& dc_offset = {},
                     const std::vector<double>& gain_db = {},
                     const std::vector<double>& phase = {},
                     const std::vector<double>& delay = {},
                     std::uint64_t seed = 0);

    /*!
     * \brief The image link's simulated Nt x Nr MIMO channel (no new block:
     * this block configured by moema::rx::mimo_channel_config).
     *
     * The nt inputs are the antennas of one transmitter: they share its
     * oscillator and clock (one CFO, carrier phase and timing offset); Rayleigh
     * block fading, one H (entries CN(0, 1)) per fading block of frame_samples
     * samples, aligned with mimo_framer's back-to-back frames from sample 0;
     * AWGN with snr_db = total transmit power / noise variance per receive
     * antenna (noise variance 10^(-snr_db/10), 0 for +inf).
     *
     * \param nt             transmit antennas, the inputs
     * \param nr             receive antennas, the outputs
     * \param frame_samples  fading block length: the frame's samples
     *                       (mimo_framer::frame_samples(), jscc_frame_format)
     * \param snr_db         SNR per receive antenna, dB
     * \param cfo            carrier frequency offset, cycles/sample
     * \param timing_offset  samples, >= 0, fractional allowed
     * \param phase          carrier phase, radians
     * \param seed           seed of the fading and noise generators
     * \param rx_dc_offset, rx_gain_db, rx_phase, rx_delay  the receive
     *        chains' impairments, as ma_channel's dc_offset, gain_db, phase
     *        and delay: empty or one entry per receive channel (what
     *        calibration_corrector takes out)
     */
    static sptr make_mimo(int nt,
                          int nr,
                          int frame_samples,
                          double snr_db = 10.0,
                          double cfo = 0.0,
                          double timing_offset = 0.0,
                          double phase = 0.0,
                          std::uint64_t seed = 0,
                          const std::vector<gr_complex>& rx_dc_offset = {},
                          const std::vector<double>& rx_gain_db = {},
                          const std::vector<double>& rx_phase = {},
                          const std::vector<double>& rx_delay = {});

    //! Samples by which the output lags the channel model (see above).
    virtual int lookahead() const = 0;
    virtual int antennas() const = 0;
    virtual int devices() const = 0;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_MA_CHANNEL_H */
