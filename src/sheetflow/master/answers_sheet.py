"""The master's answers sheet: a form of finance's own, one column per field, one row
per answered item per round, with totals of the number fields per center, per
section and for the round.

Rounds up to this one, oldest first, so a field's history stays beside it by id
(a relabelled field keeps its column, a retired one keeps its earlier answers).
Numbers are numbers and dates are dates (the cell formats them); a choice shows
its label in the master's language; "ikke relevant", "left empty" and "not
asked" read differently. Written only when the round has typed answers, so a
default-form master is byte for byte as before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import xlsxwriter

from sheetflow.answer_book import AnswerBook, answer_flags, shown
from sheetflow.form import INTEGER, NUMBER, Field
from sheetflow.master.summary import MasterData
from sheetflow.model import Initiative
from sheetflow.xlsxutil import print_setup

NUMERIC = (NUMBER, INTEGER)


def _formats(wb: xlsxwriter.Workbook, t: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    base = {"valign": "top", "font_size": 10, "border": 1, "border_color": "#BFBFBF"}
    number = status.get("number_format", "#,##0.00")
    date = status.get("date_format", "dd.mm.yyyy")
    total = {**base, "bold": True, "top": 2, "border_color": "#000000"}
    return {
        "heading": wb.add_format({"bold": True, "font_size": 14}),
        "header": wb.add_format(
            {
                **base,
                "bold": True,
                "bg_color": "#1F4E78",
                "font_color": "#FFFFFF",
                "text_wrap": True,
            }
        ),
        "text": wb.add_format({**base, "text_wrap": True}),
        "number": wb.add_format({**base, "num_format": number}),
        "integer": wb.add_format({**base, "num_format": status.get("integer_format", "#,##0")}),
        "date": wb.add_format({**base, "num_format": date, "align": "left"}),
        "state": wb.add_format({**base, "italic": True, "font_color": "#808080"}),
        "flag": wb.add_format({**base, "text_wrap": True, "bg_color": "#FCE4D6"}),
        "total_label": wb.add_format(total),
        "total": wb.add_format({**total, "num_format": number}),
    }


def _items(ini: Initiative, t: dict[str, Any], retired: dict[str, str]) -> list[tuple[str, str]]:
    """(item key, what the row says) of an initiative's rows, milestones removed from
    the register since they were answered included (as issued, marked so)."""
    rows = [(ini.key, t["initiative_row"])]
    rows += [(m.key, m.text) for m in ini.milestones if not m.is_placeholder]
    rows += [
        (key, t["answers_retired"].format(text=text))
        for key, text in sorted(retired.items())
        if key.startswith(f"{ini.key}-M")
    ]
    rows.append((ini.economy_key, t["economy_row"]))
    return rows


def write_answers(
    wb: xlsxwriter.Workbook,
    data: MasterData,
    texts: dict[str, dict[str, Any]],
    footer: tuple[str, str, str],
) -> None:
    """The answers sheet, when the round has a form of finance's own."""
    book: AnswerBook | None = data.answers
    if book is None or not book.fields or not book.values:
        return
    t = texts["master"]
    lang = t.get("lang", "da")
    fmt = _formats(wb, t, texts.get("status", {}))
    ws = wb.add_worksheet(t["answers_sheet"])
    fields = book.fields
    first = 4  # round, center, number, item
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 7)
    ws.set_column(3, 3, 40)
    for n, f in enumerate(fields):
        ws.set_column(first + n, first + n, 40 if f.type == "text" else 15)
    ws.set_column(first + len(fields), first + len(fields), 36)
    ws.write_string(0, 0, t["answers_heading"].format(round=data.round.name), fmt["heading"])
    headers = [
        t["answers_col_round"],
        t["answers_col_center"],
        t["answers_col_number"],
        t["answers_col_item"],
        *(f.label(lang) for f in fields),
        t["answers_col_flag"],
    ]
    row = 2
    for col, text in enumerate(headers):
        ws.write_string(row, col, text, fmt["header"])
    ws.set_row(row, 30)
    ws.freeze_panes(row + 1, first)
    ws.repeat_rows(row)
    row += 1
    register = data.register
    rounds = [r for r in register.rounds if r.number <= data.round.number]
    centers = register.responsible_centers()
    for rnd in rounds:
        flagged: dict[str, list[str]] = {}
        for a in answer_flags(register, rnd.number, book):
            flagged.setdefault(a.item_key, []).append(a.field.label(lang))
        short = t["round_short"].format(number=rnd.number)
        grand = [0.0] * len(fields)
        by_section: dict[str, list[float]] = {}
        any_round = False
        for center in centers:
            totals = [0.0] * len(fields)
            wrote = False
            for ini in register.initiatives_for(center):
                for key, what in _items(ini, t, book.retired):
                    cells = book.get(key, rnd.number)
                    if not cells:
                        continue
                    wrote = True
                    ws.write_string(row, 0, short, fmt["text"])
                    ws.write_string(row, 1, center, fmt["text"])
                    ws.write_string(row, 2, ini.number, fmt["text"])
                    ws.write_string(row, 3, what if key != ini.key else ini.title, fmt["text"])
                    section = by_section.setdefault(ini.section, [0.0] * len(fields))
                    for n, f in enumerate(fields):
                        value = _cell(ws, row, first + n, f, cells, t, fmt)
                        if isinstance(value, int | float) and f.type in NUMERIC:
                            totals[n] += value
                            section[n] += value
                    marks = flagged.get(key, [])
                    style = fmt["flag"] if marks else fmt["text"]
                    ws.write_string(row, first + len(fields), ", ".join(marks), style)
                    row += 1
            if wrote:
                any_round = True
                row = _total(
                    ws, row, first, fields, totals, t["answers_total"].format(center=center), fmt
                )
                grand = [g + v for g, v in zip(grand, totals, strict=True)]
        if any_round:
            labels = {x.number: x.label for x in register.sections}
            for number, sums in sorted(by_section.items(), key=lambda kv: _section_order(kv[0])):
                label = t["answers_section_total"].format(section=labels.get(number, number))
                row = _total(ws, row, first, fields, sums, label, fmt)
            row = _total(ws, row, first, fields, grand, t["answers_grand_total"], fmt) + 1
    print_setup(ws, *footer)


