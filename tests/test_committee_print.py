"""The committee's print of the master (docs/workbooks.md#the-committee-pdf): charts of
counts tick in whole numbers, and the findings sheet is finance's annex with a
print setup of its own, left out of ``report --pdf``."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from openpyxl.utils.cell import range_boundaries

from helpers import fill_all_green, send_answers
from person import R1, SS, TM, fill_register
from sheetflow.collect import Verdict, collect_round
from sheetflow.demo import DemoResult
from sheetflow.findings import Report
from sheetflow.issue import issue_round
from sheetflow.ledger import Ledger
from sheetflow.master import consolidate, detail_sheet
from sheetflow.master.counts_sheet import CENTERS_LISTED, CHART_BARS
from sheetflow.register import init_workspace
from sheetflow.workspace import Workspace
from sheetflow.xlsxutil import integer_axis

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"


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


def _register_of(centers: int, sections: int = 3) -> dict[str, list[dict[str, Any]]]:
    """An officer's register of ``centers`` centers over ``sections`` sections, an
    initiative and a milestone due in round 1 for each center."""
    titles = ["Velfærd", "Vækst", "Drift", "Kultur", "Miljø", "Trafik", "Skole", "Ældre"]
    sections_of = titles[:sections]
    names = [f"Center {n:02d}" for n in range(1, centers + 1)]
    initiatives = [
        {
            "Nøgle": f"K{n}",
            "Afsnit": str(n % sections + 1),
            "Nr.": f"{n % sections + 1}.{n:02d}",
            "Titel": f"Indsats {n}",
            "Type": "drift",
            "Kort beskrivelse": "En indsats.",
            "Ansvarligt center": name,
            "Økonomi": "1 mio. kr.",
        }
        for n, name in enumerate(names, start=1)
    ]
    return {
        "Afsnit": [{"Nr.": str(n), "Afsnit": s} for n, s in enumerate(sections_of, start=1)],
        "Centre": [{"Center": c, "Kontaktperson": "A", "E-mail": "a@vestby.dk"} for c in names],
        "Delelementer": initiatives,
        "Milepæle": [
            {"Delelement": i["Nøgle"], "Nr.": 1, "Milepæl": "Gjort", "Tid": R1} for i in initiatives
        ],
    }


def _chart_place(master: Path) -> tuple[list[str], str, tuple[int, int], list[int]]:
    """The summary chart's bar labels (read from the cells it points at), its title,
    its first and last row (0-based, from its anchor) and the summary's page breaks."""
    root = _charts(master)["bar"]
    ref = root.find(f".//{C}cat//{C}f")
    assert ref is not None and ref.text
    sheet, cells = ref.text.split("!")
    wb = openpyxl.load_workbook(master)
    ws = wb[sheet.strip("'")]
    labels = [str(row[0].value) for row in ws[cells.replace("$", "")]]
    title = "".join(t.text or "" for t in root.iterfind(f".//{C}title//{A}t"))
    with zipfile.ZipFile(master) as z:
        drawing = ET.fromstring(z.read("xl/drawings/drawing1.xml"))
    rows = [int(r.text or 0) for r in drawing.iterfind(f".//{XDR}row")]
    return labels, title, (rows[0], rows[1]), [b.id for b in ws.row_breaks.brk]


@pytest.mark.parametrize("centers", [3, 24])  # 24: the chart met a page's end
def test_the_summary_chart_labels_every_bar_and_prints_on_one_page(
    tmp_path: Path, centers: int
) -> None:
    """A round of 150 centers drew 150 bars two pixels high over two pages, with every
    tenth name: beyond CHART_BARS centers the chart draws the sections."""
    ws = Workspace.at(tmp_path / f"{centers} centre")
    init_workspace(ws, "blank")
    fill_register(ws.register_path, _register_of(centers))
    issue_round(ws, 1)
    master = collect_round(ws, 1).master
    assert master is not None
    labels, title, (top, bottom), breaks = _chart_place(master)
    if centers <= CHART_BARS:
        assert sorted(labels) == [f"Center {n:02d}" for n in range(1, centers + 1)]
        assert title == "Smileys pr. center (Milepæle)"
    else:
        assert labels == ["1. Velfærd", "2. Vækst", "3. Drift"]
        assert title == "Smileys pr. afsnit (Milepæle)"
    assert breaks and not [b for b in breaks if top < b <= bottom]


def test_the_samples_chart_is_not_split_over_two_pages(demo_result: DemoResult) -> None:
    """The sample's committee PDF printed its chart's last bar and legend alone on
    page 3: a break fell inside the chart."""
    labels, _, (top, bottom), breaks = _chart_place(demo_result.master)
    assert len(labels) == 9
    assert breaks and not [b for b in breaks if top < b <= bottom]


