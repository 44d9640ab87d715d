"""The center workbook's status sheet as plain data: every cell, its style, whether
it is an input, and the key of every row.

The writer renders this layout; the ledger stores it; the collector checks a
returned file against it. Nothing here touches a file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

from sheetflow.checks import checks_from_layout_json, checks_json, locked_digest
from sheetflow.form import (
    CHOICE,
    DATE,
    INITIATIVE,
    INTEGER,
    NUMBER,
    SMILEY,
    TEXT,
    YESNO,
    Field,
    Form,
    form_from_json,
    form_to_json,
)
from sheetflow.model import (
    ECONOMY,
    MILESTONE,
    Initiative,
    Rating,
    Register,
    Round,
    asked_keys,
    format_date,
)
from sheetflow.smiley import symbol
from sheetflow.xlsxutil import col_letter, greedy_breaks, page_room

COMMENT_MAX = 1000  # characters; what the master prints legibly in one cell

# Columns of the status sheet (0-based): hidden key, label/number, text,
# deadline, one per earlier round, this round's smiley, comment.
COL_KEY, COL_NUMBER, COL_TEXT, COL_DEADLINE, COL_FIRST_ROUND = 0, 1, 2, 3, 4
WIDTHS = {"key": 10, "number": 9, "text": 62, "deadline": 21, "round": 8, "smiley": 9}
COMMENT_WIDTH = 42
# Input column width and cell style per field type (a form of finance's own).
FIELD_WIDTHS = {SMILEY: 9, TEXT: 42, NUMBER: 15, INTEGER: 11, DATE: 12, CHOICE: 16, YESNO: 9}
FIELD_STYLES = {
    SMILEY: "input_smiley",
    TEXT: "input_comment",
    NUMBER: "input_number",
    INTEGER: "input_integer",
    DATE: "input_date",
    CHOICE: "input_choice",
    YESNO: "input_choice",
}
HEADER_ROW = 3
LINE_HEIGHT = 13.0


class CellSpec(NamedTuple):
    """One cell of the status sheet. A named tuple: a center's sheet has about
    2,000, each made in less than half a frozen dataclass's time."""

    row: int
    col: int
    value: str
    style: str
    locked: bool = True
    last_col: int | None = None  # merged to this column


@dataclass(frozen=True)
class InputCell:
    address: str
    item_key: str
    kind: str  # the form field's id ("smiley" or "comment" on the default form)


def answers_at(
    inputs: Iterable[InputCell],
    ratings: Iterable[Rating],
    typed: dict[tuple[str, str], str] | None = None,
) -> dict[str, str]:
    """The input cells that ``ratings`` fill in: address → smiley symbol or comment.
    What a correction workbook or a new version of a workbook pre-fills. With a form
    of finance's own, ``typed`` gives every cell's text by (item key, field id)
    (``answers.cell_value_text``) instead."""
    if typed is not None:
        return {
            cell.address: typed[(cell.item_key, cell.kind)]
            for cell in inputs
            if typed.get((cell.item_key, cell.kind))
        }
    by_item = {r.item_key: r for r in ratings}
    out: dict[str, str] = {}
    for cell in inputs:
        r = by_item.get(cell.item_key)
        if r is None:
            continue
        value = symbol(r.smiley) if cell.kind == "smiley" else r.comment
        if value:
            out[cell.address] = value
    return out


