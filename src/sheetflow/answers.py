"""Read one answer to one form field: forgiving about how people type, strict about
what is stored.

"1.234,5", "1234,5", "1234.5", "1 234 kr." are the number 1234.5 (or 1234);
"1.234" could be either, and "1,2 mio." is a unit sheetflow does not guess at:
both are findings that say what to write instead. Dates come as date cells,
Excel serials (1900 or 1904 system) or text in the register's accepted
forms. A choice is its value or its label in either language. What is stored
is typed: float or int, ``datetime.date``, bool, the choice's value, text.

:func:`validation_for` is the matching Excel data validation (xlsxwriter
options) for the center workbook, so Excel refuses what the collector would.
Pure functions: nothing here touches a file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sheetflow.form import (
    CHOICE,
    DATE,
    INTEGER,
    NO_WORDS,
    NOT_APPLICABLE_DA,
    NUMBER,
    SMILEY,
    TEXT,
    YES_WORDS,
    YESNO,
    Field,
    is_not_applicable,
)
from sheetflow.register.dates import ACCEPTED_FORMS, parse_day
from sheetflow.smiley import SYMBOLS, Smiley, UnknownSmiley, parse_smiley


class NotApplicable:
    """The answer "ikke relevant" (a state, not a value)."""

    def __repr__(self) -> str:
        return "NOT_APPLICABLE"


NOT_APPLICABLE = NotApplicable()
Value = float | int | dt.date | bool | str | Smiley | NotApplicable

_UNIT = re.compile(r"(?i)\s*(kr\.?|dkk|,-)\s*$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_DA_GROUPED = re.compile(r"^-?[1-9]\d{0,2}(\.\d{3})+(,\d+)?$")  # 1.234.567,5
_EN_GROUPED = re.compile(r"^-?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$")  # 1,234,567.5
_PLAIN_COMMA = re.compile(r"^-?\d+(,\d+)?$")  # 1234,5
_PLAIN_DOT = re.compile(r"^-?\d+(\.\d+)?$")  # 1234.5
_AMBIGUOUS = re.compile(r"^-?\d{1,3}[.,]\d{3}$")  # 1.234 or 1,234: thousands or decimals?
EXCEL_1900 = dt.date(1899, 12, 30)
EXCEL_1904 = dt.date(1904, 1, 1)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A typed value (None: left empty), or a finding code with what was expected."""

    value: Value | None = None
    code: str = ""
    expected: str = ""

    @property
    def ok(self) -> bool:
        return not self.code


def parse_number(text: str) -> float | str:
    """A number as people type it; a finding code when it cannot be read without a guess."""
    core = _UNIT.sub("", _SPACES.sub("", text.strip()))
    core = _UNIT.sub("", core)
    if not core:
        return "answer-not-a-number"
    if _AMBIGUOUS.match(core) and not core.lstrip("-").startswith("0"):
        return "answer-ambiguous-number"
    if _DA_GROUPED.match(core):
        return float(core.replace(".", "").replace(",", "."))
    if _EN_GROUPED.match(core):
        return float(core.replace(",", ""))
    if _PLAIN_COMMA.match(core):
        return float(core.replace(",", "."))
    if _PLAIN_DOT.match(core):
        return float(core)
    return "answer-not-a-number"


def _fmt(bound: float | dt.date, lang: str = "da") -> str:
    """A bound as the workbook's language writes it: 31.12.2026 and 1,5 in Danish,
    2026-12-31 and 1.5 in English (the English workbooks' own date format)."""
    if isinstance(bound, dt.date):
        if lang == "en":
            return bound.isoformat()
        return f"{bound.day:02d}.{bound.month:02d}.{bound.year}"
    if float(bound).is_integer():
        return str(int(bound))
    return str(bound) if lang == "en" else str(bound).replace(".", ",")


def _window(field: Field, lang: str = "da") -> str:
    lo, hi = field.minimum, field.maximum
    if lo is not None and hi is not None:
        return f"{_fmt(lo, lang)} – {_fmt(hi, lang)}"
    if lo is not None:
        return f">= {_fmt(lo, lang)}"
    return f"<= {_fmt(hi, lang)}" if hi is not None else ""


def _in_window(field: Field, value: float | dt.date) -> bool:
    lo, hi = field.minimum, field.maximum
    try:
        return not ((lo is not None and value < lo) or (hi is not None and value > hi))  # type: ignore[operator]
    except TypeError:
        return True  # a bound of another type was reported with the register


