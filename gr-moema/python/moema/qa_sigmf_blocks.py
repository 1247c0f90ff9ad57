#!/usr/bin/env python3
"""QA for moema.sigmf_sink and moema.sigmf_source: record through the sink,
replay through the source, and replay damaged recordings. The file format
and the repairs themselves are tested in C++ (tests/, moema::rx::SigmfReader);
this checks the adapters: samples, tags, messages, errors.
Run from the build tree: PYTHONPATH=<build>/gr-moema/python /usr/bin/python3 qa_sigmf_blocks.py
"""

import glob
import json
import os
import shutil
import tempfile

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

from gnuradio import moema

N_SAMPLES = 10000


def rx_time_tag(offset, secs, frac):
    tag = gr.tag_t()
    tag.offset = offset
    tag.key = pmt.intern("rx_time")
    tag.value = pmt.make_tuple(pmt.from_uint64(secs), pmt.from_double(frac))
    return tag


def truth_msg(slot, device, label):
    return pmt.to_pmt({"slot": slot, "device": device, "label": label})


def frame_msg(start, count, slot, ok, error=""):
    return pmt.to_pmt({"sample_start": start, "sample_count": count,
                       "label": "frame" if ok else "dropped frame",
                       "slot": slot, "ok": ok, "error": error})


def replay(path, repeat=False, limit=None):
    """Run sigmf_source(path) into vector sinks; return (source, channels, truth dicts)."""
    tb = gr.top_block()
    src = moema.sigmf_source(path, repeat)
    sinks = [blocks.vector_sink_c() for _ in range(src.channels())]
    store = blocks.message_debug()
    tb.msg_connect(src, "truth", store, "store")
    for k, sink in enumerate(sinks):
        if limit is None:
            tb.connect((src, k), sink)
        else:
            head = blocks.head(gr.sizeof_gr_complex, limit)
            tb.connect((src, k), head, sink)
    tb.run()
    truth = [pmt.to_python(store.get_message(i)) for i in range(store.num_messages())]
    return src, [np.array(s.data(), dtype=np.complex64) for s in sinks], truth


