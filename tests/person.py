"""A finance officer's own small register, typed into the blank register.xlsx the way a
person would: rows under the headers, by header name, nothing from the sample."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

YEAR = 2026
TM, SD, SS = "Teknik og Miljø", "Skole og Dagtilbud", "Social og Sundhed"
R1, R2 = f"1. budgetopfølgning {YEAR}", f"2. budgetopfølgning {YEAR}"

INFO = {
    "Titel": f"Opfølgning på Aftale om budget {YEAR}",
    "Aftale": f"Aftale om budget {YEAR}",
    "Kontakt": "Jette Holm, Økonomi",
    "E-mail": "okonomi@vestby.dk",
}
TABLES: dict[str, list[dict[str, Any]]] = {
    "Afsnit": [{"Nr.": "1", "Afsnit": "Velfærd og vækst"}],
    "Centre": [
        {"Center": TM, "Kontaktperson": "Tove Mikkelsen", "E-mail": "tm@vestby.dk"},
        {"Center": SD, "Kontaktperson": "Søren Dahl", "E-mail": "sd@vestby.dk"},
        {"Center": SS, "Kontaktperson": "Sara Storm", "E-mail": "ss@vestby.dk"},
    ],
    "Delelementer": [
        {
            "Nøgle": "T1",
            "Afsnit": "1",
            "Nr.": "1.01",
            "Titel": "Sikre cykelstier",
            "Type": "anlæg",
            "Kort beskrivelse": "Nye cykelstier ved skolerne.",
            "Ansvarligt center": TM,
            "Økonomi": "3,0 mio. kr. i anlæg",
        },
        {
            "Nøgle": "S1",
            "Afsnit": "1",
            "Nr.": "1.02",
            "Titel": "Skolemad",
            "Type": "drift",
            "Kort beskrivelse": "Frokostordning i indskolingen.",
            "Ansvarligt center": SD,
            "Økonomi": "1,2 mio. kr. årligt",
        },
        {
            "Nøgle": "H1",
            "Afsnit": "1",
            "Nr.": "1.03",
            "Titel": "Hjemmepleje i nattetimerne",
            "Type": "drift",
            "Kort beskrivelse": "Flere nattevagter.",
            "Ansvarligt center": SS,
            "Økonomi": "0,5 mio. kr. årligt",
        },
    ],
    "Milepæle": [
        {"Delelement": "T1", "Nr.": 1, "Milepæl": "Projektering afsluttet", "Tid": R1},
        {"Delelement": "T1", "Nr.": 2, "Milepæl": "Anlæg påbegyndt", "Tid": R2},
        {"Delelement": "S1", "Nr.": 1, "Milepæl": "Leverandør valgt", "Tid": R1},
        {"Delelement": "H1", "Nr.": 1, "Milepæl": "Nattevagter ansat", "Tid": R2},
    ],
}


def _header_row(ws: Any, names: list[str]) -> tuple[int, dict[str, int]]:
    """The row holding the table's headers (the first few rows are searched)."""
    for row in ws.iter_rows(min_row=1, max_row=8):
        found = {str(c.value).strip(): c.column for c in row if c.value is not None}
        if all(n in found for n in names):
            return row[0].row, found
    raise AssertionError(f"no header row with {names} on {ws.title}")


def fill_register(path: Path, tables: dict[str, list[dict[str, Any]]] | None = None) -> None:
    """Type the officer's rows into register.xlsx under the headers, and save."""
    wb = openpyxl.load_workbook(path)
    info = wb["Oplysninger"]
    for row in info.iter_rows(min_row=1):
        label = row[0].value
        if label in INFO:
            row[1].value = INFO[label]
    for sheet, rows in (tables or TABLES).items():
        ws = wb[sheet]
        header, columns = _header_row(ws, list(rows[0]))
        last = max(
            [header]
            + [c.row for r in ws.iter_rows(min_row=header + 1) for c in r if c.value is not None]
        )
        for n, values in enumerate(rows, start=1):
            for name, value in values.items():
                ws.cell(row=last + n, column=columns[name], value=value)
    wb.save(path)
