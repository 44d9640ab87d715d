"""Counts on the summary grid: the returns per center, smileys per center and per
section, and a native chart of them.

At any number of centers the summary stays what a committee reads. Up to
``CENTERS_LISTED`` centers it lists each one; with more it lists only the centers
whose return is not settled (everything but accepted), totals every center, and
says where the rest are: the sheets ``centers_sheet`` and ``center_counts_sheet``
hold the per-center tables whole. A round of 150 centers printed eight pages of
them before the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from sheetflow.master.list_sheet import SUMMARY_TOP
from sheetflow.master.styles import Styles
from sheetflow.master.summary import BUCKETS, Counts, MasterData, ReturnRow
from sheetflow.model import ECONOMY, MILESTONE
from sheetflow.xlsxutil import integer_axis, print_setup

# The summary's grid: the center or section, eight counts, then the flag table's fields.
SUMMARY_WIDTHS = [30] + [9] * 8 + [24, 8, 40]
KEEP_ROWS = 3  # a table's first rows printed on the page of its heading and columns
KEEP_WHOLE = 15  # a counts table of this many rows or fewer is printed on one page
CENTERS_LISTED = SUMMARY_TOP  # centers the summary lists one by one
# The returns table's state, after its six numbers: as wide as "uafklaret: flere afleveringer".
STATE_COLUMNS = (7, 10)
CHART_HEIGHT_PX = 300
CHART_BARS = 15  # bars a chart of CHART_HEIGHT_PX shows, each with its label
CHART_FRAME_PX, BAR_PX = 100, 13  # a taller chart: its title, axis and legend; each bar
ROW_PX = 20  # a row of Calibri 11, in the pixels a chart is sized in


def many_centers(data: MasterData) -> bool:
    """More centers than the summary lists one by one."""
    return len(data.returns) > CENTERS_LISTED


def returns_on_summary(
    ws: Worksheet, st: Styles, data: MasterData, t: dict[str, Any], keep: dict[int, int]
) -> int:
    """The returns table that opens the summary; its last row. With many centers: the
    unsettled ones (the first ``CENTERS_LISTED``), a total of all, and where all are.
    Files that count for no center are said below it: a trial's collect said "2
    afvist" where the table's one rejected return left the other file unaccounted."""
    row = _returns_on_summary(ws, st, data, t, keep)
    if data.stray_files:
        row += 1
        line = t["returns_stray"].format(count=data.stray_files, sheet=t["findings_sheet"])
        ws.write_string(row, 0, line, st.note)
    return row


def _returns_on_summary(
    ws: Worksheet, st: Styles, data: MasterData, t: dict[str, Any], keep: dict[int, int]
) -> int:
    if not many_centers(data):
        return returns_table(ws, st, t, 0, data.returns, keep)
    unsettled = [r for r in data.returns if not r.state.settled]
    sheet, count = t["centers_sheet"], len(data.returns)
    whole = (sheet, 2, 1 + count)  # the centers' sheet: heading, header, then its rows
    shown = unsettled[:CENTERS_LISTED]
    row = returns_table(ws, st, t, 0, shown, keep, every=data.returns, whole=whole)
    if not unsettled:
        note = t["returns_all_settled"].format(count=count, sheet=sheet)
    elif len(unsettled) > len(shown):
        note = t["returns_unsettled_more"].format(
            shown=len(shown), unsettled=len(unsettled), count=count, sheet=sheet
        )
    else:
        note = t["returns_unsettled"].format(shown=len(shown), count=count, sheet=sheet)
    ws.write_string(row + 1, 0, note, st.note)
    return row + 1


