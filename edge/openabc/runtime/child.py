"""How OpenABC starts helper processes (broker, matcher, emulated MCUs).

Children get their own session so a Ctrl-C in the terminal reaches only the
parent, which then shuts them down in order (lanes first, broker last)
instead of every process dying at once mid-traveller. On Linux they also ask
the kernel for SIGTERM when the parent dies, so a killed parent leaves no
orphans behind.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def own_session_dying_with_parent() -> None:
    """``preexec_fn`` for ``subprocess.Popen``: new session, SIGTERM on parent death."""
    os.setsid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
