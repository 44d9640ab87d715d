"""Write ``register.xlsx``: a guide sheet first, then one sheet per table.

Every header cell carries an input message saying what the column holds;
columns whose values come from a closed list (centers, sections, types,
rounds, smileys) get a dropdown. The guide sheet ("Vejledning") explains
every sheet and column with an example, the Type values, the forms of Tid
and how rows refer to each other. Same register, same bytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from sheetflow.atomic import atomic_path
from sheetflow.form import NOT_APPLICABLE_DA, TYPE_NAMES
from sheetflow.model import Register
from sheetflow.register.form_sheet import form_rows
from sheetflow.register.tables import (
    CENTERS,
    CHOICES,
    GUIDE_DEADLINES,
    GUIDE_INTRO,
    GUIDE_KINDS,
    GUIDE_RELATIONS,
    GUIDE_SHEET,
    INFO_HELP,
    INFO_ROWS,
    INFO_SHEET,
    INITIATIVES,
    KINDS,
    MILESTONES,
    QUESTIONS,
    RATINGS,
    ROUNDS,
    SECTIONS,
    SHEET_HELP,
    SMILEY_CHOICES,
    TABLES,
    Column,
)
from sheetflow.smiley import symbol
from sheetflow.xlsxutil import IN_MEMORY, QuickWorkbook, col_letter, set_fixed_properties

# The last row of a sheet (0-based): dropdowns cover the whole column, so rows finance
# pastes or types below the last one written (thousands of them at scale) still get one.
LAST_ROW = 1_048_575


def register_rows(register: Register) -> dict[str, list[list[Any]]]:
    """Each table of the register as rows of cell values (no header)."""
    cols = TABLES[INITIATIVES]
    milestones = [
        [m.initiative_key, m.position, m.text, m.deadline.text, _na(m.not_applicable)]
        for i in register.initiatives
        for m in i.milestones
    ]
    return {
        SECTIONS: [[s.number, s.title] for s in register.sections],
        CENTERS: [[c.name, c.contact_name, c.email] for c in register.centers],
        ROUNDS: [[r.number, r.name, r.as_of, r.return_deadline] for r in register.rounds],
        INITIATIVES: [
            [_na(v) if isinstance(v, bool) else v for v in (getattr(i, c.field) for c in cols)]
            for i in register.initiatives
        ],
        MILESTONES: milestones,
        RATINGS: [
            [r.round, r.item_key, symbol(r.smiley), r.comment, r.source] for r in register.ratings
        ],
        **form_rows(register.form),
    }


def _na(flag: bool) -> str:
    return NOT_APPLICABLE_DA if flag else ""


def _list_from(sheet: str, field: str) -> str:
    """A list source: one column of another sheet, as far down as it is filled.

    OFFSET over COUNTA grows with the rows finance adds, in Excel and in
    LibreOffice, and offers no blank entries below the last one (a fixed range
    would). It is as long as the column has filled cells, so an empty row in
    between leaves the last entry out (docs/workbooks.md says so).
    """
    col = col_letter(next(i for i, c in enumerate(TABLES[sheet]) if c.field == field))
    column = f"'{sheet}'!${col}:${col}"
    return f"=OFFSET('{sheet}'!${col}$2,0,0,MAX(1,COUNTA({column})-1),1)"


def _dropdowns() -> dict[tuple[str, str], dict[str, Any]]:
    """(sheet, field) → the list its cells offer and how firmly they insist on it.

    "warning" lets a value outside the list through after asking (the reader
    reports it); "information" only offers the list (Tid also takes dates,
    Delelement also takes keys).
    """
    return {
        (INITIATIVES, "center"): {
            "source": _list_from(CENTERS, "name"),
            "error_type": "warning",
            "error_message": "Centret står ikke på arket Centre.",
        },
        (INITIATIVES, "section"): {
            "source": _list_from(SECTIONS, "number"),
            "error_type": "warning",
            "error_message": "Afsnittet står ikke på arket Afsnit.",
        },
        (INITIATIVES, "kind"): {
            "source": list(KINDS),
            "error_type": "warning",
            "error_message": "Typen er ikke en af: " + ", ".join(KINDS) + ".",
        },
        (MILESTONES, "initiative_key"): {
            "source": _list_from(INITIATIVES, "number"),
            "error_type": "information",
            "error_message": "Skriv delelementets Nr. eller Nøgle fra arket Delelementer.",
        },
        (MILESTONES, "deadline"): {
            "source": _list_from(ROUNDS, "name"),
            "error_type": "information",
            "error_message": "Skriv en opfølgning fra listen eller en dato, fx 31.03.2026.",
        },
        (RATINGS, "round"): {
            "source": _list_from(ROUNDS, "number"),
            "error_type": "warning",
            "error_message": "Opfølgningen står ikke på arket Opfølgninger.",
        },
        (INITIATIVES, "economy_na"): {
            "source": [NOT_APPLICABLE_DA],
            "error_type": "warning",
            "error_message": "Skriv 'ikke relevant' eller lad feltet stå tomt.",
        },
        (MILESTONES, "not_applicable"): {
            "source": [NOT_APPLICABLE_DA],
            "error_type": "warning",
            "error_message": "Skriv 'ikke relevant' eller lad feltet stå tomt.",
        },
        (QUESTIONS, "type"): {
            "source": list(TYPE_NAMES.values()),
            "error_type": "warning",
            "error_message": "Typen er en af: " + ", ".join(TYPE_NAMES.values()) + ".",
        },
        (QUESTIONS, "choices"): {
            "source": _list_from(CHOICES, "list"),
            "error_type": "information",
            "error_message": "Skriv en Liste fra arket Valg eller værdierne med ; imellem.",
        },
        (RATINGS, "smiley"): {
            "source": list(SMILEY_CHOICES),
            "error_type": "warning",
            "error_message": "Vælg ☺, 😐 eller ☹.",
        },
    }


def _prompt(col: Column) -> dict[str, Any]:
    """The input message shown when the header cell is selected."""
    message = col.help + (" Skal udfyldes." if col.required and "Skal" not in col.help else "")
    return {
        "validate": "any",
        "input_title": col.header[:32],
        "input_message": message[:255],
    }


def write_register(register: Register, path: str | Path) -> Path:
    """Write the register workbook atomically; same register, same bytes."""
    target = Path(path)
    tables = register_rows(register)
    with atomic_path(target) as tmp:
        wb = QuickWorkbook(str(tmp), IN_MEMORY)
        set_fixed_properties(wb, title="Register", subject=register.info.agreement)
        styles = _Styles(wb)
        _write_guide(wb, styles)
        _write_info(wb, styles, register)
        dropdowns = _dropdowns()
        for name, rows in tables.items():
            _write_table(wb, styles, name, rows, dropdowns)
        wb.close()
    return target


class _Styles:
    def __init__(self, wb: Workbook) -> None:
        self.head = wb.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
        )
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.plain = wb.add_format({"valign": "top", "num_format": "@"})
        self.date = wb.add_format({"valign": "top", "num_format": "dd.mm.yyyy"})
        self.title = wb.add_format({"bold": True, "font_size": 16})
        self.heading = wb.add_format({"bold": True, "font_size": 12, "top": 1})
        self.example = wb.add_format({"italic": True, "text_wrap": True, "valign": "top"})


def _write_info(wb: Workbook, st: _Styles, register: Register) -> None:
    info = wb.add_worksheet(INFO_SHEET)
    info.write_row(0, 0, ["Felt", "Værdi"], st.head)
    info.set_column(0, 0, 14)
    info.set_column(1, 1, 70, st.wrap)
    for r, (attr, label) in enumerate(INFO_ROWS, start=1):
        info.write_string(r, 0, label)
        info.write_string(r, 1, getattr(register.info, attr))
        info.data_validation(
            r, 1, r, 1, {"validate": "any", "input_title": label, "input_message": INFO_HELP[attr]}
        )
    info.freeze_panes(1, 0)


def _write_table(
    wb: Workbook,
    st: _Styles,
    name: str,
    rows: list[list[Any]],
    dropdowns: dict[tuple[str, str], dict[str, Any]],
) -> None:
    ws = wb.add_worksheet(name)
    cols = TABLES[name]
    for c, col in enumerate(cols):
        ws.set_column(c, c, col.width, st.wrap if col.wrap else st.plain)
        ws.write_string(0, c, col.header, st.head)
        ws.data_validation(0, c, 0, c, _prompt(col))
        if (name, col.field) in dropdowns:
            options = {"validate": "list", "input_title": col.header[:32]}
            options["input_message"] = col.help[:255]
            options.update(dropdowns[(name, col.field)])
            ws.data_validation(1, c, LAST_ROW, c, options)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), st.date)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, "" if value is None else str(value))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(cols) - 1)


def _write_guide(wb: Workbook, st: _Styles) -> None:
    """The sheet the register opens on: what goes where, with an example row per sheet."""
    ws: Worksheet = wb.add_worksheet(GUIDE_SHEET)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 70, st.wrap)
    ws.set_column(3, 3, 30, st.wrap)
    ws.write_string(0, 0, "Sådan udfylder du registret", st.title)
    row = 2
    for line in GUIDE_INTRO:
        ws.merge_range(row, 0, row, 3, line, st.wrap)
        ws.set_row(row, 30)
        row += 1
    row += 1
    ws.write_string(row, 0, f"Arket {INFO_SHEET}", st.heading)
    ws.merge_range(row, 1, row, 3, SHEET_HELP[INFO_SHEET], st.heading)
    row += 1
    for attr, label in INFO_ROWS:
        ws.write_string(row, 0, label)
        ws.write_string(row, 2, INFO_HELP[attr])
        row += 1
    for name, cols in TABLES.items():
        row += 1
        ws.write_string(row, 0, f"Arket {name}", st.heading)
        ws.merge_range(row, 1, row, 3, SHEET_HELP[name], st.heading)
        row += 1
        ws.write_row(row, 0, ["Kolonne", "Skal udfyldes", "Betydning", "Eksempel"], st.head)
        row += 1
        for col in cols:
            ws.write_string(row, 0, col.header)
            required = col.required or "Skal udfyldes" in col.help
            ws.write_string(row, 1, "ja" if required else "")
            ws.write_string(row, 2, col.help)
            ws.write_string(row, 3, col.example, st.example)
            row += 1
    for heading, lines in (
        ("Type", GUIDE_KINDS),
        ("Tid (milepælens frist)", GUIDE_DEADLINES),
        ("Sådan hænger rækkerne sammen", GUIDE_RELATIONS),
    ):
        row += 1
        ws.merge_range(row, 0, row, 3, heading, st.heading)
        row += 1
        for line in lines:
            ws.merge_range(row, 0, row, 3, line, st.wrap)
            ws.set_row(row, 30)
            row += 1
    ws.activate()