def _table(ws: Any, heading: str) -> tuple[list[list[Any]], list[Any], Any]:
    """The rows under ``heading`` (after its column rows) up to its total row; the total
    row; and the line below it."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next(n for n, r in enumerate(rows) if r[0] == heading)
    first = next(n for n in range(start + 1, len(rows)) if rows[n][0] == "Center") + 1
    end = next(n for n in range(first, len(rows)) if str(rows[n][0]).startswith("I alt"))
    return rows[first:end], rows[end], rows[end + 1][0] if end + 1 < len(rows) else None


def test_a_round_of_many_centers_keeps_the_summary_to_what_needs_a_look(tmp_path: Path) -> None:
    """150 centers printed eight pages of per-center tables before the chart. Beyond
    CENTERS_LISTED the summary lists the centers whose return is not accepted, totals
    every center, and says where all of them are: a sheet of their own."""
    centers = CENTERS_LISTED + 5
    ws = Workspace.at(tmp_path / "mange centre")
    init_workspace(ws, "blank")
    fill_register(ws.register_path, _register_of(centers))
    issue_round(ws, 1)
    names = [f"Center {n:02d}" for n in range(1, centers + 1)]
    silent = names[3:7]
    for name in names:
        if name not in silent:
            fill_all_green(ws, name, ws.inbox_dir(1) / f"{name}.xlsx", round_number=1)
    master = collect_round(ws, 1).master
    assert master is not None
    values = openpyxl.load_workbook(master, data_only=True)
    formulas = openpyxl.load_workbook(master)
    assert values.sheetnames[1:4] == ["Overblik", "Alle centre", "Smileys pr. center"]
    rows, total, note = _table(values["Overblik"], "Indsendte projektmapper")
    assert sorted(r[0] for r in rows) == silent
    assert {r[7] for r in rows} == {"mangler"}
    n = len(names)
    assert total[:7] == [f"I alt, alle {n} centre", n, n - 4, n - 4, 0, 0, 0]
    assert note == (
        f"Her står de 4 af {n} centre, hvis aflevering ikke er godkendt; "
        "alle centre står på arket «Alle centre» i den samlede projektmappe."
    )
    _, formula_total, _ = _table(formulas["Overblik"], "Indsendte projektmapper")
    assert formula_total[1] == f"=SUM('Alle centre'!B3:B{n + 2})"
    every, whole_total, _ = _table(values["Alle centre"], "Indsendte projektmapper")
    assert sorted(r[0] for r in every) == names
    assert whole_total[1:7] == total[1:7]
    counts, _, _ = _table(
        values["Smileys pr. center"], "Smileys pr. center (milepæle med frist og økonomi)"
    )
    assert sorted(r[0] for r in counts) == names
    summary = [r[0] for r in values["Overblik"].iter_rows(values_only=True)]
    assert "Smileys pr. center (milepæle med frist og økonomi)" not in summary
    pointer = (
        f"Smileys pr. center for alle {n} centre står på arket «Smileys pr. center» "
        "i den samlede projektmappe."
    )
    assert pointer in summary


def _changes_line(master: Path) -> str:
    """The line under the summary's changes heading and its columns."""
    rows = [r[0] for r in openpyxl.load_workbook(master)["Overblik"].iter_rows(values_only=True)]
    return str(rows[rows.index("Ændringer siden sidste opfølgning") + 2])


def test_the_first_round_says_it_has_nothing_to_compare_with(officer_ws: Workspace) -> None:
    """A trial's round 1 said "Ingen ændringer siden sidste opfølgning", as if there
    had been one; round 2 lists what changed since round 1."""
    ws = officer_ws
    first = collect_round(ws, 1).master
    assert first is not None
    assert _changes_line(first) == (
        "Dette er den første opfølgning, der er holdt; der er ingen tidligere at sammenligne med."
    )
    # On one line into the empty cells beside it: wrapped in the first column, a trial's
    # PDF lost "sammenligne med." below the row's height.
    cells = openpyxl.load_workbook(first)["Overblik"]
    line = next(c for c in cells["A"] if c.value == _changes_line(first))
    assert not line.alignment.wrap_text
    issue_round(ws, 2)
    second = collect_round(ws, 2).master
    assert second is not None
    # Round 2 compares with round 1: T1's "Anlæg påbegyndt" became overdue.
    assert _changes_line(second) == "1.01 Sikre cykelstier"


