#include "ma_channel_impl.h"

#include "moema/air/mimo_frame.hpp"
#include "moema/channel/mimo_channel.hpp"

#include <gnuradio/io_signature.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace gr {
namespace moema {

namespace {

// Samples converted per call to the library; the library's output does not
// depend on how the stream is split, so any chunk size gives the same samples.
constexpr std::size_t kChunk = 4096;

const std::string kWhere = "ma_channel: ";

// Per-device vectors: empty (all defaults) or one entry per device.
void require_per_device(std::size_t size, int devices, const std::string& field)
{
    if (size != 0 && size != static_cast<std::size_t>(devices))
        throw std::invalid_argument(kWhere + field + " has " + std::to_string(size) +
                                    " entries for N = " + std::to_string(devices) +
                                    " devices (expected 0 or N)");
}

// The block's parameters as the library's config. The library validates the
// rest and throws std::invalid_argument naming the field.
::moema::rx::MultipleAccessConfig make_config(int antennas,
                                              int devices,
                                              int block_length,
                                              const std::string& fading,
                                              double noise_variance,
                                              const std::vector<double>& path_gain_db,
                                              const std::vector<double>& timing_offset,
                                              const std::vector<double>& cfo,
                                              const std::vector<gr_complex>& dc_offset,
                                              const std::vector<double>& gain_db,
                                              const std::vector<double>& phase,
                                              const std::vector<double>& delay)
{
    if (antennas < 1)
        throw std::invalid_argument(kWhere + "antennas must be >= 1, got " +
                                    std::to_string(antennas));
    if (devices < 1)
        throw std::invalid_argument(kWhere + "devices must be >= 1, got " +
                                    std::to_string(devices));
    require_per_device(path_gain_db.size(), devices, "path_gain_db");
    require_per_device(timing_offset.size(), devices, "timing_offset");
    require_per_device(cfo.size(), devices, "cfo");

    ::moema::rx::MultipleAccessConfig config;
    config.antennas = antennas;
    config.block_length = block_length;
    if (fading == "unit_norm")
        config.fading = ::moema::rx::Fading::UnitNorm;
    else if (fading == "rayleigh")
        config.fading = ::moema::rx::Fading::Rayleigh;
    else
        throw std::invalid_argument(kWhere + "fading must be \"unit_norm\" or \"rayleigh\", got \"" +
                                    fading + "\"");
    config.noise_variance = noise_variance;
    config.devices.resize(devices);
    for (int n = 0; n < devices; ++n) {
        ::moema::rx::DeviceImpairments& d = config.devices[n];
        if (!path_gain_db.empty())
            d.path_gain_db = path_gain_db[n];
        if (!timing_offset.empty())
            d.timing_offset = timing_offset[n];
        if (!cfo.empty())
            d.cfo = cfo[n];
    }
    config.ap.dc_offset.assign(dc_offset.begin(), dc_offset.end());
    config.ap.gain_db = gain_db;
    config.ap.phase = phase;
    config.ap.delay = delay;
    return config;
}

} // namespace

ma_channel::sptr ma_channel::make(int antennas,
                                  int devices,
                                  int block_length,
                                  const std::string& fading,
                                  double noise_variance,
                                  const std::vector<double>& path_gain_db,
                                  const std::vector<double>& timing_offset,
                                  const std::vector<double>& cfo,
                                  const std::vector<gr_complex>& dc_offset,
                                  const std::vector<double>& gain_db,
                                  const std::vector<double>& phase,
                                  const std::vector<double>& delay,
                                  std::uint64_t seed)
{
    return gnuradio::make_block_sptr<ma_channel_impl>(make_config(antennas,
                                                                  devices,
                                                                  block_length,
                                                                  fading,
                                                                  noise_variance,
                                                                  path_gain_db,
                                                                  timing_offset,
                                                                  cfo,
                                                                  dc_offset,
                                                                  gain_db,
                                                                  phase,
                                                                  delay),
                                                      seed);
}

ma_channel::sptr ma_channel::make_mimo(int nt,
                                       int nr,
                                       int frame_samples,
                                       double snr_db,
                                       double cfo,
                                       double timing_offset,
                                       double phase,
                                       std::uint64_t seed,
                                       const std::vector<gr_complex>& rx_dc_offset,
                                       const std::vector<double>& rx_gain_db,
                                       const std::vector<double>& rx_phase,
                                       const std::vector<double>& rx_delay)
{
    const std::string where = "mimo_channel: ";
    if (frame_samples < 0)
        throw std::invalid_argument(where + "frame_samples must be >= 0, got " +
                                    std::to_string(frame_samples));
    // mimo_channel_config takes the frame format only for Nt and the fading
    // block (the frame's length); any valid format with nt streams gives the
    // rest, and the block length is the caller's.
    ::moema::rx::MimoFrameFormat format;
    format.nt = nt;
    format.payload_symbols = nt;
    format.pilot_length = std::max(format.pilot_length, nt);
    ::moema::rx::MimoChannelConfig channel;
    channel.nr = nr;
    channel.snr_db = snr_db;
    channel.cfo = cfo;
    channel.timing_offset = timing_offset;
    channel.phase = phase;
    channel.ap.dc_offset.assign(rx_dc_offset.begin(), rx_dc_offset.end());
    channel.ap.gain_db = rx_gain_db;
    channel.ap.phase = rx_phase;
    channel.ap.delay = rx_delay;
    ::moema::rx::MultipleAccessConfig config;
    try {
        config = ::moema::rx::mimo_channel_config(format, channel);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(where + e.what());
    }
    config.block_length = frame_samples;
    return gnuradio::make_block_sptr<ma_channel_impl>(config, seed);
}

ma_channel_impl::ma_channel_impl(const ::moema::rx::MultipleAccessConfig& config,
                                 std::uint64_t seed)
    : gr::sync_block("ma_channel",
                     gr::io_signature::make(static_cast<int>(config.devices.size()),
                                            static_cast<int>(config.devices.size()),
                                            sizeof(gr_complex)),
                     gr::io_signature::make(config.antennas, config.antennas, sizeof(gr_complex))),
      d_channel(config, seed),
      d_in(config.devices.size() * kChunk),
      d_out(static_cast<std::size_t>(config.antennas) * kChunk),
      d_in_ptrs(config.devices.size()),
      d_out_ptrs(config.antennas)
{
    for (std::size_t n = 0; n < d_in_ptrs.size(); ++n)
        d_in_ptrs[n] = d_in.data() + n * kChunk;
    for (std::size_t k = 0; k < d_out_ptrs.size(); ++k)
        d_out_ptrs[k] = d_out.data() + k * kChunk;
}

int ma_channel_impl::work(int noutput_items,
                          gr_vector_const_void_star& input_items,
                          gr_vector_void_star& output_items)
{
    const std::size_t total = static_cast<std::size_t>(noutput_items);
    for (std::size_t offset = 0; offset < total; offset += kChunk) {
        const std::size_t count = std::min(kChunk, total - offset);
        for (std::size_t n = 0; n < d_in_ptrs.size(); ++n) {
            const gr_complex* in = static_cast<const gr_complex*>(input_items[n]) + offset;
            std::complex<double>* buf = d_in.data() + n * kChunk;
            for (std::size_t i = 0; i < count; ++i)
                buf[i] = std::complex<double>(in[i].real(), in[i].imag());
        }
        d_channel.process(d_in_ptrs, d_out_ptrs, count);
        for (std::size_t k = 0; k < d_out_ptrs.size(); ++k) {
            gr_complex* out = static_cast<gr_complex*>(output_items[k]) + offset;
            const std::complex<double>* buf = d_out.data() + k * kChunk;
            for (std::size_t i = 0; i < count; ++i)
                out[i] = gr_complex(static_cast<float>(buf[i].real()),
                                    static_cast<float>(buf[i].imag()));
        }
    }
    return noutput_items;
}

} // namespace moema
} // namespace gr
