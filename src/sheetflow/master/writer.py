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
from sheetflow.flags import MISSING, NOT_RETURNED, OVERDUE, RED, Flag
from sheetflow.issue.layout import text_height
from sheetflow.master.summary import BUCKETS, Counts, MasterData
from sheetflow.model import ECONOMY, MILESTONE, format_date
from sheetflow.smiley import Smiley, symbol
from sheetflow.xlsxutil import (
    add_smiley_colours,
    print_setup,
    set_fixed_properties,
    smiley_formats_for,
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
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
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
    t, s = texts["master"], texts["smileys"]
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
    for heading, kind in (
        (texts["guide"]["milestones_heading"], "milestone"),
        (texts["guide"]["economy_heading"], "economy"),
    ):
        row += 1
        ws.write_string(row, 0, heading, st.heading)
        row += 1
        for smiley in Smiley:
            ws.write_string(row, 0, f"{smiley.symbol}  {s[smiley.value]}", st.smiley)
            ws.write_string(row, 1, s[f"{kind}_{smiley.value}"], st.text)
            ws.set_row(row, 20)
            row += 1
    add_smiley_colours(ws, st.smileys, f"A1:A{row}")
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
    for col, width in enumerate([30] + [9] * 8 + [12, 8, 40]):
        ws.set_column(col, col, width)
    row = _returns_table(ws, st, data, t, 0)
    row, center_rows = _counts_table(
        ws, st, t, row + 2, t["col_center"], [(c, data.by_center[c]) for c in data.by_center]
    )
    _chart(wb, ws, t, center_rows)
    sections = {s.number: s.label for s in data.register.sections}
    row, _ = _counts_table(
        ws,
        st,
        t,
        row + 18,
        t["col_section"],
        [(sections.get(n, n), c) for n, c in data.by_section.items()],
    )
    row = _flags_table(ws, st, data, t, row + 2)
    _changes_table(ws, st, data, t, row + 2)
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
    first_header: str,
    groups: list[tuple[str, Counts]],
) -> tuple[int, tuple[int, int]]:
    """Rows: one per group; columns: milestone buckets then economy buckets."""
    ws.write_string(row, 0, t["counts_heading"], st.heading)
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
    chart.set_size({"width": 900, "height": 320})
    ws.insert_chart(last + 3, 0, chart)


def _flag_labels(flag: Flag, t: dict[str, Any]) -> str:
    names = {
        RED: t["flag_red"],
        OVERDUE: t["flag_overdue"],
        MISSING: t["flag_missing"],
        NOT_RETURNED: t["flag_not_returned"],
    }
    return ", ".join(names[k] for k in flag.kinds)


# Flag table columns: (first, last) per field on the summary sheet's grid.
FLAG_COLUMNS = [(0, 0), (1, 2), (3, 4), (5, 8), (9, 9), (10, 10), (11, 11)]


def _flags_table(ws: Worksheet, st: _Styles, data: MasterData, t: dict[str, Any], row: int) -> int:
    ws.write_string(row, 0, t["flags_heading"], st.heading)
    row += 1
    headers = [
        f"{t['col_number']} {t['col_title']}",
        t["col_flag"],
        t["col_center"],
        t["col_milestone"],
        t["col_deadline"],
        t["col_smiley"],
        t["col_comment"],
    ]
    _spread(ws, row, headers, st.header)
    if not data.flags:
        ws.write_string(row + 1, 0, t["no_flags"], st.text)
        return row + 1
    items = data.register.items()
    by_key = {i.key: i for i in data.register.initiatives}
    first = row + 1
    for flag in data.flags:
        row += 1
        ini = by_key.get(flag.initiative_key)
        ms = items.get(flag.item_key, (None, None))[1] if flag.item_key else None
        item_text = ms.text if ms else (t["economy_row"] if flag.item_key else "")
        rating = flag.rating
        comment = rating.comment if rating else ""
        values = [
            ini.label if ini else "",
            _flag_labels(flag, t),
            flag.center,
            item_text,
            ms.deadline.text if ms else "",
            symbol(rating.smiley if rating else None),
            comment,
        ]
        _spread(ws, row, values, st.cell, smiley_col=5, smiley_fmt=st.smiley)
        ws.set_row(row, max(_height(item_text, 36), _height(comment, 40), _height(values[0], 30)))
    add_smiley_colours(ws, st.smileys, f"K{first + 1}:K{row + 1}")
    return row


def _changes_table(
    ws: Worksheet, st: _Styles, data: MasterData, t: dict[str, Any], row: int
) -> int:
    """What turned red, turned green or became overdue since the previous round."""
    ws.write_string(row, 0, t["changes_heading"], st.heading)
    row += 1
    headers = [
        f"{t['col_number']} {t['col_title']}",
        t["col_change"],
        t["col_center"],
        t["col_milestone"],
        t["col_deadline"],
        t["col_before_after"],
        "",
    ]
    _spread(ws, row, headers, st.header)
    if not data.changes:
        ws.write_string(row + 1, 0, t["no_changes"], st.text)
        return row + 1
    items = data.register.items()
    for change in data.changes:
        row += 1
        ini, ms = items[change.item_key]
        item_text = ms.text if ms else t["economy_row"]
        arrow = f"{symbol(change.before) or '–'} → {symbol(change.after) or '–'}"
        kind = t["change_" + change.kind.replace("-", "_")]
        values = [
            ini.label,
            kind,
            change.center,
            item_text,
            ms.deadline.text if ms else "",
            arrow,
            "",
        ]
        _spread(ws, row, values, st.cell)
        ws.set_row(row, max(_height(item_text, 36), _height(ini.label, 30)))
    return row


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