def _number(field: Field, raw: object) -> Parsed:
    if isinstance(raw, bool):
        return Parsed(code="answer-not-a-number", expected="1234,5")
    if isinstance(raw, int | float):
        number = float(raw)
    else:
        read = parse_number(str(raw))
        if isinstance(read, str):
            return Parsed(code=read, expected="1234,5 eller 1.234,5")
        number = read
    if field.type == INTEGER:
        if not number.is_integer():
            return Parsed(code="answer-not-whole", expected=str(int(number)))
        if not _in_window(field, number):
            return Parsed(code="answer-out-of-range", expected=_window(field))
        return Parsed(int(number))
    if not _in_window(field, number):
        return Parsed(code="answer-out-of-range", expected=_window(field))
    return Parsed(number)


def excel_serial(serial: float, date1904: bool = False) -> dt.date:
    """The day an Excel date serial stands for, in the workbook's date system."""
    base = EXCEL_1904 if date1904 else EXCEL_1900
    return base + dt.timedelta(days=int(serial))


def _date(field: Field, raw: object, date1904: bool) -> Parsed:
    day: dt.date | None
    if isinstance(raw, dt.datetime):
        day = raw.date()
    elif isinstance(raw, dt.date):
        day = raw
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        day = excel_serial(raw, date1904) if 1 <= raw < 2_958_466 else None
    else:
        day = parse_day(str(raw))
    if day is None:
        return Parsed(code="answer-not-a-date", expected=ACCEPTED_FORMS)
    if not _in_window(field, day):
        return Parsed(code="answer-out-of-range", expected=_window(field))
    return Parsed(day)


def _as_text(raw: object) -> str:
    """A cell value as text: a whole number without ".0" (a choice "1" typed as 1)."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def _choice(field: Field, raw: object) -> Parsed:
    text = _as_text(raw).strip().casefold()
    for c in field.choices:
        if text in (c.value.casefold(), c.label("da").casefold(), c.label("en").casefold()):
            return Parsed(c.value)
    return Parsed(
        code="answer-unknown-choice", expected=", ".join(c.label() for c in field.choices)
    )


def _yesno(raw: object) -> Parsed:
    if isinstance(raw, bool):
        return Parsed(raw)
    text = str(raw).strip().casefold()
    if text in YES_WORDS:
        return Parsed(True)
    if text in NO_WORDS:
        return Parsed(False)
    return Parsed(code="answer-not-yes-no", expected="ja, nej")


def _text(field: Field, raw: object) -> Parsed:
    text = _as_text(raw).strip()
    if field.max_length is not None and len(text) > field.max_length:
        return Parsed(code="answer-too-long", expected=str(field.max_length))
    return Parsed(text)


def parse_answer(field: Field, raw: object, date1904: bool = False) -> Parsed:
    """Read one cell's value as an answer to ``field``."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Parsed(None)
    if isinstance(raw, str) and is_not_applicable(raw) and field.type != TEXT:
        if field.allow_na:
            return Parsed(NOT_APPLICABLE)
        return Parsed(code="answer-not-applicable-not-allowed", expected="")
    if field.type in (NUMBER, INTEGER):
        return _number(field, raw)
    if field.type == DATE:
        return _date(field, raw, date1904)
    if field.type == CHOICE:
        return _choice(field, raw)
    if field.type == YESNO:
        return _yesno(raw)
    if field.type == SMILEY:
        try:
            return Parsed(parse_smiley(raw))
        except UnknownSmiley:
            return Parsed(code="answer-unknown-choice", expected="☺, 😐, ☹")
    return _text(field, raw)


@dataclass(frozen=True, slots=True)
class Answer:
    """One field's answer for one item in one round, typed. ``value`` None: the cell
    was asked and left empty (missing); ``NOT_APPLICABLE``: answered "ikke relevant".
    An item a round did not ask has no Answer at all."""

    round: int
    item_key: str
    field_id: str
    value: Value | None
    center: str = ""


def stored(value: Value | None) -> object:
    """An answer as the ledger and ratings.csv keep it: JSON-ready and typed by form."""
    if value is None:
        return None
    if isinstance(value, NotApplicable):
        return NOT_APPLICABLE_DA
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Smiley):
        return value.value
    return value


def cell_value_text(field: Field, value: Value | None, lang: str = "da") -> str:
    """A typed answer as the text a pre-filled input cell gets back (a correction
    workbook, a new version): numbers and ISO dates the writer turns back into typed
    cells, a choice or yes/no as the dropdown offers it, "ikke relevant" as is."""
    if value is None:
        return ""
    if isinstance(value, NotApplicable):
        return NOT_APPLICABLE_DA
    if isinstance(value, Smiley):
        return SYMBOLS[value]
    if isinstance(value, bool):
        return choice_labels(field, lang)[0 if value else 1]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | int):
        return repr(value)
    if field.type == CHOICE:
        choice = next((c for c in field.choices if c.value == value), None)
        return choice.label(lang) if choice else value
    return value


