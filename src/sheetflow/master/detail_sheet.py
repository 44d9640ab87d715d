"""The detail sheet: every initiative in register order, grouped by section, laid
out like the seed report, flagged rows highlighted, sections on new pages."""

from __future__ import annotations

from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from sheetflow.issue.layout import text_height
from sheetflow.master.styles import Styles
from sheetflow.master.summary import MasterData, note_text
from sheetflow.model import Initiative, Rating, note_for
from sheetflow.smiley import symbol
from sheetflow.xlsxutil import (
    RELEASE_EVERY,
    PageBreaks,
    RowWriter,
    add_smiley_colours,
    page_room,
    print_setup,
    release_written_rows,
)

DETAIL_WIDTHS = {"label": 11, "text": 62, "deadline": 20, "round": 7, "comment": 44}
# Excel keeps at most 1,023 manual page breaks on a sheet (xlsxwriter drops the
# rest, and the pages after them split initiatives): a longer detail sheet goes on
# in a sheet of its own, "Delelementer 2", on a new page.
MAX_PAGE_BREAKS = 1023


class _Detail:
    """Writes the detail sheet row by row, remembering heights and where blocks start,
    so page breaks can keep initiatives whole and start every section on a new page."""

    def __init__(self, ws: Worksheet, st: Styles, t: dict[str, Any], data: MasterData) -> None:
        self.st, self.t = st, t
        self.rounds = [r for r in data.register.rounds if r.number <= data.round.number]
        self.asked = data.asked
        self.first_smiley = 3
        self.comment_col = self.first_smiley + len(self.rounds)
        self.widths = [
            DETAIL_WIDTHS["label"],
            DETAIL_WIDTHS["text"],
            DETAIL_WIDTHS["deadline"],
            *[DETAIL_WIDTHS["round"]] * len(self.rounds),
            DETAIL_WIDTHS["comment"],
        ]
        self.wide = sum(self.widths[1:])
        self.by_key = data.ratings
        self.flagged = {f.item_key for f in data.flags if f.item_key}
        self.not_relevant = data.register.not_applicable()
        self.start(ws)

    def start(self, ws: Worksheet) -> None:
        """Begin writing on ``ws`` (the first sheet, or one the detail goes on in):
        its column row, repeated on every printed page and frozen."""
        self.ws = ws
        self.row = 0
        self.rows = RowWriter(ws)
        self.header_height = 15.0
        # The block being written (first row, forced break before, height so far): its
        # height is summed as its rows are written, and it goes to the page breaks
        # when the next begins, so no height per row or block is held (300,000 rows
        # and 40,000 blocks at N = 1000).
        self.block: tuple[int, bool, float] | None = None
        self.pages: PageBreaks | None = None
        self.header()
        ws.repeat_rows(0)
        ws.freeze_panes(1, 0)

    def set_height(self, height: float) -> None:
        self.ws.set_row(self.row, height)
        self.next_row(height)

    def next_row(self, height: float) -> None:
        """Count the finished row's height in its block and move to the next row."""
        if self.block is not None:
            first, forced, used = self.block
            self.block = (first, forced, used + height)
        elif self.row == 0:
            self.header_height = height
        self.row += 1
        if self.row % RELEASE_EVERY == 0:
            release_written_rows(self.ws, 1)

    def header(self) -> None:
        t = self.t
        for col, width in enumerate(self.widths):
            self.ws.set_column(col, col, width)
        headers = [
            "",
            t["col_title"],
            t["col_deadline"],
            *[f"{r.number}." for r in self.rounds],
            t["col_latest_comment"],
        ]
        self.ws.write_row(0, 0, headers, self.st.header)
        self.set_height(30)

    def begin_block(self, forced: bool) -> None:
        """A block kept whole on a page starts at this row (``forced``: on a new page)."""
        if self.pages is None:
            self.pages = PageBreaks(page_room(self.widths, self.header_height))
        self.end_block()
        self.block = (self.row, forced, 0.0)

    def end_block(self) -> None:
        if self.block is not None and self.pages is not None:
            first, forced, height = self.block
            self.pages.add(first, height, forced)
            self.block = None

    def section(self, label: str) -> None:
        self.begin_block(forced=self.pages is not None)
        self.ws.merge_range(self.row, 0, self.row, self.comment_col, label, self.st.section)
        self.set_height(22)

    def initiative(self, ini: Initiative, first_in_section: bool) -> None:
        st, t = self.st, self.t
        if not first_in_section:
            self.begin_block(forced=False)
        heading: list[tuple[str | float | None, Any]] = [
            (ini.number, st.initiative),
            (ini.title, st.initiative),
        ]
        heading += [(None, st.initiative)] * (self.comment_col - 1)
        # Bold 11 pt wraps earlier than the 10 pt body text the estimate assumes.
        height = text_height(ini.title, DETAIL_WIDTHS["text"] * 0.8) + 3
        self.rows.row(self.row, heading, height)
        self.next_row(height)
        kind = f"{t['description']} ({ini.kind})" if ini.kind else t["description"]
        description = "\n".join(p for p in (kind, ini.description) if p)
        height = text_height(description, self.wide)
        self.rows.merged(self.row, 1, self.comment_col, description, st.text, height)
        self.next_row(height)
        people = "\n".join(
            f"{label}: {value}"
            for label, value in (
                (t["center"], ini.center),
                (t["committee"], ini.committee),
                (t["contributors"], ini.contributors),
                (t["details"], ini.details),
            )
            if value
        )
        height = text_height(people, self.wide)
        self.rows.merged(self.row, 1, self.comment_col, people, st.italic, height)
        self.next_row(height)
        for ms in ini.milestones:
            if not ms.is_placeholder:
                self.item(t["milestone"], ms.text, ms.deadline.text, ms.key)
        self.item(t["economy_row"], ini.economy, "", ini.economy_key)

    def item(self, label: str, text: str, deadline: str, key: str) -> None:
        st = self.st
        flagged = key in self.flagged
        cell = st.flag_cell if flagged else st.cell
        smiley_fmt = st.flag_smiley if flagged else st.smiley
        cells: list[tuple[str | float | None, Any]] = [
            (label, cell),
            (text, cell),
            (deadline, cell),
        ]
        history = []
        for rnd in self.rounds:
            rating = self.by_key.get(key, rnd.number)
            cells.append((symbol(rating.smiley if rating else None), smiley_fmt))
            if rating is not None:
                history.append(rating)
        # The latest answer's own comment; another round's comment only labelled, and the
        # latest answer's too when a later round asked again and got none (it is not
        # the status now, though it stands beside the latest smiley).
        latest = next((r for r in reversed(history) if r.smiley is not None or r.comment), None)
        if latest is not None and self.asked_again(key, latest.round, history):
            latest = None
        comment = note_text(note_for(latest, history), self.t)
        if not comment and key in self.not_relevant:
            comment = self.t["not_relevant"]
        cells.append((comment, cell))
        height = max(
            text_height(text, DETAIL_WIDTHS["text"]),
            text_height(comment, DETAIL_WIDTHS["comment"]),
        )
        self.rows.row(self.row, cells, height)
        self.next_row(height)

    def asked_again(self, key: str, answered: int, history: list[Rating]) -> bool:
        """Whether a round after ``answered`` (up to the report's) asked for the item, or
        recorded it, without a smiley or comment of its own."""
        later = [r.number for r in self.rounds if r.number > answered]
        return any(key in self.asked.get(n, ()) for n in later) or any(
            r.round > answered for r in history
        )

    def page_breaks(self) -> list[int]:
        """Where pages break (none without initiatives: nothing to keep together)."""
        self.end_block()
        return self.pages.breaks if self.pages is not None else []

    def full(self) -> bool:
        """The sheet holds as many page breaks as Excel keeps: the next block must
        start a sheet of its own."""
        self.end_block()
        return self.pages is not None and len(self.pages.breaks) >= MAX_PAGE_BREAKS

    def finish(self, footer: tuple[str, str, str]) -> None:
        """Colour the smiley cells, set the page breaks and the print setup."""
        ws = self.ws
        first_cell = xl_rowcol_to_cell(1, self.first_smiley)
        last_cell = xl_rowcol_to_cell(max(self.row - 1, 1), self.comment_col - 1)
        add_smiley_colours(ws, self.st.smileys, f"{first_cell}:{last_cell}")
        ws.set_h_pagebreaks(self.page_breaks())
        print_setup(ws, *footer)


def write_detail(
    wb: xlsxwriter.Workbook,
    st: Styles,
    data: MasterData,
    t: dict[str, Any],
    footer: tuple[str, str, str],
) -> None:
    """Every initiative in register order, grouped by section, like the seed report;
    beyond ``MAX_PAGE_BREAKS`` pages, on in "<sheet> 2" (its section's label again,
    "(fortsat)" when the section goes on)."""
    detail = _Detail(wb.add_worksheet(t["detail_sheet"]), st, t, data)
    sheets = 1
    sections = {s.number: s for s in data.register.sections}
    current = None
    for ini in data.register.initiatives:
        first = ini.section != current
        current = ini.section
        label = sections[current].label if current in sections else current
        if detail.full():
            detail.finish(footer)
            sheets += 1
            suffix = f" {sheets}"  # within Excel's 31 characters, whatever the name
            name = str(t["detail_sheet"])[: 31 - len(suffix)] + suffix
            detail.start(wb.add_worksheet(name))
            if not first:  # the section goes on: its label, marked so, heads the sheet
                label = str(t["section_continued"]).format(section=label)
                first = True
        if first:
            detail.section(label)
        detail.initiative(ini, first)
    detail.finish(footer)
