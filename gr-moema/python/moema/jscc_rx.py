"""jscc_rx: the image link's receiving end, mimo_receiver plus jscc_decoder."""

import json

from gnuradio import gr

from .moema_python import calibration_corrector, jscc_decoder, mimo_receiver


class jscc_rx(gr.hier_block2):
    """Nr raw receive channels in (a USRP source, mimo_channel, a SigMF source).

    [calibration_corrector, when `calibration` names moema-calibrate's file,
    checked against frequency (Hz), sample_rate and serials] ->
    mimo_receiver (matched filters, frame detection, CFO, timing, pilots, MMSE)
    -> jscc_decoder (the codec's decoder with the per-stream SINR as CSI; PNGs
    and summary.json in output_dir, PSNR against reference_dir/<name>).
    One receiver for live reception, simulation and replay: only the source
    differs.

    Frame format: the codec `model` and the image size height x width (with
    pilot_length, pilot_spacing, samples_per_symbol), or frame_format, the
    library's frame_format_to_json (a recording's moema:frame_format, a dict
    or JSON text), which overrides them.

    Message ports: "truth" in (mimo_framer's "sent": names the frames);
    "result" out (jscc_decoder's dict per frame), "frame" out
    (mimo_receiver's PDUs) and "frames" out (annotation dicts for sigmf_sink,
    timed in the input samples). `receiver` and `decoder` are the blocks
    (decoder.summary_json() after the run).

    pass_through: the Nr raw inputs come out again through mimo_receiver, for
    a sigmf_sink that records them and takes the "frames": fed from there, the
    sink cannot finish before the receiver has published every frame.
    """

    def __init__(self, model, nr=2, output_dir="", reference_dir="", height=512, width=768,
                 pilot_length=16, pilot_spacing=512, samples_per_symbol=4, frame_format="",
                 names=(), calibration="", frequency=0.0, sample_rate=0.0, serials=(),
                 pass_through=False):
        if isinstance(frame_format, dict):
            frame_format = json.dumps(frame_format)
        corrector = None
        if calibration:
            corrector = calibration_corrector(calibration, nr, frequency, sample_rate, list(serials))
        receiver = mimo_receiver(nr, model, height, width, 0, 0, pilot_length, pilot_spacing,
                                 samples_per_symbol, frame_format or "",
                                 corrector.latency() if corrector else 0.0, pass_through)
        decoder = jscc_decoder(model, output_dir, reference_dir, list(names))
        outputs = nr if pass_through else 0
        gr.hier_block2.__init__(self, "jscc_rx",
                                gr.io_signature(nr, nr, gr.sizeof_gr_complex),
                                gr.io_signature(outputs, outputs, gr.sizeof_gr_complex))
        self.receiver, self.decoder, self.corrector = receiver, decoder, corrector
        for k in range(nr):
            if corrector is None:
                self.connect((self, k), (receiver, k))
            else:
                self.connect((self, k), (corrector, k), (receiver, k))
            if pass_through:
                self.connect((self, k), (receiver, nr + k))
                self.connect((receiver, k), (self, k))
        self.msg_connect(receiver, "frame", decoder, "frame")
        self.message_port_register_hier_in("truth")
        self.msg_connect(self, "truth", receiver, "truth")
        for port, block in (("result", decoder), ("frame", receiver), ("frames", receiver)):
            self.message_port_register_hier_out(port)
            self.msg_connect(block, port, self, port)
