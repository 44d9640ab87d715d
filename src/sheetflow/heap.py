"""Giving memory a parser has freed back to the operating system.

python-calamine holds a whole sheet's cells while a register is read; at 40,000
initiatives that is about 100 MB, freed when the read ends but kept by the C
allocator in the process, where the command then carries it to its end (and a
worker started by fork would share it). glibc's ``malloc_trim`` returns it.
"""

from __future__ import annotations

import ctypes
import sys
from functools import cache
from typing import Any


@cache
def _malloc_trim() -> Any:
    """glibc's malloc_trim, or None (another C library, Windows, macOS)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None


def give_back_freed_memory() -> bool:
    """Return freed heap pages to the system; True when the C library could."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
