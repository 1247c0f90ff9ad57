#!/usr/bin/python3
"""End to end: the image link over the simulated MIMO radio, and its replay.

jscc-loopback sends two Kodak images with the shipped AD-MoE codec through
the sample-level 2x2 channel (10 dB, CFO, timing offset) and records what the
receiver got; each image's PSNR over the radio must be within 0.5 dB of the
same codec through the same H with perfect sync and CSI (the issue's bar).
jscc-replay of that recording must write the same PNGs, byte for byte. Bad
input: a wrong-size image, a recording cut short, a corrupted payload, a
recording of something else: clear messages, no crash.

Calibration: receive chains with mismatched delay, gain, phase and DC
(--rx-*) are calibrated by moema-calibrate on a simulated splitter capture of
the same chains; applying the file must give each image its unimpaired PSNR
back within 0.5 dB, replay must apply the recorded calibration bit for bit,
and a file for another set-up must be refused by name.
"""
import filecmp
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

LOOPBACK = os.environ["JSCC_LOOPBACK"]
REPLAY = os.environ["JSCC_REPLAY"]
CALIBRATE = os.environ["JSCC_CALIBRATE"]
SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
KODAK = os.path.join(SOURCE, "jscc", "images", "kodak")
IMAGES = [os.path.join(KODAK, "kodim03.png"), os.path.join(KODAK, "kodim04.png")]  # landscape, portrait
sys.path.insert(0, os.path.join(SOURCE, "tests", "support"))
from png_rgb import grey_ramp, write_png_rgb  # noqa: E402  (the tests' PNG helpers)


def run(program, *args):
    return subprocess.run([program, *args, "--threads", "2"], capture_output=True, text=True, timeout=600)


