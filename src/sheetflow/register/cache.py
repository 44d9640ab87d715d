"""The register as last read, kept beside the workspace so a verb need not parse it again.

Every verb reads register.xlsx; at 40,000 initiatives that is seconds of parsing
and a few hundred MB of the parser's garbage each time, while the file rarely
changes between two commands. What the reader made of the file (the register and
its findings) is kept in ``.cache/register.pickle`` under a key of the file's
bytes (SHA-256) and of the code that read it, and used only when both match.

The cache is an optimisation, never a source of truth: anything wrong with it
(absent, stale, unreadable, written by another version, a disk that refuses the
write) means the file is read as before. It is loaded by an unpickler that makes
only the register's own plain data classes, so a planted file cannot run code.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any

import sheetflow
from sheetflow.atomic import atomic_path
from sheetflow.findings import Report
from sheetflow.model import Register

# Raise when what is pickled changes shape in a way the stamp below cannot see.
FORMAT = 1
CACHE_NAME = "register.pickle"

# The only classes a cached register is made of (checked in tests/test_register_cache.py).
_ALLOWED_MODULES = ("sheetflow.model", "sheetflow.form", "sheetflow.findings", "sheetflow.smiley")
_ALLOWED = {("datetime", "date")}


class _RegisterUnpickler(pickle.Unpickler):
    """Makes the register's data classes, dates and enums; refuses every other global."""

    def find_class(self, module: str, name: str) -> Any:
        if module in _ALLOWED_MODULES or (module, name) in _ALLOWED:
            found = super().find_class(module, name)
            # A class defined there, not one the module merely imported.
            if isinstance(found, type) and found.__module__ == module:
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a register")


def _code_stamp() -> str:
    """What identifies the reading code: the version and every module of the package
    (size and time of change), so an edited reader never meets an old read."""
    root = Path(sheetflow.__file__).parent
    parts = [sheetflow.__version__, str(FORMAT)]
    for module in sorted(root.rglob("*.py")):
        stat = module.stat()
        parts.append(f"{module.relative_to(root).as_posix()}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def cache_key(path: Path) -> str:
    """The key a read of ``path`` is kept under: its bytes and the code reading them."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return f"{digest.hexdigest()}|{_code_stamp()}"


def load(cache_dir: Path, key: str) -> tuple[Register, Report] | None:
    """The cached read for ``key``, or None when there is none that can be trusted."""
    try:
        # Straight from the file, as it is stored: the bytes held whole beside the
        # register they make were 13 MB more at 40,000 initiatives.
        with (cache_dir / CACHE_NAME).open("rb") as fh:
            stored_key, register, report = _RegisterUnpickler(fh).load()
    except Exception:  # absent, truncated, foreign: read the workbook instead
        return None
    if stored_key != key or not isinstance(register, Register) or not isinstance(report, Report):
        return None
    return register, report


def store(cache_dir: Path, key: str, register: Register, report: Report) -> None:
    """Keep a read for next time; a disk that refuses is no error (the cache is optional)."""
    try:
        cache_dir.mkdir(exist_ok=True)
        with atomic_path(cache_dir / CACHE_NAME) as tmp, tmp.open("wb") as fh:
            # Straight to the file: the pickle as one bytes object was 30 MB more at
            # the top of a cold read at 40,000 initiatives.
            pickle.dump((key, register, report), fh, protocol=5)
    except OSError:
        pass
