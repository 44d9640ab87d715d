"""The ledger: schema version, migrations, transactions."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from sheetflow.ledger import MIGRATIONS, SCHEMA_VERSION, Ledger
from sheetflow.model import Rating
from sheetflow.smiley import Smiley


def test_a_new_ledger_has_the_current_schema(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        assert ledger.schema_version() == SCHEMA_VERSION == max(MIGRATIONS)


def test_a_version_1_ledger_is_migrated_and_keeps_its_records(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[1])
    db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    layout = {"inputs": [["G11", "Dabc-M1", "smiley"], ["H11", "Dabc-M1", "comment"]]}
    db.execute(
        "INSERT INTO issued (template_id, round, center, version, file, sha256, fingerprint, "
        "register_fingerprint, layout, lang, issued_at) VALUES "
        "('R3-x', 3, 'Ejendomme', 1, 'f.xlsx', 's', 'f', 'r', ?, 'da', 'now')",
        (json.dumps(layout),),
    )
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        assert ledger.schema_version() == SCHEMA_VERSION
        (issued,) = ledger.issued(3)
        assert issued.asked_keys == ["Dabc-M1"]
        assert ledger.asked(3) == [(issued.id, "R3-x", "Ejendomme", ["Dabc-M1"])]


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        with pytest.raises(RuntimeError), ledger.transaction() as db:
            db.execute("INSERT INTO rounds VALUES (3, 'x', 'issued', 'now')")
            raise RuntimeError("boom")
        assert ledger.round_state(3) == "planned"


def test_an_accepted_return_supersedes_the_centers_earlier_one(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        common = {
            "round_number": 3,
            "archived": "a",
            "template_id": "t",
            "center": "C",
            "findings": [],
        }
        first = ledger.record_received(
            sha256="1", original_name="a.xlsx", verdict="accepted",
            ratings=[Rating(3, "k", Smiley.RED, "")], **common,
        )  # fmt: skip
        second = ledger.record_received(
            sha256="2", original_name="b.xlsx", verdict="accepted",
            ratings=[Rating(3, "k", Smiley.GREEN, "")], **common,
        )  # fmt: skip
        verdicts = {r.id: (r.verdict, r.superseded_by) for r in ledger.received(3)}
        assert verdicts == {first.id: ("superseded", second.id), second.id: ("accepted", None)}
        assert [r.smiley for r in ledger.accepted_ratings(3)] == [Smiley.GREEN]


def test_the_migration_sums_up_a_layout_as_issue_does(issued_ws) -> None:
    """v3 computes an old layout's checks exactly as issue writes them for a new one."""
    from sheetflow.checks import checks_from_layout_json

    with Ledger(issued_ws.ledger_path) as ledger:
        for issued in ledger.issued(3):
            assert json.loads(checks_from_layout_json(issued.layout)) == json.loads(issued.checks)


def test_a_version_6_ledger_gains_the_answers_table_and_keeps_its_ratings(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    db = sqlite3.connect(path)
    for version in range(1, 7):
        step = MIGRATIONS[version]
        if callable(step):
            step(db)
        else:
            db.executescript(step)
    db.execute("INSERT INTO meta VALUES ('schema_version', '6')")
    db.execute(
        "INSERT INTO received (round, sha256, original_name, archived, received_at, template_id, "
        "center, verdict, findings) VALUES (1, 's', 'f.xlsx', 'a', 'now', 'R1-x', 'C', "
        "'accepted', '[]')"
    )
    db.execute(
        "INSERT INTO ratings (received_id, round, center, item_key, smiley, comment, source) "
        "VALUES (1, 1, 'C', 'D1-E', 'red', 'ok', 'f.xlsx')"
    )
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        assert ledger.schema_version() == SCHEMA_VERSION == 7
        assert ledger.accepted_ratings() == [Rating(1, "D1-E", Smiley.RED, "ok", "f.xlsx")]
        assert ledger.accepted_answers() == []


def test_latest_templates_names_each_centers_newest_version(issued_ws) -> None:
    """What a check worker asks once per round: per center, its latest workbook's
    template, after a new version went to one center."""
    from sheetflow.issue import issue_round

    with Ledger(issued_ws.ledger_path) as ledger:
        first = {r.center: r.template_id for r in ledger.issued_rows(3)}
    center = sorted(first)[1]
    issue_round(issued_ws, 3, [center], force=True, lang="en")  # another workbook
    with Ledger(issued_ws.ledger_path) as ledger:
        rows = ledger.issued_rows(3)
        latest = ledger.latest_templates(3)
    newest = [r for r in rows if r.center == center][-1]
    assert newest.version == 2 and newest.template_id != first[center]
    assert latest == {**first, center: newest.template_id}
