"""Small helpers shared by every workbook sheetflow writes with xlsxwriter."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import shutil
import tempfile
import zipfile
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.exceptions import OverlappingRange
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.utility import _preserve_whitespace, xl_range
from xlsxwriter.worksheet import Worksheet

from sheetflow import __version__
from sheetflow.smiley import SYMBOLS, Smiley

# Fixed document times make the same inputs give the same bytes.
FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)

FORMULA_PREFIXES = ("=", "+", "-", "@")
# A tab, carriage return or line break before the sign still makes a formula.
_BEFORE_SIGN = " \t\r\n"
# The only first characters a formula-like text can have: most texts are decided by
# their first character (a million values a ratings.csv).
_FORMULA_START = frozenset("".join(FORMULA_PREFIXES) + _BEFORE_SIGN)


_isal_zlib: Any
try:  # ISA-L's deflate: wheels for x86-64 Linux, macOS and Windows (pyproject.toml)
    from isal import isal_zlib as _isal_zlib
except ImportError:  # elsewhere zlib, at the same level
    _isal_zlib = None

# The deflate level of the workbook being stored in this thread; None is zlib's
# default, which the register and the exports keep.
_ZIP_LEVEL: ContextVar[int | None] = ContextVar("sheetflow_zip_level", default=None)
# The level at which ISA-L deflates instead of zlib: the fast one.
ISAL_LEVEL = 1


class _LeveledZipFile(zipfile.ZipFile):
    """xlsxwriter's zip file, at the level the storing workbook asked for; at level 1
    deflated by ISA-L where it is installed. The master's 82 MB of sheet XML at
    N = 200: zlib 0.83 s for 12.1 MB, ISA-L 0.14 s for 11.3 MB. Any deflate stream
    is a valid .xlsx part; the same input gives the same bytes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compresslevel", _ZIP_LEVEL.get())
        super().__init__(*args, **kwargs)

    def open(
        self,
        name: str | zipfile.ZipInfo,
        mode: str = "r",
        pwd: bytes | None = None,
        *,
        force_zip64: bool = False,
    ) -> Any:
        handle: Any = super().open(name, mode, pwd, force_zip64=force_zip64)  # type: ignore[arg-type]
        if mode == "w" and _isal_zlib is not None:
            info = handle._zinfo
            level = info._compresslevel
            if info.compress_type == zipfile.ZIP_DEFLATED and level == ISAL_LEVEL:
                # Before any byte is written: zipfile made a zlib one (_ZipWriteFile).
                handle._compressor = _isal_zlib.compressobj(
                    level, _isal_zlib.DEFLATED, -_isal_zlib.MAX_WBITS
                )
        return handle

    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: Any,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        # A workbook built in memory gives each part as a ZipInfo (for its fixed
        # date), which otherwise keeps zlib's default level whatever the file's is.
        if compresslevel is None:
            compresslevel = self.compresslevel
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)


# xlsxwriter (pinned <3.4) names ZipFile once, in _store_workbook, and offers no
# level; this is the one place it is given one.
xlsxwriter.workbook.ZipFile = _LeveledZipFile


def _plain_si(self: SharedStrings, string: str) -> None:
    """A shared string that looks like rich text ("<r>…</r>"), written as the text it is."""
    self._xml_si_element(
        string, [("xml:space", "preserve")] if _preserve_whitespace(string) else []
    )


def _plain_inline(self: Worksheet, string: str, attributes: list[tuple[str, Any]]) -> None:
    """The same for a constant-memory sheet's inline string."""
    self._xml_inline_string(string, _preserve_whitespace(string), attributes)


# xlsxwriter writes any text that starts with "<r>" and ends with "</r>" into the
# file unescaped, as rich-text markup, both as a shared string and (in the master's
# constant-memory mode) inline. sheetflow never writes rich text, and such text may
# be a center's comment: unescaped, it could add cells to the committee's master or
# garble the next round's workbooks (tests/test_hostile.py). So it is always text.
SharedStrings._xml_rich_si_element = _plain_si
Worksheet._xml_rich_inline_string = _plain_inline


# Options for a workbook small enough to build in memory (a center's workbook, the
# register): xlsxwriter otherwise stages every part in the system's temporary
# folder while it zips them, and a write interrupted there (Ctrl-C during issue)
# left a center's sheets behind in it.
IN_MEMORY: dict[str, Any] = {"strings_to_formulas": False, "in_memory": True}


