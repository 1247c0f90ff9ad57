#include "jscc_decoder_impl.h"

#include "jscc_link.h"
#include "messages.h"
#include "moema/jscc/image_io.hpp"
#include "moema/jscc/image_metrics.hpp"
#include "moema/system/jscc_receive_chain.hpp"

#include <gnuradio/io_signature.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace gr {
namespace moema {

namespace {

namespace jscc = ::moema::jscc;
namespace fs = std::filesystem;

const pmt::pmt_t kFrame = pmt::intern("frame");
const pmt::pmt_t kResult = pmt::intern("result");

nlohmann::json number(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

std::string png_name(std::uint32_t frame_id, const std::string& name)
{
    char prefix[32];
    std::snprintf(prefix, sizeof prefix, "frame%06u", frame_id);
    return std::string(prefix) + (name.empty() ? "" : "_" + fs::path(name).stem().string()) + ".png";
}

} // namespace

jscc_decoder::sptr jscc_decoder::make(const std::string& model,
                                      const std::string& output_dir,
                                      const std::string& reference_dir,
                                      const std::vector<std::string>& names)
{
    std::error_code ec;
    if (!reference_dir.empty() && !fs::is_directory(reference_dir, ec))
        throw std::invalid_argument("jscc_decoder: reference_dir " + reference_dir + " is not a folder");
    if (!output_dir.empty()) {
        fs::create_directories(output_dir, ec);
        if (ec || !fs::is_directory(output_dir))
            throw std::invalid_argument("jscc_decoder: cannot create output_dir " + output_dir +
                                        (ec ? ": " + ec.message() : std::string()));
    }
    return gnuradio::make_block_sptr<jscc_decoder_impl>(
        jscc::load_codec(codec_path(model, "jscc_decoder")),
        jscc_decoder_settings{ output_dir, reference_dir, names });
}

jscc_decoder_impl::jscc_decoder_impl(jscc::TrainedCodec codec, jscc_decoder_settings settings)
    : gr::block("jscc_decoder", gr::io_signature::make(0, 0, 0), gr::io_signature::make(0, 0, 0)),
      d_codec(std::move(codec)),
      d_settings(std::move(settings))
{
    if (!d_settings.output_dir.empty()) {
        const std::string path = d_settings.output_dir + "/results.jsonl";
        d_results_file.open(path, std::ios::trunc);
        if (!d_results_file)
            throw std::invalid_argument("jscc_decoder: cannot write " + path);
    }
    message_port_register_in(kFrame);
    set_msg_handler(kFrame, [this](const pmt::pmt_t& msg) { handle_frame(msg); });
    message_port_register_out(kResult);
}

// PSNR against reference_dir/name when it exists with the decoded size, else NaN.
double jscc_decoder_impl::score(const std::string& name, const torch::Tensor& image) const
{
    if (d_settings.reference_dir.empty() || name.empty())
        return NAN;
    const std::string path = d_settings.reference_dir + "/" + name;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        return NAN;
    const torch::Tensor reference = jscc::load_image(path).unsqueeze(0);
    if (reference.sizes() != image.sizes()) {
        d_logger->warn("reference {} is {}x{}, the frame's image {}x{}: no PSNR",
                       path,
                       reference.size(2),
                       reference.size(3),
                       image.size(2),
                       image.size(3));
        return NAN;
    }
    return jscc::psnr(reference, image).item<double>();
}

nlohmann::json jscc_decoder_impl::decode(const pmt::pmt_t& msg)
{
    nlohmann::json r = { { "frame_id", nullptr }, { "name", "" }, { "ok", false }, { "error", "" } };
    std::string name;
    try {
        const ::moema::rx::MimoReceivedFrame frame = parse_frame_pdu(msg, &name);
        if (name.empty() && !d_settings.names.empty())
            name = d_settings.names[frame.frame_id % d_settings.names.size()];
        r.update({ { "frame_id", frame.frame_id },
                   { "name", name },
                   { "header_assumed", frame.header_assumed },
                   { "height", frame.header.height },
                   { "width", frame.header.width },
                   { "snr_db", number(frame.snr_db) },
                   { "stream_snr_db", frame.stream_snr_db },
                   { "psnr", nullptr },
                   { "png", "" } });
        // The chain's last stage: a frame that is not ok or does not fit the codec comes back undecoded.
        const jscc::ReceivedImage received = jscc::decode_received_frame(d_codec, frame);
        if (!received.decoded()) {
            r["error"] = received.error;
            return r;
        }
        const torch::Tensor& image = received.image;
        if (!d_settings.output_dir.empty()) {
            const std::string png = d_settings.output_dir + "/" + png_name(frame.frame_id, name);
            jscc::save_png(image, png);
            r["png"] = png;
        }
        r["psnr"] = number(score(name, image));
        r["ok"] = true;
    } catch (const std::exception& e) {
        r["error"] = e.what();
    }
    return r;
}

void jscc_decoder_impl::handle_frame(const pmt::pmt_t& msg)
{
    const nlohmann::json r = decode(msg);
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_results.push_back(r);
        if (r["ok"].get<bool>()) {
            ++d_decoded;
        } else {
            ++d_failed;
            d_errors.push_back(r["error"].get<std::string>());
        }
    }
    if (r["ok"].get<bool>())
        d_logger->info("frame {} {}: PSNR {} dB{}",
                       r["frame_id"].dump(),
                       r["name"].get<std::string>(),
                       r["psnr"].is_null() ? std::string("n/a") : fmt::format("{:.2f}", r["psnr"].get<double>()),
                       r["png"].get<std::string>().empty() ? std::string() : ", " + r["png"].get<std::string>());
    else
        d_logger->warn("frame {} not decoded: {}", r["frame_id"].dump(), r["error"].get<std::string>());
    if (d_results_file.is_open())
        d_results_file << r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n' << std::flush;
    nlohmann::json message = r;
    if (message["psnr"].is_null())
        message["psnr"] = NAN;
    if (message["snr_db"].is_null())
        message["snr_db"] = NAN;
    message_port_pub(kResult, json_to_pmt(message));
}

std::uint64_t jscc_decoder_impl::frames_decoded() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_decoded;
}