@dataclass
class StatusLayout:
    """Everything about the status sheet that the collector must be able to check."""

    sheet: str
    round: int
    center: str
    widths: list[float]
    hidden_cols: list[int]
    header_row: int
    row_keys: dict[int, str]
    heights: dict[int, float]
    cells: list[CellSpec]
    inputs: list[InputCell]
    smiley_cols: list[int]
    blocks: list[int] = field(default_factory=list)
    page_breaks: list[int] = field(default_factory=list)
    # The asked fields as JSON (form.form_to_json); empty for the default form, whose
    # layout and ledger record stay exactly as they were before forms were data.
    form: str = ""

    def fields(self) -> Form | None:
        """The form this sheet was issued with; None for the default form."""
        return form_from_json(self.form) if self.form else None

    @property
    def last_col(self) -> int:
        return len(self.widths) - 1

    @property
    def last_row(self) -> int:
        return max(self.row_keys) if self.row_keys else self.header_row

    def locked_cells(self) -> list[tuple[tuple[int, int], str]]:
        """((row, col), text) of every locked cell that holds text."""
        return [((c.row, c.col), c.value) for c in self.cells if c.locked and c.value]

    def fingerprint(self) -> str:
        """The digest of the locked cells (key column included): what a return must
        still hold. Recorded in the ledger and the workbook's metadata, and what the
        collector compares a return with first."""
        return locked_digest(self.locked_cells())

    def checks_json(self, fingerprint: str | None = None) -> str:
        """The ledger's small summary of this sheet (see ``sheetflow.checks``), with
        its ``fingerprint()`` when the caller already has it."""
        inputs = [[i.address, i.item_key, i.kind] for i in self.inputs]
        return checks_json(
            self.sheet,
            self.round,
            self.header_row,
            self.last_row,
            self.last_col,
            fingerprint or self.fingerprint(),
            inputs,
            self.form,
        )

    def to_json(self) -> str:
        """Compact JSON for the ledger: cells and inputs as arrays, in field order."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        # Blank locked cells only carry a style: the collector needs values.
        data["cells"] = [
            (c.row, c.col, c.value, c.style, c.locked, c.last_col)
            for c in self.cells
            if c.value or not c.locked
        ]
        data["inputs"] = [(i.address, i.item_key, i.kind) for i in self.inputs]
        if not self.form:
            del data["form"]
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> StatusLayout:
        data: dict[str, Any] = json.loads(text)
        data["cells"] = [CellSpec(*c) for c in data["cells"]]
        data["inputs"] = [InputCell(*i) for i in data["inputs"]]
        data["row_keys"] = {int(k): v for k, v in data["row_keys"].items()}
        data["heights"] = {int(k): v for k, v in data["heights"].items()}
        return cls(**data)


class CheckLayout:
    """What the collector needs of an issued status sheet.

    Built from the ledger's small ``checks`` summary (sheet, inputs, digest of
    the locked cells); the full layout (every locked value, every row key) is
    parsed only when a return's digest differs and the findings must say where.
    """

    def __init__(self, checks: dict[str, Any], layout_json: str) -> None:
        self.sheet: str = checks["sheet"]
        self.round: int = checks["round"]
        self.header_row: int = checks["header_row"]
        self.last_row: int = checks["last_row"]
        self.last_col: int = checks["last_col"]
        self.digest: str | None = checks.get("digest")
        self.inputs = [InputCell(*i) for i in checks["inputs"]]
        self.input_positions = {parse_address(i.address) for i in self.inputs}
        self.form: Form | None = form_from_json(checks["form"]) if checks.get("form") else None
        self._layout_json = layout_json
        self._full: dict[str, Any] | None = None

    @classmethod
    def from_json(cls, layout_json: str) -> CheckLayout:
        """From a full layout alone (no digest: every check takes the long way)."""
        checks = json.loads(checks_from_layout_json(layout_json))
        checks["digest"] = None
        return cls(checks, layout_json)

    @classmethod
    def for_issued(cls, checks: str, layout_json: str) -> CheckLayout:
        if not checks:
            return cls.from_json(layout_json)
        return cls(json.loads(checks), layout_json)

    def _data(self) -> dict[str, Any]:
        if self._full is None:
            self._full = json.loads(self._layout_json)
        return self._full

    @property
    def row_keys(self) -> dict[int, str]:
        return {int(k): v for k, v in self._data()["row_keys"].items()}

    @property
    def locked(self) -> dict[tuple[int, int], str]:
        return {(c[0], c[1]): c[2] for c in self._data()["cells"] if c[4] and c[2]}

    def item_texts(self) -> dict[str, str]:
        """Each row's key and the text the workbook showed for it (a milestone's
        text, an economy line's), as issued."""
        cells = self.locked
        return {key: cells.get((row, COL_TEXT), "") for row, key in self.row_keys.items()}


def parse_address(addr: str) -> tuple[int, int]:
    """An A1 address to 0-based (row, column)."""
    col = 0
    for i, ch in enumerate(addr):
        if ch.isdigit():
            return int(addr[i:]) - 1, col - 1
        col = col * 26 + ord(ch) - 64
    raise ValueError(addr)


