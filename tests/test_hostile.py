"""Hostile and awkward returns (issue 6, docs/workflow.md#damaged-and-hostile-files):
every file explained, none can hurt the run.

One batch for the module: the generated corpus (``tests/hostile/make_corpus.py``,
one file per kind, each made from a real issued workbook) lands in the round-3
inbox together with valid returns of three other centers, and ONE collect reads
it all. Each case must get its catalogued finding code; nothing may crash, hang
or leak into the outputs; the valid returns must still be accepted; and text a
spreadsheet could run (``=``, ``+``, ``-``, ``@``, tab or CR first) must land in
master.xlsx, ratings.csv and findings.csv as text.
"""

from __future__ import annotations

import csv
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from helpers import fill_all_green, issued_for
from hostile.make_corpus import (
    ACCEPTED,
    ALSO_ACCEPTED,
    CASES,
    CONTROL_CENTER,
    CONTROL_TEXT,
    FORMULA_CELL_CENTER,
    FREE_CENTERS,
    INJECTION_TEXTS,
    LOCK_NAME,
    LOOK_ALIKE_CENTER,
    NEEDS_LIBREOFFICE,
    ODS_CENTER,
    injection_cells,
    make_corpus,
)
from libreoffice import HAVE_LIBREOFFICE, requires_libreoffice
from sheetflow.collect import CollectResult, FileResult, collect_round
from sheetflow.findings import CATALOGUE, Severity
from sheetflow.issue import safe_name
from sheetflow.ledger import Ledger
from sheetflow.workspace import Workspace

HANG_GUARD_SECONDS = 120.0  # not a benchmark (see bench/hostile.py): a hang guard
FORMULA_START = "=+-@"
# What an exception's text looks like when it leaks into a finding message.
LEAKED_EXCEPTION = re.compile(r"\b\w*(?:Error|Exception)\b|Traceback|BadZipFile|panicked")


@dataclass
class Batch:
    ws: Workspace
    expected: dict[str, str]  # case file name → code (the cases actually built)
    notes: dict[str, str]
    good: list[str]  # file names of the valid returns
    result: CollectResult
    files: dict[str, FileResult]
    seconds: float


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, _issued_round3_template) -> Batch:
    src, _ = _issued_round3_template
    ws = Workspace.at(tmp_path_factory.mktemp("hostile") / "ws")
    shutil.copytree(src, ws.root)
    inbox = ws.inbox_dir(3)
    notes: dict[str, str] = {}
    expected = make_corpus(ws, inbox, libreoffice=HAVE_LIBREOFFICE, notes=notes)
    good = [
        fill_all_green(ws, center, inbox / f"{safe_name(center)}_retur.xlsx").name
        for center in FREE_CENTERS
    ]
    start = time.monotonic()
    result = collect_round(ws, 3, date_text="1. oktober 2017")
    seconds = time.monotonic() - start
    files = {f.path.name: f for f in result.files}
    return Batch(ws, expected, notes, good, result, files, seconds)


def case_params() -> list:
    marks = [requires_libreoffice, pytest.mark.libreoffice]
    return [
        pytest.param(name, marks=marks if name in NEEDS_LIBREOFFICE else [], id=name)
        for name in CASES
    ]


def expected_verdict(code: str) -> str:
    if code == "file-skipped":
        return "skipped"
    if code == ACCEPTED or CATALOGUE[code].severity is not Severity.ERROR:
        return "accepted"
    return "rejected"


def runnable(field: str) -> bool:
    """Could a spreadsheet opening the CSV run this field as a formula?"""
    return not field.startswith("'") and field.lstrip(" \t\r\n")[:1] in tuple(FORMULA_START)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def stored_comments(ws: Workspace, file_name: str) -> dict[str, str]:
    """item key → comment of the ratings recorded from one returned file."""
    with Ledger(ws.ledger_path) as ledger:
        ratings = ledger.accepted_ratings()
    return {
        r.item_key: r.comment
        for r in ratings
        if r.round == 3 and r.source.startswith(f"{file_name}!")
    }


def comment_item(ws: Workspace, center: str, index: int = 0) -> tuple[str, str]:
    """(address, item key) of a center's ``index``-th comment cell."""
    cell = [i for i in issued_for(ws, center)[1].inputs if i.kind == "comment"][index]
    return cell.address, cell.item_key


def same_text(a: str, b: str) -> bool:
    """Equal once line breaks are normalised (a CR may come back as LF)."""
    return a.replace("\r\n", "\n").replace("\r", "\n") == b.replace("\r\n", "\n").replace(
        "\r", "\n"
    )


# ------------------------------------------------------------------ each case


