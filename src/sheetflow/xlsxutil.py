"""Small helpers shared by every workbook sheetflow writes with xlsxwriter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from sheetflow import __version__
from sheetflow.smiley import SYMBOLS, Smiley

# Fixed document times make the same inputs give the same bytes.
FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)

FORMULA_PREFIXES = ("=", "+", "-", "@")


def col_letter(col: int) -> str:
    """0-based column index to letters (0 → A, 26 → AA)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def set_fixed_properties(wb: xlsxwriter.Workbook, *, title: str, subject: str = "") -> None:
    """Document properties that do not change from run to run."""
    wb.set_properties(
        {
            "title": title,
            "subject": subject,
            "author": "sheetflow",
            "company": "",
            "comments": f"sheetflow {__version__}",
            "created": FIXED_TIME,
        }
    )
    wb.set_calc_mode("auto")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read the text as a formula or DDE link."""
    # A tab, carriage return or line break before the sign still makes a formula.
    return text.lstrip(" \t\r\n").startswith(FORMULA_PREFIXES) if text else False


COLOURS = {
    Smiley.GREEN: ("#C6EFCE", "#006100"),
    Smiley.YELLOW: ("#FFEB9C", "#9C5700"),
    Smiley.RED: ("#FFC7CE", "#9C0006"),
}


def smiley_formats_for(wb: xlsxwriter.Workbook) -> dict[Smiley, Any]:
    """One fill-and-font format per smiley colour."""
    return {s: wb.add_format({"bg_color": bg, "font_color": fg}) for s, (bg, fg) in COLOURS.items()}


def add_smiley_colours(ws: Worksheet, formats: dict[Smiley, Any], rng: str) -> None:
    """Conditional formatting: ☺ green, 😐 yellow, ☹ red, in Excel and LibreOffice."""
    for smiley, fmt in formats.items():
        ws.conditional_format(
            rng, {"type": "cell", "criteria": "==", "value": f'"{SYMBOLS[smiley]}"', "format": fmt}
        )


def footer_text(text: str) -> str:
    """Escape a value for an Excel header/footer (& starts a code there)."""
    return text.replace("&", "&&")


def print_setup(ws: Worksheet, left: str, centre: str, page: str, header: str = "") -> None:
    """A4 landscape, one page wide, with a footer (left, centre, page numbers)."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    if header:
        ws.set_header(f"&L{footer_text(header)}")
    ws.set_footer(f"&L{footer_text(left)}&C{footer_text(centre)}&R{page}")


# A4 landscape with print_setup's margins (0.5" sides, 0.75" top and bottom).
PRINT_WIDTH_PT = 297 / 25.4 * 72 - 72
PRINT_HEIGHT_PT = 210 / 25.4 * 72 - 108 - 24  # less header and footer lines
CHAR_PT = 5.6  # points per unit of column width (Calibri 11, with padding)


def page_room(widths: Sequence[float], repeated_height: float = 0.0) -> float:
    """Unscaled points of rows that fit on one page when printed one page wide."""
    scale = min(1.0, PRINT_WIDTH_PT / max(sum(widths) * CHAR_PT, 1.0))
    return PRINT_HEIGHT_PT / scale - repeated_height


def greedy_breaks(blocks: list[tuple[int, float, bool]], room: float) -> list[int]:
    """Rows to break before: fill pages with whole blocks (first row, height,
    forced break before it); a block taller than a page starts a page of its own."""
    breaks: list[int] = []
    used = 0.0
    for first, height, forced in blocks:
        if used and (forced or used + height > room):
            breaks.append(first)
            used = 0.0
        used += height
    return breaks


def write_smiley_guide(
    ws: Worksheet,
    row: int,
    texts: dict[str, dict[str, Any]],
    formats: tuple[Any, Any, Any],
    colours: dict[Smiley, Any],
) -> int:
    """The reading guide's smiley definitions (milestones, then economy) from ``row``,
    in columns A (coloured smiley) and B (definition); returns the next free row.

    ``formats`` are (heading, smiley cell, definition text)."""
    heading_fmt, smiley_fmt, text_fmt = formats
    guide, words = texts["guide"], texts["smileys"]
    for heading, kind in (
        (guide["milestones_heading"], "milestone"),
        (guide["economy_heading"], "economy"),
    ):
        row += 1
        ws.write_string(row, 0, heading, heading_fmt)
        row += 1
        for smiley in Smiley:
            ws.write_string(row, 0, f"{smiley.symbol}  {words[smiley.value]}", smiley_fmt)
            ws.write_string(row, 1, words[f"{kind}_{smiley.value}"], text_fmt)
            ws.set_row(row, 20)
            row += 1
    add_smiley_colours(ws, colours, f"A1:A{row}")
    return row


def integer_axis(largest: int, most_ticks: int = 10) -> dict[str, Any]:
    """xlsxwriter options for a value axis of counts: from 0, whole numbers only,
    a step of 1, 2 or 5 times a power of ten that gives at most ``most_ticks`` steps
    (left to itself, a chart of small counts ticks at 0.5, 1.5 …)."""
    power = 1
    while True:
        for factor in (1, 2, 5):
            if largest <= factor * power * most_ticks:
                return {"min": 0, "major_unit": factor * power, "num_format": "0"}
        power *= 10
