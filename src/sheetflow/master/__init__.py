"""Consolidate a round: merge ratings, flag, and write master.xlsx, ratings.csv and
findings.csv (atomically)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sheetflow.atomic import atomic_path
from sheetflow.findings import Report
from sheetflow.flags import Flag, changes_since_previous, compute_flags
from sheetflow.ledger import Ledger
from sheetflow.master.summary import (
    CSV_COLUMNS,
    MasterData,
    ReturnRow,
    count_ratings,
    merge_ratings,
    ratings_rows,
)
from sheetflow.master.writer import write_master
from sheetflow.model import Register, Round, parse_date_text
from sheetflow.texts import load_texts
from sheetflow.workspace import Workspace
from sheetflow.xlsxutil import is_formula_like

FINDING_COLUMNS = ["file", "sheet", "cell", "code", "severity", "message"]
MONTHS_DA = [
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
]  # fmt: skip


@dataclass
class Outputs:
    master: Path
    ratings_csv: Path
    findings_csv: Path
    flags: list[Flag] = field(default_factory=list)


def danish_date(day: dt.date) -> str:
    """ "27. oktober 2017"."""
    return f"{day.day}. {MONTHS_DA[day.month - 1]} {day.year}"


def _info_date(text: str) -> str:
    """The register's date as the front page writes dates; as typed if not dd.mm.yyyy."""
    day = parse_date_text(text) if text else None
    return danish_date(day) if day else text


def csv_safe(value: str) -> str:
    """Text a spreadsheet opening the CSV will not run as a formula."""
    return "'" + value if is_formula_like(value) else value


def write_csv(target: Path, rows: Iterable[dict[str, str]], columns: list[str]) -> Path:
    """Write rows as UTF-8 CSV atomically, one row at a time (memory stays flat)."""
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: csv_safe(str(row.get(k, ""))) for k in columns})
    return target


def round_state(register: Register, rnd: Round, ledger: Ledger) -> MasterData:
    """Everything known about a round, from the register and the ledger."""
    collected = ledger.accepted_ratings(up_to_round=rnd.number)
    ratings = merge_ratings([r for r in register.ratings if r.round <= rnd.number], collected)
    received = ledger.received(rnd.number)
    issued = ledger.asked(rnd.number)
    asked_by_template = {tid: set(keys) for _, tid, _, keys in issued}
    issued_centers: dict[str, int] = {}
    for _, _, center, _ in issued:
        issued_centers[center] = issued_centers.get(center, 0) + 1
    asked: dict[str, set[str]] = {}
    answered: dict[str, set[str]] = {}
    accepted_ids = {r.id for r in received if r.verdict == "accepted"}
    for rec in received:
        if rec.id in accepted_ids and rec.center and rec.template_id in asked_by_template:
            asked[rec.center] = asked_by_template[rec.template_id]
    for r in collected:
        if r.round == rnd.number and r.smiley is not None:
            for center, keys in asked.items():
                if r.item_key in keys:
                    answered.setdefault(center, set()).add(r.item_key)
    accepted_centers = {r.center for r in received if r.id in accepted_ids}
    not_returned = [c for c in issued_centers if c not in accepted_centers]
    returns = [
        ReturnRow(
            center=c,
            issued=issued_centers[c],
            returned=sum(1 for r in received if r.center == c),
            accepted=1 if c in accepted_centers else 0,
            rejected=sum(1 for r in received if r.center == c and r.verdict == "rejected"),
        )
        for c in issued_centers
    ]
    by_section, by_center = count_ratings(register, rnd, ratings)
    flags = compute_flags(register, rnd, ratings, asked, answered, not_returned)
    changes = changes_since_previous(register, rnd, ratings)
    return MasterData(
        register, rnd, ratings, returns, by_section, by_center, flags, [], "", changes
    )


def asked_by_round(register: Register, rnd: Round, ledger: Ledger) -> dict[int, set[str]]:
    """Per round up to ``rnd``, the items its issued workbooks asked for."""
    out: dict[int, set[str]] = {}
    for r in register.rounds:
        if r.number <= rnd.number:
            for _, _, _, keys in ledger.asked(r.number):
                out.setdefault(r.number, set()).update(keys)
    return out


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
    data = round_state(register, rnd, ledger)
    data.findings = report.to_list()
    # The register's own date (Oplysninger › Dato) when finance gave one.
    data.date_text = date_text or _info_date(register.info.date) or danish_date(dt.date.today())
    texts = load_texts(lang, workspace.root)
    master = write_master(data, workspace.master_path(rnd.number), texts, lang)
    rows = ratings_rows(register, rnd, data.ratings, asked_by_round(register, rnd, ledger))
    ratings_csv = write_csv(workspace.ratings_csv(rnd.number), rows, CSV_COLUMNS)
    findings_csv = write_csv(workspace.findings_csv(rnd.number), data.findings, FINDING_COLUMNS)
    return Outputs(master, ratings_csv, findings_csv, data.flags)
