"""Read ``register.xlsx`` back: columns by header, findings instead of tracebacks.

Columns are found by their header, so finance may reorder them. Every
problem is reported in one pass, once, with sheet and cell: a row that
cannot be used is left out with a finding, and a row that only refers to a
row already reported gets no second finding. Near misses get a suggestion.

Keys are optional for people: an initiative without a Nøgle gets a stable
key made from its title (reported as ``register-key-assigned``, so the
caller can write it back), and a milestone may name its initiative by Nr.
where that number is used once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from email.errors import HeaderParseError
from email.headerregistry import Address
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from sheetflow.findings import Finding, Report, make_finding
from sheetflow.form import NOT_APPLICABLE_WORDS
from sheetflow.heap import give_back_freed_memory
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
    initiative_key,
    milestone_key,
)
from sheetflow.register.dates import ACCEPTED_FORMS, dd_mm_yyyy, is_long_form, parse_day
from sheetflow.register.form_sheet import read_form
from sheetflow.register.tables import (
    CENTERS,
    INFO_ROWS,
    INFO_SHEET,
    INITIATIVES,
    KINDS,
    MILESTONES,
    OPTIONAL_SHEETS,
    RATINGS,
    ROUNDS,
    SECTIONS,
    TABLES,
)
from sheetflow.smiley import UnknownSmiley, parse_smiley
from sheetflow.xlsxutil import col_letter

_WHOLE = re.compile(r"^\d+$")
NA_WORDS = frozenset({"ikke relevant"}) | NOT_APPLICABLE_WORDS
YES_WORDS = frozenset({"x", "ja", "yes", "sand", "true", "1"})
NO_WORDS = frozenset({"nej", "no", "falsk", "false", "0"})


@dataclass
class _Row:
    """One row of a register sheet; fields by name through the sheet's shared column
    index, so a register of 40,000 initiatives costs no dict per row."""

    sheet: str
    number: int
    raw: list[Any]
    index: dict[str, int]
    # The reader's texts so far: a text met again (a center, a committee, a stock
    # phrase) is held once, not once per row.
    texts: dict[str, str]

    def value(self, name: str) -> Any:
        i = self.index.get(name)
        return self.raw[i] if i is not None and i < len(self.raw) else None

    def text(self, name: str) -> str:
        text = _text(self.value(name))
        return self.texts.setdefault(text, text)

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
    if isinstance(value, dt.date):
        return dd_mm_yyyy(value if not isinstance(value, dt.datetime) else value.date())
    return str(value).strip()


def near_miss(value: str, choices: Iterable[str]) -> str:
    """The choice the user most likely meant by ``value`` (difflib), or "". A short
    word typed for a long name ("Kultr" for "Kultur og Fritid") is matched against
    the name's beginning, which difflib's whole-name ratio misses."""
    options = {c.casefold(): c for c in choices if c}
    typed = value.strip().casefold()
    best = difflib.get_close_matches(typed, list(options), n=1, cutoff=0.6)
    if best:
        return options[best[0]]
    if len(typed) < 3:
        return ""
    starts = {folded[: len(typed) + 1]: folded for folded in options}
    best = difflib.get_close_matches(typed, list(starts), n=1, cutoff=0.8)
    return options[starts[best[0]]] if best else ""


def valid_email(text: str) -> bool:
    """True when ``text`` is one plain address a To: header takes (remind uses the same
    parser), with a domain such as kommune.dk."""
    try:
        address = Address(addr_spec=text)
    except (ValueError, HeaderParseError, IndexError):
        return False
    return bool(address.username) and "." in address.domain and address.addr_spec == text


def _whole_number(value: Any) -> int | None:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = _text(value)
    return int(text) if _WHOLE.match(text) else None


@dataclass
class _Refs:
    """What later sheets may refer to, and what was reported and so stays quiet."""

    broken_sheets: set[str] = field(default_factory=set)
    # Sheets with a reported row whose own name or number is missing or taken:
    # what refers to an unknown name there may mean that row, so it stays quiet.
    unidentified: set[str] = field(default_factory=set)
    # Opfølgninger rows that were reported: their names and numbers.
    bad_round_names: set[str] = field(default_factory=set)
    bad_round_numbers: set[int] = field(default_factory=set)
    # Keys and numbers of Delelementer rows that were reported.
    bad_initiatives: set[str] = field(default_factory=set)
    # Item keys (milestone and economy) of rows that were reported, and initiatives
    # with a reported milestone row whose number is unknown.
    bad_items: set[str] = field(default_factory=set)
    unnumbered_milestones: set[str] = field(default_factory=set)

    def quiet(self, sheet: str) -> bool:
        """True when an unknown reference to ``sheet`` may be a reported row's."""
        return sheet in self.broken_sheets or sheet in self.unidentified


