"""Issued workbooks in a real client: headless LibreOffice fills, refuses, prints."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from helpers import inputs_of, issued_for
from libreoffice import PDF, edit_op, pdf_pages, requires_libreoffice, run_lo
from sheetflow.workspace import Workspace

pytestmark = [requires_libreoffice, pytest.mark.libreoffice]

LARGEST = "HR og Organisationsudvikling"  # 9 initiatives, the most of any center


def test_libreoffice_fills_inputs_refuses_locked_cells_and_prints_landscape(
    issued_ws: Workspace, tmp_path: Path
) -> None:
    issued, layout = issued_for(issued_ws, LARGEST)
    src = issued_ws.root / issued.file
    smileys, comments = inputs_of(layout, "smiley"), inputs_of(layout, "comment")
    locked = next(c for c in layout.cells if c.style == "text" and c.value)
    locked_addr = f"C{locked.row + 1}"
    typed = [
        {"sheet": "Status", "cell": smileys[0], "value": "☹"},
        {"sheet": "Status", "cell": comments[0], "value": "Forsinket af leverandøren."},
        {"sheet": "Status", "cell": smileys[1], "value": "😐"},
        {"sheet": "Status", "cell": locked_addr, "value": "Ny tekst"},
    ]
    saved, pdf = tmp_path / "filled.xlsx", tmp_path / "printed.pdf"
    edit, _ = run_lo(
        [
            edit_op(src, saved, typed),
            {"op": "convert", "src": str(src), "dst": str(pdf), "filter": PDF},
        ]
    )

    verdicts = {c["cell"]: c["accepted"] for c in edit["cells"]}
    assert verdicts == {smileys[0]: True, comments[0]: True, smileys[1]: True, locked_addr: False}

    sheet = openpyxl.load_workbook(saved)["Status"]
    assert sheet[smileys[0]].value == "☹"
    assert sheet[comments[0]].value == "Forsinket af leverandøren."
    assert sheet[smileys[1]].value == "😐"
    assert sheet[locked_addr].value == locked.value
    assert sheet.protection.sheet

    pages = pdf_pages(pdf)
    assert all(p["width"] > p["height"] for p in pages)
    # Guide page plus the status sheet: one page wide, roughly an initiative a page at most.
    assert 2 <= len(pages) <= 1 + 9
    assert "Status / kommentar 3. opf." in pages[-1]["text"]  # header row repeated
    assert all(LARGEST in p["text"] for p in pages)  # footer names the center
