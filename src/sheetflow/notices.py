"""Notices: findings a library step wants the person to see although it succeeded.

Reading the register may warn (a number used twice) or inform (a key was
made and written back) while the verb goes on. The step hands such findings
to ``notify``; the CLI collects them around a verb with ``collect_notices``
and prints them once. Outside a collection they are dropped, so the library
stays free of printing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

from sheetflow.findings import Finding

_SINK: ContextVar[tuple[list[Finding], set[Finding]] | None] = ContextVar(
    "sheetflow_notices", default=None
)


def notify(findings: Iterable[Finding]) -> None:
    """Pass findings on to whoever collects notices (each distinct finding once)."""
    sink = _SINK.get()
    if sink is None:
        return
    collected, seen = sink
    for f in findings:
        if f not in seen:
            seen.add(f)
            collected.append(f)


@contextlib.contextmanager
def collect_notices() -> Iterator[list[Finding]]:
    """Collect every notice given inside the block into the yielded list."""
    collected: list[Finding] = []
    token = _SINK.set((collected, set()))
    try:
        yield collected
    finally:
        _SINK.reset(token)
