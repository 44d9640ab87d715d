"""The register's "Spørgsmål" and "Valg" sheets, read into a :class:`~sheetflow.form.Form`
and written back as rows.

A register without the Spørgsmål sheet (or with no rows on it) asks what
sheetflow always asked: :func:`~sheetflow.form.default_form`. Every problem is
a finding with sheet and cell, like the rest of the register; a field row that
cannot be used is left out.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sheetflow.form import (
    CHOICE,
    DATE,
    INTEGER,
    NUMBER,
    TARGET_NAMES,
    TARGET_WORDS,
    TEXT,
    TYPE_NAMES,
    TYPE_WORDS,
    Choice,
    Field,
    Form,
    RuleError,
    default_form,
    parse_rule,
)
from sheetflow.register.dates import ACCEPTED_FORMS, parse_day
from sheetflow.register.tables import CHOICES, QUESTIONS, TABLES

if TYPE_CHECKING:
    from sheetflow.register.reader import _Reader, _Row


def near_miss(value: str, choices: list[str]) -> str:
    """The reader's near-miss suggestion (imported late: the reader imports this module)."""
    from sheetflow.register.reader import near_miss as suggest

    return suggest(value, choices)


YES = frozenset({"ja", "x", "yes", "sand", "true", "1"})
NO = frozenset({"", "nej", "no", "falsk", "false", "0"})
# What a flag rule may name besides another field: the Delelementer sheet's columns.
COLUMN_NAMES = {c.header.casefold(): c.field for c in TABLES["Delelementer"]}
# "Budget" names the Økonomi column too: where it holds an amount, "> Budget" reads well.
COLUMN_NAMES["budget"] = "economy"


def _choice_lists(reader: _Reader) -> dict[str, list[Choice]]:
    lists: dict[str, list[Choice]] = {}
    seen: dict[str, str] = {}
    for row in reader.rows(CHOICES):
        if not reader.filled(row):
            continue
        name, value = row.text("list"), row.text("value")
        key = f"{name.casefold()}\n{value.casefold()}"
        if key in seen:
            reader.at("register-duplicate-key", row, "value", value=value, column="Værdi",
                      expected=seen[key])  # fmt: skip
            continue
        seen[key] = row.cell("value")
        lists.setdefault(name.casefold(), []).append(
            Choice(value, row.text("label_da"), row.text("label_en"))
        )
    return lists


def _yes(reader: _Reader, row: _Row, name: str) -> bool:
    text = row.text(name).casefold()
    if text in YES:
        return True
    if text not in NO:
        reader.at("register-bad-value", row, name, value=row.text(name),
                  column=_header(name), expected="ja, nej")  # fmt: skip
    return False


def _header(field: str) -> str:
    return next(c.header for c in TABLES[QUESTIONS] if c.field == field)


def _targets(reader: _Reader, row: _Row) -> tuple[str, ...] | None:
    words = [w.strip().casefold() for w in row.text("applies_to").replace(";", ",").split(",")]
    out: list[str] = []
    for word in filter(None, words):
        if word not in TARGET_WORDS:
            reader.at("register-bad-value", row, "applies_to", value=word,
                      column=_header("applies_to"),
                      expected=", ".join(TARGET_NAMES.values()))  # fmt: skip
            return None
        if TARGET_WORDS[word] not in out:
            out.append(TARGET_WORDS[word])
    return tuple(out)


def _bound(reader: _Reader, row: _Row, name: str, kind: str) -> float | dt.date | None:
    """Min/Max: a date for date fields, a number for number fields; else not used."""
    raw = row.value(name)
    if not row.text(name):
        return None
    if kind == DATE:
        day = parse_day(raw)
        if day is None:
            reader.at("register-bad-date", row, name, value=row.text(name),
                      expected=ACCEPTED_FORMS)  # fmt: skip
        return day
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    try:
        return float(row.text(name).replace(" ", "").replace(",", "."))
    except ValueError:
        reader.at("register-bad-value", row, name, value=row.text(name),
                  column=_header(name), expected="et tal")  # fmt: skip
        return None


