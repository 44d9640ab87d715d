"""A Python API over a workspace, for analysts: typed pandas DataFrames.

    import sheetflow
    with sheetflow.open("out") as fu:
        ratings = fu.ratings()           # rounds 1..latest, one row per answer
        ratings[ratings.rating == "red"].groupby("center").size()

The frames are built with the same library functions that write
``ratings.csv`` and the master (``merge_ratings`` of the register's and the
ledger's ratings, ``ratings_rows``), so they hold the same data; exports (``sheetflow export``) write these frames.
Reading never changes the workspace: the ledger is opened read-only.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sheetflow.answer_book import AnswerBook, csv_column, csv_value
from sheetflow.answers import NotApplicable
from sheetflow.collect import received_findings
from sheetflow.errors import UsageError
from sheetflow.form import DATE, INTEGER, NUMBER, YESNO
from sheetflow.ledger import Ledger
from sheetflow.master import asked_by_round
from sheetflow.master.summary import (
    ANSWERED,
    CSV_COLUMNS,
    MISSING_ANSWER,
    NOT_APPLICABLE,
    ratings_rows,
)
from sheetflow.model import RatingIndex, Register, Round
from sheetflow.roundstate import Verdict, answer_book, merge_ratings
from sheetflow.workspace import Workspace

RATING_TYPE = pd.CategoricalDtype(["green", "yellow", "red"], ordered=True)
SEVERITY_TYPE = pd.CategoricalDtype(["info", "warning", "error"], ordered=True)
VERDICT_TYPE = pd.CategoricalDtype([v.value for v in Verdict if v is not Verdict.SKIPPED])
ITEM_TYPE = pd.CategoricalDtype(["milestone", "economy"])
TEXT = pd.StringDtype()

# Column name -> kind, in frame order. Kinds: "round" (ordered category of the
# register's round numbers), "text", "date", "datetime", "int", "int?" (nullable),
# or a CategoricalDtype.
# ratings.csv "state": an answer, a gap, or an item marked "ikke relevant".
STATE_TYPE = pd.CategoricalDtype([ANSWERED, MISSING_ANSWER, NOT_APPLICABLE])
RATINGS_COLUMNS: dict[str, Any] = {
    "round": "round",
    "round_name": "text",
    "as_of": "date",
    "center": "text",
    "section": "text",
    "initiative_key": "text",
    "number": "text",
    "title": "text",
    "item": ITEM_TYPE,
    "item_key": "text",
    "milestone_text": "text",
    "deadline": "text",
    "deadline_date": "date",
    "rating": RATING_TYPE,
    "comment": "text",
    "source": "text",
    "state": STATE_TYPE,
}
ROUNDS_COLUMNS: dict[str, Any] = {
    "round": "round",
    "name": "text",
    "as_of": "date",
    "return_deadline": "date",
    "state": "text",
}
RETURNS_COLUMNS: dict[str, Any] = {
    "received_id": "int",
    "round": "round",
    "center": "text",
    "file": "text",
    "received_at": "datetime",
    "template_id": "text",
    "verdict": VERDICT_TYPE,
    "superseded_by": "int?",
    "errors": "int",
    "warnings": "int",
}
FINDINGS_COLUMNS: dict[str, Any] = {
    "received_id": "int",
    "round": "round",
    "center": "text",
    "file": "text",
    "sheet": "text",
    "cell": "text",
    "code": "text",
    "severity": SEVERITY_TYPE,
    "message": "text",
}
TABLES: dict[str, dict[str, Any]] = {
    "ratings": RATINGS_COLUMNS,
    "findings": FINDINGS_COLUMNS,
    "returns": RETURNS_COLUMNS,
    "rounds": ROUNDS_COLUMNS,
}


def round_type(register: Register) -> pd.CategoricalDtype:
    """The register's round numbers as an ordered category (year end last)."""
    return pd.CategoricalDtype(sorted(r.number for r in register.rounds), ordered=True)


def typed_frame(
    records: list[dict[str, Any]], columns: dict[str, Any], rounds: pd.CategoricalDtype
) -> pd.DataFrame:
    """A DataFrame of ``records`` with exactly ``columns``, each cast to its kind."""
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    for name, kind in columns.items():
        frame[name] = cast_column(frame[name], kind, rounds)
    return frame


