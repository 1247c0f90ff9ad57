#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/moema/ma_channel.h>

namespace py = pybind11;

void bind_ma_channel(py::module& m)
{
    using ma_channel = ::gr::moema::ma_channel;

    py::class_<ma_channel,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<ma_channel>>(
        m,
        "ma_channel",
        "Multiple-access channel: N device streams in, K antenna streams out "
        "(moema::rx::MultipleAccessChannel). Empty vectors mean no impairment; "
        "per-device vectors have N entries, per-channel vectors K. Raises "
        "ValueError naming a bad parameter.")
        .def(py::init(&ma_channel::make),
             py::arg("antennas"),
             py::arg("devices"),
             py::arg("block_length") = 0,
             py::arg("fading") = "unit_norm",
             py::arg("noise_variance") = 0.0,
             py::arg("path_gain_db") = std::vector<double>(),
             py::arg("timing_offset") = std::vector<double>(),
             py::arg("cfo") = std::vector<double>(),
             py::arg("dc_offset") = std::vector<gr_complex>(),
             py::arg("gain_db") = std::vector<double>(),
             py::arg("phase") = std::vector<double>(),
             py::arg("delay") = std::vector<double>(),
             py::arg("seed") = 0,
             "Make the block; see the class docstring.")
        .def("lookahead",
             &ma_channel::lookahead,
             "Samples by which the output lags the channel model.")
        .def("antennas", &ma_channel::antennas, "K, the number of outputs.")
        .def("devices", &ma_channel::devices, "N, the number of inputs.");

    m.def("mimo_channel",
          &ma_channel::make_mimo,
          py::arg("nt"),
          py::arg("nr"),
          py::arg("frame_samples"),
          py::arg("snr_db") = 10.0,
          py::arg("cfo") = 0.0,
          py::arg("timing_offset") = 0.0,
          py::arg("phase") = 0.0,
          py::arg("seed") = 0,
          py::arg("rx_dc_offset") = std::vector<gr_complex>(),
          py::arg("rx_gain_db") = std::vector<double>(),
          py::arg("rx_phase") = std::vector<double>(),
          py::arg("rx_delay") = std::vector<double>(),
          "The image link's simulated Nt x Nr MIMO channel: an ma_channel configured by "
          "moema::rx::mimo_channel_config (the nt inputs share one oscillator and clock: one "
          "CFO, phase and timing offset; Rayleigh block fading, one H per frame_samples "
          "samples; AWGN at snr_db = total transmit power / noise per receive antenna); "
          "rx_*: the receive chains' DC offset, power gain (dB), phase (rad) and delay "
          "(samples), one entry per receive channel or none, as ma_channel's. "
          "Raises ValueError naming a bad parameter.");
}
