"""Run work on untrusted files in worker processes with memory and time limits.

A reader that aborts (python-calamine aborts the whole process on some
crafted files), runs out of memory or runs away costs only its worker: the
parent sees the worker die or time out, reports that file, starts a new
worker and goes on. Workers are started once and reused; they send back only
the compact result of each task.

Workers are forked where the platform can (Linux, macOS) and spawned where it
cannot (Windows); ``SHEETFLOW_START_METHOD=spawn|fork|forkserver`` chooses.
The memory limit is ``RLIMIT_AS`` on POSIX and a Job Object on Windows.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import gc
import multiprocessing
import os
import signal
import sys
import time
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from sheetflow.errors import SheetflowError, UsageError

if sys.platform != "win32":
    import resource

DEFAULT_MEMORY = 1024**3  # address space per worker
DEFAULT_SECONDS = 60.0  # wall time per task
STARTUP_SECONDS = 60.0
MAX_START_FAILURES = 3
READY = ("ready", None)
START_METHOD_ENV = "SHEETFLOW_START_METHOD"


class WorkerStartError(SheetflowError):
    """Worker processes could not be started at all."""


@dataclass(frozen=True)
class Outcome:
    """What became of one task: ``ok`` with a value, or ``failed`` with a reason."""

    ok: bool
    value: Any = None
    reason: str = ""


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = DEFAULT_MEMORY
    seconds: float = DEFAULT_SECONDS


def start_method() -> str:
    """How workers start: ``SHEETFLOW_START_METHOD`` if set, else fork where it exists, else spawn."""
    wanted = os.environ.get(START_METHOD_ENV, "").strip().lower()
    available = multiprocessing.get_all_start_methods() if hasattr(os, "fork") else ["spawn"]
    if not wanted:
        return "fork" if "fork" in available else "spawn"
    if wanted not in available:
        raise UsageError(
            "start-method", env=START_METHOD_ENV, wanted=wanted, names=", ".join(available)
        )
    return wanted


def _no_state() -> None:
    """The default ``init``: workers without state (module-level, so spawn can pickle it)."""
    return None


def _mapped_bytes() -> int:
    """The address space this process already maps (Linux; 0 where unknown)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _apply_limits(limits: Limits) -> None:
    """The reader gets ``memory_bytes`` beyond what the worker maps when it starts: a
    forked worker inherits its parent's address space (a caller that loaded pandas
    maps gigabytes it never touches), which must not eat the reader's share."""
    if sys.platform != "win32":  # on Windows the parent's Job Object limits memory
        for which, value in (
            (resource.RLIMIT_AS, _mapped_bytes() + limits.memory_bytes),
            (resource.RLIMIT_CORE, 0),
        ):
            with contextlib.suppress(ValueError, OSError):  # a platform may refuse
                resource.setrlimit(which, (value, value))


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this worker when the parent dies (Linux), so a
    killed collect never leaves workers behind holding its pipes."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no prctl
            pass
    # Elsewhere: the worker sees the pipe close (or, on Windows, is killed with
    # the parent's Job Object).
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _quiet() -> None:
    """A reader that aborts (Rust panics, allocation failures) must not print into the
    user's terminal: the parent reports the file as a finding instead."""
    os.environ["RUST_BACKTRACE"] = "0"
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _worker(
    conn: Connection,
    init: Callable[[], Any],
    task: Callable[[Any, Any], Any],
    limits: Limits,
    parent: int | None,
) -> None:
    # Under "forkserver" (parent None) this worker's parent is the server, which
    # ends when the process that asked for the work does.
    parent = parent if parent is not None else os.getppid()
    _die_with_parent(parent)
    # A reader that aborts is the parent's finding, not a traceback dump into
    # the user's terminal (pytest, for one, turns faulthandler on).
    faulthandler.disable()
    _quiet()
    _apply_limits(limits)
    # Everything inherited from the parent (a large register, say) is left out
    # of garbage collection: scanning it would touch, and so copy, every page.
    gc.freeze()
    state = init()
    conn.send(READY)
    while True:
        try:
            while not conn.poll(1.0):
                if os.getppid() != parent:
                    return
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        index, item = message
        try:
            result: tuple[bool, Any] = (True, task(state, item))
        except MemoryError:
            result = (False, "memory")
        except Exception as exc:  # reported as the file's problem, never raised
            result = (False, f"{type(exc).__name__}: {exc}")
        conn.send((index, result))


