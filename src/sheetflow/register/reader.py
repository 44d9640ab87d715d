"""Read ``register.xlsx`` back: columns by header, findings instead of tracebacks.

Columns are found by their header, so finance may reorder them; every row
that cannot be used is left out with a finding that names sheet and cell,
and rows that only refer to such a row get no second finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from sheetflow.findings import Report, make_finding
from sheetflow.model import (
    Center,
    Deadline,
    Initiative,
    Milestone,
    Rating,
    Register,
    ReportInfo,
    Round,
    Section,
    economy_key,
    milestone_key,
    parse_date_text,
)
from sheetflow.register.tables import (
    CENTERS,
    INFO_ROWS,
    INFO_SHEET,
    INITIATIVES,
    MILESTONES,
    RATINGS,
    ROUNDS,
    SECTIONS,
    TABLES,
)
from sheetflow.smiley import UnknownSmiley, parse_smiley
from sheetflow.xlsxutil import col_letter

# --------------------------------------------------------------------- reading


@dataclass
class _Row:
    """One row of a register sheet; fields by name through the sheet's shared column
    index, so a register of 40,000 initiatives costs no dict per row."""

    sheet: str
    number: int
    raw: list[Any]
    index: dict[str, int]

    def value(self, name: str) -> Any:
        i = self.index.get(name)
        return self.raw[i] if i is not None and i < len(self.raw) else None

    def text(self, name: str) -> str:
        return _text(self.value(name))

    def cell(self, name: str) -> str:
        """The A1 address of a field, for findings."""
        return f"{col_letter(self.index[name])}{self.number}"

    def has(self, name: str) -> bool:
        return name in self.index


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return str(value).strip()


class _Reader:
    """Reads the tables of one register workbook, collecting findings."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.report = Report()
        # Keys of rows that exist but were left out for a reported reason:
        # rows that refer to them are skipped without a second finding.
        self.known: set[str] = set()
        self.book = CalamineWorkbook.from_path(str(path))
        self.sheetnames = list(self.book.sheet_names)

    def sheet_rows(self, name: str) -> list[list[Any]]:
        return self.book.get_sheet_by_name(name).to_python(skip_empty_area=False)

    def finding(self, code: str, sheet: str = "", cell: str = "", **kw: Any) -> None:
        self.report.add(make_finding(code, file=self.path.name, sheet=sheet, cell=cell, **kw))

    def rows(self, name: str) -> Iterator[_Row]:
        if name not in self.sheetnames:
            self.finding("register-missing-sheet", sheet=name)
            return
        it = iter(self.sheet_rows(name))
        header = [_text(v) for v in next(it, ())]
        cols = TABLES[name]
        index: dict[str, int] = {}
        for col in cols:
            if col.header in header:
                index[col.field] = header.index(col.header)
            else:
                self.finding("register-missing-column", sheet=name, cell="1", column=col.header)
        if any(col.required and col.field not in index for col in cols):
            return
        for r, raw in enumerate(it, start=2):
            if raw is None or all(v is None or _text(v) == "" for v in raw):
                continue
            row = _Row(name, r, raw, index)
            if self.required_present(row):
                yield row

    def required_present(self, row: _Row) -> bool:
        ok = True
        for col in TABLES[row.sheet]:
            if col.required and not row.text(col.field):
                self.finding(
                    "register-missing-value",
                    sheet=row.sheet,
                    cell=row.cell(col.field),
                    column=col.header,
                )
                ok = False
        return ok

    def date(self, row: _Row, name: str) -> dt.date | None:
        value = row.value(name)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        parsed = parse_date_text(_text(value))
        if parsed is None:
            self.finding("register-bad-date", sheet=row.sheet, cell=row.cell(name), value=value)
        return parsed

    def integer(self, row: _Row, name: str, code: str) -> int | None:
        try:
            return int(float(row.text(name)))
        except ValueError:
            self.finding(code, sheet=row.sheet, cell=row.cell(name), value=row.text(name))
            return None

    def unique(self, row: _Row, name: str, seen: set[str]) -> bool:
        value = row.text(name)
        if value in seen:
            self.finding(
                "register-duplicate-key", sheet=row.sheet, cell=row.cell(name), value=value
            )
            return False
        seen.add(value)
        return True


def read_register(path: str | Path) -> tuple[Register, Report]:
    """Read ``register.xlsx``; rows that cannot be used are left out and reported."""
    reader = _Reader(Path(path))
    info = _read_info(reader)
    sections = _read_simple(reader, SECTIONS, lambda r: Section(r.text("number"), r.text("title")))
    centers = _read_simple(
        reader, CENTERS, lambda r: Center(r.text("name"), r.text("contact_name"), r.text("email"))
    )
    rounds = _read_rounds(reader)
    initiatives = _read_initiatives(reader, sections, centers, rounds)
    ratings = _read_ratings(reader, initiatives, rounds)
    return Register(info, sections, initiatives, rounds, centers, ratings), reader.report


def _read_info(reader: _Reader) -> ReportInfo:
    if INFO_SHEET not in reader.sheetnames:
        reader.finding("register-missing-sheet", sheet=INFO_SHEET)
        return ReportInfo()
    by_label = {label: attr for attr, label in INFO_ROWS}
    values = {}
    for row in reader.sheet_rows(INFO_SHEET)[1:]:
        if row and _text(row[0]) in by_label:
            values[by_label[_text(row[0])]] = _text(row[1] if len(row) > 1 else None)
    return ReportInfo(**values)


