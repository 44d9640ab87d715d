"""A register that grows during the year, from finance's seat: an initiative added after
round 1 is no gap in round 1, and a red economy line the center left unanswered in
round 2 is counted red beside the red flag the committee reads, its comment labelled
with its round on the detail sheet.

Found by a new user's trial: round 1's "Mangler" went from 1 to 2 in round 2's master
(trends, ratings.csv, exports) once an initiative was added, and the summary counted a
carried-over red economy as "Uden smiley" while its flag list showed it red, and the
detail sheet showed a round-1 comment as if it were the status in round 3.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl

import sheetflow
from helpers import cli_done, issued_for, send_answers
from person import R2, SD, SS, TM, fill_register
from sheetflow.workspace import Workspace

NEW = {
    "Delelementer": [
        {
            "Nøgle": "N1",
            "Afsnit": "1",
            "Nr.": "1.04",
            "Titel": "Ny hjemmeside",
            "Type": "drift",
            "Kort beskrivelse": "Borgerne finder selv svar.",
            "Ansvarligt center": SD,
            "Økonomi": "0,2 mio. kr.",
        }
    ],
    "Milepæle": [{"Delelement": "N1", "Nr.": 1, "Milepæl": "Hjemmeside i luften", "Tid": R2}],
}


def asked(ws: Workspace, center: str, rnd: int) -> list[str]:
    _, layout = issued_for(ws, center, rnd)
    return sorted({i.item_key for i in layout.inputs})


def center_counts(path: Path) -> dict[str, list[Any]]:
    """Overblik's smiley counts per center: milestones then economy (green, yellow,
    red, unrated)."""
    rows = [list(r) for r in openpyxl.load_workbook(path)["Overblik"].iter_rows(values_only=True)]
    start = next(n for n, r in enumerate(rows) if r[0] and str(r[0]).startswith("Smileys pr. ce"))
    out = {}
    for row in rows[start + 3 :]:
        if row[0] == "I alt":
            return out
        out[str(row[0])] = row[1:9]
    raise AssertionError("no total row")


def test_an_initiative_added_later_and_a_red_left_unanswered(tmp_path: Path) -> None:
    ws = Workspace.at(tmp_path / "Budget 2026" / "opfølgning æ")
    cli_done("init", ws.root, "--blank")
    fill_register(ws.register_path)
    cli_done("issue", ws.root, "--round", 1)
    assert asked(ws, TM, 1) == ["T1-E", "T1-M1"]
    assert asked(ws, SD, 1) == ["S1-E", "S1-M1"]
    assert asked(ws, SS, 1) == ["H1-E"]
    send_answers(ws, TM, 1, {"T1-M1": ("☺", ""), "T1-E": ("☹", "Overskridelse 0,3 mio. kr.")})
    send_answers(ws, SD, 1, {"S1-M1": ("☺", ""), "S1-E": ("☺", "")})
    send_answers(ws, SS, 1, {"H1-E": ("☺", "")})
    cli_done("collect", ws.root, "--round", 1)

    # Between the rounds finance adds an initiative for Skole og Dagtilbud.
    fill_register(ws.register_path, NEW)
    cli_done("issue", ws.root, "--round", 2)
    assert asked(ws, SD, 2) == ["N1-E", "N1-M1", "S1-E"]
    # Teknik og Miljø answers its milestone and leaves the red economy line unanswered.
    send_answers(ws, TM, 2, {"T1-M2": ("☺", "")})
    send_answers(ws, SD, 2, {"N1-M1": ("😐", "Forsinket"), "N1-E": ("☺", ""), "S1-E": ("☺", "")})
    send_answers(ws, SS, 2, {"H1-M1": ("☺", ""), "H1-E": ("☺", "")})
    cli_done("collect", ws.root, "--round", 2)

    # Round 1 asked five items and got five answers: nothing of it is missing, in
    # ratings.csv and in the export's frame as in round 1's own master.
    with ws.ratings_csv(2).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    round1 = sorted((r["initiative_key"], r["item"], r["state"]) for r in rows if r["round"] == "1")
    assert round1 == [
        ("H1", "economy", "answered"),
        ("S1", "economy", "answered"),
        ("S1", "milestone", "answered"),
        ("T1", "economy", "answered"),
        ("T1", "milestone", "answered"),
    ]
    with sheetflow.open(ws.root) as fu:
        frame = fu.ratings(2)
    assert sorted(frame[frame["round"] == 1]["item_key"]) == [
        "H1-E",
        "S1-E",
        "S1-M1",
        "T1-E",
        "T1-M1",
    ]
    trends = openpyxl.load_workbook(ws.master_path(2))["Udvikling"]
    values = [list(r) for r in trends.iter_rows(values_only=True)]
    new_economy = next(r for r in values if r[0] == "1.04" and r[3] == "Økonomi")
    assert new_economy[5:7] == ["Ikke spurgt", "☺"]

    # The summary counts Teknik og Miljø's economy by its latest smiley (red, from
    # round 1), as its flag list and its red streak show it, ☹ beside its round-1
    # comment; one
    # initiative each, three milestones due.
    counts = center_counts(ws.master_path(2))
    assert counts == {
        TM: [2, 0, 0, 0, 0, 0, 1, 0],
        SD: [1, 1, 0, 0, 2, 0, 0, 0],
        SS: [1, 0, 0, 0, 1, 0, 0, 0],
    }
    sheet = openpyxl.load_workbook(ws.master_path(2))["Overblik"]
    flags = [
        tuple(v for v in row if v is not None)  # merged cells read as None
        for row in sheet.iter_rows(values_only=True)
        if str(row[0]).startswith("1.01")
    ]
    assert flags == [
        (
            "1.01 Sikre cykelstier",
            "Rød, Mangler smiley",
            TM,
            "Økonomi",
            "",
            "☹",
            "1. opf.: Overskridelse 0,3 mio. kr.",
        ),
        # Red in round 1 and unanswered in round 2, it is red two rounds in a row, as
        # the flag judges it, with the same comment (a trial found the streak at 0).
        (
            "1.01 Sikre cykelstier",
            2,  # rounds in a row: a number
            TM,
            "Økonomi",
            "",
            "☹",
            "1. opf.: Overskridelse 0,3 mio. kr.",
        ),
    ]

    # The detail sheet shows the red's comment beside its smiley, labelled with its
    # round: round 2 asked again and got no answer, so it is not the status now.
    detail = openpyxl.load_workbook(ws.master_path(2))["Delelementer"]
    rows = [r for r in detail.iter_rows(values_only=True) if r[0] == "Økonomi"]
    assert [r[3:] for r in rows] == [
        ("☹", "", "1. opf.: Overskridelse 0,3 mio. kr."),
        ("☺", "☺", ""),
        ("☺", "☺", ""),
        ("", "☺", ""),
    ]

    # Round 1's master, written again now (as a late file would have it), counts what
    # round 1 asked: Skole og Dagtilbud's new initiative was no part of it.
    cli_done("collect", ws.root, "--round", 1)
    assert center_counts(ws.master_path(1)) == {
        TM: [1, 0, 0, 0, 0, 0, 1, 0],
        SD: [1, 0, 0, 0, 1, 0, 0, 0],
        SS: [0, 0, 0, 0, 1, 0, 0, 0],
    }
