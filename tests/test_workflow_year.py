"""A whole year on the sample, round 1 to year end, with the things that really
happen: a late center, a re-submission, a rejected file sent again, reminders.
At every step the ledger, ``status --json``, ratings.csv and the master agree."""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import replace
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from helpers import fill, inputs_of, issued_for
from sheetflow.cli import main
from sheetflow.collect import collect_round
from sheetflow.demo import demo_answers, fill_return
from sheetflow.issue import issue_round, safe_name
from sheetflow.ledger import Ledger
from sheetflow.model import Rating
from sheetflow.register.sample import sample_register
from sheetflow.register.workbook import write_register
from sheetflow.remind import remind
from sheetflow.smiley import Smiley
from sheetflow.workspace import Workspace

LATE = "Arbejdsmarked"
TWICE = "Ejendomme"
REJECTED = "Økonomi og Styring"


def _workspace(tmp_path: Path) -> Workspace:
    register = sample_register(up_to_round=0)
    register.centers = [
        replace(
            c, contact_name=f"Leder af {c.name}", email=f"{safe_name(c.name).lower()}@example.dk"
        )
        for c in register.centers
    ]
    ws = Workspace.at(tmp_path / "ws")
    write_register(register, ws.register_path)
    return ws


def _answers(ws: Workspace, round_number: int) -> dict[str, Rating]:
    with Ledger(ws.ledger_path) as ledger:
        history = ledger.accepted_ratings(round_number - 1)
    return demo_answers(history, round_number)


def _return(
    ws: Workspace, center: str, rnd: int, answers: dict[str, Rating], name: str = ""
) -> Path:
    issued, layout = issued_for(ws, center, rnd)
    filled = {
        i.item_key: answers.get(i.item_key) or Rating(rnd, i.item_key, Smiley.GREEN, "OK")
        for i in layout.inputs
    }
    target = ws.inbox_dir(rnd) / (name or f"{safe_name(center)}.xlsx")
    return fill_return(ws.root / issued.file, layout, filled, target)


