"""A long list sheet written three ways: how close the master's writer is to compiled code.

    pip install -e ".[bench]"            # rustpy-xlsxwriter
    python3 bench/writers.py             # 60,000 rows of 8 columns (--rows N)

The master's long sheets (every flag, every change, every item's trend) are
lists like this one. Each way writes the same rows of text (Danish, with
smileys) and one number, best of three:

- xlsxwriter:   ``write_row`` a row at a time, constant-memory mode, no formats;
- RowWriter:    sheetflow's writer of the master's rows (``xlsxutil.RowWriter``),
                every cell formatted (wrapped, top-aligned), zipped at level 1,
                as the master is;
- rustpy:       rustpy-xlsxwriter 0.8 (Rust's rust_xlsxwriter underneath), the
                whole sheet from records. It has workbook-wide number and date
                formats only: no per-cell formats, merged cells, row heights,
                conditional formats, validations, charts or print setup, so it
                cannot write the master as it is; this says what it would save
                on the part it could write.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xlsxwriter

from sheetflow.xlsxutil import FastZipWorkbook, RowWriter

WORDS = [
    "milepæl",
    "økonomi",
    "status",
    "plan",
    "rettet",
    "forsinket",
    "udbud",
    "byråd",
    "anlæg",
    "drift",
    "☺",
    "😐",
    "☹",
]


def records(n: int) -> list[dict[str, Any]]:
    """``n`` list rows, the same every run."""
    rnd = random.Random(7)

    def words(k: int) -> str:
        return " ".join(rnd.choice(WORDS) for _ in range(k))

    return [
        {
            "Center": f"Center {i % 200:04d}",
            "Nr.": f"{i % 40 + 1}.{i % 7:02d}",
            "Titel": words(8),
            "Delelement": words(12),
            "Tid": "30.09.2017",
            "Smiley": rnd.choice("☺😐☹"),
            "Kommentar": words(20),
            "Runde": 3,
        }
        for i in range(n)
    ]


def with_xlsxwriter(rows: list[dict[str, Any]], path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Flag")
    ws.write_row(0, 0, list(rows[0]))
    for n, row in enumerate(rows, start=1):
        ws.write_row(n, 0, list(row.values()))
    wb.close()


def with_rowwriter(rows: list[dict[str, Any]], path: Path) -> None:
    wb = FastZipWorkbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Flag")
    fmt = wb.add_format({"text_wrap": True, "valign": "top"})
    writer = RowWriter(ws)
    writer.row(0, [(name, None) for name in rows[0]])
    for n, row in enumerate(rows, start=1):
        writer.row(n, [(value, fmt) for value in row.values()])
    wb.close()


def with_rustpy(rows: list[dict[str, Any]], path: Path) -> None:
    import rustpy_xlsxwriter

    rustpy_xlsxwriter.FastExcel(str(path)).sheet("Flag", rows).save()


def best_of_three(
    write: Callable[[list[dict[str, Any]], Path], None], rows: list, path: Path
) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        write(rows, path)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=60_000)
    args = parser.parse_args()
    rows = records(args.rows)
    ways: list[tuple[str, Callable[[list[dict[str, Any]], Path], None]]] = [
        ("xlsxwriter write_row, no formats", with_xlsxwriter),
        ("sheetflow RowWriter, formatted, level 1", with_rowwriter),
        ("rustpy-xlsxwriter, from records", with_rustpy),
    ]
    print(f"{args.rows:,} rows of {len(rows[0])} columns, best of three:")
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for name, write in ways:
            path = Path(tmp) / "list.xlsx"
            try:
                seconds = best_of_three(write, rows, path)
            except ImportError:
                print(f"  {name:42s} not installed (pip install -e '.[bench]')")
                continue
            results[name] = seconds
            print(f"  {name:42s} {seconds:6.2f} s  {path.stat().st_size / 1e6:5.1f} MB")
    ours = results.get("sheetflow RowWriter, formatted, level 1")
    rust = results.get("rustpy-xlsxwriter, from records")
    if ours and rust:
        print(f"RowWriter takes {ours / rust:.2f}x the compiled writer's time.")


if __name__ == "__main__":
    main()