@contextlib.contextmanager
def _main_hidden(method: str) -> Iterator[None]:
    """Start spawned workers without re-running the caller's ``__main__``.

    A spawned worker normally imports the parent's main script again, so a
    script that calls sheetflow without ``if __name__ == "__main__":`` would
    run once more in every worker. The workers need nothing from it (the work
    lives in importable modules), so the script is hidden while they start.
    """
    if method == "fork":
        yield
        return
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class _Slot:
    def __init__(
        self,
        ctx: Any,
        init: Callable[[], Any],
        task: Callable[[Any, Any], Any],
        limits: Limits,
        job: Any = None,
    ) -> None:
        parent, child = ctx.Pipe()
        self.conn = parent
        method = ctx.get_start_method()
        parent = None if method == "forkserver" else os.getpid()
        self.proc = ctx.Process(
            target=_worker, args=(child, init, task, limits, parent), daemon=True
        )
        with _main_hidden(method):
            self.proc.start()
        if job is not None:  # pragma: no cover - Windows only
            job.add(self.proc.pid)  # before any task is sent
        child.close()
        self.index: int | None = None
        self.deadline = 0.0
        self.ready = False

    def wait_ready(self) -> bool:
        """Wait for the worker's first word; False when it died while starting."""
        if self.ready:
            return True
        try:
            if self.conn.poll(STARTUP_SECONDS) and self.conn.recv() == READY:
                self.ready = True
        except (EOFError, OSError):
            pass
        return self.ready

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def run_isolated(
    items: Sequence[Any],
    task: Callable[[Any, Any], Any],
    init: Callable[[], Any] = _no_state,
    *,
    workers: int | None = None,
    limits: Limits | None = None,
    on_done: Callable[[int], None] | None = None,
    method: str | None = None,
    keep: Callable[[Any], Any] | None = None,
) -> list[Outcome]:
    """``task(state, item)`` for every item in worker processes; outcomes in item order.

    ``init()`` runs once in each worker and gives its ``state`` (for example a
    read-only ledger connection). With "fork" (Linux, macOS) the workers share
    the parent's memory; with "spawn" (Windows) and "forkserver" they start
    small, from a fresh interpreter, so ``task``, ``init`` and the items must be
    picklable (module-level functions, ``functools.partial``). ``method``
    defaults to ``start_method()``. ``keep(value)`` gives what the outcome holds
    of each value as it arrives (where it was put aside, say), so large values
    need not all be held until the last one comes.
    """
    if not items:
        return []
    limits = limits or Limits()
    method = method or start_method()
    ctx = multiprocessing.get_context(method)
    count = max(1, min(workers or os.cpu_count() or 1, len(items)))
    # Results arriving by the thousand would make the garbage collector walk
    # everything this process already holds (a large register) again and
    # again; leave that out of collection while the pool runs (forked workers
    # inherit the frozen state too).
    outcomes: list[Outcome | None] = [None] * len(items)
    queue = list(range(len(items)))
    start_failures = 0
    gc.freeze()
    slots: list[_Slot] = []
    job = _memory_job(limits)
    try:
        slots = [_Slot(ctx, init, task, limits, job) for _ in range(count)]
        while queue or any(s.index is not None for s in slots):
            for i, slot in enumerate(slots):
                if slot.index is not None or not queue:
                    continue
                if not slot.wait_ready():
                    start_failures += 1
                    slot.stop(kill=True)
                    if start_failures > MAX_START_FAILURES:
                        raise WorkerStartError(f"worker processes could not start ({method})")
                    slots[i] = _Slot(ctx, init, task, limits, job)
                    continue
                slot.index = queue.pop(0)
                slot.deadline = time.monotonic() + limits.seconds
                # A worker that died since it was ready shows up at the wait below.
                with contextlib.suppress(OSError):
                    slot.conn.send((slot.index, items[slot.index]))
            busy = [s for s in slots if s.index is not None]
            if not busy:
                continue
            busy = [s for s in slots if s.index is not None]
            timeout = max(0.0, min(s.deadline for s in busy) - time.monotonic())
            wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], timeout=timeout)
            for i, slot in enumerate(slots):
                if slot.index is None:
                    continue
                done = _collect(slot)
                if done is None and time.monotonic() < slot.deadline and slot.proc.is_alive():
                    continue
                index = slot.index
                if done is None:
                    alive = slot.proc.is_alive()
                    reason = "timeout" if alive else f"exit {slot.proc.exitcode}"
                    done = Outcome(False, reason=reason)
                    slot.stop(kill=True)
                    slots[i] = _Slot(ctx, init, task, limits, job)
                else:
                    slot.index = None
                    if keep is not None and done.ok:
                        done = Outcome(True, keep(done.value))
                outcomes[index] = done
                if on_done:
                    on_done(index)
    finally:
        gc.unfreeze()
        for slot in slots:
            slot.stop()
        if job is not None:  # pragma: no cover - Windows only
            job.close()
    return [o if o is not None else Outcome(False, reason="lost") for o in outcomes]


def _memory_job(limits: Limits) -> Any:
    """On Windows, the Job Object that limits each worker's memory; None elsewhere."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        from sheetflow.winjob import MemoryJob

        try:
            return MemoryJob(limits.memory_bytes)
        except Exception:  # pywintypes.error: the time limit alone, as where rlimit is refused
            return None
    return None


def _collect(slot: _Slot) -> Outcome | None:
    """The slot's result if it has sent one."""
    try:
        if not slot.conn.poll():
            return None
        index, (ok, value) = slot.conn.recv()
    except (EOFError, OSError):
        return None
    if index != slot.index:  # pragma: no cover - protocol guard
        return None
    return Outcome(True, value) if ok else Outcome(False, reason=str(value))
