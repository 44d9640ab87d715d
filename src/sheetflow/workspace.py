"""The workspace folder (SPEC §3): where every step reads and writes.

register.xlsx, ledger.sqlite, rounds/<n>/{issued,inbox,archive}/,
rounds/<n>/master.xlsx, ratings.csv, findings.csv
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

from sheetflow.errors import UsageError, WorkspaceBusy
from sheetflow.model import Register, Round

DEFAULT_WORKSPACE = Path("out")

# Locks this process holds, by lock file, with a depth count: a command that
# calls another (demo calls init, issue, collect) takes the lock once.
_HELD: dict[str, tuple[int, int]] = {}


@dataclass(frozen=True)
class Workspace:
    """Paths of one workspace; creating the object touches nothing on disk."""

    root: Path

    @classmethod
    def at(cls, root: str | Path | None = None) -> Workspace:
        return cls(Path(root) if root is not None else DEFAULT_WORKSPACE)

    @property
    def register_path(self) -> Path:
        return self.root / "register.xlsx"

    @property
    def ledger_path(self) -> Path:
        return self.root / "ledger.sqlite"

    @property
    def lock_path(self) -> Path:
        return self.root / ".sheetflow.lock"

    def round_dir(self, number: int) -> Path:
        return self.root / "rounds" / str(number)

    def issued_dir(self, number: int) -> Path:
        return self.round_dir(number) / "issued"

    def inbox_dir(self, number: int) -> Path:
        return self.round_dir(number) / "inbox"

    def archive_dir(self, number: int) -> Path:
        return self.round_dir(number) / "archive"

    def master_path(self, number: int) -> Path:
        return self.round_dir(number) / "master.xlsx"

    def ratings_csv(self, number: int) -> Path:
        return self.round_dir(number) / "ratings.csv"

    def findings_csv(self, number: int) -> Path:
        return self.round_dir(number) / "findings.csv"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the workspace lock; a second command gets ``WorkspaceBusy`` at once."""
        self.root.mkdir(parents=True, exist_ok=True)
        key = str(self.lock_path.resolve())
        if key in _HELD:
            fd, depth = _HELD[key]
            _HELD[key] = (fd, depth + 1)
            try:
                yield
            finally:
                fd, depth = _HELD[key]
                _HELD[key] = (fd, depth - 1)
            return
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise WorkspaceBusy(
                f"En anden sheetflow-kommando arbejder i {self.root} lige nu. Prøv igen om lidt."
            ) from None
        _HELD[key] = (fd, 1)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            yield
        finally:
            del _HELD[key]
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def reminders_dir(self, number: int) -> Path:
        return self.round_dir(number) / "reminders"

    def make_round_dirs(self, number: int) -> None:
        for folder in (self.issued_dir(number), self.inbox_dir(number), self.archive_dir(number)):
            folder.mkdir(parents=True, exist_ok=True)

    def load_register(self) -> Register:
        """Read the register; refuse to go on when finance's edits broke it.

        Keys sheetflow made for initiatives without one are written back to
        register.xlsx; warnings and such notes go to ``sheetflow.notices``.
        """
        from sheetflow.register import load_register

        return load_register(self)

    def resolve_round(self, register: Register, ref: str | int) -> Round:
        rnd = register.find_round(ref)
        if rnd is None:
            names = ", ".join(f"{r.number} ({r.name})" for r in register.rounds)
            raise UsageError(f"Opfølgningen '{ref}' findes ikke i registret. Brug en af: {names}.")
        return rnd


P = ParamSpec("P")
T = TypeVar("T")


def exclusive(fn: Callable[P, T]) -> Callable[P, T]:
    """Run a library step that writes to a workspace under its lock (first argument)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        workspace = args[0]
        assert isinstance(workspace, Workspace)
        with workspace.locked():
            return fn(*args, **kwargs)

    return wrapper
