// Bindings of the SigMF blocks (no LibTorch needed).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/moema/sigmf_sink.h>
#include <gnuradio/moema/sigmf_source.h>

namespace py = pybind11;

void bind_sigmf_sink(py::module& m)
{
    using sigmf_sink = ::gr::moema::sigmf_sink;

    py::class_<sigmf_sink,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<sigmf_sink>>(
        m,
        "sigmf_sink",
        "Records K complex channels as a SigMF collection (moema::rx::SigmfRecorder): "
        "<directory>/<name>-chKK.sigmf-data/-meta and <name>.sigmf-collection. rx_time "
        "tags on input 0 start capture segments; message inputs 'frames' (annotations) "
        "and 'truth' ({'slot','device','label'}, written as moema:truth at the end). "
        "The metadata is written when the flowgraph stops.")
        .def(py::init(&sigmf_sink::make),
             py::arg("directory"),
             py::arg("name"),
             py::arg("channels"),
             py::arg("sample_rate"),
             py::arg("frequency"),
             py::arg("description") = "",
             py::arg("extension_json") = "{}",
             "Make the block; extension_json is a JSON object of moema: globals.")
        .def("collection_path", &sigmf_sink::collection_path, "The .sigmf-collection file.")
        .def("samples_written", &sigmf_sink::samples_written, "Samples per channel so far.");
}

void bind_sigmf_source(py::module& m)
{
    using sigmf_source = ::gr::moema::sigmf_source;

    py::class_<sigmf_source,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<sigmf_source>>(
        m,
        "sigmf_source",
        "Replays a SigMF recording (moema::rx::SigmfReader): one output per channel, up "
        "to the shortest channel. Repairs (a broken meta, ragged files) are logged as "
        "warnings; an unreadable recording raises RuntimeError naming the file. Message "
        "output 'truth': the recording's ground truth at start.")
        .def(py::init(&sigmf_source::make),
             py::arg("path"),
             py::arg("repeat") = false,
             "Make the block; path is a .sigmf-collection or a directory holding one.")
        .def("channels", &sigmf_source::channels, "K, the number of outputs.")
        .def("sample_rate", &sigmf_source::sample_rate)
        .def("frequency", &sigmf_source::frequency)
        .def("samples", &sigmf_source::samples, "Samples per channel in one pass.")
        .def("extension_json",
             &sigmf_source::extension_json,
             "The recording's moema: fields without the prefix, as JSON text.")
        .def("warnings", &sigmf_source::warnings, "The reader's repairs, one line each.");
}