def returns_table(
    ws: Worksheet,
    st: Styles,
    t: dict[str, Any],
    row: int,
    shown: Sequence[ReturnRow],
    keep: dict[int, int],
    every: Sequence[ReturnRow] | None = None,
    whole: tuple[str, int, int] | None = None,
) -> int:
    """A row per center of ``shown`` and a total of ``every`` (default: ``shown``): a
    SUM of the rows above, or of the rows ``whole`` (sheet, first, last) where every
    center stands. Its heading is printed with its first rows (``keep``); its last row."""
    every = shown if every is None else every
    keep_from = row
    ws.write_string(row, 0, t["returns_heading"], st.heading)
    row += 1
    headers = [
        t["col_center"],
        t["col_issued"],
        t["col_returned"],
        t["col_accepted"],
        t["col_rejected"],
        t["col_no_answers"],
        t["col_superseded"],
    ]
    ws.write_row(row, 0, headers, st.header)
    # The state spans four grid columns: "godkendt med bemærkninger" ran past one.
    ws.merge_range(row, STATE_COLUMNS[0], row, STATE_COLUMNS[1], t["col_state"], st.header_line)
    first = row + 1
    for r in shown:
        row += 1
        ws.write_string(row, 0, r.center, st.cell)
        for col, value in enumerate(r.counts, start=1):
            ws.write_number(row, col, value, st.number)
        state = t["state_" + r.state.value.replace("-", "_")]
        ws.merge_range(row, STATE_COLUMNS[0], row, STATE_COLUMNS[1], state, st.cell_line)
    row += 1
    label = t["total"] if whole is None else t["total_all"].format(count=len(every))
    ws.write_string(row, 0, label, st.total_label)
    for col in range(1, len(headers)):
        total = sum(r.counts[col - 1] for r in every)
        if whole is None:
            cells = _range(first, row - 1, col)
        else:
            cells = f"'{whole[0]}'!{_range(whole[1], whole[2], col)}" if every else None
        _sum_formula(ws, row, col, cells, total, st.total)
    keep[keep_from] = min(row, first + KEEP_ROWS - 1)
    return row


def _range(first: int, last: int, col: int) -> str | None:
    """A1:A9 of rows ``first``..``last`` (0-based) of a column; None when empty."""
    if last < first:
        return None
    return f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)}"


def _sum_formula(
    ws: Worksheet, row: int, col: int, cells: str | None, value: int, fmt: Any
) -> None:
    """=SUM(cells) with its cached value, so LibreOffice shows it without recalculating."""
    if cells is None:
        ws.write_number(row, col, 0, fmt)
        return
    ws.write_formula(row, col, f"=SUM({cells})", fmt, value)


def smiley_counts(
    wb: xlsxwriter.Workbook,
    ws: Worksheet,
    st: Styles,
    data: MasterData,
    t: dict[str, Any],
    row: int,
    keep: dict[int, int],
) -> int:
    """Smileys per center (with many centers: where they are) and per section, with a
    chart; the last row written.

    The chart draws the centers when its height labels every bar (``CHART_BARS``),
    else the sections, after their table: a round of 150 centers drew bars two
    pixels high with every tenth name. The chart and each table's heading with its
    first rows are printed on one page (``keep``): the sample's chart lost its last
    bar and legend to the next page, and a chart of 150 centers ran over two.
    """
    centers = _center_groups(data)
    labels = {s.number: s.label for s in data.register.sections}
    sections = [(labels.get(n, n), c) for n, c in data.by_section.items()]
    by_section = (t["counts_by_section"], t["col_section"])
    if many_centers(data):
        row += 2
        note = t["counts_elsewhere"].format(count=len(centers), sheet=t["center_counts_sheet"])
        ws.write_string(row, 0, note, st.note)
    else:
        by_center = (t["counts_by_center"], t["col_center"])
        row, center_rows = counts_table(ws, st, t, row + 2, *by_center, centers, keep)
        if len(centers) <= CHART_BARS:
            row = _chart(wb, ws, t, center_rows, _largest(centers), t["chart_title"], keep) + 1
            row, _ = counts_table(ws, st, t, row, *by_section, sections, keep)
            return row
    row, section_rows = counts_table(ws, st, t, row + 2, *by_section, sections, keep)
    return _chart(wb, ws, t, section_rows, _largest(sections), t["chart_title_sections"], keep)


def write_centers_sheets(
    wb: xlsxwriter.Workbook,
    st: Styles,
    data: MasterData,
    t: dict[str, Any],
    footer: tuple[str, str, str],
) -> None:
    """Every center's returns, and every center's smileys, each table on a sheet of
    its own for a round of more centers than the summary lists; the summary's totals
    add up the first. Each prints with its column rows on every page and breaks
    where the page is full (one sheet of both tables broke its pages by an estimate
    and had no column rows after the first page)."""
    ws = grid_sheet(wb, t["centers_sheet"], STATE_COLUMNS[1] + 1)
    returns_table(ws, st, t, 0, data.returns, {})
    ws.repeat_rows(1)
    print_setup(ws, *footer)
    if data.smileys:
        ws = grid_sheet(wb, t["center_counts_sheet"], 9)
        by_center = (t["counts_by_center"], t["col_center"])
        counts_table(ws, st, t, 0, *by_center, _center_groups(data), {})
        ws.repeat_rows(1, 2)
        print_setup(ws, *footer)