def _choices(
    reader: _Reader, row: _Row, lists: dict[str, list[Choice]]
) -> tuple[Choice, ...] | None:
    ref = row.text("choices")
    if ref.casefold() in lists:
        return tuple(lists[ref.casefold()])
    inline = [v.strip() for v in ref.split(";") if v.strip()]
    if len(inline) >= 2:
        return tuple(Choice(v) for v in inline)
    if reader.refs.quiet(CHOICES) and ref:
        return None
    reader.at("register-unknown-list", row, "choices", value=ref)
    return None


def _field(reader: _Reader, row: _Row, lists: dict[str, list[Choice]]) -> Field | None:
    ok = reader.filled(row)
    kind = TYPE_WORDS.get(row.text("type").casefold())
    if row.text("type") and kind is None:
        reader.at("register-bad-value", row, "type", value=row.text("type"),
                  column=_header("type"), expected=", ".join(TYPE_NAMES.values()))  # fmt: skip
    targets = _targets(reader, row)
    choices: tuple[Choice, ...] | None = ()
    if kind == CHOICE:
        choices = _choices(reader, row, lists)
    bounds: list[float | dt.date | None] = [None, None]
    if kind in (NUMBER, INTEGER, DATE):
        bounds = [_bound(reader, row, n, kind) for n in ("minimum", "maximum")]
    length = reader.integer(row, "max_length") if row.text("max_length") else None
    if kind == TEXT and length is None and not row.text("max_length"):
        length = default_form().fields[1].max_length
    rule = None
    try:
        rule = parse_rule(row.text("flag"))
    except RuleError as exc:
        reader.at("register-bad-rule", row, "flag", value=row.text("flag"), expected=exc.detail)
        ok = False
    required, allow_na, retired = (
        _yes(reader, row, n) for n in ("required", "allow_na", "retired")
    )
    if not ok or kind is None or not targets or choices is None:
        return None
    return Field(
        id=row.text("id"),
        applies_to=targets,
        type=kind,
        label_da=row.text("label_da"),
        label_en=row.text("label_en"),
        help_da=row.text("help_da"),
        help_en=row.text("help_en"),
        required=required,
        choices=choices,
        minimum=bounds[0],
        maximum=bounds[1],
        max_length=length,
        allow_na=allow_na,
        flag=rule,
        retired=retired,
    )


def read_form(reader: _Reader) -> Form:
    """The form on the register's Spørgsmål sheet; the default form without one."""
    lists = _choice_lists(reader)
    out: list[Field] = []
    rows: list[tuple[_Row, Field]] = []
    seen: dict[str, str] = {}
    any_rows = False
    for row in reader.rows(QUESTIONS):
        any_rows = True
        field = _field(reader, row, lists)
        first = not row.text("id") or reader.first_use(row, "id", seen)
        if field is not None and first:
            out.append(field)
            rows.append((row, field))
    if not any_rows:
        return default_form()
    ids = {f.id.casefold() for f in out}
    names = [f.id for f in out] + [c.header for c in TABLES["Delelementer"]]
    for row, field in rows:
        for name in sorted(field.flag.names()) if field.flag else ():
            if name.casefold() not in ids and name.casefold() not in COLUMN_NAMES:
                reader.at("register-unknown-name", row, "flag", value=name,
                          expected=", ".join(sorted(COLUMN_NAMES)),
                          suggestion=near_miss(name, names))  # fmt: skip
    return Form(tuple(out))


def _cell(value: float | dt.date | int | None) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def form_rows(form: Form) -> dict[str, list[list[Any]]]:
    """The form as rows of the Spørgsmål and Valg sheets (choice lists named by field id)."""
    questions: list[list[Any]] = []
    choices: list[list[Any]] = []
    for f in form.fields:
        list_name = f.id if f.choices else ""
        for c in f.choices:
            choices.append([list_name, c.value, c.label_da, c.label_en])
        questions.append(
            [
                f.id,
                ", ".join(TARGET_NAMES[t] for t in f.applies_to),
                TYPE_NAMES[f.type],
                list_name,
                f.label_da,
                f.label_en,
                f.help_da,
                f.help_en,
                "ja" if f.required else "",
                _cell(f.minimum),
                _cell(f.maximum),
                f.max_length,
                "ja" if f.allow_na else "",
                f.flag.text if f.flag else "",
                "ja" if f.retired else "",
            ]
        )
    return {QUESTIONS: questions, CHOICES: choices}
