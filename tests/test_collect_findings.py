"""One test per finding code a returned file can produce (docs/findings.md).

Every bad file is made from a real issued workbook, changed the way a person
might (openpyxl, renaming, copying), and collected in a batch together with
valid returns from other centers, which must still be accepted.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import shutil
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from helpers import fill, fill_all_green, inputs_of, issued_for, set_saved_at
from sheetflow.collect import CollectResult, FileResult, collect_round, validate_file
from sheetflow.collect.safety import Problem, sniff
from sheetflow.contract import META_PREFIX, META_SHEET
from sheetflow.findings import CATALOGUE, Finding, Severity
from sheetflow.issue import issue_round, safe_name
from sheetflow.issue.layout import COL_TEXT, COMMENT_MAX, StatusLayout, address
from sheetflow.ledger import Ledger
from sheetflow.roundstate import Verdict
from sheetflow.workspace import Workspace

# The center whose return is spoiled, and the centers whose valid returns share the batch.
BAD = "Ejendomme"
GOOD = ("Arbejdsmarked", "Skoler, Institutioner og Kultur")
SHEET = "Status"
ROUND3 = "3. budgetopfølgning 2017"
ROUND4 = "Årsafslutning 2017"


# ---------------------------------------------------------------- helpers


def good_name(center: str) -> str:
    return f"{safe_name(center)}_retur.xlsx"


def add_good_returns(ws: Workspace) -> list[Path]:
    """Valid, complete returns of the GOOD centers in the round-3 inbox."""
    return [fill_all_green(ws, c, ws.inbox_dir(3) / good_name(c)) for c in GOOD]


def complete_values(ws: Workspace, center: str, round_number: int = 3) -> dict[str, object]:
    """Every input of the center filled: smiley ☺ and a short comment."""
    _, layout = issued_for(ws, center, round_number)
    values: dict[str, object] = {a: "☺" for a in inputs_of(layout, "smiley")}
    values.update({a: "Går efter planen." for a in inputs_of(layout, "comment")})
    return values


def bad_layout(ws: Workspace) -> StatusLayout:
    return issued_for(ws, BAD)[1]


def spoil(ws: Workspace, name: str, values: dict[str, object] | None = None, edit=None) -> Path:
    """A return of BAD, complete unless ``values`` says otherwise, changed by ``edit``."""
    filled = complete_values(ws, BAD)
    filled.update(values or {})
    return fill(ws, BAD, filled, ws.inbox_dir(3) / name, edit=edit)


def run(ws: Workspace, lang: str = "da") -> tuple[CollectResult, dict[str, FileResult]]:
    """Collect round 3's inbox; check the GOOD returns were accepted without findings."""
    result = collect_round(ws, 3, lang=lang, date_text="1. oktober 2017")
    by_name = {f.path.name: f for f in result.files}
    for center in GOOD:
        good = by_name[good_name(center)]
        assert good.verdict == "accepted", (center, good.findings)
        assert good.findings == [], good.findings
        assert good.center == center
    return result, by_name


def only(file: FileResult, code: str) -> Finding:
    """The file's single finding, which must have ``code``."""
    assert [f.code for f in file.findings] == [code], file.findings
    finding = file.findings[0]
    assert finding.file == file.path.name
    assert finding.severity is CATALOGUE[code].severity
    return finding


def set_custom_property(wb: openpyxl.Workbook, name: str, value: str) -> None:
    wb.custom_doc_props[META_PREFIX + name].value = value


def set_meta_sheet(wb: openpyxl.Workbook, name: str, value: str) -> None:
    sheet = wb[META_SHEET]
    for row in sheet.iter_rows(min_col=1, max_col=2):
        if row[0].value == name:
            row[1].value = value
            return
    raise AssertionError(f"{name} not in {META_SHEET}")


def milestone_text_cell(layout: StatusLayout) -> tuple[str, str]:
    """Address and text of the first milestone's text cell."""
    for cell in layout.cells:
        if cell.col == COL_TEXT and cell.style == "text" and "-M" in layout.row_keys[cell.row]:
            return address(cell.row, cell.col), cell.value
    raise AssertionError("no milestone row")


def not_asked_smiley_cell(layout: StatusLayout) -> str:
    """This round's smiley cell on a milestone row the round does not ask about."""
    asked = {i.item_key for i in layout.inputs}
    col = layout.smiley_cols[-1]
    for row, key in sorted(layout.row_keys.items()):
        if "-M" in key and key not in asked:
            return address(row, col)
    raise AssertionError("every milestone is asked for")


