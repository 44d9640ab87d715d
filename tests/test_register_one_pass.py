"""Reading the register: every problem once, no knock-on findings, keys optional.

Registers are edited with openpyxl the way a person edits them in Excel; the
expected findings are written out by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from libreoffice import edit_op, invalid_op, lo_inspect, requires_libreoffice, run_lo
from sheetflow.cli import main
from sheetflow.register import init_workspace
from sheetflow.register.dates import parse_day
from sheetflow.register.reader import valid_email
from sheetflow.register.report_text import import_report_file
from sheetflow.register.tables import KINDS, TABLES
from sheetflow.register.workbook import read_register, write_register
from sheetflow.workspace import Workspace

SEED_WARNING = ("Delelementer", "C17", "register-duplicate-number", "7.07", "")

Edit = Callable[[openpyxl.Workbook], None]


@pytest.fixture(scope="module")
def seed_register(tmp_path_factory: pytest.TempPathFactory, seed_path: Path) -> Path:
    """The 2017 report as a register, with the ratings of rounds 1-3 on Smileys."""
    path = tmp_path_factory.mktemp("seedreg") / "register.xlsx"
    write_register(import_report_file(seed_path).register, path)
    return path


@pytest.fixture
def starter(tmp_path: Path) -> Path:
    """The starter example: keys empty, milestones naming their initiative by Nr."""
    ws = Workspace.at(tmp_path / "ws")
    init_workspace(ws, "example", example="starter")
    return ws.register_path


def edited(path: Path, tmp_path: Path, *edits: Edit) -> Path:
    wb = openpyxl.load_workbook(path)
    for edit in edits:
        edit(wb)
    target = tmp_path / "edited.xlsx"
    wb.save(target)
    return target


def put(sheet: str, cell: str, value: object) -> Edit:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[sheet][cell].value = value

    return edit


def found(path: Path) -> list[tuple[str, str, str, str, str]]:
    """The problems found (keys made for empty Nøgle cells are not problems)."""
    _, report = read_register(path)
    return [
        (f.sheet, f.cell, f.code, f.value, f.suggestion)
        for f in report
        if f.code != "register-key-assigned"
    ]


def rows_where(path: Path, sheet: str, col: int, value: str) -> list[int]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [r for r in range(2, ws.max_row + 1) if ws.cell(r, col).value == value]


# ---------------------------------------------------------------- knock-on findings


def test_one_bad_round_number_is_one_finding_and_not_called_a_date(
    seed_register: Path, tmp_path: Path
) -> None:
    # Round 3 is named by 32 milestones' Tid and by the 42 ratings of round 3.
    assert len(rows_where(seed_register, "Smileys", 1, 3)) == 42
    path = edited(seed_register, tmp_path, put("Opfølgninger", "A4", "tre"))
    assert found(path) == [
        ("Opfølgninger", "A4", "register-bad-number", "tre", ""),
        SEED_WARNING,
    ]
    _, report = read_register(path)
    assert report.findings[0].message == "'tre' i kolonnen 'Nr.' er ikke et helt tal (fx 3)."


def test_one_bad_round_date_is_one_finding_naming_the_accepted_forms(
    seed_register: Path, tmp_path: Path
) -> None:
    path = edited(seed_register, tmp_path, put("Opfølgninger", "C4", "sidst i september"))
    assert found(path) == [
        ("Opfølgninger", "C4", "register-bad-date", "sidst i september", ""),
        SEED_WARNING,
    ]
    _, report = read_register(path)
    assert report.findings[0].message == (
        "'sidst i september' er ikke en dato. Skriv den som en af: 31.03.2026, 31-03-2026, "
        "31/3/2026, 31.3.26, 2026-03-31, 31. marts 2026."
    )


def test_a_reported_initiative_silences_its_milestones_and_ratings(
    seed_register: Path, tmp_path: Path
) -> None:
    # Row 2 (5.03) has milestones and ratings; its center is misspelt.
    wb = openpyxl.load_workbook(seed_register)
    key = wb["Delelementer"]["A2"].value
    assert rows_where(seed_register, "Milepæle", 1, key)
    assert any(str(c.value).startswith(key) for c in wb["Smileys"]["B"])
    path = edited(seed_register, tmp_path, put("Delelementer", "H2", "By, Erhverv og Miljo"))
    assert found(path) == [
        ("Delelementer", "H2", "register-unknown-center", "By, Erhverv og Miljo",
         "By, Erhverv og Miljø"),
        SEED_WARNING,
    ]  # fmt: skip


def test_a_reported_milestone_silences_its_ratings(seed_register: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(seed_register)
    ms = wb["Milepæle"]
    item = f"{ms['A2'].value}-M{ms['B2'].value}"
    assert any(c.value == item for c in wb["Smileys"]["B"])
    path = edited(seed_register, tmp_path, put("Milepæle", "D2", "snart"))
    assert found(path) == [SEED_WARNING, ("Milepæle", "D2", "register-bad-deadline", "snart", "")]


def test_a_filled_field_is_never_said_to_be_empty(seed_register: Path, tmp_path: Path) -> None:
    path = edited(seed_register, tmp_path, put("Milepæle", "B2", "1a"))
    assert found(path) == [SEED_WARNING, ("Milepæle", "B2", "register-bad-number", "1a", "")]


def test_every_independent_problem_at_once(seed_register: Path, tmp_path: Path) -> None:
    path = edited(
        seed_register,
        tmp_path,
        put("Centre", "C2", "bem@balk"),
        put("Delelementer", "B3", "55"),
        put("Delelementer", "E3", "Dirft"),
        put("Milepæle", "D5", "3"),
        put("Smileys", "C2", "ok"),
    )
    assert found(path) == [
        ("Centre", "C2", "register-bad-email", "bem@balk", ""),
        ("Delelementer", "B3", "register-unknown-section", "55", "5"),
        ("Delelementer", "E3", "register-unknown-type", "Dirft", "drift"),
        SEED_WARNING,
        ("Milepæle", "D5", "register-bad-deadline", "3", "3. budgetopfølgning 2017"),
        ("Smileys", "C2", "register-bad-smiley", "ok", ""),
    ]


def test_a_row_whose_own_number_is_taken_silences_unknown_references(
    seed_register: Path, tmp_path: Path
) -> None:
    # Section 6 retyped as a second 5: the initiatives of section 6 may mean that row.
    path = edited(seed_register, tmp_path, put("Afsnit", "A3", "5"))
    assert found(path) == [("Afsnit", "A3", "register-duplicate-key", "5", ""), SEED_WARNING]
    _, report = read_register(path)
    assert report.findings[0].message == (
        "'5' står allerede i kolonnen 'Nr.' (A2); hver række skal have sin egen."
    )


# ------------------------------------------------------------- keys and numbers


def test_starter_milestones_find_their_initiative_by_number(starter: Path) -> None:
    register, report = read_register(starter)
    assert report.ok
    made = [(f.cell, f.value) for f in report if f.code == "register-key-assigned"]
    assert made == [
        ("A2", "1.01 Ny erhvervsstrategi"),
        ("A3", "1.02 Renovering af Stationsvej"),
        ("A4", "2.01 Flere pædagoger i vuggestuerne"),
        ("A5", "2.02 Ny skolestruktur"),
        ("A6", "3.01 Digital post til alle borgere"),
    ]
    sheet = openpyxl.load_workbook(starter)["Milepæle"]
    by_number: dict[str, int] = {}
    for r in range(2, sheet.max_row + 1):
        by_number[sheet.cell(r, 1).value] = by_number.get(sheet.cell(r, 1).value, 0) + 1
    assert {i.number: len(i.milestones) for i in register.initiatives} == by_number
    assert all(m.initiative_key == i.key for i in register.initiatives for m in i.milestones)


def test_a_milestone_number_used_twice_is_named_as_typed(starter: Path, tmp_path: Path) -> None:
    path = edited(starter, tmp_path, put("Milepæle", "B3", 1))
    assert found(path) == [("Milepæle", "B3", "register-duplicate-milestone", "1", "")]
    _, report = read_register(path)
    assert report.findings[0].message == "Delelementet '1.01' har allerede en milepæl nr. 1."


def test_an_unknown_initiative_number_gets_the_near_miss(starter: Path, tmp_path: Path) -> None:
    path = edited(starter, tmp_path, put("Milepæle", "A2", "1.1"))
    assert found(path) == [("Milepæle", "A2", "register-unknown-initiative", "1.1", "1.01")]


def test_a_number_used_twice_is_a_warning_until_a_milestone_names_it(
    starter: Path, tmp_path: Path
) -> None:
    # Starter's Milepæle rows 2-3 name 1.01 and rows 9-10 name 2.02.
    def clear(*rows: int) -> Edit:
        def edit(wb: openpyxl.Workbook) -> None:
            for r in rows:
                for cell in wb["Milepæle"][r]:
                    cell.value = None

        return edit

    second_101 = put("Delelementer", "C5", "1.01")  # 2.02 retyped as 1.01
    warned = edited(starter, tmp_path, second_101, clear(2, 3, 9, 10))
    assert found(warned) == [("Delelementer", "C5", "register-duplicate-number", "1.01", "")]
    assert read_register(warned)[1].ok

    ambiguous = edited(starter, tmp_path, second_101, clear(9, 10))
    assert found(ambiguous) == [("Delelementer", "C5", "register-ambiguous-initiative", "1.01", "")]
    assert read_register(ambiguous)[1].findings[0].message == (
        "Nr. '1.01' er også brugt af et andet delelement (C2), så milepælene, der henviser "
        "til '1.01', kan ikke placeres. Giv hvert delelement sit eget nummer."
    )


def test_keys_are_written_back_once_and_stay(tmp_path: Path) -> None:
    ws = tmp_path / "mit arbejdsområde"
    assert CliRunner().invoke(main, ["init", str(ws), "--example", "starter"]).exit_code == 0
    register = ws / "register.xlsx"
    first = CliRunner().invoke(main, ["issue", str(ws), "--round", "1"])
    assert first.exit_code == 0
    assert first.stderr.count("(register-key-assigned)") == 5
    keys = [c.value for c in openpyxl.load_workbook(register)["Delelementer"]["A"]][1:]
    assert all(k and k.startswith("D") for k in keys)

    # Retitling an initiative afterwards keeps its key: it is in the file now.
    edited(register, tmp_path, put("Delelementer", "D2", "Erhvervsstrategi 2030")).replace(register)
    second = CliRunner().invoke(main, ["issue", str(ws), "--round", "2"])
    assert (second.exit_code, second.stderr) == (0, "")
    back, _ = read_register(register)
    assert [i.key for i in back.initiatives] == keys


def _permission_denied(root: Path) -> Exception:
    return PermissionError(13, "Permission denied")


def _busy(root: Path) -> Exception:
    from sheetflow.errors import WorkspaceBusy

    return WorkspaceBusy("workspace-busy", root=root)


@pytest.mark.parametrize(
    ("cause", "said"),
    [
        (  # the file open in Excel
            _permission_denied,
            "  [advarsel] register.xlsx: De nye nøgler kunne ikke skrives i registret "
            "(Permission denied); luk filen i Excel, så skrives de næste gang. "
            "(register-keys-not-saved)",
        ),
        (  # a trial ran two commands at once after an edit, and no Excel was open
            _busy,
            "  [advarsel] register.xlsx: De nye nøgler blev ikke skrevet i registret, fordi "
            "en anden sheetflow-kommando arbejder i arbejdsmappen; de skrives næste gang. "
            "(register-keys-busy)",
        ),
    ],
)
def test_keys_that_cannot_be_written_are_a_warning_that_says_why(
    starter: Path,
    monkeypatch: pytest.MonkeyPatch,
    cause: Callable[[Path], Exception],
    said: str,
) -> None:
    import sheetflow.register as reg

    def refused(path: Path, assigned: object) -> None:
        raise cause(starter.parent)

    monkeypatch.setattr(reg, "write_keys", refused)
    result = CliRunner().invoke(main, ["issue", str(starter.parent), "--round", "1"])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [said]


# ------------------------------------------------------------------ dates, e-mail


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("31-03-2026", dt.date(2026, 3, 31)),
        ("2026-03-31", dt.date(2026, 3, 31)),
        ("31.3.26", dt.date(2026, 3, 31)),
        ("31/3/2026", dt.date(2026, 3, 31)),
        (" 1.4.2026 ", dt.date(2026, 4, 1)),
        ("27. oktober 2017", dt.date(2017, 10, 27)),
        ("27. okt. 2017", dt.date(2017, 10, 27)),
        (dt.datetime(2026, 3, 31, 0, 0), dt.date(2026, 3, 31)),
        (dt.date(2026, 3, 31), dt.date(2026, 3, 31)),
        ("31-3/2026", None),
        ("31.13.2026", None),
        ("2026-31-03", None),
        ("den sidste marts", None),
        ("3", None),
        (46112.0, None),
    ],
)
def test_dates_in_common_forms(value: object, day: dt.date | None) -> None:
    assert parse_day(value) == day


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("jeha@vestby.dk", True),
        ("anne.marie.holm@kommune.dk", True),
        ("jeho(at)vestby.dk", False),
        ("jeho@vestby", False),
        ("Jens <jeha@vestby.dk>", False),
        ("jeha@vestby.dk; mela@vestby.dk", False),
        ("jens hansen@vestby.dk", False),
        ("jeha@@vestby.dk", False),
    ],
)
def test_contact_addresses(text: str, ok: bool) -> None:
    assert valid_email(text) is ok


def test_dates_are_written_back_as_dd_mm_yyyy(starter: Path, tmp_path: Path) -> None:
    path = edited(
        starter,
        tmp_path,
        put("Oplysninger", "B4", "2026-10-27"),
        put("Milepæle", "D2", "30/4/2026"),
        put("Milepæle", "D3", dt.datetime(2026, 5, 1)),
    )
    register, report = read_register(path)
    assert report.ok
    assert register.info.date == "27.10.2026"
    first = register.initiatives[0].milestones
    assert [m.deadline.text for m in first] == ["30.04.2026", "01.05.2026"]
    assert [m.deadline.date for m in first] == [dt.date(2026, 4, 30), dt.date(2026, 5, 1)]


def test_a_bad_info_date_and_sender_are_findings(starter: Path, tmp_path: Path) -> None:
    path = edited(
        starter,
        tmp_path,
        put("Oplysninger", "B4", "efterår"),
        put("Oplysninger", "B7", "okonomi(at)vestby.dk"),
    )
    assert found(path) == [
        ("Oplysninger", "B4", "register-bad-date", "efterår", ""),
        ("Oplysninger", "B7", "register-bad-email", "okonomi(at)vestby.dk", ""),
    ]


# --------------------------------------------------------------- the guide, init


def test_the_register_opens_on_a_guide_to_every_sheet_and_column(starter: Path) -> None:
    wb = openpyxl.load_workbook(starter)
    assert wb.sheetnames[0] == "Vejledning"
    assert wb.active.title == "Vejledning"
    guide = [[c for c in row] for row in wb["Vejledning"].iter_rows(values_only=True)]
    text = "\n".join(" | ".join(str(c) for c in row if c is not None) for row in guide)
    for sheet, cols in TABLES.items():
        start = next(i for i, row in enumerate(guide) if row[0] == f"Arket {sheet}")
        listed = [row[0] for row in guide[start + 2 : start + 2 + len(cols)]]
        assert listed == [c.header for c in cols], sheet
        assert all(c.help in text for c in cols)
    for kind in KINDS:
        assert f"{kind}:" in text
    assert "31-03-2026" in text and "Delelementets Nr." in text


def test_headers_explain_themselves_and_closed_lists_drop_down(starter: Path) -> None:
    wb = openpyxl.load_workbook(starter)
    for sheet, cols in TABLES.items():
        prompts = {
            str(dv.sqref): (dv.promptTitle, dv.prompt)
            for dv in wb[sheet].data_validations.dataValidation
        }
        for c, col in enumerate(cols):
            letter = "ABCDEFGHIJKLMNO"[c]
            assert prompts[f"{letter}1"][0] == col.header
            assert prompts[f"{letter}1"][1].startswith(col.help[:40])
    lists = {
        (sheet, str(dv.sqref)): dv.formula1
        for sheet in TABLES
        for dv in wb[sheet].data_validations.dataValidation
        if dv.type == "list"
    }

    def grows(sheet: str, col: str) -> str:  # the column as far down as it is filled
        return f"OFFSET('{sheet}'!${col}$2,0,0,MAX(1,COUNTA('{sheet}'!${col}:${col})-1),1)"

    # Down to the sheet's last row (1,048,576): finance pastes thousands of rows.
    assert lists == {
        ("Delelementer", "B2:B1048576"): grows("Afsnit", "A"),
        ("Delelementer", "E2:E1048576"): '"drift,anlæg,drift og anlæg,øvrig finansiering"',
        ("Delelementer", "H2:H1048576"): grows("Centre", "A"),
        ("Milepæle", "A2:A1048576"): grows("Delelementer", "C"),
        ("Milepæle", "D2:D1048576"): grows("Opfølgninger", "B"),
        ("Smileys", "A2:A1048576"): grows("Opfølgninger", "A"),
        ("Smileys", "C2:C1048576"): '"☺,😐,☹"',
        ("Delelementer", "L2:L1048576"): '"ikke relevant"',
        ("Milepæle", "E2:E1048576"): '"ikke relevant"',
        ("Spørgsmål", "C2:C1048576"): '"smiley,valg,tal,heltal,dato,tekst,ja/nej"',
        ("Spørgsmål", "D2:D1048576"): grows("Valg", "A"),
    }


@requires_libreoffice
@pytest.mark.libreoffice
def test_libreoffice_shows_the_prompts_and_the_center_list(starter: Path) -> None:
    seen = lo_inspect(starter, "Delelementer", ["A1", "H1", "H2"])
    sheets = [s["name"] for s in seen["sheets"]]
    assert sheets[0] == "Vejledning"
    a1, h1, h2 = seen["cells"]
    assert a1["string"] == "Nøgle"
    assert h1["validation"] is None or h1["validation"]["type"] == "ANY"
    assert h2["validation"]["type"] == "LIST"
    assert "Centre" in h2["validation"]["formula1"]


@requires_libreoffice
@pytest.mark.libreoffice
def test_libreoffice_checks_rows_pasted_far_below_against_centers_added_later(
    starter: Path, tmp_path: Path
) -> None:
    """A register of thousands of initiatives: row 2,000 still has its center
    dropdown, and a center typed below the list's last row is in it."""
    typed = tmp_path / "udfyldt i LibreOffice.xlsx"
    edit, invalid = run_lo(
        [
            edit_op(
                starter,
                typed,
                [
                    {"sheet": "Centre", "cell": "A5", "value": "Kultur og Fritid"},
                    {"sheet": "Delelementer", "cell": "H2000", "value": "Kultur og Fritid"},
                    {"sheet": "Delelementer", "cell": "H2001", "value": "Ukendt center"},
                    {"sheet": "Delelementer", "cell": "H2002", "value": "Børn og Unge"},
                ],
                # Set, not typed through the dispatcher: LibreOffice's own validity
                # check below judges the cells however they got their values, and the
                # dispatcher's typing made soffice abort now and then under load.
                method="protection-check",
            ),
            invalid_op(typed, "Delelementer"),
        ]
    )
    assert [c["string"] for c in edit["cells"]] == [
        "Kultur og Fritid",
        "Kultur og Fritid",
        "Ukendt center",
        "Børn og Unge",
    ]
    assert invalid["cells"] == ["H2001"]