class qa_sigmf_blocks(gr_unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="qa_sigmf_blocks_")
        rng = np.random.default_rng(5)
        self.x = [(rng.standard_normal(N_SAMPLES) + 1j * rng.standard_normal(N_SAMPLES))
                  .astype(np.complex64) for _ in range(2)]
        self.record()

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def record(self):
        """Two channels with two rx_time tags, two frames and the truth of two slots."""
        tb = gr.top_block()
        extension = json.dumps({"receiver": {"antennas": 2}, "note": "qa"})
        sink = moema.sigmf_sink(self.dir, "rec", 2, 1e6, 2.45e9, "qa recording", extension)
        tags = [rx_time_tag(0, 1700000000, 0.25), rx_time_tag(6000, 1700000000, 0.256)]
        tb.connect(blocks.vector_source_c(self.x[0].tolist(), False, 1, tags), (sink, 0))
        tb.connect(blocks.vector_source_c(self.x[1].tolist(), False, 1, []), (sink, 1))
        for slot, labels in ((0, (3, 14)), (1, (7, 12))):
            for device, label in enumerate(labels):
                sink._post(pmt.intern("truth"), truth_msg(slot, device, label))
        sink._post(pmt.intern("frames"), frame_msg(100, 800, 0, True))
        sink._post(pmt.intern("frames"), frame_msg(900, 800, 1, False, "aux CRC failed"))
        tb.run()
        self.assertEqual(sink.samples_written(), N_SAMPLES)
        self.collection = sink.collection_path()
        self.assertEqual(self.collection, os.path.join(self.dir, "rec.sigmf-collection"))

    def data_path(self, k):
        return os.path.join(self.dir, "rec-ch%02d.sigmf-data" % k)

    def meta_path(self, k):
        return os.path.join(self.dir, "rec-ch%02d.sigmf-meta" % k)

    def test_round_trip(self):
        src, ys, truth = replay(self.dir)
        self.assertEqual(src.channels(), 2)
        self.assertEqual(src.samples(), N_SAMPLES)
        self.assertEqual(src.sample_rate(), 1e6)
        self.assertEqual(src.frequency(), 2.45e9)
        self.assertEqual(src.warnings(), [])
        for x, y in zip(self.x, ys):
            np.testing.assert_array_equal(y, x)
        # The truth came back as messages, one per slot and device.
        got = sorted((d["slot"], d["device"], d["label"]) for d in truth)
        self.assertEqual(got, [(0, 0, 3), (0, 1, 14), (1, 0, 7), (1, 1, 12)])
        extension = json.loads(src.extension_json())
        self.assertEqual(extension["truth"], {"0": [3, 14], "1": [7, 12]})
        self.assertEqual(extension["receiver"], {"antennas": 2})
        self.assertEqual(extension["note"], "qa")

    def test_captures_come_back_as_rx_time_and_rx_rate_tags(self):
        for repeat, limit, passes in ((False, None, 1), (True, 2 * N_SAMPLES, 2)):
            tb = gr.top_block()
            src = moema.sigmf_source(self.dir, repeat)
            sinks = [blocks.vector_sink_c() for _ in range(2)]
            for k, sink in enumerate(sinks):
                head = blocks.head(gr.sizeof_gr_complex, limit or N_SAMPLES)
                tb.connect((src, k), head, sink)
            tb.run()
            for sink in sinks:
                tags = sorted((t.offset, pmt.symbol_to_string(t.key), pmt.to_python(t.value)) for t in sink.tags())
                expected = []
                for p in range(passes):  # each pass over the file stamps its captures again
                    base = p * N_SAMPLES
                    expected += [(base, "rx_rate", 1e6), (base, "rx_time", (1700000000, 0.25)),
                                 (base + 6000, "rx_rate", 1e6), (base + 6000, "rx_time", (1700000000, 0.256))]
                self.assertEqual(len(tags), len(expected))
                for got, want in zip(tags, sorted(expected)):
                    self.assertEqual(got[:2], want[:2])
                    if want[1] == "rx_time":
                        self.assertEqual(got[2][0], want[2][0])
                        # The recording keeps epoch seconds as a double: 0.24 us steps.
                        self.assertAlmostEqual(got[2][1], want[2][1], places=6)
                    else:
                        self.assertEqual(got[2], want[2])

    def test_metadata(self):
        with open(self.meta_path(1)) as f:
            meta = json.load(f)
        self.assertEqual(meta["global"]["core:datatype"], "cf32_le")
        self.assertEqual(meta["global"]["moema:truth"], {"0": [3, 14], "1": [7, 12]})
        captures = meta["captures"]
        self.assertEqual([c["core:sample_start"] for c in captures], [0, 6000])
        self.assertAlmostEqual(captures[1]["moema:rx_time"], 1700000000.256, places=6)
        annotations = meta["annotations"]
        self.assertEqual([a["core:sample_start"] for a in annotations], [100, 900])
        self.assertEqual(annotations[1]["core:label"], "dropped frame")
        self.assertEqual(annotations[1]["core:comment"], "aux CRC failed")
        self.assertEqual(annotations[1]["moema:ok"], False)
        self.assertEqual(annotations[0]["moema:slot"], 0)

    def test_repeat(self):
        _, ys, _ = replay(self.collection, repeat=True, limit=2 * N_SAMPLES + 10)
        for x, y in zip(self.x, ys):
            np.testing.assert_array_equal(y, np.concatenate([x, x, x[:10]]))

    def test_truncated_data(self):
        # Channel 1 cut to 6000 samples and half a sample: both replay 6000.
        with open(self.data_path(1), "r+b") as f:
            f.truncate(6000 * 8 + 3)
        src, ys, _ = replay(self.dir)
        self.assertEqual(src.samples(), 6000)
        self.assertTrue(src.warnings())
        for x, y in zip(self.x, ys):
            np.testing.assert_array_equal(y, x[:6000])

    def test_malformed_meta(self):
        with open(self.meta_path(1), "w") as f:
            f.write('{"global": {"core:datatype": ')
        src, ys, _ = replay(self.dir)
        self.assertTrue(any("rec-ch01.sigmf-meta" in w for w in src.warnings()), src.warnings())
        for x, y in zip(self.x, ys):
            np.testing.assert_array_equal(y, x)

    def test_missing_collection(self):
        os.remove(self.collection)
        with self.assertRaisesRegex(RuntimeError, self.collection):
            moema.sigmf_source(self.collection)
        with self.assertRaisesRegex(RuntimeError, self.dir):
            moema.sigmf_source(self.dir)

    def test_missing_data_file(self):
        os.remove(self.data_path(0))
        with self.assertRaisesRegex(RuntimeError, "rec-ch00.sigmf-data"):
            moema.sigmf_source(self.dir)

    def test_bad_sink_parameters(self):
        with self.assertRaisesRegex(ValueError, "extension_json"):
            moema.sigmf_sink(self.dir, "bad", 1, 1e6, 0.0, "", "[1, 2]")
        with self.assertRaisesRegex(ValueError, "channels"):
            moema.sigmf_sink(self.dir, "bad", 0, 1e6, 0.0)

    def test_root_raised_cosine(self):
        shape = moema.default_pulse_shape()
        self.assertEqual((shape.samples_per_symbol, shape.rolloff, shape.filter_span), (4, 0.5, 16))
        taps = moema.root_raised_cosine(4, 0.5, 16)
        self.assertEqual(len(taps), 65)
        self.assertAlmostEqual(sum(t * t for t in taps), 1.0, places=12)
        np.testing.assert_allclose(taps, taps[::-1], atol=1e-15)


if __name__ == "__main__":
    gr_unittest.run(qa_sigmf_blocks)
