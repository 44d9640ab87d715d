"""Simulate a platform without ``os.fork`` and ``fcntl`` (Windows' process model).

With ``SHEETFLOW_SIMULATE_NO_FORK=1`` and this folder on ``PYTHONPATH``, every
Python process the test suite starts (the CLI, spawned workers) begins without
``os.fork`` and with ``import fcntl`` failing, so any fork-only or fcntl-only
path in sheetflow fails loudly. ``filelock`` is imported first and keeps its
own platform backend (flock here, msvcrt's LockFileEx on Windows): what is
simulated is sheetflow's code never touching either itself.
"""

from __future__ import annotations

import contextlib
import os
import sys


def hide_fork_and_fcntl() -> None:
    """Remove ``os.fork`` and make ``import fcntl`` fail in this process."""
    with contextlib.suppress(ImportError):
        import filelock  # noqa: F401 - keeps its platform backend
    if hasattr(os, "fork"):
        del os.fork
    sys.modules["fcntl"] = None  # type: ignore[assignment]


if os.environ.get("SHEETFLOW_SIMULATE_NO_FORK") == "1":
    hide_fork_and_fcntl()
