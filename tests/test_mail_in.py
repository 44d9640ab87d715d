"""The round by e-mail, in: messages saved from a mail client into the inbox are opened
(in a worker), their workbooks collected like any file, their sender and date kept."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from helpers import fill_all_green
from person import SD, SS, TM
from sheetflow.collect import collect_round
from sheetflow.roundstate import Verdict
from sheetflow.workspace import Workspace

DATA = Path(__file__).parent / "data" / "msg"
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture
def ws(officer_ws: Workspace) -> Workspace:
    return officer_ws


def message(sender: str, subject: str, attachments: list[tuple[str, bytes]]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "okonomi@vestby.dk"
    msg["Subject"] = subject
    msg["Date"] = "Tue, 07 Apr 2026 09:15:00 +0200"
    msg.set_content("Hermed vores svar.\n")
    for name, data in attachments:
        msg.add_attachment(data, maintype=XLSX[0], subtype=XLSX[1], filename=name)
    return msg


def workbook(ws: Workspace, center: str, tmp: Path) -> bytes:
    return fill_all_green(ws, center, tmp / f"{center}.xlsx", round_number=1).read_bytes()


def outcome(result) -> list[tuple[str, Verdict, list[str]]]:
    return [(f.path.name, f.verdict, [x.code for x in f.findings]) for f in result.files]


def test_workbooks_in_eml_messages_are_collected_with_their_provenance(
    ws: Workspace, tmp_path: Path
) -> None:
    inbox = ws.inbox_dir(1)
    one = message(
        "Tove Mikkelsen <tm@vestby.dk>",
        "Svar fra Teknik",
        [("Teknik og Miljø.xlsx", workbook(ws, TM, tmp_path))],
    )
    two = message(
        "Sekretariatet <sek@vestby.dk>",
        "To svar",
        [
            ("skole.xlsx", workbook(ws, SD, tmp_path)),
            ("social.xlsx", workbook(ws, SS, tmp_path)),
        ],
    )
    (inbox / "svar teknik.eml").write_bytes(bytes(one))
    (inbox / "to svar.eml").write_bytes(bytes(two))
    result = collect_round(ws, 1)
    assert outcome(result) == [
        ("svar teknik.eml", Verdict.UNPACKED, ["message-unpacked"]),
        ("to svar.eml", Verdict.UNPACKED, ["message-unpacked"]),
        ("Teknik og Miljø.xlsx", Verdict.ACCEPTED, []),
        ("skole.xlsx", Verdict.ACCEPTED, []),
        ("social.xlsx", Verdict.ACCEPTED, []),
    ]
    assert result.exit_code == 0
    with sqlite3.connect(ws.ledger_path) as db:
        rows = dict(
            db.execute("SELECT original_name, provenance FROM received WHERE center IS NOT NULL")
        )
    assert json.loads(rows["Teknik og Miljø.xlsx"]) == {
        "message": "svar teknik.eml",
        "from": "Tove Mikkelsen <tm@vestby.dk>",
        "date": "2026-04-07T09:15:00+02:00",
        "subject": "Svar fra Teknik",
    }
    assert json.loads(rows["social.xlsx"])["subject"] == "To svar"
    # Collecting again: the messages are history, nothing is opened or counted twice.
    again = collect_round(ws, 1)
    assert [f.repeated for f in again.files if f.path.suffix == ".eml"] == [True, True]
    assert again.report.codes() == [] and again.exit_code == 0


def test_a_message_without_a_workbook_names_its_sender_and_subject(ws: Workspace) -> None:
    msg = message("Søren Dahl <sd@vestby.dk>", "Spørgsmål om fristen", [])
    (ws.inbox_dir(1) / "spørgsmål.eml").write_bytes(bytes(msg))
    result = collect_round(ws, 1)
    (f,) = result.files
    assert (f.verdict, [x.code for x in f.findings]) == (
        Verdict.REJECTED,
        ["message-without-workbook"],
    )
    assert f.findings[0].message == (
        "E-mailen fra Søren Dahl <sd@vestby.dk> ('Spørgsmål om fristen') har ingen "
        "projektmappe vedhæftet; intet er indsamlet fra den."
    )
    assert result.exit_code == 1
    assert collect_round(ws, 1).exit_code == 0  # told once; then it is history


def test_messages_in_messages_and_workbooks_in_zips_are_followed(
    ws: Workspace, tmp_path: Path
) -> None:
    inner = message(
        "Tove <tm@vestby.dk>", "Oprindeligt svar", [("teknik.xlsx", workbook(ws, TM, tmp_path))]
    )
    outer = EmailMessage()
    outer["From"] = "Leder <leder@vestby.dk>"
    outer["Subject"] = "VS: Oprindeligt svar"
    outer.set_content("Videresendt.\n")
    outer.add_attachment(inner)  # message/rfc822
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("svar/skole.xlsx", workbook(ws, SD, tmp_path))
        zf.writestr("../../udenfor.txt", b"not a workbook")
    outer.add_attachment(
        zipped.getvalue(), maintype="application", subtype="zip", filename="svar.zip"
    )
    (ws.inbox_dir(1) / "videresendt.eml").write_bytes(bytes(outer))
    result = collect_round(ws, 1)
    assert outcome(result) == [
        ("videresendt.eml", Verdict.UNPACKED, ["message-unpacked"]),
        ("teknik.xlsx", Verdict.ACCEPTED, []),
        ("skole.xlsx", Verdict.ACCEPTED, []),
    ]
    assert "../../udenfor.txt" in result.files[0].findings[0].message
    folder = ws.archive_dir(1) / "messages"
    written = sorted(p.relative_to(folder).parts[-1] for p in folder.rglob("*") if p.is_file())
    assert written == ["skole.xlsx", "teknik.xlsx"]


@pytest.mark.parametrize(
    ("name", "sender", "subject", "attached"),
    [
        (
            "outlook_two_attachments.msg",
            "Brian Zhou <brizhou@gmail.com>",
            "Test for TIF files",
            "import OleFileIO.tif, raised value error.tif",
        ),
        ("outlook_no_attachment.msg", "", "MSG Test File", ""),
    ],
)
def test_real_outlook_messages_are_opened_and_named(
    ws: Workspace, name: str, sender: str, subject: str, attached: str
) -> None:
    shutil.copyfile(DATA / name, ws.inbox_dir(1) / name)
    result = collect_round(ws, 1)
    (f,) = result.files
    assert (f.verdict, [x.code for x in f.findings]) == (
        Verdict.REJECTED,
        ["message-without-workbook"],
    )
    finding = f.findings[0]
    assert (finding.value, finding.expected, finding.hint) == (sender, subject, attached)
