#!/usr/bin/python3
"""End-to-end checks of moema-subspace: JSON output, the file interface, errors."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

PROGRAM = os.environ.get("MOEMA_SUBSPACE", "build/bin/moema-subspace")


def run(*args, check=True):
    proc = subprocess.run([PROGRAM, *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}): {proc.stderr}")
    return proc


def subspace_similarity(a, b):
    """Eq. (6) for orthonormal bases given as lists of rows: ||A^T B||_F^2 / D."""
    d = len(a[0])
    total = 0.0
    for i in range(d):
        for j in range(len(b[0])):
            total += sum(a[r][i] * b[r][j] for r in range(len(a))) ** 2
    return total / d


class SimulateJson(unittest.TestCase):
    def test_keys_and_bar_at_overlap_two(self):
        out = json.loads(run("--overlap", "2", "--json").stdout)
        for key in ("subspace_similarity", "data_similarity", "data_similarity_oracle", "rank", "overlap"):
            self.assertIn(key, out)
        self.assertEqual(out["rank"], 4)
        self.assertEqual(out["overlap"], 2)
        self.assertEqual(len(out["subspace_similarity"]), 2)
        self.assertTrue(all(s >= 0.99 for s in out["subspace_similarity"]))
        self.assertGreaterEqual(out["data_similarity"], 0.99)

    def test_projection_decoder_is_selectable_and_worse_under_overlap(self):
        proj = json.loads(run("--overlap", "2", "--decoder", "projection", "--json").stdout)
        inter = json.loads(run("--overlap", "2", "--json").stdout)
        self.assertLess(proj["data_similarity"], inter["data_similarity"] - 0.03)

    def test_bad_option_value_is_reported(self):
        proc = run("--method", "kmeans", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("kmeans", proc.stderr)
        proc = run("--snr-db", "loud", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("--snr-db", proc.stderr)


class RecoverFromFile(unittest.TestCase):
    def test_recovers_the_simulated_subspaces(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "slots.json")
            run("--overlap", "1", "--slots", "200", "--snr-db", "20", "--write-slots", path)
            with open(path) as f:
                truth = json.load(f)["truth"]
            out = json.loads(run("recover", "--input", path, "--devices", "2", "--dim", "3", "--json").stdout)
        self.assertEqual(len(out["bases"]), 2)
        self.assertEqual(len(out["codewords"]), 200)
        self.assertEqual(len(out["bases"][0]), 10)     # M rows
        self.assertEqual(len(out["bases"][0][0]), 3)   # D columns
        # Without signatures the order is arbitrary: match each truth to its best estimate.
        for a in truth["bases"]:
            self.assertGreaterEqual(max(subspace_similarity(a, b) for b in out["bases"]), 0.99)
        # Codewords are unit-norm and, up to the sign no anchor can fix, the transmitted ones.
        w = truth["codewords"][0][0]
        best = max(abs(sum(x * y for x, y in zip(w, est))) for est in out["codewords"][0])
        self.assertGreater(best, 0.98)

    def test_malformed_files_are_named(self):
        with tempfile.TemporaryDirectory() as tmp:
            cases = {
                "notjson.json": ("{slots: ", "not valid JSON"),
                "noslots.json": ('{"frames": []}', '"slots"'),
                "ragged.json": ('{"slots": [{"re": [[1, 2], [3]], "im": [[0, 0], [0, 0]]}]}', "row 1"),
                "mismatch.json": ('{"slots": [{"re": [[1, 2]], "im": [[0, 0], [0, 0]]}]}', '"im" is 2x2'),
                "few.json": ('{"slots": [{"re": [[1, 2, 3]], "im": [[0, 0, 0]]}]}', "too few slots"),
            }
            for name, (text, expected) in cases.items():
                path = os.path.join(tmp, name)
                with open(path, "w") as f:
                    f.write(text)
                proc = run("recover", "--input", path, check=False)
                self.assertEqual(proc.returncode, 2, name)
                self.assertIn(expected, proc.stderr, name)
            proc = run("recover", "--input", os.path.join(tmp, "missing.json"), check=False)
            self.assertIn("cannot open", proc.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
