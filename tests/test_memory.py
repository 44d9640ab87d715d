"""Memory that does not grow with the round: long master sheets forget the rows
xlsxwriter has written (the bytes stay the same); a check worker keeps a few layouts;
collect keeps each file's ratings on disk between its check and its record; issue lets
go of the register before its workers write the workbooks."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

import sheetflow.issue as issue
import sheetflow.master.detail_sheet as detail_sheet
import sheetflow.master.list_sheet as list_sheet
import sheetflow.master.trend_sheet as trend_sheet
from helpers import fill_all_green
from sheetflow.collect import CACHE_SIZE, _remember, check_files, taken_back
from sheetflow.demo import DemoResult
from sheetflow.findings import Report
from sheetflow.ledger import Ledger
from sheetflow.master import consolidate
from sheetflow.model import Initiative, Register
from sheetflow.register.sample import sample_register
from sheetflow.roundstate import round_state
from sheetflow.spool import Spool
from sheetflow.workspace import Workspace
from sheetflow.xlsxutil import release_written_rows, set_fixed_properties


def _sheet(path: Path, release: bool) -> dict[str, int]:
    """2,000 rows with heights and a merged pair each, written in constant-memory mode;
    how many rows' bookkeeping xlsxwriter still holds at the end."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    set_fixed_properties(wb, title="t")
    ws = wb.add_worksheet("x")
    ws.insert_chart(2, 3, _chart(wb))
    for row in range(2000):
        ws.write_string(row, 0, f"row {row}")
        ws.merge_range(row, 1, row, 2, "merged")
        ws.set_row(row, 15 + row % 7)
        if release and row % 100 == 0:
            release_written_rows(ws, 20)
    held = {"heights": len(ws.row_info), "merged": len(ws.merged_cells)}
    wb.close()
    return held


def _chart(wb: xlsxwriter.Workbook) -> object:
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({"values": ["x", 0, 0, 5, 0]})
    return chart


def test_released_rows_are_forgotten_and_the_file_is_byte_identical(tmp_path: Path) -> None:
    kept = _sheet(tmp_path / "kept.xlsx", release=False)
    released = _sheet(tmp_path / "released.xlsx", release=True)
    assert kept == {"heights": 2000, "merged": 4000}
    # Rows 0-19 (under the chart) are kept; of the rest, rows 1900-1999 (after the last release).
    assert released == {"heights": 20 + 100, "merged": 2 * (20 + 100)}
    assert (tmp_path / "kept.xlsx").read_bytes() == (tmp_path / "released.xlsx").read_bytes()