# ------------------------------------------------------------ file-unreadable
#
# Files that are not a readable workbook. The catalogue names the common cases
# precisely (file-empty, file-not-workbook, file-truncated); file-unreadable is
# what is left: a workbook whose content is damaged.


MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _zip_of_text(path: Path) -> None:
    """A zip archive (a zipped folder mailed back) that is not a workbook."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("noter.txt", "Status følger i næste uge.")


def _damaged(ws: Workspace, path: Path) -> None:
    """A real return whose status sheet was garbled in transit (zip directory intact)."""
    fill_all_green(ws, BAD, path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet2.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 300
    data[start : start + 40] = bytes(b ^ 0x5A for b in data[start : start + 40])
    path.write_bytes(bytes(data))


def _truncated(ws: Workspace, path: Path) -> None:
    """A real return cut off halfway (an interrupted download)."""
    fill_all_green(ws, BAD, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


UNREADABLE = {
    # kind: (make the file, expected codes, text the message must hold)
    "pdf": (lambda ws, p: p.write_bytes(MINIMAL_PDF), {"file-not-workbook"}, "PDF"),
    "text": (
        lambda ws, p: p.write_text("Smiley: grøn\nKommentar: alt går godt\n", encoding="utf-8"),
        {"file-not-workbook"},
        "",
    ),
    "zip": (lambda ws, p: _zip_of_text(p), {"file-not-workbook"}, ""),
    "empty": (lambda ws, p: p.write_bytes(b""), {"file-empty"}, "0 bytes"),
    "truncated": (_truncated, {"file-truncated"}, ""),
    # Damaged content is a damaged file, not a reader running out of time or memory.
    "damaged": (_damaged, {"file-unreadable", "file-truncated"}, ""),
}


@pytest.mark.parametrize("kind", list(UNREADABLE))
def test_file_unreadable(issued_ws: Workspace, kind: str) -> None:
    ws = issued_ws
    add_good_returns(ws)
    make, codes, text = UNREADABLE[kind]
    name = f"{safe_name(BAD)}_{kind}.xlsx"
    path = ws.inbox_dir(3) / name
    make(ws, path)
    result, files = run(ws)
    bad = files[name]
    assert bad.verdict == "rejected"
    assert len(bad.findings) == 1, bad.findings
    f = bad.findings[0]
    assert f.code in codes, f
    assert f.severity is Severity.ERROR
    assert (f.file, f.sheet, f.cell) == (name, "", "")
    assert text in f.message
    assert result.exit_code == 1


# ---------------------------------------------------------------- not-issued


def test_not_issued_fresh_workbook(issued_ws: Workspace) -> None:
    ws = issued_ws
    add_good_returns(ws)
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = SHEET
    sheet["B9"] = "☺"
    sheet["C9"] = "Vores egen statusliste"
    path = ws.inbox_dir(3) / "egen_status.xlsx"
    wb.save(path)
    result, files = run(ws)
    bad = files[path.name]
    assert bad.verdict == "rejected"
    assert bad.center is None
    f = only(bad, "not-issued")
    assert f.severity is Severity.ERROR
    assert "sheetflow" in f.message
    assert result.exit_code == 1


def test_not_issued_unknown_template_id(issued_ws: Workspace) -> None:
    ws = issued_ws
    add_good_returns(ws)
    unknown = "R3-ffffffffffffffff"

    def edit(wb: openpyxl.Workbook) -> None:
        set_custom_property(wb, "template_id", unknown)
        set_meta_sheet(wb, "template_id", unknown)

    path = spoil(ws, "ukendt_skabelon.xlsx", edit=edit)
    result, files = run(ws)
    bad = files[path.name]
    assert bad.verdict == "rejected"
    f = only(bad, "not-issued")
    assert unknown in f.message
    assert result.exit_code == 1


# --------------------------------------------------------------- wrong-round


def test_wrong_round(issued_ws: Workspace) -> None:
    ws = issued_ws
    issue_round(ws, 4)
    add_good_returns(ws)
    _, layout4 = issued_for(ws, BAD, 4)
    values = {a: "☺" for a in inputs_of(layout4, "smiley")}
    path = fill(ws, BAD, values, ws.inbox_dir(3) / "aarsafslutning.xlsx", round_number=4)
    result, files = run(ws)
    bad = files[path.name]
    assert bad.verdict == "rejected"
    f = only(bad, "wrong-round")
    assert f.severity is Severity.ERROR
    assert ROUND4 in f.message
    assert ROUND3 in f.message
    assert result.exit_code == 1
    # Nothing of the round-4 file counts in round 3.
    with Ledger(ws.ledger_path) as ledger:
        assert {r.item_key for r in ledger.accepted_ratings() if r.round == 4} == set()


# ----------------------------------------------------------- center-mismatch

OTHER = "Arbejdsmarked"


def _property(wb: openpyxl.Workbook) -> None:
    set_custom_property(wb, "center", OTHER)


def _hidden_sheet(wb: openpyxl.Workbook) -> None:
    set_meta_sheet(wb, "center", OTHER)


def _both(wb: openpyxl.Workbook) -> None:
    _property(wb)
    _hidden_sheet(wb)


def _hidden_sheet_without_property(wb: openpyxl.Workbook) -> None:
    props = wb.custom_doc_props
    props.props = [p for p in props.props if p.name != META_PREFIX + "center"]
    _hidden_sheet(wb)


@pytest.mark.parametrize(
    "edit",
    [_property, _hidden_sheet, _both, _hidden_sheet_without_property],
    ids=["custom-property", "hidden-sheet", "both", "hidden-sheet-no-property"],
)
def test_center_mismatch(issued_ws: Workspace, edit) -> None:
    ws = issued_ws
    add_good_returns(ws)
    path = spoil(ws, "andet_center.xlsx", edit=edit)
    result, files = run(ws)
    bad = files[path.name]
    assert bad.verdict == "rejected", bad.findings
    f = only(bad, "center-mismatch")
    assert f.severity is Severity.ERROR
    assert BAD in f.message
    assert OTHER in f.message
    assert result.exit_code == 1
    # The file's ratings were not recorded for either center.
    with Ledger(ws.ledger_path) as ledger:
        received = {r.original_name: r for r in ledger.received(3)}
    assert received[path.name].verdict == "rejected"


def test_look_alike_center_name(issued_ws: Workspace) -> None:
    """A center name with a Cyrillic letter that looks Latin is called out as such."""
    ws = issued_ws
    add_good_returns(ws)
    spoofed = BAD.replace("e", "\u0435", 1)
    assert spoofed != BAD

    def edit(wb: openpyxl.Workbook) -> None:
        set_custom_property(wb, "center", spoofed)
        set_meta_sheet(wb, "center", spoofed)

    path = spoil(ws, "lignende_center.xlsx", edit=edit)
    result, files = run(ws)
    bad = files[path.name]
    assert bad.verdict == "rejected"
    f = only(bad, "look-alike-text")
    assert f.severity is Severity.ERROR
    assert BAD in f.message
    assert result.exit_code == 1


# ------------------------------------------------------------- sheet-missing


def test_sheet_missing(issued_ws: Workspace) -> None:
    ws = issued_ws
    add_good_returns(ws)

    def edit(wb: openpyxl.Workbook) -> None:
        wb[SHEET].title = "Status Digi"

    path = spoil(ws, "omdoebt_ark.xlsx", edit=edit)
    result, files = run(ws)
    bad = files[path.name]
    assert bad.verdict == "rejected"
    f = only(bad, "sheet-missing")
    assert f.severity is Severity.ERROR
    assert f.sheet == SHEET
    assert f.cell == ""
    assert f"'{SHEET}'" in f.message
    assert result.exit_code == 1


# -------------------------------------------------------------- rows-changed


def _body_row(layout: StatusLayout) -> int:
    """1-based row number of the first asked milestone row."""
    first = next(i for i in layout.inputs if i.kind == "smiley")
    return int(first.address[1:])


def _move_row(wb: openpyxl.Workbook, layout: StatusLayout) -> None:
    """Swap two item rows, the way sorting the sheet would."""
    sheet = wb[SHEET]
    a = _body_row(layout)
    b = a + 1
    for col in range(1, layout.last_col + 2):
        top, bottom = sheet.cell(a, col), sheet.cell(b, col)
        top.value, bottom.value = bottom.value, top.value


@pytest.mark.parametrize("change", ["insert", "delete", "append", "move"])
def test_rows_changed(issued_ws: Workspace, change: str) -> None:
    ws = issued_ws
    add_good_returns(ws)
    layout = bad_layout(ws)
    row = _body_row(layout)
    last = layout.last_row + 1  # 1-based

    def edit(wb: openpyxl.Workbook) -> None:
        sheet = wb[SHEET]
        if change == "insert":
            sheet.insert_rows(row)
            sheet.cell(row, 3, "Ny milepæl vi selv har tilføjet")
        elif change == "delete":
            sheet.delete_rows(row)
        elif change == "append":
            sheet.cell(last + 2, 3, "Bemærkning: vi mangler stadig svar fra direktionen.")
        else:
            _move_row(wb, layout)

    path = spoil(ws, f"raekker_{change}.xlsx", edit=edit)
    result, files = run(ws)
    bad = files[path.name]
    assert bad.verdict == "rejected"
    f = only(bad, "rows-changed")
    assert f.severity is Severity.ERROR
    assert f.sheet == SHEET
    expected_cell = f"A{last + 2}" if change == "append" else f"A{row}"
    assert f.cell == expected_cell
    assert result.exit_code == 1


def test_note_typed_far_below_the_table(issued_ws: Workspace) -> None:
    """Text typed hundreds of rows below the table: the file is refused, not read."""
    ws = issued_ws
    add_good_returns(ws)
    layout = bad_layout(ws)
    far = (layout.last_row + 1) * 4 + 501 + 10

    def edit(wb: openpyxl.Workbook) -> None:
        wb[SHEET].cell(far, 3, "Husk at sende til direktionen")

    path = spoil(ws, "langt_nede.xlsx", edit=edit)
    result, files = run(ws)
    bad = files[path.name]
    assert bad.verdict == "rejected"
    assert [f.code for f in bad.findings] in (["sheet-too-large"], ["rows-changed"])
    assert bad.findings[0].severity is Severity.ERROR
    assert result.exit_code == 1


# ------------------------------------------------------- locked-cell-changed


def test_locked_cell_changed_milestone_text(issued_ws: Workspace) -> None:
    ws = issued_ws
    add_good_returns(ws)
    cell, text = milestone_text_cell(bad_layout(ws))
    new_text = "Milepælen er flyttet til næste år."
    path = spoil(ws, "ny_tekst.xlsx", values={cell: new_text})
    result, files = run(ws)
    bad = files[path.name]
    assert bad.verdict == "rejected"
    f = only(bad, "locked-cell-changed")
    assert (f.severity, f.sheet, f.cell) == (Severity.ERROR, SHEET, cell)
    assert new_text in f.message
    assert text[:40] in f.message
    assert result.exit_code == 1


def test_locked_cell_changed_smiley_in_not_asked_cell(issued_ws: Workspace) -> None:
    ws = issued_ws
    add_good_returns(ws)
    cell = not_asked_smiley_cell(bad_layout(ws))
    path = spoil(ws, "smiley_laast.xlsx", values={cell: "☹"})
    result, files = run(ws)
    bad = files[path.name]
    assert bad.verdict == "rejected"
    f = only(bad, "locked-cell-changed")
    assert (f.severity, f.sheet, f.cell) == (Severity.ERROR, SHEET, cell)
    assert "'☹'" in f.message
    assert result.exit_code == 1


# ------------------------------------------------------------ invalid-smiley


@pytest.mark.parametrize("value", ["ok", "😃", "grøn?", 3], ids=["ok", "emoji", "word", "number"])
def test_invalid_smiley(issued_ws: Workspace, value: object) -> None:
    ws = issued_ws
    add_good_returns(ws)
    cell = inputs_of(bad_layout(ws), "smiley")[0]
    path = spoil(ws, "ugyldig_smiley.xlsx", values={cell: value})
    result, files = run(ws)
    bad = files[path.name]
    assert bad.verdict == "rejected"
    f = only(bad, "invalid-smiley")
    assert (f.severity, f.sheet, f.cell) == (Severity.ERROR, SHEET, cell)
    assert f"'{value}'" in f.message
    assert result.exit_code == 1


# ------------------------------------------------------------ missing-rating


def test_missing_rating_is_a_warning(issued_ws: Workspace) -> None:
    ws = issued_ws
    add_good_returns(ws)
    layout = bad_layout(ws)
    smiley = next(i for i in layout.inputs if i.kind == "smiley")
    path = spoil(ws, "mangler_smiley.xlsx", values={smiley.address: None})
    result, files = run(ws)
    bad = files[path.name]
    assert bad.verdict == "accepted"
    f = only(bad, "missing-rating")
    assert (f.severity, f.sheet, f.cell) == (Severity.WARNING, SHEET, smiley.address)
    row = int(smiley.address[1:]) - 1
    label = next(c.value for c in layout.cells if c.row == row and c.col == COL_TEXT)
    assert label[:40] in f.message
    assert result.exit_code == 0
    # The empty answer is flagged as missing for that item.
    missing = [fl for fl in result.flags if "missing" in fl.kinds]
    assert [(fl.center, fl.item_key) for fl in missing] == [(BAD, smiley.item_key)]


def test_a_missing_smiley_is_named_by_its_initiative_and_line(issued_ws: Workspace) -> None:
    """'Der mangler en smiley ved -0,8 mio. kr.' did not say whose economy it was: the
    finding names the initiative's number, the line and its text, from the register."""
    ws = issued_ws
    add_good_returns(ws)
    layout = bad_layout(ws)
    register = ws.load_register()
    asked = {i.item_key: i.address for i in layout.inputs if i.kind == "smiley"}
    ini = next(
        i
        for i in register.initiatives
        if i.center == BAD
        and i.economy_key in asked
        and any(ms.key in asked for ms in i.milestones)
    )
    first = next(ms for ms in ini.milestones if ms.key in asked)
    path = spoil(
        ws, "to_mangler.xlsx", values={asked[ini.economy_key]: None, asked[first.key]: None}
    )
    _, files = run(ws)
    found = [(f.code, f.cell, f.value) for f in files[path.name].findings]
    assert sorted(found) == sorted(
        [
            ("missing-rating", asked[ini.economy_key], f"{ini.number} Økonomi: {ini.economy}"),
            ("missing-rating", asked[first.key], f"{ini.number} Milepæl: {first.text}"),
        ]
    )


