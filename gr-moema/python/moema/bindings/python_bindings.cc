// The moema_python extension module: `from gnuradio import moema`.
#include <pybind11/pybind11.h>

namespace py = pybind11;

void bind_ma_channel(py::module& m);

PYBIND11_MODULE(moema_python, m)
{
    m.doc() = "MoEMA testbed blocks (gr-moema)";
    // Registers gr::basic_block, gr::block and gr::sync_block, the bases below.
    py::module::import("gnuradio.gr");

    bind_ma_channel(m);
}
