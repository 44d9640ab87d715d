"""A round finance skips (round 2, then straight to round 3), from finance's seat: it
took place nowhere, so it asks nothing, is no gap in the trends or ratings.csv, does not
break a red streak, and the changes compare with the round before it that was held.

Found by a new user's trial that went from round 2 to the year end: the skipped round 3
showed "Mangler 7", the streaks broke, and the changes compared with the empty round.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

from helpers import cli_done, send_answers
from person import SD, SS, TM, fill_register
from sheetflow.workspace import Workspace


def test_a_round_finance_skips_is_no_gap(tmp_path: Path) -> None:
    ws = Workspace.at(tmp_path / "Budget 2026" / "uden runde 2")
    cli_done("init", ws.root, "--blank")
    fill_register(ws.register_path)
    cli_done("issue", ws.root, "--round", 1)
    send_answers(ws, TM, 1, {"T1-M1": ("☺", ""), "T1-E": ("☹", "Overskridelse")})
    send_answers(ws, SD, 1, {"S1-M1": ("☺", ""), "S1-E": ("☺", "")})
    send_answers(ws, SS, 1, {"H1-E": ("☺", "")})
    cli_done("collect", ws.root, "--round", 1)
    cli_done("issue", ws.root, "--round", 3)
    send_answers(ws, TM, 3, {"T1-M2": ("😐", "Forsinket"), "T1-E": ("☹", "Stadig over")})
    send_answers(ws, SD, 3, {"S1-E": ("☺", "")})
    send_answers(ws, SS, 3, {"H1-M1": ("☺", ""), "H1-E": ("☺", "")})
    cli_done("collect", ws.root, "--round", 3)

    with ws.ratings_csv(3).open(encoding="utf-8-sig", newline="") as fh:
        rounds = sorted({r["round"] for r in csv.DictReader(fh)})
    assert rounds == ["1", "3"]

    book = openpyxl.load_workbook(ws.master_path(3))
    trends = [list(r) for r in book["Udvikling"].iter_rows(values_only=True)]
    counts = next(n for n, r in enumerate(trends) if r[3] == "Smileys pr. opfølgning")
    # Green, yellow, red and missing in rounds 1, 2 and 3. Round 1: T1-M1, S1-M1, S1-E
    # and H1-E green, T1-E red; round 2: nothing; round 3: S1-E, H1-M1 and H1-E green,
    # T1-M2 yellow, T1-E red.
    assert [r[5:8] for r in trends[counts + 1 : counts + 5]] == [
        [4, 0, 3],
        [0, 0, 1],
        [1, 0, 1],
        [0, 0, 0],
    ]
    economy = next(r for r in trends if r[0] == "1.01" and r[3] == "Økonomi")
    assert economy[5:8] == ["☹", "Ikke spurgt", "☹"]
    summary = [list(r) for r in book["Overblik"].iter_rows(values_only=True)]
    streak = next(n for n, r in enumerate(summary) if r[0] and "i træk" in str(r[0]))
    assert [v for v in summary[streak + 2] if v not in (None, "")] == [
        "1.01 Sikre cykelstier",
        2,  # a count, a number
        TM,
        "Økonomi",
        "☹",
        "Stadig over",
    ]
    # Changes compare with round 1, the round held before: T1-M2 (due by round 2) was
    # not due then and is overdue now.
    changes = next(n for n, r in enumerate(summary) if r[0] == "Ændringer siden sidste opfølgning")
    assert [v for v in summary[changes + 2] if v not in (None, "")] == [
        "1.01 Sikre cykelstier",
        "Overskredet siden sidst",
        TM,
        "Anlæg påbegyndt",
        "2. budgetopfølgning 2026",
        "– → 😐",
        "Forsinket",
    ]
    after = [r[0] for r in summary[changes + 3 :] if r[0]]
    assert after[0] == "Røde to opfølgninger i træk eller mere"  # one change, no more