# ---------------------------------------------------------- comment-too-long


def test_comment_too_long(issued_ws: Workspace) -> None:
    ws = issued_ws
    add_good_returns(ws)
    cell = inputs_of(bad_layout(ws), "comment")[0]
    path = spoil(ws, "lang_kommentar.xlsx", values={cell: "x" * (COMMENT_MAX + 1)})
    # A comment of exactly the maximum is fine.
    at_max = ws.inbox_dir(3) / "praecis_max.xlsx"
    values = complete_values(ws, "Økonomi og Styring")
    _, eco_layout = issued_for(ws, "Økonomi og Styring")
    values[inputs_of(eco_layout, "comment")[0]] = "y" * COMMENT_MAX
    fill(ws, "Økonomi og Styring", values, at_max)
    result, files = run(ws)
    bad = files[path.name]
    assert bad.verdict == "rejected"
    f = only(bad, "comment-too-long")
    assert (f.severity, f.sheet, f.cell) == (Severity.ERROR, SHEET, cell)
    assert str(COMMENT_MAX + 1) in f.message
    assert str(COMMENT_MAX) in f.message
    assert files[at_max.name].verdict == "accepted"
    assert files[at_max.name].findings == []
    assert result.exit_code == 1


# -------------------------------------------------------------- formula-text


