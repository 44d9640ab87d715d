"""Prove the headless LibreOffice harness (tests/libreoffice.py) works.

Each test starts soffice at most once: ops that need it are batched in one job.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from libreoffice import (
    PDF,
    edit_op,
    inspect_op,
    lo_convert,
    pdf_pages,
    requires_libreoffice,
    run_lo,
)

pytestmark = [requires_libreoffice, pytest.mark.libreoffice]

PASSWORD = "secret"


def make_protected_workbook(path: Path) -> None:
    """Sheet "Status" protected with a password; B2 unlocked (with a list
    validation), A1 and B3 locked; plus a hidden sheet."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Status")
    unlocked = wb.add_format({"locked": False})
    ws.write("A1", "Title")
    ws.write_blank("B2", None, unlocked)
    ws.data_validation("B2", {"validate": "list", "source": ["☺", "😐", "☹"], "error_type": "stop"})
    ws.write("B3", "keep")
    ws.protect(PASSWORD)
    wb.add_worksheet("Lists").hide()
    wb.close()


def test_edit_honours_sheet_protection(tmp_path: Path) -> None:
    src = tmp_path / "center.xlsx"
    make_protected_workbook(src)
    edited = tmp_path / "edited.xlsx"
    unlocked = tmp_path / "unprotected.xlsx"
    cells = [
        {"sheet": "Status", "cell": "B2", "value": "☺"},
        {"sheet": "Status", "cell": "B3", "value": "x"},
        # A second refusal in the same view used to abort soffice 7.4.
        {"sheet": "Status", "cell": "A1", "value": "y"},
    ]
    edit, inspect, edit_unprotected = run_lo(
        [
            edit_op(src, edited, cells),
            inspect_op(edited, "Status", ["A1", "B2", "B3"]),
            edit_op(src, unlocked, cells[1:2], unprotect=True, password=PASSWORD),
        ]
    )

    verdicts = {c["cell"]: c for c in edit["cells"]}
    assert {c["method"] for c in edit["cells"]} == {"dispatch"}
    assert verdicts["B2"]["accepted"] is True
    assert verdicts["B3"]["accepted"] is False
    assert "locked" in verdicts["B3"]["reason"]
    assert verdicts["A1"]["accepted"] is False

    ws = openpyxl.load_workbook(edited)["Status"]
    assert ws["B2"].value == "☺"
    assert ws["B3"].value == "keep"
    assert ws["A1"].value == "Title"
    assert ws.protection.sheet

    assert inspect["protected"] is True
    assert {s["name"]: s["visible"] for s in inspect["sheets"]} == {
        "Status": True,
        "Lists": False,
    }
    seen = {c["cell"]: c for c in inspect["cells"]}
    assert (seen["B2"]["string"], seen["B2"]["locked"]) == ("☺", False)
    assert (seen["B3"]["string"], seen["B3"]["locked"]) == ("keep", True)
    assert seen["B2"]["validation"]["type"] == "LIST"
    assert seen["B3"]["validation"] is None

    [b3] = edit_unprotected["cells"]
    assert b3["accepted"] is True
    assert openpyxl.load_workbook(unlocked)["Status"]["B3"].value == "x"


def test_pdf_export_keeps_landscape_pages(tmp_path: Path) -> None:
    src = tmp_path / "print.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    for name in ("Alpha", "Beta"):
        ws = wb.add_worksheet(name)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.write("A1", f"{name} page")
    wb.close()
    pdf = tmp_path / "print.pdf"

    lo_convert(src, pdf, PDF)

    pages = pdf_pages(pdf)
    assert len(pages) == 2
    for page in pages:
        assert page["width"] > page["height"]
        assert page["width"] == pytest.approx(841.9, abs=2)
        assert page["height"] == pytest.approx(595.3, abs=2)
    assert "Alpha page" in pages[0]["text"]
    assert "Beta page" in pages[1]["text"]


def test_worker_errors_are_raised_not_hung(tmp_path: Path) -> None:
    missing = tmp_path / "missing.xlsx"
    with pytest.raises(AssertionError, match="no such file"):
        run_lo(
            [{"op": "convert", "src": str(missing), "dst": str(tmp_path / "x.pdf"), "filter": PDF}]
        )
