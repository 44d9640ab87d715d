"""What a round asks, as data: the fields of the register's "Spørgsmål" sheet.

A :class:`Form` is a list of :class:`Field` rows; each has a stable id (answers
are joined by it across rounds, whatever its label says), the items it
applies to (milestones, economy lines, initiatives), a type and the bounds
its answers must keep. A field's flag rule ("rød", "> Budget", ">= 100",
"> forrige") is parsed by :func:`parse_rule` — a small grammar, never
``eval``. :func:`default_form` is today's form: a smiley and a comment for
every due milestone and every economy line; a register without the sheet
reads as it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from sheetflow.findings import detail
from sheetflow.model import ECONOMY, MILESTONE

INITIATIVE = "initiative"
TARGETS = (MILESTONE, ECONOMY, INITIATIVE)
SMILEY, CHOICE, NUMBER, INTEGER, DATE, TEXT, YESNO = (
    "smiley",
    "choice",
    "number",
    "integer",
    "date",
    "text",
    "yesno",
)
TYPES = (SMILEY, CHOICE, NUMBER, INTEGER, DATE, TEXT, YESNO)
# The words a register may use for a type or a target (Danish first, English accepted).
TYPE_WORDS: dict[str, str] = {
    "smiley": SMILEY,
    "valg": CHOICE,
    "choice": CHOICE,
    "tal": NUMBER,
    "number": NUMBER,
    "beløb": NUMBER,
    "heltal": INTEGER,
    "integer": INTEGER,
    "dato": DATE,
    "date": DATE,
    "tekst": TEXT,
    "text": TEXT,
    "ja/nej": YESNO,
    "yes/no": YESNO,
    "janej": YESNO,
}
TYPE_NAMES = {SMILEY: "smiley", CHOICE: "valg", NUMBER: "tal", INTEGER: "heltal",
              DATE: "dato", TEXT: "tekst", YESNO: "ja/nej"}  # fmt: skip
TARGET_WORDS: dict[str, str] = {
    "milepæl": MILESTONE,
    "milepæle": MILESTONE,
    "milestone": MILESTONE,
    "økonomi": ECONOMY,
    "economy": ECONOMY,
    "delelement": INITIATIVE,
    "delelementer": INITIATIVE,
    "initiative": INITIATIVE,
}
TARGET_NAMES = {MILESTONE: "milepæl", ECONOMY: "økonomi", INITIATIVE: "delelement"}
NOT_APPLICABLE_DA = "ikke relevant"
NOT_APPLICABLE_WORDS = frozenset({"ikke relevant", "i.r.", "ir", "not applicable", "n/a"})
DEFAULT_COMMENT_LENGTH = 1000  # = issue.layout.COMMENT_MAX: what the master prints legibly


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer a choice field offers: the stored value and its label per language."""

    value: str
    label_da: str = ""
    label_en: str = ""

    def label(self, lang: str = "da") -> str:
        text = self.label_en if lang == "en" else self.label_da
        return text or self.label_da or self.value


# ---------------------------------------------------------------- flag rules

OPERATORS = (">=", "<=", "!=", "<>", ">", "<", "=")
PREVIOUS_WORDS = frozenset({"forrige", "previous"})
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$|^(\d{4})-(\d{2})-(\d{2})$")
_NAME = re.compile(r"^[\wæøåÆØÅ][\wæøåÆØÅ .\-]*$")


# How a yes/no answer is typed, in either language (answers and rules read them alike).
YES_WORDS = frozenset({"ja", "j", "yes", "y", "x", "sand", "true"})
NO_WORDS = frozenset({"nej", "n", "no", "falsk", "false"})


def yes_no(text: str) -> bool | None:
    """True for a yes word, False for a no word, None for anything else."""
    word = text.strip().casefold()
    return True if word in YES_WORDS else False if word in NO_WORDS else None


class RuleError(ValueError):
    """A flag rule that does not parse; ``detail`` says what was expected."""

    def __init__(self, key: str, **args: object) -> None:
        self.detail = detail(key, **args)
        super().__init__(self.detail.render("da"))


@dataclass(frozen=True, slots=True)
class Operand:
    """What an answer is compared with: a constant, another field or column, or the
    same field's answer in the previous round."""

    kind: str  # "number" | "date" | "text" | "name" | "previous"
    value: float | dt.date | str

    def describe(self) -> str:
        if isinstance(self.value, dt.date):
            return f"{self.value.day:02d}.{self.value.month:02d}.{self.value.year}"
        if self.kind == "previous":
            return "forrige"
        if isinstance(self.value, float) and self.value.is_integer():
            return str(int(self.value))
        return str(self.value)


