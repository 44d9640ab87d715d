"""Write the consolidated workbook (SPEC §6) from ``MasterData`` with xlsxwriter.

Front sheet, summary (returns, counts, a native chart, flags), detail sheet
laid out like the seed report, findings sheet. Every sheet prints A4
landscape, one page wide, with repeated titles, header and footer. Text from
centers is always written as text, never as a formula; the few formulas
(totals) carry their cached values, since LibreOffice does not recalculate
on open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from sheetflow.atomic import atomic_path
from sheetflow.flags import MISSING, NOT_RETURNED, OVERDUE, RED, Flag, latest_comments
from sheetflow.issue.layout import text_height
from sheetflow.master.summary import BUCKETS, Counts, MasterData
from sheetflow.model import ECONOMY, MILESTONE, Initiative, format_date
from sheetflow.smiley import symbol
from sheetflow.xlsxutil import (
    add_smiley_colours,
    greedy_breaks,
    page_room,
    print_setup,
    set_fixed_properties,
    smiley_formats_for,
    write_smiley_guide,
)

FLAG_FILL = "#FCE4D6"
ORDINALS = {
    "da": ["Første", "Anden", "Tredje", "Fjerde", "Femte", "Sjette"],
    "en": ["First", "Second", "Third", "Fourth", "Fifth", "Sixth"],
}


def master_title(data: MasterData, lang: str) -> str:
    """ "Tredje opfølgning på Aftale om budget 2017" for round 3."""
    n = data.round.number
    words = ORDINALS.get(lang, ORDINALS["da"])
    ordinal = words[n - 1] if 0 < n <= len(words) else f"{n}."
    agreement = data.register.info.agreement
    if lang == "en":
        return f"{ordinal} follow-up on {agreement}"
    return f"{ordinal} opfølgning på {agreement}"


class _Styles:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"valign": "top", "text_wrap": True, "font_size": 10}

        def f(**kw: Any) -> Any:
            return wb.add_format({**base, **kw})

        smiley = {"align": "center", "valign": "top", "font_size": 13}
        self.title = f(bold=True, font_size=18, text_wrap=False)
        self.heading = f(bold=True, font_size=12, text_wrap=False, bottom=1)
        self.label = f(bold=True)
        self.text = f()
        self.header = f(bold=True, bg_color="#1F4E78", font_color="#FFFFFF", border=1)
        self.cell = f(border=1, border_color="#BFBFBF")
        self.number = f(border=1, border_color="#BFBFBF", align="right")
        self.total = f(border=1, bold=True, top=2, align="right")
        self.total_label = f(border=1, bold=True, top=2)
        self.section = f(bold=True, font_size=14, bg_color="#D9E1F2", bottom=2, text_wrap=False)
        self.initiative = f(bold=True, font_size=11, bg_color="#EDF2F9", top=1)
        self.initiative_smiley = f(bold=True, bg_color="#EDF2F9", top=1, align="center")
        self.italic = f(italic=True, font_color="#404040")
        self.smiley = wb.add_format({**smiley, "border": 1, "border_color": "#BFBFBF"})
        self.smiley_plain = wb.add_format({**smiley, "font_size": 14})
        self.flag_cell = f(border=1, border_color="#BFBFBF", bg_color=FLAG_FILL)
        self.flag_smiley = wb.add_format(
            {**smiley, "border": 1, "border_color": "#BFBFBF", "bg_color": FLAG_FILL}
        )
        self.smileys = smiley_formats_for(wb)


def write_master(data: MasterData, path: Path, texts: dict[str, dict[str, Any]], lang: str) -> Path:
    """Write the consolidated workbook atomically."""
    t = texts["master"]
    title = master_title(data, lang)
    with atomic_path(path) as tmp:
        # constant_memory: rows are written in order and flushed as they are
        # finished, so a master for 40,000 initiatives stays in bounded memory.
        options = {"strings_to_formulas": False, "strings_to_urls": False, "constant_memory": True}
        wb = xlsxwriter.Workbook(str(tmp), options)
        set_fixed_properties(wb, title=title, subject=data.register.info.agreement)
        st = _Styles(wb)
        footer = (data.register.info.agreement, data.round.name, t["footer_page"])
        _front(wb, st, data, texts, title, footer)
        _summary(wb, st, data, t, footer)
        _detail(wb, st, data, t, footer)
        _findings(wb, st, data, t, footer)
        wb.close()
    return path


def _front(
    wb: xlsxwriter.Workbook,
    st: _Styles,
    data: MasterData,
    texts: dict[str, dict[str, Any]],
    title: str,
    footer: tuple[str, str, str],
) -> None:
    t = texts["master"]
    info = data.register.info
    ws = wb.add_worksheet(t["title_sheet"])
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 110)
    row = 0
    for label, value in (
        (t["date"], data.date_text),
        (t["phone"], info.phone),
        (t["email"], info.email),
        (t["contact"], info.contact),
        (t["case_id"], info.case_id),
        (t["as_of"], format_date(data.round.as_of)),
    ):
        if value:
            ws.write_string(row, 0, label, st.label)
            ws.write_string(row, 1, value, st.text)
            row += 1
    row += 1
    ws.write_string(row, 0, title, st.title)
    ws.set_row(row, 28)
    row += 2
    ws.write_string(row, 0, t["guide_heading"], st.heading)
    row += 1
    for paragraph in t["guide"]:
        ws.merge_range(row, 0, row, 1, paragraph.format(agreement=info.agreement), st.text)
        ws.set_row(row, 30)
        row += 1
    write_smiley_guide(ws, row, texts, (st.heading, st.smiley, st.text), st.smileys)
    print_setup(ws, *footer)
    ws.activate()


def _summary(
    wb: xlsxwriter.Workbook,
    st: _Styles,
    data: MasterData,
    t: dict[str, Any],
    footer: tuple[str, str, str],
) -> None:
    ws = wb.add_worksheet(t["summary_sheet"])
    for col, width in enumerate(SUMMARY_WIDTHS):
        ws.set_column(col, col, width)
    row = _returns_table(ws, st, data, t, 0)
    groups = [(c, data.by_center[c]) for c in data.by_center]
    row, center_rows = _counts_table(
        ws, st, t, row + 2, t["counts_by_center"], t["col_center"], groups
    )
    row = _chart(wb, ws, t, center_rows) + 1
    breaks = [row]  # the chart ends the first page
    sections = {s.number: s.label for s in data.register.sections}
    groups = [(sections.get(n, n), c) for n, c in data.by_section.items()]
    row, _ = _counts_table(ws, st, t, row, t["counts_by_section"], t["col_section"], groups)
    row = _flags_table(ws, st, data, t, row + 2)
    _changes_table(ws, st, data, t, row + 2)
    ws.set_h_pagebreaks(breaks)
    print_setup(ws, *footer)


def _returns_table(
    ws: Worksheet, st: _Styles, data: MasterData, t: dict[str, Any], row: int
) -> int:
    ws.write_string(row, 0, t["returns_heading"], st.heading)
    row += 1
    headers = [
        t["col_center"],
        t["col_issued"],
        t["col_returned"],
        t["col_accepted"],
        t["col_rejected"],
    ]
    ws.write_row(row, 0, headers, st.header)
    first = row + 1
    for r in data.returns:
        row += 1
        ws.write_string(row, 0, r.center, st.cell)
        for col, value in enumerate((r.issued, r.returned, r.accepted, r.rejected), start=1):
            ws.write_number(row, col, value, st.number)
    row += 1
    ws.write_string(row, 0, t["total"], st.total_label)
    for col in range(1, 5):
        total = sum((r.issued, r.returned, r.accepted, r.rejected)[col - 1] for r in data.returns)
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
    st: _Styles,
    t: dict[str, Any],
    row: int,
    heading: str,
    first_header: str,
    groups: list[tuple[str, Counts]],
) -> tuple[int, tuple[int, int]]:
    """Rows: one per group; columns: milestone buckets then economy buckets."""
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
    return row, (first, row - 1)


def _chart(
    wb: xlsxwriter.Workbook, ws: Worksheet, t: dict[str, Any], rows: tuple[int, int]
) -> None:
    """A native stacked bar chart of the milestone counts per center."""
    first, last = rows
    if last < first:
        return
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
    chart.set_title({"name": f"{t['chart_title']} ({t['milestones']})", "name_font": {"size": 11}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 900, "height": CHART_HEIGHT_PX})
    ws.insert_chart(last + 3, 0, chart)
    return last + 3 + CHART_HEIGHT_PX // 20 + 1


def _flag_labels(flag: Flag, t: dict[str, Any]) -> str:
    names = {
        RED: t["flag_red"],
        OVERDUE: t["flag_overdue"],
        MISSING: t["flag_missing"],
        NOT_RETURNED: t["flag_not_returned"],
    }
    return ", ".join(names[k] for k in flag.kinds)


# The summary sheet's grid, and the flag table's fields on it: (first, last) column.
SUMMARY_WIDTHS = [30] + [9] * 8 + [24, 8, 40]
FLAG_COLUMNS = [(0, 0), (1, 2), (3, 4), (5, 8), (9, 9), (10, 10), (11, 11)]
CHART_HEIGHT_PX = 300


def _row_height(values: list[str]) -> float:
    """Height for a flag-table row: the tallest wrapped field."""
    spans = [sum(SUMMARY_WIDTHS[a : b + 1]) for a, b in FLAG_COLUMNS]
    return max(_height(v, w) for v, w in zip(values, spans, strict=True))


def _item_table(
    ws: Worksheet,
    st: _Styles,
    row: int,
    heading: str,
    headers: list[str],
    rows: list[list[str]],
    empty: str,
    smiley_col: int | None = None,
) -> int:
    """A heading and a table of items on the summary grid; returns its last row."""
    ws.write_string(row, 0, heading, st.heading)
    row += 1
    _spread(ws, row, headers, st.header)
    if not rows:
        ws.write_string(row + 1, 0, empty, st.text)
        return row + 1
    first = row + 1
    for values in rows:
        row += 1
        _spread(ws, row, values, st.cell, smiley_col=smiley_col, smiley_fmt=st.smiley)
        ws.set_row(row, _row_height(values))
    if smiley_col is not None:
        col = xl_rowcol_to_cell(0, FLAG_COLUMNS[smiley_col][0])[:-1]
        add_smiley_colours(ws, st.smileys, f"{col}{first + 1}:{col}{row + 1}")
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


def _flags_table(ws: Worksheet, st: _Styles, data: MasterData, t: dict[str, Any], row: int) -> int:
    """Every flagged item: red, overdue, missing, and centers that did not return."""
    items = data.register.items()
    by_key = {i.key: i for i in data.register.initiatives}
    rows = []
    for flag in data.flags:
        ini = by_key.get(flag.initiative_key)
        ms = items.get(flag.item_key, (None, None))[1] if flag.item_key else None
        rating = flag.rating
        rows.append(
            [
                ini.label if ini else "",
                _flag_labels(flag, t),
                flag.center,
                ms.text if ms else (t["economy_row"] if flag.item_key else ""),
                ms.deadline.text if ms else "",
                symbol(rating.smiley if rating else None),
                rating.comment if rating else "",
            ]
        )
    headers = _item_headers(t, t["col_flag"], t["col_smiley"])
    return _item_table(ws, st, row, t["flags_heading"], headers, rows, t["no_flags"], smiley_col=5)


def _changes_table(
    ws: Worksheet, st: _Styles, data: MasterData, t: dict[str, Any], row: int
) -> int:
    """What turned red, turned green or became overdue since the previous round."""
    items = data.register.items()
    notes = latest_comments(data.ratings, data.round.number)
    rows = []
    for change in data.changes:
        ini, ms = items[change.item_key]
        rows.append(
            [
                ini.label,
                ", ".join(t["change_" + k.replace("-", "_")] for k in change.kinds),
                change.center,
                ms.text if ms else t["economy_row"],
                ms.deadline.text if ms else "",
                f"{symbol(change.before) or '–'} → {symbol(change.after) or '–'}",
                notes.get(change.item_key, ""),
            ]
        )
    headers = _item_headers(t, t["col_change"], t["col_before_after"])
    return _item_table(ws, st, row, t["changes_heading"], headers, rows, t["no_changes"])


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


DETAIL_WIDTHS = {"label": 11, "text": 62, "deadline": 20, "round": 7, "comment": 44}


class _Detail:
    """Writes the detail sheet row by row, remembering heights and where blocks start,
    so page breaks can keep initiatives whole and start every section on a new page."""

    def __init__(self, ws: Worksheet, st: _Styles, t: dict[str, Any], data: MasterData) -> None:
        self.ws, self.st, self.t = ws, st, t
        self.rounds = [r for r in data.register.rounds if r.number <= data.round.number]
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
        self.by_key = {(r.item_key, r.round): r for r in data.ratings}
        self.flagged = {f.item_key for f in data.flags if f.item_key}
        self.row = 0
        self.heights: dict[int, float] = {}
        self.blocks: list[tuple[int, bool]] = []  # (first row, forced break before)

    def set_height(self, height: float) -> None:
        self.ws.set_row(self.row, height)
        self.heights[self.row] = height
        self.row += 1

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

    def section(self, label: str) -> None:
        self.blocks.append((self.row, bool(self.blocks)))
        self.ws.merge_range(self.row, 0, self.row, self.comment_col, label, self.st.section)
        self.set_height(22)

    def initiative(self, ini: Initiative, first_in_section: bool) -> None:
        st, t, ws = self.st, self.t, self.ws
        if not first_in_section:
            self.blocks.append((self.row, False))
        ws.write_string(self.row, 0, ini.number, st.initiative)
        ws.write_string(self.row, 1, ini.title, st.initiative)
        for col in range(2, self.comment_col + 1):
            ws.write_blank(self.row, col, None, st.initiative)
        # Bold 11 pt wraps earlier than the 10 pt body text the estimate assumes.
        self.set_height(text_height(ini.title, DETAIL_WIDTHS["text"] * 0.8) + 3)
        kind = f"{t['description']} ({ini.kind})" if ini.kind else t["description"]
        description = "\n".join(p for p in (kind, ini.description) if p)
        ws.merge_range(self.row, 1, self.row, self.comment_col, description, st.text)
        self.set_height(text_height(description, self.wide))
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
        ws.merge_range(self.row, 1, self.row, self.comment_col, people, st.italic)
        self.set_height(text_height(people, self.wide))
        for ms in ini.milestones:
            if not ms.is_placeholder:
                self.item(t["milestone"], ms.text, ms.deadline.text, ms.key)
        self.item(t["economy_row"], ini.economy, "", ini.economy_key)

    def item(self, label: str, text: str, deadline: str, key: str) -> None:
        st, ws = self.st, self.ws
        flagged = key in self.flagged
        cell = st.flag_cell if flagged else st.cell
        smiley_fmt = st.flag_smiley if flagged else st.smiley
        ws.write_string(self.row, 0, label, cell)
        ws.write_string(self.row, 1, text, cell)
        ws.write_string(self.row, 2, deadline, cell)
        comment = ""
        for offset, rnd in enumerate(self.rounds):
            rating = self.by_key.get((key, rnd.number))
            smiley = symbol(rating.smiley if rating else None)
            ws.write_string(self.row, self.first_smiley + offset, smiley, smiley_fmt)
            if rating and rating.comment:
                comment = rating.comment
        ws.write_string(self.row, self.comment_col, comment, cell)
        height = max(
            text_height(text, DETAIL_WIDTHS["text"]),
            text_height(comment, DETAIL_WIDTHS["comment"]),
        )
        self.set_height(height)

    def page_breaks(self) -> list[int]:
        ends = [first for first, _ in self.blocks[1:]] + [self.row]
        blocks = [
            (first, sum(self.heights.get(r, 15.0) for r in range(first, end)), forced)
            for (first, forced), end in zip(self.blocks, ends, strict=True)
        ]
        return greedy_breaks(blocks, page_room(self.widths, self.heights.get(0, 15.0)))


def _detail(
    wb: xlsxwriter.Workbook,
    st: _Styles,
    data: MasterData,
    t: dict[str, Any],
    footer: tuple[str, str, str],
) -> None:
    """Every initiative in register order, grouped by section, like the seed report."""
    ws = wb.add_worksheet(t["detail_sheet"])
    detail = _Detail(ws, st, t, data)
    detail.header()
    ws.repeat_rows(0)
    ws.freeze_panes(1, 0)
    sections = {s.number: s for s in data.register.sections}
    current = None
    for ini in data.register.initiatives:
        first = ini.section != current
        if first:
            current = ini.section
            detail.section(sections[current].label if current in sections else current)
        detail.initiative(ini, first)
    first_cell = xl_rowcol_to_cell(1, detail.first_smiley)
    last_cell = xl_rowcol_to_cell(max(detail.row - 1, 1), detail.comment_col - 1)
    add_smiley_colours(ws, st.smileys, f"{first_cell}:{last_cell}")
    ws.set_h_pagebreaks(detail.page_breaks())
    print_setup(ws, *footer)


def _height(text: str, width: float) -> float:
    return text_height(text, width)


def _findings(
    wb: xlsxwriter.Workbook,
    st: _Styles,
    data: MasterData,
    t: dict[str, Any],
    footer: tuple[str, str, str],
) -> None:
    ws = wb.add_worksheet(t["findings_sheet"])
    widths = [34, 10, 8, 22, 9, 80]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    headers = [
        t["col_file"],
        t["col_sheet"],
        t["col_cell"],
        t["col_code"],
        t["col_severity"],
        t["col_message"],
    ]
    ws.write_row(0, 0, headers, st.header)
    ws.repeat_rows(0)
    ws.freeze_panes(1, 0)
    if not data.findings:
        ws.write_string(1, 0, t["no_findings"], st.text)
    for row, f in enumerate(data.findings, start=1):
        for col, key in enumerate(("file", "sheet", "cell", "code", "severity", "message")):
            ws.write_string(row, col, f.get(key, ""), st.cell)
    ws.autofilter(0, 0, max(len(data.findings), 1), len(headers) - 1)
    print_setup(ws, *footer)
