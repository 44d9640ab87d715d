"""The register as last read, kept beside the workspace and read back a part at a time.

Every verb reads register.xlsx; at 40,000 initiatives that is seconds of parsing,
and the register held whole is 50 MB of objects for the whole command (the
largest part of collect's memory at 1,000 centers). What the reader made of
the file is kept in ``.cache/register-<key>.store`` under a key of the file's
bytes (SHA-256) and of the code that read it, and used only when both match.

The store holds the register's small parts (information, sections, rounds,
centers, form, findings) in an index, with what the register answers only by
walking all of it (its fingerprint, the items marked "ikke relevant", the
centers that own initiatives: ``StoredFacts``), and its initiatives and ratings in
chunks of ``CHUNK``, in register order. A register loaded from it keeps only the
index: its ``initiatives`` and ``ratings`` are sequences that read their chunks
as they are walked, so a pass over 40,000 initiatives holds 256 at a time beyond
the first chunks, which stay read up to a fixed bound (``KEEP_BYTES``), and a
center's initiatives are read from the chunks that hold them.

The store is an optimisation, never a source of truth: anything wrong with it
(absent, stale, unreadable, written by another version, a disk that refuses the
write) means the file is read as before. Chunks are loaded by an unpickler that
makes only the register's own plain data classes, so a planted file cannot run
code. Each store has a name of its own key, so a good store a command is reading
is never replaced under it (Windows refuses to replace an open file), only a
damaged one; older stores are removed when they can be.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import os
import pickle
import struct
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TypeVar, overload

import sheetflow
from sheetflow.atomic import atomic_path
from sheetflow.errors import SheetflowError
from sheetflow.findings import Report
from sheetflow.model import Initiative, Rating, Register, StoredFacts

# Raise when what is stored changes shape in a way the stamp below cannot see.
# 3: the index keeps the register's facts (``StoredFacts``).
FORMAT = 3
MAGIC = b"SFREG" + bytes([0, 0, FORMAT])
CHUNK = 256  # initiatives (or ratings) per chunk: ~1,300 objects, a few hundred KB
# How much of a store stays read once read: a pass costs 0.1 s per 8,000 initiatives
# (collect walks the register some 20 times), so a register up to about 11,000
# initiatives (every municipality's) is read once and kept, about 14 MB; of a larger
# one, the first chunks are kept and the rest read at each pass: memory stays
# within this bound whatever the register's size.
KEEP_BYTES = 4 << 20
# Magic, where the index starts, and the SHA-256 of everything after the header
# (chunks and index): a store damaged anywhere is read past at load.
_HEADER = struct.Struct("<8sQ32s")

# The only classes a stored register is made of (checked in tests/test_register_cache.py).
_ALLOWED_MODULES = ("sheetflow.model", "sheetflow.form", "sheetflow.findings", "sheetflow.smiley")
_ALLOWED = {("datetime", "date")}

T = TypeVar("T")


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


def store_path(cache_dir: Path, key: str) -> Path:
    """Where the read kept under ``key`` lies: a name of its own (see the module)."""
    return cache_dir / f"register-{hashlib.sha256(key.encode()).hexdigest()[:20]}.store"


class _StoreFile:
    """One open store: its chunks read on demand. Where the system has ``pread`` a
    read never moves the file's position (a forked worker shares it with its
    parent); elsewhere (Windows) one thread at a time seeks and reads."""

    def __init__(self, path: Path, fh: BinaryIO) -> None:
        self.path = path
        self._fh = fh
        self._lock = threading.Lock()
        # The first chunks read, up to ``KEEP_BYTES`` of the store, stay read.
        self._kept: dict[tuple[int, int], list[Any]] = {}
        self._room = KEEP_BYTES
        weakref.finalize(self, fh.close)  # closed once no sequence needs it

    def chunk(self, place: tuple[int, int]) -> list[Any]:
        """The items of the chunk at ``place`` (offset, length); callers never change it."""
        found = self._kept.get(place)
        if found is None:
            found = self._read(place)
            if place[1] <= self._room:
                self._kept[place] = found
                self._room -= place[1]
        return found

    def _read(self, place: tuple[int, int]) -> list[Any]:
        offset, length = place
        if hasattr(os, "pread"):
            data = os.pread(self._fh.fileno(), length, offset)
        else:
            with self._lock:
                self._fh.seek(offset)
                data = self._fh.read(length)
        if len(data) != length:
            raise OSError(f"{self.path.name} is shorter than its index says")
        found = _RegisterUnpickler(io.BytesIO(data)).load()
        if not isinstance(found, list):
            raise pickle.UnpicklingError(f"{self.path.name}: a chunk is not a list")
        return found


class Stored(Sequence[T]):
    """A register's initiatives or ratings, read from its store a chunk at a time.

    Walking it holds one chunk beyond those kept (``KEEP_BYTES``); ``len`` and
    indexing need no walk. It equals any sequence with the same items, and pickles
    as a plain list (a worker's part of the register is self-contained)."""

    def __init__(
        self,
        store: _StoreFile,
        places: list[tuple[int, int]],
        size: int,
        per_chunk: int,
        groups: dict[str, list[int]] | None = None,
    ) -> None:
        self._store, self._places, self._size = store, places, size
        self._per_chunk = per_chunk  # as written (``CHUNK`` when the store was made)
        self._groups = groups or {}

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[T]:
        for place in self._places:
            yield from self._store.chunk(place)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return list(self)[index]
        n, at = self._locate(index)
        items: list[T] = self._store.chunk(self._places[n])
        return items[at]

    def _locate(self, index: int) -> tuple[int, int]:
        """The chunk that holds item ``index`` (negative from the end), and its place there."""
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError("register index out of range")
        return divmod(index, self._per_chunk)

    def reader(self) -> Callable[[int], T]:
        """Items by index, for lookups that come in register order (the summary's
        lists): the latest chunk read is held by the reader, not by the sequence, so
        each chunk is read once while the indexes ascend and nothing stays held once
        the reader is let go."""
        latest: list[Any] = [-1, None]

        def at(index: int) -> T:
            n, place = self._locate(index)
            if latest[0] != n:
                latest[:] = [n, self._store.chunk(self._places[n])]
            item: T = latest[1][place]
            return item

        return at

    def group(self, name: str, belongs: Any) -> list[T]:
        """The items of one group (a center's initiatives), in order: only the chunks
        that hold them are read; ``belongs`` picks them out of those chunks."""
        out: list[T] = []
        for n in self._groups.get(name, ()):
            out.extend(item for item in self._store.chunk(self._places[n]) if belongs(item))
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # a sequence: compared, never hashed

    def __reduce__(self) -> tuple[Any, tuple[list[T]]]:
        return (list, (list(self),))

    def __repr__(self) -> str:
        return f"<{self._size} kept in {self._store.path.name}>"


def load(cache_dir: Path, key: str) -> tuple[Register, Report] | None:
    """The stored read for ``key``, or None when there is none that can be trusted.
    The register's initiatives and ratings stay in the store until walked."""
    path = store_path(cache_dir, key)
    try:
        fh = path.open("rb")
    except OSError:
        return None
    try:
        magic, where, digest = _HEADER.unpack(fh.read(_HEADER.size))
        if magic != MAGIC:
            raise pickle.UnpicklingError("not a register store")
        if _digest(fh, _HEADER.size) != digest:  # damaged since written
            raise pickle.UnpicklingError("damaged")
        fh.seek(where)
        index = _RegisterUnpickler(fh).load()
        stored_key, per_chunk, head, report, initiatives, ratings, facts = index
        info, sections, rounds, centers, form = head
        if stored_key != key or not isinstance(report, Report):
            raise pickle.UnpicklingError("another read")
        if not isinstance(facts, StoredFacts):
            raise pickle.UnpicklingError("no facts")
        file = _StoreFile(path, fh)
        ini_places, ini_size, by_center = initiatives
        rating_places, rating_size = ratings
        register = Register(
            info,
            sections,
            Stored[Initiative](file, ini_places, ini_size, per_chunk, by_center),
            rounds,
            centers,
            Stored[Rating](file, rating_places, rating_size, per_chunk),
            form,
        )
        register.keep_facts(facts)
    except Exception:  # truncated, foreign, another version's: read the workbook instead
        fh.close()
        return None
    return register, report


def _digest(fh: BinaryIO, start: int) -> bytes:
    """SHA-256 of the store from ``start`` to its end: a store damaged on disk is read
    past at load, never met half-way through a command (15 MB at N = 1000: 30 ms)."""
    digest = hashlib.sha256()
    fh.seek(start)
    for block in iter(lambda: fh.read(1 << 20), b""):
        digest.update(block)
    return digest.digest()


def _write_chunks(out: BinaryIO, items: Sequence[Any], digest: Any) -> list[tuple[int, int]]:
    """Write ``items`` in chunks of ``CHUNK``; where each one lies."""
    places = []
    it = iter(items)
    while chunk := list(itertools.islice(it, CHUNK)):
        data = pickle.dumps(chunk, protocol=5)
        places.append((out.tell(), len(data)))
        out.write(data)
        digest.update(data)
    return places


def store(cache_dir: Path, key: str, register: Register, report: Report) -> None:
    """Keep a read for next time; a disk that refuses is no error (the store is optional).

    Called only when no good store could be loaded, so one already under this name
    is damaged and is replaced (a trial's truncated store was kept, and the workbook
    read at every command). Replacing a store another command has open fails on
    Windows, and is then no error either."""
    target = store_path(cache_dir, key)
    try:
        cache_dir.mkdir(exist_ok=True)
        with atomic_path(target) as tmp, tmp.open("wb") as out:
            _write_store(out, key, register, report)
    except (OSError, SheetflowError):
        return
    _remove_others(cache_dir, target)


def _write_store(out: BinaryIO, key: str, register: Register, report: Report) -> None:
    """Header, chunks of initiatives and of ratings, then the index; the header's
    digest covers everything after it."""
    out.write(_HEADER.pack(MAGIC, 0, bytes(32)))
    digest = hashlib.sha256()
    ini_places = _write_chunks(out, register.initiatives, digest)
    by_center: dict[str, list[int]] = {}  # a center's chunks
    for n, ini in enumerate(register.initiatives):
        chunks = by_center.setdefault(ini.center, [])
        if not chunks or chunks[-1] != n // CHUNK:
            chunks.append(n // CHUNK)
    rating_places = _write_chunks(out, register.ratings, digest)
    where = out.tell()
    head = (register.info, register.sections, register.rounds, register.centers, register.form)
    index = pickle.dumps(
        (
            key,
            CHUNK,
            head,
            report,
            (ini_places, len(register.initiatives), by_center),
            (rating_places, len(register.ratings)),
            register.facts(),  # the register as read: lists, walked here once
        ),
        protocol=5,
    )
    out.write(index)
    digest.update(index)
    out.seek(0)
    out.write(_HEADER.pack(MAGIC, where, digest.digest()))


def _remove_others(cache_dir: Path, keep: Path) -> None:
    """Stores of earlier reads (and the single pickle of earlier versions), where the
    system lets them go: one another command still reads stays until next time."""
    for old in [*cache_dir.glob("register-*.store"), cache_dir / "register.pickle"]:
        if old != keep:
            with contextlib.suppress(OSError):
                old.unlink(missing_ok=True)
