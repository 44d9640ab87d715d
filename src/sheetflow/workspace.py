"""The workspace folder (docs/workflow.md#the-workspace): where every step reads and writes.

register.xlsx, ledger.sqlite, rounds/<n>/{issued,inbox,archive}/,
rounds/<n>/master.xlsx, ratings.csv, findings.csv
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import socket
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

from filelock import FileLock, Timeout

from sheetflow.errors import UsageError, WorkspaceBusy
from sheetflow.model import Register, Round

DEFAULT_WORKSPACE = Path("out")

# Locks this process holds, by lock file, with a depth count: a command that
# calls another (demo calls init, issue, collect) takes the lock once.
_HELD: dict[str, tuple[FileLock, int]] = {}


SETTINGS = "sheetflow.toml"


def workspace_language(root: Path) -> str:
    """The language recorded in a workspace's sheetflow.toml; Danish when none
    (or when the file is unreadable: a language is never a reason to stop)."""
    import tomllib

    try:
        data = tomllib.loads((Path(root) / SETTINGS).read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError):
        return "da"
    lang = data.get("lang")
    return lang if lang in ("da", "en") else "da"


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
    def has_ledger(self) -> bool:
        """Something was recorded: ledger.sqlite, or ledger.url naming the team's
        PostgreSQL database (``sheetflow serve --db``)."""
        return self.ledger_path.is_file() or (self.root / "ledger.url").is_file()

    @property
    def settings_path(self) -> Path:
        """The workspace's own settings: ``sheetflow.toml`` (its language)."""
        return self.root / SETTINGS

    def set_language(self, lang: str) -> None:
        """Make ``lang`` the language of every verb run on this workspace without
        --lang or SHEETFLOW_LANG (``init --lang``)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.settings_path.write_text(
            f'# sheetflow: this workspace\'s settings.\nlang = "{lang}"\n', encoding="utf-8"
        )

    @property
    def lock_path(self) -> Path:
        return self.root / ".sheetflow.lock"

    @property
    def cache_dir(self) -> Path:
        """What may be made again from the workspace's files (the register as last read)."""
        return self.root / ".cache"

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

    @property
    def lock_info_path(self) -> Path:
        """Who holds the lock (pid, host, command), written beside it by the holder."""
        return self.root / ".sheetflow.lock.json"

    def no_register(self) -> UsageError:
        """There is no register here: the error that says how to start one, and names
        the workspace the user most likely meant (a path typed without its æøå, in
        one folder or several), so a typo does not end in a second, stray workspace."""
        near = _meant(self.root)
        if near is not None:
            return UsageError("no-register-near", root=self.root, near=near)
        return UsageError("no-register", root=self.root)

    @contextlib.contextmanager
    def locked(self, create: bool = False) -> Iterator[None]:
        """Hold the workspace lock; a second command gets ``WorkspaceBusy`` at once.

        The lock is an operating-system lock (``filelock``: flock on POSIX,
        ``LockFileEx`` through msvcrt on Windows), so it ends with the process
        that holds it: a crashed command never leaves a stale lock behind.
        Only ``create`` (init, demo) makes a workspace folder that is not there,
        and a step that fails removes again the lock file and the folders it made
        (each only while empty): a refused first init leaves nothing behind. Any
        other verb given a mistyped path says there is no register there, and
        leaves no folder with a lock file behind.
        """
        if not create:
            if not self.root.is_dir():
                raise self.no_register()
            with self._held():
                yield
            return
        made = _first_missing(self.root)
        had_lock = self.lock_path.exists()
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            with self._held():
                yield
        except Exception:
            if not had_lock:
                with contextlib.suppress(OSError):
                    self.lock_path.unlink(missing_ok=True)
            if made is not None:
                _remove_empty_folders(self.root, made)
            raise

    @contextlib.contextmanager
    def _held(self) -> Iterator[None]:
        """The lock itself, reentrant within a process (see ``locked``)."""
        key = str(self.lock_path.resolve())
        if key in _HELD:
            lock, depth = _HELD[key]
            _HELD[key] = (lock, depth + 1)
            try:
                yield
            finally:
                lock, depth = _HELD[key]
                _HELD[key] = (lock, depth - 1)
            return
        lock = FileLock(str(self.lock_path))
        try:
            lock.acquire(blocking=False)
        except Timeout:
            raise WorkspaceBusy(
                "workspace-busy", root=self.root, holder=read_lock_info(self.lock_info_path)
            ) from None
        except OSError as exc:  # a folder finance may read but not change
            reason = exc.strerror or type(exc).__name__
            raise UsageError("workspace-not-writable", root=self.root, reason=reason) from None
        _HELD[key] = (lock, 1)
        try:
            _write_lock_info(self.lock_info_path)
            yield
        finally:
            del _HELD[key]
            with contextlib.suppress(OSError):  # gone already: nothing to tidy
                self.lock_info_path.unlink()
            lock.release()

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
            raise UsageError("unknown-round", ref=ref, names=names)
        return rnd