def _section_order(number: str) -> tuple[int, str]:
    return (int(number), number) if number.isdigit() else (10**9, number)


def _cell(
    ws: Any,
    row: int,
    col: int,
    f: Field,
    cells: dict[str, Any],
    t: dict[str, Any],
    fmt: dict[str, Any],
) -> object:
    """Write one answer; not asked, missing (a required answer left empty) and "ikke
    relevant" read apart; an optional question left empty stays blank."""
    if f.id not in cells:
        ws.write_string(row, col, t["answers_not_asked"], fmt["state"])
        return None
    value = cells[f.id]
    if value is None:
        ws.write_string(row, col, t["answers_missing"] if f.required else "", fmt["state"])
        return None
    out = shown(f, value, t)
    if isinstance(out, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(out, dt.time()), fmt["date"])
    elif isinstance(out, int | float):
        ws.write_number(row, col, out, fmt["integer" if f.type == INTEGER else "number"])
    elif out == t.get("answer_not_applicable"):
        ws.write_string(row, col, out, fmt["state"])
    else:
        ws.write_string(row, col, str(out), fmt["text"])
    return out


def _total(
    ws: Any,
    row: int,
    first: int,
    fields: list[Field],
    totals: list[float],
    label: str,
    fmt: dict[str, Any],
) -> int:
    """A totals row: the sum of each number field (written as a number)."""
    ws.write_string(row, 0, "", fmt["total_label"])
    ws.write_string(row, 1, label, fmt["total_label"])
    ws.write_string(row, 2, "", fmt["total_label"])
    ws.write_string(row, 3, "", fmt["total_label"])
    for n, f in enumerate(fields):
        if f.type in NUMERIC:
            ws.write_number(row, first + n, totals[n], fmt["total"])
        else:
            ws.write_string(row, first + n, "", fmt["total_label"])
    ws.write_string(row, first + len(fields), "", fmt["total_label"])
    return row + 1