@pytest.mark.parametrize(
    ("comment", "prefix"),
    [("=1+1", "="), ("-forsinket", "-"), ("+45 forsinket", "+"), ("@direktionen", "@")],
)
def test_formula_text_is_a_warning(issued_ws: Workspace, comment: str, prefix: str) -> None:
    ws = issued_ws
    add_good_returns(ws)
    layout = bad_layout(ws)
    comment_cell = next(i for i in layout.inputs if i.kind == "comment")
    path = spoil(ws, "formel_tekst.xlsx", values={comment_cell.address: comment})
    result, files = run(ws)
    bad = files[path.name]
    assert bad.verdict == "accepted"
    f = only(bad, "formula-text")
    assert (f.severity, f.sheet, f.cell) == (Severity.WARNING, SHEET, comment_cell.address)
    assert f"'{prefix}'" in f.message
    assert result.exit_code == 0
    with Ledger(ws.ledger_path) as ledger:
        stored = {r.item_key: r.comment for r in ledger.accepted_ratings() if r.round == 3}
    assert stored[comment_cell.item_key] == comment


@pytest.mark.parametrize("smiley", ["☺", None], ids=["smiley-given", "smiley-empty"])
def test_formula_in_comment_cell_is_a_warning(issued_ws: Workspace, smiley: str | None) -> None:
    """A real formula typed into a comment cell is flagged at that cell; the file counts.

    With the smiley left empty, the cells before the comment are empty
    (self-closing ``<c .../>`` elements) in the saved sheet.
    """
    ws = issued_ws
    add_good_returns(ws)
    layout = bad_layout(ws)
    smiley_cell = inputs_of(layout, "smiley")[0]
    cell = inputs_of(layout, "comment")[0]

    def edit(wb: openpyxl.Workbook) -> None:
        wb[SHEET][cell] = "=1+1"  # openpyxl stores this as a formula

    path = spoil(ws, "formel.xlsx", values={smiley_cell: smiley}, edit=edit)
    result, files = run(ws)
    bad = files[path.name]
    assert bad.verdict == "accepted"
    got = {(f.code, f.cell, f.severity) for f in bad.findings}
    expected = {("formula-in-cell", cell, Severity.WARNING)}
    if smiley is None:
        expected.add(("missing-rating", smiley_cell, Severity.WARNING))
    assert got == expected
    assert result.exit_code == 0