@pytest.mark.parametrize("name", case_params())
def test_case_gets_its_finding(batch: Batch, name: str) -> None:
    """The file's findings all carry the catalogued code, with its severity and
    the file's name; the verdict follows from the severity."""
    assert name in batch.expected, f"{name} was not built: {batch.notes}"
    code = CASES[name]
    file = batch.files.get(name)
    assert file is not None, f"{name} is not accounted for in the result"
    got = [(f.code, f.cell, f.message) for f in file.findings]
    if code == ACCEPTED:
        assert file.verdict == "accepted", got
        assert not [f for f in file.findings if f.severity is Severity.ERROR], got
        return
    allowed = {code} | ALSO_ACCEPTED.get(name, set())
    assert file.findings, f"{name}: {file.verdict} without any finding"
    assert {f.code for f in file.findings} <= allowed, got
    for f in file.findings:
        assert f.file == name
        assert f.severity is CATALOGUE[f.code].severity
    assert file.verdict == expected_verdict(file.findings[0].code), got


def test_valid_returns_of_the_batch_are_accepted(batch: Batch) -> None:
    for name, center in zip(batch.good, FREE_CENTERS, strict=True):
        file = batch.files[name]
        assert (file.verdict, file.center, file.findings) == ("accepted", center, [])
    accepted = {f.path.name for f in batch.result.files if f.verdict == "accepted"}
    should = {n for n, c in batch.expected.items() if expected_verdict(c) == "accepted"}
    assert accepted >= set(batch.good)
    # Nothing else slips through: only the cases meant to be read are accepted.
    assert accepted - set(batch.good) <= should, accepted - set(batch.good) - should


def test_every_file_accounted_for_nothing_crashed_or_hung(batch: Batch) -> None:
    inbox = {p.name for p in batch.ws.inbox_dir(3).iterdir()}
    assert set(batch.files) == inbox
    assert {f.verdict for f in batch.result.files} <= {"accepted", "rejected", "skipped"}
    died = [n for n, f in batch.files.items() for x in f.findings if x.code == "reader-failed"]
    assert set(died) <= set(ALSO_ACCEPTED), f"readers died or timed out on {died}"
    assert batch.result.exit_code == 1
    assert batch.result.master is not None and batch.result.master.is_file()


def test_batch_finishes_in_bounded_time(batch: Batch) -> None:
    assert batch.seconds < HANG_GUARD_SECONDS, f"collect took {batch.seconds:.1f} s"


def test_every_finding_is_a_sentence_not_an_exception(batch: Batch) -> None:
    leaked = [
        (name, f.code, f.message)
        for name, file in batch.files.items()
        for f in file.findings
        if not f.message.strip() or LEAKED_EXCEPTION.search(f.message)
    ]
    assert not leaked, leaked


# ------------------------------------------------------------- case details


def test_lock_file_is_listed_as_skipped_and_not_archived(batch: Batch) -> None:
    file = batch.files[LOCK_NAME]
    assert file.verdict == "skipped"
    [f] = file.findings
    assert (f.code, f.severity, f.file) == ("file-skipped", Severity.INFO, LOCK_NAME)
    with Ledger(batch.ws.ledger_path) as ledger:
        assert LOCK_NAME not in {r.original_name for r in ledger.received(3)}


def test_formula_text_is_flagged_in_every_cell(batch: Batch) -> None:
    file = batch.files["=formula_injection.xlsx"]
    flagged = {f.cell for f in file.findings if f.code == "formula-text"}
    cells = injection_cells(batch.ws)
    missing = {cell: text for cell, text in cells.items() if cell not in flagged}
    assert not missing, f"not flagged: {missing}"


def test_formula_injection_lands_in_master_as_text(batch: Batch) -> None:
    book = openpyxl.load_workbook(batch.result.master)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    cores = {t.lstrip(" \t\r\n" + FORMULA_START) for t in INJECTION_TEXTS}
    for text in INJECTION_TEXTS:
        found = [c for c in cells if isinstance(c.value, str) and same_text(c.value, text)]
        assert found, f"{text!r} is not in the master"
        assert {c.data_type for c in found} == {"s"}, [(c.coordinate, c.data_type) for c in found]
    formulas = [c.value for c in cells if c.data_type == "f"]
    assert not [v for v in formulas if str(v).lstrip("=") in cores or "HYPERLINK" in str(v)]


def test_formula_injection_is_escaped_in_the_csv_files(batch: Batch) -> None:
    ratings = read_csv(batch.result.ratings_csv)
    comments = [r["comment"] for r in ratings if r["round"] == "3"]
    for text in INJECTION_TEXTS:
        # The CSV holds the text itself, or the text behind a quote that stops a spreadsheet.
        assert [c for c in comments if same_text(c.removeprefix("'"), text)], text
    for path in (batch.result.ratings_csv, batch.result.findings_csv):
        risky = [
            (path.name, key, value)
            for row in read_csv(path)
            for key, value in row.items()
            if runnable(value)
        ]
        assert not risky, risky
    files = {row["file"] for row in read_csv(batch.result.findings_csv)}
    assert "'=formula_injection.xlsx" in files


