"""``sheetflow export``: every format read back with plain pandas / sqlite3 equals
the API's frames, once the documented column types are applied."""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import sheetflow
from sheetflow.cli import main
from sheetflow.demo import DemoResult
from sheetflow.workspace import Workspace


@pytest.fixture(scope="module")
def frames(demo_result: DemoResult) -> dict[str, pd.DataFrame]:
    with sheetflow.open(demo_result.master.parents[2]) as fu:
        return fu.tables()


@pytest.fixture
def ws(demo_result: DemoResult, tmp_path: Path) -> Path:
    """A copy of the demo workspace in a folder with a space and æøå."""
    dst = tmp_path / "Økonomi år 2017"
    shutil.copytree(demo_result.master.parents[2], dst)
    return dst


def _export(ws: Path, target: Path, *extra: str) -> list[Path]:
    result = CliRunner().invoke(main, ["export", str(ws), "--to", str(target), *extra])
    assert result.exit_code == 0, result.output
    assert (
        "3. budgetopfølgning 2017: rækker i ratings 188, findings 0, returns 9, rounds 4\n"
        in result.output
    )
    return [
        Path(line.split(": ", 1)[1])
        for line in result.output.splitlines()
        if line.startswith("Skrevet: ")
    ]


def _typed(read: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """A frame read back from a file, cast column by column to the API frame's types."""
    out = pd.DataFrame(index=read.index)
    for name, dtype in like.dtypes.items():
        col = read[name]
        if isinstance(dtype, pd.CategoricalDtype):
            cats = dtype.categories
            values = col.where(col.notna() & (col.astype(str) != ""), None)
            if pd.api.types.is_integer_dtype(cats):
                values = values.map(lambda v: None if v is None else int(v))
            out[name] = pd.Categorical(values, dtype=dtype)
        elif isinstance(dtype, pd.StringDtype):
            out[name] = col.fillna("").astype(str).astype(dtype)
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            out[name] = pd.to_datetime(col.where(col.astype(str) != "", None)).astype(dtype)
        else:
            out[name] = pd.to_numeric(col.where(col.astype(str) != "", None)).astype(dtype)
    return out


def _unguard(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo CSV's guard against formulas: a leading apostrophe before = + - @."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object or isinstance(out[name].dtype, pd.StringDtype):
            out[name] = out[name].map(
                lambda v: v[1:] if isinstance(v, str) and v[:1] == "'" and v[1:2] in "=+-@" else v
            )
    return out


def test_xlsx_round_trip(ws: Path, tmp_path: Path, frames: dict[str, pd.DataFrame]) -> None:
    target = tmp_path / "udtræk med mellemrum.xlsx"
    assert _export(ws, target) == [target]
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["ratings", "findings", "returns", "rounds"]
    for name, expected in frames.items():
        assert list(wb[name].tables) == [name]  # an Excel table per sheet, for Power Query
        read = pd.read_excel(
            target, sheet_name=name, dtype=object, keep_default_na=False, engine="openpyxl"
        )
        pd.testing.assert_frame_equal(_typed(read, expected), expected, check_exact=True)
    # Dates are dates in Excel, not text.
    assert wb["rounds"]["C2"].is_date and wb["rounds"]["C2"].number_format == "yyyy-mm-dd"


def test_csv_round_trip(ws: Path, tmp_path: Path, frames: dict[str, pd.DataFrame]) -> None:
    target = tmp_path / "data.csv"
    written = _export(ws, target)
    assert [p.name for p in written] == [
        "data.csv",
        "data_findings.csv",
        "data_returns.csv",
        "data_rounds.csv",
    ]
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads æøå
    for path, (_, expected) in zip(written, frames.items(), strict=True):
        read = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        pd.testing.assert_frame_equal(_typed(_unguard(read), expected), expected, check_exact=True)


def test_sqlite_round_trip_keys_and_a_query(
    ws: Path, tmp_path: Path, frames: dict[str, pd.DataFrame]
) -> None:
    target = tmp_path / "data.sqlite"
    _export(ws, target, "--round", "3")
    db = sqlite3.connect(target)
    for name, expected in frames.items():
        cur = db.execute(f"SELECT * FROM {name}")
        columns = [d[0] for d in cur.description]
        read = pd.DataFrame(cur.fetchall(), columns=columns, dtype=object)
        pd.testing.assert_frame_equal(_typed(read, expected), expected, check_exact=True)
    indices = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"ratings_center", "ratings_initiative_key", "findings_round_code"} <= indices
    with pytest.raises(sqlite3.IntegrityError):  # (round, item_key) is the key
        db.execute(
            "INSERT INTO ratings (round, item_key) SELECT round, item_key FROM ratings LIMIT 1"
        )
    red = frames["ratings"]
    want = int(((red["round"] == 3) & (red["rating"] == "red")).sum())
    got = db.execute(
        "SELECT count(*) FROM ratings r JOIN rounds o ON o.round = r.round "
        "WHERE o.as_of = '2017-09-30' AND r.rating = 'red'"
    ).fetchone()[0]
    assert got == want > 0
    joined = db.execute(
        "SELECT count(*) FROM findings f JOIN returns r USING (received_id) WHERE r.verdict='accepted'"
    ).fetchone()[0]
    assert joined == len(frames["findings"])


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None, reason="pyarrow not installed")
def test_parquet_round_trip(ws: Path, tmp_path: Path, frames: dict[str, pd.DataFrame]) -> None:
    target = tmp_path / "data.parquet"
    written = _export(ws, target)
    for path, (_, expected) in zip(written, frames.items(), strict=True):
        read = pd.read_parquet(path)
        # Text, dates and the rating's ordered category survive as they are; the round
        # comes back as a plain integer.
        assert read["round"].dtype == "int64"
        same = [c for c in expected.columns if c != "round"]
        if len(expected):  # an empty category column comes back without its categories
            pd.testing.assert_frame_equal(read[same], expected[same], check_exact=True)
        pd.testing.assert_frame_equal(_typed(read, expected), expected, check_exact=True)


