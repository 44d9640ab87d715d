"""Helpers for tests: find an issued workbook and its layout, fill it like a center."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl

from sheetflow.issue.layout import StatusLayout
from sheetflow.ledger import Issued, Ledger
from sheetflow.workspace import Workspace


def issued_for(ws: Workspace, center: str, round_number: int = 3) -> tuple[Issued, StatusLayout]:
    """The latest issued workbook of a center in a round, and its layout."""
    with Ledger(ws.ledger_path) as ledger:
        issued = [i for i in ledger.issued(round_number) if i.center == center][-1]
    return issued, StatusLayout.from_json(issued.layout)


def inputs_of(layout: StatusLayout, kind: str = "smiley") -> list[str]:
    return [i.address for i in layout.inputs if i.kind == kind]


def fill(
    ws: Workspace,
    center: str,
    values: dict[str, object],
    target: Path,
    *,
    round_number: int = 3,
    sheet: str | None = None,
    edit=None,
    saved_at: dt.datetime | None = None,
) -> Path:
    """Copy a center's issued workbook, set cells (address → value) with openpyxl, save.

    ``edit(workbook)`` may change anything else, the way a person might. The
    workbook records when it was saved (``saved_at``, default now, UTC), as
    Excel and LibreOffice do.
    """
    issued, layout = issued_for(ws, center, round_number)
    wb = openpyxl.load_workbook(ws.root / issued.file)
    sh = wb[sheet or layout.sheet]
    for addr, value in values.items():
        sh[addr].value = value
        if isinstance(value, str):
            sh[addr].data_type = "s"
    if edit is not None:
        edit(wb)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)  # openpyxl stamps "modified" with the time of saving
    if saved_at is not None:
        set_saved_at(target, saved_at)
    return target


def set_saved_at(path: Path, when: dt.datetime) -> None:
    """Rewrite the time a workbook says it was last saved (docProps/core.xml)."""
    stamp = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as zf:
        parts = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    data,
                )
            zf.writestr(info, data)


def fill_all_green(ws: Workspace, center: str, target: Path, round_number: int = 3) -> Path:
    """A complete, valid return: every input smiley ☺ with a short comment."""
    _, layout = issued_for(ws, center, round_number)
    values: dict[str, object] = {a: "☺" for a in inputs_of(layout, "smiley")}
    values.update({a: "Går efter planen." for a in inputs_of(layout, "comment")})
    return fill(ws, center, values, target, round_number=round_number)
