// The image link's receive chain: it is the composition of the radio
// receiver and the decoder (same images, bit for bit), independent of how
// the samples are cut into pieces, and a frame it cannot decode comes back
// with its reason instead of an exception.
#include "moema/jscc/image_io.hpp"
#include "moema/jscc/image_metrics.hpp"
#include "moema/system/jscc_receive_chain.hpp"

#include <gtest/gtest.h>

#include <complex>
#include <vector>

namespace moema::jscc {
namespace {

using Streams = std::vector<std::vector<std::complex<float>>>;

struct Link {
  TrainedCodec model = load_codec(find_codec("deepjscc_mimo2x2_r16"));
  RadioLinkOptions options = [] {
    RadioLinkOptions o;
    o.height = 64;
    o.width = 64;
    return o;
  }();
  rx::MimoFrameFormat format = radio_frame_format(model, options);
};

// The top-left 64x64 of a Kodak image.
torch::Tensor test_image(const Link& link) {
  const auto image = load_image(moema::kodak_dir() + "/kodim23.png").unsqueeze(0);
  return image.slice(2, 0, link.options.height).slice(3, 0, link.options.width).contiguous();
}

struct Simulated {
  Streams samples;
  rx::ComplexMatrix h;  // the channel of the first frame
};

// Two frames of one image through the simulated 2x2 channel at 20 dB, then
// silence to flush the last one (block fading: one H per frame period).
Simulated simulated_samples(Link& link) {
  rx::MimoChannelConfig channel;
  channel.snr_db = 20;
  channel.cfo = 1e-4;
  channel.timing_offset = 1.3;
  SimulatedAir air(link.format, channel, 7);
  const auto symbols = encode_image(link.model, link.format, test_image(link), 20);
  Simulated out{Streams(2), {}};
  for (int frame = 0; frame < 3; ++frame) {
    const auto piece = frame < 2 ? air.next(symbols, link.options.height, link.options.width) : air.next({}, 0, 0);
    if (frame == 0) out.h = air.last_channel();
    for (std::size_t k = 0; k < out.samples.size(); ++k)
      out.samples[k].insert(out.samples[k].end(), piece[k].begin(), piece[k].end());
  }
  return out;
}

std::vector<ReceivedImage> push_in_pieces(JsccReceiveChain& chain, const Streams& samples, std::size_t piece) {
  std::vector<ReceivedImage> out;
  for (std::size_t start = 0; start < samples.front().size(); start += piece) {
    const std::size_t n = std::min(piece, samples.front().size() - start);
    std::vector<const std::complex<float>*> channels;
    for (const auto& s : samples) channels.push_back(s.data() + start);
    for (auto& image : chain.push(channels, n)) out.push_back(std::move(image));
  }
  return out;
}

TEST(JsccReceiveChain, IsTheRadioReceiverFollowedByTheDecoder) {
  Link link;
  const Simulated simulated = simulated_samples(link);
  const Streams& samples = simulated.samples;
  JsccReceiveChain chain(link.model, link.format, 2);
  const auto images = push_in_pieces(chain, samples, samples.front().size());
  ASSERT_EQ(images.size(), 2u);

  RadioReceiver receiver(link.format, 2);
  std::vector<const std::complex<float>*> channels;
  for (const auto& s : samples) channels.push_back(s.data());
  const auto frames = receiver.push(channels, samples.front().size());
  ASSERT_EQ(frames.size(), 2u);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    ASSERT_TRUE(images[i].decoded()) << images[i].error;
    EXPECT_EQ(images[i].frame.frame_id, i);
    const auto expected = quantize_8bit(decode_frame(link.model, frames[i]));
    EXPECT_TRUE(torch::equal(images[i].image, expected)) << "frame " << i;
  }
  EXPECT_EQ(chain.counts().decoded, 2);
  // The first frame's image is within a dB of the same codec through the same
  // H with perfect timing, frequency and CSI (what jscc-eval measures).
  const auto original = test_image(link);
  const auto ideal = quantize_8bit(ideal_reconstruction(link.model, original, simulated.h, 20, 1));
  EXPECT_NEAR(psnr(original, images[0].image).item<double>(), psnr(original, ideal).item<double>(), 1.0);
}

TEST(JsccReceiveChain, ImagesDoNotDependOnHowTheSamplesArePieced) {
  Link link;
  const Streams samples = simulated_samples(link).samples;
  JsccReceiveChain whole(link.model, link.format, 2), pieces(link.model, link.format, 2);
  const auto a = push_in_pieces(whole, samples, samples.front().size());
  const auto b = push_in_pieces(pieces, samples, 777);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i].image, b[i].image)) << "frame " << i;
}

TEST(DecodeReceivedFrame, AFrameThatIsNotOkKeepsItsReason) {
  Link link;
  rx::MimoReceivedFrame frame;
  frame.ok = false;
  frame.error = "frame 3 dropped: header CRC";
  const ReceivedImage r = decode_received_frame(link.model, frame);
  EXPECT_FALSE(r.decoded());
  EXPECT_NE(r.error.find("not usable: frame 3 dropped: header CRC"), std::string::npos) << r.error;
}

TEST(DecodeReceivedFrame, AFrameThatDoesNotFitTheCodecIsReportedNotThrown) {
  Link link;
  rx::MimoReceivedFrame frame;
  frame.ok = true;
  frame.header.height = 64;
  frame.header.width = 64;
  frame.symbols = rx::ComplexVector::Ones(10);  // far fewer than a 64x64 image needs
  frame.stream_snr_db = {10, 10};
  ReceivedImage r;
  ASSERT_NO_THROW(r = decode_received_frame(link.model, frame));
  EXPECT_FALSE(r.decoded());
  EXPECT_NE(r.error.find("64x64"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace moema::jscc
