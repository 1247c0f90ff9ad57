#!/usr/bin/python3
"""End to end: moema-loopback records, moema-replay decides from the recording.

One loopback run (N=2, K=16, overlap 1, 30 dB, CFO, timing and DC offsets on,
300 slots, T=200, first sample stamped with a receive time) is recorded as
SigMF. The replay must reproduce its per-slot decisions, receive times
included, bit for bit, whatever the chunk size. Then the recording is
damaged three ways, each on a copy: frames corrupted in their aux mini-slots,
a data file truncated mid-frame, a malformed .sigmf-meta. Each is reported and
counted, the replay finishes, and no good frame is lost.
"""
import glob
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np

LOOPBACK = os.environ["MOEMA_LOOPBACK"]
REPLAY = os.environ["MOEMA_REPLAY"]
SLOTS = 300
SLOT_SAMPLES = 1120  # N=2 slot (rx/slot_format.hpp)
SAMPLE_RATE = 1e6  # moema-loopback's default
START_TIME = 1700000000.5  # rx_time of the recording's first sample
TIMING_OFFSET = 2.6  # samples, all devices
TIMING_SPREAD = 0.25  # device 1 arrives this much later still
# Where slot 0's preamble peaks in the recording: after one silent slot, the
# transmit pulse's delay (16 symbols of 4 samples, halved), the channel's
# fractional-delay lookahead (8 samples, rx/fractional_delay.hpp) and the
# devices' mean offset (the preamble is common to both).
FIRST_PEAK = SLOT_SAMPLES + 32 + 8 + TIMING_OFFSET + TIMING_SPREAD / 2


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=600)


def load_json(path):
    with open(path) as f:
        return json.load(f)


