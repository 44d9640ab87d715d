"""Read a returned workbook into plain data: metadata and the status sheet's cells.

Cell values come from python-calamine (fast, no formulas evaluated; cached
values are read); custom document properties and the formula markers come
from the package's XML, parsed with defusedxml so entity tricks are refused.
Nothing here judges the content: that is ``validate``'s work.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeET
from python_calamine import CalamineWorkbook

from sheetflow.issue.layout import address
from sheetflow.issue.writer import META_PREFIX, META_SHEET

CUSTOM_PROPS = "docProps/custom.xml"
_CELL_WITH_FORMULA = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>(?:(?!</c>).){0,200}?<f[ >/]', re.S)


class ReadError(Exception):
    """The file cannot be read as a workbook; the message says why, for a finding."""


@dataclass
class ReturnedWorkbook:
    """What a returned file holds, as plain data keyed by cell address."""

    name: str
    sheet_names: list[str]
    properties: dict[str, str]
    meta: dict[str, str]
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)  # sheet → address → value
    formulas: dict[str, set[str]] = field(default_factory=dict)  # sheet → addresses

    def metadata(self, name: str) -> str | None:
        """A metadata value: custom property first, hidden sheet second."""
        value = self.properties.get(META_PREFIX + name)
        return value if value is not None else self.meta.get(name)


def cell_text(value: Any) -> str:
    """A cell value as the text sheetflow compares and stores."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_custom_properties(zf: zipfile.ZipFile) -> dict[str, str]:
    """Custom document properties (name → text) from docProps/custom.xml."""
    if CUSTOM_PROPS not in zf.namelist():
        return {}
    root = SafeET.fromstring(zf.read(CUSTOM_PROPS))
    out = {}
    for prop in root:
        name = prop.get("name")
        if name is not None and len(prop):
            out[name] = prop[0].text or ""
    return out


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → part path inside the package."""
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    }
    rels = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    book = SafeET.fromstring(zf.read("xl/workbook.xml"))
    out = {}
    for sheet in book.iterfind("m:sheets/m:sheet", ns):
        target = targets.get(sheet.get(f"{{{ns['r']}}}id"), "")
        target = target.lstrip("/")
        out[sheet.get("name", "")] = target if target.startswith("xl/") else f"xl/{target}"
    return out


def formula_cells(zf: zipfile.ZipFile, part: str) -> set[str]:
    """Addresses of cells that hold a formula in a sheet part."""
    if part not in zf.namelist():
        return set()
    return {m.group(1).decode() for m in _CELL_WITH_FORMULA.finditer(zf.read(part))}


def read_return(path: Path, sheets: list[str]) -> ReturnedWorkbook:
    """Read metadata and the named sheets' cells; raise ``ReadError`` if it cannot."""
    try:
        with zipfile.ZipFile(path) as zf:
            properties = read_custom_properties(zf)
            parts = _sheet_parts(zf)
            formulas = {s: formula_cells(zf, parts[s]) for s in sheets if s in parts}
    except (zipfile.BadZipFile, KeyError, OSError, SafeET.ParseError) as exc:
        raise ReadError(_reason(exc)) from exc
    except Exception as exc:  # defusedxml refusals and other hostile content
        raise ReadError(f"{type(exc).__name__}: {exc}") from exc
    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
        meta: dict[str, str] = {}
        if META_SHEET in names:
            for row in wb.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False):
                if len(row) >= 2 and isinstance(row[0], str) and row[0] and row[0] != "row":
                    meta.setdefault(row[0], cell_text(row[1]))
        cells = {s: _grid(wb, s) for s in sheets if s in names}
    except Exception as exc:  # calamine raises its own error types
        raise ReadError(f"{type(exc).__name__}: {exc}") from exc
    return ReturnedWorkbook(path.name, names, properties, meta, cells, formulas)


def _grid(wb: CalamineWorkbook, sheet: str) -> dict[str, Any]:
    rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return {
        address(r, c): value
        for r, row in enumerate(rows)
        for c, value in enumerate(row)
        if value not in (None, "")
    }


def _reason(exc: BaseException) -> str:
    if isinstance(exc, zipfile.BadZipFile):
        return "filen er ikke en .xlsx-projektmappe (ikke et zip-arkiv)"
    if isinstance(exc, KeyError):
        return "projektmappen mangler en del"
    return str(exc)
