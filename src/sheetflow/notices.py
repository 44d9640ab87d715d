"""Notices: findings a library step wants the person to see although it succeeded.

Reading the register may warn (a number used twice) or inform (a key was
made and written back) while the verb goes on. The step hands such findings
to ``notify``; the CLI collects them around a verb with ``collect_notices``
and prints them once. Outside a collection they are dropped, so the library
stays free of printing.

A collection keeps the first ``KEPT_OF_A_KIND`` findings of each kind in full
and counts the rest, with the values they name that the kept ones do not: a
register of 40,000 initiatives numbered per center gives 39,960 warnings of
one kind, which were held (about 20 MB) through the whole verb to print ten.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from sheetflow.findings import Finding

KEPT_OF_A_KIND = 10
NAMED_VALUES = 5  # values named for the counted ones; one more is kept to tell "…"


@dataclass
class More:
    """The findings of one kind beyond those kept: how many, and the first few text
    values none of the kept ones names (another number used twice)."""

    count: int = 0
    values: list[str] = field(default_factory=list)


@dataclass
class Notices:
    """What a verb noticed: the kept findings in arrival order, and per kind the rest."""

    kept: list[Finding] = field(default_factory=list)
    more: dict[str, More] = field(default_factory=dict)
    _seen: set[int] = field(default_factory=set)  # hashes: each distinct finding once
    _kept: dict[str, set[str]] = field(default_factory=dict)  # per kind, values kept
    _count: Counter[str] = field(default_factory=Counter)  # per kind, findings kept

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.kept)

    def add(self, f: Finding) -> None:
        digest = hash(f)
        if digest in self._seen:
            return
        self._seen.add(digest)
        values = self._kept.setdefault(f.code, set())
        if self._count[f.code] < KEPT_OF_A_KIND:
            self._count[f.code] += 1
            self.kept.append(f)
            if isinstance(f.value, str):
                values.add(f.value)
            return
        more = self.more.setdefault(f.code, More())
        more.count += 1
        value = f.value
        named = isinstance(value, str) and value and value not in values
        if named and value not in more.values and len(more.values) <= NAMED_VALUES:
            more.values.append(str(value))


_SINK: ContextVar[Notices | None] = ContextVar("sheetflow_notices", default=None)


def notify(findings: Iterable[Finding]) -> None:
    """Pass findings on to whoever collects notices (each distinct finding once)."""
    sink = _SINK.get()
    if sink is None:
        return
    for f in findings:
        sink.add(f)


@contextlib.contextmanager
def collect_notices() -> Iterator[Notices]:
    """Collect every notice given inside the block into the yielded ``Notices``."""
    collected = Notices()
    token = _SINK.set(collected)
    try:
        yield collected
    finally:
        _SINK.reset(token)
