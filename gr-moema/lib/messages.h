// The message formats of the blocks' ports, UHD's time tags, and JSON -> PMT
// for the library's JSON (decisions). Plumbing only: no block logic here.
#ifndef INCLUDED_MOEMA_MESSAGES_H
#define INCLUDED_MOEMA_MESSAGES_H

#include "moema/io/sigmf.hpp"

#include <nlohmann/json.hpp>
#include <pmt/pmt.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gr {
namespace moema {

// Objects -> dicts, arrays -> vectors (lists in Python), integers -> long
// (uint64 beyond its range), floats -> double, strings -> symbols, null -> PMT_NIL.
pmt::pmt_t json_to_pmt(const nlohmann::json& j);

// UHD's rx_time tag value: tuple(uint64 full seconds, double fractional
// seconds). Reading also takes a long for the seconds; throws
// std::invalid_argument naming what it got.
double rx_time_seconds(const pmt::pmt_t& value);
pmt::pmt_t rx_time_value(double seconds);

// One device's label of one slot: {"slot": uint64, "device": long, "label": long}.
struct TruthEntry {
    std::uint64_t slot = 0;
    int device = 0;
    int label = 0;
};
pmt::pmt_t truth_message(const TruthEntry& entry);
// Throws std::invalid_argument naming the missing or mistyped field.
TruthEntry parse_truth(const pmt::pmt_t& msg);

// Ground truth as it arrives, device by device.
class TruthTable
{
public:
    void add(const TruthEntry& entry) { d_labels[entry.slot][entry.device] = entry.label; }
    // The slot's labels once devices 0..devices-1 are all known.
    std::optional<std::vector<int>> labels(std::uint64_t slot, int devices) const;
    // {"<slot>": [label of device 0, ...]} over the slots whose labels are
    // known for every device seen; *incomplete counts the other slots.
    nlohmann::json to_json(std::size_t* incomplete) const;
    bool empty() const { return d_labels.empty(); }

private:
    int devices_seen() const;
    std::map<std::uint64_t, std::map<int, int>> d_labels;
};

// A "frames" dict {"sample_start", "sample_count", "label", "slot", "ok",
// "error", optionally "frame"} as a SigMF annotation: error is the comment,
// slot, ok and frame go to the "moema:" extension. Throws std::invalid_argument.
::moema::rx::SigmfAnnotation parse_frame(const pmt::pmt_t& msg);

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_MESSAGES_H */