def test_control_characters_are_removed_from_the_comment(batch: Batch) -> None:
    _, item = comment_item(batch.ws, CONTROL_CENTER)
    stored = stored_comments(batch.ws, "control_characters.xlsx")
    assert stored[item] == "Forsinket pga. [31mleverandør"
    assert stored[item] == CONTROL_TEXT.replace("\x07", "").replace("\x1b", "")


def test_formula_in_cell_uses_the_cached_value(batch: Batch) -> None:
    address, item = comment_item(batch.ws, FORMULA_CELL_CENTER)
    [f] = batch.files["formula_in_cell.xlsx"].findings
    assert f.cell == address
    assert "Går efter planen." in f.message, f.message
    assert stored_comments(batch.ws, "formula_in_cell.xlsx")[item] == "Går efter planen."


def test_look_alike_center_does_not_count_for_the_real_one(batch: Batch) -> None:
    spoof = batch.files["look_alike_center.xlsx"]
    assert spoof.verdict == "rejected"
    real = batch.files[f"{safe_name(LOOK_ALIKE_CENTER)}_retur.xlsx"]
    assert (real.verdict, real.center) == ("accepted", LOOK_ALIKE_CENTER)
    assert not stored_comments(batch.ws, "look_alike_center.xlsx")


def test_nothing_of_a_rejected_file_leaks_into_the_outputs(batch: Batch) -> None:
    outputs = batch.result.ratings_csv.read_text(encoding="utf-8-sig")
    outputs += batch.result.findings_csv.read_text(encoding="utf-8-sig")
    book = openpyxl.load_workbook(batch.result.master, read_only=True)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            outputs += "\n".join(str(v) for v in row if v is not None)
    book.close()
    assert "forsinket forsinket" not in outputs  # text_too_long.xlsx
    assert "root:x:0:0" not in outputs  # the external entity was never resolved
    assert "lollol" not in outputs  # nor the billion laughs expanded
    with Ledger(batch.ws.ledger_path) as ledger:
        rejected = {r.original_name for r in ledger.received(3) if r.verdict == "rejected"}
        sources = {r.source.split("!")[0] for r in ledger.accepted_ratings() if r.round == 3}
    assert not rejected & sources


@requires_libreoffice
@pytest.mark.libreoffice
def test_ods_is_read_like_an_xlsx(batch: Batch) -> None:
    """The product reads ODS (python-calamine does): a filled return saved as .ods
    by LibreOffice counts like the .xlsx it was made from."""
    file = batch.files["libreoffice.ods"]
    assert (file.verdict, file.center) == ("accepted", ODS_CENTER), file.findings
    _, layout = issued_for(batch.ws, ODS_CENTER)
    stored = stored_comments(batch.ws, "libreoffice.ods")
    asked = {i.item_key for i in layout.inputs}
    assert set(stored) == asked
    assert set(stored.values()) == {"Går efter planen."}


# A comment that looks like xlsxwriter's rich-text markup ("<r>…</r>"): xlsxwriter
# writes such a string into the sheet (constant-memory master) or the shared
# strings (issued workbooks) unescaped, so a center could put cells of its own
# into the committee's master or garble the next round's workbooks.
MARKUP_COMMENTS = [
    "<r><t>ok</t></r><r><t>INJECTED</t></r>",
    '<r><t>a</t></r></is></c><c r="Z1"><v>666</v></c><c r="Z2" t="inlineStr"><is><r><t>b</t></r>',
]


def _all_cells(path: Path) -> list[object]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return [
        v
        for name in book.sheet_names
        for row in book.get_sheet_by_name(name).to_python()
        for v in row
    ]


def test_a_comment_that_looks_like_markup_stays_text_in_the_master_and_the_correction(
    officer_ws: Workspace,
) -> None:
    """The master (inline strings) and the correction workbook that pre-fills the
    center's answers (shared strings) both show the comment exactly as typed."""
    from helpers import fill
    from sheetflow.collect import collect_round
    from sheetflow.roundstate import Verdict

    center = "Teknik og Miljø"
    _, layout = issued_for(officer_ws, center, 1)
    smileys = [i.address for i in layout.inputs if i.kind == "smiley"]
    comments = [i.address for i in layout.inputs if i.kind == "comment"][:2]
    # One smiley left empty: the return is accepted with a remark, so a correction
    # workbook is written, pre-filled with what the center did answer.
    values: dict[str, object] = {a: "☺" for a in smileys[:-1]}
    values.update(dict(zip(comments, MARKUP_COMMENTS, strict=True)))
    fill(officer_ws, center, values, officer_ws.inbox_dir(1) / "tm.xlsx", round_number=1)
    result = collect_round(officer_ws, 1)
    assert [r.verdict for r in result.files] == [Verdict.ACCEPTED]
    assert len(result.corrections) == 1
    for path in (result.master, result.corrections[0]):
        cells = _all_cells(path)
        for text in MARKUP_COMMENTS:
            assert text in cells, path.name
        assert not any(v in (666, "INJECTED", "okINJECTED", "a", "b") for v in cells), path.name
