"""Issue → fill → collect → master, ratings.csv and findings.csv
(docs/workflow.md#collecting, docs/workbooks.md#the-csv-files).

Three centers return complete workbooks with all three smileys (typed as
symbols, emoji variants and words) and comments; one returns an invalid file;
the rest return nothing.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from helpers import fill, inputs_of, issued_for
from sheetflow.collect import CollectResult, collect_round
from sheetflow.issue import safe_name
from sheetflow.ledger import Ledger
from sheetflow.model import Register
from sheetflow.workspace import Workspace

SHEET = "Status"
DATE = "1. oktober 2017"
DOCUMENTED_COLUMNS = [
    "round",
    "center",
    "section",
    "initiative_key",
    "number",
    "title",
    "item",
    "milestone_text",
    "deadline",
    "rating",
    "comment",
    "source",
    "state",
]
SYMBOL = {"green": "☺", "yellow": "😐", "red": "☹"}
CYCLE = ("green", "yellow", "red")
# How a center may type each smiley; all are stored strictly.
SPELLING = {
    "Ejendomme": {"green": "☺", "yellow": "😐", "red": "☹"},
    "Politisk Sekretariat": {"green": "grøn", "yellow": " Gul ", "red": "RØD"},
    "HR og Organisationsudvikling": {"green": "🙂", "yellow": "😐\ufe0f", "red": "🙁"},
}
FORMULA_COMMENTS = [
    "=SUM(A1:A3)",
    "+45 44 77 20 00 ringer tilbage",
    "-forsinket pga. udbud",
    "@Direktionen er orienteret",
]
REJECTED = "By, Erhverv og Miljø"
EMPTY_IN_HR = 2  # index of the HR smiley left empty


@dataclass
class Typed:
    center: str
    file: str
    item_key: str
    smiley_cell: str
    comment_cell: str
    rating: str  # green / yellow / red / ""
    comment: str


@dataclass
class Scenario:
    ws: Workspace
    register: Register
    typed: list[Typed]
    inputs: dict[Path, str]  # returned file → sha256 before collecting
    result: CollectResult


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fill_center(ws: Workspace, center: str, offset: int) -> list[Typed]:
    """Fill every input: smileys cycle green/yellow/red, each with its own comment."""
    _, layout = issued_for(ws, center)
    file = f"{safe_name(center)}_retur.xlsx"
    comment_of = {i.item_key: i.address for i in layout.inputs if i.kind == "comment"}
    values: dict[str, object] = {}
    typed = []
    for n, cell in enumerate(i for i in layout.inputs if i.kind == "smiley"):
        rating = CYCLE[(n + offset) % 3]
        comment = f"{center} punkt {n + 1}: status æøå {rating}"
        if center == "Ejendomme" and n < len(FORMULA_COMMENTS):
            comment = FORMULA_COMMENTS[n]
        if center == "HR og Organisationsudvikling" and n == EMPTY_IN_HR:
            rating = ""
            comment = "Afventer svar fra direktionen"
        values[cell.address] = SPELLING[center][rating] if rating else None
        values[comment_of[cell.item_key]] = comment
        typed.append(
            Typed(
                center,
                file,
                cell.item_key,
                cell.address,
                comment_of[cell.item_key],
                rating,
                comment,
            )
        )
    fill(ws, center, values, ws.inbox_dir(3) / file)
    return typed


def build(ws: Workspace) -> Scenario:
    typed: list[Typed] = []
    for offset, center in enumerate(SPELLING):
        typed += _fill_center(ws, center, offset)
    _, layout = issued_for(ws, REJECTED)
    values: dict[str, object] = {a: "☺" for a in inputs_of(layout, "smiley")}
    values.update({a: "Fint" for a in inputs_of(layout, "comment")})
    values[inputs_of(layout)[0]] = "ok"
    fill(ws, REJECTED, values, ws.inbox_dir(3) / "by_retur.xlsx")
    inputs = {p: sha256(p) for p in sorted(ws.inbox_dir(3).iterdir())}
    result = collect_round(ws, 3, date_text=DATE)
    return Scenario(ws, ws.load_register(), typed, inputs, result)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, _issued_round3_template) -> Scenario:
    """One collected round, read-only for the tests below."""
    src, _ = _issued_round3_template
    dst = tmp_path_factory.mktemp("roundtrip") / "ws"
    shutil.copytree(src, dst)
    return build(Workspace.at(dst))


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def text(value: object) -> str:
    return "" if value is None else str(value)


# ---------------------------------------------------------------- verdicts


def test_verdicts(scenario: Scenario) -> None:
    verdicts = {f.path.name: (f.verdict, f.center) for f in scenario.result.files}
    expected = {t.file: ("accepted", t.center) for t in scenario.typed}
    expected["by_retur.xlsx"] = ("rejected", REJECTED)
    assert verdicts == expected
    assert scenario.result.exit_code == 1


def test_flags_missing_and_not_returned(scenario: Scenario) -> None:
    flags = scenario.result.flags
    not_returned = {f.center for f in flags if f.kinds == ("not-returned",)}
    assert not_returned == set(scenario.register.responsible_centers()) - set(SPELLING)
    missing = [(f.center, f.item_key) for f in flags if "missing" in f.kinds]
    empty = [t for t in scenario.typed if not t.rating]
    assert missing == [(t.center, t.item_key) for t in empty]
    # Every red typed on a due milestone or economy is flagged red; so is an item left
    # empty whose last smiley (round 2 or before) was red.
    red = {f.item_key for f in flags if "red" in f.kinds}
    items = scenario.register.items()
    rounds = scenario.register.rounds_by_number
    earlier = {r.item_key: r.smiley for r in sorted(scenario.register.ratings, key=lambda r: r.round)
               if r.smiley is not None}  # fmt: skip
    for t in scenario.typed:
        ms = items[t.item_key][1]
        due = ms is None or ms.deadline.due_by(scenario.result.round, rounds)
        shown = t.rating or (earlier[t.item_key].value if t.item_key in earlier else "")
        assert (t.item_key in red) == (shown == "red" and due), t


# ------------------------------------------------------------------ master


def detail_rows(sheet, register: Register) -> dict[str, int]:
    """Item key → row number on the detail sheet, found in register order."""
    rows = [[text(c) for c in r] for r in sheet.iter_rows(values_only=True)]
    out: dict[str, int] = {}
    pos = 1

    def find(pred) -> int:
        nonlocal pos
        for n in range(pos, len(rows)):
            if pred(rows[n]):
                pos = n + 1
                return n + 1
        raise AssertionError(f"row not found after {pos}")

    for ini in register.initiatives:
        find(lambda r, i=ini: r[0] == i.number and r[1] == i.title)
        for ms in ini.milestones:
            if ms.is_placeholder:  # a row without text is not a milestone
                continue
            out[ms.key] = find(lambda r, m=ms: r[0] == "Milepæl" and r[1] == m.text)
        out[ini.economy_key] = find(lambda r: r[0] == "Økonomi")
    return out


def test_master_detail_shows_typed_smileys_and_comments(scenario: Scenario) -> None:
    wb = openpyxl.load_workbook(scenario.result.master)
    assert scenario.result.master == scenario.ws.master_path(3)
    sheet = wb["Delelementer"]
    header = [text(c) for c in next(sheet.iter_rows(max_row=1, values_only=True))]
    round_col = header.index("3.") + 1
    comment_col = round_col + 1  # the comment column follows the last round's smileys
    assert "kommentar" in header[comment_col - 1].casefold()
    rows = detail_rows(sheet, scenario.register)
    for t in scenario.typed:
        row = rows[t.item_key]
        smiley = sheet.cell(row, round_col)
        comment = sheet.cell(row, comment_col)
        assert text(smiley.value) == (SYMBOL[t.rating] if t.rating else ""), t
        assert comment.value == t.comment, t
        assert comment.data_type == "s", t
    # The rejected return's smileys are nowhere.
    _, layout = issued_for(scenario.ws, REJECTED)
    for cell in layout.inputs:
        assert text(sheet.cell(rows[cell.item_key], round_col).value) == ""


def test_master_summary_returns_table(scenario: Scenario) -> None:
    sheet = openpyxl.load_workbook(scenario.result.master)["Overblik"]
    rows = list(sheet.iter_rows(values_only=True))
    start = next(
        n
        for n, r in enumerate(rows)
        if r[:5] == ("Center", "Udsendt", "Modtaget", "Godkendt", "Afvist")
    )
    table = {}
    for r in rows[start + 1 :]:
        if r[0] == "I alt":
            break
        table[r[0]] = tuple(r[1:5])
    centers = scenario.register.responsible_centers()
    assert set(table) == set(centers)
    for center in centers:
        if center in SPELLING:
            expected = (1, 1, 1, 0)
        elif center == REJECTED:
            expected = (1, 1, 0, 1)
        else:
            expected = (1, 0, 0, 0)
        assert table[center] == expected, center


def test_formula_like_comments_are_text_in_master(scenario: Scenario) -> None:
    wb = openpyxl.load_workbook(scenario.result.master)
    seen = 0
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and any(p in cell.value for p in FORMULA_COMMENTS):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    seen += 1
    assert seen >= len(FORMULA_COMMENTS)


# -------------------------------------------------------------- ratings.csv


def test_ratings_csv_columns_and_rows(scenario: Scenario) -> None:
    assert scenario.result.ratings_csv == scenario.ws.ratings_csv(3)
    raw = scenario.ws.ratings_csv(3).read_bytes()
    # Excel on Windows reads UTF-8 only after a byte order mark (else æøå are garbled).
    assert raw.startswith(codecs.BOM_UTF8 + b"round,center,")
    raw.decode("utf-8")
    columns, rows = read_csv(scenario.ws.ratings_csv(3))
    assert columns == DOCUMENTED_COLUMNS
    register = scenario.register
    n_ini = len(register.initiatives)
    for k in (1, 2, 3):
        economy = [r for r in rows if r["round"] == str(k) and r["item"] == "economy"]
        assert sorted(r["initiative_key"] for r in economy) == sorted(
            i.key for i in register.initiatives
        ), k
        assert len(economy) == n_ini
    assert {r["round"] for r in rows} == {"1", "2", "3"}
    assert {r["item"] for r in rows} == {"milestone", "economy"}

    # Milestones: one row per round in which the milestone was rated or asked for.
    milestones = {ms.key: (ini, ms) for ini in register.initiatives for ms in ini.milestones}
    expected = {(r.round, r.item_key) for r in register.ratings if r.item_key in milestones}
    with Ledger(scenario.ws.ledger_path) as ledger:
        for issued in ledger.issued(3):
            _, layout = issued_for(scenario.ws, issued.center)
            expected |= {(3, i.item_key) for i in layout.inputs if i.item_key in milestones}
    got = [
        (int(r["round"]), r["initiative_key"], r["milestone_text"], r["deadline"])
        for r in rows
        if r["item"] == "milestone"
    ]
    assert len(got) == len(set(got))
    want = {
        (k, milestones[key][0].key, milestones[key][1].text, milestones[key][1].deadline.text)
        for k, key in expected
    }
    assert set(got) == want


def _csv_row(rows: list[dict[str, str]], register: Register, t: Typed) -> dict[str, str]:
    items = register.items()
    ini, ms = items[t.item_key]
    matches = [
        r
        for r in rows
        if r["round"] == "3"
        and r["initiative_key"] == ini.key
        and r["item"] == ("milestone" if ms else "economy")
        and (ms is None or (r["milestone_text"], r["deadline"]) == (ms.text, ms.deadline.text))
    ]
    assert len(matches) == 1, t
    return matches[0]


def test_ratings_csv_holds_the_typed_ratings(scenario: Scenario) -> None:
    _, rows = read_csv(scenario.ws.ratings_csv(3))
    register = scenario.register
    sections = {s.number: s.label for s in register.sections}
    for t in scenario.typed:
        row = _csv_row(rows, register, t)
        ini, ms = register.items()[t.item_key]
        assert row["center"] == t.center
        assert row["number"] == ini.number
        assert row["title"] == ini.title
        assert row["section"] == sections[ini.section]
        assert row["deadline"] == (ms.deadline.text if ms else "")
        assert row["rating"] == t.rating, t
        expected_comment = "'" + t.comment if t.comment in FORMULA_COMMENTS else t.comment
        assert row["comment"] == expected_comment, t
        assert row["source"] == f"{t.file}!{SHEET}!{t.smiley_cell}", t
    # Asked but not returned (or rejected): a row with no rating.
    _, layout = issued_for(scenario.ws, REJECTED)
    for cell in (i for i in layout.inputs if i.kind == "smiley"):
        t = Typed(REJECTED, "", cell.item_key, cell.address, "", "", "")
        row = _csv_row(rows, register, t)
        assert (row["rating"], row["comment"], row["source"]) == ("", "", "")


def test_ratings_csv_formula_like_comments_are_defused(scenario: Scenario) -> None:
    _, rows = read_csv(scenario.ws.ratings_csv(3))
    for row in rows:
        for column, value in row.items():
            assert not value.lstrip(" ").startswith(("=", "+", "-", "@")), (column, value)
    comments = {r["comment"] for r in rows}
    for payload in FORMULA_COMMENTS:
        assert "'" + payload in comments


# ------------------------------------------------------------- findings.csv


def test_findings_csv(scenario: Scenario) -> None:
    assert scenario.result.findings_csv == scenario.ws.findings_csv(3)
    assert scenario.ws.findings_csv(3).read_bytes().startswith(codecs.BOM_UTF8 + b"file,center,")
    columns, rows = read_csv(scenario.ws.findings_csv(3))
    assert columns == ["file", "center", "sheet", "cell", "code", "severity", "message"]
    got = [(r["file"], r["center"], r["sheet"], r["cell"], r["code"], r["severity"]) for r in rows]
    # Each file's center, as the scenario sent it (the file names are the scenario's own).
    center_of = {t.file: t.center for t in scenario.typed} | {"by_retur.xlsx": REJECTED}
    expected = [
        (f.file, center_of[f.file], f.sheet, f.cell, f.code, f.severity.value)
        for f in scenario.result.report
    ]
    # The CSV lists the round's files in arrival order; this run saw every one of them.
    assert sorted(got) == sorted(expected)
    hr = next(t for t in scenario.typed if t.center == "HR og Organisationsudvikling")
    by_code = {}
    for r in rows:
        by_code.setdefault(r["code"], []).append(r)
    assert {r["cell"] for r in by_code["formula-text"]} == {
        t.comment_cell for t in scenario.typed if t.comment in FORMULA_COMMENTS
    }
    assert [(r["file"], r["severity"]) for r in by_code["missing-rating"]] == [(hr.file, "warning")]
    assert [(r["file"], r["cell"], r["severity"]) for r in by_code["invalid-smiley"]] == [
        ("by_retur.xlsx", inputs_of(issued_for(scenario.ws, REJECTED)[1])[0], "error")
    ]
    assert set(by_code) == {"formula-text", "missing-rating", "invalid-smiley"}


# ---------------------------------------------------- originals and archive


def test_inputs_untouched_and_archived(scenario: Scenario) -> None:
    archive = scenario.ws.archive_dir(3)
    for path, digest in scenario.inputs.items():
        assert sha256(path) == digest, path
        stored = archive / f"{digest}.xlsx"
        assert stored.is_file(), path
        assert stored.read_bytes() == path.read_bytes()
    assert sorted(p.name for p in archive.iterdir()) == sorted(
        f"{d}.xlsx" for d in scenario.inputs.values()
    )
    # Outputs were written atomically: no temporary files left behind.
    leftovers = [
        p for p in scenario.ws.round_dir(3).rglob("*") if p.name.startswith(".") or "tmp" in p.name
    ]
    assert leftovers == []


# ------------------------------------------------------------ collect again


def _ledger_snapshot(ws: Workspace) -> tuple[list[tuple], list[tuple]]:
    db = sqlite3.connect(ws.ledger_path)
    try:
        received = db.execute(
            "SELECT id, round, sha256, original_name, archived, template_id, center, verdict, "
            "findings, superseded_by FROM received ORDER BY id"
        ).fetchall()
        ratings = db.execute("SELECT * FROM ratings ORDER BY id").fetchall()
    finally:
        db.close()
    return received, ratings


def _outputs(ws: Workspace) -> dict[str, bytes]:
    return {
        "master": ws.master_path(3).read_bytes(),
        "ratings": ws.ratings_csv(3).read_bytes(),
        "findings": ws.findings_csv(3).read_bytes(),
    }


def _master_values(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path)
    return {s.title: list(s.iter_rows(values_only=True)) for s in wb.worksheets}


def test_collecting_again_counts_nothing_twice(issued_ws: Workspace) -> None:
    first = build(issued_ws)
    ledger_before = _ledger_snapshot(issued_ws)
    outputs_before = _outputs(issued_ws)
    values_before = _master_values(issued_ws.master_path(3))

    again = collect_round(issued_ws, 3, date_text=DATE)

    assert _ledger_snapshot(issued_ws) == ledger_before
    assert len(ledger_before[0]) == len(first.inputs)
    assert _master_values(issued_ws.master_path(3)) == values_before
    after = _outputs(issued_ws)
    assert after["ratings"] == outputs_before["ratings"]
    assert after["findings"] == outputs_before["findings"]
    assert after["master"] == outputs_before["master"]
    assert [(f.path.name, f.verdict) for f in again.files] == [
        (f.path.name, f.verdict) for f in first.result.files
    ]
    assert all(f.repeated for f in again.files)
    # Files seen before are history: nothing new to report, the round's state unchanged.
    assert first.result.report.codes() != []
    assert again.report.codes() == []
    assert again.exit_code == first.result.exit_code
    for path, digest in first.inputs.items():
        assert sha256(path) == digest
    assert len(list(issued_ws.archive_dir(3).iterdir())) == len(first.inputs)


def test_same_file_under_another_name_counts_once(issued_ws: Workspace) -> None:
    first = build(issued_ws)
    ledger_before = _ledger_snapshot(issued_ws)
    ratings_before = issued_ws.ratings_csv(3).read_bytes()
    original = next(p for p in first.inputs if p.name.startswith("Ejendomme"))
    copy = issued_ws.inbox_dir(3) / "Ejendomme_retur_kopi.xlsx"
    shutil.copyfile(original, copy)

    again = collect_round(issued_ws, 3, date_text=DATE)

    assert _ledger_snapshot(issued_ws) == ledger_before
    assert issued_ws.ratings_csv(3).read_bytes() == ratings_before
    result = next(f for f in again.files if f.path == copy)
    assert result.repeated
    assert result.verdict == "accepted"
    assert len(list(issued_ws.archive_dir(3).iterdir())) == len(first.inputs)
