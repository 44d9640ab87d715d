"""A whole list of items (flags, changes, red in a row) on a sheet of its own.

The summary shows a list's first ``SUMMARY_TOP`` rows; a longer list is written
here in full, one plain row per item: no merged cells, a filter on the header row, the
header repeated on every printed page. Each row gets the height its wrapped
text needs, because LibreOffice keeps an .xlsx row's stored height when it
opens or prints the file and would draw long comments over the next row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from sheetflow.issue.layout import text_height
from sheetflow.master.styles import Styles
from sheetflow.xlsxutil import (
    RELEASE_EVERY,
    RowWriter,
    add_smiley_colours,
    print_setup,
    release_written_rows,
)

SUMMARY_TOP = 25
# number and title, flag/change, center, milestone, deadline, smiley, comment
LIST_WIDTHS = [28, 16, 20, 40, 20, 8, 46]


@dataclass(frozen=True)
class ItemList:
    """One list of the summary: its heading, the sheet a long one goes to, the
    header row, how many rows and how to make them (seven fields each, made anew
    for each pass: 112,000 rows of flags and changes at N = 1000 were 50 MB held
    through the summary), the text when it is empty, and which field holds a smiley
    (coloured), if any. A count is an int in the rows, written as a number as the
    summary writes it (``summary_sheet._spread``): a count stored as text is one
    Excel marks and cannot sort or sum."""

    heading: str
    sheet: str
    headers: list[str]
    count: int
    make_rows: Callable[[], Iterable[list[str | int]]]
    empty: str
    smiley_col: int | None = None

    def rows(self, first: int | None = None) -> Iterator[list[str | int]]:
        """The rows in order; only the first ``first`` when given."""
        return islice(self.make_rows(), first)


def write_list(
    wb: xlsxwriter.Workbook, st: Styles, items: ItemList, footer: tuple[str, str, str]
) -> None:
    """The whole list on the sheet ``items.sheet``, filterable, printed one page wide."""
    ws = wb.add_worksheet(items.sheet)
    for col, width in enumerate(LIST_WIDTHS):
        ws.set_column(col, col, width)
    ws.write_row(0, 0, items.headers, st.header)
    writer = RowWriter(ws)
    formats = [st.smiley if col == items.smiley_col else st.cell for col in range(len(LIST_WIDTHS))]
    number = st.number
    for row, values in enumerate(items.rows(), start=1):
        cells: list[tuple[str | float | None, Any]] = [
            (v, number if isinstance(v, int) else fmt)
            for v, fmt in zip(values, formats, strict=True)
        ]
        writer.row(row, cells, _height(values))
        if row % RELEASE_EVERY == 0:
            release_written_rows(ws, 1)
    last = items.count
    ws.autofilter(0, 0, last, len(items.headers) - 1)
    if items.smiley_col is not None:
        col = xl_col_to_name(items.smiley_col)
        add_smiley_colours(ws, st.smileys, f"{col}2:{col}{last + 1}")
    ws.repeat_rows(0)
    ws.freeze_panes(1, 0)
    print_setup(ws, *footer)


def _height(values: list[str | int]) -> float:
    """The row height that shows every field's wrapped text."""
    return max(text_height(str(v), w) for v, w in zip(values, LIST_WIDTHS, strict=True))