def address(row: int, col: int) -> str:
    """0-based row and column to an A1 address."""
    return f"{col_letter(col)}{row + 1}"


def text_height(text: str, width_chars: float, minimum: float = LINE_HEIGHT) -> float:
    """Row height (points) that shows wrapped ``text`` in a column ``width_chars`` wide."""
    per_line = max(width_chars * 1.3, 10)
    if "\n" not in text:  # the common case, without splitting
        lines = max(1, math.ceil(len(text) / per_line))
    else:
        lines = sum(max(1, math.ceil(len(p) / per_line)) for p in text.split("\n"))
    return max(minimum, min(409.0, lines * LINE_HEIGHT + 4))


class _Builder:
    def __init__(self, rnd: Round, n_earlier: int, fields: list[Field] | None = None) -> None:
        self.rnd = rnd
        # ``fields``: a form of finance's own, one input column each; None for the
        # default form's smiley and comment columns (laid out exactly as always).
        self.fields = fields
        self.col_smiley = COL_FIRST_ROUND + n_earlier
        self.col_comment = self.col_smiley + (len(fields) - 1 if fields else 1)
        self.cells: list[CellSpec] = []
        self.inputs: list[InputCell] = []
        self.row_keys: dict[int, str] = {}
        self.heights: dict[int, float] = {}
        self.blocks: list[int] = []
        self.row = HEADER_ROW + 1
        self.not_relevant: set[str] = set()
        self.not_relevant_text = ""
        # A form without a smiley: earlier rounds' answers to its headline choice field,
        # by (item key, round), for the history columns.
        self.headlines: dict[tuple[str, int], str] = {}

    def put(
        self, col: int, value: str, style: str, locked: bool = True, last_col: int | None = None
    ) -> None:
        self.cells.append(CellSpec(self.row, col, value, style, locked, last_col))

    def fill(self, style: str, first: int, last: int) -> None:
        for col in range(first, last + 1):
            self.put(col, "", style)

    def next_row(self, key: str, height: float | None = None) -> None:
        self.row_keys[self.row] = key
        if height:
            self.heights[self.row] = height
        self.row += 1


def build_status_layout(
    register: Register,
    rnd: Round,
    center: str,
    ratings: list[Rating],
    texts: dict[str, dict[str, Any]],
    asked: set[str] | None = None,
    headlines: dict[tuple[str, int], str] | None = None,
) -> StatusLayout:
    """Lay out one center's status sheet for round ``rnd``.

    ``ratings`` are all ratings collected before this round (register and
    ledger); they fill the history columns and decide which milestones are
    still asked for. ``ratings`` may be only the center's, with ``asked`` the
    round's asked keys computed once for all centers. ``headlines`` (a form
    without a smiley, see :func:`headline_field`) fill the history columns
    instead: (item key, round) → the answer's label.
    """
    t = texts["status"]
    earlier = [r for r in register.rounds if r.number < rnd.number]
    fields = None if register.form.is_default else issued_fields(register.form)
    b = _Builder(rnd, len(earlier), fields)
    b.not_relevant = register.not_applicable()
    b.not_relevant_text = t.get("not_relevant", "")
    b.headlines = headlines or {}
    history = {(r.item_key, r.round): r for r in ratings if r.round < rnd.number}
    asked = asked if asked is not None else set(asked_keys(register, rnd, ratings))
    widths = [WIDTHS["key"], WIDTHS["number"], WIDTHS["text"], WIDTHS["deadline"]]
    widths += [WIDTHS["round"]] * len(earlier)
    if fields is None:
        widths += [WIDTHS["smiley"], COMMENT_WIDTH]
    else:
        widths += [FIELD_WIDTHS[f.type] for f in fields]
    wide = sum(widths[COL_TEXT:])

    short = {r.number: t["round_short"].format(number=r.number) for r in register.rounds}
    fmt = _fields(register, rnd, center)
    b.row = 0
    b.put(COL_NUMBER, t["title"].format(**fmt), "title", last_col=b.col_comment)
    b.next_row("#title", 24)
    b.put(COL_NUMBER, t["subtitle"].format(**fmt), "subtitle", last_col=b.col_comment)
    b.next_row("#subtitle")
    b.next_row("#blank")
    headers = [t["col_key"], t["col_number"], t["col_text"], t["col_deadline"]]
    headers += [t["col_round"].format(short=short[r.number]) for r in earlier]
    if fields is None:
        headers += [
            t["col_smiley"].format(short=short[rnd.number]),
            t["col_comment"].format(short=short[rnd.number]),
        ]
    else:
        lang = t.get("lang", "da")
        headers += [
            t["col_field"].format(label=f.label(lang), short=short[rnd.number]) for f in fields
        ]
    for col, text in enumerate(headers):
        b.put(col, text, "header")
    b.next_row("#header", 32)

    sections = {s.number: s for s in register.sections}
    current_section = None
    for ini in register.initiatives_for(center):
        if ini.section != current_section:
            current_section = ini.section
            section = sections.get(ini.section)
            b.blocks.append(b.row)
            b.put(COL_KEY, f"S:{ini.section}", "key")
            b.put(
                COL_NUMBER,
                section.label if section else ini.section,
                "section",
                last_col=b.col_comment,
            )
            b.next_row(f"S:{ini.section}", 22)
        _initiative(b, ini, t, wide, earlier, history, asked)
    layout = StatusLayout(
        sheet=t["sheet"],
        round=rnd.number,
        center=center,
        widths=[float(w) for w in widths],
        hidden_cols=[COL_KEY],
        header_row=HEADER_ROW,
        row_keys=b.row_keys,
        heights=b.heights,
        cells=b.cells,
        inputs=b.inputs,
        smiley_cols=[*range(COL_FIRST_ROUND, COL_FIRST_ROUND + len(earlier))]
        + [
            b.col_smiley + n for n, f in enumerate(fields or [default_smiley()]) if f.type == SMILEY
        ],
        blocks=b.blocks,
        form=form_to_json(Form(tuple(fields))) if fields is not None else "",
    )
    layout.page_breaks = page_breaks(layout)
    return layout


