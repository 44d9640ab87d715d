"""The register as last read (register/cache.py): used only for the same bytes, never
trusted beyond plain data, and never the reason a verb fails."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import openpyxl
import pytest

from sheetflow.errors import RegisterError
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
    return ws.cache_dir / cache.CACHE_NAME


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


def test_a_planted_or_broken_cache_is_read_past(ws: Workspace, tmp_path: Path) -> None:
    expected, _ = _load(ws)
    key = cache.cache_key(ws.register_path)
    marker = tmp_path / "ran"
    payloads = [
        pickle.dumps((key, _Planted(marker), None)),  # a global outside the register
        pickle.dumps((key, pickle.loads(pickle.dumps(expected)), "not a report")),
        b"\x80\x05 truncated",
        pickle.dumps(("another key", expected, None)),
    ]
    for payload in payloads:
        _cache_file(ws).write_bytes(payload)
        assert cache.load(ws.cache_dir, key) is None
        again, notices = _load(ws)
        assert again == expected
        assert notices == [("register-duplicate-number", "Delelementer", "C17")]
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
