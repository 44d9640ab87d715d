"""The trends sheet ("Udvikling") and the summary's "red rounds in a row" table.

Trends: the smiley counts per round (a table and a native stacked column
chart, one column per round of the year, year end last), then every item
with its state in each round side by side and how many rounds in a row it
has been yellow or red. The data comes from ``sheetflow.trends`` (pure).
Rows are written top to bottom, as the master's constant-memory mode needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from sheetflow.issue.layout import text_height
from sheetflow.master.styles import Styles
from sheetflow.master.summary import MasterData, note_text
from sheetflow.model import Round
from sheetflow.smiley import Smiley
from sheetflow.trends import (
    COUNTED,
    State,
    TrendRow,
    iter_trend_rows,
)
from sheetflow.xlsxutil import (
    RELEASE_EVERY,
    RowWriter,
    add_smiley_colours,
    integer_axis,
    print_setup,
    release_written_rows,
)

# Columns: number, initiative, center, item, deadline, one per round, streak.
WIDTHS = {"number": 6, "title": 28, "center": 18, "item": 44, "deadline": 20, "round": 12}
STREAK_WIDTH = 10
FIRST_ROUND_COL = 5
CHART_ROWS = 16
BUCKET_COLOURS = {
    State.GREEN: "#63BE7B",
    State.YELLOW: "#FFD966",
    State.RED: "#F8696B",
    State.MISSING: "#BFBFBF",
}


def round_label(rnd: Round) -> str:
    """A round's short column title, as on the detail sheet: "3." for
    "3. budgetopfølgning 2017"; a name without its number ("Årsafslutning 2017")
    by its first word."""
    if rnd.name.startswith(f"{rnd.number}."):
        return f"{rnd.number}."
    return rnd.name.split()[0] if rnd.name.strip() else f"{rnd.number}."


def state_text(state: State, t: dict[str, Any]) -> str:
    """What a cell shows: the smiley, or a word for the other states."""
    if state in (State.GREEN, State.YELLOW, State.RED):
        return Smiley(state.value).symbol
    if state is State.FUTURE:
        return ""
    key = {
        State.MISSING: "trend_missing",
        State.NOT_ASKED: "trend_not_asked",
        State.NOT_APPLICABLE: "trend_not_applicable",
        State.NOT_RELEVANT: "not_relevant",
    }[state]
    return str(t[key])


def data_rows(data: MasterData) -> Iterator[TrendRow]:
    """The trend rows of the master's round, one at a time: each pass computes them
    again rather than holding one row per item of the register."""
    return iter_trend_rows(data.register, data.round, data.ratings, data.asked)


def write_trends(
    wb: xlsxwriter.Workbook,
    st: Styles,
    data: MasterData,
    t: dict[str, Any],
    footer: tuple[str, str, str],
) -> None:
    """The trends sheet: counts per round with a chart, then one row per item."""
    ws = wb.add_worksheet(str(t["trends_sheet"]))
    rounds = sorted(data.register.rounds, key=lambda r: r.number)
    widths = [WIDTHS[k] for k in ("number", "title", "center", "item", "deadline")]
    widths += [WIDTHS["round"]] * len(rounds) + [STREAK_WIDTH]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    quiet = wb.add_format(
        {"font_size": 9, "italic": True, "font_color": "#595959", "align": "center",
         "valign": "top", "border": 1, "border_color": "#BFBFBF", "text_wrap": True}
    )  # fmt: skip
    header_row = _counts(wb, ws, st, data, t, rounds)
    last = _items(ws, st, quiet, t, rounds, data_rows(data), widths, header_row)
    ws.autofilter(header_row, 0, max(last, header_row + 1), len(widths) - 1)  # by center, state
    ws.set_h_pagebreaks([header_row])
    ws.repeat_rows(header_row)
    print_setup(ws, *footer)


def _counts(
    wb: xlsxwriter.Workbook,
    ws: Worksheet,
    st: Styles,
    data: MasterData,
    t: dict[str, Any],
    rounds: list[Round],
) -> int:
    """The counts table and its chart from row 0; returns the item table's header row."""
    ws.write_string(0, 0, str(t["trends_heading"]), st.heading)
    ws.write_string(2, 3, str(t["trends_counts"]), st.header)
    ws.write_string(2, 4, "", st.header)
    for i, rnd in enumerate(rounds):
        ws.write_string(2, FIRST_ROUND_COL + i, round_label(rnd), st.header)
    ws.set_row(2, 30)
    counts = data.trend_overview[0]
    labels = {
        State.GREEN: t["col_green"],
        State.YELLOW: t["col_yellow"],
        State.RED: t["col_red"],
        State.MISSING: str(t["trend_missing"]),
    }
    for n, bucket in enumerate(COUNTED, start=3):
        ws.write_string(n, 3, labels[bucket], st.cell)
        ws.write_string(n, 4, "", st.cell)
        for i, rnd in enumerate(rounds):
            if rnd.number <= data.round.number:
                ws.write_number(n, FIRST_ROUND_COL + i, counts[i][bucket], st.number)
            else:
                ws.write_blank(n, FIRST_ROUND_COL + i, None, st.number)
    # The summary's counts take each item's latest smiley: say why the two differ, and
    # what "missing" counts here beside the flag of that name.
    ws.write_string(3 + len(COUNTED), 3, str(t["trends_counts_note"]), st.note)
    ws.write_string(4 + len(COUNTED), 3, str(t["trends_missing_note"]), st.note)
    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    sheet = ws.get_name()
    last_col = FIRST_ROUND_COL + len(rounds) - 1
    for n, bucket in enumerate(COUNTED, start=3):
        chart.add_series(
            {
                "name": [sheet, n, 3],
                "categories": [sheet, 2, FIRST_ROUND_COL, 2, last_col],
                "values": [sheet, n, FIRST_ROUND_COL, n, last_col],
                "fill": {"color": BUCKET_COLOURS[bucket]},
                "border": {"none": True},
            }
        )
    chart.set_title({"name": str(t["trends_chart"]), "name_font": {"size": 11}})
    chart.set_y_axis(integer_axis(max((sum(c.values()) for c in counts), default=0)))
    chart.set_legend({"position": "right"})
    chart.set_size({"width": 720, "height": CHART_ROWS * 20})
    ws.insert_chart(9, 1, chart)
    return 9 + CHART_ROWS + 2