def _status(ws: Workspace, rnd: int) -> dict:
    result = CliRunner().invoke(main, ["status", str(ws.root), "--round", str(rnd), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _agree(ws: Workspace, rnd: int) -> set[str]:
    """Ledger, status, ratings.csv and master tell the same story; returns accepted centers."""
    items = sample_register().items()
    with Ledger(ws.ledger_path) as ledger:
        accepted = {r.center for r in ledger.received(rnd) if r.verdict == "accepted"}
        collected = set()
        for r in ledger.accepted_ratings(rnd):
            if r.round == rnd:
                ini, ms = items[r.item_key]
                collected.add((ini.key, ms.text if ms else "", r.smiley.value if r.smiley else ""))
    status = _status(ws, rnd)
    returned = {"accepted", "accepted-later-rejected"}
    assert {c["center"] for c in status["centers"] if c["state"] in returned} == accepted
    assert status["flag_counts"]["not-returned"] == len(status["centers"]) - len(accepted)
    with ws.ratings_csv(rnd).open(encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["round"] == str(rnd) and "!" in r["source"]]
    assert {(r["initiative_key"], r["milestone_text"], r["rating"]) for r in rows} == collected
    sheet = openpyxl.load_workbook(ws.master_path(rnd), data_only=True)["Overblik"]
    names = {c["center"] for c in status["centers"]}
    table: dict[str, int] = {}
    for row in sheet.iter_rows(min_row=3, values_only=True):
        if row[0] in names and isinstance(row[3], int | float):
            table.setdefault(row[0], int(row[3]))  # the returns table comes first
    assert {c for c, n in table.items() if n == 1} == accepted
    return accepted


def _collect(ws: Workspace, rnd: int, expect_exit: int = 0) -> set[str]:
    result = collect_round(ws, rnd)
    assert result.exit_code == expect_exit, result.report.codes()
    return _agree(ws, rnd)


def test_a_whole_year(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    centers = sample_register().responsible_centers()

    # Round 1: everyone but the late center returns; a reminder goes to it.
    issue_round(ws, 1)
    answers = _answers(ws, 1)
    for center in centers:
        if center != LATE:
            _return(ws, center, 1, answers)
    assert _collect(ws, 1) == set(centers) - {LATE}
    drafts = remind(ws, 1).drafts
    assert [d.name for d in drafts] == [f"{safe_name(LATE)}.eml"]
    msg = BytesParser(policy=policy.default).parse(drafts[0].open("rb"))
    assert msg["To"].addresses[0].addr_spec == "arbejdsmarked@example.dk"
    assert "14.04.2017" in msg.get_body(("plain",)).get_content()
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == f"{safe_name(LATE)}_1_budgetopfoelgning_2017.xlsx"

    # The late center returns; collecting again counts every file once.
    _return(ws, LATE, 1, answers)
    assert _collect(ws, 1) == set(centers)
    with Ledger(ws.ledger_path) as ledger:
        assert len(ledger.received(1)) == len(centers)
    assert remind(ws, 1).drafts == []

    # Round 2: a center sends twice (the second changes its mind), another sends a
    # good file and, saved after it, a file with an invalid smiley.
    issue_round(ws, 2)
    answers = _answers(ws, 2)
    for center in centers:
        _return(ws, center, 2, answers)
    _, layout = issued_for(ws, REJECTED, 2)
    bad_cell = inputs_of(layout)[0]
    fill(
        ws,
        REJECTED,
        {bad_cell: "måske"},
        ws.inbox_dir(2) / "oes_rettet_ikke.xlsx",
        round_number=2,
        saved_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5),
    )
    _collect(ws, 2, expect_exit=1)
    _, layout = issued_for(ws, TWICE, 2)
    changed = {
        i.item_key: Rating(2, i.item_key, Smiley.RED, "Ændret vurdering") for i in layout.inputs
    }
    second = _return(ws, TWICE, 2, changed, name="ejendomme_v2.xlsx")
    # The good file still counts, but the later rejected one needs a person.
    accepted = _collect(ws, 2, expect_exit=1)
    assert TWICE in accepted and REJECTED in accepted
    with Ledger(ws.ledger_path) as ledger:
        mine = [r for r in ledger.received(2) if r.center == TWICE]
        assert [r.verdict for r in mine] == ["superseded", "accepted"]
        assert mine[-1].original_name == second.name
        twice = [
            r
            for r in ledger.accepted_ratings(2)
            if r.round == 2 and r.source.startswith(second.name)
        ]
        assert twice and all(r.smiley is Smiley.RED for r in twice)

    # Round 3 carries what was collected: history columns, green milestones no longer asked.
    issue_round(ws, 3)
    _, layout3 = issued_for(ws, TWICE, 3)
    asked3 = {i.item_key for i in layout3.inputs}
    with Ledger(ws.ledger_path) as ledger:
        green_before = {r.item_key for r in ledger.accepted_ratings(2) if r.smiley is Smiley.GREEN}
    assert not (asked3 & green_before - {k for k in asked3 if k.endswith("-E")})
    answers = _answers(ws, 3)
    for center in centers:
        _return(ws, center, 3, answers)
    assert _collect(ws, 3) == set(centers)

    # Year end works like any round, and closing it stops late changes.
    issue_round(ws, 4)
    answers = _answers(ws, 4)
    for center in centers:
        _return(ws, center, 4, answers)
    assert _collect(ws, 4) == set(centers)
    result = CliRunner().invoke(main, ["close", str(ws.root), "--round", "4"])
    assert result.exit_code == 0 and result.output.strip() == "Årsafslutning 2017 er lukket."
    result = CliRunner().invoke(main, ["collect", str(ws.root), "--round", "4"])
    assert result.exit_code == 2
    assert _status(ws, 4)["state"] == "closed"