def cast_column(values: pd.Series, kind: Any, rounds: pd.CategoricalDtype) -> pd.Series:
    """One column cast to its documented type; empty text stays "" in text columns,
    and becomes missing (NaN/NaT/<NA>) in typed ones."""
    if kind == "round":
        return pd.Series(
            pd.Categorical(pd.to_numeric(values).astype("Int64"), dtype=rounds), index=values.index
        )
    if kind == "text":
        return values.fillna("").astype(str).astype(TEXT)
    if kind in ("date", "datetime"):
        blank = values.isna() | (values.astype(str) == "")
        parsed = pd.to_datetime(values.where(~blank), utc=(kind == "datetime"))
        if kind == "datetime":
            # UTC, to the second: the ledger keeps microseconds only to order events,
            # and no spreadsheet export could carry them.
            parsed = parsed.dt.tz_localize(None).dt.floor("s")
        return parsed.astype("datetime64[ns]")
    if kind == "int":
        return pd.to_numeric(values).astype("int64")
    if kind == "int?":
        return pd.to_numeric(values.replace("", None)).astype("Int64")
    return values.replace("", None).astype(kind)


@dataclass(frozen=True)
class _Received:
    id: int
    round: int
    center: str | None
    file: str
    received_at: str
    template_id: str | None
    verdict: str
    superseded_by: int | None
    findings: list[dict[str, str]]


# A form field's typed column in the ratings frame, by field type.
FIELD_KINDS = {
    NUMBER: "Float64",
    INTEGER: "Int64",
    DATE: "date",
    YESNO: "boolean",
}


def ratings_columns(book: AnswerBook) -> dict[str, Any]:
    """The ratings frame's columns: RATINGS_COLUMNS, and with a form of finance's own
    one typed column per field (numbers as numbers, dates as dates, yes/no as booleans,
    a choice as its value) plus the fields left empty and answered "ikke relevant"."""
    if not book:
        return RATINGS_COLUMNS
    columns = dict(RATINGS_COLUMNS)
    columns["item"] = pd.CategoricalDtype(["milestone", "economy", "initiative"])
    for f in book.fields:
        columns[csv_column(f.id)] = FIELD_KINDS.get(f.type, "text")
    columns["missing_fields"] = "text"
    columns["not_applicable_fields"] = "text"
    return columns


def _typed_values(book: AnswerBook, item_key: str, round_number: int) -> dict[str, Any]:
    """An item's answers as Python values for the frame (None: not answered)."""
    cells = book.get(item_key, round_number)
    out: dict[str, Any] = {}
    for f in book.fields:
        value = cells.get(f.id)
        if value is None or isinstance(value, NotApplicable):
            out[csv_column(f.id)] = None
        elif f.type in FIELD_KINDS:
            out[csv_column(f.id)] = value
        else:
            out[csv_column(f.id)] = csv_value(value)
    return out


