"""Findings: every problem with a file is a ``Finding`` with a stable code.

The catalogue below is the contract (docs/findings.md): codes are kebab-case and
never change meaning; each has a severity here and a message per language in the
``[findings]`` section of ``workbook_templates/<lang>.toml``. A finding carries its
code and arguments; the CLI and the writers render it in the reader's language.
A ``Report`` collects findings, and is what the CLI prints, the workbooks list and
``--json`` returns.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from sheetflow.texts import text


class Severity(enum.StrEnum):
    """error: the file (or register) cannot be used; warning: used, but look; info."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Code:
    """A finding's code, how bad it is, and the longest value its message shows.

    The message itself is text, so it lives in the catalogues
    (``[findings]`` in ``workbook_templates/<lang>.toml``), rendered at the edge."""

    code: str
    severity: Severity
    limit: int = 80


E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

CATALOGUE: dict[str, Code] = {
    c.code: c
    for c in [
        # --- the register workbook ---
        Code("register-missing-sheet", E),
        Code("register-missing-column", E),
        Code("register-unknown-center", E),
        Code("register-duplicate-key", E),
        Code("register-duplicate-number", W),
        Code("register-duplicate-milestone", E),
        Code("register-bad-deadline", E),
        Code("register-missing-title", E),
        Code("register-missing-value", E),
        Code("register-unknown-initiative", E),
        Code("register-ambiguous-initiative", E),
        Code("register-unknown-section", E),
        Code("register-unknown-type", W),
        Code("register-unknown-item", E),
        Code("register-unknown-round", E),
        Code("register-bad-date", E),
        Code("register-bad-number", E),
        Code("register-bad-email", E),
        Code("register-no-email", W),
        Code("register-bad-smiley", E),
        Code("register-bad-value", E),
        Code("register-bad-rule", E),
        Code("register-unknown-list", E),
        Code("register-unknown-name", E),
        Code("register-key-assigned", INFO),
        Code("register-keys-not-saved", W),
        Code("register-keys-busy", W),
        # --- returned workbooks ---
        Code("file-skipped", INFO),
        Code("file-in-use", W),
        Code("file-not-finished", W),
        Code("file-unreadable", E),
        Code("file-empty", E),
        Code("file-truncated", E),
        Code("file-not-workbook", E),
        Code("file-legacy-xls", E),
        Code("file-encrypted", E),
        Code("file-macro-enabled", E),
        Code("file-strict-ooxml", E),
        Code("xml-entities", E),
        Code("zip-bomb", E),
        Code("sheet-too-large", E),
        Code("reader-failed", E),
        Code("control-characters", W),
        Code("text-too-long", E),
        Code("formula-in-cell", W),
        Code("look-alike-text", E),
        Code("not-issued", E),
        Code("wrong-round", E),
        Code("center-mismatch", E),
        Code("sheet-missing", E),
        Code("rows-changed", E),
        Code("locked-cell-changed", E),
        Code("invalid-smiley", E),
        Code("answer-not-a-number", E),
        Code("answer-ambiguous-number", E),
        Code("answer-not-whole", E),
        Code("answer-out-of-range", E),
        Code("answer-not-a-date", E),
        Code("answer-unknown-choice", E),
        Code("answer-not-yes-no", E),
        Code("answer-too-long", E),
        Code("answer-not-applicable-not-allowed", E),
        Code("answer-no-longer-asked", W),
        Code("answer-to-older-text", W),
        Code("missing-answer", W),
        Code("missing-rating", W),
        Code("comment-too-long", E),
        Code("formula-text", W),
        Code("superseded", INFO),
        Code("replaces", INFO),
        Code("collected-in-own-round", INFO),
        Code("already-in-own-round", INFO),
        Code("same-file", INFO),
        Code("file-names-other-center", W),
        Code("message-without-workbook", E, 200),
        Code("message-unreadable", E),
        Code("message-unpacked", INFO, 200),
        Code("returned-for-correction", E, 1000),
        Code("no-answers", E),
        Code("return-order-undecided", E, 400),  # every file of the center, with its time
        Code("register-changed", W, 500),
    ]
}


@dataclass(frozen=True)
class Detail:
    """A finding's value that is itself text (a reason, a size, what changed): a key
    of the ``[details]`` catalogue and its arguments, rendered with the message.
    A detail without a key is a list of ``parts`` ("a; b; c …")."""

    key: str
    args: tuple[tuple[str, str], ...] = ()
    parts: tuple[Detail, ...] = ()
    more: bool = False  # the list was cut short

    def render(self, lang: str) -> str:
        if not self.key:
            return "; ".join(p.render(lang) for p in self.parts) + (" …" if self.more else "")
        return text(lang, "details", self.key, **dict(self.args))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "args": dict(self.args)}
        if self.parts:
            out["parts"] = [p.to_json() for p in self.parts]
            out["more"] = self.more
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Detail:
        parts = tuple(cls.from_json(p) for p in data.get("parts", []))
        args = tuple((k, str(v)) for k, v in data.get("args", {}).items())
        return cls(data.get("key", ""), args, parts, bool(data.get("more")))


