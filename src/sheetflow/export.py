"""``sheetflow export``: the API's frames (ratings, findings, returns, rounds) as files
for Power Query, Power BI, sqlite3 or pandas.

- ``.xlsx``: one sheet per table, each a plain Excel table (header row, no
  merged cells), dates as dates;
- ``.sqlite``/``.db``: one SQLite table per frame, with keys and indices;
- ``.csv``: ratings in the file named, the other tables next to it as
  ``<name>_findings.csv`` etc. (UTF-8 with BOM, so Excel reads æøå);
- ``.parquet``: like CSV, one file per table (needs pyarrow:
  ``pip install "sheetflow[parquet]"``).

Every file is written atomically.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd

from sheetflow.api import TABLES
from sheetflow.atomic import atomic_path, cannot_write
from sheetflow.errors import UsageError
from sheetflow.xlsxutil import is_formula_like

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".sqlite": "sqlite", ".db": "sqlite"}
FORMATS[".parquet"] = "parquet"

# SQLite schema: the primary key and indices of each table.
KEYS = {
    "ratings": ("round", "item_key"),
    "findings": ("finding_id",),
    "returns": ("received_id",),
    "rounds": ("round",),
}
INDICES: dict[str, list[tuple[str, ...]]] = {
    "ratings": [("center",), ("initiative_key",), ("rating",)],
    "findings": [("received_id",), ("round", "code")],
    "returns": [("round", "center")],
    "rounds": [],
}


class MissingExtra(UsageError):
    """An optional library the format needs is not installed."""


def format_of(target: Path) -> str:
    """The export format from the file's suffix."""
    fmt = FORMATS.get(target.suffix.lower())
    if fmt is None and not target.suffix:
        raise UsageError("export-no-suffix", name=target.name)
    if fmt is None:
        raise UsageError("export-unknown-suffix", suffix=target.suffix, name=target.name)
    return fmt


def table_paths(target: Path, names: list[str]) -> dict[str, Path]:
    """For one-table-per-file formats: ratings in ``target``, others beside it."""
    return {
        name: target
        if name == "ratings"
        else target.with_name(f"{target.stem}_{name}{target.suffix}")
        for name in names
    }


def refuse_own_files(workspace_root: Path, targets: list[Path]) -> None:
    """An export never replaces what the workspace keeps (register, ledger, rounds,
    history, backups): those are the record, not outputs to overwrite."""
    root = workspace_root.resolve()
    kept = {root / "register.xlsx", root / "ledger.sqlite", root / ".sheetflow.lock"}
    folders = [root / name for name in ("rounds", "history", "backup")]
    for target in targets:
        path = target.resolve()
        if (
            path in kept
            or (path.name.startswith("ledger.sqlite") and path.parent == root)
            or any(path.is_relative_to(folder) for folder in folders)
        ):
            raise UsageError("export-into-workspace", target=target)


def export_tables(tables: dict[str, pd.DataFrame], target: Path) -> list[Path]:
    """Write the frames to ``target`` in the format its suffix names; the files written."""
    try:
        return _export(tables, target)
    except PermissionError as exc:
        raise cannot_write(Path(exc.filename) if exc.filename else target) from None


def _export(tables: dict[str, pd.DataFrame], target: Path) -> list[Path]:
    fmt = format_of(target)
    if fmt == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise MissingExtra(
            "Parquet kræver pyarrow, som ikke er installeret. "
            'Installér det med: pip install "sheetflow[parquet]"'
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        return [write_xlsx(tables, target)]
    if fmt == "sqlite":
        return [write_sqlite(tables, target)]
    written = []
    for name, path in table_paths(target, list(tables)).items():
        with atomic_path(path) as tmp:
            if fmt == "csv":
                csv_frame(tables[name]).to_csv(tmp, index=False, encoding="utf-8-sig")
            else:
                tables[name].to_parquet(tmp, index=False)
        written.append(path)
    return written


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (as in
    ratings.csv); dates are written as ISO dates, times to the second."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.StringDtype):
            out[name] = col.map(
                lambda v: "'" + v if isinstance(v, str) and is_formula_like(v) else v
            )
    return out


def write_xlsx(tables: dict[str, pd.DataFrame], target: Path) -> Path:
    """One sheet per table, each an Excel table named like the sheet."""
    with atomic_path(target) as tmp:
        options: dict[str, Any] = {"strings_to_formulas": False, "strings_to_urls": False}
        with pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs={"options": options}) as xw:
            wb = xw.book
            date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
            time_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
            for name, frame in tables.items():
                ws = wb.add_worksheet(name)
                _xlsx_table(ws, name, frame, date_fmt, time_fmt)
    return target