def default_smiley() -> Field:
    """The default form's smiley field (the input column right after the history)."""
    from sheetflow.form import default_form

    return default_form().fields[0]


def headline_field(form: Form) -> Field | None:
    """The field whose earlier answers fill a form's history columns when it asks no
    smiley: its first live choice field (a RAG status, say)."""
    live = [f for f in form.fields if not f.retired]
    if any(f.type == SMILEY for f in live):
        return None
    return next((f for f in live if f.type == CHOICE), None)


def issued_fields(form: Form) -> list[Field]:
    """The fields a center workbook gives an input column: the live ones, in form order."""
    return [f for f in form.fields if not f.retired and set(f.applies_to) & TARGET_SET]


TARGET_SET = {MILESTONE, ECONOMY, INITIATIVE}


def _fields(register: Register, rnd: Round, center: str) -> dict[str, str]:
    return {
        "center": center,
        "round": rnd.name,
        "as_of": format_date(rnd.as_of),
        "deadline": format_date(rnd.return_deadline),
        "agreement": register.info.agreement,
    }


def _initiative(
    b: _Builder,
    ini: Initiative,
    t: dict[str, Any],
    wide: float,
    earlier: list[Round],
    history: dict[tuple[str, int], Rating],
    asked: set[str],
) -> None:
    if b.row_keys.get(b.row - 1, "") != f"S:{ini.section}":
        b.blocks.append(b.row)
    b.put(COL_KEY, ini.key, "key")
    b.put(COL_NUMBER, ini.number, "initiative")
    b.put(COL_TEXT, ini.title, "initiative")
    b.put(COL_DEADLINE, f"{t['kind']}: {ini.kind}" if ini.kind else "", "initiative")
    if b.fields and any(f.applies(INITIATIVE) for f in b.fields):
        for offset, rnd in enumerate(earlier):
            headline = b.headlines.get((ini.key, rnd.number), "")
            b.put(COL_FIRST_ROUND + offset, headline, "initiative")
        _inputs(b, ini.key, INITIATIVE, "initiative")
    else:
        b.fill("initiative", COL_FIRST_ROUND, b.col_comment)
    b.next_row(ini.key, text_height(ini.title, WIDTHS["text"], 18))

    description = "\n".join(p for p in (ini.description, ini.details) if p)
    if description:
        b.put(COL_KEY, f"{ini.key}#d", "key")
        b.put(COL_NUMBER, "", "label")
        b.put(COL_TEXT, description, "description", last_col=b.col_comment)
        b.next_row(f"{ini.key}#d", text_height(description, wide))
    people = " · ".join(
        f"{label}: {value}"
        for label, value in ((t["committee"], ini.committee), (t["contributors"], ini.contributors))
        if value
    )
    if people:
        b.put(COL_KEY, f"{ini.key}#p", "key")
        b.put(COL_TEXT, people, "people", last_col=b.col_comment)
        b.next_row(f"{ini.key}#p", text_height(people, wide))

    for ms in ini.milestones:
        if not ms.is_placeholder:
            row = (ms.key, t["milestone"], ms.text, ms.deadline.text, MILESTONE)
            _item_row(b, row, earlier, history, asked)
    _item_row(b, (ini.economy_key, t["economy"], ini.economy, "", ECONOMY), earlier, history, asked)


