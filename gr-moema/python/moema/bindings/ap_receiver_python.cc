#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/moema/ap_receiver.h>

namespace py = pybind11;

void bind_ap_receiver(py::module& m)
{
    using ap_receiver = ::gr::moema::ap_receiver;

    py::class_<ap_receiver,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<ap_receiver>>(
        m,
        "ap_receiver",
        "The MoEMA access point after the matched filters (moema::models::ApReceiver): K "
        "inputs (2K with pass_through, K outputs), messages out: 'decisions' (one dict per slot), 'errors' (one string per "
        "dropped frame), 'frames' (one dict per detected frame, for sigmf_sink). Message "
        "input 'truth'. Raises RuntimeError when the deployment's trained receivers are "
        "missing (naming the command that trains them).")
        .def(py::init(&ap_receiver::make),
             py::arg("config_json"),
             py::arg("decisions_path") = "",
             py::arg("summary_path") = "",
             py::arg("sample_delay") = 0.0,
             py::arg("pass_through") = false,
             "Make the block; config_json is ApReceiverConfig::to_json(). pass_through: "
             "K more inputs (the raw samples) copied to K outputs, for a recorder.")
        .def_static("antennas_of",
                    &ap_receiver::antennas_of,
                    py::arg("config_json"),
                    "K of a receiver config (ValueError on a bad config).")
        .def("antennas", &ap_receiver::antennas, "K, the number of receive channels.")
        .def("summary_json",
             &ap_receiver::summary_json,
             "The decision log's summary as JSON text (complete once the flowgraph stopped).");
}
