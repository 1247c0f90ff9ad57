#!/usr/bin/python3
"""The shipped GNU Radio Companion flowgraphs: every .grc compiles with grcc;
the simulated loopback and the replay run headless; the USRP flowgraphs,
without a USRP, stop with a message naming the device args and the simulated
alternative.

The replay flowgraph replays a recording made by moema-loopback and must
decide the slots the C++ replay (moema-replay) decides, with the same
classes: GNU Radio's matched filters and the library's round differently in
the last bits, the decisions must not change.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLOWGRAPHS = sorted(glob.glob(os.path.join(ROOT, "flowgraphs", "*.grc")))
LOOPBACK = os.environ["MOEMA_LOOPBACK"]
REPLAY = os.environ["MOEMA_REPLAY"]
ENV = dict(os.environ, GRC_BLOCKS_PATH=os.path.join(ROOT, "gr-moema", "grc"))


def run(args, timeout=600, cwd=None):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=ENV, cwd=cwd)


def load_json(path):
    with open(path) as f:
        return json.load(f)


class Flowgraphs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="moema-flowgraphs-")
        cls.compiled = {}
        for grc in FLOWGRAPHS:
            proc = run(["grcc", "-o", cls.tmp, grc])
            cls.compiled[os.path.basename(grc)] = proc

    def script(self, name):
        return os.path.join(self.tmp, name.replace(".grc", ".py"))

    def test_every_flowgraph_compiles(self):
        self.assertGreaterEqual(len(FLOWGRAPHS), 5)
        for name, proc in self.compiled.items():
            with self.subTest(flowgraph=name):
                self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
                self.assertTrue(os.path.exists(self.script(name)))

    def test_loopback_runs_headless_and_decides_every_slot(self):
        summary = os.path.join(self.tmp, "loopback.json")
        proc = run([sys.executable, self.script("moema_loopback.grc"), "--slots", "300", "--learning-slots", "200",
                    "--summary", summary])
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        s = load_json(summary)
        self.assertEqual(s["frames_decoded"], 300)
        self.assertEqual(s["frames_dropped"], 0)
        self.assertEqual(len(s["decisions"]), 300)
        self.assertTrue(all(x >= 0.99 for x in s["subspace_similarity"]), s["subspace_similarity"])
        self.assertGreater(s["accuracy"], 80.0)

    def test_replay_flowgraph_decides_as_moema_replay(self):
        recording = os.path.join(self.tmp, "recording")
        proc = run([LOOPBACK, "--overlap", "1", "--slots", "300", "--learning-slots", "200", "--cfo", "1e-3",
                    "--timing-spread", "0.25", "--dc", "0.05", "--record", recording, "--no-reference", "--json"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        reference = json.loads(run([REPLAY, recording, "--json"]).stdout)
        collection = os.path.join(recording, "moema.sigmf-collection")
        receiver = json.dumps(load_json(collection)["collection"]["moema:receiver"])
        summary = os.path.join(self.tmp, "replay.json")
        proc = run([sys.executable, self.script("moema_replay.grc"), "--recording", collection, "--receiver", receiver,
                    "--summary", summary])
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        s = load_json(summary)
        self.assertEqual([d["slot"] for d in s["decisions"]], [d["slot"] for d in reference["decisions"]])
        self.assertEqual([d["classes"] for d in s["decisions"]], [d["classes"] for d in reference["decisions"]])
        self.assertEqual(s["accuracy"], reference["accuracy"])

    def test_usrp_flowgraphs_without_a_usrp_say_what_was_looked_for(self):
        for name in ("moema_device_tx_usrp.grc", "moema_ap_rx_usrp.grc", "moema_capture.grc"):
            with self.subTest(flowgraph=name):
                proc = run([sys.executable, self.script(name), "--device-args", "type=x300,addr=192.0.2.1"],
                           timeout=120)
                self.assertNotEqual(proc.returncode, 0)
                self.assertIn("no USRP found for device args 'type=x300,addr=192.0.2.1'", proc.stderr)
                self.assertIn("moema_loopback", proc.stderr)
                self.assertNotIn("Traceback", proc.stderr)


if __name__ == "__main__":
    unittest.main()
