"""Finance's first day: a register built from the blank one, mistakes and all.

The person starts with ``sheetflow init WS --blank``, fills the sheets (the
bulk with openpyxl, the tricky cells entered in LibreOffice Calc through the
UNO harness, which also saves the file the way a person's office would),
leaves every Nøgle empty, and makes the mistakes people make. One read must
report every mistake once, with sheet, cell and the value meant.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from libreoffice import edit_op, requires_libreoffice, run_lo
from sheetflow.cli import main
from sheetflow.register.workbook import read_register

SECTIONS = [("1", "Vækst og Miljø"), ("2", "Børn og Læring"), ("3", "Kommunen som virksomhed")]
CENTERS = [
    ("Teknik og Miljø", "Jens Hansen", "jeha@vestby.dk"),
    ("Børn og Unge", "Mette Larsen", "mela@vestby.dk"),
    ("Økonomi og Personale", "Anna Holm", "anho@vestby.dk"),
]
# Delelementer rows 2-6: (Afsnit, Nr., Titel, Type, Ansvarligt center); Nøgle left empty.
INITIATIVES = [
    ("1", "1.01", "Ny erhvervsstrategi", "drift", "Teknik og Miljø"),
    ("1", "1.02", "Renovering af Stationsvej", "anlæg", "Teknik og Miljø"),
    ("2", "2.01", "Flere pædagoger i vuggestuerne", "drift", "Børn og Unge"),
    ("2", "2.02", "Ny skolestruktur", "drift og anlæg", "Børn og Unge"),
    ("3", "3.01", "Digital post til alle borgere", "drift", "Økonomi og Personale"),
]


def cli(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def expected_key(title: str) -> str:
    """The key sheetflow promises for a title: "D" and six hex digits of its SHA-1."""
    return "D" + hashlib.sha1(title.casefold().encode("utf-8")).hexdigest()[:6]


def round_names(register: Path) -> list[str]:
    ws = openpyxl.load_workbook(register)["Opfølgninger"]
    return [ws.cell(r, 2).value for r in range(2, ws.max_row + 1)]


def fill_bulk(register: Path, rounds: list[str]) -> None:
    """What the person fills in without trouble (openpyxl stands in for typing)."""
    wb = openpyxl.load_workbook(register)
    for r, row in enumerate(SECTIONS, start=2):
        for c, value in enumerate(row, start=1):
            wb["Afsnit"].cell(r, c, value)
    for r, row in enumerate(CENTERS, start=2):
        for c, value in enumerate(row, start=1):
            wb["Centre"].cell(r, c, value)
    ws = wb["Delelementer"]
    for r, (section, number, title, kind, center) in enumerate(INITIATIVES, start=2):
        for col, value in zip("BCDEH", (section, number, title, kind, center), strict=True):
            ws[f"{col}{r}"] = value
    ws = wb["Milepæle"]
    milestones = [
        ("1.01", 1, "Strategien er skrevet med erhvervslivet", None),  # Tid typed below
        ("1.01", 2, "Strategien er vedtaget i byrådet", rounds[1]),
        ("1.02", 1, "Projekteringen er afsluttet", None),
        ("2.01", 1, "Stillingerne er slået op", rounds[0]),
        ("3.01", 1, "Løsningen er valgt", None),
        ("3.01", 2, "Alle breve sendes digitalt", dt.datetime(2026, 12, 31)),  # a date cell
    ]
    for r, row in enumerate(milestones, start=2):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    ws["D7"].number_format = "dd.mm.yyyy"
    wb.save(register)


def typed(rounds: list[str]) -> list[dict[str, str]]:
    """What the person enters in Calc: three date forms, and three mistakes."""
    misspelt_round = rounds[1].replace("opfølgning", "opfølning")
    cells = {
        ("Oplysninger", "B4"): "31-03-2026",
        ("Centre", "C3"): "jeho(at)vestby.dk",  # a bad e-mail
        ("Delelementer", "C5"): "2.01",  # a number used twice
        ("Milepæle", "D2"): "31-03-2026",
        ("Milepæle", "D3"): misspelt_round,  # a misspelt round
        ("Milepæle", "D4"): "31.3.26",
        ("Milepæle", "D6"): "2026-03-31",
    }
    return [{"sheet": s, "cell": c, "value": v} for (s, c), v in cells.items()]


@requires_libreoffice
@pytest.mark.libreoffice
def test_first_day_every_mistake_once_then_issue(tmp_path: Path) -> None:
    ws = tmp_path / "første dag" / "ws"
    assert cli("init", ws, "--blank")[0] == 0
    register = ws / "register.xlsx"
    rounds = round_names(register)
    fill_bulk(register, rounds)
    # Calc enters the values and saves the file. The entries go through the cell API
    # (as a paste does): typed through the dispatcher, headless Calc 7.4 aborts now and
    # then on this workbook, and a typed value outside a dropdown opens a question box.
    cells = [*typed(rounds), {"sheet": "Delelementer", "cell": "H3", "value": "Teknik og Miljo"}]
    result = run_lo([edit_op(register, register, cells, method="protection-check")])[0]
    assert [c["string"] for c in result["cells"]] == [c["value"] for c in cells]

    _, report = read_register(register)
    assert [(f.sheet, f.cell, f.code, f.value, f.expected, f.suggestion) for f in report] == [
        ("Centre", "C3", "register-bad-email", "jeho(at)vestby.dk", "", ""),
        ("Delelementer", "H3", "register-unknown-center", "Teknik og Miljo", "", "Teknik og Miljø"),
        ("Delelementer", "C5", "register-ambiguous-initiative", "2.01", "C4", ""),
        (
            "Milepæle",
            "D3",
            "register-bad-deadline",
            rounds[1].replace("opfølgning", "opfølning"),
            "31.03.2026, 31-03-2026, 31/3/2026, 31.3.26, 2026-03-31, 31. marts 2026",
            rounds[1],
        ),
    ]
    assert report.findings[1].message == (
        "Centret 'Teknik og Miljo' findes ikke på arket Centre. Mente du 'Teknik og Miljø'?"
    )

    # issue refuses with the same four findings, all at once, and changes nothing.
    code, _, err = cli("issue", ws, "--round", "1")
    assert code == 2
    assert [line.split(": ", 1)[0] for line in err.splitlines()[1:]] == [
        "  [fejl] register.xlsx / Centre / C3",
        "  [fejl] register.xlsx / Delelementer / H3",
        "  [fejl] register.xlsx / Delelementer / C5",
        "  [fejl] register.xlsx / Milepæle / D3",
    ]
    assert openpyxl.load_workbook(register)["Delelementer"]["A2"].value is None

    # The person corrects the four cells; issue then makes the keys and writes them back.
    wb = openpyxl.load_workbook(register)
    wb["Centre"]["C3"] = "mela@vestby.dk"
    wb["Delelementer"]["H3"] = "Teknik og Miljø"
    wb["Delelementer"]["C5"] = "2.02"
    wb["Milepæle"]["D3"] = rounds[1]
    wb.save(register)
    code, _, err = cli("issue", ws, "--round", "1")
    assert code == 0, err
    keys = [expected_key(title) for _, _, title, _, _ in INITIATIVES]
    assert err.splitlines() == [
        *(
            f"  [info] register.xlsx / Delelementer / A{r}: Delelementet '{number} {title}' har "
            f"fået nøglen '{key}'; sheetflow skriver den i registret. (register-key-assigned)"
            for r, ((_, number, title, _, _), key) in enumerate(
                zip(INITIATIVES, keys, strict=True), 2
            )
        ),
        # Oplysninger was left as the blank register has it: the guide would name no one.
        "  [advarsel] register.xlsx / Oplysninger: Oplysninger har ingen e-mailadresse, så "
        "projektmappernes vejledning siger 'Send den til  senest …'. Udfyld E-mail (og Kontakt) "
        "på arket Oplysninger, og udsend igen med --force. (register-no-email)",
    ]
    sheet = openpyxl.load_workbook(register)["Delelementer"]
    assert [sheet[f"A{r}"].value for r in range(2, 7)] == keys

    back, report = read_register(register)
    assert report.findings == []
    assert back.info.date == "31.03.2026"
    deadlines = {
        (i.number, m.position): m.deadline.text for i in back.initiatives for m in i.milestones
    }
    assert deadlines == {
        ("1.01", 1): "31.03.2026",
        ("1.01", 2): rounds[1],
        ("1.02", 1): "31.03.2026",
        ("2.01", 1): rounds[0],
        ("3.01", 1): "31.03.2026",
        ("3.01", 2): "31.12.2026",
    }

    # The person fills in the e-mail the warning asked for. A second run finds the
    # keys in place: nothing to tell, nothing changed.
    wb = openpyxl.load_workbook(register)
    info = wb["Oplysninger"]
    row = next(r for r in range(1, info.max_row + 1) if info.cell(r, 1).value == "E-mail")
    info.cell(row, 2).value = "okonomi@vestby.dk"
    wb.save(register)
    before = register.read_bytes()
    code, _, err = cli("issue", ws, "--round", "2")
    assert (code, err) == (0, "")
    assert register.read_bytes() == before

    # The master's front page carries the register's date, not the day of the run.
    assert cli("collect", ws, "--round", "1")[0] == 0
    front = openpyxl.load_workbook(ws / "rounds" / "1" / "master.xlsx")["Forside"]
    assert ("Dato", "31. marts 2026") in [
        (row[0], row[1]) for row in front.iter_rows(values_only=True)
    ]
