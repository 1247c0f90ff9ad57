"""MoEMA testbed blocks for GNU Radio (gr-moema).

Blocks: ma_channel (simulated multiple-access channel).
"""

# The compiled bindings sit next to this file in the build tree and when
# installed. No try/except: a failing import should say why.
from .moema_python import *  # noqa: F401,F403