@dataclass(frozen=True, slots=True)
class Rule:
    """``op operand``, or a list of values any of which flags (for choice and smiley)."""

    op: str
    operands: tuple[Operand, ...]
    text: str

    def names(self) -> set[str]:
        """Fields or register columns the rule reads."""
        return {str(o.value) for o in self.operands if o.kind == "name"}


def _operand(text: str) -> Operand:
    token = text.strip()
    if not token:
        raise RuleError("rule-no-operand")
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"":
        return Operand("text", token[1:-1])
    if _NUMBER.match(token):
        return Operand("number", float(token.replace(",", ".")))
    m = _DATE.match(token)
    if m:
        try:
            if m.group(1):
                day = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            else:
                day = dt.date(int(m.group(4)), int(m.group(5)), int(m.group(6)))
        except ValueError as exc:
            raise RuleError("rule-not-a-date", token=token) from exc
        return Operand("date", day)
    if token.casefold() in PREVIOUS_WORDS:
        return Operand("previous", "previous")
    if yes_no(token) is not None:  # "= nej": the answer, not a field called "nej"
        return Operand("text", token)
    if _NAME.match(token):
        return Operand("name", token)
    raise RuleError("rule-bad-operand", token=token)


def parse_rule(text: str) -> Rule | None:
    """Parse a flag rule; None for an empty one.

    Forms: ``> 100``, ``<= 31.12.2026``, ``> Budget`` (a field id or register
    column), ``> forrige`` (the previous round's answer), ``= "Nej"``, or a bare
    list of values ``rød; gul`` (any of them flags).
    """
    source = text.strip()
    if not source:
        return None
    for op in OPERATORS:
        if source.startswith(op):
            rest = source[len(op) :]
            if any(rest.lstrip().startswith(o) for o in OPERATORS):
                raise RuleError("rule-two-operators", rule=source)
            norm = "!=" if op == "<>" else op
            return Rule(norm, (_operand(rest),), source)
    values = tuple(Operand("text", v.strip()) for v in re.split(r"[;|]", source) if v.strip())
    return Rule("in", values, source)


def _compare(op: str, left: float | dt.date | str, right: float | dt.date | str) -> bool:
    if op == "=":
        return left == right
    if op == "!=":
        return left != right
    try:
        if op == ">":
            return left > right  # type: ignore[operator]
        if op == ">=":
            return left >= right  # type: ignore[operator]
        if op == "<":
            return left < right  # type: ignore[operator]
        return left <= right  # type: ignore[operator]
    except TypeError:
        return False


def _fold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def _same(value: object, operand: object) -> bool:
    """An answer equals a rule's value; a yes/no answer equals "ja"/"nej"/"yes"/"no"."""
    if isinstance(value, bool) and isinstance(operand, str):
        return yes_no(operand) is value
    return _fold(value) == _fold(operand)


def rule_flags(
    rule: Rule,
    value: object,
    names: dict[str, object] | None = None,
    previous: object = None,
) -> bool:
    """True when ``value`` meets the rule. An operand with no value (an empty field or
    column, no previous answer) never flags; neither does an empty answer."""
    if value is None or value == "":
        return False
    if rule.op == "in":
        return any(_same(value, o.value) for o in rule.operands)
    (operand,) = rule.operands
    right: object
    if operand.kind == "name":
        right = (names or {}).get(str(operand.value))
    elif operand.kind == "previous":
        right = previous
    else:
        right = operand.value
    if right is None or right == "":
        return False
    if isinstance(value, bool) and rule.op in ("=", "!="):
        return _same(value, right) is (rule.op == "=")
    if isinstance(right, int | float) and isinstance(value, int | float):
        return _compare(rule.op, float(value), float(right))
    if isinstance(right, dt.date) and isinstance(value, dt.date):
        return _compare(rule.op, value, right)
    if isinstance(right, str) and isinstance(value, str):
        return _compare(rule.op, value.casefold(), right.casefold())
    return False  # a number is never compared with a date or a text


# ---------------------------------------------------------------- the form


