"""Finance's review: accept a return with remarks, or send a valid one back with a reason;
recorded in the ledger, shown in status and the master, carried by reminders."""

from __future__ import annotations

import json
import sqlite3
from email import policy
from email.parser import BytesParser

import openpyxl
import pytest
from click.testing import CliRunner

from helpers import fill, fill_all_green, inputs_of, issued_for
from person import SD, TM
from sheetflow.cli import main
from sheetflow.collect import collect_round
from sheetflow.workspace import Workspace

REASON = "Kommentaren til økonomien mangler; skriv hvad merforbruget skyldes."


def cli(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


@pytest.fixture
def ws(officer_ws: Workspace) -> Workspace:
    ws = officer_ws
    fill_all_green(ws, TM, ws.inbox_dir(1) / "tm.xlsx", round_number=1)
    _, layout = issued_for(ws, SD, 1)
    smileys = inputs_of(layout)
    # A smiley left out: accepted, with a remark the center could fix.
    fill(ws, SD, {smileys[0]: "☺"}, ws.inbox_dir(1) / "sd.xlsx", round_number=1)
    collect_round(ws, 1)
    return ws


def states(ws: Workspace) -> dict[str, dict]:
    code, out = cli("status", ws.root, "--round", 1, "--json")
    assert code == 0, out
    return {c["center"]: c for c in json.loads(out)["centers"]}


def test_accept_with_remarks_and_return_with_a_reason(ws: Workspace) -> None:
    assert states(ws)[SD]["state"] == "accepted-with-remarks"
    # Status names the remarks: the smileys left out (a trial saw an empty note).
    _, layout = issued_for(ws, SD, 1)
    left_out = inputs_of(layout)[1:]
    remarks = [(p["code"], p["cell"]) for p in states(ws)[SD]["problems"]]
    assert remarks == [("missing-rating", cell) for cell in left_out]
    code, out = cli("status", ws.root, "--round", 1)
    assert code == 0 and "Der mangler en" in out, out  # the note (wrapped to the table)
    assert states(ws)[TM]["state"] == "accepted"
    # Accepted without remarks: there is nothing to decide, and nothing is recorded.
    code, out = cli("review", ws.root, TM, "--round", 1, "--accept")
    assert (code, out) == (
        0,
        f"{TM} er allerede godkendt i 1. budgetopfølgning 2026; intet er ændret.\n",
    )
    code, out = cli("review", ws.root, SD, "--round", 1, "--accept")
    # The master collect wrote shows the center as it was, until the next collect.
    outdated = (
        "Den samlede projektmappe for 1. budgetopfølgning 2026 viser endnu ikke afgørelsen. "
        f'Opdatér den med: sheetflow collect "{ws.root}" --round 1\n'
    )
    assert (code, out) == (0, f"1. budgetopfølgning 2026, {SD}: godkendt\n{outdated}")
    assert states(ws)[SD]["state"] == "accepted"

    code, out = cli("review", ws.root, TM, "--round", 1, "--return", REASON)
    assert code == 0, out
    correction = ws.round_dir(1) / "corrections" / "Teknik_og_Miljoe_1_budgetopfoelgning_2026.xlsx"
    assert out == (
        f"1. budgetopfølgning 2026, {TM}: sendt tilbage til rettelse\n"
        f"  Rettelsesprojektmappe til centret: {correction}\n{outdated}"
    )
    st = states(ws)[TM]
    assert (st["state"], st["review_reason"]) == ("returned", REASON)
    with sqlite3.connect(ws.ledger_path) as db:
        reviews = db.execute("SELECT center, action, reason FROM reviews ORDER BY id").fetchall()
    assert reviews == [(SD, "accept", ""), (TM, "return", REASON)]
    # The correction workbook keeps every answer and states the reason first.
    wb = openpyxl.load_workbook(correction)
    listed = [r for r in wb["Rettelser"].iter_rows(min_row=5, values_only=True) if r[0]]
    assert listed[-1][1] == f"Økonomi har sendt afleveringen tilbage til rettelse: {REASON}"
    # Finance's reason alone marks no cell, and the sheet does not say it does.
    head = [v for r in wb["Rettelser"].iter_rows(max_row=4, values_only=True) for v in r if v]
    assert (
        "Vi har modtaget jeres projektmappe. Jeres svar er allerede udfyldt her. Ret det, der "
        "står nedenfor, gem filen som .xlsx og send den tilbage." in head
    ), head
    _, layout = issued_for(ws, TM, 1)
    assert {wb["Status"][a].value for a in inputs_of(layout, "smiley")} == {"☺"}
    # The master's returns table says so; a reminder carries the reason and the workbook.
    collect_round(ws, 1)
    rows = openpyxl.load_workbook(ws.master_path(1))["Overblik"].iter_rows(values_only=True)
    returns: dict[str, object] = {}
    for r in rows:  # the returns table comes first
        if r[0] in (TM, SD):
            returns.setdefault(r[0], r[7])
    assert returns == {TM: "sendt tilbage til rettelse", SD: "godkendt"}
    code, out = cli("remind", ws.root, "--round", 1)
    assert code == 0, out
    draft = ws.reminders_dir(1) / "Teknik_og_Miljoe.eml"
    assert f"  {draft}  (sendt tilbage til rettelse)" in out.splitlines(), out
    msg = BytesParser(policy=policy.default).parsebytes(draft.read_bytes())
    text = msg.get_body(("plain",)).get_content()
    assert f"- {REASON}" in text
    # Finance's reason, not a rejection's findings: no cells are marked red.
    assert "begrundelsen står på det første ark" in text and "rødt" not in text
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_content() == correction.read_bytes()


def test_review_refuses_what_it_cannot_decide(ws: Workspace) -> None:
    code, out = cli("review", ws.root, "Social og Sundhed", "--round", 1, "--accept")
    assert code == 2 and "ingen godkendt aflevering" in out
    code, out = cli("review", ws.root, TM, "--round", 1)
    assert code == 2 and "--accept" in out
    code, out = cli("review", ws.root, "Teknik", "--round", 1, "--accept")
    assert code == 2 and "har ingen projektmappe" in out


def test_finance_confirms_an_accepted_return_a_rejected_file_followed(ws: Workspace) -> None:
    """A center's accepted return, then a file of its that is rejected: finance is asked
    to act until it decides the accepted return stands (or the center sends a good
    one); a file rejected after that decision asks again."""
    _, layout = issued_for(ws, TM, 1)
    bad = {a: "måske" for a in inputs_of(layout)}
    fill(ws, TM, bad, ws.inbox_dir(1) / "tm igen.xlsx", round_number=1)
    code, out = cli("collect", ws.root, "--round", 1)
    assert code == 1
    command = f'sheetflow review "{ws.root}" "{TM}" --round 1 --accept'
    assert out.split("Kræver opmærksomhed:\n", 1)[1].splitlines()[:2] == [
        f"  {TM}: godkendt; senere fil afvist",
        f"    Den godkendte aflevering gælder stadig. Bekræft den med: {command}",
    ]
    assert states(ws)[TM]["state"] == "accepted-later-rejected"
    issued, _ = issued_for(ws, TM, 1)
    correction = ws.round_dir(1) / "corrections" / issued.file.rsplit("/", 1)[-1]
    assert correction.is_file()  # for the rejected file
    code, out = cli("review", ws.root, TM, "--round", 1, "--accept")
    assert code == 0, out
    assert states(ws)[TM]["state"] == "accepted"
    assert not correction.exists()  # finance's decision: nothing left for the center to fix
    code, out = cli("collect", ws.root, "--round", 1)
    assert code == 0, out
    worse = {a: "nej" for a in inputs_of(layout)}
    fill(ws, TM, worse, ws.inbox_dir(1) / "tm tredje.xlsx", round_number=1)
    code, _ = cli("collect", ws.root, "--round", 1)
    assert code == 1
    assert states(ws)[TM]["state"] == "accepted-later-rejected"


def test_a_misspelt_center_gets_a_suggestion(ws: Workspace) -> None:
    code, out = cli("review", ws.root, "Teknik og Miljo", "--round", 1, "--accept")
    assert code == 2
    assert "'Teknik og Miljo' har ingen projektmappe" in out
    assert f"Mente du '{TM}'?" in out
    code, out = cli("review", ws.root, "Teknik og Miljo", "--round", 1, "--accept", "--lang", "en")
    assert code == 2 and f"Did you mean '{TM}'?" in out
