#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/moema/device_source.h>

namespace py = pybind11;

void bind_device_source(py::module& m)
{
    using device_source = ::gr::moema::device_source;

    py::class_<device_source,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<device_source>>(
        m,
        "device_source",
        "One device's MoEMA slots at the symbol rate (moema::models::SemanticTransmitter): "
        "idle_before silent slots, one slot per test sample, idle_after silent slots, then "
        "the end. Tags 'slot' and 'label' on each data slot's first symbol; with burst_tags "
        "tx_sob, tx_eob and (start_time > 0) tx_time. Message output 'truth': "
        "{'slot','device','label'} per data slot.")
        .def(py::init(&device_source::make),
             py::arg("config_json"),
             py::arg("device"),
             py::arg("idle_before") = 1,
             py::arg("idle_after") = 2,
             py::arg("burst_tags") = false,
             py::arg("start_time") = 0.0,
             "Make the block; config_json is DeploymentConfig::to_json().")
        .def("device", &device_source::device)
        .def("slots", &device_source::slots, "Data slots.")
        .def("slot_symbols", &device_source::slot_symbols, "Symbols per slot.")
        .def("total_symbols", &device_source::total_symbols, "Output symbols in all.");
}