class LoopbackAndReplay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="jscc-radio-")
        cls.live = os.path.join(cls.tmp, "live")
        cls.recording = os.path.join(cls.tmp, "recording")
        proc = run(LOOPBACK, *IMAGES, "--snr", "10", "--out", cls.live, "--record", cls.recording,
                   "--no-eval-reference", "--json")
        if proc.returncode != 0:
            raise AssertionError(f"jscc-loopback failed ({proc.returncode}):\n{proc.stderr}")
        cls.result = json.loads(proc.stdout)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_every_frame_arrives_and_the_radio_costs_under_half_a_db(self):
        frames = self.result["frames"]
        self.assertEqual((frames["sent"], frames["detected"], frames["decoded"]), (2, 2, 2))
        for image in self.result["images"]:
            self.assertTrue(image["received"], image)
            self.assertLess(abs(image["psnr"] - image["ideal_psnr"]), 0.5, image)
            self.assertGreater(image["psnr"], 15, image)  # an untrained codec gives about 11 dB
            self.assertAlmostEqual(image["cfo"], 1e-4, delta=2e-6)

    def test_replay_reproduces_the_reconstructions_bit_for_bit(self):
        replayed = os.path.join(self.tmp, "replayed")
        proc = run(REPLAY, self.recording, "--out", replayed, "--json")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        result = json.loads(proc.stdout)
        self.assertEqual(result["decoded"], 2)
        for name in ("kodim03.png", "kodim04.png"):
            live, again = os.path.join(self.live, name), os.path.join(replayed, name)
            self.assertTrue(filecmp.cmp(live, again, shallow=False), name)
        scores = {f["image"]: f["psnr"] for f in result["frames"]}
        for image in self.result["images"]:
            self.assertAlmostEqual(scores[image["image"]], image["psnr"], places=9)

    def copy_recording(self, name):
        copy = os.path.join(self.tmp, name)
        shutil.copytree(self.recording, copy)
        return copy

    def test_a_recording_cut_short_is_replayed_up_to_the_cut(self):
        copy = self.copy_recording("cut")
        for data in glob.glob(os.path.join(copy, "*.sigmf-data")):
            with open(data, "r+b") as f:
                f.truncate(os.path.getsize(data) * 2 // 3)  # inside the second frame
        proc = run(REPLAY, copy, "--out", os.path.join(self.tmp, "cut-out"), "--json")
        self.assertIn(proc.returncode, (0, 2), proc.stderr)
        self.assertEqual(json.loads(proc.stdout)["decoded"], 1)

    def test_a_corrupted_payload_still_decodes_without_a_crash(self):
        copy = self.copy_recording("corrupted")
        data = sorted(glob.glob(os.path.join(copy, "*.sigmf-data")))[1]
        with open(data, "r+b") as f:  # 4000 samples of garbage in the middle of the first frame's body
            f.seek(8 * 60000)
            f.write(os.urandom(8 * 4000))
        proc = run(REPLAY, copy, "--out", os.path.join(self.tmp, "corrupted-out"), "--json")
        self.assertIn(proc.returncode, (0, 2), proc.stderr)
        for frame in json.loads(proc.stdout)["frames"]:
            self.assertTrue(frame["ok"] or frame["error"], frame)


class BadInput(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="jscc-radio-bad-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_a_wrong_size_image_is_named_and_the_rest_still_goes(self):
        odd = os.path.join(self.tmp, "odd.png")
        write_png_rgb(odd, grey_ramp(60, 100))
        proc = run(LOOPBACK, IMAGES[0], odd, "--out", os.path.join(self.tmp, "out"), "--no-eval-reference", "--json")
        self.assertEqual(proc.returncode, 2, proc.stderr)  # 2: an image was not delivered
        self.assertIn("odd.png", proc.stderr)
        self.assertIn("60x100", proc.stderr)
        images = {i["image"]: i for i in json.loads(proc.stdout)["images"]}
        self.assertTrue(images["kodim03.png"]["received"])
        self.assertFalse(images["odd.png"]["received"])

    def test_missing_image_and_unknown_model_fail_with_one_clear_line(self):
        proc = run(LOOPBACK, os.path.join(self.tmp, "nope.png"))
        self.assertEqual(proc.returncode, 1)
        self.assertIn("nope.png", proc.stderr)
        proc = run(LOOPBACK, IMAGES[0], "--model", "no_such_codec")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("no_such_codec", proc.stderr)

    def test_an_image_too_small_for_ms_ssim_is_scored_by_psnr_alone(self):
        small = os.path.join(self.tmp, "small.png")
        write_png_rgb(small, grey_ramp(128, 128))
        proc = run(LOOPBACK, small, "--out", os.path.join(self.tmp, "out"), "--json")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        result = json.loads(proc.stdout)
        image = result["images"][0]
        self.assertTrue(image["received"], image)
        self.assertIsNone(image["ms_ssim"])  # MS-SSIM needs more than 160 pixels a side
        self.assertGreater(image["psnr"], 15)
        self.assertGreater(result["jscc_eval"]["psnr"], 15)

    def test_replay_of_something_else_says_what_is_missing(self):
        proc = run(REPLAY, os.path.join(self.tmp, "nothing-here"))
        self.assertEqual(proc.returncode, 1)
        self.assertIn("nothing-here", proc.stderr)


# Receive chain 1 lags chain 0 by 3.4 samples, with another gain, phase and DC.
CHAINS = {"delay": "0,3.4", "gain-db": "0,-4", "phase-deg": "0,75", "dc": "0.02:-0.01,-0.03:0.04"}


def chain_options(prefix):
    return [arg for key, value in CHAINS.items() for arg in (f"--{prefix}{key}", value)]


class Calibration(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="jscc-radio-cal-")
        cls.calibration = os.path.join(cls.tmp, "cal.json")
        capture = os.path.join(cls.tmp, "capture")
        for args in (["simulate", "--out", capture, "--channels", "2", *chain_options(""), "--cfo", "3e-5"],
                     ["estimate", "--capture", capture, "--out", cls.calibration]):
            proc = subprocess.run([CALIBRATE, *args], capture_output=True, text=True, timeout=120)
            if proc.returncode != 0:
                raise AssertionError(f"moema-calibrate {args[0]} failed:\n{proc.stderr}")
        cls.runs = {}
        for name, extra in (("unimpaired", []), ("impaired", chain_options("rx-")),
                            ("calibrated", [*chain_options("rx-"), "--calibration", cls.calibration,
                                            "--record", os.path.join(cls.tmp, "recording")])):
            proc = run(LOOPBACK, *IMAGES, "--out", os.path.join(cls.tmp, name), "--no-eval-reference", "--json",
                       *extra)
            if proc.returncode not in (0, 2):
                raise AssertionError(f"jscc-loopback ({name}) failed ({proc.returncode}):\n{proc.stderr}")
            cls.runs[name] = {i["image"]: i for i in json.loads(proc.stdout)["images"]}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_the_file_gives_every_image_its_unimpaired_psnr_back(self):
        for name, clean in self.runs["unimpaired"].items():
            fixed = self.runs["calibrated"][name]
            self.assertTrue(clean["received"] and fixed["received"], (clean, fixed))
            self.assertLess(abs(fixed["psnr"] - clean["psnr"]), 0.5, (name, fixed["psnr"], clean["psnr"]))

    # Gain, phase and DC alone would fold into the pilots' H and the
    # synchroniser's DC estimate; the delay between the chains is what hurts:
    # chain 1 is sampled 0.85 symbol off, so the header can be lost (kodim04
    # then gets the landscape size and is not delivered) or the pilots' SNR
    # falls (5.9 dB for kodim03 when measured) and the image with it.
    def test_without_the_file_the_mismatch_costs_images_or_decibels(self):
        for name, clean in self.runs["unimpaired"].items():
            hurt = self.runs["impaired"][name]
            self.assertTrue(not hurt["received"] or (hurt["snr_db"] < clean["snr_db"] - 3.0
                                                      and hurt["psnr"] < clean["psnr"]), (name, hurt, clean))

    def test_replay_applies_the_recorded_calibration_bit_for_bit(self):
        replayed = os.path.join(self.tmp, "replayed")
        proc = run(REPLAY, os.path.join(self.tmp, "recording"), "--out", replayed, "--json")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        for name in self.runs["calibrated"]:
            self.assertTrue(filecmp.cmp(os.path.join(self.tmp, "calibrated", name), os.path.join(replayed, name),
                                        shallow=False), name)

    def test_a_file_for_another_set_up_is_refused_by_name(self):
        for extra, message in ((["--frequency", "5.8e9"], "stale calibration"),
                               (["--nr", "4"], "calibration is for 2 channels")):
            proc = run(LOOPBACK, IMAGES[0], "--calibration", self.calibration, "--out",
                       os.path.join(self.tmp, "refused"), *extra)
            self.assertEqual(proc.returncode, 1, proc.stderr)
            self.assertIn(self.calibration, proc.stderr)
            self.assertIn(message, proc.stderr)
        proc = run(LOOPBACK, IMAGES[0], "--rx-delay", "0,1,2", "--out", os.path.join(self.tmp, "refused"))
        self.assertEqual(proc.returncode, 1)
        self.assertIn("--rx-delay: 3 values for 2 receive channels", proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