class Followup:
    """One workspace, read-only: its register, rounds, returns, findings and ratings.

    Open it with ``sheetflow.open(path)``; every method returns a fresh
    DataFrame. ``round`` arguments take a number or a round's name and mean
    "as of that round" (rounds 1..R); the default is the latest round with any
    data (issued, collected, or rated in the register).
    """

    def __init__(self, root: str | Path, lang: str = "da") -> None:
        self.workspace = Workspace.at(root)
        self.lang = lang  # the language of the findings' messages
        self.register: Register = self.workspace.load_register()
        path = self.workspace.ledger_path
        # Without a ledger (only ``init`` run) an empty in-memory one stands in; a
        # workspace whose ledger lives in PostgreSQL (ledger.url) is read there.
        has = self.workspace.has_ledger
        self._ledger = Ledger(path, read_only=True) if has else Ledger(":memory:")
        self.rounds_type = round_type(self.register)

    def close(self) -> None:
        self._ledger.close()

    def __enter__(self) -> Followup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------- rounds

    def round(self, ref: str | int | None = None) -> Round:
        """A round by number or name; ``None``: the latest round with any data."""
        if ref is None:
            return self.latest_round()
        return self.workspace.resolve_round(self.register, ref)

    def latest_round(self) -> Round:
        """The last round that was issued, collected or rated in the register."""
        used = {r.round for r in self.register.ratings}
        used |= {row[0] for row in self._ledger.db.execute("SELECT round FROM issued")}
        used |= {row[0] for row in self._ledger.db.execute("SELECT round FROM received")}
        candidates = [r for r in self.register.rounds if r.number in used]
        if not candidates:
            return min(self.register.rounds, key=lambda r: r.number)
        return max(candidates, key=lambda r: r.number)

    def rounds(self) -> pd.DataFrame:
        """Every round of the register with its dates and ledger state."""
        records = [
            {
                "round": r.number,
                "name": r.name,
                "as_of": r.as_of,
                "return_deadline": r.return_deadline,
                "state": self._ledger.round_state(r.number),
            }
            for r in sorted(self.register.rounds, key=lambda r: r.number)
        ]
        return typed_frame(records, ROUNDS_COLUMNS, self.rounds_type)

    # ------------------------------------------------------------ ratings

    def merged_ratings(self, rnd: Round) -> tuple[RatingIndex, dict[int, set[str]]]:
        """The round's ratings (register and returns merged, as the master uses them)
        and, per round, the items issued workbooks asked for."""
        # As round_state merges them for the master and ratings.csv (without its
        # flags and counts, which cost twice as much); tests hold the two equal.
        collected = self._ledger.accepted_ratings(up_to_round=rnd.number)
        own = [r for r in self.register.ratings if r.round <= rnd.number]
        return merge_ratings(own, collected), asked_by_round(self.register, rnd, self._ledger)

    def ratings(self, round: str | int | None = None) -> pd.DataFrame:
        """ratings.csv as a typed frame: every rated or asked item per round 1..R,
        one row per answer with its own comment and source."""
        rnd = self.round(round)
        ratings, asked = self.merged_ratings(rnd)
        rounds = self.register.rounds_by_number
        deadlines = {
            ms.key: ms.deadline for ini in self.register.initiatives for ms in ini.milestones
        }
        book = answer_book(self.register, self._ledger, rnd.number)
        columns = ratings_columns(book)
        typed = book.columns()
        records = []
        for row in ratings_rows(self.register, rnd, ratings, asked, book):
            k = rounds[int(row["round"])]
            deadline = deadlines.get(row["item_key"])
            records.append(
                {
                    **{c: row[c] for c in (*CSV_COLUMNS, "item_key", *typed)},
                    **_typed_values(book, row["item_key"], k.number),
                    "round_name": k.name,
                    "as_of": k.as_of,
                    "deadline_date": _deadline_date(deadline, rounds) if deadline else None,
                }
            )
        return typed_frame(records, columns, self.rounds_type)

    # ---------------------------------------------------- returns, findings

    def _received(self, rnd: Round) -> list[_Received]:
        try:
            rows = self._ledger.db.execute(
                "SELECT id, round, center, original_name, received_at, template_id, verdict, "
                "superseded_by, findings FROM received WHERE round <= ? ORDER BY round, id",
                (rnd.number,),
            ).fetchall()
        except sqlite3.OperationalError:  # a ledger from before any collect
            return []
        return [
            _Received(
                row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], _json_list(row[8])
            )
            for row in rows
        ]

    def returns(self, round: str | int | None = None) -> pd.DataFrame:
        """Every received file of rounds 1..R: who, when, verdict, number of findings."""
        rnd = self.round(round)
        records = [
            {
                "received_id": r.id,
                "round": r.round,
                "center": r.center or "",
                "file": r.file,
                "received_at": r.received_at,
                "template_id": r.template_id or "",
                "verdict": r.verdict,
                "superseded_by": r.superseded_by,
                "errors": sum(1 for f in r.findings if f.get("severity") == "error"),
                "warnings": sum(1 for f in r.findings if f.get("severity") == "warning"),
            }
            for r in self._received(rnd)
        ]
        return typed_frame(records, RETURNS_COLUMNS, self.rounds_type)

    def findings(self, round: str | int | None = None) -> pd.DataFrame:
        """Every finding of the files received in rounds 1..R, as findings.csv lists each
        round's (``received_findings``: with why a return was replaced)."""
        rnd = self.round(round)
        names = {r.number: r.name for r in self.register.rounds}
        records = []
        for each in sorted(self.register.rounds, key=lambda r: r.number):
            if each.number > rnd.number:
                break
            try:
                found = list(received_findings(self._ledger, each, names))
            except sqlite3.OperationalError:  # a ledger from before any collect
                found = []
            records += [
                {
                    "received_id": rec.id,
                    "round": each.number,
                    "center": rec.center or "",
                    "file": f.file or rec.original_name,
                    "sheet": f.sheet,
                    "cell": f.cell,
                    "code": f.code,
                    "severity": f.severity.value,
                    "message": f.render(self.lang),
                }
                for rec, f in found
            ]
        return typed_frame(records, FINDINGS_COLUMNS, self.rounds_type)

    def tables(self, round: str | int | None = None) -> dict[str, pd.DataFrame]:
        """Every table, by name, as exports write them."""
        rnd = self.round(round)
        return {
            "ratings": self.ratings(rnd.number),
            "findings": self.findings(rnd.number),
            "returns": self.returns(rnd.number),
            "rounds": self.rounds(),
        }


def _deadline_date(deadline: Any, rounds: dict[int, Round]) -> dt.date | None:
    """A milestone deadline as a date: the round's as-of date, or the date given."""
    if deadline.round is not None:
        own = rounds.get(deadline.round)
        return own.as_of if own else None
    return deadline.date


def _json_list(text: str) -> list[dict[str, str]]:
    import json

    try:
        value = json.loads(text)
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def open(root: str | Path = "out", lang: str = "da") -> Followup:
    """Open a workspace for reading: ``sheetflow.open("out").ratings()``; findings'
    messages in ``lang``."""
    if not Path(root).is_dir():
        raise UsageError("workspace-missing", root=root)
    return Followup(root, lang)
