"""Returns saved by headless LibreOffice Calc are collected like Excel's
(docs/workbooks.md#the-center-workbook, docs/workflow.md#collecting).

Both workbooks are edited in one soffice start; one collect reads both.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import issued_for
from libreoffice import edit_op, requires_libreoffice, run_lo
from sheetflow.collect import CollectResult, collect_round
from sheetflow.findings import Severity
from sheetflow.issue.layout import COL_TEXT, address
from sheetflow.ledger import Ledger
from sheetflow.smiley import SYMBOLS, Smiley
from sheetflow.workspace import Workspace

pytestmark = [requires_libreoffice, pytest.mark.libreoffice]

SHEET = "Status"
FILLED = "Arbejdsmarked"  # filled in LibreOffice, every input
TAMPERED = "Digitaliseringssekretariatet"  # sheet unprotected, a milestone text changed
CYCLE = (Smiley.GREEN, Smiley.YELLOW, Smiley.RED)
NEW_TEXT = "Metoden er revideret og godkendt af direktionen"


@dataclass
class LoRun:
    ws: Workspace
    typed: dict[str, tuple[Smiley, str]]  # item key → smiley, comment
    edits: list[dict]
    locked_cell: str
    result: CollectResult


def _cells_for(ws: Workspace, center: str) -> tuple[list[dict], dict[str, tuple[Smiley, str]]]:
    """Every input of the center: smileys cycling green/yellow/red, a comment each."""
    _, layout = issued_for(ws, center)
    comment_of = {i.item_key: i.address for i in layout.inputs if i.kind == "comment"}
    cells, typed = [], {}
    for n, cell in enumerate(i for i in layout.inputs if i.kind == "smiley"):
        smiley = CYCLE[n % 3]
        comment = f"Punkt {n + 1} følges tæt af centret, næste skridt i uge {40 + n}."
        cells.append({"sheet": SHEET, "cell": cell.address, "value": SYMBOLS[smiley]})
        cells.append({"sheet": SHEET, "cell": comment_of[cell.item_key], "value": comment})
        typed[cell.item_key] = (smiley, comment)
    return cells, typed


@pytest.fixture(scope="module")
def lo_run(tmp_path_factory: pytest.TempPathFactory, _issued_round3_template) -> LoRun:
    src, _ = _issued_round3_template
    ws = Workspace.at(tmp_path_factory.mktemp("lo_collect") / "ws")
    shutil.copytree(src, ws.root)
    inbox = ws.inbox_dir(3)

    filled_issued, _ = issued_for(ws, FILLED)
    filled_cells, typed = _cells_for(ws, FILLED)

    tampered_issued, layout = issued_for(ws, TAMPERED)
    tampered_cells, _ = _cells_for(ws, TAMPERED)
    text_cell = next(
        c for c in layout.cells if c.col == COL_TEXT and layout.row_keys[c.row].endswith("-M3")
    )
    locked = address(text_cell.row, text_cell.col)
    tampered_cells.append({"sheet": SHEET, "cell": locked, "value": NEW_TEXT})

    edits = run_lo(
        [
            edit_op(ws.root / filled_issued.file, inbox / "arbejdsmarked_lo.xlsx", filled_cells),
            edit_op(
                ws.root / tampered_issued.file,
                inbox / "digi_lo.xlsx",
                tampered_cells,
                unprotect=True,
            ),
        ]
    )
    result = collect_round(ws, 3, date_text="1. oktober 2017")
    return LoRun(ws, typed, edits, locked, result)


def test_libreoffice_return_is_accepted_with_the_typed_values(lo_run: LoRun) -> None:
    refused = [c for c in lo_run.edits[0]["cells"] if not c["accepted"]]
    assert refused == []
    files = {f.path.name: f for f in lo_run.result.files}
    filled = files["arbejdsmarked_lo.xlsx"]
    assert filled.verdict == "accepted", filled.findings
    assert filled.findings == []
    assert filled.center == FILLED
    with Ledger(lo_run.ws.ledger_path) as ledger:
        got = {
            r.item_key: (r.smiley, r.comment)
            for r in ledger.accepted_ratings()
            if r.round == 3 and r.source.startswith("arbejdsmarked_lo.xlsx!")
        }
    assert got == lo_run.typed


def test_libreoffice_locked_cell_changed_after_unprotect(lo_run: LoRun) -> None:
    entered = {c["cell"]: c for c in lo_run.edits[1]["cells"]}
    assert entered[lo_run.locked_cell]["accepted"] is True
    files = {f.path.name: f for f in lo_run.result.files}
    tampered = files["digi_lo.xlsx"]
    assert tampered.verdict == "rejected"
    assert [(f.code, f.severity, f.sheet, f.cell) for f in tampered.findings] == [
        ("locked-cell-changed", Severity.ERROR, SHEET, lo_run.locked_cell)
    ]
    assert NEW_TEXT in tampered.findings[0].message
    assert lo_run.result.exit_code == 1


def test_libreoffice_returns_leave_originals_untouched(lo_run: LoRun) -> None:
    for name in ("arbejdsmarked_lo.xlsx", "digi_lo.xlsx"):
        path: Path = lo_run.ws.inbox_dir(3) / name
        sha = next(f.sha256 for f in lo_run.result.files if f.path.name == name)
        assert (lo_run.ws.archive_dir(3) / f"{sha}.xlsx").read_bytes() == path.read_bytes()