# ---------------------------------------------------------------- superseded


def _return_with(
    ws: Workspace,
    center: str,
    smiley: str,
    comment: str,
    target: Path,
    saved_at: dt.datetime | None = None,
) -> Path:
    _, layout = issued_for(ws, center)
    values: dict[str, object] = {a: smiley for a in inputs_of(layout, "smiley")}
    values.update({a: comment for a in inputs_of(layout, "comment")})
    return fill(ws, center, values, target, saved_at=saved_at)


def _hours_ago(hours: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)


def _age(path: Path, seconds_ago: float) -> None:
    stamp = time.time() - seconds_ago
    os.utime(path, (stamp, stamp))


def test_superseded_latest_return_counts(issued_ws: Workspace) -> None:
    ws = issued_ws
    add_good_returns(ws)
    # Names and file times both point the other way: the time each workbook says it
    # was saved decides (file times change with every copy, unzip and mail client).
    inbox = ws.inbox_dir(3)
    first = _return_with(ws, BAD, "☹", "Første svar", inbox / "z_foerste.xlsx", _hours_ago(2))
    second = _return_with(ws, BAD, "😐", "Rettet svar", inbox / "a_rettet.xlsx", _hours_ago(1))
    _age(first, 60)
    _age(second, 3600)
    result, files = run(ws)
    assert files[second.name].verdict == "accepted"
    assert files[second.name].findings == []
    old = files[first.name]
    assert old.verdict == "superseded"
    f = only(old, "superseded")
    assert f.severity is Severity.INFO
    assert second.name in f.message
    assert "gemt" in f.message  # says why: saved later
    assert result.exit_code == 0

    _, layout = issued_for(ws, BAD)
    keys = {i.item_key for i in layout.inputs}
    with Ledger(ws.ledger_path) as ledger:
        ratings = [r for r in ledger.accepted_ratings() if r.round == 3 and r.item_key in keys]
        received = {r.original_name: r for r in ledger.received(3)}
    assert len(ratings) == len(keys)
    assert {r.smiley.value for r in ratings if r.smiley} == {"yellow"}
    assert {r.comment for r in ratings} == {"Rettet svar"}
    assert all(r.source.startswith(f"{second.name}!{SHEET}!") for r in ratings)
    assert received[first.name].verdict == "superseded"
    assert received[first.name].superseded_by == received[second.name].id
    # The earlier file is kept, untouched, in the archive.
    assert (ws.archive_dir(3) / f"{old.sha256}.xlsx").read_bytes() == first.read_bytes()
    rows = _ratings_csv_round3(ws, BAD)
    assert {r["rating"] for r in rows} == {"yellow"}
    assert {r["source"].split("!")[0] for r in rows} == {second.name}


