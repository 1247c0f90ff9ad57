#include "jscc_link.h"

#include <gnuradio/moema/jscc_link.h>

#include "moema/jscc/model_files.hpp"
#include "moema/system/jscc_radio_link.hpp"

#include <nlohmann/json.hpp>

#include <complex>
#include <stdexcept>

namespace gr {
namespace moema {

namespace {

namespace jscc = ::moema::jscc;
namespace rx = ::moema::rx;

pmt::pmt_t ref(const pmt::pmt_t& dict, const char* key)
{
    if (!pmt::is_dict(dict))
        return pmt::PMT_NIL;
    return pmt::dict_ref(dict, pmt::intern(key), pmt::PMT_NIL);
}

std::string bad(const char* key, const char* expected, const pmt::pmt_t& value)
{
    return std::string("\"") + key + "\" must be " + expected + ", got " + pmt::write_string(value);
}

} // namespace

std::string codec_path(const std::string& model, const std::string& block)
{
    if (model.empty())
        throw std::invalid_argument(block + ": model is empty: give a codec manifest (NAME.json) or a "
                                            "shipped codec's name, e.g. admoe_swinjscc_mimo2x2_r16");
    try {
        return jscc::find_codec(model);
    } catch (const std::exception& e) {
        throw std::invalid_argument(block + ": " + e.what());
    }
}

link_format codec_link_format(const std::string& model,
                              int height,
                              int width,
                              int pilot_length,
                              int pilot_spacing,
                              int samples_per_symbol)
{
    link_format p;
    p.model = model;
    p.height = height;
    p.width = width;
    p.pilot_length = pilot_length;
    p.pilot_spacing = pilot_spacing;
    p.samples_per_symbol = samples_per_symbol;
    return p;
}

rx::MimoFrameFormat make_frame_format(const link_format& p, const std::string& block)
{
    rx::MimoFrameFormat format;
    try {
        if (!p.frame_format_json.empty()) {
            format = jscc::frame_format_from_json(nlohmann::json::parse(p.frame_format_json));
        } else if (p.payload_symbols > 0) {
            if (p.nt < 1)
                throw std::invalid_argument("nt must be >= 1 with payload_symbols, got " +
                                            std::to_string(p.nt));
            format.nt = p.nt;
            format.payload_symbols = p.payload_symbols;
            format.pilot_length = p.pilot_length;
            format.pilot_spacing = p.pilot_spacing;
            format.air.samples_per_symbol = p.samples_per_symbol;
            format.validate();
        } else {
            const jscc::TrainedCodec codec = jscc::load_codec(codec_path(p.model, block));
            jscc::RadioLinkOptions options;
            options.height = p.height;
            options.width = p.width;
            options.pilot_length = p.pilot_length;
            options.pilot_spacing = p.pilot_spacing;
            options.air.samples_per_symbol = p.samples_per_symbol;
            format = jscc::radio_frame_format(codec, options);
        }
    } catch (const nlohmann::json::exception& e) {
        throw std::invalid_argument(block + ": frame_format is not JSON: " + e.what());
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        throw std::invalid_argument(what.rfind(block, 0) == 0 ? what : block + ": " + what);
    }
    if (p.nt > 0 && p.nt != format.nt)
        throw std::invalid_argument(block + ": nt = " + std::to_string(p.nt) + " but the frame format has " +
                                    std::to_string(format.nt) + " streams" +
                                    (p.frame_format_json.empty() && p.payload_symbols <= 0
                                         ? " (the codec " + p.model + "'s Nt)"
                                         : std::string()));
    return format;
}

std::string frame_format_text(const rx::MimoFrameFormat& format)
{
    nlohmann::json j = jscc::frame_format_to_json(format);
    j["frame_symbols"] = format.frame_symbols();
    j["frame_samples"] = format.frame_samples();
    return j.dump();
}

std::string jscc_frame_format(const std::string& model,
                              int height,
                              int width,
                              int pilot_length,
                              int pilot_spacing,
                              int samples_per_symbol)
{
    return frame_format_text(make_frame_format(
        codec_link_format(model, height, width, pilot_length, pilot_spacing, samples_per_symbol),
        "jscc_frame_format"));
}

pmt::pmt_t to_c32vector(const rx::ComplexVector& symbols)
{
    std::vector<gr_complex> v(static_cast<std::size_t>(symbols.size()));
    for (std::size_t i = 0; i < v.size(); ++i)
        v[i] = gr_complex(static_cast<float>(symbols(static_cast<Eigen::Index>(i)).real()),
                          static_cast<float>(symbols(static_cast<Eigen::Index>(i)).imag()));
    return pmt::init_c32vector(v.size(), v);
}

rx::ComplexVector from_c32vector(const pmt::pmt_t& vector)
{
    if (!pmt::is_c32vector(vector))
        throw std::invalid_argument("the PDU's data must be a c32vector (complex symbols), got " +
                                    (pmt::is_uniform_vector(vector) ? std::string("another uniform vector")
                                                                    : pmt::write_string(vector).substr(0, 80)));
    std::size_t n = 0;
    const gr_complex* data = pmt::c32vector_elements(vector, n);
    rx::ComplexVector out(static_cast<Eigen::Index>(n));
    for (std::size_t i = 0; i < n; ++i)
        out(static_cast<Eigen::Index>(i)) = std::complex<double>(data[i].real(), data[i].imag());
    return out;
}

long dict_long(const pmt::pmt_t& dict, const char* key, long fallback)
{
    const pmt::pmt_t v = ref(dict, key);
    if (pmt::is_null(v))
        return fallback;
    if (pmt::is_uint64(v))
        return static_cast<long>(pmt::to_uint64(v));
    if (pmt::is_integer(v))
        return pmt::to_long(v);
    throw std::invalid_argument(bad(key, "an integer", v));
}

double dict_double(const pmt::pmt_t& dict, const char* key, double fallback)
{
    const pmt::pmt_t v = ref(dict, key);
    if (pmt::is_null(v))
        return fallback;
    if (pmt::is_number(v) && !pmt::is_complex(v))
        return pmt::to_double(v);
    throw std::invalid_argument(bad(key, "a number", v));
}

std::string dict_string(const pmt::pmt_t& dict, const char* key, const std::string& fallback)
{
    const pmt::pmt_t v = ref(dict, key);
    if (pmt::is_null(v))
        return fallback;
    if (pmt::is_symbol(v))
        return pmt::symbol_to_string(v);
    throw std::invalid_argument(bad(key, "a string", v));
}

bool dict_bool(const pmt::pmt_t& dict, const char* key, bool fallback)
{
    const pmt::pmt_t v = ref(dict, key);
    if (pmt::is_null(v))
        return fallback;
    if (pmt::is_bool(v))
        return pmt::to_bool(v);
    throw std::invalid_argument(bad(key, "a bool", v));
}

pmt::pmt_t frame_pdu(const rx::MimoReceivedFrame& frame, const std::string& name)
{
    pmt::pmt_t meta = pmt::make_dict();
    const auto add = [&meta](const char* key, const pmt::pmt_t& value) {
        meta = pmt::dict_add(meta, pmt::intern(key), value);
    };
    add("ok", pmt::from_bool(frame.ok));
    add("error", pmt::intern(frame.error));
    add("frame_id", pmt::from_uint64(frame.frame_id));
    add("height", pmt::from_long(frame.header.height));
    add("width", pmt::from_long(frame.header.width));
    add("header_coherent", pmt::from_bool(frame.header_coherent));
    add("header_assumed", pmt::from_bool(frame.header_assumed));
    add("snr_db", pmt::from_double(frame.snr_db));
    add("cfo", pmt::from_double(frame.cfo));
    add("timing", pmt::from_double(frame.timing));
    add("stream_snr_db", pmt::init_f64vector(frame.stream_snr_db.size(), frame.stream_snr_db));
    if (!name.empty())
        add("name", pmt::intern(name));
    const rx::ComplexVector none;
    return pmt::cons(meta, to_c32vector(frame.ok ? frame.symbols : none));
}

rx::MimoReceivedFrame parse_frame_pdu(const pmt::pmt_t& pdu, std::string* name)
{
    if (!pmt::is_pair(pdu) || !pmt::is_dict(pmt::car(pdu)))
        throw std::invalid_argument("a frame must be a PDU (dict . c32vector), got " +
                                    pmt::write_string(pdu).substr(0, 80));
    const pmt::pmt_t meta = pmt::car(pdu);
    rx::MimoReceivedFrame frame;
    frame.ok = dict_bool(meta, "ok", false);
    frame.error = dict_string(meta, "error", "");
    const long id = dict_long(meta, "frame_id", -1);
    if (id < 0)
        throw std::invalid_argument("the frame PDU has no \"frame_id\"");
    frame.frame_id = static_cast<std::uint32_t>(id);
    frame.header.frame_counter = frame.frame_id & 0xFFFF;
    frame.header.height = static_cast<int>(dict_long(meta, "height", 0));
    frame.header.width = static_cast<int>(dict_long(meta, "width", 0));
    frame.header_coherent = dict_bool(meta, "header_coherent", false);
    frame.header_assumed = dict_bool(meta, "header_assumed", false);
    frame.snr_db = dict_double(meta, "snr_db", 0.0);
    frame.cfo = dict_double(meta, "cfo", 0.0);
    frame.timing = dict_double(meta, "timing", 0.0);
    const pmt::pmt_t snr = ref(meta, "stream_snr_db");
    if (pmt::is_f64vector(snr)) {
        frame.stream_snr_db = pmt::f64vector_elements(snr);
    } else if (pmt::is_vector(snr)) { // a Python list of numbers
        for (std::size_t i = 0; i < pmt::length(snr); ++i) {
            const pmt::pmt_t x = pmt::vector_ref(snr, i);
            if (!pmt::is_number(x) || pmt::is_complex(x))
                throw std::invalid_argument(bad("stream_snr_db", "a vector of numbers", snr));
            frame.stream_snr_db.push_back(pmt::to_double(x));
        }
    } else if (!pmt::is_null(snr)) {
        throw std::invalid_argument(bad("stream_snr_db", "an f64vector", snr));
    }
    frame.symbols = from_c32vector(pmt::cdr(pdu));
    if (name)
        *name = dict_string(meta, "name", "");
    return frame;
}

} // namespace moema
} // namespace gr