def test_the_demo_master_is_the_same_bytes_without_releasing(
    demo_result: DemoResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace.at(demo_result.master.parents[2])
    register = ws.load_register()
    rnd = register.find_round(3)

    def master(name: str) -> bytes:
        out = Workspace.at(tmp_path / name)
        out.make_round_dirs(rnd.number)
        with Ledger(ws.ledger_path) as ledger:
            result = consolidate(out, register, rnd, ledger, Report(), date_text="d")
        return result.master.read_bytes()

    monkeypatch.setattr(list_sheet, "RELEASE_EVERY", 2)
    monkeypatch.setattr(detail_sheet, "RELEASE_EVERY", 2)
    monkeypatch.setattr(trend_sheet, "RELEASE_EVERY", 2)
    released = master("released")
    for module in (list_sheet, detail_sheet, trend_sheet):
        monkeypatch.setattr(module, "release_written_rows", lambda ws, start=0: None)
    assert master("kept") == released


def test_a_check_worker_keeps_only_the_latest_layouts() -> None:
    cache: dict[str, int] = {}
    for n in range(100):
        assert _remember(cache, f"template {n}", n) == n
    assert list(cache) == [f"template {n}" for n in range(100 - CACHE_SIZE, 100)]


def test_collect_holds_a_files_ratings_in_the_spool_until_it_is_recorded(
    issued_ws: Workspace, tmp_path: Path
) -> None:
    """With a spool, a check arrives without its ratings and answers (a thousand
    returns' worth grew collect by 60 MB); taken back, it is the check whole."""
    register = sample_register()
    names = {r.number: r.name for r in register.rounds}
    centers = register.responsible_centers()[:2]
    paths = [fill_all_green(issued_ws, c, tmp_path / f"{n}.xlsx") for n, c in enumerate(centers)]
    whole = check_files(paths, issued_ws.ledger_path, register.rounds[2], names)
    with Spool() as spool:
        light = check_files(paths, issued_ws.ledger_path, register.rounds[2], names, spool=spool)
        held = [(c.ratings, c.answers, c.typed, c.aside is None) for c in light]
        assert held == [([], {}, [], False)] * 2
        assert [c.center for c in light] == centers
        assert [taken_back(spool, c) for c in light] == whole
    assert all(c.ratings and c.answers for c in whole)  # there was something to hold


def test_issue_holds_no_register_while_its_workbooks_are_written(
    sample_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each center's job waits in a spool; the register and every initiative are gone
    from the parent by the time the workers start (at 1,000 centers they held the
    parent at 150 MB beside the workers for the whole run)."""
    loaded: list[weakref.ref[Register]] = []
    seen: dict[str, Any] = {}
    load = Workspace.load_register
    run_all = issue._run_all

    def load_and_watch(ws: Workspace) -> Register:
        register = load(ws)
        loaded.append(weakref.ref(register))
        return register

    def run_and_look(*args: Any, **kwargs: Any) -> Any:
        gc.collect()
        seen["register"] = [ref() is not None for ref in loaded]
        seen["initiatives"] = sum(isinstance(o, Initiative) for o in gc.get_objects())
        return run_all(*args, **kwargs)

    monkeypatch.setattr(Workspace, "load_register", load_and_watch)
    monkeypatch.setattr(issue, "_run_all", run_and_look)
    gc.collect()  # what earlier tests left for the collector
    before = sum(isinstance(o, Initiative) for o in gc.get_objects())
    result = issue.issue_round(sample_ws, 3)
    centers = sample_register().responsible_centers()
    assert [w.center for w in result.workbooks] == centers  # every workbook still written
    assert len(centers) >= issue.PARALLEL_FROM  # ... by the workers
    assert seen == {"register": [False], "initiatives": before}


def test_a_rounds_state_shares_the_registers_item_keys(demo_result: DemoResult) -> None:
    """The collected ratings and what each workbook asked name each item with one key
    string (the register's key table), and flags of the same kinds share one tuple: at
    1,000 centers the copies were 20 MB of collect's peak. What is read stays the same.
    (The register's own objects are read from its store as they are walked, so the
    strings are shared with its key table, not with objects it keeps.)"""
    ws = Workspace.at(demo_result.master.parents[2])
    register = ws.load_register()
    with Ledger(ws.ledger_path) as ledger:
        state = round_state(register, register.rounds[2], ledger)
        plain = ledger.accepted_ratings(up_to_round=3)
        assert ledger.accepted_ratings(up_to_round=3, keys=register.key_table()) == plain
    collected = [r.item_key for r in state.ratings if r.round == 3]
    asked = [key for center in state.centers for row in center.versions for key in row.asked]
    assert collected and asked
    objects: dict[str, set[int]] = {}
    for key in collected + asked:
        objects.setdefault(key, set()).add(id(key))
    assert {key for key, ids in objects.items() if len(ids) > 1} == set()
    milestones = {ms.key for ini in register.initiatives for ms in ini.milestones}
    assert set(objects) & milestones != set()
    kinds = [f.kinds for f in state.flags] + [c.kinds for c in state.changes]
    assert len(kinds) > len(set(kinds))  # repeated kinds, to be shared
    assert len({id(k) for k in kinds}) == len(set(kinds))


def test_the_master_names_an_item_with_one_string(demo_result: DemoResult) -> None:
    """What each round asked (the trends) and the round's ratings name an item with
    the same string: one key table for both, where a register read from its store
    makes new strings at every pass (6 MB of copies at 1,000 centers)."""
    from sheetflow.master import round_master

    ws = Workspace.at(demo_result.master.parents[2])
    register = ws.load_register()
    with Ledger(ws.ledger_path) as ledger:
        state, data = round_master(register, register.rounds[2], ledger, Report())
    rated = {r.item_key: id(r.item_key) for r in state.ratings if r.round == 3}
    asked = {key: id(key) for key in data.asked[3]}
    both = set(rated) & set(asked)
    assert both and {key for key in both if rated[key] != asked[key]} == set()


def test_the_round_is_read_through_one_rating_index(
    demo_result: DemoResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The round's ratings are indexed once, and the flags, changes, counts, trends,
    detail sheet and ratings.csv all ask that index: each built its own dicts of every
    rating (90 MB made and dropped at 1,000 centers). What the index holds is the
    register's ratings up to the round with the collected ones winning, worked out
    here from the register and the ledger."""
    from sheetflow.model import RatingIndex

    ws = Workspace.at(demo_result.master.parents[2])
    register = ws.load_register()
    made: list[RatingIndex] = []
    build = RatingIndex.__init__

    def counted(self: RatingIndex, *args: Any, **kwargs: Any) -> None:
        made.append(self)
        build(self, *args, **kwargs)

    monkeypatch.setattr(RatingIndex, "__init__", counted)
    rnd = register.rounds[2]
    with Ledger(ws.ledger_path) as ledger:
        collected = ledger.accepted_ratings(up_to_round=3)
        state = consolidate(ws, register, rnd, ledger, Report()).state
    assert state is not None and made == [state.ratings]
    expected = {(r.round, r.item_key): r for r in register.ratings if r.round <= 3}
    expected |= {(r.round, r.item_key): r for r in collected}
    assert list(state.ratings) == [expected[k] for k in sorted(expected)]
