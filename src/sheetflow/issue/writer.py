"""Render a center workbook (guide, status sheet, metadata) with xlsxwriter.

Takes plain data (the layout, the guide's facts, the texts) and writes one
file; same data, same bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from sheetflow.answers import validation_for
from sheetflow.atomic import atomic_path
from sheetflow.contract import META_PREFIX, META_SHEET
from sheetflow.form import Form
from sheetflow.issue.layout import COMMENT_MAX, StatusLayout, address, col_letter, text_height
from sheetflow.smiley import SYMBOLS, Smiley
from sheetflow.xlsxutil import (
    IN_MEMORY,
    FastZipWorkbook,
    add_smiley_colours,
    print_setup,
    set_fixed_properties,
    smiley_formats_for,
    write_smiley_guide,
)

INPUT_FILL = "#FFF2CC"


@dataclass(frozen=True)
class GuideFacts:
    """What the guide sheet tells the center."""

    agreement: str
    center: str
    round_name: str
    as_of: str
    deadline: str
    contact: str
    contact_email: str
    contact_phone: str
    link: str = ""  # the center's upload page (web intake), when there is one


@dataclass(frozen=True)
class Corrections:
    """What turns an issued workbook into a correction workbook: the same layout and
    metadata (it validates like the original), the valid answers pre-filled, every
    problem cell marked with a note, and a first sheet listing what to fix."""

    answers: dict[str, str]  # input address → the center's valid answer
    notes: dict[str, str]  # address → what is wrong there and what to do
    rows: list[tuple[str, str, str]]  # (cell, what was found, what to do)
    sheet: str
    title: str
    intro: str
    headers: tuple[str, str, str]

    @classmethod
    def answers_only(cls, answers: dict[str, str]) -> Corrections:
        """Answers already given, pre-filled in a new version: nothing marked, no list."""
        return cls(answers, {}, [], "", "", "", ("", "", ""))


PROBLEM_FILL = "#F8CBAD"


def _styles(wb: xlsxwriter.Workbook) -> dict[str, Any]:
    base = {"valign": "top", "text_wrap": True, "font_size": 10}

    def f(**kw: Any) -> Any:
        return wb.add_format({**base, **kw})

    smiley = {"align": "center", "valign": "vcenter", "font_size": 14, "border": 1}
    return {
        "title": f(bold=True, font_size=16, text_wrap=False),
        "subtitle": f(italic=True, text_wrap=False),
        "header": f(bold=True, bg_color="#1F4E78", font_color="#FFFFFF", border=1),
        "key": f(font_color="#808080", font_size=8),
        "section": f(bold=True, font_size=13, bg_color="#D9E1F2", bottom=2),
        "initiative": f(bold=True, bg_color="#EDF2F9", top=1),
        "description": f(),
        "people": f(italic=True, font_color="#404040"),
        "label": f(bold=True),
        "text": f(border=1, border_color="#BFBFBF"),
        "deadline": f(border=1, border_color="#BFBFBF"),
        "smiley": wb.add_format(smiley),
        "input_smiley": wb.add_format(
            {**smiley, "bg_color": INPUT_FILL, "border": 2, "locked": False}
        ),
        "input_comment": f(bg_color=INPUT_FILL, border=2, locked=False),
        "problem_smiley": wb.add_format(
            {
                **smiley,
                "bg_color": PROBLEM_FILL,
                "border": 2,
                "border_color": "#C00000",
                "locked": False,
            }
        ),
        "problem_comment": f(bg_color=PROBLEM_FILL, border=2, border_color="#C00000", locked=False),
        "not_asked": f(bg_color="#F2F2F2", border=1, border_color="#BFBFBF"),
        "bold": f(bold=True),
        "plain": f(),
        "heading": f(bold=True, font_size=12, text_wrap=False),
    }


def _field_styles(wb: xlsxwriter.Workbook, t: dict[str, Any]) -> dict[str, Any]:
    """Input and problem styles of a form's number, date and choice cells, with the
    number and date formats of the center's language."""
    base = {"valign": "top", "font_size": 10, "locked": False, "border": 2}
    kinds = {
        "number": {"num_format": t.get("number_format", "#,##0.00")},
        "integer": {"num_format": t.get("integer_format", "#,##0")},
        "date": {"num_format": t.get("date_format", "dd.mm.yyyy"), "align": "left"},
        "choice": {"align": "center"},
    }
    out = {}
    for kind, extra in kinds.items():
        out[f"input_{kind}"] = wb.add_format({**base, **extra, "bg_color": INPUT_FILL})
        out[f"problem_{kind}"] = wb.add_format(
            {**base, **extra, "bg_color": PROBLEM_FILL, "border_color": "#C00000"}
        )
    return out


