"""The per-file floor: ways to read a return's Status sheet, beside zip decompression.

    pip install -e ".[bench]"            # fastexcel, lxml
    python3 bench/readers.py             # N = 200 returns (cached, see run.py)

Each reader turns the Status sheet of every return into its cell values:

- floor:     zipfile decompression of the sheet parts, nothing parsed;
- calamine:  python-calamine, as ``sheetflow.collect.reader`` uses it;
- fastexcel: fastexcel (calamine underneath, Arrow out), every column as text;
- expat:     a streaming read of the known layout: the shared strings and the
             sheet XML through expat, cell address → text;
- direct:    the known layout's columns only (key, smiley, comment), found by a
             regular expression in the sheet XML, shared strings decoded on
             demand (the cheapest pure-Python way to the same cells);
- lxml:      the sheet and the shared strings parsed by lxml (libxml2), every
             cell, and the layout's three columns only.

Two passes over the files; the second (warm file cache) is printed. The full
read+check of sheetflow is in run.py ("check").
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
import xml.parsers.expat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import unescape

from python_calamine import CalamineWorkbook

SHEET = "Status"


def floor(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                zf.read(name)


def calamine(path: Path) -> Any:
    return (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name(SHEET)
        .to_python(skip_empty_area=False)
    )


def fastexcel(path: Path) -> Any:
    import fastexcel as fx

    sheet = fx.read_excel(str(path)).load_sheet_by_name(SHEET, header_row=None, dtypes="string")
    return sheet.to_arrow().to_pylist()


def _parse(data: bytes, start: Callable[..., None], end: Callable[[str], None], text: Any) -> None:
    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = text
    parser.Parse(data, True)


def expat(path: Path) -> dict[str, str]:
    """Cell address → text of the Status sheet (sheet2.xml in a sheetflow return)."""
    with zipfile.ZipFile(path) as zf:
        shared: list[str] = []
        buf: list[str] = []
        inside = [False]

        def text(data: str) -> None:
            if inside[0]:
                buf.append(data)

        def s_start(name: str, attrs: dict[str, str]) -> None:
            if name == "si":
                buf.clear()
            inside[0] = inside[0] or name == "t"

        def s_end(name: str) -> None:
            if name == "si":
                shared.append("".join(buf))
            elif name == "t":
                inside[0] = False

        if "xl/sharedStrings.xml" in zf.namelist():
            _parse(zf.read("xl/sharedStrings.xml"), s_start, s_end, text)
        grid: dict[str, str] = {}
        cell: dict[str, str] = {}

        def c_start(name: str, attrs: dict[str, str]) -> None:
            if name == "c":
                cell.clear()
                cell.update(attrs)
                buf.clear()
            elif name in ("v", "t"):
                inside[0] = True

        def c_end(name: str) -> None:
            if name in ("v", "t"):
                inside[0] = False
            elif name == "c" and buf:
                value = "".join(buf)
                grid[cell["r"]] = shared[int(value)] if cell.get("t") == "s" else value

        _parse(zf.read("xl/worksheets/sheet2.xml"), c_start, c_end, text)
        return grid


_SI = re.compile(rb"<si>(.*?)</si>", re.S)
_T = re.compile(rb"<t(?: [^>]*)?>(.*?)</t>", re.S)
_V = re.compile(rb"<v>(.*?)</v>", re.S)
# Only the columns the known layout reads: the key (A), smiley (G) and comment (H).
_CELL = re.compile(rb'<c r="([AGH])(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)


def _text(raw: bytes) -> str:
    return unescape("".join(t.decode("utf-8") for t in _T.findall(raw)))


def direct(path: Path) -> dict[str, str]:
    """Cell address → text of only the layout's columns, by a regular expression over
    the sheet XML (no XML parser, no Python call per element); shared strings
    decoded only when a needed cell points at one."""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        shared = (
            _SI.findall(zf.read("xl/sharedStrings.xml")) if "xl/sharedStrings.xml" in names else []
        )
        grid: dict[str, str] = {}
        for col, row, attrs, body in _CELL.findall(zf.read("xl/worksheets/sheet2.xml")):
            if not body:
                continue
            ref = (col + row).decode("ascii")
            if b't="s"' in attrs:
                grid[ref] = _text(shared[int(_V.search(body).group(1))])  # type: ignore[union-attr]
            elif b't="inlineStr"' in attrs:
                grid[ref] = _text(body)
            else:
                v = _V.search(body)
                if v:
                    grid[ref] = unescape(v.group(1).decode("utf-8"))
        return grid


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _lxml_shared(zf: zipfile.ZipFile) -> list[str]:
    from lxml import etree

    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    root = etree.fromstring(zf.read("xl/sharedStrings.xml"))
    return ["".join(si.itertext()) for si in root.iterchildren(_NS + "si")]


def _lxml_value(c: Any, shared: list[str]) -> str | None:
    kind = c.get("t")
    if kind == "inlineStr":
        return "".join(c.itertext())
    v = c.find(_NS + "v")
    if v is None or v.text is None:
        return None
    return shared[int(v.text)] if kind == "s" else v.text


def lxml_sheet(path: Path, columns: str = "") -> dict[str, str]:
    """Cell address → text of the Status sheet, parsed by lxml (C): every cell, or
    only those of ``columns``."""
    from lxml import etree

    with zipfile.ZipFile(path) as zf:
        shared = _lxml_shared(zf)
        root = etree.fromstring(zf.read("xl/worksheets/sheet2.xml"))
        grid: dict[str, str] = {}
        for c in root.iter(_NS + "c"):
            ref = c.get("r")
            if columns and not (ref[0] in columns and ref[1].isdigit()):
                continue
            value = _lxml_value(c, shared)
            if value is not None:
                grid[ref] = value
        return grid


def lxml_layout(path: Path) -> dict[str, str]:
    """``lxml_sheet`` of the layout's key, smiley and comment columns only."""
    return lxml_sheet(path, "AGH")


READERS: dict[str, Callable[[Path], Any]] = {
    "floor (zip decompression)": floor,
    "python-calamine (in use)": calamine,
    "fastexcel": fastexcel,
    "expat stream of the layout": expat,
    "direct regex of the layout": direct,
    "lxml, every cell": lxml_sheet,
    "lxml, the layout's columns": lxml_layout,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "sheetflow-bench"
    )
    args = parser.parse_args()
    from run import prepare

    files = sorted((prepare(args.cache, args.size) / "ws/rounds/3/inbox").glob("*.xlsx"))
    times: dict[str, float] = {}
    for _ in range(2):
        for name, read in READERS.items():
            start = time.perf_counter()
            for f in files:
                read(f)
            times[name] = (time.perf_counter() - start) / len(files) * 1000
    base = times["floor (zip decompression)"]
    print(f"\nStatus sheet of {len(files)} returns, ms per file (second pass):")
    for name, ms in times.items():
        print(f"  {name:30} {ms:6.2f} ms  {ms / base:5.1f}x the floor")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