def test_init_example_starter_then_issue_from_the_cli(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    init = CliRunner().invoke(main, ["init", str(ws), "--example", "starter"])
    assert init.exit_code == 0, init.output
    assert init.stdout.splitlines()[1] == (
        "  5 delelementer i 3 afsnit, 11 milepæle (+0 tomme pladsholdere)"
    )
    assert "      2  Teknik og Miljø" in init.stdout.splitlines()
    issue = CliRunner().invoke(main, ["issue", str(ws), "--round", "1"])
    assert issue.exit_code == 0, issue.output
    assert len(list((ws / "rounds" / "1" / "issued").glob("*.xlsx"))) == 3
    assert issue.stderr.count("(register-key-assigned)") == 5
    assert "[advarsel]" not in issue.stderr and "[fejl]" not in issue.stderr


def test_init_unknown_example_names_the_examples_and_the_one_meant(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "ws"), "--example", "startr"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Fejl: Ukendt eksempel 'startr'. Mente du 'starter'? Vælg et af: projects, sample, starter."
    )
    args = ["init", str(tmp_path / "ws"), "--example", "budget", "--lang", "en"]
    result = CliRunner().invoke(main, args)
    assert (result.exit_code, result.output.strip()) == (
        2,
        "Error: Unknown example 'budget'. Choose one of: projects, sample, starter.",
    )
    assert list(tmp_path.iterdir()) == []  # no folder left behind either


def test_init_example_sample_is_init_sample(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["init", str(tmp_path / "a"), "--sample"]).exit_code == 0
    assert (
        CliRunner().invoke(main, ["init", str(tmp_path / "b"), "--example", "sample"]).exit_code
        == 0
    )
    assert (tmp_path / "a" / "register.xlsx").read_bytes() == (
        tmp_path / "b" / "register.xlsx"
    ).read_bytes()


def test_issue_tells_register_notices_in_its_language(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    init_workspace(Workspace.at(ws), "example", example="starter")
    wb = openpyxl.load_workbook(ws / "register.xlsx")
    wb["Delelementer"]["E2"] = "drfit"
    wb.save(ws / "register.xlsx")
    result = CliRunner().invoke(main, ["issue", str(ws), "--round", "1", "--lang", "en"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith(
        "  [info] register.xlsx / Delelementer / A2: The initiative '1.01 Ny erhvervsstrategi' "
        "was given the key 'D"
    )
    assert lines[1] == (
        "  [warning] register.xlsx / Delelementer / E2: The type 'drfit' is not one of: drift, "
        "anlæg, drift og anlæg, øvrig finansiering. Did you mean 'drift'? (register-unknown-type)"
    )
    assert len(lines) == 6