def write_center_workbook(
    path: Path,
    layout: StatusLayout,
    facts: GuideFacts,
    meta: dict[str, str],
    texts: dict[str, dict[str, Any]],
    password: str | None = None,
    corrections: Corrections | None = None,
) -> Path:
    """Write one center's workbook atomically and return its path; with ``corrections``
    the correction workbook for a return that needs one."""
    with atomic_path(path) as tmp:
        wb = FastZipWorkbook(str(tmp), {**IN_MEMORY, "strings_to_urls": False})
        set_fixed_properties(
            wb, title=f"{facts.center}: {facts.round_name}", subject=facts.agreement
        )
        for name, value in sorted(meta.items()):
            wb.set_custom_property(META_PREFIX + name, value)
        styles = _styles(wb)
        if layout.form:
            styles.update(_field_styles(wb, texts["status"]))
        smiley_formats = smiley_formats_for(wb)
        if corrections is not None and corrections.rows:
            _corrections_sheet(wb, styles, corrections, facts, texts, password)
        _guide_sheet(wb, styles, smiley_formats, facts, layout, texts, password, corrections)
        _status_sheet(wb, styles, smiley_formats, layout, facts, texts, password, corrections)
        _meta_sheet(wb, meta)
        wb.close()
    return path


def _protect(ws: Worksheet, password: str | None) -> None:
    ws.protect(
        password or "",
        {
            "select_locked_cells": True,
            "select_unlocked_cells": True,
            "format_columns": True,
            "format_rows": True,
        },
    )


def _guide_sheet(
    wb: xlsxwriter.Workbook,
    styles: dict[str, Any],
    smiley_formats: dict[Smiley, Any],
    facts: GuideFacts,
    layout: StatusLayout,
    texts: dict[str, dict[str, Any]],
    password: str | None,
    corrections: Corrections | None = None,
) -> None:
    g = texts["guide"]
    ws = wb.add_worksheet(g["sheet"])
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 100, styles["plain"])
    fields = {
        "agreement": facts.agreement,
        "round": facts.round_name,
        "center": facts.center,
        "as_of": facts.as_of,
        "deadline": facts.deadline,
        "contact_email": facts.contact_email or facts.contact,
        "status_sheet": layout.sheet,
    }
    ws.write_string(0, 0, g["title"].format(**fields), styles["title"])
    ws.set_row(0, 24)
    contact = ", ".join(p for p in (facts.contact, facts.contact_email, facts.contact_phone) if p)
    row = 2
    for label, value in (
        (g["center"], facts.center),
        (g["round"], facts.round_name),
        (g["as_of"], facts.as_of),
        (g["deadline"], facts.deadline),
        (g["contact"], contact),
    ):
        ws.write_string(row, 0, label, styles["bold"])
        ws.write_string(row, 1, value, styles["plain"])
        row += 1
    if facts.link:
        ws.write_string(row, 0, g.get("link", "Link"), styles["bold"])
        ws.write_url(row, 1, facts.link, string=facts.link)
        row += 1
    formats = (styles["heading"], styles["smiley"], styles["plain"])
    row = write_smiley_guide(ws, row, texts, formats, smiley_formats)
    for heading, lines in ((g["howto_heading"], g["howto"]), (g["return_heading"], g["returning"])):
        row += 1
        ws.write_string(row, 0, heading, styles["heading"])
        row += 1
        for n, line in enumerate(lines, 1):
            ws.write_string(row, 0, f"{n}.", styles["bold"])
            ws.write_string(row, 1, line.format(**fields), styles["plain"])
            row += 1
    print_setup(ws, facts.center, facts.round_name, texts["status"]["footer_page"])
    _protect(ws, password)
    if corrections is None or not corrections.rows:
        ws.activate()


