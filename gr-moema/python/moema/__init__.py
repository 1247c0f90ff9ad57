"""MoEMA testbed blocks for GNU Radio (gr-moema).

Blocks: ma_channel (simulated multiple-access channel), sigmf_sink and
sigmf_source (SigMF recording and replay); with the models (LibTorch) built:
device_source and ap_receiver, and the hier blocks device_tx (device_source
plus the transmit pulse shaper) and ap_rx (K matched filters plus
ap_receiver). `with_models` says whether the latter are there.
"""

# The compiled bindings sit next to this file in the build tree and when
# installed. No try/except: a failing import should say why.
from .moema_python import *  # noqa: F401,F403
from .moema_python import with_models

if with_models:
    from .device_tx import device_tx  # noqa: F401
    from .ap_rx import ap_rx  # noqa: F401
