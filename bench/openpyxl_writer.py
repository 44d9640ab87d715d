"""The issued workbooks written with openpyxl instead of xlsxwriter, for the benchmark.

Same layouts (taken from the ledger), same cells, styles, list validation,
conditional formatting, protection and print setup as ``sheetflow issue``
writes; only the writer differs. Layout building is not timed here, so the
comparison favours openpyxl.
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation

from sheetflow.issue.layout import StatusLayout
from sheetflow.ledger import Ledger
from sheetflow.workspace import Workspace
from sheetflow.xlsxutil import col_letter

THIN = Side(style="thin", color="BFBFBF")
STYLES = {
    "title": {"font": Font(bold=True, size=16)},
    "subtitle": {"font": Font(italic=True)},
    "header": {
        "font": Font(bold=True, color="FFFFFF"),
        "fill": PatternFill("solid", fgColor="1F4E78"),
    },
    "key": {"font": Font(size=8, color="808080")},
    "section": {"font": Font(bold=True, size=13), "fill": PatternFill("solid", fgColor="D9E1F2")},
    "initiative": {"font": Font(bold=True), "fill": PatternFill("solid", fgColor="EDF2F9")},
    "description": {},
    "people": {"font": Font(italic=True)},
    "label": {"font": Font(bold=True)},
    "text": {"border": Border(THIN, THIN, THIN, THIN)},
    "deadline": {"border": Border(THIN, THIN, THIN, THIN)},
    "smiley": {"font": Font(size=14), "alignment": Alignment(horizontal="center")},
    "input_smiley": {"fill": PatternFill("solid", fgColor="FFF2CC"), "font": Font(size=14)},
    "input_comment": {"fill": PatternFill("solid", fgColor="FFF2CC")},
    "not_asked": {"fill": PatternFill("solid", fgColor="F2F2F2")},
}


def write_one(layout: StatusLayout, meta: dict[str, str], path: Path) -> None:
    wb = Workbook()
    guide = wb.active
    guide.title = "Vejledning"
    guide["A1"] = f"{meta['center']}: {meta['round_name']}"
    ws = wb.create_sheet(layout.sheet)
    for col, width in enumerate(layout.widths):
        ws.column_dimensions[col_letter(col)].width = width
        ws.column_dimensions[col_letter(col)].hidden = col in layout.hidden_cols
    for row, height in layout.heights.items():
        ws.row_dimensions[row + 1].height = height
    wrap = Alignment(wrap_text=True, vertical="top")
    for cell in layout.cells:
        target = ws.cell(cell.row + 1, cell.col + 1, cell.value or None)
        style = STYLES.get(cell.style, {})
        for attr, value in style.items():
            setattr(target, attr, value)
        if "alignment" not in style:
            target.alignment = wrap
        if not cell.locked:
            target.protection = Protection(locked=False)
        if cell.last_col is not None and cell.last_col > cell.col:
            ws.merge_cells(
                start_row=cell.row + 1,
                start_column=cell.col + 1,
                end_row=cell.row + 1,
                end_column=cell.last_col + 1,
            )
    dv = DataValidation(type="list", formula1='"☺,😐,☹"', allow_blank=True, showErrorMessage=True)
    for i in layout.inputs:
        if i.kind == "smiley":
            dv.add(i.address)
    ws.add_data_validation(dv)
    first, last = layout.smiley_cols[0], layout.smiley_cols[-1]
    rng = f"{col_letter(first)}{layout.header_row + 2}:{col_letter(last)}{layout.last_row + 1}"
    for symbol, colour in (("☺", "C6EFCE"), ("😐", "FFEB9C"), ("☹", "FFC7CE")):
        ws.conditional_formatting.add(
            rng,
            CellIsRule(
                operator="equal", formula=[f'"{symbol}"'], fill=PatternFill("solid", bgColor=colour)
            ),
        )
    ws.protection.sheet = True
    ws.page_setup.paperSize = 9
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{layout.header_row + 1}:{layout.header_row + 1}"
    meta_ws = wb.create_sheet("_sheetflow")
    for row, (name, value) in enumerate(sorted(meta.items()), start=1):
        meta_ws.cell(row, 1, name)
        meta_ws.cell(row, 2, value)
    meta_ws.sheet_state = "veryHidden"
    wb.save(path)


def write_all(workspace: str, out_dir: str) -> int:
    """Write every round-3 workbook of the workspace's ledger with openpyxl."""
    ws = Workspace.at(workspace)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with Ledger(ws.ledger_path) as ledger:
        issued = ledger.issued(3)
    for record in issued:
        layout = StatusLayout.from_json(record.layout)
        meta = {"center": record.center, "round_name": "3", "template_id": record.template_id}
        write_one(layout, meta, out / f"{record.id}.xlsx")
    return len(issued)


if __name__ == "__main__":
    print(write_all(sys.argv[1], sys.argv[2]))