def _inputs(b: _Builder, key: str, target: str, other: str) -> None:
    """One input cell per field asked of ``target`` (a form of finance's own); the
    other field columns get style ``other``."""
    for col, f in enumerate(b.fields or [], start=b.col_smiley):
        if f.applies(target):
            b.put(col, "", FIELD_STYLES[f.type], locked=False)
            b.inputs.append(InputCell(address(b.row, col), key, f.id))
        else:
            b.put(col, "", other)


def _item_row(
    b: _Builder,
    row: tuple[str, str, str, str, str],
    earlier: list[Round],
    history: dict[tuple[str, int], Rating],
    asked: set[str],
) -> None:
    """A milestone or economy row: ``row`` is (key, label, text, deadline, target)."""
    key, label, text, deadline, target = row
    b.put(COL_KEY, key, "key")
    b.put(COL_NUMBER, label, "label")
    b.put(COL_TEXT, text, "text")
    b.put(COL_DEADLINE, deadline, "deadline")
    for offset, rnd in enumerate(earlier):
        rating = history.get((key, rnd.number))
        earlier_answer = symbol(rating.smiley if rating else None) or b.headlines.get(
            (key, rnd.number), ""
        )
        b.put(COL_FIRST_ROUND + offset, earlier_answer, "smiley")
    if b.fields is not None:
        if key in b.not_relevant:
            b.put(b.col_smiley, b.not_relevant_text, "not_asked")
            b.fill("not_asked", b.col_smiley + 1, b.col_comment)
        elif key in asked:
            _inputs(b, key, target, "not_asked")
        else:
            b.fill("not_asked", b.col_smiley, b.col_comment)
    elif key in b.not_relevant:  # marked "ikke relevant" in the register: said, not asked
        b.put(b.col_smiley, "", "not_asked")
        b.put(b.col_comment, b.not_relevant_text, "not_asked")
    elif key in asked:
        b.put(b.col_smiley, "", "input_smiley", locked=False)
        b.put(b.col_comment, "", "input_comment", locked=False)
        b.inputs.append(InputCell(address(b.row, b.col_smiley), key, "smiley"))
        b.inputs.append(InputCell(address(b.row, b.col_comment), key, "comment"))
    else:
        b.put(b.col_smiley, "", "not_asked")
        b.put(b.col_comment, "", "not_asked")
    b.next_row(key, text_height(text, WIDTHS["text"]))


def page_breaks(layout: StatusLayout) -> list[int]:
    """Rows before which a page should break so no initiative is split where avoidable.

    Fills each page with whole blocks (a section heading with its first
    initiative, or one initiative) at the fit-to-width scale.
    """
    printed = [w for c, w in enumerate(layout.widths) if c not in layout.hidden_cols]
    room = page_room(printed, layout.heights.get(layout.header_row, LINE_HEIGHT))
    starts = sorted(set(layout.blocks))
    ends = [*starts[1:], layout.last_row + 1]
    blocks = [
        (first, sum(layout.heights.get(r, LINE_HEIGHT) for r in range(first, end)), False)
        for first, end in zip(starts, ends, strict=True)
    ]
    return greedy_breaks(blocks, room)
