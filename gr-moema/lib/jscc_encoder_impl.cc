#include "jscc_encoder_impl.h"

#include "jscc_link.h"
#include "moema/jscc/image_io.hpp"

#include <gnuradio/io_signature.h>

#include <cmath>
#include <filesystem>
#include <stdexcept>

namespace gr {
namespace moema {

namespace {

namespace jscc = ::moema::jscc;
namespace fs = std::filesystem;

const pmt::pmt_t kImage = pmt::intern("image");
const pmt::pmt_t kPdu = pmt::intern("pdu");
const std::string kWhere = "jscc_encoder: ";

} // namespace

jscc_encoder::sptr jscc_encoder::make(const std::string& model,
                                      const std::vector<std::string>& images,
                                      double nominal_snr_db,
                                      int height,
                                      int width,
                                      int repeat,
                                      bool listen)
{
    if (!std::isfinite(nominal_snr_db))
        throw std::invalid_argument(kWhere + "nominal_snr_db must be finite");
    if (repeat < 0)
        throw std::invalid_argument(kWhere + "repeat must be >= 0, got " + std::to_string(repeat));
    jscc::TrainedCodec codec = jscc::load_codec(codec_path(model, "jscc_encoder"));
    jscc::RadioLinkOptions options;
    options.height = height;
    options.width = width;
    ::moema::rx::MimoFrameFormat format;
    try {
        format = jscc::radio_frame_format(codec, options);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(kWhere + e.what());
    }
    return gnuradio::make_block_sptr<jscc_encoder_impl>(
        std::move(codec), format, jscc_encoder_settings{ images, nominal_snr_db, repeat, listen });
}

jscc_encoder_impl::jscc_encoder_impl(jscc::TrainedCodec codec,
                                     const ::moema::rx::MimoFrameFormat& format,
                                     jscc_encoder_settings settings)
    : gr::block("jscc_encoder", gr::io_signature::make(0, 0, 0), gr::io_signature::make(0, 0, 0)),
      d_codec(std::move(codec)),
      d_format(format),
      d_settings(std::move(settings))
{
    message_port_register_out(kPdu);
    message_port_register_in(kImage);
    set_msg_handler(kImage, [this](const pmt::pmt_t& msg) { handle_image(msg); });
}

void jscc_encoder_impl::report(const std::string& error)
{
    ++d_errors;
    d_logger->error("{}", error);
}

// The start list with folders expanded; a bad folder is reported and skipped.
std::vector<std::string> jscc_encoder_impl::start_images()
{
    std::vector<std::string> paths;
    for (const std::string& entry : d_settings.images) {
        std::error_code ec;
        if (fs::is_directory(entry, ec)) {
            try {
                for (const std::string& path : jscc::list_images(entry))
                    paths.push_back(path);
            } catch (const std::exception& e) {
                report(e.what());
            }
        } else {
            paths.push_back(entry);
        }
    }
    return paths;
}

std::optional<jscc_encoder_impl::encoded> jscc_encoder_impl::encode(const std::string& path)
{
    try {
        const torch::Tensor image = jscc::load_image(path).unsqueeze(0);
        encoded out;
        out.height = static_cast<int>(image.size(2));
        out.width = static_cast<int>(image.size(3));
        out.name = fs::path(path).filename().string();
        out.symbols = to_c32vector(jscc::encode_image(d_codec, d_format, image, d_settings.nominal_snr_db));
        return out;
    } catch (const std::exception& e) {
        // ImageError names the file; the codec's errors name the size only.
        const std::string what = e.what();
        report(kWhere + (what.find(path) == std::string::npos ? path + ": " : std::string()) + what +
               " (not sent)");
        return std::nullopt;
    }
}

void jscc_encoder_impl::publish(const encoded& image)
{
    pmt::pmt_t meta = pmt::make_dict();
    meta = pmt::dict_add(meta, pmt::intern("height"), pmt::from_long(image.height));
    meta = pmt::dict_add(meta, pmt::intern("width"), pmt::from_long(image.width));
    meta = pmt::dict_add(meta, pmt::intern("name"), pmt::intern(image.name));
    meta = pmt::dict_add(meta, pmt::intern("index"), pmt::from_uint64(d_published));
    message_port_pub(kPdu, pmt::cons(meta, image.symbols));
    ++d_published;
}

bool jscc_encoder_impl::start()
{
    std::vector<encoded> images;
    if (d_settings.repeat > 0)
        for (const std::string& path : start_images())
            if (auto image = encode(path))
                images.push_back(std::move(*image));
    for (int r = 0; r < d_settings.repeat; ++r)
        for (const encoded& image : images)
            publish(image);
    if (!images.empty())
        d_logger->info("{} images encoded ({} symbols each), {} PDUs published",
                       images.size(),
                       d_format.payload_symbols,
                       d_published);
    // Without listen this block is done. Its "done" tells the framer that no
    // more PDUs are coming: sent now, behind the PDUs, so that the framer
    // knows before its first frame; and posted to itself (the scheduler
    // clears the flag after start()) so that its thread ends.
    if (!d_settings.listen) {
        notify_msg_neighbors();
        post(pmt::mp("system"), pmt::cons(pmt::mp("done"), pmt::from_long(1)));
    }
    return block::start();
}

void jscc_encoder_impl::handle_image(const pmt::pmt_t& msg)
{
    if (!pmt::is_symbol(msg)) {
        report(kWhere + "an \"image\" message must be a path (PMT symbol), got " +
               pmt::write_string(msg).substr(0, 80));
        return;
    }
    if (auto image = encode(pmt::symbol_to_string(msg)))
        publish(*image);
}

} // namespace moema
} // namespace gr
