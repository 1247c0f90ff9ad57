"""device_tx: one MoEMA device's transmitter, device_source plus pulse shaping."""

from gnuradio import filter, gr

from .moema_python import device_source
from .pulse import pulse_taps


class device_tx(gr.hier_block2):
    """One device's uplink at the sample rate, ready for a UHD sink or a channel.

    device_source (slots at the symbol rate) -> interp_fir_filter_ccf with the
    slot format's root-raised-cosine taps (rx::SlotFormat's defaults: the
    device_source builds its slots with them). Tags (slot, label, burst tags)
    pass through the filter at the sample rate; note that tx_eob lands on the
    first of the last symbol's samples, so a UHD sink ends the burst
    samples_per_symbol - 1 zeros early, inside the last silent slot.
    Message output "truth" as device_source's.
    """

    def __init__(self, config_json, device, idle_before=1, idle_after=2,
                 burst_tags=False, start_time=0.0):
        gr.hier_block2.__init__(self, "device_tx",
                                gr.io_signature(0, 0, 0),
                                gr.io_signature(1, 1, gr.sizeof_gr_complex))
        self.message_port_register_hier_out("truth")
        self.source = device_source(config_json, device, idle_before, idle_after,
                                    burst_tags, start_time)
        self.samples_per_symbol, self.taps = pulse_taps()
        self.shaper = filter.interp_fir_filter_ccf(self.samples_per_symbol, self.taps)
        self.connect(self.source, self.shaper, self)
        self.msg_connect(self.source, "truth", self, "truth")
