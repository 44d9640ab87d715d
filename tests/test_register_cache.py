"""The register as last read (register/cache.py): used only for the same bytes, never
trusted beyond plain data, never the reason a verb fails, and read back a part at a
time."""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
from pathlib import Path

import openpyxl
import pytest

from sheetflow.errors import RegisterError
from sheetflow.model import Initiative, Register
from sheetflow.notices import collect_notices
from sheetflow.register import cache, init_workspace
from sheetflow.register.workbook import read_register
from sheetflow.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """The sample register: it carries a warning (7.07 numbered twice) to be told each time."""
    ws = Workspace.at(tmp_path / "økonomi ws")
    init_workspace(ws, "sample")
    return ws


def _cache_file(ws: Workspace) -> Path:
    return cache.store_path(ws.cache_dir, cache.cache_key(ws.register_path))


def _load(ws: Workspace) -> tuple[object, list[tuple[str, str, str]]]:
    with collect_notices() as notices:
        register = ws.load_register()
    return register, [(f.code, f.sheet, f.cell) for f in notices]


def test_a_second_read_comes_from_the_cache_with_the_same_register_and_notices(
    ws: Workspace,
) -> None:
    fresh, fresh_report = read_register(ws.register_path)
    first, first_notices = _load(ws)
    assert _cache_file(ws).is_file()
    # Prove the second read does not parse the workbook: the reader is not called.
    import sheetflow.register as reg_pkg

    real = reg_pkg.read_register
    reg_pkg.read_register = None  # type: ignore[assignment]
    try:
        second, second_notices = _load(ws)
    finally:
        reg_pkg.read_register = real
    assert first == fresh and second == fresh
    expected = [(f.code, f.sheet, f.cell) for f in fresh_report]
    assert (
        first_notices
        == second_notices
        == expected
        == [("register-duplicate-number", "Delelementer", "C17")]
    )


def test_an_edited_register_is_read_again(ws: Workspace) -> None:
    before, _ = _load(ws)
    wb = openpyxl.load_workbook(ws.register_path)
    sheet = wb["Delelementer"]
    header = [c.value for c in sheet[1]]
    col = header.index("Titel") + 1
    sheet.cell(row=2, column=col).value = "En ny titel skrevet af økonomi"
    wb.save(ws.register_path)
    after, _ = _load(ws)
    assert after.initiatives[0].title == "En ny titel skrevet af økonomi"  # type: ignore[attr-defined]
    assert before.initiatives[0].title != after.initiatives[0].title  # type: ignore[attr-defined]


def test_a_register_with_errors_is_not_kept(ws: Workspace) -> None:
    wb = openpyxl.load_workbook(ws.register_path)
    sheet = wb["Delelementer"]
    header = [c.value for c in sheet[1]]
    sheet.cell(
        row=2, column=header.index("Ansvarligt center") + 1
    ).value = "Et center der ikke findes"
    wb.save(ws.register_path)
    with pytest.raises(RegisterError):
        ws.load_register()
    assert not _cache_file(ws).exists()


class _Planted:
    """Pickles as a call of os.system: what a planted cache file could try."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch '{self.marker}'",))


def _with_index(good: bytes, index: object) -> bytes:
    """A store with its chunks kept and another index put in place of its own, its
    digest made anew: what only the index's own checks can refuse."""
    _, where, _ = cache._HEADER.unpack(good[: cache._HEADER.size])
    body = good[cache._HEADER.size : where] + pickle.dumps(index)
    digest = hashlib.sha256(body).digest()
    return cache._HEADER.pack(cache.MAGIC, where, digest) + body