def detail(key: str, **args: object) -> Detail:
    """A value for a finding message, to be rendered in the reader's language."""
    return Detail(key, tuple((k, str(v)) for k, v in args.items()))


def detail_list(details: list[Detail], limit: int = 5) -> Detail:
    """Several details as one value: the first ``limit``, then "…"."""
    return Detail("", parts=tuple(details[:limit]), more=len(details) > limit)


@dataclass(frozen=True)
class Finding:
    """One problem: where it is (file, sheet, cell), what it is (code), how bad.

    A finding carries its code and arguments, never finished text: ``render(lang)``
    makes the sentence at the edge (CLI, writers) from the ``[findings]`` catalogue.
    ``message`` is the Danish sentence, for logs and tests. ``text`` is kept only for
    a stored finding whose code this version does not know.
    """

    code: str
    severity: Severity
    file: str = ""
    sheet: str = ""
    cell: str = ""
    value: str | Detail = ""
    expected: str | Detail = ""
    hint: str | Detail = ""
    suggestion: str = ""
    column: str = ""
    text: str = ""

    def render(self, lang: str) -> str:
        """The finding as a sentence in ``lang``."""
        entry = CATALOGUE.get(self.code)
        if entry is None:
            return self.text or self.code
        value, expected = (_short(_said(p, lang), entry.limit) for p in (self.value, self.expected))
        column = self.column or value
        message = text(
            lang,
            "findings",
            self.code,
            value=value,
            expected=expected,
            sheet=self.sheet,
            column=column,
        )
        extra = text(lang, "finding-hints", self.code, default="")
        if self.hint and extra:
            message = f"{message} {extra.format(hint=_said(self.hint, lang))}"
        if self.suggestion:
            said = text(lang, "finding-hints", "suggestion", suggestion=self.suggestion)
            message += " " + said
        return message

    @property
    def message(self) -> str:
        return self.render("da")

    def to_dict(self) -> dict[str, str]:
        """The finding as stored (ledger, ``--json``): code and arguments, no prose."""
        d: dict[str, str] = {}
        for key, value in asdict(self).items():
            if key != "text":
                d[key] = "" if isinstance(value, dict) else str(value)
        d["severity"] = self.severity.value
        for key in ("value", "expected", "hint"):
            part = getattr(self, key)
            if isinstance(part, Detail):
                d[f"{key}_detail"] = json.dumps(part.to_json(), ensure_ascii=False, sort_keys=True)
        if self.text:
            d["message"] = self.text
        return d

    def row(self, lang: str) -> dict[str, str]:
        """The finding as a row of findings.csv and the findings sheet, its message in ``lang``."""
        return {**self.to_dict(), "message": self.render(lang)}

    @property
    def where(self) -> str:
        parts = [p for p in (self.file, self.sheet, self.cell) if p]
        return " / ".join(parts)


def make_finding(
    code: str,
    *,
    file: str = "",
    sheet: str = "",
    cell: str = "",
    value: object = "",
    expected: object = "",
    column: str = "",
    hint: str | Detail = "",
    suggestion: str = "",
) -> Finding:
    """A finding of a catalogued code; ``suggestion`` is the near miss the user
    probably meant ("Mente du '…'?")."""
    entry = CATALOGUE[code]
    shown = value if isinstance(value, Detail) else _short(value, entry.limit)
    return Finding(
        code,
        entry.severity,
        file,
        sheet,
        cell,
        shown,
        expected if isinstance(expected, Detail) else _short(expected, entry.limit),
        hint,
        suggestion,
        column,
    )


def finding_from_dict(data: dict[str, str]) -> Finding:
    """A stored finding (ledger, JSON) as a ``Finding`` again."""

    def part(key: str) -> str | Detail:
        stored = data.get(f"{key}_detail")
        return Detail.from_json(json.loads(stored)) if stored else data.get(key, "")

    known = data.get("code", "") in CATALOGUE and "value" in data
    return Finding(
        data["code"],
        Severity(data["severity"]),
        data.get("file", ""),
        data.get("sheet", ""),
        data.get("cell", ""),
        part("value"),
        part("expected"),
        part("hint"),
        data.get("suggestion", ""),
        data.get("column", ""),
        "" if known else data.get("message", ""),
    )


def todo(finding: Finding, lang: str) -> str:
    """What the center should do about a finding, in ``lang`` ("" when nothing)."""
    return text(lang, "todo", finding.code, "", expected=_said(finding.expected, lang))


def _said(part: str | Detail, lang: str) -> str:
    """A finding's argument as text in ``lang``: a detail rendered, a value as it is."""
    return part.render(lang) if isinstance(part, Detail) else part


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _short(value: object, limit: int = 80) -> str:
    text = _text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Report:
    """Findings of one run, in the order they were found."""

    findings: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_list(self) -> list[dict[str, str]]:
        return [f.to_dict() for f in self.findings]
