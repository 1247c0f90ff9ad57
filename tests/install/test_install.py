"""The installed testbed: `cmake --install` into a temporary prefix, then
use only that prefix.

- the programs, the CMake package, the shipped files, gr-moema's library,
  Python package and GRC YAML, and the flowgraphs are where the README says;
- an installed program finds the shipped codecs and Kodak under the prefix,
  and keeps finding them when the prefix is moved (nothing points back into
  the source or build tree);
- `from gnuradio import moema` imports the installed package;
- grcc compiles a shipped flowgraph against the installed blocks only;
- a project outside the testbed builds against `find_package(MoemaTestbed)`.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

BUILD = os.environ["MOEMA_BUILD_DIR"]
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WITH_TORCH = os.environ.get("MOEMA_WITH_TORCH") == "ON"
WITH_GNURADIO = os.environ.get("MOEMA_WITH_GNURADIO") == "ON"
PYTHON_DIR = os.environ.get("MOEMA_GR_PYTHON_DIR", "lib/python3/dist-packages")
GRC_DIR = os.environ.get("MOEMA_GRC_BLOCKS_DIR", "share/gnuradio/grc/blocks")


def clean_env(**extra):
    """The environment without the testbed's own variables, so that only the
    install can tell a program where its files are."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOEMA_") and k not in ("PYTHONPATH", "GRC_BLOCKS_PATH")}
    env.update(extra)
    return env


def run(args, env=None, cwd=None, timeout=600):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env or clean_env(), cwd=cwd)


class Installed(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="moema-install-")
        cls.prefix = os.path.join(cls.tmp, "prefix")
        proc = run(["cmake", "--install", BUILD, "--prefix", cls.prefix])
        if proc.returncode != 0:
            raise AssertionError("cmake --install failed:\n" + proc.stdout + proc.stderr)
        cls.cwd = os.path.join(cls.tmp, "elsewhere")  # not the source or build tree
        os.makedirs(cls.cwd)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.prefix, *parts)

    def test_layout(self):
        expected = ["bin/moema-subspace", "bin/moema-calibrate", "share/moema/installed.json",
                    "share/moema/weights/embedder.json", "share/moema/flowgraphs/moema_loopback.grc",
                    "lib/cmake/MoemaTestbed/MoemaTestbedConfig.cmake", "lib/libmoema_rx.a",
                    "include/moema/rx/subspace_recovery.hpp", "include/moema/common/version.hpp"]
        if WITH_TORCH:
            expected += ["bin/moema-loopback", "bin/moema-replay", "bin/jscc-eval", "bin/jscc-train",
                         "share/moema/jscc-weights/admoe_swinjscc_mimo2x2_r16.pt",
                         "share/moema/images/kodak/kodim24.png"]
        if WITH_GNURADIO:
            expected += ["lib/libgnuradio-moema.so", PYTHON_DIR + "/gnuradio/moema/__init__.py",
                         GRC_DIR + "/moema_ma_channel.block.yml"]
        for relative in expected:
            self.assertTrue(os.path.exists(self.path(relative)), relative)
        with open(self.path("share/moema/installed.json")) as f:
            self.assertEqual(json.load(f)["project"], "moema_testbed")

    @unittest.skipUnless(WITH_TORCH, "needs the LibTorch programs")
    def test_program_uses_the_prefix_and_survives_a_move(self):
        moved = os.path.join(self.tmp, "moved")
        shutil.copytree(self.prefix, moved, symlinks=True)
        for prefix in (self.prefix, moved):
            proc = run([os.path.join(prefix, "bin", "jscc-eval"), "--limit", "1", "--snr", "10", "--json",
                        "--no-plots", "--no-reconstructions", "--threads", "1"], cwd=self.cwd)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            out = json.loads(proc.stdout)
            self.assertTrue(out["images"].startswith(os.path.join(prefix, "share", "moema")), out["images"])
            models = {row["model"] for row in out["rows"]}
            self.assertEqual(models, {"admoe_swinjscc_mimo2x2_r16", "swinjscc_mimo2x2_r16", "deepjscc_mimo2x2_r16"})

    @unittest.skipUnless(WITH_GNURADIO, "needs gr-moema")
    def test_python_package_imports_from_the_prefix(self):
        env = clean_env(PYTHONPATH=self.path(PYTHON_DIR))
        proc = run(["/usr/bin/python3", "-c",
                    "from gnuradio import moema; print(moema.__file__); print(moema.with_models)"],
                   env=env, cwd=self.cwd)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        where, with_models = proc.stdout.split()
        self.assertTrue(where.startswith(self.prefix), where)
        self.assertEqual(with_models, str(WITH_TORCH))

    @unittest.skipUnless(WITH_GNURADIO, "needs gr-moema")
    def test_grcc_compiles_a_flowgraph_against_the_installed_blocks(self):
        env = clean_env(PYTHONPATH=self.path(PYTHON_DIR), GRC_BLOCKS_PATH=self.path(GRC_DIR))
        out = os.path.join(self.tmp, "grcc")
        name = "moema_loopback" if WITH_TORCH else None
        if name is None:
            self.skipTest("the shipped flowgraphs need the LibTorch blocks")
        proc = run(["grcc", "-o", out, self.path("share", "moema", "flowgraphs", name + ".grc")], env=env, cwd=self.cwd)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        script = os.path.join(out, name + ".py")
        self.assertTrue(os.path.isfile(script))
        # The generated script imports the installed blocks.
        proc = run(["/usr/bin/python3", "-c", "import runpy, sys; sys.argv = ['x', '--help']; "
                    "runpy.run_path(%r, run_name='__main__')" % script], env=env, cwd=self.cwd)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("usage", proc.stdout)

    def test_a_project_builds_against_the_cmake_package(self):
        build = os.path.join(self.tmp, "consumer-build")
        proc = run(["cmake", "-S", os.path.join(SOURCE, "tests", "install", "consumer"), "-B", build,
                    "-DCMAKE_PREFIX_PATH=" + self.prefix, "-DCMAKE_BUILD_TYPE=Release"])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        proc = run(["cmake", "--build", build])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        proc = run([os.path.join(build, "consumer")])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("error", proc.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