def replay(path, *args):
    proc = run(REPLAY, path, "--json", *args)
    if proc.returncode != 0:
        raise AssertionError(f"moema-replay failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout), proc.stderr


class RecordAndReplay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="moema-loopback-")
        cls.recording = os.path.join(cls.dir, "clean")
        proc = run(LOOPBACK, "--overlap", "1", "--slots", str(SLOTS), "--learning-slots", "200", "--snr", "30",
                   "--cfo", "1e-3", "--timing-offset", str(TIMING_OFFSET), "--timing-spread", str(TIMING_SPREAD), "--dc", "0.05",
                   "--start-time", str(START_TIME), "--record", cls.recording, "--json")
        if proc.returncode != 0:
            raise AssertionError(f"moema-loopback failed ({proc.returncode}):\n{proc.stderr}")
        cls.live = json.loads(proc.stdout)
        cls.clean, _ = replay(cls.recording)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def copy(self, name):
        target = os.path.join(self.dir, name)
        shutil.copytree(self.recording, target)
        return target

    def test_loopback_reports_the_documented_keys_and_decodes_every_frame(self):
        for key in ("accuracy", "frames_detected", "frames_decoded", "frames_dropped", "subspace_similarity",
                    "decisions"):
            self.assertIn(key, self.live)
        self.assertEqual(self.live["frames_decoded"], SLOTS)
        self.assertEqual(self.live["frames_dropped"], 0)
        self.assertEqual(len(self.live["decisions"]), SLOTS)
        self.assertTrue(all(s >= 0.99 for s in self.live["subspace_similarity"]), self.live["subspace_similarity"])
        # Floor: the no-radio figure at overlap 1 is about 88%; 600 decisions.
        self.assertGreater(self.live["accuracy"], 88.0)  # 93.17 measured; 600 decisions
        self.assertLess(abs(self.live["accuracy"] - self.live["reference_accuracy"]), 2.0)

    def test_recording_is_one_sigmf_recording_per_channel_tied_by_a_collection(self):
        collection = load_json(os.path.join(self.recording, "moema.sigmf-collection"))
        self.assertEqual(len(collection["collection"]["core:streams"]), 16)
        meta = load_json(os.path.join(self.recording, "moema-ch00.sigmf-meta"))
        self.assertEqual(meta["global"]["core:datatype"], "cf32_le")
        frames = [a for a in meta["annotations"] if a["core:label"] == "frame"]
        self.assertEqual(len(frames), SLOTS)

    def test_replay_reproduces_the_live_decisions_bit_for_bit(self):
        self.assertEqual(self.clean["decisions"], self.live["decisions"])
        self.assertEqual(self.clean["accuracy"], self.live["accuracy"])

    def test_decisions_carry_the_receive_time_of_their_frame(self):
        meta = load_json(os.path.join(self.recording, "moema-ch00.sigmf-meta"))
        self.assertEqual(meta["captures"][0]["core:datetime"], "2023-11-14T22:13:20.500000Z")
        decisions = self.clean["decisions"]
        first = decisions[0]
        self.assertEqual(first["slot"], 0)
        self.assertAlmostEqual((first["rx_time"] - START_TIME) * SAMPLE_RATE, FIRST_PEAK, delta=0.1)
        for d in decisions:  # one slot period apart, to under a sample
            expected = first["rx_time"] + (d["slot"] - first["slot"]) * SLOT_SAMPLES / SAMPLE_RATE
            # A double holds epoch seconds to 0.24 us: a quarter sample here.
            self.assertAlmostEqual(d["rx_time"], expected, delta=0.5 / SAMPLE_RATE)

    def test_replay_does_not_depend_on_the_chunk_size(self):
        other, _ = replay(self.recording, "--chunk", "777")
        self.assertEqual(other["decisions"], self.clean["decisions"])

    def frame_starts(self, path):
        meta = load_json(os.path.join(path, "moema-ch00.sigmf-meta"))
        return [a["core:sample_start"] for a in meta["annotations"] if a["core:label"] == "frame"]

    def test_corrupted_frames_are_dropped_counted_and_nothing_else_is_lost(self):
        path = self.copy("corrupt-frames")
        starts = self.frame_starts(path)
        corrupted = [starts[i] for i in (230, 250, 270)]  # after the learning phase
        rng = np.random.default_rng(1)
        for data in sorted(glob.glob(os.path.join(path, "*.sigmf-data"))):
            x = np.fromfile(data, dtype=np.complex64)
            for s in corrupted:  # the aux mini-slots, after preamble and payload
                x[s + 400:s + 1080] = (rng.standard_normal(680) + 1j * rng.standard_normal(680)).astype(np.complex64)
            x.tofile(data)
        r, _ = replay(path)
        self.assertEqual(r["frames_dropped"], 3)
        self.assertEqual(r["aux_crc_failures"], 6)  # both devices' messages in each
        self.assertEqual(r["frames_decoded"], SLOTS - 3)
        self.assertEqual(len(r["errors"]), 3)
        self.assertTrue(all("CRC" in e for e in r["errors"]), r["errors"])
        lost = {230, 250, 270}
        expected = [d for d in self.clean["decisions"] if d["slot"] not in lost]
        self.assertEqual([d["slot"] for d in r["decisions"]], [d["slot"] for d in expected])
        # The noise bursts nudge the next frame's timing estimate in the last
        # digits, so compare what was decided, not every float.
        self.assertEqual([d["classes"] for d in r["decisions"]], [d["classes"] for d in expected])

    def test_a_truncated_data_file_is_reported_and_every_whole_frame_before_it_decided(self):
        path = self.copy("truncated")
        starts = self.frame_starts(path)
        cut = starts[260] + 500  # mid-frame 260
        data = os.path.join(path, "moema-ch05.sigmf-data")
        with open(data, "r+b") as f:
            f.truncate(cut * 8 + 3)  # and a ragged sample
        r, stderr = replay(path)
        self.assertIn("moema-ch05.sigmf-data", stderr)
        self.assertTrue(any("moema-ch05.sigmf-data" in w for w in r["warnings"]), r["warnings"])
        self.assertEqual(r["samples_per_channel"], cut)
        self.assertEqual(r["frames_decoded"], 260)
        self.assertEqual(r["decisions"], self.clean["decisions"][:260])

    def test_a_malformed_meta_is_reported_and_the_replay_unchanged(self):
        path = self.copy("bad-meta")
        with open(os.path.join(path, "moema-ch03.sigmf-meta"), "w") as f:
            f.write('{"global": {"core:datatype": "cf32_le", ')
        r, stderr = replay(path)
        self.assertIn("moema-ch03.sigmf-meta", stderr)
        self.assertEqual(r["decisions"], self.clean["decisions"])

    def test_a_broken_collection_fails_cleanly_naming_the_file(self):
        path = self.copy("bad-collection")
        with open(os.path.join(path, "moema.sigmf-collection"), "w") as f:
            f.write("not json")
        proc = run(REPLAY, path, "--json")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("moema.sigmf-collection", proc.stderr)
        self.assertEqual(proc.stdout, "")

    def test_a_missing_recording_fails_cleanly(self):
        proc = run(REPLAY, os.path.join(self.dir, "nothing-here"))
        self.assertEqual(proc.returncode, 1)
        self.assertIn("nothing-here", proc.stderr)


if __name__ == "__main__":
    unittest.main()
