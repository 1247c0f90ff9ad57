// sigmf_sink_impl: hands the samples, rx_time tags and frame annotations to
// moema::rx::SigmfRecorder. No signal processing here.
#ifndef INCLUDED_MOEMA_SIGMF_SINK_IMPL_H
#define INCLUDED_MOEMA_SIGMF_SINK_IMPL_H

#include <gnuradio/moema/sigmf_sink.h>

#include "messages.h"
#include "moema/io/sigmf.hpp"

#include <vector>

namespace gr {
namespace moema {

class sigmf_sink_impl : public sigmf_sink
{
public:
    sigmf_sink_impl(const std::string& directory,
                    const std::string& name,
                    const ::moema::rx::RecordingInfo& info);

    std::string collection_path() const override { return d_recorder.collection_path(); }
    std::uint64_t samples_written() const override { return d_recorder.samples_written(); }

    bool stop() override;
    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    void add_captures(int noutput_items);
    void handle_truth(const pmt::pmt_t& msg);
    void handle_frame(const pmt::pmt_t& msg);
    void write_truth();
    void drain_messages();

    ::moema::rx::SigmfRecorder d_recorder;
    TruthTable d_truth;
    std::vector<const ::moema::rx::SampleF*> d_channels;
    bool d_failed = false; // a write failed: the recording stops, the flowgraph goes on
};

} // namespace moema
} // namespace gr

#endif /* INCLUDED_MOEMA_SIGMF_SINK_IMPL_H */
