"""Dates as people type them into the register, read into one form.

Finance types "31-03-2026", "31/3/2026", "31.3.26", "2026-03-31" or lets
Excel make a date cell; sheetflow accepts all of them and writes dd.mm.yyyy.
Anything else is rejected with the accepted forms named (``ACCEPTED_FORMS``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

# Day, month, year with ".", "-" or "/" between; a two-digit year is 20yy.
_DMY = re.compile(r"^(\d{1,2})\s*([./-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# "27. oktober 2017", "27. okt. 2017", "27 oktober 2017"
_LONG = re.compile(r"^(\d{1,2})\.?\s+([a-zæøå]+)\.?\s+(\d{4})$")
MONTHS_DA = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip

ACCEPTED_FORMS = "31.03.2026, 31-03-2026, 31/3/2026, 31.3.26, 2026-03-31, 31. marts 2026"


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month(name: str) -> int | None:
    """A Danish month name or its first three letters ("okt")."""
    name = name.casefold()
    for n, month in enumerate(MONTHS_DA, start=1):
        if name == month or (len(name) >= 3 and month.startswith(name)):
            return n
    return None


def parse_day(value: Any) -> dt.date | None:
    """A date from an Excel date cell or text in one of ``ACCEPTED_FORMS``; None otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if m := _DMY.match(text):
        year = int(m.group(4))
        return _day(year + 2000 if year < 100 else year, int(m.group(3)), int(m.group(1)))
    if m := _ISO.match(text):
        return _day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if (m := _LONG.match(text.casefold())) and (month := _month(m.group(2))):
        return _day(int(m.group(3)), month, int(m.group(1)))
    return None


def is_long_form(text: str) -> bool:
    """True for a date written with the month's name ("27. oktober 2017")."""
    return bool(_LONG.match(text.strip().casefold()))


def dd_mm_yyyy(day: dt.date) -> str:
    """The register's one written form of a date: 31.03.2026."""
    return f"{day.day:02d}.{day.month:02d}.{day.year}"