# ---------------------------------------------------------------- Excel validation


def _bound_formula(bound: float | dt.date) -> Any:
    if isinstance(bound, dt.date):
        return dt.datetime.combine(bound, dt.time())
    return int(bound) if float(bound).is_integer() else bound  # "1", not "1.0", in the file


def choice_labels(field: Field, lang: str = "da") -> list[str]:
    """What the cell's dropdown offers: labels in the center's language, "ikke relevant"
    last where the field allows it."""
    if field.type == YESNO:
        labels = ["ja", "nej"] if lang != "en" else ["yes", "no"]
    elif field.type == SMILEY:
        labels = ["☺", "😐", "☹"]
    else:
        labels = [c.label(lang) for c in field.choices]
    return labels + ([NOT_APPLICABLE_DA] if field.allow_na else [])


# The error messages Excel shows, as the texts' [status] section may override them.
VALIDATION_MESSAGES = {
    "answer_error_list": "Vælg i listen: {choices}",
    "answer_error_length": "Højst {max} tegn.",
    "answer_error_number": "Skriv et tal{window}.",
    "answer_error_integer": "Skriv et helt tal{window}.",
    "answer_error_date": "Skriv en dato, fx 31.12.2026{window}.",
}


def validation_for(
    field: Field, cell: str, lang: str = "da", texts: dict[str, Any] | None = None
) -> dict[str, Any]:
    """xlsxwriter ``data_validation`` options for an input cell of ``field`` at ``cell``
    (its A1 address, for custom formulas). Excel stops what the collector refuses.
    ``texts`` (the workbook's [status] texts) words the error messages."""
    words = {k: str((texts or {}).get(k, v)) for k, v in VALIDATION_MESSAGES.items()}
    options: dict[str, Any] = {
        "input_title": field.label(lang)[:32],
        "input_message": (field.help(lang) or field.label(lang))[:255],
        "error_title": field.label(lang)[:32],
        "error_type": "stop",
    }
    if field.type in (CHOICE, YESNO, SMILEY):
        options.update({"validate": "list", "source": choice_labels(field, lang)})
        choices = ", ".join(choice_labels(field, lang))
        options["error_message"] = words["answer_error_list"].format(choices=choices)[:255]
        return options
    if field.type == TEXT:
        if field.max_length is None:
            return {**options, "validate": "any"}
        options.update(
            {"validate": "length", "criteria": "<=", "value": field.max_length},
        )
        options["error_message"] = words["answer_error_length"].format(max=field.max_length)
        return options
    kind = {NUMBER: "decimal", INTEGER: "integer", DATE: "date"}[field.type]
    lo, hi = field.minimum, field.maximum
    window = _window(field, lang)
    message = words[{NUMBER: "answer_error_number", INTEGER: "answer_error_integer",
                     DATE: "answer_error_date"}[field.type]]  # fmt: skip
    options["error_message"] = message.format(window=f" ({window})" if window else "")[:255]
    if field.allow_na:
        # Excel's typed validations refuse text, so a formula allows "ikke relevant" too.
        tests = [f"ISNUMBER({cell})"]
        if field.type == INTEGER:
            tests.append(f"INT({cell})={cell}")
        for op, bound in ((">=", lo), ("<=", hi)):
            if bound is not None:
                value = _fmt(bound) if not isinstance(bound, dt.date) else None
                ref = (
                    f"DATE({bound.year},{bound.month},{bound.day})"
                    if isinstance(bound, dt.date)
                    else str(value).replace(",", ".")
                )
                tests.append(f"{cell}{op}{ref}")
        formula = f'=OR(AND({",".join(tests)}),{cell}="{NOT_APPLICABLE_DA}")'
        return {**options, "validate": "custom", "value": formula}
    options["validate"] = kind
    if lo is not None and hi is not None:
        options.update(
            {"criteria": "between", "minimum": _bound_formula(lo), "maximum": _bound_formula(hi)}
        )
    elif lo is not None:
        options.update({"criteria": ">=", "value": _bound_formula(lo)})
    elif hi is not None:
        options.update({"criteria": "<=", "value": _bound_formula(hi)})
    elif field.type == DATE:
        options.update(
            {
                "criteria": "between",
                "minimum": dt.datetime(1900, 1, 1),
                "maximum": dt.datetime(9999, 12, 31),
            }
        )
    else:
        options.update({"criteria": "between", "minimum": -1e15, "maximum": 1e15})
    return options


__all__ = [
    "NOT_APPLICABLE",
    "Answer",
    "Parsed",
    "cell_value_text",
    "choice_labels",
    "excel_serial",
    "parse_answer",
    "parse_number",
    "stored",
    "validation_for",
]
