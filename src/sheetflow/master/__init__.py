"""Consolidate a round: merge ratings, flag, and write master.xlsx, ratings.csv and
findings.csv (atomically)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel.dates import format_date

from sheetflow.atomic import atomic_path
from sheetflow.findings import Report
from sheetflow.flags import Flag
from sheetflow.heap import give_back_freed_memory
from sheetflow.ledger import Ledger
from sheetflow.master.summary import (
    CSV_COLUMNS,
    FINDING_COLUMNS,
    MasterData,
    ReturnRow,
    count_ratings,
    ratings_rows,
)
from sheetflow.master.writer import write_master
from sheetflow.model import Register, Round, parse_date_text
from sheetflow.roundstate import RoundState, round_state
from sheetflow.texts import LOCALES, load_texts
from sheetflow.workspace import Workspace
from sheetflow.xlsxutil import is_formula_like


@dataclass
class Outputs:
    master: Path
    ratings_csv: Path
    findings_csv: Path
    flags: list[Flag] = field(default_factory=list)
    state: RoundState | None = None


def long_date(day: dt.date, lang: str = "da") -> str:
    """A date as the front page writes it: "27. oktober 2017", "27 October 2017"."""
    return format_date(day, "long", locale=LOCALES.get(lang, "da_DK"))


def _info_date(text: str, lang: str = "da") -> str:
    """The register's date as the front page writes dates; as typed if not a date."""
    day = parse_date_text(text) if text else None
    return long_date(day, lang) if day else text


def csv_safe(value: str) -> str:
    """Text a spreadsheet opening the CSV will not run as a formula."""
    return "'" + value if is_formula_like(value) else value


def write_csv(target: Path, rows: Iterable[dict[str, str]], columns: list[str]) -> Path:
    """Write rows as UTF-8 CSV atomically, one row at a time (memory stays flat).

    With a byte order mark: Excel on Windows reads a CSV without one in the
    machine's code page, and æøå come out as "Ã¦Ã¸Ã¥" (pandas and the csv
    module's "utf-8-sig" skip the mark)."""
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        safe = csv_safe
        for row in rows:
            writer.writerow([safe(str(row.get(k, ""))) for k in columns])
    return target


def master_data(
    state: RoundState,
    findings: list[dict[str, str]],
    date_text: str,
    asked: dict[int, set[str]] | None = None,
) -> MasterData:
    """What the master workbook shows, from the round's state and what each round's
    workbooks asked (``asked_by_round``)."""
    asked = asked or {}
    returns = [
        ReturnRow(
            center=c.center,
            issued=1 if c.versions else 0,  # a workbook each: a new version replaces it
            returned=len(c.received),
            accepted=c.accepted_files,
            rejected=c.rejected,
            no_answers=c.no_answers,
            superseded=c.superseded,
            state=c.state,
        )
        for c in state.centers
    ]
    by_section, by_center = count_ratings(
        state.register, state.round, state.ratings, asked.get(state.round.number)
    )
    return MasterData(
        state.register,
        state.round,
        state.ratings,
        returns,
        by_section,
        by_center,
        state.flags,
        findings,
        date_text,
        state.changes,
        answers=state.answers,
        asked=asked,
        compared_with=state.compared_with,
        stray_files=len(state.stray),
    )


def asked_by_round(
    register: Register, rnd: Round, ledger: Ledger, keys: dict[str, str] | None = None
) -> dict[int, set[str]]:
    """Per round up to ``rnd``, the items its issued workbooks asked for (named with
    the strings of ``keys``, the register's key table, when given)."""
    out: dict[int, set[str]] = {}
    table = keys if keys is not None else register.key_table()
    for r in register.rounds:
        if r.number <= rnd.number:
            for _, _, _, asked in ledger.asked(r.number, table):
                out.setdefault(r.number, set()).update(asked)
    return out


def round_master(
    register: Register,
    rnd: Round,
    ledger: Ledger,
    report: Report,
    lang: str = "da",
    date_text: str | None = None,
) -> tuple[RoundState, MasterData]:
    """What the round's master shows, in ``lang`` (its date written that way)."""
    # One key table for both: the round's ratings and what each round asked then
    # name an item with one string (a register read from its store makes new ones
    # at each pass: 6 MB of copies at 1,000 centers).
    keys = register.key_table()
    state = round_state(register, rnd, ledger, keys)
    # The register's own date (Oplysninger › Dato) when finance gave one.
    date_text = (
        date_text or _info_date(register.info.date, lang) or long_date(dt.date.today(), lang)
    )
    rows = [f.row(lang) for f in report]
    center_of = centers_by_file(ledger, rnd)
    for row in rows:  # so finance can filter a center's remarks
        row["center"] = center_of.get(row.get("file", ""), "")
    data = master_data(state, rows, date_text, asked_by_round(register, rnd, ledger, keys))
    return state, data


def centers_by_file(ledger: Ledger, rnd: Round) -> dict[str, str]:
    """The center each file received in the round came from, by the file's name; a
    name two centers' files share names neither (a finding carries only the name)."""
    seen: dict[str, set[str]] = {}
    for rec in ledger.received(rnd.number):
        if rec.center:
            seen.setdefault(rec.original_name, set()).add(rec.center)
    return {name: next(iter(c)) for name, c in seen.items() if len(c) == 1}


def consolidate(
    workspace: Workspace,
    register: Register,
    rnd: Round,
    ledger: Ledger,
    report: Report,
    *,
    lang: str = "da",
    date_text: str | None = None,
) -> Outputs:
    """Write the round's master workbook, ratings.csv and findings.csv."""
    state, data = round_master(register, rnd, ledger, report, lang, date_text)
    texts = load_texts(lang, workspace.root)
    give_back_freed_memory()  # what reading and recording the returns left behind
    master = write_master(data, workspace.master_path(rnd.number), texts)
    rows = ratings_rows(register, rnd, data.ratings, data.asked, data.answers)
    columns = CSV_COLUMNS + (data.answers.columns() if data.answers else [])
    ratings_csv = write_csv(workspace.ratings_csv(rnd.number), rows, columns)
    findings_csv = write_csv(workspace.findings_csv(rnd.number), data.findings, FINDING_COLUMNS)
    return Outputs(master, ratings_csv, findings_csv, data.flags, state)
