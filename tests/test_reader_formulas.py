"""Formula markers: which cells of a returned sheet hold an <f> element.

calamine reads a formula's cached value, so the reader finds formula cells in
the sheet's XML itself. Most returns hold none, and a cheap test skips the
cell-by-cell pass for them; these sheets check that the cheap test never skips
a formula, however the XML is written, and that look-alikes are not formulas.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from sheetflow.collect.reader import formula_cells

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PART = "xl/worksheets/sheet1.xml"
# What stands after the cells in our own sheets: rules and validations whose
# <formula> and <formula1> elements are not cell formulas.
TAIL = (
    '<conditionalFormatting sqref="G5:G9"><cfRule type="cellIs" operator="equal">'
    '<formula>"☹"</formula></cfRule></conditionalFormatting>'
    '<dataValidations count="1"><dataValidation type="list" sqref="G5">'
    '<formula1>"☺,😐,☹"</formula1></dataValidation></dataValidations>'
)


def sheet(cells: str, prefix: str = "") -> zipfile.ZipFile:
    """A package holding one sheet part with ``cells`` as its sheetData."""
    p = f"{prefix}:" if prefix else ""
    ns = f"xmlns:{prefix}" if prefix else "xmlns"
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {ns}="{MAIN}">'
        f"<{p}sheetData>{cells}</{p}sheetData>{TAIL}</{p}worksheet>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(PART, xml.encode("utf-8"))
    return zipfile.ZipFile(buf)


TEXT = '<c r="{}" t="inlineStr"><is><t>{}</t></is></c>'


@pytest.mark.parametrize(
    ("cells", "prefix", "expected"),
    [
        ('<c r="H5" t="str"><f>1+1</f><v>2</v></c>', "", {"H5"}),
        ('<c r="H5"><f t="shared" ref="H5:H6" si="0">A1</f><v>1</v></c>', "", {"H5"}),
        # A shared formula's other cells carry only a self-closing <f .../>.
        ('<x:c r="H6"><x:f t="shared" si="0"/><x:v>1</x:v></x:c>', "x", {"H6"}),
        ('<c r="H7"><f\tt="array" ref="H7">A1</f><v>1</v></c>', "", {"H7"}),
        ('<c r="H8"><f/><v>1</v></c>', "", {"H8"}),
        ('<x:c r="G9"><x:f>A1</x:f><x:v>1</x:v></x:c>', "x", {"G9"}),
        # Not formulas: text that looks like one, a run's <family>, ":f" in a value.
        (TEXT.format("H5", "=1+1 &lt;f&gt;"), "", set()),
        (TEXT.format("H5", "Note:f &gt; 2"), "", set()),
        (
            '<c r="H5" t="inlineStr"><is><r><rPr><rFont val="Calibri"/><family val="2"/>'
            "</rPr><t>tekst</t></r></is></c>",
            "",
            set(),
        ),
        ('<x:c r="H5" t="inlineStr"><x:is><x:t>Går efter planen.</x:t></x:is></x:c>', "x", set()),
    ],
    ids=[
        "plain",
        "shared-anchor",
        "shared-child-prefixed",
        "tab-after-name",
        "empty",
        "prefixed",
        "formula-like-text",
        "colon-f-in-text",
        "rich-text-family",
        "prefixed-none",
    ],
)
def test_formula_cells(cells: str, prefix: str, expected: set[str]) -> None:
    assert formula_cells(sheet(cells, prefix), PART) == expected
