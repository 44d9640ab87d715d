"""register.xlsx: exact round trip, findings for broken edits, opens in LibreOffice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from libreoffice import lo_convert, requires_libreoffice
from sheetflow.errors import RegisterError
from sheetflow.register import blank_register
from sheetflow.register.report_text import import_report_file
from sheetflow.register.sample import sample_register
from sheetflow.register.workbook import read_register, write_register
from sheetflow.workspace import Workspace

# The 2017 report numbers two initiatives 7.07: kept, and warned about.
SEED_WARNINGS = [("register-duplicate-number", "Delelementer", "C17", "7.07")]


def _where(report) -> list[tuple[str, str, str, str]]:
    return [(f.code, f.sheet, f.cell, f.value) for f in report.findings]


@pytest.fixture(scope="module")
def register_file(tmp_path_factory: pytest.TempPathFactory, seed_path: Path) -> Path:
    path = tmp_path_factory.mktemp("reg") / "register.xlsx"
    write_register(import_report_file(seed_path).register, path)
    return path


def test_write_then_read_gives_the_same_register(register_file: Path, seed_path: Path) -> None:
    register, report = read_register(register_file)
    assert _where(report) == SEED_WARNINGS
    assert report.ok
    assert register == import_report_file(seed_path).register


def test_sample_and_blank_registers_round_trip(tmp_path: Path) -> None:
    for name, reg in (("sample", sample_register(2)), ("blank", blank_register(2018))):
        path = write_register(reg, tmp_path / f"{name}.xlsx")
        back, report = read_register(path)
        assert _where(report) == (SEED_WARNINGS if name == "sample" else [])
        assert back == reg


def test_same_register_same_bytes(tmp_path: Path) -> None:
    reg = sample_register(2)
    a = write_register(reg, tmp_path / "a.xlsx").read_bytes()
    b = write_register(reg, tmp_path / "b.xlsx").read_bytes()
    assert a == b


def test_sheets_are_readable_for_finance(register_file: Path) -> None:
    wb = openpyxl.load_workbook(register_file)
    assert wb.sheetnames == [
        "Vejledning",
        "Oplysninger",
        "Afsnit",
        "Centre",
        "Opfølgninger",
        "Delelementer",
        "Milepæle",
        "Smileys",
        "Spørgsmål",
        "Valg",
    ]
    ws = wb["Delelementer"]
    assert [c.value for c in ws[1]][:4] == ["Nøgle", "Afsnit", "Nr.", "Titel"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["F"].width > 40
    assert ws["F2"].alignment.wrap_text
    assert wb["Opfølgninger"]["C2"].is_date


def _broken(register_file: Path, tmp_path: Path, edit: Callable[[openpyxl.Workbook], None]) -> Path:
    wb = openpyxl.load_workbook(register_file)
    edit(wb)
    target = tmp_path / "broken.xlsx"
    wb.save(target)
    return target


def _row_of(ws, column: int, value: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, column).value == value)


def _set(sheet: str, cell: str, value: object) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[sheet][cell].value = value

    return edit


@pytest.mark.parametrize(
    ("edit", "code", "sheet", "cell"),
    [
        (
            _set("Delelementer", "H2", "Center for Ukendt"),
            "register-unknown-center",
            "Delelementer",
            "H2",
        ),
        (_set("Delelementer", "A3", "D134d46"), "register-duplicate-key", "Delelementer", "A3"),
        (_set("Milepæle", "D2", "snart"), "register-bad-deadline", "Milepæle", "D2"),
        (
            _set("Milepæle", "D2", "5. budgetopfølgning 2017"),
            "register-bad-deadline",
            "Milepæle",
            "D2",
        ),
        (_set("Delelementer", "D2", None), "register-missing-title", "Delelementer", "D2"),
        (_set("Smileys", "B2", "Dffffff-M1"), "register-unknown-item", "Smileys", "B2"),
        (_set("Smileys", "A2", 7), "register-unknown-round", "Smileys", "A2"),
        (_set("Smileys", "C2", "ok"), "register-bad-smiley", "Smileys", "C2"),
        (_set("Milepæle", "A2", "Dnothere"), "register-unknown-initiative", "Milepæle", "A2"),
        (_set("Delelementer", "B2", "99"), "register-unknown-section", "Delelementer", "B2"),
        (_set("Opfølgninger", "C2", "den sidste marts"), "register-bad-date", "Opfølgninger", "C2"),
        (_set("Opfølgninger", "B2", None), "register-missing-value", "Opfølgninger", "B2"),
        (_set("Milepæle", "D1", "Deadline"), "register-missing-column", "Milepæle", "1"),
    ],
)
def test_each_broken_edit_is_a_finding_with_sheet_and_cell(
    register_file: Path, tmp_path: Path, edit, code: str, sheet: str, cell: str
) -> None:
    _, report = read_register(_broken(register_file, tmp_path, edit))
    found = [f for f in report.findings if f.code == code]
    assert found, report.codes()
    assert (found[0].sheet, found[0].cell) == (sheet, cell)
    assert found[0].file == "broken.xlsx"
    assert found[0].message


def test_missing_sheet_is_a_finding(register_file: Path, tmp_path: Path) -> None:
    path = _broken(register_file, tmp_path, lambda wb: wb.remove(wb["Centre"]))
    _, report = read_register(path)
    assert ("register-missing-sheet", "Centre") in [(f.code, f.sheet) for f in report.findings]


def test_finance_may_reorder_columns(register_file: Path, tmp_path: Path) -> None:
    def swap(wb: openpyxl.Workbook) -> None:
        ws = wb["Centre"]
        for row in ws.iter_rows():
            row[0].value, row[1].value = row[1].value, row[0].value

    register, report = read_register(_broken(register_file, tmp_path, swap))
    assert _where(report) == SEED_WARNINGS
    assert register == read_register(register_file)[0]


def test_a_broken_register_stops_the_workflow_with_its_findings(
    register_file: Path, tmp_path: Path
) -> None:
    ws = Workspace.at(tmp_path / "ws")
    ws.root.mkdir()
    broken = _broken(register_file, tmp_path, _set("Milepæle", "D2", "snart"))
    broken.rename(ws.register_path)
    with pytest.raises(RegisterError) as err:
        ws.load_register()
    # Every error and warning at once, in workbook order.
    assert [f.code for f in err.value.findings] == [
        "register-duplicate-number",
        "register-bad-deadline",
    ]


@requires_libreoffice
@pytest.mark.libreoffice
def test_register_opens_in_libreoffice(register_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "via_lo.xlsx"
    lo_convert(register_file, out, "Calc MS Excel 2007 XML")
    register, report = read_register(out)
    assert _where(report) == SEED_WARNINGS
    assert register == read_register(register_file)[0]


def test_an_initiative_added_at_the_bottom_joins_its_section(tmp_path: Path) -> None:
    """A second trial added 4.03 under 5.01 in the sheet; the master then printed
    section 4 twice. Initiatives are read in the sections' order, rows as typed."""
    from person import TABLES, fill_register

    path = tmp_path / "register.xlsx"
    write_register(blank_register(2026), path)
    tables = {name: [dict(row) for row in rows] for name, rows in TABLES.items()}
    tables["Afsnit"].append({"Nr.": "2", "Afsnit": "Borgerservice"})
    first = tables["Delelementer"][0]
    tables["Delelementer"] += [
        {**first, "Nøgle": "B1", "Afsnit": "2", "Nr.": "2.01", "Titel": "Selvbetjening"},
        {**first, "Nøgle": "T2", "Afsnit": "1", "Nr.": "1.04", "Titel": "Nye busruter"},
    ]
    fill_register(path, tables)
    register, report = read_register(path)
    assert report.findings == []
    assert [(i.section, i.number) for i in register.initiatives] == [
        ("1", "1.01"),
        ("1", "1.02"),
        ("1", "1.03"),
        ("1", "1.04"),
        ("2", "2.01"),
    ]