@dataclass(frozen=True, slots=True)
class Field:
    """One question of the form (a row of the Spørgsmål sheet)."""

    id: str
    applies_to: tuple[str, ...]
    type: str
    label_da: str
    label_en: str = ""
    help_da: str = ""
    help_en: str = ""
    required: bool = False
    choices: tuple[Choice, ...] = ()
    minimum: float | dt.date | None = None
    maximum: float | dt.date | None = None
    max_length: int | None = None
    allow_na: bool = False
    flag: Rule | None = None
    retired: bool = False

    def label(self, lang: str = "da") -> str:
        return (self.label_en if lang == "en" else self.label_da) or self.label_da or self.id

    def help(self, lang: str = "da") -> str:
        return (self.help_en if lang == "en" else self.help_da) or self.help_da

    def applies(self, target: str) -> bool:
        return target in self.applies_to

    def choice_values(self) -> list[str]:
        return [c.value for c in self.choices]


@dataclass(frozen=True, slots=True)
class Form:
    """The fields a round asks, in sheet order (retired fields kept for their history)."""

    fields: tuple[Field, ...]

    def field(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)

    def asked(self, target: str) -> list[Field]:
        """The live fields asked of one kind of item, in form order."""
        return [f for f in self.fields if not f.retired and f.applies(target)]

    def rates(self, target: str) -> bool:
        """True when a live smiley field is asked of ``target``: its items are counted
        and followed by their smileys (the default form rates milestones and economy)."""
        return any(f.type == SMILEY for f in self.asked(target))

    def targets(self) -> set[str]:
        return {t for f in self.fields if not f.retired for t in f.applies_to}

    @property
    def is_default(self) -> bool:
        return self == default_form()


def default_form() -> Form:
    """Today's form: a smiley (red flags) and a status comment for milestones and economy."""
    both = (MILESTONE, ECONOMY)
    return Form(
        (
            Field(
                "smiley",
                both,
                SMILEY,
                "Smiley",
                "Smiley",
                help_da="Vælg ☺ (grøn), 😐 (gul) eller ☹ (rød).",
                help_en="Choose ☺ (green), 😐 (yellow) or ☹ (red).",
                required=True,
                flag=parse_rule("rød"),
            ),
            Field(
                "comment",
                both,
                TEXT,
                "Kommentar",
                "Comment",
                help_da="Kort status: hvad er nået, hvad mangler.",
                help_en="Short status: what is done, what is left.",
                max_length=DEFAULT_COMMENT_LENGTH,
            ),
        )
    )


def _bound_json(bound: float | dt.date | None) -> Any:
    return {"date": bound.isoformat()} if isinstance(bound, dt.date) else bound


def _bound_from(data: Any) -> float | dt.date | None:
    if isinstance(data, dict):
        return dt.date.fromisoformat(data["date"])
    return None if data is None else float(data)


def form_to_json(form: Form) -> str:
    """The form as compact JSON: what an issued workbook's layout records, so its
    return is read with the form it was issued with, whatever the register says now."""
    rows = [
        {
            "id": f.id,
            "applies_to": list(f.applies_to),
            "type": f.type,
            "label": [f.label_da, f.label_en],
            "help": [f.help_da, f.help_en],
            "required": f.required,
            "choices": [[c.value, c.label_da, c.label_en] for c in f.choices],
            "min": _bound_json(f.minimum),
            "max": _bound_json(f.maximum),
            "max_length": f.max_length,
            "allow_na": f.allow_na,
            "flag": f.flag.text if f.flag else "",
            "retired": f.retired,
        }
        for f in form.fields
    ]
    return json.dumps(rows, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def form_from_json(text: str) -> Form:
    """The form :func:`form_to_json` wrote."""
    return Form(
        tuple(
            Field(
                id=r["id"],
                applies_to=tuple(r["applies_to"]),
                type=r["type"],
                label_da=r["label"][0],
                label_en=r["label"][1],
                help_da=r["help"][0],
                help_en=r["help"][1],
                required=r["required"],
                choices=tuple(Choice(*c) for c in r["choices"]),
                minimum=_bound_from(r["min"]),
                maximum=_bound_from(r["max"]),
                max_length=r["max_length"],
                allow_na=r["allow_na"],
                flag=parse_rule(r["flag"]),
                retired=r["retired"],
            )
            for r in json.loads(text)
        )
    )


def is_not_applicable(text: str) -> bool:
    """True when a cell says "ikke relevant" (or a short form of it)."""
    return text.strip().casefold() in NOT_APPLICABLE_WORDS


__all__ = [
    "CHOICE",
    "DATE",
    "INITIATIVE",
    "INTEGER",
    "NUMBER",
    "SMILEY",
    "TEXT",
    "TYPES",
    "YESNO",
    "Choice",
    "Field",
    "Form",
    "Operand",
    "Rule",
    "RuleError",
    "default_form",
    "form_from_json",
    "form_to_json",
    "is_not_applicable",
    "parse_rule",
    "rule_flags",
]
