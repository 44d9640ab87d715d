"""Atomic file output: write beside the target, then rename over it.

A reader (or a crash) never sees half a file: either the old output stays or
the new one is complete.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from sheetflow.errors import OutputInUse, UsageError

_TMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it into place on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}{_TMP_SUFFIX}")
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        try:
            os.replace(tmp, target)
        except PermissionError:  # Windows: Excel has the old output open
            raise OutputInUse("output-in-use", target=target) from None
    finally:
        if tmp.exists():
            tmp.unlink()


def cannot_write(target: Path) -> UsageError:
    """Why ``target`` could not be written, as a person can act on it: a folder they
    may not write to (a colleague's share), else a file another program holds open."""
    if target.name.startswith(".") and target.name.endswith(_TMP_SUFFIX):
        # atomic_path's ".<name>.<pid>.tmp": the person knows the file by <name>
        target = target.with_name(target.name[1:].rsplit(".", 2)[0])
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK):
        return UsageError("folder-not-writable", name=target.name, folder=folder)
    return UsageError("file-in-use", name=target.name)
