"""The register workbook (``register.xlsx``): one sheet per table, for finance to edit.

``write_register`` lays every table out with Danish headers, sized and wrapped
columns and a frozen header row; ``read_register`` (in ``register.reader``)
reads it back. The two round-trip exactly.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter

from sheetflow.atomic import atomic_path
from sheetflow.model import Register
from sheetflow.register.reader import read_register, resolve_deadline
from sheetflow.register.tables import (
    CENTERS,
    INFO_ROWS,
    INFO_SHEET,
    INITIATIVES,
    MILESTONES,
    RATINGS,
    ROUNDS,
    SECTIONS,
    TABLES,
)
from sheetflow.smiley import symbol
from sheetflow.xlsxutil import set_fixed_properties

__all__ = ["read_register", "register_rows", "resolve_deadline", "write_register"]

# --------------------------------------------------------------------- writing


def register_rows(register: Register) -> dict[str, list[list[Any]]]:
    """Each table of the register as rows of cell values (no header)."""
    milestones = [
        [m.initiative_key, m.position, m.text, m.deadline.text]
        for i in register.initiatives
        for m in i.milestones
    ]
    return {
        SECTIONS: [[s.number, s.title] for s in register.sections],
        CENTERS: [[c.name, c.contact_name, c.email] for c in register.centers],
        ROUNDS: [[r.number, r.name, r.as_of, r.return_deadline] for r in register.rounds],
        INITIATIVES: [
            [getattr(i, col.field) for col in TABLES[INITIATIVES]] for i in register.initiatives
        ],
        MILESTONES: milestones,
        RATINGS: [
            [r.round, r.item_key, symbol(r.smiley), r.comment, r.source] for r in register.ratings
        ],
    }


def write_register(register: Register, path: str | Path) -> Path:
    """Write the register workbook atomically; same register, same bytes."""
    target = Path(path)
    with atomic_path(target) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False})
        set_fixed_properties(wb, title="Register", subject=register.info.agreement)
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        plain = wb.add_format({"valign": "top", "num_format": "@"})
        date = wb.add_format({"valign": "top", "num_format": "dd.mm.yyyy"})
        info = wb.add_worksheet(INFO_SHEET)
        info.write_row(0, 0, ["Felt", "Værdi"], head)
        info.set_column(0, 0, 14)
        info.set_column(1, 1, 70, wrap)
        for r, (attr, label) in enumerate(INFO_ROWS, start=1):
            info.write_string(r, 0, label)
            info.write_string(r, 1, getattr(register.info, attr))
        info.freeze_panes(1, 0)
        for name, rows in register_rows(register).items():
            ws = wb.add_worksheet(name)
            cols = TABLES[name]
            for c, col in enumerate(cols):
                ws.set_column(c, c, col.width, wrap if col.wrap else plain)
                ws.write_string(0, c, col.header, head)
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row):
                    if isinstance(value, dt.date):
                        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
                    elif isinstance(value, int):
                        ws.write_number(r, c, value)
                    else:
                        ws.write_string(r, c, "" if value is None else str(value))
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, max(len(rows), 1), len(cols) - 1)
        wb.close()
    return target
