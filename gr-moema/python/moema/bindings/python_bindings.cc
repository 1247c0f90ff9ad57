// The moema_python extension module: `from gnuradio import moema`.
#include <pybind11/pybind11.h>

namespace py = pybind11;

void bind_ma_channel(py::module& m);
void bind_calibration_corrector(py::module& m);
void bind_sigmf_sink(py::module& m);
void bind_sigmf_source(py::module& m);
void bind_pulse(py::module& m);
#ifdef MOEMA_GR_WITH_MODELS
void bind_device_source(py::module& m);
void bind_ap_receiver(py::module& m);
void bind_jscc(py::module& m);
#endif

PYBIND11_MODULE(moema_python, m)
{
    m.doc() = "MoEMA testbed blocks (gr-moema)";
    // Registers gr::basic_block, gr::block and gr::sync_block, the bases below.
    py::module::import("gnuradio.gr");

    bind_ma_channel(m);
    bind_calibration_corrector(m);
    bind_sigmf_sink(m);
    bind_sigmf_source(m);
    bind_pulse(m);
#ifdef MOEMA_GR_WITH_MODELS
    // The blocks over models/ (LibTorch): absent from a build without Torch.
    bind_device_source(m);
    bind_ap_receiver(m);
    bind_jscc(m);
    m.attr("with_models") = true;
#else
    m.attr("with_models") = false;
#endif
}
