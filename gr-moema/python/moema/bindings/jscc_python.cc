// The JSCC image link's blocks: jscc_encoder, mimo_framer, mimo_receiver,
// jscc_decoder, and jscc_frame_format().
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/moema/jscc_decoder.h>
#include <gnuradio/moema/jscc_encoder.h>
#include <gnuradio/moema/jscc_link.h>
#include <gnuradio/moema/mimo_framer.h>
#include <gnuradio/moema/mimo_receiver.h>

namespace py = pybind11;

void bind_jscc(py::module& m)
{
    using jscc_encoder = ::gr::moema::jscc_encoder;
    using mimo_framer = ::gr::moema::mimo_framer;
    using mimo_receiver = ::gr::moema::mimo_receiver;
    using jscc_decoder = ::gr::moema::jscc_decoder;

    m.def("jscc_frame_format",
          &::gr::moema::jscc_frame_format,
          py::arg("model"),
          py::arg("height") = 512,
          py::arg("width") = 768,
          py::arg("pilot_length") = 16,
          py::arg("pilot_spacing") = 512,
          py::arg("samples_per_symbol") = 4,
          "The MIMO frame of a codec (manifest or shipped name) for height x width images, as "
          "JSON text: nt, payload_symbols, pilot_length, pilot_spacing, samples_per_symbol, "
          "rolloff, ..., frame_symbols, frame_samples. Raises ValueError naming a bad parameter.");

    py::class_<jscc_encoder, gr::block, gr::basic_block, std::shared_ptr<jscc_encoder>>(
        m,
        "jscc_encoder",
        "Image files in, one PDU of JSCC symbols per image out (message port 'pdu': dict "
        "{height, width, name, index} . c32vector). Message input 'image': a path (with "
        "listen). Bad images are logged and skipped. Raises ValueError for a bad codec name "
        "or image size.")
        .def(py::init(&jscc_encoder::make),
             py::arg("model"),
             py::arg("images") = std::vector<std::string>(),
             py::arg("nominal_snr_db") = 10.0,
             py::arg("height") = 512,
             py::arg("width") = 768,
             py::arg("repeat") = 1,
             py::arg("listen") = false,
             "Make the block; see the class docstring.")
        .def("payload_symbols", &jscc_encoder::payload_symbols, "S, symbols per image.")
        .def("nt", &jscc_encoder::nt, "The codec's transmit streams.")
        .def("published", &jscc_encoder::published, "PDUs published so far.")
        .def("errors", &jscc_encoder::errors, "Images that could not be encoded.");

    py::class_<mimo_framer,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<mimo_framer>>(
        m,
        "mimo_framer",
        "PDUs of S symbols in (message port 'pdu'), one pulse-shaped MIMO frame each on nt "
        "outputs at the sample rate; silence while none is queued; 'frame_start' tags on "
        "output 0; message output 'sent' (one dict per frame). Bad PDUs are logged and "
        "dropped. The stream ends tail_frames silent frames after the last PDU once every "
        "PDU source has finished. With burst_tags the transmission is one UHD burst: "
        "tx_sob (and tx_time = start_time when > 0) on the first sample, tx_eob on the last.")
        .def(py::init(&mimo_framer::make),
             py::arg("nt"),
             py::arg("model") = "",
             py::arg("height") = 512,
             py::arg("width") = 768,
             py::arg("payload_symbols") = 0,
             py::arg("pilot_length") = 16,
             py::arg("pilot_spacing") = 512,
             py::arg("samples_per_symbol") = 4,
             py::arg("tail_frames") = 1,
             py::arg("burst_tags") = false,
             py::arg("start_time") = 0.0,
             "Make the block: nt streams of payload_symbols symbols, or (payload_symbols 0) "
             "the codec model's frame for height x width images.")
        .def("nt", &mimo_framer::nt)
        .def("payload_symbols", &mimo_framer::payload_symbols)
        .def("frame_samples", &mimo_framer::frame_samples, "Samples per frame and output.")
        .def("frame_format", &mimo_framer::frame_format, "The frame format as JSON text.")
        .def("frames_sent", &mimo_framer::frames_sent, "Frames sent so far.")
        .def("dropped", &mimo_framer::dropped, "PDUs dropped so far.");

    py::class_<mimo_receiver,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<mimo_receiver>>(
        m,
        "mimo_receiver",
        "nr RAW receive channels in (matched filters inside); per received frame a PDU on "
        "'frame' (dict {ok, error, frame_id, height, width, snr_db, cfo, timing, "
        "stream_snr_db[, name]} . c32vector of equalised symbols) and an annotation dict on "
        "'frames' (for sigmf_sink). Message input 'truth' (mimo_framer's 'sent').")
        .def(py::init(&mimo_receiver::make),
             py::arg("nr"),
             py::arg("model") = "",
             py::arg("height") = 512,
             py::arg("width") = 768,
             py::arg("nt") = 0,
             py::arg("payload_symbols") = 0,
             py::arg("pilot_length") = 16,
             py::arg("pilot_spacing") = 512,
             py::arg("samples_per_symbol") = 4,
             py::arg("frame_format") = "",
             py::arg("input_delay") = 0.0,
             py::arg("pass_through") = false,
             "Make the block; frame_format (JSON) overrides the other format parameters.")
        .def("nr", &mimo_receiver::nr)
        .def("nt", &mimo_receiver::nt)
        .def("payload_symbols", &mimo_receiver::payload_symbols)
        .def("frame_samples", &mimo_receiver::frame_samples)
        .def("frame_format", &mimo_receiver::frame_format, "The frame format as JSON text.")
        .def("frames_detected", &mimo_receiver::frames_detected, "Preambles found.")
        .def("frames_ok", &mimo_receiver::frames_ok, "Frames received usable.")
        .def("frames_failed", &mimo_receiver::frames_failed, "Frames detected but not usable.");

    py::class_<jscc_decoder, gr::block, gr::basic_block, std::shared_ptr<jscc_decoder>>(
        m,
        "jscc_decoder",
        "mimo_receiver's 'frame' PDUs in; decodes, writes PNGs to output_dir, scores against "
        "reference_dir/<name>; one dict per frame on 'result'; summary.json at the end.")
        .def(py::init(&jscc_decoder::make),
             py::arg("model"),
             py::arg("output_dir") = "",
             py::arg("reference_dir") = "",
             py::arg("names") = std::vector<std::string>(),
             "Make the block; frame i carried names[i % len(names)] when the transmitter did not name it.")
        .def("frames_decoded", &jscc_decoder::frames_decoded)
        .def("frames_failed", &jscc_decoder::frames_failed)
        .def("summary_json",
             &jscc_decoder::summary_json,
             "The summary as JSON text (complete once the flowgraph stopped).");
}
