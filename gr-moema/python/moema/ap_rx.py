"""ap_rx: the MoEMA access point's receiver, matched filters plus ap_receiver."""

from gnuradio import filter, gr

from .moema_python import ap_receiver
from .pulse import pulse_taps


class ap_rx(gr.hier_block2):
    """K raw receive channels in (a USRP, a simulated channel, a recording).

    K x fir_filter_ccf(1, taps) (the matched filters, the slot format's
    root-raised-cosine pulse from the config's "format") -> ap_receiver.
    Message ports: "truth" in; "decisions", "errors" and "frames" out (frames
    timed in the input samples: the filters' delay is taken off, so they can
    annotate a recording of the same samples). `receiver` is the ap_receiver
    (receiver.summary_json() after the run).
    """

    def __init__(self, config_json, decisions_path="", summary_path=""):
        sps, taps = pulse_taps(config_json)
        delay = (len(taps) - 1) / 2.0  # the matched filter's group delay (linear phase)
        receiver = ap_receiver(config_json, decisions_path, summary_path, delay)
        antennas = receiver.antennas()
        gr.hier_block2.__init__(self, "ap_rx",
                                gr.io_signature(antennas, antennas, gr.sizeof_gr_complex),
                                gr.io_signature(0, 0, 0))
        self.receiver = receiver
        self.samples_per_symbol, self.taps = sps, taps
        self.matched = [filter.fir_filter_ccf(1, taps) for _ in range(antennas)]
        for k, mf in enumerate(self.matched):
            self.connect((self, k), mf, (receiver, k))
        self.message_port_register_hier_in("truth")
        for port in ("decisions", "errors", "frames"):
            self.message_port_register_hier_out(port)
            self.msg_connect(receiver, port, self, port)
        self.msg_connect(self, "truth", receiver, "truth")
