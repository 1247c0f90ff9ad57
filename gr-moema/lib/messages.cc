#include "messages.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace gr {
namespace moema {

namespace {

using nlohmann::json;

pmt::pmt_t array_to_pmt(const json& j)
{
    pmt::pmt_t v = pmt::make_vector(j.size(), pmt::PMT_NIL);
    for (std::size_t i = 0; i < j.size(); ++i)
        pmt::vector_set(v, i, json_to_pmt(j[i]));
    return v;
}

pmt::pmt_t object_to_pmt(const json& j)
{
    pmt::pmt_t d = pmt::make_dict();
    for (const auto& [key, value] : j.items())
        d = pmt::dict_add(d, pmt::intern(key), json_to_pmt(value));
    return d;
}

pmt::pmt_t field(const pmt::pmt_t& msg, const char* key)
{
    if (!pmt::is_dict(msg))
        throw std::invalid_argument("expected a dict, got " + pmt::write_string(msg));
    const pmt::pmt_t value = pmt::dict_ref(msg, pmt::intern(key), pmt::PMT_NIL);
    if (pmt::is_null(value))
        throw std::invalid_argument(std::string("missing \"") + key + "\" in " +
                                    pmt::write_string(msg));
    return value;
}

std::string bad(const char* key, const char* expected, const pmt::pmt_t& value)
{
    return std::string("\"") + key + "\" must be " + expected + ", got " +
           pmt::write_string(value);
}

// Python ints arrive as longs, the blocks' own counters as uint64.
std::int64_t integer_field(const pmt::pmt_t& msg, const char* key)
{
    const pmt::pmt_t value = field(msg, key);
    if (pmt::is_uint64(value) &&
        pmt::to_uint64(value) <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return static_cast<std::int64_t>(pmt::to_uint64(value));
    if (pmt::is_integer(value))
        return pmt::to_long(value);
    throw std::invalid_argument(bad(key, "an integer", value));
}

std::uint64_t count_field(const pmt::pmt_t& msg, const char* key)
{
    const std::int64_t v = integer_field(msg, key);
    if (v < 0)
        throw std::invalid_argument(bad(key, "non-negative", field(msg, key)));
    return static_cast<std::uint64_t>(v);
}

int int_field(const pmt::pmt_t& msg, const char* key)
{
    const std::int64_t v = integer_field(msg, key);
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
        throw std::invalid_argument(bad(key, "an int", field(msg, key)));
    return static_cast<int>(v);
}

// Optional text: absent or #f/PMT_NIL reads as empty.
std::string text_field(const pmt::pmt_t& msg, const char* key)
{
    if (!pmt::is_dict(msg) || !pmt::dict_has_key(msg, pmt::intern(key)))
        return "";
    const pmt::pmt_t value = pmt::dict_ref(msg, pmt::intern(key), pmt::PMT_NIL);
    if (pmt::is_symbol(value))
        return pmt::symbol_to_string(value);
    if (pmt::is_null(value))
        return "";
    throw std::invalid_argument(bad(key, "a string", value));
}

} // namespace

double rx_time_seconds(const pmt::pmt_t& value)
{
    if (!pmt::is_tuple(value) || pmt::length(value) != 2)
        throw std::invalid_argument("rx_time must be tuple(uint64, double), got " +
                                    pmt::write_string(value));
    const pmt::pmt_t secs = pmt::tuple_ref(value, 0);
    const pmt::pmt_t frac = pmt::tuple_ref(value, 1);
    const double whole = pmt::is_uint64(secs) ? static_cast<double>(pmt::to_uint64(secs))
                                              : static_cast<double>(pmt::to_long(secs));
    return whole + pmt::to_double(frac);
}

pmt::pmt_t rx_time_value(double seconds)
{
    const double whole = std::floor(seconds);
    return pmt::make_tuple(pmt::from_uint64(static_cast<std::uint64_t>(whole)),
                           pmt::from_double(seconds - whole));
}

pmt::pmt_t json_to_pmt(const json& j)
{
    switch (j.type()) {
    case json::value_t::object:
        return object_to_pmt(j);
    case json::value_t::array:
        return array_to_pmt(j);
    case json::value_t::string:
        return pmt::intern(j.get<std::string>());
    case json::value_t::boolean:
        return pmt::from_bool(j.get<bool>());
    case json::value_t::number_integer:
        return pmt::from_long(j.get<long>());
    case json::value_t::number_unsigned: {
        const auto v = j.get<std::uint64_t>();
        return v <= static_cast<std::uint64_t>(std::numeric_limits<long>::max())
                   ? pmt::from_long(static_cast<long>(v))
                   : pmt::from_uint64(v);
    }
    case json::value_t::number_float:
        return pmt::from_double(j.get<double>());
    default: // null, discarded, binary
        return pmt::PMT_NIL;
    }
}

pmt::pmt_t truth_message(const TruthEntry& entry)
{
    pmt::pmt_t d = pmt::make_dict();
    d = pmt::dict_add(d, pmt::intern("slot"), pmt::from_uint64(entry.slot));
    d = pmt::dict_add(d, pmt::intern("device"), pmt::from_long(entry.device));
    d = pmt::dict_add(d, pmt::intern("label"), pmt::from_long(entry.label));
    return d;
}

TruthEntry parse_truth(const pmt::pmt_t& msg)
{
    TruthEntry e;
    e.slot = count_field(msg, "slot");
    e.device = int_field(msg, "device");
    e.label = int_field(msg, "label");
    if (e.device < 0)
        throw std::invalid_argument(bad("device", "non-negative", field(msg, "device")));
    return e;
}

std::optional<std::vector<int>> TruthTable::labels(std::uint64_t slot, int devices) const
{
    const auto it = d_labels.find(slot);
    if (it == d_labels.end() || devices <= 0)
        return std::nullopt;
    std::vector<int> labels;
    for (int n = 0; n < devices; ++n) {
        const auto label = it->second.find(n);
        if (label == it->second.end())
            return std::nullopt;
        labels.push_back(label->second);
    }
    return labels;
}

int TruthTable::devices_seen() const
{
    int devices = 0;
    for (const auto& [slot, labels] : d_labels)
        devices = std::max(devices, labels.rbegin()->first + 1);
    return devices;
}

nlohmann::json TruthTable::to_json(std::size_t* incomplete) const
{
    const int devices = devices_seen();
    json truth = json::object();
    *incomplete = 0;
    for (const auto& [slot, unused] : d_labels) {
        if (auto labels = this->labels(slot, devices))
            truth[std::to_string(slot)] = *labels;
        else
            ++*incomplete;
    }
    return truth;
}

::moema::rx::SigmfAnnotation parse_frame(const pmt::pmt_t& msg)
{
    ::moema::rx::SigmfAnnotation a;
    a.sample_start = count_field(msg, "sample_start");
    a.sample_count = count_field(msg, "sample_count");
    a.label = text_field(msg, "label");
    a.comment = text_field(msg, "error");
    a.extension = json::object();
    if (pmt::dict_has_key(msg, pmt::intern("slot")))
        a.extension["slot"] = count_field(msg, "slot");
    if (pmt::dict_has_key(msg, pmt::intern("frame")))
        a.extension["frame"] = count_field(msg, "frame");
    if (pmt::dict_has_key(msg, pmt::intern("ok"))) {
        const pmt::pmt_t ok = field(msg, "ok");
        if (!pmt::is_bool(ok))
            throw std::invalid_argument(bad("ok", "a bool", ok));
        a.extension["ok"] = pmt::to_bool(ok);
    }
    return a;
}

} // namespace moema
} // namespace gr