def test_short_tables_print_whole_and_the_centers_sheets_repeat_their_columns(
    tmp_path: Path,
) -> None:
    """A trial's summary split "Smileys pr. afsnit" (five sections) over two pages; its
    "Alle centre", both per-center tables on one sheet, broke every 39 rows where
    LibreOffice's page holds about 33, leaving pages of six rows, and printed no
    column rows after the first page. Each table now has a sheet of its own that
    repeats its column rows and lets the page fill."""
    ws = Workspace.at(tmp_path / "otte afsnit")
    init_workspace(ws, "blank")
    fill_register(ws.register_path, _register_of(100, sections=8))
    issue_round(ws, 1)
    master = collect_round(ws, 1).master
    assert master is not None
    wb = openpyxl.load_workbook(master)
    summary = [r[0] for r in wb["Overblik"].iter_rows(values_only=True)]
    heading = summary.index("Smileys pr. afsnit (milepæle med frist og økonomi)")
    total = summary.index("I alt", heading)
    assert total - heading == 11  # heading, two header rows, eight sections, total
    breaks = [b.id for b in wb["Overblik"].row_breaks.brk]
    assert breaks and not [b for b in breaks if heading < b <= total]
    sheets = {name: wb[name] for name in ("Alle centre", "Smileys pr. center")}
    assert {n: (s.print_title_rows, s.row_breaks.brk) for n, s in sheets.items()} == {
        "Alle centre": ("$2:$2", []),
        "Smileys pr. center": ("$2:$3", []),
    }


def test_the_summary_accounts_for_a_file_that_counts_for_no_center(
    officer_ws: Workspace,
) -> None:
    """A trial's collect said "2 afvist"; the summary's table showed one rejected return
    and nothing of the text file that belonged to no center."""
    ws = officer_ws
    fill_all_green(ws, TM, ws.inbox_dir(1) / "tm.xlsx", round_number=1)
    (ws.inbox_dir(1) / "noter.xlsx").write_text("Vi er på sporet.\n", encoding="utf-8")
    result = collect_round(ws, 1)
    assert result.master is not None
    rejected = [f.path.name for f in result.files if f.verdict is Verdict.REJECTED]
    assert rejected == ["noter.xlsx"]
    _, total, line = _table(
        openpyxl.load_workbook(result.master, data_only=True)["Overblik"],
        "Indsendte projektmapper",
    )
    assert total[:5] == ["I alt", 3, 1, 1, 0]  # issued, returned, accepted, rejected
    assert line == (
        "Filer, der ikke hører til noget center i opfølgningen: 1 "
        "(hvorfor står på arket «Fund» i den samlede projektmappe)."
    )


def test_the_summary_lists_the_weightiest_flags_first(officer_ws: Workspace) -> None:
    """A trial's committee saw the first 25 of 256 flags in register order: section 1's,
    half of them one silent center's overdue milestones. Red comes first, then overdue,
    then a missing smiley, and a center that has not returned after all who have."""
    ws = officer_ws
    send_answers(ws, TM, 1, {"T1-M1": ("", "Vi mangler et tilbud"), "T1-E": ("☹", "Dyrere")})
    send_answers(ws, SS, 1, {"H1-E": ("", "Afventer regnskabet")})
    master = collect_round(ws, 1).master  # Skole og Dagtilbud (S1) sends nothing
    assert master is not None
    rows = [r for r in openpyxl.load_workbook(master)["Overblik"].iter_rows(values_only=True)]
    start = next(n for n, r in enumerate(rows) if r[0] == "Markerede punkter") + 2
    listed = [(r[0], r[1]) for r in rows[start : start + 6]]
    assert listed == [
        ("1.01 Sikre cykelstier", "Rød"),
        ("1.01 Sikre cykelstier", "Overskredet, Mangler smiley"),
        ("1.03 Hjemmepleje i nattetimerne", "Mangler smiley"),
        ("1.02 Skolemad", "Overskredet"),  # after every center that returned
        ("", "Ingen godkendt aflevering"),
        (None, None),  # the blank row before the next list
    ]


def test_excel_keeps_as_many_page_breaks_as_the_detail_sheet_allows(tmp_path: Path) -> None:
    """xlsxwriter writes at most 1,023 manual page breaks on a sheet and drops the rest
    without a word; the detail sheet starts a sheet of its own at that many."""
    path = tmp_path / "breaks.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("x")
    ws.write_string(5000, 0, "x")
    ws.set_h_pagebreaks(list(range(1, 1500)))
    wb.close()
    with zipfile.ZipFile(path) as zf:
        kept = zf.read("xl/worksheets/sheet1.xml").count(b"<brk ")
    assert kept == detail_sheet.MAX_PAGE_BREAKS