def _items(
    ws: Worksheet,
    st: Styles,
    quiet: Any,
    t: dict[str, Any],
    rounds: list[Round],
    rows: Iterable[TrendRow],
    widths: list[int],
    header_row: int,
) -> int:
    """The item table: header (repeated on every printed page), one row per item;
    returns its last row."""
    headers = [
        t["col_number"],
        t["col_title"],
        t["col_center"],
        f"{t['col_milestone']} / {t['economy_row']}",
        t["col_deadline"],
        *[round_label(r) for r in rounds],
        str(t["trend_streak"]),
    ]
    ws.write_row(header_row, 0, headers, st.header)
    ws.set_row(header_row, 30)
    row = header_row
    writer = RowWriter(ws)
    shown = {state: state_text(state, t) for state in State}
    state_fmt = {
        state: st.smiley if state in (State.GREEN, State.YELLOW, State.RED) else quiet
        for state in State
    }
    for item in rows:
        row += 1
        ini, ms = item.initiative, item.milestone
        item_text = ms.text if ms else t["economy_row"]
        deadline = ms.deadline.text if ms else ""
        cells: list[tuple[str | float | None, Any]] = [
            (ini.number, st.cell),
            (ini.title, st.cell),
            (ini.center, st.cell),
            (item_text, st.cell),
            (deadline, st.cell),
        ]
        cells += [(shown[state], state_fmt[state]) for state in item.states]
        cells.append((item.not_green_streak, st.number))
        height = max(
            text_height(ini.title, widths[1]),
            text_height(item_text, widths[3]),
            text_height(deadline, widths[4]),
        )
        writer.row(row, cells, height)
        if row % RELEASE_EVERY == 0:
            release_written_rows(ws, header_row + 1)
    if row > header_row:
        first = xl_rowcol_to_cell(header_row + 1, FIRST_ROUND_COL)
        last = xl_rowcol_to_cell(row, FIRST_ROUND_COL + len(rounds) - 1)
        add_smiley_colours(ws, st.smileys, f"{first}:{last}")
    return row


def red_streak_rows(data: MasterData, t: dict[str, Any]) -> list[list[str | int]]:
    """The summary's "red in a row" table: one row per item red two rounds or more in
    a row up to this round, with the comment its red flag shows (an earlier round's,
    labelled, when the center gave none now), so the two tables agree."""
    this_round = data.ratings.of_round(data.round.number)
    notes = {f.item_key: f.note for f in data.flags if f.item_key and f.note is not None}
    out: list[list[str | int]] = []
    for item in data.trend_overview[1]:
        rating = this_round.get(item.item_key)
        note = notes.get(item.item_key)
        out.append(
            [
                item.label,
                item.red_streak,
                item.center,
                item.text if item.milestone else t["economy_row"],
                item.deadline,
                Smiley.RED.symbol,
                note_text(note, t) if note else (rating.comment if rating else ""),
            ]
        )
    return out