def _ratings_csv_round3(ws: Workspace, center: str) -> list[dict[str, str]]:
    """The center's round-3 rows that were asked (not those marked "ikke relevant")."""
    import csv

    with ws.ratings_csv(3).open(encoding="utf-8-sig", newline="") as fh:
        return [
            r
            for r in csv.DictReader(fh)
            if r["round"] == "3" and r["center"] == center and r["state"] != "not-applicable"
        ]


def test_superseded_by_a_return_in_a_later_collect(issued_ws: Workspace) -> None:
    ws = issued_ws
    add_good_returns(ws)
    first = _return_with(ws, BAD, "☹", "Første svar", ws.inbox_dir(3) / "foerste.xlsx")
    _age(first, 3600)
    _, files = run(ws)
    assert files[first.name].verdict == "accepted"
    second = _return_with(ws, BAD, "☺", "Nu er det i orden", ws.inbox_dir(3) / "anden.xlsx")
    _, files = run(ws)
    assert files[second.name].verdict == "accepted"
    assert files[first.name].verdict == "superseded"
    assert {r["rating"] for r in _ratings_csv_round3(ws, BAD)} == {"green"}


def test_rejected_later_return_does_not_replace_an_accepted_one(issued_ws: Workspace) -> None:
    ws = issued_ws
    add_good_returns(ws)
    # Both saved in the same second (explicitly: the clock may tick between them).
    saved = dt.datetime(2017, 10, 20, 12, 0, tzinfo=dt.UTC)
    first = _return_with(
        ws, BAD, "😐", "Gyldigt svar", ws.inbox_dir(3) / "gyldig.xlsx", saved_at=saved
    )
    cell = inputs_of(bad_layout(ws), "smiley")[0]
    second = spoil(ws, "ugyldig.xlsx", values={cell: "måske"})
    set_saved_at(second, saved)
    result, files = run(ws)
    assert files[first.name].verdict == "accepted"
    assert files[second.name].verdict == "rejected"
    assert {r["rating"] for r in _ratings_csv_round3(ws, BAD)} == {"yellow"}
    assert not [fl for fl in result.flags if "not-returned" in fl.kinds and fl.center == BAD]
    # In one batch the accepted return counts and the center is fine.
    assert result.exit_code == 0
    # A rejected file arriving later, after the accepted one, needs a person.
    third = spoil(ws, "ugyldig_igen.xlsx", values={cell: "ved ikke"})
    result, files = run(ws)
    assert files[third.name].verdict == "rejected"
    assert files[first.name].verdict == "accepted" and files[first.name].repeated
    assert result.state is not None
    assert result.state.center(BAD).state == "accepted-later-rejected"
    assert result.exit_code == 1


