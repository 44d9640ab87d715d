"""The typed answers of a form of finance's own, across rounds, joined by field id and
item key: what ratings.csv, the master's answers sheet and the answer flags read.

A form may change between rounds (a field added, retired or relabelled): answers
are kept by field id, so round 1's answers stay beside round 2's whatever the
labels say now. The fields known are the register's current form first, then
any field only an earlier round's issued form had (a retired one keeps its
history). The default form (smiley and comment) has no typed columns: its
answers are the ratings. Pure: nothing here touches a file or the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from babel.numbers import format_decimal

from sheetflow.answers import Answer, NotApplicable, Value, parse_number
from sheetflow.form import (
    CHOICE,
    SMILEY,
    YESNO,
    Field,
    Form,
    form_from_json,
    rule_flags,
)
from sheetflow.model import Initiative, Register, format_date, parse_date_text
from sheetflow.register.form_sheet import COLUMN_NAMES
from sheetflow.smiley import Smiley, symbol

Cells = dict[str, Value | None]  # field id → answer (None: asked, left empty)


def typed_fields(current: Form, issued: Iterable[Form]) -> list[Field]:
    """The fields with a typed column, by id: the current form's, then those only an
    issued form had. Smileys and the "comment" field are the ratings' own columns."""
    out: dict[str, Field] = {}
    forms = [] if current.is_default else [current]
    for form in [*forms, *issued]:
        for f in form.fields:
            if f.type != SMILEY and f.id != "comment" and f.id not in out:
                out[f.id] = f
    return list(out.values())


@dataclass
class AnswerBook:
    """Every collected typed answer, by (item key, round), with the fields they answer."""

    fields: list[Field]
    values: dict[tuple[str, int], Cells] = field(default_factory=dict)
    centers: dict[tuple[str, int], str] = field(default_factory=dict)
    answers: list[Answer] = field(default_factory=list)  # as the ledger gave them
    # Items answered once and since removed from the register: their text as issued.
    retired: dict[str, str] = field(default_factory=dict)
    _rounds: dict[str, list[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        current: Form,
        issued_forms: Iterable[str],
        answers: Iterable[Answer],
    ) -> AnswerBook:
        """From the register's form, the issued forms' JSON and the ledger's answers."""
        forms = [form_from_json(text) for text in issued_forms]
        book = cls(typed_fields(current, forms), answers=list(answers))
        for a in book.answers:
            key = (a.item_key, a.round)
            book.values.setdefault(key, {})[a.field_id] = a.value
            book.centers[key] = a.center
        return book

    def item_keys(self) -> set[str]:
        return {k for k, _ in self.values}

    def __bool__(self) -> bool:
        return bool(self.fields)

    def get(self, item_key: str, round_number: int) -> Cells:
        return self.values.get((item_key, round_number), {})

    def previous(self, item_key: str, field_id: str, before: int) -> Value | None:
        """The latest answer to a field for an item in a round before ``before``."""
        if not self._rounds:  # item key → the rounds it has answers in, built once
            for k, r in sorted(self.values, key=lambda kr: kr[1], reverse=True):
                self._rounds.setdefault(k, []).append(r)
        for r in self._rounds.get(item_key, []):
            if r >= before:
                continue
            value = self.values[(item_key, r)].get(field_id)
            if value is not None and not isinstance(value, NotApplicable):
                return value
        return None

    # ------------------------------------------------------------ ratings.csv

    def columns(self) -> list[str]:
        """ratings.csv's typed columns (one per field), then which fields an item left
        empty and which it answered "ikke relevant" (so a typed column stays typed)."""
        if not self.fields:
            return []
        return [*(csv_column(f.id) for f in self.fields), "missing_fields", "not_applicable_fields"]

    def csv_fields(self, item_key: str, round_number: int) -> dict[str, str]:
        """One row's typed columns: numbers as numbers, dates ISO, a choice's value,
        yes/no as true/false; empty where not answered (see the two list columns)."""
        if not self.fields:
            return {}
        cells = self.get(item_key, round_number)
        row = {csv_column(f.id): csv_value(cells.get(f.id)) for f in self.fields}
        row["missing_fields"] = ";".join(  # a gap is an empty answer the form requires
            f.id for f in self.fields if f.required and f.id in cells and cells[f.id] is None
        )
        row["not_applicable_fields"] = ";".join(
            f.id for f in self.fields if isinstance(cells.get(f.id), NotApplicable)
        )
        return row


RESERVED = {
    "round", "center", "section", "initiative_key", "number", "title", "item", "item_key",
    "milestone_text", "deadline", "rating", "comment", "source", "state",
    "missing_fields", "not_applicable_fields",
}  # fmt: skip


def csv_column(field_id: str) -> str:
    """A field's ratings.csv column: its id, or ``answer_<id>`` where the id is taken."""
    return f"answer_{field_id}" if field_id in RESERVED else field_id


def csv_value(value: Value | None) -> str:
    if value is None or isinstance(value, NotApplicable):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value.value if hasattr(value, "value") else value)


# ---------------------------------------------------------------- shown to people


