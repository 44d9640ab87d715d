"""The summary sheet: returns per center, smiley counts per center and section with a
native chart, the flagged items and what changed since the previous round.

What a committee reads stays on one sheet at any scale: each list shows its first
``SUMMARY_TOP`` rows on the summary grid (merged fields, heights for print) and,
when it is longer, says how many more there are and where; the whole list then
has a sheet of its own, one plain row per item with a filter (``list_sheet``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from sheetflow.answer_book import flag_text, shown_text
from sheetflow.flags import MISSING, NOT_RETURNED, OVERDUE, RED, Change, Flag
from sheetflow.issue.layout import text_height
from sheetflow.master.counts_sheet import (
    KEEP_ROWS,
    SUMMARY_WIDTHS,
    grid_sheet,
    many_centers,
    returns_on_summary,
    smiley_counts,
    write_centers_sheets,
)
from sheetflow.master.list_sheet import SUMMARY_TOP, ItemList, write_list
from sheetflow.master.styles import Styles
from sheetflow.master.summary import MasterData, note_text
from sheetflow.master.trend_sheet import red_streak_rows
from sheetflow.model import Register
from sheetflow.smiley import symbol
from sheetflow.xlsxutil import (
    add_smiley_colours,
    greedy_breaks,
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
    ws = grid_sheet(wb, t["summary_sheet"], len(SUMMARY_WIDTHS))
    heights: dict[int, float] = {}
    keep: dict[int, int] = {}
    row = returns_on_summary(ws, st, data, t, keep)
    found = _Lookup(data.register, data)
    lists = [_flags_list(data, t, found), _changes_list(data, t, found)]
    if data.smileys:  # counts, chart and red streaks; a form without smileys has none
        row = smiley_counts(wb, ws, st, data, t, row, keep)
        lists.append(_red_streak_list(data, t))
    for item_list in lists:
        first = row + 2
        row = _item_table(ws, st, first, item_list, t, heights)
        keep[first] = min(row, first + 1 + KEEP_ROWS)
    room = page_room(SUMMARY_WIDTHS)
    ws.set_h_pagebreaks(summary_breaks(row + 1, heights, keep, room))
    print_setup(ws, *footer)
    if many_centers(data):
        write_centers_sheets(wb, st, data, t, footer)
    for item_list in lists:
        if item_list.count > SUMMARY_TOP:
            write_list(wb, st, item_list, footer)


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
FLAG_COLUMNS = [(0, 0), (1, 2), (3, 4), (5, 8), (9, 9), (10, 10), (11, 11)]
ROW_PT = 15.0  # a row of Calibri 11 as Excel and LibreOffice print it
HEADING_PT = 18.0  # a heading's larger font


def _row_height(values: list[str | int]) -> float:
    """Height for a flag-table row: the tallest wrapped field."""
    spans = [sum(SUMMARY_WIDTHS[a : b + 1]) for a, b in FLAG_COLUMNS]
    return max(text_height(str(v), w) for v, w in zip(values, spans, strict=True))


def summary_breaks(
    rows: int, heights: dict[int, float], keep: dict[int, int], room: float
) -> list[int]:
    """Rows to break the summary before, printed: wherever a page is full, never
    between a list's heading, its column row and its first rows, nor inside the chart
    (``keep``: a block's first row → the last row kept with it). A year-end trial
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
        ws.write_string(row + 1, 0, items.empty, st.sentence)
        return row + 1
    first = row + 1
    for values in items.rows(SUMMARY_TOP):
        row += 1
        _spread(ws, row, values, st.cell, items.smiley_col, st.smiley, st.number)
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
    """What the two lists print of the initiatives and milestones they name. Only where
    each named initiative lies in the register is held; its label and its milestones'
    texts are read as the rows are written (the register is read from its store, and
    the texts of 100,000 listed items held 20 MB at 1,000 centers). The lists come in
    register order within each weight, so each part of the store is read once a
    weight."""

    def __init__(self, register: Register, data: MasterData) -> None:
        wanted = {f.initiative_key for f in data.flags} | {c.initiative_key for c in data.changes}
        self._places = {
            ini.key: n for n, ini in enumerate(register.initiatives) if ini.key in wanted
        }
        self._at = register.initiative_at()

    def label(self, initiative_key: str) -> str:
        """The initiative's label; empty for a center's own flag."""
        n = self._places.get(initiative_key)
        return self._at(n).label if n is not None else ""

    def milestone(self, initiative_key: str, item_key: str) -> tuple[str, str] | None:
        """A milestone's text and deadline; None for an economy line or an initiative's row."""
        n = self._places.get(initiative_key)
        if n is None:
            return None
        ms = next((m for m in self._at(n).milestones if m.key == item_key), None)
        return (ms.text, ms.deadline.text) if ms is not None else None


def _flags_list(data: MasterData, t: dict[str, Any], found: _Lookup) -> ItemList:
    """Every flagged item: red, overdue, missing, and centers that did not return; the
    weightiest first (``_weight``), in register order within each weight."""
    silent = _silent(data)

    def rows() -> Iterator[list[str | int]]:
        for flag in sorted(data.flags, key=lambda flag: _weight(flag, silent)):
            ms = found.milestone(flag.initiative_key, flag.item_key)
            rating = flag.rating
            yield [
                found.label(flag.initiative_key),
                _flag_labels(flag, t),
                flag.center,
                ms[0] if ms else _row_word(flag, t),
                ms[1] if ms else "",
                symbol(rating.smiley if rating else None),
                note_text(flag.note, t),
            ]

    headers = _item_headers(t, t["col_flag"], t["col_smiley"])
    count = len(data.flags)
    return ItemList(t["flags_heading"], t["flags_sheet"], headers, count, rows, t["no_flags"], 5)


FLAG_WEIGHT = (RED, OVERDUE, MISSING)


def _silent(data: MasterData) -> set[str]:
    """The centers flagged as not returned this round: their items list last."""
    return {r.center for r in data.returns if r.state.silent}


def _weight(flag: Flag, silent: set[str]) -> tuple[bool, int]:
    """Red before overdue before a missing smiley, and the items of a center that has
    not returned (``silent``) after those of every center that has: a trial's
    committee saw 25 of 256 flags, section 1's, half of them one silent center's
    overdue milestones."""
    kinds = [FLAG_WEIGHT.index(k) for k in flag.kinds if k in FLAG_WEIGHT]
    late = flag.center in silent or NOT_RETURNED in flag.kinds
    return late, min(kinds, default=len(FLAG_WEIGHT))


def _changes_list(data: MasterData, t: dict[str, Any], found: _Lookup) -> ItemList:
    """What turned red, turned green or became overdue since the previous round, and
    the answers of finance's own form that meet their rule now and did not then."""

    def rows() -> Iterator[list[str | int]]:
        for change in data.changes:
            label = found.label(change.initiative_key)
            ms = found.milestone(change.initiative_key, change.item_key)
            if ms:
                what = ms[0]
            elif change.item_key == change.initiative_key:
                what = t["initiative_row"]
            else:
                what = t["economy_row"]
            yield [
                label,
                ", ".join(t["change_" + k.replace("-", "_")] for k in change.kinds),
                change.center,
                what,
                ms[1] if ms else "",
                *_before_after(change, t),
            ]

    headers = _item_headers(t, t["col_change"], t["col_before_after"])
    empty = t["no_changes"] if data.compared_with else t["no_earlier_round"]
    heading, sheet = t["changes_heading"], t["changes_sheet"]
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
    """The items red two rounds or more in a row, up to this round: the longest first,
    and those of centers without an accepted return this round last (their red is
    carried from before: a trial's round 2 listed 61 such of 73 in register order)."""
    headers = _item_headers(t, str(t["col_red_streak"]), t["col_smiley"])
    heading, empty = str(t["red_streak_heading"]), str(t["no_red_streaks"])
    silent = _silent(data)
    # A few: held. Fields: label, streak, center, ...
    rows = sorted(red_streak_rows(data, t), key=lambda row: (row[2] in silent, -int(row[1])))
    return ItemList(heading, t["red_streak_sheet"], headers, len(rows), lambda: rows, empty, 5)


def _spread(
    ws: Worksheet,
    row: int,
    values: Sequence[str | int],
    fmt: Any,
    smiley_col: int | None = None,
    smiley_fmt: Any = None,
    number_fmt: Any = None,
) -> None:
    """Write one flag-table row onto the summary grid, merging where a field spans; a
    count (an int) is written as a number in ``number_fmt``."""
    for n, ((first, last), value) in enumerate(zip(FLAG_COLUMNS, values, strict=True)):
        cell_fmt = smiley_fmt if n == smiley_col else fmt
        if isinstance(value, int):
            cell_fmt = number_fmt
        if last > first:
            ws.merge_range(row, first, row, last, value, cell_fmt)
        elif isinstance(value, int):
            ws.write_number(row, first, value, cell_fmt)
        else:
            ws.write_string(row, first, value, cell_fmt)