def _corrections_sheet(
    wb: xlsxwriter.Workbook,
    styles: dict[str, Any],
    c: Corrections,
    facts: GuideFacts,
    texts: dict[str, dict[str, Any]],
    password: str | None,
) -> None:
    """The first sheet of a correction workbook: what was found, where, what to do."""
    ws = wb.add_worksheet(c.sheet)
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 2, 60)
    ws.write_string(0, 0, c.title, styles["title"])
    ws.set_row(0, 24)
    ws.merge_range(1, 0, 1, 2, c.intro, styles["plain"])
    ws.set_row(1, 45)
    ws.write_row(3, 0, list(c.headers), styles["header"])
    for n, (cell, found, todo) in enumerate(c.rows, start=4):
        ws.write_string(n, 0, cell, styles["text"])
        ws.write_string(n, 1, found, styles["text"])
        ws.write_string(n, 2, todo, styles["text"])
        ws.set_row(n, max(text_height(found, 60), text_height(todo, 60)))
    ws.repeat_rows(3)
    print_setup(ws, facts.center, facts.round_name, texts["status"]["footer_page"])
    _protect(ws, password)
    ws.activate()


def _status_sheet(
    wb: xlsxwriter.Workbook,
    styles: dict[str, Any],
    smiley_formats: dict[Smiley, Any],
    layout: StatusLayout,
    facts: GuideFacts,
    texts: dict[str, dict[str, Any]],
    password: str | None,
    corrections: Corrections | None = None,
) -> None:
    t = texts["status"]
    ws = wb.add_worksheet(layout.sheet)
    for col, width in enumerate(layout.widths):
        col_options: dict[str, bool] = {"hidden": True} if col in layout.hidden_cols else {}
        ws.set_column(col, col, width, None, col_options)
    for row, height in layout.heights.items():
        ws.set_row(row, height)
    for cell in layout.cells:
        fmt = styles[cell.style]
        if cell.last_col is not None and cell.last_col > cell.col:
            ws.merge_range(cell.row, cell.col, cell.row, cell.last_col, cell.value, fmt)
        elif cell.value:
            ws.write_string(cell.row, cell.col, cell.value, fmt)
        else:
            ws.write_blank(cell.row, cell.col, None, fmt)
    form = layout.fields()
    if form is not None:
        _field_validations(ws, layout, form, t)
    smiley_inputs = [i.address for i in layout.inputs if i.kind == "smiley" and form is None]
    comment_inputs = [i.address for i in layout.inputs if i.kind == "comment" and form is None]
    smiley_choices = [SYMBOLS[s] for s in Smiley]
    if smiley_inputs:
        ws.data_validation(
            smiley_inputs[0],
            {
                "validate": "list",
                "source": smiley_choices,
                "multi_range": " ".join(smiley_inputs),
                "input_title": t["prompt_title"][:32],
                "input_message": t["prompt_message"][:255],
                "error_title": t["error_title"][:32],
                "error_message": t["error_message"][:255],
                "error_type": "stop",
            },
        )
    if comment_inputs:
        ws.data_validation(
            comment_inputs[0],
            {
                "validate": "length",
                "criteria": "<=",
                "value": COMMENT_MAX,
                "multi_range": " ".join(comment_inputs),
                "input_title": t["comment_prompt_title"][:32],
                "input_message": t["comment_prompt_message"].format(max=COMMENT_MAX)[:255],
                "error_title": t["comment_error_title"][:32],
                "error_message": t["comment_error_message"].format(max=COMMENT_MAX)[:255],
                "error_type": "stop",
            },
        )
    if corrections is not None:
        _mark_corrections(ws, styles, layout, corrections)
    if layout.smiley_cols:
        first, last = layout.smiley_cols[0], layout.smiley_cols[-1]
        rng = f"{col_letter(first)}{layout.header_row + 2}:{col_letter(last)}{layout.last_row + 1}"
        add_smiley_colours(ws, smiley_formats, rng)
    ws.freeze_panes(layout.header_row + 1, 0)
    ws.repeat_rows(layout.header_row)
    ws.print_area(0, 1, layout.last_row, layout.last_col)
    ws.set_h_pagebreaks(layout.page_breaks)
    print_setup(ws, facts.center, facts.round_name, t["footer_page"], header=facts.agreement)
    _protect(ws, password)


