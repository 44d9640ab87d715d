"""Helpers for tests: find an issued workbook and its layout, fill it like a center, run
the CLI as a person types it."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from sheetflow.cli import main
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


def answer_cells(
    ws: Workspace, center: str, rnd: int, by_key: dict[str, tuple[str, str]]
) -> dict[str, object]:
    """Input cells (address → value) for items by key: their smiley and comment. Every
    key must be one the center's workbook asks for."""
    _, layout = issued_for(ws, center, rnd)
    values: dict[str, object] = {}
    for i in layout.inputs:
        if i.item_key in by_key:
            smiley, comment = by_key[i.item_key]
            value = smiley if i.kind == "smiley" else comment
            if value:
                values[i.address] = value
    assert {i.item_key for i in layout.inputs} >= set(by_key), (center, by_key)
    return values


def send_answers(ws: Workspace, center: str, rnd: int, by_key: dict[str, tuple[str, str]]) -> Path:
    """The center's return in the round's inbox: smiley and comment for the items in
    ``by_key`` (``answer_cells``), nothing else."""
    values = answer_cells(ws, center, rnd, by_key)
    return fill(ws, center, values, ws.inbox_dir(rnd) / f"{center}.xlsx", round_number=rnd)


def cli(*args: object) -> tuple[int, str]:
    """sheetflow run as a person types it: its exit code and output. No traceback may
    reach them."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def cli_done(*args: object) -> str:
    """``cli`` for a step that must do its work: exit 0, or 1 where a person must act."""
    code, out = cli(*args)
    assert code in (0, 1), out
    return out
