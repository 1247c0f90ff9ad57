#!/usr/bin/env python3
"""QA for the MoEMA radio blocks end to end, without hardware: two device_tx
-> ma_channel (K antennas) -> ap_rx, whose raw samples (pass_through) and
frame annotations sigmf_sink records, then
the recording replayed by sigmf_source -> ap_rx. The receiver's accuracy is
the library's business (tests/models, moema-loopback); this checks that the
blocks carry every frame, decision, label and sample through GNU Radio.
Needs the models (LibTorch), the data sets and the shipped receivers
(n2_m10_d3_ov0_projection_s1); skipped without the models.
Run from the build tree: PYTHONPATH=<build>/gr-moema/python /usr/bin/python3 qa_ap_rx.py
"""

import json
import os
import shutil
import tempfile
import unittest

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

from gnuradio import moema

SLOTS = 60
ANTENNAS = 8
DEPLOYMENT = {"devices": 2, "slots": SLOTS, "seed": 1}
RECEIVER = {"deployment": DEPLOYMENT, "antennas": ANTENNAS, "learning_slots": 50}


def read_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


@unittest.skipUnless(getattr(moema, "with_models", False), "gr-moema built without the models (LibTorch)")
class qa_ap_rx(gr_unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="qa_ap_rx_")
        tb = gr.top_block()
        txs = [moema.device_tx(json.dumps(DEPLOYMENT), n) for n in range(2)]
        chan = moema.ma_channel(antennas=ANTENNAS, devices=2, noise_variance=1e-3, seed=3)
        cls.rx = moema.ap_rx(json.dumps(RECEIVER), cls.path("decisions.jsonl"),
                             cls.path("summary.json"), pass_through=True)
        rec = moema.sigmf_sink(cls.path("rec"), "moema", ANTENNAS, 1e6, 0.0, "qa_ap_rx",
                               json.dumps({"receiver": RECEIVER}))
        cls.decisions = blocks.message_debug()
        cls.channel0 = blocks.vector_sink_c()
        tb.connect((chan, 0), cls.channel0)
        for n, tx in enumerate(txs):
            tb.connect(tx, (chan, n))
            tb.msg_connect(tx, "truth", cls.rx, "truth")
            tb.msg_connect(tx, "truth", rec, "truth")
        for k in range(ANTENNAS):
            tb.connect((chan, k), (cls.rx, k))
            tb.connect((cls.rx, k), (rec, k))  # the raw samples, after the receiver saw them
        tb.msg_connect(cls.rx, "decisions", cls.decisions, "store")
        tb.msg_connect(cls.rx, "frames", rec, "frames")
        tb.run()
        cls.samples = rec.samples_written()

    @classmethod
    def path(cls, name):
        return os.path.join(cls.dir, name)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_live(self):
        with open(self.path("summary.json")) as f:
            summary = json.load(f)
        self.assertEqual(summary["frames_detected"], SLOTS)
        self.assertEqual(summary["frames_decoded"], SLOTS)
        self.assertEqual(summary["frames_dropped"], 0)
        self.assertEqual(summary["errors"], [])
        self.assertEqual(summary["scored"], 2 * SLOTS)  # every label arrived as a message
        self.assertGreater(summary["accuracy"], 60.0)   # chance is 5%
        for similarity in summary["subspace_similarity"]:
            self.assertGreater(similarity, 0.99)
        decisions = read_lines(self.path("decisions.jsonl"))
        self.assertEqual(sorted(d["slot"] for d in decisions), list(range(SLOTS)))
        self.assertEqual(json.loads(self.rx.receiver.summary_json())["accuracy"], summary["accuracy"])
        # Decisions published while the stream ran arrive as messages (those
        # decided at the end of the stream only reach the files; see ap_receiver.h).
        messages = [pmt.to_python(self.decisions.get_message(i))
                    for i in range(self.decisions.num_messages())]
        self.assertGreaterEqual(len(messages), 50)
        by_slot = {d["slot"]: d for d in decisions}
        for m in messages:
            self.assertEqual(m["classes"], by_slot[m["slot"]]["classes"])
            self.assertEqual(len(m["gate"]), 2)

    def test_recording_and_replay(self):
        src = moema.sigmf_source(self.path("rec"))
        self.assertEqual((src.channels(), src.samples()), (ANTENNAS, self.samples))
        extension = json.loads(src.extension_json())
        self.assertEqual(len(extension["truth"]), SLOTS)
        with open(self.path("rec/moema-ch00.sigmf-meta")) as f:
            annotations = json.load(f)["annotations"]
        recorded = np.fromfile(self.path("rec/moema-ch00.sigmf-data"), dtype=np.complex64)
        np.testing.assert_array_equal(recorded, np.array(self.channel0.data(), dtype=np.complex64))
        self.assertEqual(len(annotations), SLOTS)  # the last frames too: the sink ends after the receiver
        # Frames are timed in the recorded samples: slot t starts after the
        # silent slot, plus the transmit filter's delay (32 samples).
        slot_samples = annotations[0]["core:sample_count"]
        for a in annotations:
            expected = (1 + a["moema:slot"]) * slot_samples + 32
            self.assertLessEqual(abs(a["core:sample_start"] - expected), 1)  # rounded estimate
        tb = gr.top_block()
        rx = moema.ap_rx(json.dumps(extension["receiver"]), self.path("replay.jsonl"))
        for k in range(ANTENNAS):
            tb.connect((src, k), (rx, k))
        tb.msg_connect(src, "truth", rx, "truth")
        tb.run()
        live = read_lines(self.path("decisions.jsonl"))
        replay = read_lines(self.path("replay.jsonl"))
        self.assertEqual([d["classes"] for d in replay], [d["classes"] for d in live])
        self.assertEqual(json.loads(rx.receiver.summary_json())["scored"], 2 * SLOTS)

    def test_replay_of_a_timed_recording_gives_every_decision_its_receive_time(self):
        # As a USRP capture is: its first sample stamped with rx_time.
        timed = self.path("timed")
        shutil.copytree(self.path("rec"), timed)
        start = 1700000000.5
        for k in range(ANTENNAS):
            meta_path = os.path.join(timed, "moema-ch%02d.sigmf-meta" % k)
            with open(meta_path) as f:
                meta = json.load(f)
            meta["captures"] = [{"core:sample_start": 0, "moema:rx_time": start}]
            with open(meta_path, "w") as f:
                json.dump(meta, f)
        src = moema.sigmf_source(timed)
        tb = gr.top_block()
        rx = moema.ap_rx(json.dumps(json.loads(src.extension_json())["receiver"]), self.path("timed.jsonl"))
        for k in range(ANTENNAS):
            tb.connect((src, k), (rx, k))
        tb.run()
        decisions = read_lines(self.path("timed.jsonl"))
        self.assertEqual(len(decisions), SLOTS)
        slot_samples = 1120
        for d in decisions:  # the frame's first sample: after the silent slot and the 32-sample TX filter delay
            expected = start + ((1 + d["slot"]) * slot_samples + 32) / 1e6
            self.assertAlmostEqual(d["rx_time"], expected, delta=1e-6)  # within a sample at 1 MS/s

    def test_missing_receivers(self):
        config = dict(RECEIVER, deployment=dict(DEPLOYMENT, seed=7))
        with self.assertRaisesRegex(RuntimeError, "moema-experiment"):
            moema.ap_rx(json.dumps(config))


if __name__ == "__main__":
    gr_unittest.run(qa_ap_rx)