def _xlsx_table(ws: Any, name: str, frame: pd.DataFrame, date_fmt: Any, time_fmt: Any) -> None:
    columns = []
    for col_no, column in enumerate(frame.columns):
        spec: dict[str, Any] = {"header": str(column)}
        kind = table_kinds(name, frame).get(str(column))
        if kind in ("date", "datetime"):
            spec["format"] = time_fmt if kind == "datetime" else date_fmt
            ws.set_column(col_no, col_no, 19 if kind == "datetime" else 11)
        columns.append(spec)
    rows = max(len(frame), 1)
    data = [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    ws.add_table(
        0,
        0,
        rows,
        len(frame.columns) - 1,
        {"name": name, "columns": columns, "data": data, "style": "Table Style Light 9"},
    )
    ws.freeze_panes(1, 0)


def _cell(value: Any) -> Any:
    """A frame value as xlsxwriter writes it: missing as an empty cell."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


SQL_TYPES = {"text": "TEXT", "date": "TEXT", "datetime": "TEXT", "int": "INTEGER", "real": "REAL"}


def write_sqlite(tables: dict[str, pd.DataFrame], target: Path) -> Path:
    """One table per frame with its primary key and indices; dates as ISO text,
    categories as their values, missing as NULL."""
    with atomic_path(target) as tmp:
        db = sqlite3.connect(tmp)
        try:
            with db:
                for name, frame in tables.items():
                    _sqlite_table(db, name, frame)
        finally:
            db.close()
    return target


def table_kinds(name: str, frame: pd.DataFrame) -> dict[str, Any]:
    """A table's column kinds: the documented ones, then a form's typed answer columns
    (ratings only) by their dtype: numbers as numbers, dates as dates."""
    kinds = dict(TABLES[name])
    for column in frame.columns:
        if column not in kinds:
            dtype = str(frame[column].dtype)
            kinds[str(column)] = (
                "date"
                if dtype.startswith("datetime")
                else {"Float64": "real", "Int64": "int?", "boolean": "int?"}.get(dtype, "text")
            )
    return kinds


def _sqlite_table(db: sqlite3.Connection, name: str, frame: pd.DataFrame) -> None:
    table = table_kinds(name, frame)
    columns = list(table)
    defs = [f"{c} {_sql_type(table[c])}" for c in columns]
    if name == "findings":
        defs.insert(0, "finding_id INTEGER")
    defs.append(f"PRIMARY KEY ({', '.join(KEYS[name])})")
    if name != "rounds":
        defs.append("FOREIGN KEY (round) REFERENCES rounds (round)")
    if name == "findings":
        defs.append("FOREIGN KEY (received_id) REFERENCES returns (received_id)")
    db.execute(f"CREATE TABLE {name} ({', '.join(defs)})")
    for cols in INDICES[name]:
        db.execute(f"CREATE INDEX {name}_{'_'.join(cols)} ON {name} ({', '.join(cols)})")
    kinds = [table[c] for c in columns]
    rows = [
        [_sql_value(v, k) for v, k in zip(row, kinds, strict=True)]
        for row in frame[columns].itertuples(index=False)
    ]
    if name == "findings":
        rows = [[n, *row] for n, row in enumerate(rows, start=1)]
    marks = ", ".join("?" * (len(columns) + (name == "findings")))
    db.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)


def _sql_type(kind: Any) -> str:
    if kind in ("round", "int", "int?"):
        return "INTEGER"
    return SQL_TYPES.get(kind, "TEXT")


def _sql_value(value: Any, kind: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if kind == "date" else value.isoformat(sep=" ")
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value