@contextlib.contextmanager
def scratch_folder() -> Iterator[str]:
    """A folder of one write's own for xlsxwriter's temporary files (the master's
    row files in constant-memory mode), removed however the write ends."""
    with tempfile.TemporaryDirectory(prefix="sheetflow-", ignore_cleanup_errors=True) as folder:
        yield folder


class QuickCellsWorksheet(Worksheet):
    """A worksheet whose cells are turned into XML faster, with the same bytes.

    xlsxwriter writes each stored cell through a general routine (the cell's type
    by class name, a list of attributes, each escaped) that was a third of the
    time a center's workbook takes (2,000 cells; issue writes one per center).
    Text, blank and number cells, nearly all there are, are written here
    directly; any other kind goes through xlsxwriter as before.
    tests/test_rowwriter.py compares whole workbooks written both ways. The
    master's constant-memory sheets are not written here (see RowWriter).
    """

    def _write_optimized_sheet_data(self) -> None:
        """A constant-memory sheet's rows copied into the sheet's XML file as bytes:
        xlsxwriter reads them back as text and writes them again (decoded and
        encoded: the master's 82 MB at N = 200 cost 0.6 s of its close)."""
        sheet = self.fh
        if self.dim_rowmin is None or not isinstance(sheet, io.TextIOWrapper):
            super()._write_optimized_sheet_data()
            return
        self._xml_start_tag("sheetData")
        self.row_data_fh.close()
        sheet.flush()
        with open(self.row_data_filename, "rb") as rows:
            shutil.copyfileobj(rows, sheet.buffer, 1 << 20)
        os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")

    def _write_rows(self) -> None:
        if self.constant_memory:
            super()._write_rows()
            return
        self._calculate_spans()
        styles: dict[int, str] = {}
        letters = [col_letter(col) for col in range(self.dim_colmax + 1)]
        for row in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = self.table.get(row)
            info = self.row_info.get(row)
            if not cells and info is None and row not in self.comments:
                continue
            span = self.row_spans.get(row // 16)
            if cells:
                self._write_row(row, span, info)
                self._write_cells(row, cells, info, letters, styles)
                self.fh.write("</row>")
            else:
                self._write_empty_row(row, span, info)

    def _calculate_spans(self) -> None:
        """Each 16-row block's first and last used column (cells and comments): what
        xlsxwriter finds by visiting every column of every row, from the used ones."""
        if self.constant_memory:
            super()._calculate_spans()
            return
        used: dict[int, tuple[int, int]] = {}
        for source in (self.table, self.comments):
            for row, cols in source.items():
                if not cols:  # a row xlsxwriter's table only looked up
                    continue
                # Every stored cell and comment widened the sheet's dimensions.
                lo, hi = min(cols), max(cols)
                block = used.get(row // 16)
                if block is not None:
                    lo, hi = min(lo, block[0]), max(hi, block[1])
                used[row // 16] = (lo, hi)
        self.row_spans = {block: f"{lo + 1}:{hi + 1}" for block, (lo, hi) in used.items()}

    def _write_cells(
        self, row: int, cells: dict[int, Any], info: Any, letters: list[str], styles: dict[int, str]
    ) -> None:
        """One row's cells, in column order, as ``_write_cell`` writes them."""
        number = row + 1
        out: list[str] = []
        for col in sorted(cells):
            if not self.dim_colmin <= col <= self.dim_colmax:
                continue
            cell = cells[col]
            kind = type(cell).__name__
            if kind not in _QUICK_KINDS:
                self.fh.write("".join(out))
                out.clear()
                self._write_cell(row, col, cell)
                continue
            fmt = cell.format or (info.row_format if info is not None else None)
            if fmt:
                key = id(fmt)
                s = styles.get(key)
                if s is None:
                    s = styles[key] = f' s="{fmt._get_xf_index()}"'
            else:
                s = self._column_style(col)
            ref = f"{letters[col]}{number}"
            if kind == "String":
                out.append(f'<c r="{ref}"{s} t="s"><v>{cell.string}</v></c>')
            elif kind == "Blank":
                out.append(f'<c r="{ref}"{s}/>')
            else:
                out.append(f'<c r="{ref}"{s}><v>{cell.number:.16G}</v></c>')
        self.fh.write("".join(out))

    def _column_style(self, col: int) -> str:
        info = self.col_info.get(col)
        if info is None or info.column_format is None:
            return ""
        return f' s="{info.column_format._get_xf_index()}"'


# The cell kinds QuickCellsWorksheet writes itself (xlsxwriter's cell tuples' names).
_QUICK_KINDS = frozenset({"String", "Blank", "Number", "Datetime"})


class QuickWorkbook(xlsxwriter.Workbook):
    """A workbook whose ordinary sheets are QuickCellsWorksheets."""

    worksheet_class = QuickCellsWorksheet


class FastZipWorkbook(QuickWorkbook):
    """A workbook zipped at deflate level 1, for the two sheetflow writes by the
    thousand. The master: its 80 MB of sheet XML at N = 200 take 1.8 s at zlib's
    default level, 0.8 s at zlib's level 1 and 0.14 s at ISA-L's (files of 9.7,
    12.1 and 11.3 MB). A center's workbook: 1.5 instead of 4.4 ms of its ~30 at
    zlib's level 1. Same bytes every time."""

    ZIP_LEVEL = ISAL_LEVEL

    def _store_workbook(self) -> None:
        token = _ZIP_LEVEL.set(self.ZIP_LEVEL)
        try:
            super()._store_workbook()
        finally:
            _ZIP_LEVEL.reset(token)


def col_letter(col: int) -> str:
    """0-based column index to letters (0 → A, 26 → AA)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def set_fixed_properties(wb: xlsxwriter.Workbook, *, title: str, subject: str = "") -> None:
    """Document properties that do not change from run to run."""
    wb.set_properties(
        {
            "title": title,
            "subject": subject,
            "author": "sheetflow",
            "company": "",
            "comments": f"sheetflow {__version__}",
            "created": FIXED_TIME,
        }
    )
    wb.set_calc_mode("auto")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read the text as a formula or DDE link."""
    if not text or text[0] not in _FORMULA_START:
        return False
    return text.lstrip(_BEFORE_SIGN).startswith(FORMULA_PREFIXES)


COLOURS = {
    Smiley.GREEN: ("#C6EFCE", "#006100"),
    Smiley.YELLOW: ("#FFEB9C", "#9C5700"),
    Smiley.RED: ("#FFC7CE", "#9C0006"),
}


def smiley_formats_for(wb: xlsxwriter.Workbook) -> dict[Smiley, Any]:
    """One fill-and-font format per smiley colour."""
    return {s: wb.add_format({"bg_color": bg, "font_color": fg}) for s, (bg, fg) in COLOURS.items()}


def add_smiley_colours(ws: Worksheet, formats: dict[Smiley, Any], rng: str) -> None:
    """Conditional formatting: ☺ green, 😐 yellow, ☹ red, in Excel and LibreOffice."""
    for smiley, fmt in formats.items():
        ws.conditional_format(
            rng, {"type": "cell", "criteria": "==", "value": f'"{SYMBOLS[smiley]}"', "format": fmt}
        )


def footer_text(text: str) -> str:
    """Escape a value for an Excel header/footer (& starts a code there)."""
    return text.replace("&", "&&")


def print_setup(ws: Worksheet, left: str, centre: str, page: str, header: str = "") -> None:
    """A4 landscape, one page wide, with a footer (left, centre, page numbers)."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    if header:
        ws.set_header(f"&L{footer_text(header)}")
    ws.set_footer(f"&L{footer_text(left)}&C{footer_text(centre)}&R{page}")


# A4 landscape with print_setup's margins (0.5" sides, 0.75" top and bottom).
PRINT_WIDTH_PT = 297 / 25.4 * 72 - 72
PRINT_HEIGHT_PT = 210 / 25.4 * 72 - 108 - 24  # less header and footer lines
CHAR_PT = 5.6  # points per unit of column width (Calibri 11, with padding)


def page_room(widths: Sequence[float], repeated_height: float = 0.0) -> float:
    """Unscaled points of rows that fit on one page when printed one page wide."""
    scale = min(1.0, PRINT_WIDTH_PT / max(sum(widths) * CHAR_PT, 1.0))
    return PRINT_HEIGHT_PT / scale - repeated_height


class PageBreaks:
    """Rows to break before, found as blocks are written (first row, height, forced
    break before it): pages filled with whole blocks; a block taller than a page
    starts a page of its own. Only the breaks are held, not every block."""

    def __init__(self, room: float) -> None:
        self.room = room
        self.breaks: list[int] = []
        self._used = 0.0

    def add(self, first: int, height: float, forced: bool) -> None:
        if self._used and (forced or self._used + height > self.room):
            self.breaks.append(first)
            self._used = 0.0
        self._used += height


def greedy_breaks(blocks: Iterable[tuple[int, float, bool]], room: float) -> list[int]:
    """``PageBreaks`` of blocks (first row, height, forced break before it)."""
    pages = PageBreaks(room)
    for first, height, forced in blocks:
        pages.add(first, height, forced)
    return pages.breaks


def write_smiley_guide(
    ws: Worksheet,
    row: int,
    texts: dict[str, dict[str, Any]],
    formats: tuple[Any, Any, Any],
    colours: dict[Smiley, Any],
) -> int:
    """The reading guide's smiley definitions (milestones, then economy) from ``row``,
    in columns A (coloured smiley) and B (definition); returns the next free row.

    ``formats`` are (heading, smiley cell, definition text)."""
    heading_fmt, smiley_fmt, text_fmt = formats
    guide, words = texts["guide"], texts["smileys"]
    for heading, kind in (
        (guide["milestones_heading"], "milestone"),
        (guide["economy_heading"], "economy"),
    ):
        row += 1
        ws.write_string(row, 0, heading, heading_fmt)
        row += 1
        for smiley in Smiley:
            ws.write_string(row, 0, f"{smiley.symbol}  {words[smiley.value]}", smiley_fmt)
            ws.write_string(row, 1, words[f"{kind}_{smiley.value}"], text_fmt)
            ws.set_row(row, 20)
            row += 1
    add_smiley_colours(ws, colours, f"A1:A{row}")
    return row


def integer_axis(largest: int, most_ticks: int = 10) -> dict[str, Any]:
    """xlsxwriter options for a value axis of counts: from 0, whole numbers only,
    a step of 1, 2 or 5 times a power of ten that gives at most ``most_ticks`` steps
    (left to itself, a chart of small counts ticks at 0.5, 1.5 …)."""
    power = 1
    while True:
        for factor in (1, 2, 5):
            if largest <= factor * power * most_ticks:
                return {"min": 0, "major_unit": factor * power, "num_format": "0"}
        power *= 10


RELEASE_EVERY = 512  # rows between two releases of a long sheet's written rows


def release_written_rows(ws: Worksheet, start: int = 0) -> None:
    """Forget xlsxwriter's bookkeeping of rows ``start``.. it has already written.

    In constant-memory mode xlsxwriter writes each finished row to its temporary
    file, yet keeps every row's height (``set_row``) and every merged cell in
    dicts until the workbook closes: at 300,000 rows that is most of the memory
    a master takes. Those entries are only read while the row is written (and,
    for rows under a chart, to place it), so rows from ``start`` on that are
    written may go; the workbook's bytes do not change. Rows above ``start`` are
    kept for a chart anchored there. A no-op in the normal (in-memory) mode.
    """
    written = getattr(ws, "previous_row", 0)
    if not getattr(ws, "constant_memory", False) or written <= start:
        return
    for table in (ws.row_info, ws.row_sizes):
        for row in [r for r in table if start <= r < written]:
            del table[row]
    merged = ws.merged_cells
    for cell in [c for c in merged if start <= c[0] < written]:
        del merged[cell]


# Characters xlsxwriter changes before writing text inline: XML's special ones,
# control characters and the two non-characters. One character class, so the
# search is a fast scan (an alternation with anchors cost 0.8 s of a master).
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPE_LIKE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")


def inline_text(value: str) -> str:
    """The ``<t>`` element xlsxwriter writes for text in a constant-memory sheet:
    _xHHHH_ escapes for control characters and for text that looks like one, the
    non-characters escaped the same way, xml:space="preserve" for whitespace at
    either end, and &, <, > as entities (never rich-text markup, see above)."""
    text = value
    if "_x" in text:
        text = _ESCAPE_LIKE.sub(r"_x005F\1", text)
    if _SPECIAL.search(text):
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text[:1].isspace() or text[-1:].isspace():
        return f'<t xml:space="preserve">{text}</t>'
    return f"<t>{text}</t>"


def _quick_sst_strings(self: SharedStrings) -> None:
    """The shared strings table with each ``<si>`` as xlsxwriter writes it (escapes,
    whitespace kept, never rich text: see above), from ``inline_text``. xlsxwriter
    runs four regular expressions over every string; a center's workbook has 600,
    and issue writes one workbook a center."""
    self.fh.write("".join([f"<si>{inline_text(s)}</si>" for s in self.string_table.string_array]))


# xlsxwriter's own, for tests/test_rowwriter.py to compare with.
XLSXWRITER_SST_STRINGS = SharedStrings._write_sst_strings
SharedStrings._write_sst_strings = _quick_sst_strings


class MergeRanges:
    """A worksheet's merged ranges as xlsxwriter lists them at close (``ws.merge``),
    four numbers each in one array: a list of four-number lists held 7.5 MB for the
    80,000 merged rows of a master at 1,000 centers, which must stay until the
    sheet is closed."""

    __slots__ = ("_numbers",)

    def __init__(self, ranges: Iterable[Sequence[int]] = ()) -> None:
        self._numbers = array("L")
        for merged in ranges:
            self.append(merged)

    def append(self, merged: Sequence[int]) -> None:
        """(first row, first column, last row, last column)."""
        self._numbers.extend(merged)

    def __len__(self) -> int:
        return len(self._numbers) // 4

    def __iter__(self) -> Iterator[list[int]]:
        numbers = self._numbers
        for i in range(0, len(numbers), 4):
            yield list(numbers[i : i + 4])


class RowWriter:
    """Writes whole rows of a constant-memory worksheet as one piece of XML each.

    xlsxwriter costs about 16 µs a cell (argument checks, a cell object, then
    escaping and attribute building when the row is flushed); a long master
    sheet is a million cells. This writes each finished row straight into the
    sheet's row file with the very bytes xlsxwriter writes for the same cells
    (tests/test_rowwriter.py compares them), and keeps xlsxwriter's row
    bookkeeping (its last written row, the sheet's dimensions) as it would.
    Rows go in order; cells written the ordinary way may come before and after.
    Where the sheet is not in constant-memory mode, or ``fast`` is false, each
    cell is written the ordinary way.
    """

    def __init__(self, ws: Worksheet, fast: bool | None = None) -> None:
        self.ws = ws
        self.fast = bool(getattr(ws, "constant_memory", False)) if fast is None else fast
        self._style: dict[int, str] = {}
        self._letters: list[str] = []
        self._done = -1  # the last row this wrote

    def _s(self, fmt: Any, col: int) -> str:
        """The ``s="n"`` attribute xlsxwriter gives a cell: its own format's, else
        its column's, else none."""
        if fmt is None:
            info = self.ws.col_info.get(col)
            fmt = info.column_format if info is not None else None
            if fmt is None:
                return ""
        key = id(fmt)
        attr = self._style.get(key)
        if attr is None:
            attr = self._style[key] = f' s="{fmt._get_xf_index()}"'
        return attr

    def row(
        self,
        row: int,
        cells: Sequence[tuple[str | float | None, Any]],
        height: float | None = None,
        first_col: int = 0,
    ) -> None:
        """Row ``row`` from column ``first_col``: (value, format) per cell; a str is
        written as text, a number as a number, None as a formatted blank."""
        if not self.fast:
            self._row_slowly(row, cells, height, first_col)
            return
        ws = self.ws
        if ws.table.get(row) or row < ws.previous_row or row <= self._done:
            raise ValueError(f"row {row} is already written or holds other cells")
        if not cells:
            if height is not None:
                ws.set_row(row, height)
            return
        last_col = first_col + len(cells) - 1
        if ws._check_dimensions(row, first_col) or ws._check_dimensions(row, last_col):
            raise ValueError(f"row {row} is outside the sheet")
        if row > ws.previous_row:
            ws._write_single_row(row)  # flush the ordinary row before this one
        self._row_tag(row, height)
        number = row + 1
        letters = self._letters
        while len(letters) <= last_col:
            letters.append(col_letter(len(letters)))
        styles, most = self._style, ws.xls_strmax // 2
        out = []
        for col, (value, fmt) in enumerate(cells, start=first_col):
            ref = f"{letters[col]}{number}"
            s = styles.get(id(fmt)) if fmt is not None else None
            if s is None:
                s = self._s(fmt, col)
            if isinstance(value, str):
                if len(value) > most:  # xlsxwriter's own checks (and truncation)
                    out.append(self._careful(row, col, value, fmt))
                else:
                    out.append(f'<c r="{ref}"{s} t="inlineStr"><is>{inline_text(value)}</is></c>')
            elif value is None:
                if fmt is not None:  # xlsxwriter leaves out a blank without a format
                    out.append(f'<c r="{ref}"{s}/>')
            else:
                out.append(f'<c r="{ref}"{s}><v>{value:.16G}</v></c>')
        out.append("</row>")
        ws.fh.write("".join(out))
        # As after xlsxwriter's own flush: this row is the last one begun, with
        # nothing left in its table, so the next flush writes nothing for it.
        self._done = row

    def _row_tag(self, row: int, height: float | None) -> None:
        """The ``<row>`` start tag xlsxwriter writes after ``set_row(row, height)``,
        written directly in the plain case (no row format, default heights as
        created); otherwise by xlsxwriter itself."""
        ws = self.ws
        pixels = ws.default_row_height if height is None else int(height * 4.0 / 3.0 + 0.5)
        plain = (
            row not in ws.row_info
            and pixels
            and ws.default_row_height == ws.original_row_height
            and ws.excel_version != 2010
        )
        if not plain:
            if height is not None:
                ws.set_row(row, height)
            ws._write_row(row, None, ws.row_info.pop(row, None))
            return
        if height is not None:
            ws.row_sizes[row] = [pixels, False]  # as set_row keeps it, for charts
        if pixels == ws.original_row_height:
            ws.fh.write(f'<row r="{row + 1}">')
        else:
            ws.fh.write(f'<row r="{row + 1}" ht="{pixels * 0.75:.16g}" customHeight="1">')

    def merged(
        self,
        row: int,
        first_col: int,
        last_col: int,
        value: str,
        fmt: Any,
        height: float | None = None,
    ) -> None:
        """Row ``row`` as one text merged across ``first_col``..``last_col``, the same
        bytes as ``merge_range`` (an empty text is a formatted blank, as there)."""
        ws = self.ws
        converts = ws.strings_to_formulas or ws.strings_to_urls or ws.strings_to_numbers
        if not self.fast or converts or last_col <= first_col:
            ws.merge_range(row, first_col, row, last_col, value, fmt)
            if height is not None:
                ws.set_row(row, height)
            return
        cell_range = xl_range(row, first_col, row, last_col)
        cells = [(row, col) for col in range(first_col, last_col + 1)]
        for cell in cells:
            earlier = ws.merged_cells.get(cell) or getattr(ws, "table_cells", {}).get(cell)
            if earlier:
                raise OverlappingRange(f"Merge range '{cell_range}' overlaps '{earlier}'.")
        blanks: list[tuple[str | float | None, Any]] = [(None, fmt)] * (last_col - first_col)
        self.row(row, [(value or None, fmt), *blanks], height, first_col)
        for cell in cells:
            ws.merged_cells[cell] = cell_range
        if not isinstance(ws.merge, MergeRanges):
            ws.merge = MergeRanges(ws.merge)
        ws.merge.append((row, first_col, row, last_col))

    def _careful(self, row: int, col: int, value: str, fmt: Any) -> str:
        """One cell's XML the way xlsxwriter writes it (text that needs escaping)."""
        ws = self.ws
        saved_fh, saved_table = ws.fh, ws.table
        buffer = io.StringIO()
        try:
            ws.fh = buffer
            ws.table = defaultdict(dict)
            ws._write_string(row, col, value, fmt)
            ws._write_cell(row, col, ws.table[row][col])
        finally:
            ws.fh, ws.table = saved_fh, saved_table
        return buffer.getvalue()

    def _row_slowly(
        self,
        row: int,
        cells: Sequence[tuple[str | float | None, Any]],
        height: float | None,
        first_col: int,
    ) -> None:
        ws = self.ws
        for offset, (value, fmt) in enumerate(cells):
            col = first_col + offset
            if isinstance(value, str):
                ws.write_string(row, col, value, fmt)
            elif value is None:
                ws.write_blank(row, col, None, fmt)
            else:
                ws.write_number(row, col, value, fmt)
        if height is not None:
            ws.set_row(row, height)