def _field_validations(ws: Worksheet, layout: StatusLayout, form: Form, t: dict[str, Any]) -> None:
    """Each field's Excel validation over all its input cells: Excel refuses what the
    collector would (``answers.validation_for``); its help text is the input prompt."""
    for f in form.fields:
        cells = [i.address for i in layout.inputs if i.kind == f.id]
        if not cells:
            continue
        options = validation_for(f, cells[0], t.get("lang", "da"), t)
        if len(cells) > 1:
            options["multi_range"] = " ".join(cells)
        ws.data_validation(cells[0], options)


def _mark_corrections(
    ws: Worksheet, styles: dict[str, Any], layout: StatusLayout, c: Corrections
) -> None:
    """Pre-fill the valid answers; mark each problem cell and say what is wrong there.

    Locked cells keep their issued text (the workbook must validate like the
    original); what the center wrote there is quoted in the cell's note."""
    kinds = {i.address: i.kind for i in layout.inputs}
    if layout.form:  # a form's own: the cell's issued style names its kind
        kinds = {
            a: s.removeprefix("input_")
            for a, s in ((address(c.row, c.col), c.style) for c in layout.cells if not c.locked)
        }
    for address_, kind in kinds.items():
        problem = address_ in c.notes
        style = ("problem_" if problem else "input_") + kind
        value = c.answers.get(address_, "")
        if value and kind in ("number", "integer", "date"):
            _write_typed(ws, address_, kind, value, styles[style])
        elif value:
            ws.write_string(address_, value, styles[style])
        elif problem:
            ws.write_blank(address_, None, styles[style])
    for cell, note in c.notes.items():
        ws.write_comment(cell, note, {"x_scale": 2.2, "y_scale": 1.6, "visible": False})


def _write_typed(ws: Worksheet, cell: str, kind: str, text: str, style: Any) -> None:
    """A pre-filled number or date answer written as a number or date, as typed."""
    try:
        if kind == "date":
            day = dt.date.fromisoformat(text)
            ws.write_datetime(cell, dt.datetime.combine(day, dt.time()), style)
        else:
            ws.write_number(cell, float(text), style)
    except ValueError:  # "ikke relevant"
        ws.write_string(cell, text, style)


def _meta_sheet(wb: xlsxwriter.Workbook, meta: dict[str, str]) -> None:
    """Workbook-level metadata, one name and value a row.

    The key of every row stands in the status sheet's own hidden key column,
    where a moved row carries its key along (which is how moves are caught);
    the ledger holds the full layout. Kept small so a collector reads it fast.
    """
    ws = wb.add_worksheet(META_SHEET)
    for row, (name, value) in enumerate(sorted(meta.items())):
        ws.write_string(row, 0, name)
        ws.write_string(row, 1, value)
    ws.protect()
    ws.very_hidden()