def test_a_detail_sheet_beyond_excels_page_breaks_goes_on_in_a_sheet_of_its_own(
    demo_result: DemoResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trial's round of 40 centers (1,600 initiatives) needed 1,200 page breaks on the
    detail sheet; Excel keeps 1,023, so from page 1,024 on initiatives split between
    pages. At the limit (here made 4) the sheet ends and "Delelementer 2" goes on, with
    its column row and the section's label again: every initiative once, in register
    order, every sheet's breaks kept and its print setup its own."""
    monkeypatch.setattr(detail_sheet, "MAX_PAGE_BREAKS", 4)
    ws = Workspace.at(tmp_path / "ws")
    shutil.copytree(demo_result.master.parents[2], ws.root)
    register = ws.load_register()
    with Ledger(ws.ledger_path) as ledger:
        master = consolidate(ws, register, register.rounds[2], ledger, Report()).master
    book = openpyxl.load_workbook(master)
    names = book.sheetnames
    first = names.index("Delelementer")
    detail = [n for n in names if n == "Delelementer" or n.startswith("Delelementer ")]
    assert len(detail) >= 3
    assert detail == ["Delelementer"] + [f"Delelementer {n}" for n in range(2, len(detail) + 1)]
    assert names[first : first + len(detail)] == detail  # side by side, in order
    sections = {s.label for s in register.sections}
    label_of = {s.number: s.label for s in register.sections}
    register_section = {(i.number, i.title): label_of[i.section] for i in register.initiatives}
    shown: list[tuple[str, str]] = []
    heads: list[str] = []
    with zipfile.ZipFile(master) as zf:
        for n, name in enumerate(detail):
            sheet = book[name]
            rows = list(sheet.iter_rows(values_only=True))
            assert rows[0] == tuple(c.value for c in book["Delelementer"][1])  # column row
            # A section's label heads every sheet, "(fortsat)" when it goes on there.
            section = rows[1][0].removesuffix(" (fortsat)")
            assert section in sections
            continued = n > 0 and shown and register_section[shown[-1]] == section
            assert rows[1][0] == (f"{section} (fortsat)" if continued else section)
            heads.append(rows[1][0])
            assert sheet.print_title_rows == "$1:$1"
            assert sheet.page_setup.orientation == "landscape"
            assert sheet.sheet_properties.pageSetUpPr.fitToPage
            part = f"xl/worksheets/sheet{first + n + 1}.xml"
            assert zf.read(part).count(b"<brk ") <= 4
            shown += [
                (str(r[0]), r[1])
                for r in rows[1:]
                if r[0] not in (None, "Milepæl", "Økonomi")
                and r[0].removesuffix(" (fortsat)") not in sections
            ]
    assert shown == [(i.number, i.title) for i in register.initiatives]
    assert any(h.endswith(" (fortsat)") for h in heads), heads  # a section went on


def test_no_master_sheet_marks_its_texts_as_numbers_stored_as_text(
    demo_result: DemoResult,
) -> None:
    """Initiative numbers (5.01), round headers (1.) and dates are written as text on
    purpose; Excel marked thousands of them with a green corner ("number stored as
    text") on a trial's master. Every sheet tells Excel to leave them be."""
    with zipfile.ZipFile(demo_result.master) as zf:
        parts = [n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        ignored = {n: re.findall(rb"<ignoredError [^>]*/>", zf.read(n)) for n in sorted(parts)}
    assert len(parts) == len(openpyxl.load_workbook(demo_result.master).sheetnames)
    assert set(map(tuple, ignored.values())) == {
        (b'<ignoredError sqref="A1:XFD1048576" numberStoredAsText="1"/>',)
    }


def test_a_continued_detail_sheet_keeps_to_excels_31_characters(
    demo_result: DemoResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finance may name the detail sheet itself (the workspace's texts), up to Excel's
    31 characters; its continuation's number still fits."""
    monkeypatch.setattr(detail_sheet, "MAX_PAGE_BREAKS", 4)
    ws = Workspace.at(tmp_path / "ws")
    shutil.copytree(demo_result.master.parents[2], ws.root)
    own = "Delelementer i den store kommun"  # 31 characters
    (ws.root / "workbook_templates").mkdir()
    (ws.root / "workbook_templates" / "da.toml").write_text(
        f'[master]\ndetail_sheet = "{own}"\n', encoding="utf-8"
    )
    register = ws.load_register()
    with Ledger(ws.ledger_path) as ledger:
        master = consolidate(ws, register, register.rounds[2], ledger, Report()).master
    names = openpyxl.load_workbook(master).sheetnames
    first = names.index(own)
    assert names[first : first + 3] == [own, f"{own[:29]} 2", f"{own[:29]} 3"]
