"""RowWriter writes a row's cells as the same bytes xlsxwriter writes for them.

Each case writes the same sheet twice in constant-memory mode: once through
RowWriter's fast path, once cell by cell through xlsxwriter's own methods
(``fast=False``), and the two files must hold identical parts. The same holds
for the in-memory sheets of QuickWorkbook and for the shared strings table,
each against xlsxwriter's own writing."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from xlsxwriter.sharedstrings import SharedStrings

from sheetflow.demo import DemoResult
from sheetflow.xlsxutil import (
    FIXED_TIME,
    XLSXWRITER_SST_STRINGS,
    MergeRanges,
    PageBreaks,
    QuickWorkbook,
    RowWriter,
    release_written_rows,
)

AWKWARD = [
    "plain",
    'Kost & Løn <50%> "citat"',
    "to\nlinjer",
    " foran",
    "bagved ",
    "\tfaneblad",
    "kontrol\x01tegn",
    "_x0041_ er en escape",
    "<r>ligner rig tekst</r>",
    '<r><t>a</t></r></is></c><c r="Z1"><v>666</v></c><c><is><r><t>b</t></r>',
    "vogn\rretur og _x000D_ og _X00FF_ og _x12_",
    "\u00a0hård plads\u2003",
    "_x0041_",
    "l" * 20000,  # longer than xlsxwriter checks inline: written its own way
    "ikke-tegn \ufffe",
    "æøå 😀 ✓",
    "",
    "x" * 33_000,  # longer than a cell holds: cut the way xlsxwriter cuts it
]


def _write(path: Path, fast: bool, body: Callable[[Any, Any, RowWriter], None]) -> dict[str, bytes]:
    # As the master writes: with xlsxwriter's text conversions on, RowWriter writes
    # each cell the ordinary way, and there would be nothing to compare.
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    wb = xlsxwriter.Workbook(str(path), options)
    wb.set_properties({"created": FIXED_TIME})
    ws = wb.add_worksheet("Ark")
    fmt = wb.add_format({"border": 1, "text_wrap": True})
    ws.set_column(2, 2, 12, wb.add_format({"italic": True}))
    body(ws, fmt, RowWriter(ws, fast=fast))
    wb.close()
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _same(tmp_path: Path, body: Callable[[Any, Any, RowWriter], None]) -> None:
    fast = _write(tmp_path / "fast.xlsx", True, body)
    slow = _write(tmp_path / "slow.xlsx", False, body)
    assert fast.keys() == slow.keys()
    for name in slow:
        assert fast[name] == slow[name], name


def test_awkward_text_numbers_and_blanks(tmp_path: Path) -> None:
    def body(ws: Any, fmt: Any, rows: RowWriter) -> None:
        ws.write_row(0, 0, ["a", "b"], fmt)
        heights = [None, 15, 15.2, 409, 0.4, 12.75]  # default, as default, odd, most, tiny
        for n, text in enumerate(AWKWARD, start=1):
            cells = [(text, fmt), (n * 1.5, fmt), (None, fmt), (None, None), (7, None)]
            rows.row(n, cells, height=heights[n % len(heights)])

    _same(tmp_path, body)


def test_mixed_with_ordinary_cells_heights_and_merges(tmp_path: Path) -> None:
    def body(ws: Any, fmt: Any, rows: RowWriter) -> None:
        rows.row(0, [("først", fmt)], height=30)
        ws.write_string(1, 0, "almindelig", fmt)
        ws.set_row(1, 22)
        ws.merge_range(2, 1, 2, 4, "flettet", fmt)
        rows.row(3, [("efter flet", fmt), ("", None)], height=40.5, first_col=1)
        rows.row(5, [("spring en over", fmt)])  # row 4 left empty
        rows.row(6, [], height=18)  # a row with a height only
        ws.write_string(7, 3, "sidst", fmt)
        for n in range(8, 1200):
            rows.row(n, [(f"række {n}", fmt), (n, fmt)], height=15 + n % 3)
            if n % 512 == 0:
                release_written_rows(ws, 1)
        ws.autofilter(0, 0, 1199, 1)

    _same(tmp_path, body)


def test_merged_rows_as_merge_range_writes_them(tmp_path: Path) -> None:
    def body(ws: Any, fmt: Any, rows: RowWriter) -> None:
        ws.merge_range(0, 0, 0, 3, "overskrift", fmt)
        rows.merged(1, 1, 4, "beskrivelse\nto linjer & mere", fmt, height=40)
        rows.merged(2, 1, 4, "", fmt, height=15)  # nothing to show: formatted blanks
        rows.merged(3, 0, 2, "uden format", None)
        rows.row(4, [("efter", fmt)])
        ws.merge_range(5, 0, 5, 2, "almindelig efter", fmt)  # xlsxwriter's own, after
        for n in range(6, 2000):
            rows.merged(n * 40, 1, 3, f"langt nede {n}", fmt)

    _same(tmp_path, body)


def test_merged_ranges_are_held_as_numbers_until_the_sheet_closes(tmp_path: Path) -> None:
    """A merged row costs four numbers until the sheet is written, not a list of four
    (80,000 merged rows in a master at 1,000 centers); xlsxwriter reads them back as the
    lists it would have held, its own merges among them."""
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    wb = xlsxwriter.Workbook(str(tmp_path / "m.xlsx"), options)
    ws = wb.add_worksheet("Ark")
    fmt = wb.add_format({"border": 1})
    rows = RowWriter(ws)
    ws.merge_range(0, 0, 0, 3, "overskrift", fmt)
    rows.merged(1, 1, 4, "a", fmt)
    rows.merged(70_000, 0, 2, "b", fmt)
    ws.merge_range(70_001, 2, 70_001, 16_383, "c", fmt)
    assert isinstance(ws.merge, MergeRanges) and len(ws.merge) == 4
    assert list(ws.merge) == [[0, 0, 0, 3], [1, 1, 1, 4], [70_000, 0, 70_000, 2],
                              [70_001, 2, 70_001, 16_383]]  # fmt: skip
    wb.close()


def test_page_breaks_keep_blocks_whole() -> None:
    """Pages of 100 points: blocks fill a page until the next would not fit; a forced
    block starts a page; a block taller than a page has one of its own."""
    blocks = [(0, 40, False), (3, 50, False), (6, 20, False), (8, 10, True), (9, 150, False),
              (20, 30, False), (22, 60, False), (25, 40, False)]  # fmt: skip
    pages = PageBreaks(100)
    for first, height, forced in blocks:
        pages.add(first, height, forced)
    assert pages.breaks == [6, 8, 9, 20, 25]


def test_refuses_a_row_already_written(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"), {"constant_memory": True})
    ws = wb.add_worksheet()
    rows = RowWriter(ws)
    rows.row(3, [("a", None)])
    with pytest.raises(ValueError):
        rows.row(2, [("b", None)])
    ws.write_string(5, 0, "c")
    with pytest.raises(ValueError):
        rows.row(5, [("d", None)])
    wb.close()


def _sheet_of_every_kind(wb: Any) -> None:
    """Cells of every kind, formats from the cell, the row and the column, rows with
    only a height or a comment, merged ranges, and more than one span of 16 rows."""
    ws = wb.add_worksheet("Ark")
    fmt = wb.add_format({"border": 1, "text_wrap": True})
    row_fmt = wb.add_format({"bold": True})
    ws.set_column(2, 2, 12, wb.add_format({"italic": True}))
    ws.set_column(5, 5, 30)  # a width without a format
    ws.set_row(3, 30, row_fmt)
    ws.set_row(4, 18)  # a height only, no cells
    for n, text in enumerate(AWKWARD, start=5):
        ws.write_string(n, 0, text, fmt)
        ws.write_string(n, 2, text)  # the column's format
        ws.write_number(n, 3, n * 1.25, fmt if n % 2 else None)
        ws.write_blank(n, 4, None, fmt)
    ws.write_string(3, 1, "rækkens format")
    ws.write_blank(3, 2, None, fmt)
    ws.write_number(3, 5, 7)  # the row's format, not the column's
    ws.write_datetime(2, 0, FIXED_TIME, wb.add_format({"num_format": "dd.mm.yyyy"}))
    ws.write_boolean(2, 1, True)
    ws.write_formula(2, 2, "=1+1", None, 2)
    ws.write_url(2, 3, "https://example.dk", string="link")
    ws.write_rich_string(2, 4, "a ", row_fmt, "fed", " tekst")
    ws.merge_range(0, 0, 0, 5, "overskrift & mere", fmt)
    ws.write_comment(40, 3, "en note i en ellers tom række")
    ws.write_string(60, 7, "langt nede", fmt)
    ws.write_number(61, 0, float("1e-20"))


def test_quick_sheets_write_the_bytes_xlsxwriter_writes(tmp_path: Path) -> None:
    parts = []
    for cls in (xlsxwriter.Workbook, QuickWorkbook):
        path = tmp_path / f"{cls.__name__}.xlsx"
        wb = cls(str(path), {"in_memory": True, "strings_to_formulas": False})
        wb.set_properties({"created": FIXED_TIME})
        _sheet_of_every_kind(wb)
        wb.close()
        with zipfile.ZipFile(path) as zf:
            parts.append({name: zf.read(name) for name in zf.namelist()})
    ours, theirs = parts[1], parts[0]
    assert ours.keys() == theirs.keys()
    for name in theirs:
        assert ours[name] == theirs[name], name


def test_shared_strings_are_the_bytes_xlsxwriter_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def write(path: Path) -> bytes:
        wb = xlsxwriter.Workbook(str(path), {"in_memory": True, "strings_to_formulas": False})
        wb.set_properties({"created": FIXED_TIME})
        ws = wb.add_worksheet()
        for n, text in enumerate(AWKWARD):
            ws.write_string(n, 0, text)
        ws.write_string(len(AWKWARD), 0, "<r><t>ligner rig tekst</t></r>")
        wb.close()
        with zipfile.ZipFile(path) as zf:
            return zf.read("xl/sharedStrings.xml")

    ours = write(tmp_path / "ours.xlsx")
    monkeypatch.setattr(SharedStrings, "_write_sst_strings", XLSXWRITER_SST_STRINGS)
    theirs = write(tmp_path / "theirs.xlsx")
    assert b"&lt;r&gt;&lt;t&gt;ligner" in ours  # text, never markup
    assert ours == theirs


def _deflated_size(data: bytes, level: int, deflate: Any = zlib) -> int:
    packer = deflate.compressobj(level, deflate.DEFLATED, -15)
    return len(packer.compress(data) + packer.flush())


def test_master_and_center_workbooks_are_zipped_fast_the_register_as_before(
    demo_result: DemoResult,
) -> None:
    """The master's and an issued workbook's parts are deflated at level 1 by ISA-L
    (FastZipWorkbook; the issued one is built in memory, where each part comes as a
    ZipInfo); the register, finance's own file, keeps zlib's default level."""
    isal_zlib = pytest.importorskip("isal.isal_zlib")  # installed on x86-64 (pyproject.toml)
    issued = sorted((demo_result.master.parent / "issued").glob("*.xlsx"))[0]
    register = demo_result.master.parents[2] / "register.xlsx"
    cases = (
        (demo_result.master, 1, isal_zlib),
        (issued, 1, isal_zlib),
        (register, zlib.Z_DEFAULT_COMPRESSION, zlib),
    )
    for path, level, deflate in cases:
        with zipfile.ZipFile(path) as archive:
            for part in archive.infolist():
                assert part.compress_type == zipfile.ZIP_DEFLATED
                size = _deflated_size(archive.read(part), level, deflate)
                assert part.compress_size == size, (path.name, part.filename)


def test_constant_memory_rows_copied_as_bytes_give_xlsxwriters_sheet(tmp_path: Path) -> None:
    """QuickCellsWorksheet copies a constant-memory sheet's rows into its XML as bytes
    (xlsxwriter decodes and encodes them again): the same parts, over several of its
    64 KB reads and with text of every width of UTF-8."""

    def book(path: Path, kind: type[xlsxwriter.Workbook]) -> dict[str, bytes]:
        wb = kind(str(path), {"constant_memory": True})
        wb.set_properties({"created": FIXED_TIME})
        for name in ("Første", "Tom"):
            ws = wb.add_worksheet(name)
            if name == "Første":
                for row in range(3000):
                    ws.write_row(row, 0, [f"æøå {row} 😀 ✓", row * 1.5, AWKWARD[row % 12]])
                ws.merge_range(3001, 0, 3001, 2, "flettet")
        wb.close()
        with zipfile.ZipFile(path) as zf:
            return {name: zf.read(name) for name in zf.namelist()}

    ours = book(tmp_path / "ours.xlsx", QuickWorkbook)
    theirs = book(tmp_path / "theirs.xlsx", xlsxwriter.Workbook)
    assert len(theirs["xl/worksheets/sheet1.xml"]) > 3 * 65536
    assert ours == theirs
