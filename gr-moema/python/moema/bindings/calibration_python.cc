#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/moema/calibration_corrector.h>

namespace py = pybind11;

void bind_calibration_corrector(py::module& m)
{
    using calibration_corrector = ::gr::moema::calibration_corrector;

    py::class_<calibration_corrector,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<calibration_corrector>>(
        m,
        "calibration_corrector",
        "K raw receive channels in, calibrated out: DC, gain and phase relative to channel 0 "
        "and the delays between channels taken out (moema::calibration::ReceiverCorrector). "
        "Raises ValueError naming the file and the problem for a missing, malformed or stale "
        "calibration (another frequency, sample rate, channel count or devices).")
        .def(py::init(&calibration_corrector::make),
             py::arg("path"),
             py::arg("channels"),
             py::arg("frequency"),
             py::arg("sample_rate"),
             py::arg("serials") = std::vector<std::string>(),
             "Load and check the file; see the class docstring.")
        .def("latency",
             &calibration_corrector::latency,
             "Samples by which the output lags channel 0's input.")
        .def("channels", &calibration_corrector::channels, "K.");
}
