#!/usr/bin/python3
"""End to end: jscc-eval with the shipped codecs, and jscc-train's smoke run.

jscc-eval on two Kodak images at 10 dB over MIMO 2x2: the JSON rows have the
documented keys, PSNR and MS-SSIM are in a sane range and the AD-MoE codec's
mean number of routed experts lies strictly between 1 and max k; the CSV,
plots and reconstructions are written; bad inputs give one clear error line.
jscc-train: a few steps of a tiny codec on a folder of small images, stopped
by a step count, resumed from its checkpoint, then the written weights
evaluated by jscc-eval.
"""
import json
import os
import subprocess
import tempfile
import unittest

EVAL = os.environ["JSCC_EVAL"]
TRAIN = os.environ["JSCC_TRAIN"]
SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
KODAK = os.path.join(SOURCE, "jscc", "images", "kodak")


def run(program, *args):
    return subprocess.run([program, *args], capture_output=True, text=True, timeout=600)


class ShippedCodecs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="jscc-eval-")
        proc = run(EVAL, "--limit", "2", "--snr", "10", "--json", "--out", cls.out)
        if proc.returncode != 0:
            raise AssertionError(f"jscc-eval failed ({proc.returncode}):\n{proc.stderr}")
        cls.rows = json.loads(proc.stdout)["rows"]

    def row(self, architecture):
        rows = [r for r in self.rows if r["architecture"] == architecture]
        self.assertEqual(len(rows), 1, architecture)
        return rows[0]

    def test_three_codecs_with_the_documented_keys(self):
        self.assertEqual({r["architecture"] for r in self.rows}, {"admoe_swinjscc", "swinjscc", "deepjscc"})
        for r in self.rows:
            for key in ("model", "snr_db", "ratio", "psnr", "ms_ssim", "mean_active_experts"):
                self.assertIn(key, r)
            self.assertEqual(r["snr_db"], 10)
            self.assertAlmostEqual(r["ratio"], 1 / 16)
            self.assertEqual(len(r["psnr_per_image"]), 2)
            # An untrained codec gives about 11 dB on Kodak; trained ones well above.
            self.assertGreater(r["psnr"], 18, r["model"])
            self.assertLess(r["psnr"], 40, r["model"])
            self.assertTrue(0.5 < r["ms_ssim"] <= 1, r["model"])

    def test_adaptive_top_k_activates_between_one_and_max_k_experts(self):
        admoe = self.row("admoe_swinjscc")
        self.assertGreater(admoe["mean_active_experts"], 1.0)
        self.assertLess(admoe["mean_active_experts"], 3.0)
        self.assertEqual(len(admoe["expert_frequency"]), 5)
        self.assertLess(admoe["mlp_compute_fraction"], 1.0)
        self.assertIsNone(self.row("swinjscc")["mean_active_experts"])

    def test_outputs_written(self):
        for name in ("results.csv", "psnr_vs_snr.png", "ms_ssim_vs_snr.png", "expert_activation.png"):
            self.assertTrue(os.path.getsize(os.path.join(self.out, name)) > 0, name)
        recon = os.path.join(self.out, "reconstructions", self.row("deepjscc")["model"], "snr10", "kodim01.png")
        self.assertTrue(os.path.isfile(recon), recon)


class BadInput(unittest.TestCase):
    def test_missing_model_names_the_file(self):
        proc = run(EVAL, "--models", "/nonexistent/codec.json", "--limit", "1")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("/nonexistent/codec.json", proc.stderr)

    def test_damaged_weights_name_the_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            manifest = os.path.join(SOURCE, "jscc", "weights", "deepjscc_mimo2x2_r16.json")
            with open(manifest) as f:
                text = f.read()
            with open(os.path.join(tmp, "broken.json"), "w") as f:
                f.write(text)
            with open(os.path.join(tmp, "broken.pt"), "wb") as f:
                f.write(b"not a torch archive")
            proc = run(EVAL, "--models", os.path.join(tmp, "broken.json"), "--limit", "1", "--snr", "10")
            self.assertEqual(proc.returncode, 1)
            self.assertIn("broken.pt", proc.stderr)

    def test_unknown_decoder_csi_is_named(self):
        proc = run(EVAL, "--decoder-csi", "perfect", "--limit", "1")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("'perfect'", proc.stderr)

    def test_folder_without_images(self):
        with tempfile.TemporaryDirectory() as tmp:
            proc = run(EVAL, "--images", tmp, "--limit", "1")
            self.assertEqual(proc.returncode, 1)
            self.assertIn(tmp, proc.stderr)


class DecoderCsiAblation(unittest.TestCase):
    """DeepJSCC never reads the CSI, so telling its decoder the wrong one
    cannot change a single pixel; the AD-MoE routers read it, so they choose
    other experts when told the streams the other way round."""

    def evaluate(self, manifest, csi):
        with tempfile.TemporaryDirectory() as tmp:
            proc = run(EVAL, "--models", os.path.join(SOURCE, "jscc", "weights", manifest), "--limit", "1",
                       "--snr", "4", "--json", "--no-plots", "--no-reconstructions", "--out", tmp,
                       "--decoder-csi", csi)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = json.loads(proc.stdout)
        self.assertEqual(out["decoder_csi"], csi)
        return out["rows"][0]

    def test_a_codec_that_ignores_csi_is_unchanged(self):
        measured = self.evaluate("deepjscc_mimo2x2_r16.json", "measured")
        for csi in ("nominal", "swapped"):
            self.assertEqual(self.evaluate("deepjscc_mimo2x2_r16.json", csi)["psnr"], measured["psnr"], csi)

    def test_the_moe_decoder_reads_the_csi(self):
        measured = self.evaluate("admoe_swinjscc_mimo2x2_r16.json", "measured")
        swapped = self.evaluate("admoe_swinjscc_mimo2x2_r16.json", "swapped")
        self.assertNotEqual(swapped["mean_active_experts"], measured["mean_active_experts"])


class TrainSmoke(unittest.TestCase):
    def test_train_resume_and_evaluate(self):
        with tempfile.TemporaryDirectory() as tmp:
            common = ["--images", KODAK, "--architecture", "admoe_swinjscc", "--dims", "8", "8", "16", "16",
                      "--heads", "2", "2", "--crop", "64", "--batch", "2", "--checkpoint", os.path.join(tmp, "cp"),
                      "--checkpoint-every", "2", "--output", os.path.join(tmp, "tiny"), "--threads", "1",
                      "--no-progress"]
            first = run(TRAIN, *common, "--steps", "2")
            self.assertEqual(first.returncode, 0, first.stderr)
            second = run(TRAIN, *common, "--steps", "4")
            self.assertEqual(second.returncode, 0, second.stderr)
            self.assertIn("resuming", second.stderr)
            with open(os.path.join(tmp, "tiny.json")) as f:
                manifest = json.load(f)
            self.assertEqual(manifest["training"]["steps"], 4)
            self.assertEqual(manifest["codec"]["dims"], [8, 8, 16, 16])
            proc = run(EVAL, "--models", os.path.join(tmp, "tiny.json"), "--images", KODAK, "--limit", "1",
                       "--snr", "10", "--json", "--no-plots", "--no-reconstructions", "--out", tmp)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual(len(json.loads(proc.stdout)["rows"]), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
