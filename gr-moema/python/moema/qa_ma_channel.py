#!/usr/bin/env python3
"""QA for moema.ma_channel: vector sources -> ma_channel -> vector sinks,
checked against closed forms. The model itself is tested in C++
(tests/, moema::rx::MultipleAccessChannel); this checks the adapter.
Run from the build tree: PYTHONPATH=<build>/gr-moema/python /usr/bin/python3 qa_ma_channel.py
"""

import numpy as np
from gnuradio import blocks, gr, gr_unittest

from gnuradio import moema


def run_channel(inputs, antennas, **kwargs):
    """Feed one array per device through ma_channel; return K output arrays."""
    tb = gr.top_block()
    chan = moema.ma_channel(antennas=antennas, devices=len(inputs), **kwargs)
    sinks = [blocks.vector_sink_c() for _ in range(antennas)]
    for n, x in enumerate(inputs):
        tb.connect(blocks.vector_source_c(list(x), False), (chan, n))
    for k, sink in enumerate(sinks):
        tb.connect((chan, k), sink)
    tb.run()
    return chan, [np.array(sink.data(), dtype=np.complex64) for sink in sinks]


class qa_ma_channel(gr_unittest.TestCase):
    def test_fixed_channel_one_device(self):
        # One device, K = 2, one unit-norm channel, no noise: y_k = h_k x, so
        # y_k / x is the same h_k on every sample and |h_1|^2 + |h_2|^2 = 1.
        rng = np.random.default_rng(1)
        n = 20000
        x = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(np.complex64)
        x[np.abs(x) < 0.1] = 1.0  # keep the ratio well conditioned
        chan, ys = run_channel([x], antennas=2, block_length=0, fading="unit_norm", seed=7)
        self.assertEqual(chan.lookahead(), 0)
        self.assertEqual((chan.devices(), chan.antennas()), (1, 2))
        h = []
        for y in ys:
            self.assertEqual(len(y), n)
            ratio = y / x
            h_k = np.median(ratio.real) + 1j * np.median(ratio.imag)
            np.testing.assert_allclose(ratio, np.full(n, h_k), rtol=0, atol=1e-5)
            h.append(h_k)
        self.assertAlmostEqual(sum(abs(hk) ** 2 for hk in h), 1.0, places=5)

    def test_noise_only(self):
        # Zero input: the output is AWGN of noise_variance per antenna.
        n, antennas, variance = 100000, 3, 0.25
        _, ys = run_channel([np.zeros(n, np.complex64)] * 2, antennas=antennas,
                            noise_variance=variance, seed=3)
        for y in ys:
            self.assertEqual(len(y), n)
            measured = np.mean(np.abs(y.astype(np.complex128)) ** 2)
            self.assertLess(abs(measured / variance - 1.0), 0.05)
            self.assertLess(abs(np.mean(y)), 0.01)

    def test_dc_offset(self):
        # Zero input, no noise: every output sample is channel k's DC offset.
        dc = [0.1 - 0.2j, -0.3 + 0.05j]
        _, ys = run_channel([np.zeros(5000, np.complex64)], antennas=2, dc_offset=dc)
        for y, d in zip(ys, dc):
            self.assertAlmostEqual(complex(np.mean(y)), d, places=6)
            np.testing.assert_allclose(y, np.full(len(y), d, np.complex64), rtol=0, atol=1e-7)

    def test_bad_parameters(self):
        with self.assertRaisesRegex(ValueError, "timing_offset"):
            moema.ma_channel(antennas=2, devices=1, timing_offset=[-1.0])
        with self.assertRaisesRegex(ValueError, "dc_offset"):
            moema.ma_channel(antennas=2, devices=1, dc_offset=[0.1, 0.2, 0.3])
        with self.assertRaisesRegex(ValueError, "cfo"):
            moema.ma_channel(antennas=2, devices=2, cfo=[1e-4])
        with self.assertRaisesRegex(ValueError, "fading"):
            moema.ma_channel(antennas=2, devices=1, fading="rician")
        with self.assertRaisesRegex(ValueError, "noise_variance"):
            moema.ma_channel(antennas=2, devices=1, noise_variance=-1.0)


if __name__ == "__main__":
    gr_unittest.run(qa_ma_channel)
