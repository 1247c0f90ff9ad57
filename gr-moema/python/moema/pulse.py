"""The slot format's pulse for GNU Radio's filters (device_tx, ap_rx)."""

import json

from .moema_python import default_pulse_shape, root_raised_cosine


def pulse_taps(receiver_config_json=None):
    """(samples_per_symbol, taps) of the slot format's root-raised-cosine pulse.

    rx::SlotFormat's defaults (slot_format.hpp: 4 samples per symbol, rolloff
    0.5, 16 symbols), overridden by the "format" of an ApReceiverConfig JSON
    when one is given, so the filters match what the receiver expects.
    """
    shape = default_pulse_shape()
    sps, rolloff, span = shape.samples_per_symbol, shape.rolloff, shape.filter_span
    if receiver_config_json:
        fmt = json.loads(receiver_config_json).get("format", {})
        sps = fmt.get("samples_per_symbol", sps)
        rolloff = fmt.get("rolloff", rolloff)
        span = fmt.get("filter_span", span)
    return sps, root_raised_cosine(sps, rolloff, span)
