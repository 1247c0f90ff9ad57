// jscc_encoder_impl: loads images with moema::jscc::load_image,
// encodes them with encode_image and publishes the symbols as PDUs. No
// signal processing here.
#ifndef INCLUDED_MOEMA_JSCC_ENCODER_IMPL_H
#define INCLUDED_MOEMA_JSCC_ENCODER_IMPL_H

#include <gnuradio/moema/jscc_encoder.h>

#include "moema/system/jscc_radio_link.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gr {
namespace moema {

struct jscc_encoder_settings {
    std::vector<std::string> images; // files, folders expanded at start
    double nominal_snr_db = 10.0;
    int repeat = 1;
    bool listen = false;
};

class jscc_encoder_impl : public jscc_encoder
{
public:
    jscc_encoder_impl(::moema::jscc::TrainedCodec codec,
                      const ::moema::rx::MimoFrameFormat& format,
                      jscc_encoder_settings settings);

    int payload_symbols() const override { return d_format.payload_symbols; }
    int nt() const override { return d_format.nt; }
    std::uint64_t published() const override { return d_published; }
    std::uint64_t errors() const override { return d_errors; }

    bool start() override;

private:
    struct encoded {
        pmt::pmt_t symbols; // c32vector
        int height = 0;
        int width = 0;
        std::string name;
    };
    void handle_image(const pmt::pmt_t& msg);
    std::vector<std::string> start_images();
    std::optional<encoded> encode(const std::string& path);
    void publish(const encoded& image);
    void report(const std::string& error);

    ::moema::jscc::TrainedCodec d_codec;
    const ::moema::rx::MimoFrameFormat d_format;
    const jscc_encoder_settings d_settings;
    std::uint64_t d_published = 0;
    std::uint64_t d_errors = 0;
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_JSCC_ENCODER_IMPL_H */