def _detail(
    wb: xlsxwriter.Workbook,
    st: _Styles,
    data: MasterData,
    t: dict[str, Any],
    footer: tuple[str, str, str],
) -> None:
    """Every initiative in register order, grouped by section, like the seed report."""
    ws = wb.add_worksheet(t["detail_sheet"])
    rounds = [r for r in data.register.rounds if r.number <= data.round.number]
    first_smiley = 3
    comment_col = first_smiley + len(rounds)
    ws.set_column(0, 0, 11)
    ws.set_column(1, 1, 62)
    ws.set_column(2, 2, 20)
    ws.set_column(first_smiley, comment_col - 1, 7)
    ws.set_column(comment_col, comment_col, 44)
    headers = [
        "",
        t["col_title"],
        t["col_deadline"],
        *[f"{r.number}." for r in rounds],
        t["col_comment"],
    ]
    ws.write_row(0, 0, headers, st.header)
    ws.repeat_rows(0)
    ws.freeze_panes(1, 0)
    by_key = {(r.item_key, r.round): r for r in data.ratings}
    flagged = {f.item_key for f in data.flags if f.item_key}
    sections = {s.number: s for s in data.register.sections}
    breaks: list[int] = []
    row = 0
    current = None
    for ini in data.register.initiatives:
        if ini.section != current:
            current = ini.section
            row += 1
            if row > 1:
                breaks.append(row)
            label = sections[current].label if current in sections else current
            ws.merge_range(row, 0, row, comment_col, label, st.section)
            ws.set_row(row, 22)
        row = _detail_initiative(ws, st, t, ini, rounds, by_key, flagged, row + 1, comment_col)
    add_smiley_colours(
        ws,
        st.smileys,
        f"{xl_rowcol_to_cell(1, first_smiley)}:{xl_rowcol_to_cell(max(row, 1), comment_col - 1)}",
    )
    ws.set_h_pagebreaks(breaks)
    print_setup(ws, *footer)


def _height(text: str, width: float) -> float:
    return text_height(text, width)


def _detail_initiative(
    ws: Worksheet,
    st: _Styles,
    t: dict[str, Any],
    ini: Any,
    rounds: list,
    by_key: dict,
    flagged: set[str],
    row: int,
    comment_col: int,
) -> int:
    ws.write_string(row, 0, ini.number, st.initiative)
    ws.write_string(row, 1, ini.title, st.initiative)
    ws.write_string(row, 2, ini.kind, st.initiative)
    for col in range(3, comment_col + 1):
        ws.write_blank(row, col, None, st.initiative)
    ws.set_row(row, _height(ini.title, 62) + 2)
    row += 1
    wide = 62 + 20 + 7 * len(rounds) + 44
    if ini.description:
        ws.merge_range(row, 1, row, comment_col, ini.description, st.text)
        ws.set_row(row, _height(ini.description, wide))
        row += 1
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
    ws.merge_range(row, 1, row, comment_col, people, st.italic)
    ws.set_row(row, _height(people, wide))
    row += 1
    for ms in ini.milestones:
        row = _detail_item(
            ws,
            st,
            t["milestone"],
            ms.text,
            ms.deadline.text,
            ms.key,
            rounds,
            by_key,
            ms.key in flagged,
            row,
            comment_col,
        )
    return _detail_item(
        ws,
        st,
        t["economy_row"],
        ini.economy,
        "",
        ini.economy_key,
        rounds,
        by_key,
        ini.economy_key in flagged,
        row,
        comment_col,
    )


def _detail_item(
    ws: Worksheet,
    st: _Styles,
    label: str,
    text: str,
    deadline: str,
    key: str,
    rounds: list,
    by_key: dict,
    is_flagged: bool,
    row: int,
    comment_col: int,
) -> int:
    cell = st.flag_cell if is_flagged else st.cell
    smiley_fmt = st.flag_smiley if is_flagged else st.smiley
    ws.write_string(row, 0, label, cell)
    ws.write_string(row, 1, text, cell)
    ws.write_string(row, 2, deadline, cell)
    comment = ""
    for offset, rnd in enumerate(rounds):
        rating = by_key.get((key, rnd.number))
        ws.write_string(row, 3 + offset, symbol(rating.smiley if rating else None), smiley_fmt)
        if rating and rating.comment:
            comment = rating.comment
    ws.write_string(row, comment_col, comment, cell)
    ws.set_row(row, max(_height(text, 62), _height(comment, 44)))
    return row + 1


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