def test_parquet_without_pyarrow_says_how_to_get_it(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a)
    )
    result = CliRunner().invoke(main, ["export", str(ws), "--to", str(tmp_path / "x.parquet")])
    assert result.exit_code == 2
    assert (
        'Parquet kræver pyarrow, som ikke er installeret. Installér det med: pip install "sheetflow[parquet]"'
        in result.output
    )
    assert not list(tmp_path.glob("x*"))


def test_unknown_suffix_and_unknown_round(ws: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", str(ws), "--to", str(tmp_path / "x.txt")])
    assert result.exit_code == 2
    assert (
        "Ukendt filtype '.txt' for x.txt. Brug .xlsx, .csv, .sqlite (eller .db) eller .parquet."
        in result.output
    )
    result = CliRunner().invoke(main, ["export", str(ws), "--to", str(tmp_path / "ud")])
    assert result.exit_code == 2
    assert (
        "Fejl: ud har ingen filtype. Skriv fx ud.xlsx, ud.csv, ud.sqlite eller ud.parquet."
        in result.output
    )
    result = CliRunner().invoke(
        main, ["export", str(ws), "--round", "9", "--to", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 2 and "Opfølgningen '9' findes ikke" in result.output


def test_export_of_an_earlier_round_is_as_of_that_round(ws: Path, tmp_path: Path) -> None:
    target = tmp_path / "r2.xlsx"
    CliRunner().invoke(main, ["export", str(ws), "--round", "2", "--to", str(target)])
    ratings = pd.read_excel(target, sheet_name="ratings", engine="openpyxl")
    assert sorted(set(ratings["round"])) == [1, 2]
    assert (
        len(pd.read_excel(target, sheet_name="returns", engine="openpyxl")) == 0
    )  # round 3's returns are later


def test_a_target_locked_by_excel_is_a_clear_message(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Windows a workbook open in Excel cannot be replaced: say so, no traceback."""
    target = tmp_path / "analyse" / "udtræk.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"the analyst's open copy")

    def locked(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr("sheetflow.atomic.os.replace", locked)
    result = CliRunner().invoke(main, ["export", str(ws), "--to", str(target)])
    assert result.exit_code == 2
    assert result.output == (
        f"Fejl: {target} kan ikke overskrives, fordi den er åben i et andet program "
        "(fx Excel). Luk den og kør kommandoen igen.\n"
    )
    assert target.read_bytes() == b"the analyst's open copy"
    assert [p.name for p in target.parent.iterdir()] == ["udtræk.xlsx"]  # no temporary left


def test_the_findings_table_lists_what_findings_csv_lists(issued_ws: Workspace) -> None:
    """A trial's export had 7 findings where findings.csv had more: why a return was
    replaced was in the CSV and the master, not in the export."""
    import csv
    import datetime as dt

    from helpers import fill_all_green, set_saved_at

    ws = issued_ws
    first = fill_all_green(ws, "Ejendomme", ws.inbox_dir(3) / "ejd.xlsx")
    second = fill_all_green(ws, "Ejendomme", ws.inbox_dir(3) / "ejd rettet.xlsx")
    set_saved_at(first, dt.datetime(2017, 10, 2, 9, 0, tzinfo=dt.UTC))
    set_saved_at(second, dt.datetime(2017, 10, 3, 9, 0, tzinfo=dt.UTC))
    assert CliRunner().invoke(main, ["collect", str(ws.root), "--round", "3"]).exit_code == 0
    with ws.findings_csv(3).open(encoding="utf-8-sig", newline="") as fh:
        listed = [(r["file"], r["code"], r["message"]) for r in csv.DictReader(fh)]
    assert [code for _, code, _ in listed] == ["superseded"]
    with sheetflow.open(ws.root) as fu:
        table = fu.findings(3)
    rows = table[table["round"] == 3]
    assert list(zip(rows["file"], rows["code"], rows["message"], strict=True)) == listed
    assert list(rows["center"]) == ["Ejendomme"]
