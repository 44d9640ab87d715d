"""The summary sheet: returns per center, smiley counts per center and section with a
native chart, the flagged items and what changed since the previous round.

What a committee reads stays on one sheet at any scale: each list shows its first
``SUMMARY_TOP`` rows on the summary grid (merged fields, heights for print) and,
when it is longer, says how many more there are and where; the whole list then
has a sheet of its own, one plain row per item with a filter (``list_sheet``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from sheetflow.answer_book import flag_text, shown_text
from sheetflow.flags import MISSING, NOT_RETURNED, OVERDUE, RED, Change, Flag
from sheetflow.issue.layout import text_height
from sheetflow.master.list_sheet import SUMMARY_TOP, ItemList, write_list
from sheetflow.master.styles import Styles
from sheetflow.master.summary import BUCKETS, Counts, MasterData, note_text
from sheetflow.master.trend_sheet import red_streak_rows
from sheetflow.model import ECONOMY, MILESTONE, Register
from sheetflow.smiley import symbol
from sheetflow.xlsxutil import (
    add_smiley_colours,
    greedy_breaks,
    integer_axis,
    page_room,
    print_setup,
)


def write_summary(
    wb: xlsxwriter.Workbook,
    st: Styles,
    data: MasterData,
    t: dict[str, Any],
    footer: tuple[str, str, str],
) -> None:
    ws = wb.add_worksheet(t["summary_sheet"])
    for col, width in enumerate(SUMMARY_WIDTHS):
        ws.set_column(col, col, width)
    row = _returns_table(ws, st, data, t, 0)
    found = _Lookup(data.register)
    lists = [_flags_list(data, t, found), _changes_list(data, t, found)]
    heights: dict[int, float] = {}
    keep: dict[int, int] = {}
    if data.smileys:  # counts, chart and red streaks; a form without smileys has none
        row = _smiley_counts(wb, ws, st, data, t, row, keep)
        lists.append(_red_streak_list(data, t))
    for item_list in lists:
        first = row + 2
        row = _item_table(ws, st, first, item_list, t, heights)
        keep[first] = min(row, first + 1 + KEEP_ROWS)
    room = page_room(SUMMARY_WIDTHS)
    ws.set_h_pagebreaks(summary_breaks(row + 1, heights, keep, room))
    print_setup(ws, *footer)
    for item_list in lists:
        if item_list.count > SUMMARY_TOP:
            write_list(wb, st, item_list, footer)


def _smiley_counts(
    wb: xlsxwriter.Workbook,
    ws: Worksheet,
    st: Styles,
    data: MasterData,
    t: dict[str, Any],
    row: int,
    keep: dict[int, int],
) -> int:
    """Smileys per center and per section, with a chart; the last row written.

    The chart draws the centers when its height labels every bar (``CHART_BARS``),
    else the sections, after their table: a round of 150 centers drew bars two
    pixels high with every tenth name. The chart and each table's heading with its
    first rows are printed on one page (``keep``): the sample's chart lost its last
    bar and legend to the next page, and a chart of 150 centers ran over two.
    """
    centers = [(c, data.by_center[c]) for c in data.by_center]
    labels = {s.number: s.label for s in data.register.sections}
    sections = [(labels.get(n, n), c) for n, c in data.by_section.items()]
    by_center = (t["counts_by_center"], t["col_center"])
    by_section = (t["counts_by_section"], t["col_section"])
    row, center_rows = _counts_table(ws, st, t, row + 2, *by_center, centers, keep)
    if len(centers) <= CHART_BARS:
        row = _chart(wb, ws, t, center_rows, _largest(centers), t["chart_title"], keep) + 1
        row, _ = _counts_table(ws, st, t, row, *by_section, sections, keep)
        return row
    row, section_rows = _counts_table(ws, st, t, row + 2, *by_section, sections, keep)
    return _chart(wb, ws, t, section_rows, _largest(sections), t["chart_title_sections"], keep)


def _largest(groups: list[tuple[str, Counts]]) -> int:
    """The longest bar: the most milestones of one group."""
    return max((sum(c.row(MILESTONE)) for _, c in groups), default=0)


def _returns_table(ws: Worksheet, st: Styles, data: MasterData, t: dict[str, Any], row: int) -> int:
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
    for r in data.returns:
        row += 1
        ws.write_string(row, 0, r.center, st.cell)
        for col, value in enumerate(r.counts, start=1):
            ws.write_number(row, col, value, st.number)
        state = t["state_" + r.state.value.replace("-", "_")]
        ws.merge_range(row, STATE_COLUMNS[0], row, STATE_COLUMNS[1], state, st.cell_line)
    row += 1
    ws.write_string(row, 0, t["total"], st.total_label)
    for col in range(1, len(headers)):
        total = sum(r.counts[col - 1] for r in data.returns)
        _sum_formula(ws, row, col, first, row - 1, total, st.total)
    return row


def _sum_formula(
    ws: Worksheet, row: int, col: int, first: int, last: int, value: int, fmt: Any
) -> None:
    """=SUM(...) with its cached value, so LibreOffice shows it without recalculating."""
    if last < first:
        ws.write_number(row, col, 0, fmt)
        return
    rng = f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)}"
    ws.write_formula(row, col, f"=SUM({rng})", fmt, value)


def _counts_table(
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
        _sum_formula(ws, row, col, first, row - 1, total, st.total)
    keep[heading_row] = min(row, first + KEEP_ROWS - 1)
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


def _flag_labels(flag: Flag, t: dict[str, Any]) -> str:
    names = {
        RED: t["flag_red"],
        OVERDUE: t["flag_overdue"],
        MISSING: t["flag_missing"],
        NOT_RETURNED: t["flag_not_returned"],
    }
    labels = [names[k] for k in flag.kinds if k in names]
    if flag.answers:  # a form's own flag rules: which answers, and what they were
        labels.append(
            t["flag_answer"].format(answers="; ".join(flag_text(a, t) for a in flag.answers))
        )
    return ", ".join(labels)


# The summary sheet's grid, and the flag table's fields on it: (first, last) column.
SUMMARY_WIDTHS = [30] + [9] * 8 + [24, 8, 40]
FLAG_COLUMNS = [(0, 0), (1, 2), (3, 4), (5, 8), (9, 9), (10, 10), (11, 11)]
# The returns table's state, after its six numbers: as wide as "uafklaret: flere afleveringer".
STATE_COLUMNS = (7, 10)
CHART_HEIGHT_PX = 300
CHART_BARS = 15  # bars a chart of CHART_HEIGHT_PX shows, each with its label
CHART_FRAME_PX, BAR_PX = 100, 13  # a taller chart: its title, axis and legend; each bar
ROW_PX = 20  # a row of ROW_PT, in the pixels a chart is sized in
ROW_PT = 15.0  # a row of Calibri 11 as Excel and LibreOffice print it
HEADING_PT = 18.0  # a heading's larger font
KEEP_ROWS = 3  # a list's first rows printed on the page of its heading and columns


def _row_height(values: list[str]) -> float:
    """Height for a flag-table row: the tallest wrapped field."""
    spans = [sum(SUMMARY_WIDTHS[a : b + 1]) for a, b in FLAG_COLUMNS]
    return max(text_height(v, w) for v, w in zip(values, spans, strict=True))


def summary_breaks(
    rows: int, heights: dict[int, float], keep: dict[int, int], room: float
) -> list[int]:
    """Rows to break the summary before, printed: wherever a page is full, never between a list's heading, its column row and its
    first rows (``keep``: a heading's row → the last row kept with it). A year-end trial
    found "Røde to opfølgninger i træk" and its columns alone at the foot of a page.
    The blank row above a heading goes with it, so no page holds that row alone."""
    starts = {max(first - 1, 0): last for first, last in keep.items()}
    blocks = []
    row = 0
    while row < rows:
        last = starts.get(row, row)
        height = sum(heights.get(r, ROW_PT) for r in range(row, last + 1))
        blocks.append((row, height, False))
        row = last + 1
    return greedy_breaks(blocks, room)


def _item_table(
    ws: Worksheet,
    st: Styles,
    row: int,
    items: ItemList,
    t: dict[str, Any],
    heights: dict[int, float],
) -> int:
    """A heading and the first ``SUMMARY_TOP`` rows of a list on the summary grid,
    then how many more there are and on which sheet; returns its last row. The rows'
    heights go into ``heights`` (for ``summary_breaks``)."""
    heights[row] = HEADING_PT
    ws.write_string(row, 0, items.heading, st.heading)
    row += 1
    _spread(ws, row, items.headers, st.header)
    if not items.count:
        ws.write_string(row + 1, 0, items.empty, st.text)
        return row + 1
    first = row + 1
    for values in items.rows(SUMMARY_TOP):
        row += 1
        _spread(ws, row, values, st.cell, smiley_col=items.smiley_col, smiley_fmt=st.smiley)
        heights[row] = _row_height(values)
        ws.set_row(row, heights[row])
    if items.smiley_col is not None:
        col = xl_rowcol_to_cell(0, FLAG_COLUMNS[items.smiley_col][0])[:-1]
        add_smiley_colours(ws, st.smileys, f"{col}{first + 1}:{col}{row + 1}")
    more = items.count - SUMMARY_TOP
    if more > 0:
        row += 1
        ws.write_string(row, 0, t["more_rows"].format(n=more, sheet=items.sheet), st.note)
    return row


def _item_headers(t: dict[str, Any], second: str, sixth: str) -> list[str]:
    return [
        f"{t['col_number']} {t['col_title']}",
        second,
        t["col_center"],
        t["col_milestone"],
        t["col_deadline"],
        sixth,
        t["col_comment"],
    ]


def _row_word(flag: Flag, t: dict[str, Any]) -> str:
    """What a flag that is not a milestone's names: an economy line, an initiative's own
    row (a form's answer), or nothing (a center)."""
    if not flag.item_key:
        return ""
    return t["initiative_row"] if flag.item_key == flag.initiative_key else t["economy_row"]


class _Lookup:
    """Initiatives and milestones by key, made once for both lists (``Register.items``
    pairs every item with its initiative: 25 MB at 200,000 items, made twice)."""

    def __init__(self, register: Register) -> None:
        self.initiatives = {i.key: i for i in register.initiatives}
        self.milestones = {ms.key: ms for i in register.initiatives for ms in i.milestones}


def _flags_list(data: MasterData, t: dict[str, Any], found: _Lookup) -> ItemList:
    """Every flagged item: red, overdue, missing, and centers that did not return."""
    by_key, milestones = found.initiatives, found.milestones

    def rows() -> Iterator[list[str]]:
        for flag in data.flags:
            ini = by_key.get(flag.initiative_key)
            ms = milestones.get(flag.item_key)
            rating = flag.rating
            yield [
                ini.label if ini else "",
                _flag_labels(flag, t),
                flag.center,
                ms.text if ms else _row_word(flag, t),
                ms.deadline.text if ms else "",
                symbol(rating.smiley if rating else None),
                note_text(flag.note, t),
            ]

    headers = _item_headers(t, t["col_flag"], t["col_smiley"])
    count = len(data.flags)
    return ItemList(t["flags_heading"], t["flags_sheet"], headers, count, rows, t["no_flags"], 5)


def _changes_list(data: MasterData, t: dict[str, Any], found: _Lookup) -> ItemList:
    """What turned red, turned green or became overdue since the previous round, and
    the answers of finance's own form that meet their rule now and did not then."""
    by_key, milestones = found.initiatives, found.milestones

    def rows() -> Iterator[list[str]]:
        for change in data.changes:
            ini, ms = by_key[change.initiative_key], milestones.get(change.item_key)
            if ms:
                what = ms.text
            elif change.item_key == change.initiative_key:
                what = t["initiative_row"]
            else:
                what = t["economy_row"]
            yield [
                ini.label,
                ", ".join(t["change_" + k.replace("-", "_")] for k in change.kinds),
                change.center,
                what,
                ms.deadline.text if ms else "",
                *_before_after(change, t),
            ]

    headers = _item_headers(t, t["col_change"], t["col_before_after"])
    heading, sheet, empty = t["changes_heading"], t["changes_sheet"], t["no_changes"]
    return ItemList(heading, sheet, headers, len(data.changes), rows, empty)


def _before_after(change: Change, t: dict[str, Any]) -> tuple[str, str]:
    """The last two columns: "☺ → ☹" and the comment; for a form's answers, which have
    no smiley, "Status (RAG): Grøn → Rød; …" in the wide comment column."""
    if not change.answers:
        arrow = f"{symbol(change.before) or '–'} → {symbol(change.after) or '–'}"
        return arrow, note_text(change.note, t)
    lang = str(t.get("lang", "da"))
    parts = []
    for a in change.answers:
        before = shown_text(a.field, a.previous, t) if a.previous is not None else "–"
        parts.append(f"{a.field.label(lang)}: {before} → {shown_text(a.field, a.value, t)}")
    return "", "; ".join(parts)


def _red_streak_list(data: MasterData, t: dict[str, Any]) -> ItemList:
    """The items red two rounds or more in a row, up to this round."""
    headers = _item_headers(t, str(t["col_red_streak"]), t["col_smiley"])
    heading, empty = str(t["red_streak_heading"]), str(t["no_red_streaks"])
    rows = red_streak_rows(data, t)  # a few: held
    return ItemList(heading, t["red_streak_sheet"], headers, len(rows), lambda: rows, empty, 5)


def _spread(
    ws: Worksheet,
    row: int,
    values: list[str],
    fmt: Any,
    smiley_col: int | None = None,
    smiley_fmt: Any = None,
) -> None:
    """Write one flag-table row onto the summary grid, merging where a field spans."""
    for n, ((first, last), value) in enumerate(zip(FLAG_COLUMNS, values, strict=True)):
        cell_fmt = smiley_fmt if n == smiley_col else fmt
        if last > first:
            ws.merge_range(row, first, row, last, value, cell_fmt)
        else:
            ws.write_string(row, first, value, cell_fmt)