def test_a_planted_or_broken_cache_is_read_past(ws: Workspace, tmp_path: Path) -> None:
    _load(ws)  # kept; what is expected is read from the workbook, apart from the store
    expected, _ = read_register(ws.register_path)
    key = cache.cache_key(ws.register_path)
    good = _cache_file(ws).read_bytes()
    _, where, _ = cache._HEADER.unpack(good[: cache._HEADER.size])
    index = pickle.loads(good[where:])
    marker = tmp_path / "ran"
    in_chunk, in_index = bytearray(good), bytearray(good)
    in_chunk[cache._HEADER.size + 40] ^= 0xFF  # a byte of the first chunk
    # A byte of a date in the index (a trial's round moved from March to January).
    as_of = index[2][2][0].as_of
    date_at = good.index(bytes([as_of.year >> 8, as_of.year & 0xFF, as_of.month]), where)
    in_index[date_at + 2] = 1 if as_of.month != 1 else 2
    payloads = [
        _with_index(good, (key, _Planted(marker))),  # a global outside the register
        _with_index(good, ("another key", *index[1:])),
        _with_index(good, (key, *index[1:3], "not a report", *index[4:])),
        bytes(in_chunk),  # damaged on disk: the digest no longer matches
        bytes(in_index),
        good[: len(good) // 2],  # truncated
        b"PK\x03\x04" + good[4:],  # not a store
    ]
    for payload in payloads:
        _cache_file(ws).write_bytes(payload)
        assert cache.load(ws.cache_dir, key) is None
        again, notices = _load(ws)
        assert again == expected
        assert notices == [("register-duplicate-number", "Delelementer", "C17")]
        # ... and the damaged store is replaced by a good one: the next command need
        # not read the workbook again.
        assert _cache_file(ws).read_bytes() == good
    assert not marker.exists()


def test_a_cache_that_cannot_be_written_is_no_error(ws: Workspace) -> None:
    ws.cache_dir.parent.mkdir(parents=True, exist_ok=True)
    ws.cache_dir.write_text("a file where the folder would be")
    register, notices = _load(ws)
    assert register == read_register(ws.register_path)[0]
    assert notices == [("register-duplicate-number", "Delelementer", "C17")]


def test_freed_memory_goes_back_where_the_c_library_can() -> None:
    """After a cold read the parser's freed cells are handed back (glibc's malloc_trim);
    elsewhere the call is a harmless no."""
    import ctypes.util
    import sys

    from sheetflow.heap import give_back_freed_memory

    glibc = sys.platform.startswith("linux") and "libc.so.6" in str(ctypes.util.find_library("c"))
    assert give_back_freed_memory() is glibc


def test_a_read_by_another_version_is_not_used(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load(ws)
    key = cache.cache_key(ws.register_path)
    assert cache.load(ws.cache_dir, key) is not None
    monkeypatch.setattr("sheetflow.__version__", "99.0")
    assert cache.cache_key(ws.register_path) != key
    assert cache.load(ws.cache_dir, cache.cache_key(ws.register_path)) is None


def test_model_objects_keep_every_field_through_the_cache() -> None:
    """The register's classes pickle as their fields (model._by_fields): flags out of
    the repr, dates and smileys included."""
    import datetime as dt

    from sheetflow.model import Deadline, Initiative, Milestone, Rating
    from sheetflow.smiley import Smiley

    deadline = Deadline("31.12.2026", date=dt.date(2026, 12, 31))
    ms = Milestone("K1-M1", "K1", 1, "Udbud afsluttet", deadline, not_applicable=True)
    ini = Initiative(
        "K1", "2", "2.01", "Titel", "anlæg", "Kort", "Uddybning", "Teknik og Miljø",
        "Udvalg", "Bidrag", "1 mio. kr.", (ms,), economy_na=True,
    )  # fmt: skip
    rating = Rating(3, "K1-M1", Smiley.RED, "Forsinket", "tm.xlsx")
    for thing in (deadline, ms, ini, rating):
        again = pickle.loads(pickle.dumps(thing, protocol=5))
        assert again == thing and type(again) is type(thing)
    assert pickle.loads(pickle.dumps(ms)).not_applicable is True
    assert pickle.loads(pickle.dumps(ini)).economy_na is True


def _initiatives_alive() -> int:
    gc.collect()
    return sum(isinstance(o, Initiative) for o in gc.get_objects())


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Where every chunk read from a store lay, in order (kept chunks are not read)."""
    reads: list[tuple[int, int]] = []
    read = cache._StoreFile._read

    def counted(self: cache._StoreFile, place: tuple[int, int]) -> list[object]:
        reads.append(place)
        return read(self, place)

    monkeypatch.setattr(cache._StoreFile, "_read", counted)
    return reads


def test_a_stored_register_is_read_a_chunk_at_a_time(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loaded from its store, the register holds none of its initiatives: a walk reads
    one chunk at a time, a center's initiatives come from the chunks that hold them,
    and a copy sent to a worker is plain lists."""
    monkeypatch.setattr(cache, "CHUNK", 5)  # the sample's 32 initiatives in 7 chunks
    monkeypatch.setattr(cache, "KEEP_BYTES", 0)  # as for a register beyond the bound
    _load(ws)
    fresh, _ = read_register(ws.register_path)
    before = _initiatives_alive()  # ``fresh``'s own
    reads = _count_reads(monkeypatch)
    register, _ = _load(ws)
    assert isinstance(register, Register)
    assert _initiatives_alive() == before and reads == []  # the index only
    n = len(fresh.initiatives)
    assert len(register.initiatives) == n == 32 and len(register.ratings) == len(fresh.ratings)
    assert list(register.initiatives) == fresh.initiatives and len(reads) == 7
    assert register.initiatives == fresh.initiatives and register.ratings == fresh.ratings
    assert register == fresh
    for index in (0, 4, 5, 31, -1, -32):
        assert register.initiatives[index] == fresh.initiatives[index]
    assert register.initiatives[3:12] == fresh.initiatives[3:12]
    with pytest.raises(IndexError):
        register.initiatives[32]
    # A center's initiatives: from the chunks holding them only.
    center = fresh.initiatives[0].center
    own = [i for i in fresh.initiatives if i.center == center]
    holding = {n // 5 for n, i in enumerate(fresh.initiatives) if i.center == center}
    reads.clear()
    assert register.initiatives_for(center) == own and len(reads) == len(holding) < 7
    # Walking leaves nothing behind.
    assert sum(len(i.milestones) for i in register.initiatives) > 0
    assert _initiatives_alive() == before
    copy = pickle.loads(pickle.dumps(register))
    assert type(copy.initiatives) is list and type(copy.ratings) is list and copy == fresh


def test_the_first_chunks_stay_read_up_to_a_fixed_bound(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass costs 0.1 s per 8,000 initiatives and collect makes about twenty: the
    first chunks read stay read, up to ``KEEP_BYTES`` of the store, and only the
    others are read again. A register within the bound is read once."""
    shipped = cache.KEEP_BYTES
    monkeypatch.setattr(cache, "CHUNK", 5)
    _load(ws)
    fresh, _ = read_register(ws.register_path)
    reads = _count_reads(monkeypatch)
    places = cache.load(ws.cache_dir, cache.cache_key(ws.register_path))
    assert places is not None
    chunks = places[0].initiatives._places  # type: ignore[attr-defined]
    assert len(chunks) == 7
    monkeypatch.setattr(cache, "KEEP_BYTES", chunks[0][1] + chunks[1][1] + chunks[2][1])
    register, _ = _load(ws)
    reads.clear()
    assert list(register.initiatives) == fresh.initiatives and reads == chunks
    assert list(register.initiatives) == fresh.initiatives and reads == chunks + chunks[3:]
    assert register.initiatives[7] == fresh.initiatives[7] and len(reads) == 11  # kept
    monkeypatch.setattr(cache, "KEEP_BYTES", shipped)  # the sample is read whole, once
    register, _ = _load(ws)
    reads.clear()
    for _ in range(3):
        assert register.initiatives == fresh.initiatives and register.ratings == fresh.ratings
    assert len(reads) == len(set(reads)) == 7 + len(register.ratings._places)  # type: ignore[attr-defined]


def test_lookups_in_register_order_read_each_chunk_once(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The summary's lists look initiatives up by position, in register order within
    each weight: through ``Register.initiative_at`` a stored register reads each chunk
    once per ascending run, and holds nothing once the lookup is let go."""
    monkeypatch.setattr(cache, "CHUNK", 5)  # the sample's 32 initiatives in 7 chunks
    monkeypatch.setattr(cache, "KEEP_BYTES", 0)
    _load(ws)
    fresh, _ = read_register(ws.register_path)
    before = _initiatives_alive()
    reads = _count_reads(monkeypatch)
    register, _ = _load(ws)
    assert isinstance(register, Register)
    at = register.initiative_at()
    wanted = [0, 1, 4, 5, 6, 12, 13, 31, 2, 7]  # two ascending runs
    assert [at(n) for n in wanted] == [fresh.initiatives[n] for n in wanted]
    chunks = register.initiatives._places  # type: ignore[attr-defined]
    assert reads == [chunks[n] for n in (0, 1, 2, 6, 0, 1)]
    with pytest.raises(IndexError):
        at(32)
    del at
    assert _initiatives_alive() == before
    # A register in memory answers from its list.
    assert fresh.initiative_at()(31) is fresh.initiatives[31]


def test_collect_holds_no_initiative_while_it_writes_the_master(
    issued_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The round's state and everything the master shows name initiatives by key and
    text: beyond the chunks kept (none here), none of the register's objects is held
    while the master is written (they were 50 MB at 1,000 centers)."""
    monkeypatch.setattr(cache, "KEEP_BYTES", 0)
    import sheetflow.master as master
    from helpers import fill_all_green
    from sheetflow.collect import collect_round
    from sheetflow.register.sample import sample_register

    centers = sample_register().responsible_centers()
    inbox = issued_ws.inbox_dir(3)
    for n, center in enumerate(centers):
        fill_all_green(issued_ws, center, inbox / f"retur {n}.xlsx")
    write = master.write_master
    alive: list[int] = []

    def watched(*args: object, **kwargs: object) -> Path:
        alive.append(_initiatives_alive())
        return write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(master, "write_master", watched)
    ws_register = issued_ws.load_register()
    assert len(ws_register.initiatives) == 32
    del ws_register
    baseline = _initiatives_alive()
    result = collect_round(issued_ws, 3)
    assert [f.verdict.value for f in result.files] == ["accepted"] * len(centers)
    assert alive == [baseline]


def test_a_stored_register_reads_the_same_without_pread(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows has no ``os.pread``: chunks are read by seeking, one thread at a time."""
    monkeypatch.setattr(cache, "CHUNK", 3)
    _load(ws)
    fresh, _ = read_register(ws.register_path)
    monkeypatch.delattr(os, "pread", raising=False)
    register, _ = _load(ws)
    assert register.initiatives == fresh.initiatives and register.ratings == fresh.ratings
    assert register.initiatives[-1] == fresh.initiatives[-1]


def test_a_stored_register_answers_its_facts_without_reading_a_chunk(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fingerprint, the items marked "ikke relevant" and the centers that own
    initiatives were each a walk of every chunk (collect's check that the register is
    the one issued: 3.7 s at 1,000 centers); the store keeps them from when it was
    written. They equal what the register read afresh answers by walking it."""
    monkeypatch.setattr(cache, "KEEP_BYTES", 0)
    _load(ws)
    fresh, _ = read_register(ws.register_path)
    sheet = openpyxl.load_workbook(ws.register_path)["Delelementer"]
    centers = list(dict.fromkeys(str(c.value) for c in sheet["H"][1:] if c.value))
    reads = _count_reads(monkeypatch)
    register, _ = _load(ws)
    assert isinstance(register, Register)
    assert register.fingerprint() == fresh.fingerprint()
    assert register.not_applicable() == fresh.not_applicable() != set()
    assert register.responsible_centers() == fresh.responsible_centers() == centers
    assert reads == []
    # Another register's parts put in its place: its facts are its own again.
    register.initiatives = list(register.initiatives)[:-1]
    reads.clear()
    assert register.fingerprint() != fresh.fingerprint() and reads != []
