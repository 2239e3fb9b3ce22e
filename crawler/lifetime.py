"""Processes that must not outlive the process that started them."""

from __future__ import annotations

import sys


def die_with_parent() -> None:
    """On Linux, have the kernel SIGKILL this process when its parent dies (even by SIGKILL).

    A crawl process and its extraction workers call this first, so that killing a crawl (or
    the command that started it) leaves no orphan behind.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