class _Reader:
    """Reads the tables of one register workbook, collecting findings."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.report = Report()
        self.refs = _Refs()
        self.book = CalamineWorkbook.from_path(str(path))
        self.sheetnames = list(self.book.sheet_names)
        self.texts: dict[str, str] = {}

    def sheet_rows(self, name: str) -> Iterator[list[Any]]:
        """The sheet's rows from A1 (empty rows and columns before the data kept), one
        at a time: a 40,000-row register never sits in Python as one list of lists."""
        sheet = self.book.get_sheet_by_name(name)
        first_row, first_col = sheet.start or (0, 0)
        for _ in range(first_row):
            yield []
        pad: list[Any] = [""] * first_col
        for row in sheet.iter_rows():
            yield pad + row if first_col else row
        del sheet  # its cell grid, before the next sheet's is read
        give_back_freed_memory()

    def finding(self, code: str, sheet: str = "", cell: str = "", **kw: Any) -> None:
        self.report.add(make_finding(code, file=self.path.name, sheet=sheet, cell=cell, **kw))

    def at(self, code: str, row: _Row, name: str, **kw: Any) -> None:
        """A finding about one field of a row."""
        self.finding(code, sheet=row.sheet, cell=row.cell(name), **kw)

    def rows(self, name: str) -> Iterator[_Row]:
        """Every non-empty row; none when the sheet or a required column is missing.

        A sheet or column added after registers were first written (the form, "ikke
        relevant") may be absent without a finding: the register reads as before."""
        if name not in self.sheetnames:
            if name not in OPTIONAL_SHEETS:
                self.finding("register-missing-sheet", sheet=name)
                self.refs.broken_sheets.add(name)
            return
        it = iter(self.sheet_rows(name))
        header = [_text(v) for v in next(it, ())]
        cols = TABLES[name]
        index: dict[str, int] = {}
        for col in cols:
            if col.header in header:
                index[col.field] = header.index(col.header)
            elif not col.optional:
                self.finding("register-missing-column", sheet=name, cell="1", column=col.header)
        if any(col.required and col.field not in index for col in cols):
            self.refs.broken_sheets.add(name)
            return
        for r, raw in enumerate(it, start=2):
            if raw is None or all(v is None or _text(v) == "" for v in raw):
                continue
            yield _Row(name, r, raw, index, self.texts)

    def filled(self, row: _Row) -> bool:
        """Report every required field left empty; True when none is."""
        ok = True
        for col in TABLES[row.sheet]:
            if col.required and not row.text(col.field):
                self.at("register-missing-value", row, col.field, column=col.header)
                ok = False
                if col is TABLES[row.sheet][0]:  # the row's own name or number
                    self.refs.unidentified.add(row.sheet)
        return ok

    def date(self, row: _Row, name: str) -> dt.date | None:
        """A date field in any accepted form; a finding naming the forms otherwise."""
        if not row.text(name):
            return None  # reported as missing
        day = parse_day(row.value(name))
        if day is None:
            self.at("register-bad-date", row, name, value=row.text(name), expected=ACCEPTED_FORMS)
        return day

    def integer(self, row: _Row, name: str) -> int | None:
        """A whole-number field; a finding when it is filled with anything else."""
        if not row.text(name):
            return None  # reported as missing
        number = _whole_number(row.value(name))
        if number is None:
            header = next(c.header for c in TABLES[row.sheet] if c.field == name)
            self.at("register-bad-number", row, name, value=row.text(name), column=header)
        return number

    def flag(self, row: _Row, name: str, words: frozenset[str] = NA_WORDS) -> bool:
        """A yes-field ("ikke relevant", "ja", "x"); a finding for anything else."""
        text = row.text(name)
        if not text or text.casefold() in NO_WORDS:
            return False
        if text.casefold() in words or text.casefold() in YES_WORDS:
            return True
        header = next(c.header for c in TABLES[row.sheet] if c.field == name)
        expected = "ikke relevant" if words is NA_WORDS else "ja"
        self.at("register-bad-value", row, name, value=text, column=header,
                expected=f"tom, '{expected}' eller 'x'")  # fmt: skip
        return False

    def first_use(self, row: _Row, name: str, seen: dict[str, str]) -> bool:
        """False (with a finding) when the field's value was used in an earlier row."""
        value = row.text(name)
        if value in seen:
            self.refs.unidentified.add(row.sheet)
            header = next(c.header for c in TABLES[row.sheet] if c.field == name)
            self.at("register-duplicate-key", row, name, value=value, column=header,
                    expected=seen[value])  # fmt: skip
            return False
        seen[value] = row.cell(name)
        return True


def read_register(path: str | Path) -> tuple[Register, Report]:
    """Read ``register.xlsx``; rows that cannot be used are left out and reported."""
    reader = _Reader(Path(path))
    info = _read_info(reader)
    sections = _read_sections(reader)
    centers = _read_centers(reader)
    rounds = _read_rounds(reader)
    initiatives = _read_initiatives(reader, sections, centers, rounds)
    ratings = _read_ratings(reader, initiatives, rounds)
    form = read_form(reader)
    report = Report(sorted(reader.report, key=_place))
    if report.errors:  # keys are only made (and written back) for a usable register
        report = Report([f for f in report if f.code != "register-key-assigned"])
    register = Register(info, sections, initiatives, rounds, centers, ratings, form)
    return register, report


SHEET_ORDER = [INFO_SHEET, *TABLES]
_CELL = re.compile(r"^([A-Z]*)(\d+)$")


def _place(f: Finding) -> tuple[int, int, int]:
    """Where a finding is, for listing them in workbook order: sheet, row, column."""
    sheet = SHEET_ORDER.index(f.sheet) if f.sheet in SHEET_ORDER else len(SHEET_ORDER)
    m = _CELL.match(f.cell)
    if not m:
        return sheet, 0, 0
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return sheet, int(m.group(2)), col


def _read_info(reader: _Reader) -> ReportInfo:
    if INFO_SHEET not in reader.sheetnames:
        reader.finding("register-missing-sheet", sheet=INFO_SHEET)
        return ReportInfo()
    by_label = {label: attr for attr, label in INFO_ROWS}
    values: dict[str, str] = {}
    for r, row in enumerate(itertools.islice(reader.sheet_rows(INFO_SHEET), 1, None), start=2):
        if not row or _text(row[0]) not in by_label:
            continue
        attr = by_label[_text(row[0])]
        raw = row[1] if len(row) > 1 else None
        text = _text(raw)
        if text and attr == "date":
            day = parse_day(raw)
            if day is None:
                reader.finding("register-bad-date", sheet=INFO_SHEET, cell=f"B{r}", value=text,
                               expected=ACCEPTED_FORMS)  # fmt: skip
            elif not is_long_form(text):
                text = dd_mm_yyyy(day)
        if text and attr == "email" and not valid_email(text):
            reader.finding("register-bad-email", sheet=INFO_SHEET, cell=f"B{r}", value=text)
        values[attr] = text
    return ReportInfo(**values)


def _read_sections(reader: _Reader) -> list[Section]:
    out: list[Section] = []
    seen: dict[str, str] = {}
    for row in reader.rows(SECTIONS):
        if reader.filled(row) and reader.first_use(row, "number", seen):
            out.append(Section(row.text("number"), row.text("title")))
    return out


def _read_centers(reader: _Reader) -> list[Center]:
    out: list[Center] = []
    seen: dict[str, str] = {}
    for row in reader.rows(CENTERS):
        if not reader.filled(row) or not reader.first_use(row, "name", seen):
            continue
        email = row.text("email")
        if email and not valid_email(email):
            reader.at("register-bad-email", row, "email", value=email)
        out.append(Center(row.text("name"), row.text("contact_name"), email))
    return out


def _read_rounds(reader: _Reader) -> list[Round]:
    rounds: list[Round] = []
    seen: dict[str, str] = {}
    for row in reader.rows(ROUNDS):
        filled = reader.filled(row)
        number = reader.integer(row, "number")
        as_of, due = reader.date(row, "as_of"), reader.date(row, "return_deadline")
        if filled and None not in (number, as_of, due) and reader.first_use(row, "number", seen):
            assert number is not None and as_of is not None and due is not None
            rounds.append(Round(number, row.text("name"), as_of, due))
            continue
        # Reported: what refers to this round stays quiet.
        reader.refs.bad_round_names.add(row.text("name").casefold())
        if number is None:
            reader.refs.unidentified.add(ROUNDS)
        else:
            reader.refs.bad_round_numbers.add(number)
    return rounds


@dataclass
class _Initiatives:
    """The Delelementer sheet as read: good rows, and what milestones may name."""

    drafts: list[Initiative] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    # Nr. → cells of every row using it, and the good initiative's key if it is one.
    number_cells: dict[str, list[str]] = field(default_factory=dict)
    number_keys: dict[str, str] = field(default_factory=dict)
    # Numbers used twice that milestones name (reported at the duplicate number).
    ambiguous: set[str] = field(default_factory=set)


def _read_initiatives(
    reader: _Reader, sections: list[Section], centers: list[Center], rounds: list[Round]
) -> list[Initiative]:
    rows = list(reader.rows(INITIATIVES))
    taken = {row.text("key") for row in rows if row.text("key")}
    read = _Initiatives()
    section_numbers = dict.fromkeys(s.number for s in sections)
    center_names = dict.fromkeys(c.name for c in centers)
    seen_keys: dict[str, str] = {}
    # (cell, Nr., cell of its first use): cells, not rows, so that the sheet's rows
    # are let go before the larger milestone sheet is read.
    duplicates: list[tuple[str, str, str]] = []
    for row in rows:
        number = row.text("number")
        if number:
            cells = read.number_cells.setdefault(number, [])
            cell = row.cell("number")
            if cells:
                duplicates.append((cell, number, cells[0]))
            cells.append(cell)
        ok = _check_initiative(reader, row, section_numbers, center_names)
        typed = row.text("key")
        if typed and not reader.first_use(row, "key", seen_keys):
            ok = False
        if not ok:
            reader.refs.bad_initiatives.update(k for k in (typed, number) if k)
            continue
        key = typed or _assign_key(reader, row, taken)
        kwargs: dict[str, Any] = {
            f.name: row.text(f.name) for f in fields(Initiative) if row.has(f.name)
        }
        kwargs["economy_na"] = row.has("economy_na") and reader.flag(row, "economy_na")
        read.drafts.append(Initiative(**{**kwargs, "key": key}))
        read.keys.add(key)
        if number:
            read.number_keys[number] = key
    del rows
    milestones = _read_milestones(reader, read, rounds)
    for cell, number, first in duplicates:
        # Milestones that name the number cannot be placed: an error, said here once.
        code = (
            "register-ambiguous-initiative"
            if number in read.ambiguous
            else "register-duplicate-number"
        )
        reader.finding(code, sheet=INITIATIVES, cell=cell, value=number, expected=first)
    made = [
        Initiative(
            **{f.name: getattr(i, f.name) for f in fields(Initiative) if f.name != "milestones"},
            milestones=tuple(sorted(milestones.get(i.key, []), key=lambda m: m.position)),
        )
        for i in read.drafts
    ]
    # Grouped by section, in the sections' order, each section's rows as typed: an
    # initiative added at the bottom of the sheet joins its section, where the master
    # prints it, instead of opening the section a second time after the last one.
    order = {number: n for n, number in enumerate(section_numbers)}
    return sorted(made, key=lambda i: order.get(i.section, len(order)))


def _check_initiative(
    reader: _Reader, row: _Row, sections: dict[str, None], centers: dict[str, None]
) -> bool:
    """Report what is wrong with one Delelementer row; True when it can be used.

    ``sections`` and ``centers`` are the known numbers and names (dicts keep
    their order for suggestions and look up in constant time).
    """
    ok = reader.filled(row)
    if not row.text("title"):
        reader.at("register-missing-title", row, "title")
        ok = False
    center = row.text("center")
    if center and center not in centers and not reader.refs.quiet(CENTERS):
        reader.at("register-unknown-center", row, "center", value=center,
                  suggestion=near_miss(center, centers))  # fmt: skip
        ok = False
    section = row.text("section")
    if section and section not in sections and not reader.refs.quiet(SECTIONS):
        reader.at("register-unknown-section", row, "section", value=section,
                  suggestion=near_miss(section, sections))  # fmt: skip
        ok = False
    kind = row.text("kind")
    if kind and kind.casefold() not in KINDS:
        reader.at("register-unknown-type", row, "kind", value=kind, expected=", ".join(KINDS),
                  suggestion=near_miss(kind, KINDS))  # fmt: skip
    return ok


def _assign_key(reader: _Reader, row: _Row, taken: set[str]) -> str:
    """A stable key from the title for a row whose Nøgle is empty (reported as info)."""
    key = initiative_key(row.text("title"), taken)
    taken.add(key)
    if row.has("key"):
        label = " ".join(p for p in (row.text("number"), row.text("title")) if p)
        reader.at("register-key-assigned", row, "key", value=label, expected=key)
    return key


def resolve_deadline(text: str, rounds: list[Round]) -> Deadline | None:
    """A deadline text as a round of the register (by name) or a date; None if neither."""
    for rnd in rounds:
        if text.casefold() == rnd.name.casefold():
            return Deadline(rnd.name, round=rnd.number)
    day = parse_day(text)
    return Deadline(dd_mm_yyyy(day), date=day) if day else None


def _initiative_of(reader: _Reader, row: _Row, read: _Initiatives) -> str | None:
    """The key of the initiative a milestone names (by Nøgle or unique Nr.), or None.

    None without a finding when the initiative's own row was reported, or when
    the number is used twice (reported at the number, see ``_read_initiatives``).
    """
    ref = row.text("initiative_key")
    if ref in read.keys:
        return ref
    if len(read.number_cells.get(ref, [])) > 1:
        read.ambiguous.add(ref)
        return None
    if ref in read.number_keys:
        return read.number_keys[ref]
    if ref in reader.refs.bad_initiatives or reader.refs.quiet(INITIATIVES):
        return None
    choices = [*read.number_keys, *read.keys]
    reader.at("register-unknown-initiative", row, "initiative_key", value=ref,
              suggestion=near_miss(ref, choices))  # fmt: skip
    return None


def _deadline(
    reader: _Reader, row: _Row, rounds: list[Round], cache: dict[str, Deadline | None]
) -> Deadline | None:
    """The milestone's Tid; a finding (with the round meant) when it is neither round nor date."""
    text = row.text("deadline")
    if not text:
        return None  # reported as missing
    if text not in cache:  # one Deadline object per distinct text
        cache[text] = resolve_deadline(text, rounds)
    deadline = cache[text]
    if deadline is not None:
        return deadline
    if text.casefold() in reader.refs.bad_round_names or reader.refs.quiet(ROUNDS):
        return None
    by_number = {str(r.number): r.name for r in rounds}
    hint = by_number.get(text) or near_miss(text, [r.name for r in rounds])
    reader.at("register-bad-deadline", row, "deadline", value=text, expected=ACCEPTED_FORMS,
              suggestion=hint)  # fmt: skip
    return None


def _read_milestones(
    reader: _Reader, read: _Initiatives, rounds: list[Round]
) -> dict[str, list[Milestone]]:
    out: dict[str, list[Milestone]] = {}
    seen: set[str] = set()  # milestone keys placed so far
    cache: dict[str, Deadline | None] = {}
    for row in reader.rows(MILESTONES):
        filled = reader.filled(row)
        ikey = _initiative_of(reader, row, read) if row.text("initiative_key") else None
        position = reader.integer(row, "position")
        deadline = _deadline(reader, row, rounds, cache)
        key = milestone_key(ikey, position) if ikey is not None and position is not None else ""
        if key in seen:
            reader.at("register-duplicate-milestone", row, "position", value=position,
                      expected=row.text("initiative_key"))  # fmt: skip
            continue
        if key:
            seen.add(key)
        if not filled or ikey is None or position is None or deadline is None:
            if key:
                reader.refs.bad_items.add(key)
            elif ikey is not None:
                reader.refs.unnumbered_milestones.add(ikey)
            continue
        na = row.has("not_applicable") and reader.flag(row, "not_applicable")
        out.setdefault(ikey, []).append(
            Milestone(key, ikey, position, row.text("text"), deadline, na)
        )
    return out


def _reported_item(reader: _Reader, key: str) -> bool:
    """True when the item's milestone row or initiative row was reported."""
    owner, _, suffix = key.rpartition("-")
    refs = reader.refs
    return (
        key in refs.bad_items
        or owner in refs.bad_initiatives
        or (owner in refs.unnumbered_milestones and suffix.startswith("M"))
        or refs.quiet(INITIATIVES)
        or MILESTONES in refs.broken_sheets
    )


def _read_ratings(
    reader: _Reader, initiatives: list[Initiative], rounds: list[Round]
) -> list[Rating]:
    items = {m.key for i in initiatives for m in i.milestones} | {
        i.economy_key for i in initiatives
    }
    round_numbers = {r.number for r in rounds}
    refs = reader.refs
    out = []
    for row in reader.rows(RATINGS):
        ok = reader.filled(row)
        number = reader.integer(row, "round")
        if number is not None and number not in round_numbers:
            if not refs.quiet(ROUNDS) and number not in refs.bad_round_numbers:
                reader.at("register-unknown-round", row, "round", value=number)
            number = None
        key = row.text("item_key")
        if key and key not in items:
            if not _reported_item(reader, key):
                reader.at("register-unknown-item", row, "item_key", value=key,
                          suggestion=near_miss(key, items))  # fmt: skip
            ok = False
        try:
            smiley = parse_smiley(row.value("smiley"))
        except UnknownSmiley:
            reader.at("register-bad-smiley", row, "smiley", value=row.value("smiley"))
            ok = False
        if ok and number is not None:
            out.append(Rating(number, key, smiley, row.text("comment"), row.text("source")))
    return out


__all__ = ["near_miss", "read_register", "resolve_deadline", "valid_email"]
