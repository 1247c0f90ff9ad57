// calibration_corrector: the receive channels' calibration applied in a
// flowgraph. A thin adapter over moema::calibration::ReceiverCorrector
// (calibration/), which holds the model and its tests.
#ifndef INCLUDED_MOEMA_CALIBRATION_CORRECTOR_H
#define INCLUDED_MOEMA_CALIBRATION_CORRECTOR_H

#include <gnuradio/moema/api.h>
#include <gnuradio/sync_block.h>

#include <string>
#include <vector>

namespace gr {
namespace moema {

/*!
 * \brief K raw receive channels in, the same K channels calibrated out.
 * \ingroup moema
 *
 * Per channel: subtracts the DC offset, divides out the gain and phase
 * relative to channel 0, and delays the early channels so that all line up
 * with the latest (moema-calibrate's file). Place it between the radio (or
 * a recording of raw samples) and the receiver, before any filter.
 *
 * The file is loaded and checked when the block is made: a missing or
 * malformed file, or one measured at another frequency or sample rate, for
 * another channel count or (when both name them) other devices, throws
 * std::invalid_argument (ValueError in Python) naming the path and the
 * mismatch.
 */
class MOEMA_API calibration_corrector : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<calibration_corrector> sptr;

    /*!
     * \param path         the calibration file (moema-calibrate estimate)
     * \param channels     K, the inputs and outputs
     * \param frequency    the receivers' centre frequency, Hz
     * \param sample_rate  samples/s per channel
     * \param serials      the USRPs' serials in device-argument order, or none
     */
    static sptr make(const std::string& path,
                     int channels,
                     double frequency,
                     double sample_rate,
                     const std::vector<std::string>& serials = {});

    //! Samples by which the output lags channel 0's input: the receiver's
    //! timing of a frame minus this is its time in the raw samples.
    virtual double latency() const = 0;
    virtual int channels() const = 0;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_CALIBRATION_CORRECTOR_H */
