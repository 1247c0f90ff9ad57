"""MoEMA testbed blocks for GNU Radio (gr-moema).

Blocks: ma_channel (simulated multiple-access channel) and mimo_channel (the
image link's Nt x Nr channel, an ma_channel), sigmf_sink and sigmf_source
(SigMF recording and replay); with the models (LibTorch) built:
device_source and ap_receiver, and the hier blocks device_tx (device_source
plus the transmit pulse shaper) and ap_rx (K matched filters plus
ap_receiver); for the AD-MoE SwinJSCC image link jscc_encoder, mimo_framer,
mimo_receiver, jscc_decoder, the hier block jscc_rx (mimo_receiver plus
jscc_decoder) and jscc_frame_format(). `with_models` says whether the
model blocks are there.
"""

# The compiled bindings sit next to this file in the build tree and when
# installed. No try/except: a failing import should say why.
from .moema_python import *  # noqa: F401,F403
from .moema_python import with_models

if with_models:
    from .device_tx import device_tx  # noqa: F401
    from .ap_rx import ap_rx  # noqa: F401
    from .jscc_rx import jscc_rx  # noqa: F401


def recording_extension(path):
    """The "moema:" fields of a SigMF recording (a .sigmf-collection or its
    folder) as a dict without the prefix, or {} when it cannot be read: for
    flowgraph variables that must evaluate before the recording exists."""
    import json
    try:
        return json.loads(sigmf_source(path).extension_json())  # noqa: F405
    except Exception:  # noqa: BLE001 (an unreadable recording: the source block reports it)
        return {}
