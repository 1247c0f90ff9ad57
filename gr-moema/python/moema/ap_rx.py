"""ap_rx: the MoEMA access point's receiver, matched filters plus ap_receiver."""

from gnuradio import filter, gr

from .moema_python import ap_receiver, calibration_corrector
from .pulse import pulse_taps


class ap_rx(gr.hier_block2):
    """K raw receive channels in (a USRP, a simulated channel, a recording).

    [calibration_corrector, when `calibration` names moema-calibrate's file,
    checked against frequency (Hz), sample_rate and serials] ->
    K x fir_filter_ccf(1, taps) (the matched filters, the slot format's
    root-raised-cosine pulse from the config's "format") -> ap_receiver.
    Message ports: "truth" in; "decisions", "errors" and "frames" out (frames
    timed in the input samples: the filters' delay is taken off, so they can
    annotate a recording of the same samples). `receiver` is the ap_receiver
    (receiver.summary_json() after the run).

    pass_through: the K raw inputs come out again through ap_receiver, for a
    sigmf_sink that records them and takes the "frames": fed from there, the
    sink cannot finish before the receiver has published every frame.
    """

    def __init__(self, config_json, decisions_path="", summary_path="", calibration="",
                 frequency=0.0, sample_rate=0.0, serials=(), pass_through=False):
        sps, taps = pulse_taps(config_json)
        delay = (len(taps) - 1) / 2.0  # the matched filter's group delay (linear phase)
        antennas = ap_receiver.antennas_of(config_json)
        corrector = None
        if calibration:
            corrector = calibration_corrector(calibration, antennas, frequency, sample_rate,
                                              list(serials))
            delay += corrector.latency()
        receiver = ap_receiver(config_json, decisions_path, summary_path, delay, pass_through)
        outputs = antennas if pass_through else 0
        gr.hier_block2.__init__(self, "ap_rx",
                                gr.io_signature(antennas, antennas, gr.sizeof_gr_complex),
                                gr.io_signature(outputs, outputs, gr.sizeof_gr_complex))
        self.receiver = receiver
        self.samples_per_symbol, self.taps = sps, taps
        self.matched = [filter.fir_filter_ccf(1, taps) for _ in range(antennas)]
        self.corrector = corrector
        for k, mf in enumerate(self.matched):
            if corrector is None:
                self.connect((self, k), mf, (receiver, k))
            else:
                self.connect((self, k), (corrector, k), mf, (receiver, k))
            if pass_through:
                self.connect((self, k), (receiver, antennas + k))
                self.connect((receiver, k), (self, k))
        self.message_port_register_hier_in("truth")
        for port in ("decisions", "errors", "frames"):
            self.message_port_register_hier_out(port)
            self.msg_connect(receiver, port, self, port)
        self.msg_connect(self, "truth", receiver, "truth")