# -------------------------------------------------------------- file-skipped


def test_file_skipped_lock_and_hidden_files(issued_ws: Workspace) -> None:
    ws = issued_ws
    add_good_returns(ws)
    inbox = ws.inbox_dir(3)
    lock = inbox / f"~${good_name(GOOD[0])}"
    lock.write_bytes(b"\x0bDigi bruger" + b"\x00" * 40 + b"\x0bDigi bruger" + b"\x20" * 60)
    hidden = inbox / ".digi_kopi.xlsx"
    fill_all_green(ws, BAD, hidden)
    result, files = run(ws)
    for path in (lock, hidden):
        skipped = files[path.name]
        assert skipped.verdict == "skipped"
        f = only(skipped, "file-skipped")
        assert f.severity is Severity.INFO
        assert (f.sheet, f.cell) == ("", "")
    assert result.count(Verdict.ACCEPTED) == len(GOOD)
    assert result.exit_code == 0
    # Skipped files are neither archived nor recorded; the hidden copy does not count.
    assert len(list(ws.archive_dir(3).iterdir())) == len(GOOD)
    with Ledger(ws.ledger_path) as ledger:
        assert {r.original_name for r in ledger.received(3)} == {good_name(c) for c in GOOD}
    assert [fl.center for fl in result.flags if "not-returned" in fl.kinds].count(BAD) == 1


# --------------------------------------------------------------- exit codes


def test_exit_code_zero_when_every_file_is_accepted(issued_ws: Workspace) -> None:
    ws = issued_ws
    add_good_returns(ws)
    layout = bad_layout(ws)
    # Warnings (missing smiley, formula-like text) and skipped files do not fail a run.
    spoil(
        ws,
        "advarsler.xlsx",
        values={
            inputs_of(layout, "smiley")[0]: None,
            inputs_of(layout, "comment")[1]: "-forsinket",
        },
    )
    (ws.inbox_dir(3) / "~$advarsler.xlsx").write_bytes(b"lock")
    result, files = run(ws)
    assert files["advarsler.xlsx"].verdict == "accepted"
    assert set(result.report.codes()) == {"missing-rating", "formula-text", "file-skipped"}
    assert result.report.errors == []
    assert result.exit_code == 0


def test_exit_code_one_when_a_file_is_rejected(issued_ws: Workspace) -> None:
    ws = issued_ws
    add_good_returns(ws)
    (ws.inbox_dir(3) / "noter.xlsx").write_text("ikke en projektmappe", encoding="utf-8")
    result, _ = run(ws)
    assert result.count(Verdict.REJECTED) == 1
    assert result.exit_code == 1


# ------------------------------------------------------------- English texts

DANISH_WORDS = (
    "ikke",
    "ingen",
    "række",
    "ventede",
    "fandt",
    "låsefil",
    "skjult",
    "projektmappe",
    "tekst",
)


