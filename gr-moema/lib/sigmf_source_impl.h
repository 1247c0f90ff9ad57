// sigmf_source_impl: reads the recording with moema::rx::SigmfReader straight
// into the output buffers (cf32 on disk is gr_complex). No processing here.
#ifndef INCLUDED_MOEMA_SIGMF_SOURCE_IMPL_H
#define INCLUDED_MOEMA_SIGMF_SOURCE_IMPL_H

#include <gnuradio/moema/sigmf_source.h>

#include "moema/io/sigmf.hpp"

#include <memory>

namespace gr {
namespace moema {

class sigmf_source_impl : public sigmf_source
{
public:
    sigmf_source_impl(const std::string& path,
                      bool repeat,
                      std::unique_ptr<::moema::rx::SigmfReader> reader);

    int channels() const override { return d_reader->channels(); }
    double sample_rate() const override { return d_reader->sample_rate(); }
    double frequency() const override { return d_reader->frequency(); }
    std::uint64_t samples() const override { return d_reader->samples(); }
    std::string extension_json() const override { return d_reader->extension().dump(); }
    std::vector<std::string> warnings() const override { return d_reader->warnings(); }

    bool start() override;
    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    bool rewind();
    void tag_captures(std::size_t n);
    void publish_truth();

    const std::string d_path;
    const bool d_repeat;
    std::unique_ptr<::moema::rx::SigmfReader> d_reader;
    std::vector<::moema::rx::SampleF*> d_channels;
    std::uint64_t d_pass_start = 0; // output sample where the current pass over the file began
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_SIGMF_SOURCE_IMPL_H */
