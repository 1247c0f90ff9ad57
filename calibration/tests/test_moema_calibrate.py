#!/usr/bin/python3
"""End-to-end checks of moema-calibrate: simulate a splitter bench, estimate,
compare with the injected impairments, check set-ups, refuse bad files."""
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

PROGRAM = os.environ.get("MOEMA_CALIBRATE", "build/bin/moema-calibrate")

DELAYS = [0.0, 3.37, 7.81, 12.5]
DC = [(0.01, -0.02), (-0.05, 0.03), (0.0, 0.1), (0.2, -0.1)]
GAIN_DB = [0.0, -3.0, 2.5, 6.0]
PHASE_DEG = [0.0, 57.0, -143.0, 172.0]
CFO = 2e-4
RATE = 2e6
FREQUENCY = 915e6


def run(*args, check=True):
    proc = subprocess.run([PROGRAM, *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}): {proc.stderr}")
    return proc


def wrapped_degrees(x):
    return (x + 180.0) % 360.0 - 180.0


class SimulateEstimateCheck(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.capture = os.path.join(cls.tmp.name, "capture")
        cls.cal = os.path.join(cls.tmp.name, "cal.json")
        run("simulate", "--out", cls.capture, "--channels", "4",
            "--delay", ",".join(map(str, DELAYS)),
            "--dc", ",".join(f"{re}:{im}" for re, im in DC),
            "--gain-db", ",".join(map(str, GAIN_DB)),
            "--phase-deg", ",".join(map(str, PHASE_DEG)),
            "--cfo", str(CFO), "--snr-db", "25", "--seed", "7",
            "--rate", str(RATE), "--frequency", str(FREQUENCY))
        cls.table = run("estimate", "--capture", cls.capture, "--out", cls.cal,
                        "--serials", "31A2B4C,31A2B5D", "--gain-db", "30").stdout
        with open(cls.cal) as f:
            cls.file = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_estimates_match_the_injected_impairments(self):
        channels = self.file["moema:channels"]
        self.assertEqual(len(channels), 4)
        for k, c in enumerate(channels):
            delay = c["moema:integer_delay"] + c["moema:fractional_delay"]
            self.assertEqual(c["spatial:channel_index"], k)
            self.assertEqual(c["moema:integer_delay"], math.floor(DELAYS[k] - DELAYS[0]), k)
            self.assertAlmostEqual(delay, DELAYS[k] - DELAYS[0], delta=0.05, msg=k)
            self.assertAlmostEqual(c["moema:gain_db"], GAIN_DB[k] - GAIN_DB[0], delta=0.1, msg=k)
            self.assertAlmostEqual(wrapped_degrees(c["spatial:phase_offset"] - (PHASE_DEG[k] - PHASE_DEG[0])), 0.0,
                                   delta=1.0, msg=k)
            self.assertLess(math.hypot(c["moema:dc_re"] - DC[k][0], c["moema:dc_im"] - DC[k][1]), 0.01, k)
        self.assertAlmostEqual(self.file["moema:cfo"], CFO, delta=1e-6)
        self.assertAlmostEqual(self.file["moema:cfo_hz"], CFO * RATE, delta=2.0)

    def test_file_records_the_set_up(self):
        self.assertEqual(self.file["core:frequency"], FREQUENCY)
        self.assertEqual(self.file["core:sample_rate"], RATE)
        self.assertEqual(self.file["spatial:num_elements"], 4)
        self.assertEqual(self.file["spatial:calibration"]["caltype"], "ref")
        self.assertEqual(self.file["moema:serials"], ["31A2B4C", "31A2B5D"])
        self.assertEqual(self.file["moema:gain_db"], 30)
        self.assertRegex(self.file["core:datetime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIn("phase deg", self.table)
        self.assertIn("cycles/sample", self.table)

    def test_check_accepts_the_set_up_it_was_measured_for(self):
        proc = run("check", self.cal, "--frequency", str(FREQUENCY), "--rate", str(RATE), "--channels", "4")
        self.assertTrue(proc.stdout.startswith("ok:"), proc.stdout)

    def test_check_refuses_another_set_up(self):
        cases = {
            ("--frequency", "2.45e9", "--rate", str(RATE), "--channels", "4"): "stale calibration",
            ("--frequency", str(FREQUENCY), "--rate", "1e6", "--channels", "4"): "stale calibration",
            ("--frequency", str(FREQUENCY), "--rate", str(RATE), "--channels", "16"): "calibration is for 4 channels",
        }
        for args, expected in cases.items():
            proc = run("check", self.cal, *args, check=False)
            self.assertEqual(proc.returncode, 1, args)
            self.assertIn(expected, proc.stderr, args)
            self.assertIn(self.cal, proc.stderr, args)
            self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)


class BadInput(unittest.TestCase):
    def test_malformed_and_missing_files_are_named(self):
        with tempfile.TemporaryDirectory() as tmp:
            cases = {
                "notjson.json": ("{\"core:frequency\": ", "not valid JSON"),
                "version.json": ('{"moema:calibration_version": 9}', "moema:calibration_version 9 is not supported"),
                "nokey.json": ('{"moema:calibration_version": 1}', 'missing key "core:datetime"'),
            }
            for name, (text, expected) in cases.items():
                path = os.path.join(tmp, name)
                with open(path, "w") as f:
                    f.write(text)
                proc = run("check", path, "--frequency", "1e9", "--rate", "1e6", "--channels", "4", check=False)
                self.assertEqual(proc.returncode, 1, name)
                self.assertIn(path, proc.stderr, name)
                self.assertIn(expected, proc.stderr, name)
            proc = run("check", os.path.join(tmp, "missing.json"), "--frequency", "1e9", "--rate", "1e6",
                       "--channels", "4", check=False)
            self.assertEqual(proc.returncode, 1)
            self.assertIn("cannot open", proc.stderr)

    def test_bad_options_and_captures_are_reported(self):
        with tempfile.TemporaryDirectory() as tmp:
            proc = run("simulate", "--out", tmp, "--channels", "4", "--delay", "0,1", check=False)
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn("--delay: 2 values for 4 receive channels", proc.stderr)
            proc = run("simulate", "--out", tmp, "--channels", "2", "--dc", "0.1,0.2", check=False)
            self.assertIn("--dc: expected re:im", proc.stderr)
            proc = run("estimate", "--capture", os.path.join(tmp, "nothing"), "--out", os.path.join(tmp, "c.json"),
                       check=False)
            self.assertEqual(proc.returncode, 1)
            self.assertIn("nothing", proc.stderr)
            proc = run("check", "--frequency", "1e9", check=False)
            self.assertNotEqual(proc.returncode, 0)

    def test_reference_waveform_is_written_for_the_transmitter(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "ref.cf32")
            run("reference", "--out", path)
            self.assertEqual(os.path.getsize(path), 8 * 8 * (312 + 128))  # 8 bursts + gaps, 8 bytes a sample


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
