// The slot format's pulse, so that Python builds GNU Radio's filters with the
// library's exact taps.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/moema/pulse.h>

namespace py = pybind11;

void bind_pulse(py::module& m)
{
    using ::gr::moema::pulse_shape;

    py::class_<pulse_shape>(m, "pulse_shape", "The pulse of moema::rx::SlotFormat.")
        .def_readonly("samples_per_symbol", &pulse_shape::samples_per_symbol)
        .def_readonly("rolloff", &pulse_shape::rolloff)
        .def_readonly("filter_span", &pulse_shape::filter_span, "symbols");
    m.def("default_pulse_shape",
          &::gr::moema::default_pulse_shape,
          "rx::SlotFormat's default pulse (the one device_source's slots are built for).");
    m.def("root_raised_cosine",
          &::gr::moema::root_raised_cosine,
          py::arg("samples_per_symbol"),
          py::arg("rolloff"),
          py::arg("span"),
          "rx::root_raised_cosine: span * samples_per_symbol + 1 unit-energy taps.");
}