def shown(f: Field, value: Value | None, t: dict[str, Any]) -> str | float | int | dt.date:
    """An answer as the master shows it, in the language of ``t`` (a texts section with
    ``lang``, ``answer_yes``, ``answer_no``, ``answer_not_applicable``): numbers and dates
    stay typed (the cell formats them), a choice shows its label, yes/no a word."""
    lang = t.get("lang", "da")
    if value is None:
        return ""
    if isinstance(value, NotApplicable):
        return str(t.get("answer_not_applicable", "ikke relevant"))
    if isinstance(value, bool):
        return str(t.get("answer_yes" if value else "answer_no", "ja" if value else "nej"))
    if isinstance(value, int | float | dt.date):
        return value
    if isinstance(value, Smiley):
        return symbol(value)
    choice = next((c for c in f.choices if c.value == value), None)
    return choice.label(lang) if choice else str(value)


def shown_text(f: Field, value: Value | None, t: dict[str, Any]) -> str:
    """:func:`shown` as text: 1.234.567,5 and 31.12.2027 in Danish."""
    out = shown(f, value, t)
    lang = t.get("lang", "da")
    if isinstance(out, dt.date):
        return format_date(out) if lang == "da" else out.isoformat()
    if isinstance(out, int | float):
        return format_decimal(out, locale="da_DK" if lang == "da" else "en_GB")
    return out


def flag_text(a: AnswerFlag, t: dict[str, Any]) -> str:
    """One flagged answer for the master's flag list: "Status: Rød", with the previous
    round's answer where the rule compared with it."""
    text = f"{a.field.label(t.get('lang', 'da'))}: {shown_text(a.field, a.value, t)}"
    rule = a.field.flag
    if rule is not None and any(o.kind == "previous" for o in rule.operands) and a.previous:
        before = shown_text(a.field, a.previous, t)
        text += " " + str(t.get("answer_previous", "(forrige: {value})")).format(value=before)
    for name, other in a.against:  # "> Budget": the budget it went above
        if other is not None and other != "":
            shown_other = _plain_text(other, t)
            text += " " + str(t["answer_against"]).format(name=name, value=shown_other)
    return text


def _plain_text(value: object, t: dict[str, Any]) -> str:
    """A compared value (a register column, another answer) as the master writes it."""
    lang = t.get("lang", "da")
    if isinstance(value, dt.date):
        return format_date(value) if lang == "da" else value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_decimal(value, locale="da_DK" if lang == "da" else "en_GB")
    return str(value)


# ---------------------------------------------------------------- flags


@dataclass(frozen=True)
class AnswerFlag:
    """One answer that meets its field's flag rule."""

    center: str
    initiative_key: str
    item_key: str
    field: Field
    value: Value
    previous: Value | None = None
    against: tuple[tuple[str, object], ...] = ()  # what the rule compared with, by name


def _column_value(ini: Initiative, name: str) -> object:
    """A Delelementer column's value for an initiative, as a number or date when it
    reads as one (so ``> Budget`` compares amounts)."""
    attr = COLUMN_NAMES.get(name.casefold())
    raw = str(getattr(ini, attr, "") or "") if attr else ""
    if not raw:
        return None
    number = parse_number(raw)
    if isinstance(number, float):
        return number
    return parse_date_text(raw) or raw


def _comparable(f: Field | None, value: Value | None) -> object:
    if value is None or isinstance(value, NotApplicable):
        return None
    if f is not None and f.type == YESNO and isinstance(value, bool):
        return "ja" if value else "nej"
    return value


def _candidates(f: Field, value: Value) -> list[object]:
    """What a rule may name an answer by: a choice by its value or either label (a rule
    "Rød" flags the choice R), anything else by its comparable value."""
    own = _comparable(f, value)
    if f.type != CHOICE or f.flag is None or f.flag.op not in ("in", "="):
        return [own]
    choice = next((c for c in f.choices if c.value == value), None)
    return [own, choice.label_da, choice.label_en] if choice else [own]


def answer_flags(register: Register, round_number: int, book: AnswerBook) -> list[AnswerFlag]:
    """The answers of round ``round_number`` that meet their field's rule, in register
    order. A rule may compare with another field of the same item or initiative, a
    Delelementer column, or the same field's answer in an earlier round (``forrige``)."""
    ruled = [f for f in book.fields if f.flag is not None]
    if not ruled:
        return []
    by_id = {f.id: f for f in book.fields}
    out: list[AnswerFlag] = []
    for ini in register.initiatives:
        own = book.get(ini.key, round_number)
        for item_key in (ini.key, *(m.key for m in ini.milestones), ini.economy_key):
            cells = book.get(item_key, round_number)
            if not cells:
                continue
            names: dict[str, object] = {}  # by casefolded field id
            for source in (own, cells):
                names.update(
                    {k.casefold(): _comparable(by_id.get(k), v) for k, v in source.items()}
                )
            for f in ruled:
                value = cells.get(f.id)
                if value is None or isinstance(value, NotApplicable) or f.flag is None:
                    continue
                lookup = {
                    name: names[name.casefold()]
                    if name.casefold() in names
                    else _column_value(ini, name)
                    for name in f.flag.names()
                }
                before = book.previous(item_key, f.id, round_number)
                if any(
                    rule_flags(f.flag, candidate, lookup, _comparable(f, before))
                    for candidate in _candidates(f, value)
                ):
                    center = book.centers.get((item_key, round_number), ini.center)
                    against = tuple(lookup.items())
                    out.append(AnswerFlag(center, ini.key, item_key, f, value, before, against))
    return out


__all__ = [
    "AnswerBook",
    "AnswerFlag",
    "answer_flags",
    "csv_column",
    "csv_value",
    "flag_text",
    "shown",
    "shown_text",
    "typed_fields",
]