def _first_missing(folder: Path) -> Path | None:
    """The outermost of ``folder`` and its parents that is not a folder yet."""
    missing = None
    while not folder.is_dir() and folder.parent != folder:
        missing, folder = folder, folder.parent
    return missing


def _remove_empty_folders(folder: Path, top: Path) -> None:
    """Remove ``folder`` and its parents up to ``top``, each only while empty."""
    with contextlib.suppress(OSError):  # not empty: something else is there, keep it
        while True:
            folder.rmdir()
            if folder == top:
                break
            folder = folder.parent


def _meant(root: Path) -> Path | None:
    """The workspace ``root`` most likely stands for: each folder of it that does not
    exist replaced by the nearest name beside it (the last by a folder that holds a
    register); None when a folder has no near name or the result is no workspace."""
    from sheetflow.register.reader import near_miss

    top = _first_missing(root)
    if top is None:
        return None
    found = top.parent
    missing = root.relative_to(found).parts
    for depth, name in enumerate(missing, start=1):
        last = depth == len(missing)
        try:
            beside = [
                d.name
                for d in found.iterdir()
                if d.is_dir() and (not last or Workspace(d).register_path.is_file())
            ]
        except OSError:
            return None
        near = near_miss(unicodedata.normalize("NFC", name), beside)
        if not near:
            return None
        found = found / near
    return found if Workspace(found).register_path.is_file() else None


def _command_line() -> str:
    """This process's command as a person would type it ("sheetflow collect out --round 3")."""
    argv = sys.argv or [""]
    first = Path(argv[0])
    program = first.parent.name if first.name == "__main__.py" else first.name  # python -m
    if Path(program).stem in ("sheetflow", "sheetflow-script"):
        program = "sheetflow"
    return subprocess.list2cmdline([program, *argv[1:]])[:200]


def _write_lock_info(path: Path) -> None:
    """Tell a second command who holds the lock; best effort, the lock itself is what counts."""
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": _command_line(),
        "since": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        tmp.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)


def read_lock_info(path: Path) -> dict[str, str]:
    """The holder's pid, host, command and start time; empty when not (yet) written."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: str(data[k]) for k in ("pid", "host", "command", "since") if k in data}


P = ParamSpec("P")
T = TypeVar("T")


def exclusive(fn: Callable[P, T]) -> Callable[P, T]:
    """Run a library step that writes to a workspace under its lock (first argument)."""
    return _under_lock(fn, create=False)


def creates_workspace(fn: Callable[P, T]) -> Callable[P, T]:
    """``exclusive`` for the steps that may make the workspace folder (init, demo)."""
    return _under_lock(fn, create=True)


def _under_lock(fn: Callable[P, T], create: bool) -> Callable[P, T]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        workspace = args[0]
        assert isinstance(workspace, Workspace)
        with workspace.locked(create=create):
            return fn(*args, **kwargs)

    return wrapper