def test_messages_in_english(issued_ws: Workspace) -> None:
    ws = issued_ws
    add_good_returns(ws)
    inbox = ws.inbox_dir(3)
    layout = bad_layout(ws)
    smiley = inputs_of(layout, "smiley")[0]
    # One file per code whose message holds no Danish text from the register.
    spoil(ws, "invalid.xlsx", values={smiley: "ok"})
    spoil(ws, "rows.xlsx", edit=lambda wb: wb[SHEET].insert_rows(_body_row(layout)))
    spoil(ws, "sheet.xlsx", edit=lambda wb: setattr(wb[SHEET], "title", "Other"))
    (inbox / "text.xlsx").write_text("not a workbook", encoding="utf-8")
    (inbox / "empty.xlsx").write_bytes(b"")
    fresh = openpyxl.Workbook()
    fresh.save(inbox / "fresh.xlsx")
    (inbox / "~$lock.xlsx").write_bytes(b"lock")
    shutil.copyfile(inbox / good_name(GOOD[0]), inbox / ".hidden.xlsx")
    _, files = run(ws, lang="en")

    expected_start = {
        "invalid.xlsx": ("invalid-smiley", "'ok' is not a valid smiley"),
        "rows.xlsx": ("rows-changed", "The rows were changed ("),
        "sheet.xlsx": ("sheet-missing", "The sheet 'Status' is missing"),
        "text.xlsx": ("file-not-workbook", "The file is not an Excel workbook but "),
        "empty.xlsx": ("file-empty", "The file is empty (0 bytes)."),
        "fresh.xlsx": ("not-issued", "The workbook was not issued from this workspace ("),
        "~$lock.xlsx": ("file-skipped", "The file was skipped ("),
        ".hidden.xlsx": ("file-skipped", "The file was skipped ("),
    }
    danish = []
    for name, (code, start) in expected_start.items():
        f = only(files[name], code)
        assert f.render("en").startswith(start), f.render("en")
        if any(word in f.render("en").casefold() for word in DANISH_WORDS):
            danish.append(f"{name}: {f.render('en')}")
    assert danish == [], "Danish text in English messages:\n" + "\n".join(danish)
    # findings.csv carries the same English messages.
    text = ws.findings_csv(3).read_text(encoding="utf-8-sig")
    assert "is not a valid smiley" in text


def test_messages_in_english_when_collected_again(issued_ws: Workspace) -> None:
    """A file first collected in Danish is reported in English on an English re-run."""
    ws = issued_ws
    add_good_returns(ws)
    smiley = inputs_of(bad_layout(ws), "smiley")[0]
    path = spoil(ws, "invalid.xlsx", values={smiley: "ok"})
    _, files = run(ws)
    assert only(files[path.name], "invalid-smiley").message.startswith("'ok' er ikke")
    _, files = run(ws, lang="en")
    f = only(files[path.name], "invalid-smiley")
    assert files[path.name].repeated
    assert f.render("en") == "'ok' is not a valid smiley; pick ☺, 😐 or ☹ from the list."


def test_validate_file_checks_without_recording(issued_ws: Workspace) -> None:
    """``validate_file`` gives the collector's verdict and records or writes nothing."""
    ws = issued_ws
    smiley = inputs_of(bad_layout(ws), "smiley")[0]
    bad = spoil(ws, "invalid.xlsx", values={smiley: "ok"})
    good = fill_all_green(ws, GOOD[0], ws.inbox_dir(3) / good_name(GOOD[0]))

    verdict = validate_file(ws, bad)
    assert not verdict.accepted
    assert (verdict.center, verdict.round) == (BAD, 3)
    assert [(f.code, f.cell) for f in verdict.findings] == [("invalid-smiley", smiley)]
    ok = validate_file(ws, good, 3)
    assert ok.accepted
    assert ok.findings == []
    assert len(ok.ratings) == len(inputs_of(issued_for(ws, GOOD[0])[1]))

    with Ledger(ws.ledger_path) as ledger:
        assert ledger.received(3) == []
    assert not ws.master_path(3).exists()
    assert list(ws.archive_dir(3).iterdir()) == []


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        # Excel on a Danish Windows saves "CSV (semikolonsepareret)" in its code page.
        ("Nr.;Smiley;Kommentar\r\n1.01;Grøn;Går efter planen\r\n".encode("cp1252"), "csv"),
        # UTF-8 cut in the middle of an "ø" by the 2,048 bytes sniffed.
        (("x" * 2047 + "ø;a\n").encode("utf-8"), "text"),
        (("a;b\n" + "ø" * 2000).encode("utf-8"), "csv"),
        # Excel's "Unicode text": UTF-16 with its byte order mark, tab-separated.
        (codecs.BOM_UTF16_LE + "Nr.\tSmiley\n1.01\tGrøn\n".encode("utf-16-le"), "csv"),
        (b"\x00\x01\x02binary\xff\xfe", "unknown"),
    ],
    ids=["cp1252-csv", "utf8-cut-in-a-char", "utf8-csv", "utf16-text", "binary"],
)
def test_a_file_that_is_no_workbook_is_named_for_what_it_is(
    tmp_path: Path, data: bytes, kind: str
) -> None:
    """A second trial's CSV, saved by Excel on Windows, was "et ukendt format": only UTF-8
    was tried, and a character cut by the bytes sniffed made UTF-8 fail too."""
    path = tmp_path / "retur.csv"
    path.write_bytes(data)
    assert sniff(path) == ("", Problem("file-not-workbook", kind))