std::uint64_t jscc_decoder_impl::frames_failed() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_failed;
}

nlohmann::json jscc_decoder_impl::summary() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    double sum = 0;
    int scored = 0;
    for (const nlohmann::json& r : d_results)
        if (r.contains("psnr") && r["psnr"].is_number())
            sum += r["psnr"].get<double>(), ++scored;
    return { { "model", d_codec.name },
             { "frames", d_results.size() },
             { "decoded", d_decoded },
             { "failed", d_failed },
             { "scored", scored },
             { "mean_psnr", scored ? nlohmann::json(sum / scored) : nlohmann::json(nullptr) },
             { "errors", d_errors },
             { "results", d_results } };
}

std::string jscc_decoder_impl::summary_json() const
{
    return summary().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool jscc_decoder_impl::stop()
{
    if (d_finished)
        return true;
    d_finished = true;
    // Frames still queued when the receiver's stream ended: GNU Radio stops
    // delivering this block's messages then, the frames are decoded here.
    for (pmt::pmt_t msg = delete_head_nowait(kFrame); msg; msg = delete_head_nowait(kFrame))
        handle_frame(msg);
    const nlohmann::json s = summary();
    d_logger->info("{} frames: {} decoded, {} not; mean PSNR {}",
                   s["frames"].get<std::size_t>(),
                   d_decoded,
                   d_failed,
                   s["mean_psnr"].is_null() ? std::string("n/a")
                                            : fmt::format("{:.2f} dB", s["mean_psnr"].get<double>()));
    if (!d_settings.output_dir.empty()) {
        const std::string path = d_settings.output_dir + "/summary.json";
        std::ofstream out(path, std::ios::trunc);
        out << s.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        out.close();
        if (!out)
            d_logger->error("cannot write the summary to {}", path);
    }
    return true;
}

} // namespace moema
} // namespace gr
