#!/usr/bin/env python3
"""QA for moema.device_source: slot layout, the preamble (checked against
its closed form, independently of the library), tags, truth messages, burst
tags, and output that does not line up with slots. SemanticTransmitter and
the framing are tested in C++ (tests/); this checks the adapter.
Needs the models (LibTorch) built and the data sets (MOEMA_DATA_DIR, default
<repo>/data); skipped without the models.
Run from the build tree: PYTHONPATH=<build>/gr-moema/python /usr/bin/python3 qa_device_source.py
"""

import json
import unittest

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

from gnuradio import moema

SLOTS = 4  # split_devices needs an even count (half MNIST, half Fashion-MNIST)
CONFIG = json.dumps({"devices": 2, "codeword_length": 10, "slots": SLOTS, "seed": 1})


def zadoff_chu(length=31):
    n = np.arange(length)
    return np.exp(-1j * np.pi * n * (n + 1) / length)


def run_source(device=0, max_items=None, **kwargs):
    """device_source -> vector sink; return (block, samples, tags, truth dicts)."""
    tb = gr.top_block()
    src = moema.device_source(CONFIG, device, **kwargs)
    if max_items is not None:
        src.set_max_noutput_items(max_items)
    sink = blocks.vector_sink_c()
    store = blocks.message_debug()
    tb.connect(src, sink)
    tb.msg_connect(src, "truth", store, "store")
    tb.run()
    tags = [(t.offset, pmt.symbol_to_string(t.key), pmt.to_python(t.value)) for t in sink.tags()]
    truth = [pmt.to_python(store.get_message(i)) for i in range(store.num_messages())]
    return src, np.array(sink.data(), dtype=np.complex64), tags, truth


@unittest.skipUnless(getattr(moema, "with_models", False), "gr-moema built without the models (LibTorch)")
class qa_device_source(gr_unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.src, cls.y, cls.tags, cls.truth = run_source(0, idle_before=1, idle_after=2)

    def test_length_and_silence(self):
        s = self.src.slot_symbols()
        self.assertEqual(self.src.slots(), SLOTS)
        self.assertEqual(len(self.y), (1 + SLOTS + 2) * s)
        self.assertEqual(self.src.total_symbols(), len(self.y))
        np.testing.assert_array_equal(self.y[:s], 0)          # idle_before
        np.testing.assert_array_equal(self.y[(1 + SLOTS) * s:], 0)  # idle_after
        for t in range(SLOTS):
            self.assertGreater(np.sum(np.abs(self.y[(1 + t) * s:(2 + t) * s]) ** 2), 0)

    def test_preamble(self):
        s = self.src.slot_symbols()
        zc = zadoff_chu(31)
        expected = np.concatenate([zc, zc])
        for t in range(SLOTS):
            start = (1 + t) * s
            np.testing.assert_allclose(self.y[start:start + 62], expected, rtol=0, atol=1e-6)

    def test_tags_and_truth(self):
        s = self.src.slot_symbols()
        slot_tags = [(o, v) for o, k, v in self.tags if k == "slot"]
        label_tags = [(o, v) for o, k, v in self.tags if k == "label"]
        self.assertEqual(slot_tags, [((1 + t) * s, t) for t in range(SLOTS)])
        self.assertEqual([o for o, _ in label_tags], [(1 + t) * s for t in range(SLOTS)])
        labels = [v for _, v in label_tags]
        for label in labels:
            self.assertIn(label, range(20))
        self.assertEqual(self.truth,
                         [{"slot": t, "device": 0, "label": labels[t]} for t in range(SLOTS)])
        self.assertFalse([k for _, k, _ in self.tags if k.startswith("tx_")])

    def test_small_output_buffers(self):
        # 7 symbols per call at most: slots straddle calls, the output does not change.
        _, y, tags, truth = run_source(0, max_items=7, idle_before=1, idle_after=2)
        np.testing.assert_array_equal(y, self.y)
        self.assertEqual(tags, self.tags)
        self.assertEqual(truth, self.truth)

    def test_burst_tags_other_device(self):
        src, y, tags, truth = run_source(1, idle_before=0, idle_after=1,
                                         burst_tags=True, start_time=12.5)
        s = src.slot_symbols()
        self.assertEqual(len(y), (SLOTS + 1) * s)
        burst = {k: (o, v) for o, k, v in tags if k.startswith("tx_")}
        self.assertEqual(burst["tx_sob"], (0, True))
        self.assertEqual(burst["tx_eob"], (len(y) - 1, True))
        self.assertEqual(burst["tx_time"], (0, (12, 0.5)))
        # The common preamble, a different payload from device 0's.
        zc = zadoff_chu(31)
        np.testing.assert_allclose(y[:62], np.concatenate([zc, zc]), rtol=0, atol=1e-6)
        self.assertFalse(np.allclose(y[:s], self.y[s:2 * s]))
        self.assertEqual([d["device"] for d in truth], [1] * SLOTS)
        self.assertEqual([o for o, k, _ in tags if k == "slot"], [t * s for t in range(SLOTS)])

    def test_bad_parameters(self):
        with self.assertRaisesRegex(ValueError, "device"):
            moema.device_source(CONFIG, 2)
        with self.assertRaisesRegex(ValueError, "idle_before"):
            moema.device_source(CONFIG, 0, -1)
        with self.assertRaisesRegex(ValueError, "config_json"):
            moema.device_source("{not json", 0)


if __name__ == "__main__":
    gr_unittest.run(qa_device_source)