def grid_sheet(wb: xlsxwriter.Workbook, name: str, columns: int) -> Worksheet:
    """A sheet on the summary's grid, its first ``columns`` columns."""
    ws = wb.add_worksheet(name)
    for col, width in enumerate(SUMMARY_WIDTHS[:columns]):
        ws.set_column(col, col, width)
    return ws


def _center_groups(data: MasterData) -> list[tuple[str, Counts]]:
    return [(c, data.by_center[c]) for c in data.by_center]


def _largest(groups: list[tuple[str, Counts]]) -> int:
    """The longest bar: the most milestones of one group."""
    return max((sum(c.row(MILESTONE)) for _, c in groups), default=0)


def counts_table(
    ws: Worksheet,
    st: Styles,
    t: dict[str, Any],
    row: int,
    heading: str,
    first_header: str,
    groups: list[tuple[str, Counts]],
    keep: dict[int, int],
) -> tuple[int, tuple[int, int]]:
    """Rows: one per group; columns: milestone buckets then economy buckets. The
    heading is printed with its two header rows and the first rows (``keep``): at 150
    centers "Smileys pr. afsnit" and its headers stood alone at a page's foot."""
    heading_row = row
    ws.write_string(row, 0, heading, st.heading)
    row += 1
    bucket_headers = [t["col_green"], t["col_yellow"], t["col_red"], t["col_unrated"]]
    ws.write_string(row, 0, "", st.header)
    ws.merge_range(row, 1, row, 4, t["milestones"], st.header)
    ws.merge_range(row, 5, row, 8, t["economy"], st.header)
    row += 1
    ws.write_row(row, 0, [first_header, *bucket_headers, *bucket_headers], st.header)
    first = row + 1
    for label, counts in groups:
        row += 1
        ws.write_string(row, 0, label, st.cell)
        for col, value in enumerate(counts.row(MILESTONE) + counts.row(ECONOMY), start=1):
            ws.write_number(row, col, value, st.number)
    row += 1
    ws.write_string(row, 0, t["total"], st.total_label)
    for col in range(1, 9):
        kind = MILESTONE if col <= 4 else ECONOMY
        total = sum(c.row(kind)[(col - 1) % 4] for _, c in groups)
        _sum_formula(ws, row, col, _range(first, row - 1, col), total, st.total)
    # A short table (the sections) is printed whole; a long one with its first rows.
    whole = len(groups) <= KEEP_WHOLE
    keep[heading_row] = row if whole else min(row, first + KEEP_ROWS - 1)
    return row, (first, row - 1)


def _chart(
    wb: xlsxwriter.Workbook,
    ws: Worksheet,
    t: dict[str, Any],
    rows: tuple[int, int],
    largest: int,
    title: str,
    keep: dict[int, int],
) -> int:
    """A native stacked bar chart of the milestone counts in the table ``rows``
    (``largest``: the longest bar, for whole-number ticks), kept on one printed page
    (``keep``); the row after it (the table's own last row when there is nothing to
    chart). More bars than ``CHART_BARS`` make it taller, so each keeps its label."""
    first, last = rows
    if last < first:
        return last + 1
    chart = wb.add_chart({"type": "bar", "subtype": "stacked"})
    colours = {"green": "#63BE7B", "yellow": "#FFD966", "red": "#F8696B", "unrated": "#BFBFBF"}
    sheet = ws.get_name()
    for offset, bucket in enumerate(BUCKETS):
        col = 1 + offset
        chart.add_series(
            {
                "name": [sheet, first - 1, col],
                "categories": [sheet, first, 0, last, 0],
                "values": [sheet, first, col, last, col],
                "fill": {"color": colours[bucket]},
                "border": {"none": True},
            }
        )
    chart.set_title({"name": f"{title} ({t['milestones']})", "name_font": {"size": 11}})
    chart.set_y_axis({"reverse": True})
    chart.set_x_axis(integer_axis(largest))  # a bar chart's value axis is its x axis
    chart.set_legend({"position": "bottom"})
    bars = last - first + 1
    height = max(CHART_HEIGHT_PX, CHART_FRAME_PX + bars * BAR_PX)
    chart.set_size({"width": 900, "height": height})
    top = last + 3
    ws.insert_chart(top, 0, chart)
    bottom = top + height // ROW_PX
    keep[top] = bottom
    return bottom + 1
