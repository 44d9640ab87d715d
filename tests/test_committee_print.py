"""The committee's print of the master (docs/workbooks.md#the-committee-pdf): charts of
counts tick in whole numbers, and the findings sheet is finance's annex with a
print setup of its own, left out of ``report --pdf``."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from sheetflow.demo import DemoResult
from sheetflow.xlsxutil import integer_axis

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


@pytest.mark.parametrize(
    ("largest", "step"),
    [(0, 1), (7, 1), (10, 1), (11, 2), (20, 2), (37, 5), (50, 5), (180, 20), (40_000, 5_000)],
)
def test_integer_axis_steps_are_whole_and_few(largest: int, step: int) -> None:
    assert integer_axis(largest) == {"min": 0, "major_unit": step, "num_format": "0"}


def _charts(master: Path) -> dict[str, ET.Element]:
    """The master's charts by direction: "bar" (summary) and "col" (trends)."""
    charts = {}
    with zipfile.ZipFile(master) as z:
        for name in z.namelist():
            if re.fullmatch(r"xl/charts/chart\d+\.xml", name):
                root = ET.fromstring(z.read(name))
                direction = root.find(f".//{C}barDir")
                assert direction is not None
                charts[direction.get("val", "")] = root
    return charts


def _largest_stack(master: Path, root: ET.Element) -> int:
    """The tallest stacked bar, summed from the cells the chart's series point at."""
    wb = openpyxl.load_workbook(master)
    totals: dict[int, int] = {}
    for ref in root.iterfind(f".//{C}val/{C}numRef/{C}f"):
        sheet, cells = (ref.text or "").split("!")
        min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
        ws = wb[sheet.strip("'")]
        for n, cell in enumerate(
            c for row in ws.iter_rows(min_row, max_row, min_col, max_col) for c in row
        ):
            totals[n] = totals.get(n, 0) + int(cell.value or 0)
    return max(totals.values())


@pytest.mark.parametrize("direction", ["bar", "col"])
def test_chart_value_axis_ticks_whole_numbers_from_zero(
    demo_result: DemoResult, direction: str
) -> None:
    root = _charts(demo_result.master)[direction]
    axis = root.find(f".//{C}valAx")
    assert axis is not None
    scaling_min = axis.find(f"{C}scaling/{C}min")
    number_format = axis.find(f"{C}numFmt")
    major = axis.find(f"{C}majorUnit")
    assert scaling_min is not None and scaling_min.get("val") == "0"
    assert number_format is not None and number_format.get("formatCode") == "0"
    assert major is not None
    step = float(major.get("val", "nan"))
    largest = _largest_stack(demo_result.master, root)
    assert largest > 0
    # A whole step of the 1-2-5 series, the smallest that keeps ten ticks or fewer.
    candidates = [m * 10**e for e in range(6) for m in (1, 2, 5)]
    assert step == next(c for c in candidates if largest <= 10 * c), (largest, step)


def test_findings_sheet_has_its_own_print_setup(demo_result: DemoResult) -> None:
    wb = openpyxl.load_workbook(demo_result.master)
    findings = wb["Fund"]
    assert findings.print_title_rows == "$1:$1"
    assert findings.oddFooter.left.text == (
        "Aftale om budget 2017 · Teknisk bilag til Økonomi og Styring, ikke til udvalget"
    )
    assert findings.oddFooter.right.text == "Side &P af &N"
    assert findings.page_setup.orientation == "landscape"
    # A print area would make LibreOffice print the sheet even when it is hidden.
    assert not findings.print_area
    for ws in wb.worksheets:
        if ws.title != "Fund":
            assert ws.oddFooter.left.text == "Aftale om budget 2017", ws.title


def test_the_committee_copy_hides_only_the_findings_sheet(
    demo_result: DemoResult, tmp_path: Path
) -> None:
    from sheetflow.report import committee_copy, findings_sheet_names

    copy = committee_copy(demo_result.master, tmp_path / "copy.xlsx", findings_sheet_names())
    states = {ws.title: ws.sheet_state for ws in openpyxl.load_workbook(copy).worksheets}
    assert states.pop("Fund") == "hidden"
    assert set(states.values()) == {"visible"}


def test_a_returns_state_has_room_for_its_longest_words(officer_ws, tmp_path: Path) -> None:
    """'godkendt med bemærkninger' ran past the one narrow Status column of the
    summary's returns table in the committee PDF; the state spans four columns, after
    the six numbers."""
    from helpers import fill, issued_for
    from sheetflow.collect import collect_round

    center = "Teknik og Miljø"
    _, layout = issued_for(officer_ws, center, 1)
    smileys = [i.address for i in layout.inputs if i.kind == "smiley"]
    fill(officer_ws, center, {a: "☺" for a in smileys[:-1]}, tmp_path / "tm.xlsx", round_number=1)
    result = collect_round(officer_ws, 1, [tmp_path / "tm.xlsx"])
    sheet = openpyxl.load_workbook(result.master)["Overblik"]
    rows: dict[object, int] = {}
    for r in range(1, 12):  # the returns table comes first; the counts name centers too
        rows.setdefault(sheet.cell(r, 1).value, r)
    header, row = rows["Center"], rows[center]
    assert sheet.cell(row, 8).value == "godkendt med bemærkninger"
    # Indented: right after a right-aligned number it read as "0godkendt".
    for cell in (sheet.cell(header, 8), sheet.cell(row, 8)):
        assert (cell.alignment.horizontal, cell.alignment.indent) == ("left", 1)
    merged = {str(m) for m in sheet.merged_cells.ranges}
    assert {f"H{header}:K{header}", f"H{row}:K{row}"} <= merged
    widths = [sheet.column_dimensions[c].width for c in "HIJK"]
    assert sum(widths) >= len("uafklaret: flere afleveringer") + 4