def _read_simple(reader: _Reader, sheet: str, build: Callable[[_Row], Any]) -> list[Any]:
    out, seen = [], set()
    first = TABLES[sheet][0].field
    for row in reader.rows(sheet):
        if reader.unique(row, first, seen):
            out.append(build(row))
    return out


def _read_rounds(reader: _Reader) -> list[Round]:
    rounds, seen = [], set()
    for row in reader.rows(ROUNDS):
        number = reader.integer(row, "number", "register-bad-date")
        as_of, due = reader.date(row, "as_of"), reader.date(row, "return_deadline")
        if number is None or as_of is None or due is None:
            continue
        if reader.unique(row, "number", seen):
            rounds.append(Round(number, row.text("name"), as_of, due))
    return rounds


def _read_initiatives(
    reader: _Reader, sections: list[Section], centers: list[Center], rounds: list[Round]
) -> list[Initiative]:
    center_names = {c.name for c in centers}
    section_numbers = {s.number for s in sections}
    drafts: list[Initiative] = []
    seen: set[str] = set()
    for row in reader.rows(INITIATIVES):
        if not reader.unique(row, "key", seen):
            continue
        reader.known.update({row.text("key"), economy_key(row.text("key"))})
        ok = True
        if not row.text("title"):
            reader.finding("register-missing-title", sheet=row.sheet, cell=row.cell("title"))
            ok = False
        if row.text("center") not in center_names:
            reader.finding(
                "register-unknown-center",
                sheet=row.sheet,
                cell=row.cell("center"),
                value=row.text("center"),
            )
            ok = False
        if row.text("section") and row.text("section") not in section_numbers:
            reader.finding(
                "register-unknown-section",
                sheet=row.sheet,
                cell=row.cell("section"),
                value=row.text("section"),
            )
        if ok:
            kwargs = {f.name: row.text(f.name) for f in fields(Initiative) if row.has(f.name)}
            drafts.append(Initiative(**kwargs))
    milestones = _read_milestones(reader, {i.key for i in drafts}, rounds)
    return [
        Initiative(
            **{f.name: getattr(i, f.name) for f in fields(Initiative) if f.name != "milestones"},
            milestones=tuple(sorted(milestones.get(i.key, []), key=lambda m: m.position)),
        )
        for i in drafts
    ]


def resolve_deadline(text: str, rounds: list[Round]) -> Deadline | None:
    """A deadline text as a round of the register (by name) or a date; None if neither."""
    for rnd in rounds:
        if text.casefold() == rnd.name.casefold():
            return Deadline(rnd.name, round=rnd.number)
    day = parse_date_text(text)
    return Deadline(text, date=day) if day else None


def _read_milestones(
    reader: _Reader, initiative_keys: set[str], rounds: list[Round]
) -> dict[str, list[Milestone]]:
    out: dict[str, list[Milestone]] = {}
    seen: set[str] = set()
    deadlines: dict[str, Deadline | None] = {}
    for row in reader.rows(MILESTONES):
        ikey = row.text("initiative_key")
        if ikey not in initiative_keys:
            if ikey not in reader.known:
                reader.finding(
                    "register-unknown-initiative",
                    sheet=row.sheet,
                    cell=row.cell("initiative_key"),
                    value=ikey,
                )
            continue
        position = reader.integer(row, "position", "register-missing-value")
        if position is not None:
            reader.known.add(milestone_key(ikey, position))
        text = row.text("deadline")
        if text not in deadlines:  # one Deadline object per distinct text
            deadlines[text] = resolve_deadline(text, rounds)
        deadline = deadlines[text]
        if deadline is None:
            reader.finding(
                "register-bad-deadline",
                sheet=row.sheet,
                cell=row.cell("deadline"),
                value=row.text("deadline"),
            )
        if position is None or deadline is None:
            continue
        key = milestone_key(ikey, position)
        if key in seen:
            reader.finding(
                "register-duplicate-key", sheet=row.sheet, cell=row.cell("position"), value=key
            )
            continue
        seen.add(key)
        out.setdefault(ikey, []).append(Milestone(key, ikey, position, row.text("text"), deadline))
    return out


def _read_ratings(
    reader: _Reader, initiatives: list[Initiative], rounds: list[Round]
) -> list[Rating]:
    items = {m.key for i in initiatives for m in i.milestones} | {
        i.economy_key for i in initiatives
    }
    round_numbers = {r.number for r in rounds}
    out = []
    for row in reader.rows(RATINGS):
        number = reader.integer(row, "round", "register-unknown-round")
        if number is not None and number not in round_numbers:
            reader.finding(
                "register-unknown-round", sheet=row.sheet, cell=row.cell("round"), value=number
            )
            number = None
        if row.text("item_key") not in items:
            if row.text("item_key") in reader.known:
                continue
            reader.finding(
                "register-unknown-item",
                sheet=row.sheet,
                cell=row.cell("item_key"),
                value=row.text("item_key"),
            )
            continue
        try:
            smiley = parse_smiley(row.value("smiley"))
        except UnknownSmiley:
            reader.finding(
                "register-bad-smiley",
                sheet=row.sheet,
                cell=row.cell("smiley"),
                value=row.value("smiley"),
            )
            continue
        if number is not None:
            out.append(
                Rating(
                    number, row.text("item_key"), smiley, row.text("comment"), row.text("source")
                )
            )
    return out
