"""The ledger on PostgreSQL: a server of the test's own (127.0.0.1, a temporary data
directory), the ledger suite run against it, a round recorded there exactly as in
SQLite, and two processes recording at once without losing or doubling a return."""

from __future__ import annotations

import json
import multiprocessing
import uuid
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

import sheetflow
import test_ledger
from helpers import fill, fill_all_green, inputs_of, issued_for
from pgserver import new_database, postgresql, requires_postgresql
from sheetflow.collect import collect_round
from sheetflow.issue import issue_round
from sheetflow.ledger import MIGRATIONS, SCHEMA_VERSION, Ledger
from sheetflow.model import Rating
from sheetflow.pgledger import PgConnection, bind_workspace
from sheetflow.register import init_workspace
from sheetflow.review import review
from sheetflow.smiley import Smiley
from sheetflow.workspace import Workspace

pytestmark = requires_postgresql

CENTER = "Økonomi og Styring"
OTHER = "Ejendomme"


@pytest.fixture(scope="module")
def pg_server() -> Iterator[str]:
    with postgresql() as url:
        yield url


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """A new, empty database for one test."""
    return new_database(pg_server, f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def pg_dir(tmp_path: Path, pg_url: str) -> Path:
    """A folder whose ledger.sqlite stands for the test's PostgreSQL database."""
    bind_workspace(tmp_path, pg_url)
    return tmp_path


# ---- the ledger suite, on PostgreSQL ---------------------------------------------


def test_a_new_ledger_has_the_current_schema(pg_dir: Path) -> None:
    test_ledger.test_a_new_ledger_has_the_current_schema(pg_dir)
    assert not (pg_dir / "ledger.sqlite").exists()


def test_a_failed_transaction_leaves_nothing(pg_dir: Path) -> None:
    test_ledger.test_a_failed_transaction_leaves_nothing(pg_dir)


def test_an_accepted_return_supersedes_the_centers_earlier_one(pg_dir: Path) -> None:
    test_ledger.test_an_accepted_return_supersedes_the_centers_earlier_one(pg_dir)


def test_a_version_1_ledger_is_migrated_and_keeps_its_records(pg_url: str) -> None:
    db = PgConnection(pg_url)
    for statement in str(MIGRATIONS[1]).split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    layout = {"inputs": [["G11", "Dabc-M1", "smiley"], ["H11", "Dabc-M1", "comment"]]}
    db.execute(
        "INSERT INTO issued (template_id, round, center, version, file, sha256, fingerprint, "
        "register_fingerprint, layout, lang, issued_at) VALUES "
        "('R3-x', 3, 'Ejendomme', 1, 'f.xlsx', 's', 'f', 'r', ?, 'da', 'now')",
        (json.dumps(layout),),
    )
    db.close()
    with Ledger(pg_url) as ledger:
        assert ledger.schema_version() == SCHEMA_VERSION
        (issued,) = ledger.issued(3)
        assert issued.asked_keys == ["Dabc-M1"]
        assert ledger.asked(3) == [(issued.id, "R3-x", "Ejendomme", ["Dabc-M1"])]


# ---- a round on PostgreSQL is the round on SQLite ---------------------------------


def _round(ws: Workspace, files: Path) -> list[tuple[str, str]]:
    issue_round(ws, 3, [CENTER, OTHER])
    green = fill_all_green(ws, CENTER, files / "oes.xlsx")
    _, layout = issued_for(ws, OTHER)
    values: dict[str, object] = {a: "😐" for a in inputs_of(layout)}
    values[inputs_of(layout)[0]] = "måske"
    bad = fill(ws, OTHER, values, files / "ejd.xlsx")
    collect_round(ws, 3, [green, bad])
    review(ws, 3, CENTER, reason="Uddyb økonomien")
    with Ledger(ws.ledger_path) as ledger:
        return [(r.center or "", r.verdict) for r in ledger.received(3)]


def _sheets(path: Path) -> dict[str, list[tuple[object, ...]]]:
    wb = openpyxl.load_workbook(path)
    return {name: list(wb[name].iter_rows(values_only=True)) for name in wb.sheetnames}


def test_a_round_on_postgresql_as_on_sqlite(tmp_path: Path, pg_url: str) -> None:
    lite = Workspace.at(tmp_path / "lite")
    team = Workspace.at(tmp_path / "team")
    for ws in (lite, team):
        init_workspace(ws, "sample")
    bind_workspace(team.root, pg_url)
    assert _round(team, tmp_path / "f1") == _round(lite, tmp_path / "f2")
    assert not team.ledger_path.exists()
    assert _sheets(team.master_path(3)) == _sheets(lite.master_path(3))
    assert team.ratings_csv(3).read_bytes() == lite.ratings_csv(3).read_bytes()
    # The Python API reads the team's ledger where it lives.
    with sheetflow.open(team.root) as fu_team, sheetflow.open(lite.root) as fu_lite:
        for table in ("returns", "findings"):
            varying = ["received_id", "received_at"] if table == "returns" else ["received_id"]
            team_rows = getattr(fu_team, table)(3).drop(columns=varying)
            lite_rows = getattr(fu_lite, table)(3).drop(columns=varying)
            assert len(team_rows) == 2 if table == "returns" else len(team_rows) > 0
            assert team_rows.equals(lite_rows), table


# ---- two processes record at once -------------------------------------------------


def _record_many(url: str, worker: int, count: int) -> None:
    with Ledger(url) as ledger:
        for n in range(count):
            ledger.record_received(
                round_number=3,
                sha256=f"{worker}-{n}",
                original_name=f"{worker}-{n}.xlsx",
                archived="a",
                template_id="t",
                center=f"C{n % 5}",
                verdict="accepted",
                findings=[],
                ratings=[Rating(3, f"k{n % 5}", Smiley.GREEN, f"{worker}-{n}")],
            )


def test_two_processes_record_every_return_once(pg_url: str) -> None:
    Ledger(pg_url).close()  # migrated once, before the writers start
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_record_many, args=(pg_url, w, 40)) for w in (1, 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with Ledger(pg_url) as ledger:
        received = ledger.received(3)
        assert sorted(r.sha256 for r in received) == sorted(
            f"{w}-{n}" for w in (1, 2) for n in range(40)
        )
        latest = {r.center: r for r in received if r.verdict == "accepted"}
        # Exactly one accepted return per center counts: the last recorded; every other
        # was superseded by the next one of its center.
        assert len([r for r in received if r.verdict == "accepted"]) == 5
        by_center: dict[str | None, list[int]] = {}
        for r in received:
            by_center.setdefault(r.center, []).append(r.id)
        for center, ids in by_center.items():
            assert latest[center].id == max(ids)
        assert len(ledger.accepted_ratings(3)) == 5


def test_a_forms_typed_answers_are_kept_typed_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    """The starter with a form of its own, issued, returned and collected on the shared
    server: the answers come back as numbers, dates and states, the form per round."""
    import datetime as dt

    import test_form_workbook as forms
    from sheetflow.answers import NOT_APPLICABLE

    ws = Workspace.at(tmp_path / "ws")
    init_workspace(ws, "example", example="starter")
    bind_workspace(ws.root, pg_url)
    forms._own_form(ws.register_path)
    issue_round(ws, 1)
    forms._fill(ws, forms.GOOD)
    (file,) = collect_round(ws, 1).files
    assert file.verdict.value == "accepted"
    k = forms._keys(ws)
    with Ledger(ws.ledger_path) as ledger:
        got = {(a.item_key, a.field_id): a.value for a in ledger.accepted_answers()}
        forms_issued = ledger.forms_issued()
    assert got[k["ini1"], "cost"] == 1234567.5 and isinstance(got[k["m1"], "count"], int)
    assert got[k["ini1"], "finish"] == dt.date(2027, 3, 31)
    assert got[k["ini2"], "cost"] is NOT_APPLICABLE and got[k["e1"], "comment"] is None
    assert got[k["e1"], "ok"] is False and got[k["m1"], "smiley"] is Smiley.RED
    assert list(forms_issued) == [1] and len(forms_issued[1]) == 1
    assert not ws.ledger_path.exists()  # it was the server's ledger all along
