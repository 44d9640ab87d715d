"""A year from finance's seat, on a register of its own (not the sample): three centers,
two rounds, every problem of "A round that finance can trust" met as a step.

Each step asserts what the officer sees on the command line, what ``status --json``
says, what the ledger recorded and what the master's cells show.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import socket
import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from helpers import answer_cells as answer
from helpers import cli, fill, fill_all_green, inputs_of, issued_for
from libreoffice import HAVE_LIBREOFFICE, edit_op, run_lo
from person import R1, R2, SD, SS, TM, fill_register
from sheetflow.workspace import Workspace

pytestmark = pytest.mark.libreoffice
NOW = dt.datetime.now(dt.UTC)


def status(ws: Workspace, rnd: int) -> dict[str, Any]:
    code, out = cli("status", ws.root, "--round", rnd, "--json")
    assert code == 0, out
    return json.loads(out)


def states(ws: Workspace, rnd: int) -> dict[str, str]:
    return {c["center"]: c["state"] for c in status(ws, rnd)["centers"]}


def cells(ws: Workspace, rnd: int, sheet: str) -> list[tuple[Any, ...]]:
    wb = openpyxl.load_workbook(ws.master_path(rnd))
    return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(not HAVE_LIBREOFFICE, reason="LibreOffice (soffice, python3-uno) absent")
def test_a_year_finance_can_trust(tmp_path: Path) -> None:
    ws = Workspace.at(tmp_path / "Økonomi 2026" / "opfølgning")
    code, out = cli("init", ws.root, "--blank")
    assert code == 0, out
    fill_register(ws.register_path)
    code, out = cli("issue", ws.root, "--round", 1)
    assert code == 0, out
    assert "3 projektmapper udsendt" in out
    inbox1 = ws.inbox_dir(1)

    # Round 1. Teknik og Miljø fills its workbook in LibreOffice: the economy 😐 with a
    # comment, the milestone ☺. Skole og Dagtilbud sends the workbook back untouched.
    # Social og Sundhed sends an invalid smiley.
    tm_issued, tm_layout = issued_for(ws, TM, 1)
    tm_values = answer(ws, TM, 1, {"T1-E": ("😐", "Anlæg forventes overholdt"), "T1-M1": ("☺", "")})
    typed = run_lo(
        [
            edit_op(
                ws.root / tm_issued.file,
                inbox1 / "teknik retur.xlsx",
                [{"sheet": tm_layout.sheet, "cell": a, "value": v} for a, v in tm_values.items()],
            )
        ]
    )[0]
    assert [c for c in typed["cells"] if not c["accepted"]] == []
    sd_issued, _ = issued_for(ws, SD, 1)
    shutil.copyfile(ws.root / sd_issued.file, inbox1 / "skole.xlsx")
    _, ss_layout = issued_for(ws, SS, 1)
    fill(ws, SS, {inputs_of(ss_layout)[0]: "måske"}, inbox1 / "social.xlsx", round_number=1)
    code, out = cli("collect", ws.root, "--round", 1)
    assert code == 1, out
    # (2) An untouched workbook is received, not returned: the center stays missing.
    assert out.splitlines()[0] == (f"{R1}: 1 godkendt, 1 afvist, 1 uden svar")
    assert states(ws, 1) == {TM: "accepted", SD: "no-answers", SS: "rejected"}
    with sqlite3.connect(ws.ledger_path) as db:
        verdicts = dict(db.execute("SELECT original_name, verdict FROM received WHERE round=1"))
    assert verdicts == {
        "skole.xlsx": "no-answers",
        "social.xlsx": "rejected",
        "teknik retur.xlsx": "accepted",
    }
    code, out = cli("remind", ws.root, "--round", 1)
    assert code == 0, out
    assert sorted(p.name for p in ws.reminders_dir(1).iterdir()) == [
        "Skole_og_Dagtilbud.eml",
        "Social_og_Sundhed.eml",
    ]

    # (3) Social og Sundhed's corrected file is accepted; the old rejected file stays in
    # the inbox but is history: the next collects exit 0 and report nothing old.
    values = answer(ws, SS, 1, {"H1-E": ("☺", "Som planlagt")})
    fill(ws, SS, values, inbox1 / "social rettet.xlsx", round_number=1)
    code, out = cli("collect", ws.root, "--round", 1)
    assert code == 1, out  # Skole og Dagtilbud still sent nothing usable
    assert out.splitlines()[0] == f"{R1}: 1 godkendt, 0 afvist, 3 set før"
    assert "Kræver opmærksomhed:\n  Skole og Dagtilbud: modtaget uden svar" in out
    assert "social.xlsx" not in out
    assert states(ws, 1)[SS] == "accepted"

    # (8) Closing with a center missing needs --force and names it; remind refuses then.
    code, out = cli("close", ws.root, "--round", 1)
    assert code == 2 and "Skole og Dagtilbud" in out
    code, out = cli("close", ws.root, "--round", 1, "--force")
    assert code == 0
    assert out.splitlines() == [
        f"{R1} er lukket.",
        "  Lukket uden aflevering fra: Skole og Dagtilbud",
    ]
    code, out = cli("remind", ws.root, "--round", 1)
    assert code == 2 and "lukket" in out

    # Round 2.
    code, out = cli("issue", ws.root, "--round", 2)
    assert code == 0, out
    inbox2 = ws.inbox_dir(2)
    # (1) Teknik og Miljø turns the economy red without a comment.
    values = answer(ws, TM, 2, {"T1-E": ("☹", ""), "T1-M2": ("😐", "Udbud forsinket")})
    fill(ws, TM, values, inbox2 / "teknik.xlsx", round_number=2)
    # (4) Social og Sundhed sends two returns; the one saved later wins although its
    # file time is older, and the output says why.
    values = answer(ws, SS, 2, {"H1-E": ("😐", "Første bud"), "H1-M1": ("😐", "")})
    older = fill(
        ws,
        SS,
        values,
        inbox2 / "b_social.xlsx",
        round_number=2,
        saved_at=NOW - dt.timedelta(hours=3),
    )
    values = answer(ws, SS, 2, {"H1-E": ("☺", "Rettet bud"), "H1-M1": ("☺", "")})
    newer = fill(
        ws,
        SS,
        values,
        inbox2 / "a_social.xlsx",
        round_number=2,
        saved_at=NOW - dt.timedelta(hours=1),
    )
    stamp = (NOW - dt.timedelta(days=2)).timestamp()
    import os

    os.utime(newer, (stamp, stamp))
    # (8) Skole og Dagtilbud's late round-1 return lands in round 2's inbox.
    values = answer(ws, SD, 1, {"S1-E": ("☺", ""), "S1-M1": ("☺", "Valgt i marts")})
    late = fill(ws, SD, values, inbox2 / "skole runde 1.xlsx", round_number=1)
    code, out = cli("collect", ws.root, "--round", 2)
    assert code == 1, out  # the late file belongs to no center of round 2
    assert f"Afløst af en senere aflevering fra samme center ({newer.name})." in out
    assert "Den nye blev gemt" in out
    command = f'sheetflow collect "{ws.root}" --round 1 "{late}" --reopen'
    assert command in out
    with sqlite3.connect(ws.ledger_path) as db:
        social = db.execute(
            "SELECT original_name, verdict FROM received WHERE round=2 AND center=? ORDER BY id",
            (SS,),
        ).fetchall()
    assert social == [(older.name, "superseded"), (newer.name, "accepted")]
    st2 = status(ws, 2)
    assert {c["center"]: (c["state"], c["files"]) for c in st2["centers"]} == {
        TM: ("accepted", 1),
        SD: ("missing", 0),
        SS: ("accepted", 2),
    }
    assert [f["file"] for f in st2["stray_files"]] == [late.name]

    # (1) The red smiley is never paired with round 1's comment as if it were current.
    economy = next(f for f in st2["flags"] if f["center"] == TM and f["item"] == "economy")
    assert (economy["smiley"], economy["comment"]) == ("red", "")
    assert economy["other_comment"] == {"round": 1, "text": "Anlæg forventes overholdt"}
    flagged = [r for r in cells(ws, 2, "Overblik") if r[0] == "1.01 Sikre cykelstier"]
    shown = {r[11] for r in flagged if r[10] == "☹"}
    assert shown == {"1. opf.: Anlæg forventes overholdt"}
    detail = {r[1]: r for r in cells(ws, 2, "Delelementer") if r[1]}
    assert detail["3,0 mio. kr. i anlæg"][3:6] == ("😐", "☹", "1. opf.: Anlæg forventes overholdt")
    with ws.ratings_csv(2).open(encoding="utf-8-sig") as fh:
        rows = [r for r in fh.read().splitlines() if ",T1," in r and ",economy," in r]
    assert rows[-1].split(",")[9:11] == ["red", ""]

    # (8) The suggested command collects the late file into round 1, says the round is
    # open again, and round 2 names Skole og Dagtilbud's workbook as out of date.
    code, out = cli("collect", ws.root, "--round", 1, late, "--reopen")
    assert code == 0, out
    assert (
        f'{R1} er åbnet igen og forbliver åben. Luk den igen med: sheetflow close "{ws.root}" --round 1'
        in out
    )
    assert states(ws, 1)[SD] == "accepted"
    assert status(ws, 2)["stale"] == [SD]
    # Collected where it belongs, the file no longer counts against round 2's inbox.
    assert status(ws, 2)["stray_files"] == []
    code, out = cli("issue", ws.root, "--round", 2, "--refresh")
    assert code == 0, out
    assert "version 2" in out and SD.split()[0] in out and TM.split()[0] not in out
    issued_dir = ws.issued_dir(2)
    assert (issued_dir / "v1" / "Skole_og_Dagtilbud_2_budgetopfoelgning_2026.xlsx").is_file()
    assert status(ws, 2)["stale"] == []

    # (7) Reminders: a server that is not there is a clear message per center, exit 1,
    # and the attempt is in the ledger.
    code, out = cli("remind", ws.root, "--round", 2, "--smtp", f"127.0.0.1:{free_port()}")
    assert code == 1, out
    assert (
        "Ikke sendt til Skole og Dagtilbud: mailserveren afviste forbindelsen "
        "(forkert vært eller port?) (ConnectionRefusedError" in out
    )
    with sqlite3.connect(ws.ledger_path) as db:
        sent = db.execute(
            "SELECT center, status FROM messages WHERE round=2 ORDER BY id"
        ).fetchall()
    assert sent == [(SD, "written"), (SD, "failed")]

    # (5) A fresh register over a workspace with rounds is refused in words; starting
    # over keeps everything in a backup.
    code, out = cli("init", ws.root, "--blank", "--force")
    assert code == 2 and "--discard-rounds" in out
    assert len(list((ws.root / "rounds").iterdir())) == 2
    code, out = cli("init", ws.root, "--blank", "--force", "--discard-rounds")
    assert code == 0, out
    (backup,) = list((ws.root / "backup").iterdir())
    assert {p.name for p in backup.iterdir()} >= {"register.xlsx", "ledger.sqlite", "rounds"}
    assert not ws.ledger_path.exists()


def test_late_returns_of_round_1_make_only_the_waiting_centers_workbooks_out_of_date(
    officer_ws: Workspace,
) -> None:
    """Two centers' round-1 returns come late, into round 2's inbox. One of them has
    already returned round 2: its round-2 answers count, and asking it to fill in a
    refreshed workbook would only confuse it. The other still owes round 2."""
    ws = officer_ws
    fill_all_green(ws, TM, ws.inbox_dir(1) / "tm.xlsx", round_number=1)
    assert cli("collect", ws.root, "--round", 1)[0] == 0  # two centers still missing
    assert cli("issue", ws.root, "--round", 2)[0] == 0
    fill_all_green(ws, SD, ws.inbox_dir(2) / "sd runde 2.xlsx", round_number=2)
    late = [
        fill_all_green(ws, center, ws.inbox_dir(2) / f"{center} runde 1.xlsx", round_number=1)
        for center in (SD, SS)
    ]
    code, out = cli("collect", ws.root, "--round", 2)
    assert code == 1, out
    assert sorted(f["file"] for f in status(ws, 2)["stray_files"]) == sorted(p.name for p in late)
    code, out = cli("collect", ws.root, "--round", 1, *late)
    assert code == 0, out
    assert out.splitlines()[-1] == (
        f"Den samlede projektmappe for {R2} viser stadig svarene fra før. "
        f'Opdatér den med: sheetflow collect "{ws.root}" --round 2'
    )
    assert states(ws, 1) == {TM: "accepted", SD: "accepted", SS: "accepted"}
    round2 = status(ws, 2)
    assert (round2["stale"], round2["stray_files"]) == ([SS], [])
    code, out = cli("issue", ws.root, "--round", 2, "--refresh", "--json")
    assert code == 0, out
    assert [w["center"] for w in json.loads(out)["workbooks"]] == [SS]
    # Brought up to date as collect said, round 2's findings keep each late file's
    # error as history, and say it has since been collected where it belongs.
    assert cli("collect", ws.root, "--round", 2)[0] == 0
    with ws.findings_csv(2).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["file"], r["severity"], r["code"], r["message"]) for r in rows] == [
        row
        for p in late
        for row in (
            (
                p.name,
                "error",
                "wrong-round",
                f"Projektmappen hører til {R1}, ikke til {R2}. Hent den ind i sin egen "
                f'opfølgning med: sheetflow collect "{ws.root}" --round 1 "{p}"',
            ),
            (
                p.name,
                "info",
                "collected-in-own-round",
                f"Hentet ind siden i sin egen opfølgning, {R1}.",
            ),
        )
    ]
