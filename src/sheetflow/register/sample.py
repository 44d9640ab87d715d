"""The embedded sample: Ballerup Kommune's 2017 budget agreement.

Built from the third follow-up report (shipped as package data) and an
editable round calendar, ``data/budget2017_calendar.csv``. The seed states no
as-of dates, so the calendar uses the quarter ends 31.3, 30.6, 30.9 and 31.12.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace
from importlib import resources

from sheetflow.model import Rating, Register, Round
from sheetflow.register.report_text import import_report_text

REPORT = "budget2017_report.txt"
CALENDAR = "budget2017_calendar.csv"
NO_EFFECT = "ikke særskilt økonomisk effekt"


def _data(name: str) -> str:
    return resources.files("sheetflow").joinpath("data", name).read_text(encoding="utf-8")


def sample_report_text() -> str:
    """The seed report, as shipped with the package."""
    return _data(REPORT)


def sample_calendar() -> list[Round]:
    """The rounds of 2017 with their as-of dates and return deadlines."""
    rows = csv.DictReader(io.StringIO(_data(CALENDAR)))
    return [
        Round(
            int(r["number"]),
            r["name"],
            dt.date.fromisoformat(r["as_of"]),
            dt.date.fromisoformat(r["return_deadline"]),
        )
        for r in rows
    ]


def sample_register(up_to_round: int | None = None) -> Register:
    """The 2017 plan with the seed's ratings (only rounds <= ``up_to_round`` if given)."""
    register = import_report_text(sample_report_text(), source_name="rapport").register
    register.rounds = sample_calendar()
    # The report leaves these economy lines unrated on purpose: nothing to follow up.
    register.initiatives = [
        replace(i, economy_na=True) if NO_EFFECT in i.economy.casefold() else i
        for i in register.initiatives
    ]
    if up_to_round is not None:
        register.ratings = [r for r in register.ratings if r.round <= up_to_round]
    return register


def sample_answers(round_number: int) -> list[Rating]:
    """What the centers really answered in a round, according to the seed."""
    register = import_report_text(sample_report_text(), source_name="rapport").register
    return [replace(r, source="") for r in register.ratings if r.round == round_number]
