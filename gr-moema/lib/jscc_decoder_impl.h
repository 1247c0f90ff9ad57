// jscc_decoder_impl: decodes received frames with
// moema::jscc::decode_frame, writes and scores the images with
// image_io and image_metrics, and reports. No signal processing here.
#ifndef INCLUDED_MOEMA_JSCC_DECODER_IMPL_H
#define INCLUDED_MOEMA_JSCC_DECODER_IMPL_H

#include <gnuradio/moema/jscc_decoder.h>

#include "moema/system/jscc_radio_link.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <mutex>
#include <string>
#include <vector>

namespace gr {
namespace moema {

struct jscc_decoder_settings {
    std::string output_dir;
    std::string reference_dir;
    std::vector<std::string> names;
};

class jscc_decoder_impl : public jscc_decoder
{
public:
    jscc_decoder_impl(::moema::jscc::TrainedCodec codec, jscc_decoder_settings settings);

    std::uint64_t frames_decoded() const override;
    std::uint64_t frames_failed() const override;
    std::string summary_json() const override;

    bool stop() override;

private:
    void handle_frame(const pmt::pmt_t& msg);
    nlohmann::json decode(const pmt::pmt_t& msg);
    double score(const std::string& name, const torch::Tensor& image) const;
    nlohmann::json summary() const;

    ::moema::jscc::TrainedCodec d_codec;
    const jscc_decoder_settings d_settings;
    std::ofstream d_results_file;
    mutable std::mutex d_mutex; // the results, read by summary_json() from other threads
    std::vector<nlohmann::json> d_results;
    std::vector<std::string> d_errors;
    std::uint64_t d_decoded = 0;
    std::uint64_t d_failed = 0;
    bool d_finished = false;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_JSCC_DECODER_IMPL_H */
