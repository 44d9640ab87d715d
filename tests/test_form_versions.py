"""The form changes between rounds and history stays joined by id: finance adds a
number field, relabels another and removes a milestone after round 1; round 2's
master and ratings.csv keep round 1's answers under the same field ids (and the
removed milestone's answers, marked), and each round records the form it issued."""

from __future__ import annotations

import csv

import openpyxl

from sheetflow.collect import collect_round
from sheetflow.contract import META_SHEET
from sheetflow.form import form_from_json
from sheetflow.issue import form_version, issue_round
from sheetflow.ledger import Ledger
from sheetflow.workspace import Workspace
from test_form_workbook import CENTER, GOOD, _fill, _keys, issued  # noqa: F401

COST_ROW = 3  # the Spørgsmål row of "cost" (1-based, after the header)


def _change_form(ws: Workspace) -> None:
    wb = openpyxl.load_workbook(ws.register_path)
    q = wb["Spørgsmål"]
    assert q.cell(COST_ROW + 1, 1).value == "cost"
    q.cell(COST_ROW + 1, 5).value = "Prognose (kr.)"
    q.insert_rows(COST_ROW + 2)
    spent = ["spent", "delelement", "tal", "", "Forbrugt", "Spent", "", "", "", 0]
    for col, value in enumerate(spent, start=1):
        q.cell(COST_ROW + 2, col).value = value
    ms = wb["Milepæle"]
    row = next(
        r[0].row
        for r in ms.iter_rows(min_row=2)
        if "Stillingerne er slået op" in [c.value for c in r]
    )
    ms.delete_rows(row)
    wb.save(ws.register_path)


def _fill_round2(ws: Workspace) -> None:
    from test_form_workbook import _cells

    src = ws.issued_dir(2) / next(p.name for p in ws.issued_dir(2).glob("Boern*.xlsx"))
    wb = openpyxl.load_workbook(src)
    sheet = wb["Status"]
    columns, rows = _cells(sheet)
    columns = {label.removesuffix(" 2. opf."): col for label, col in columns.items()}
    k = _keys(ws)
    sheet[f"{columns['Prognose (kr.)']}{rows[k['ini1']]}"] = 1_300_000
    sheet[f"{columns['Forbrugt']}{rows[k['ini1']]}"] = 400_000
    sheet[f"{columns['Status']}{rows[k['ini1']]}"] = "Gul"
    wb.save(ws.inbox_dir(2) / src.name)


def test_round_two_keeps_round_ones_answers_joined_by_id(issued: Workspace) -> None:  # noqa: F811
    _fill(issued, GOOD)
    assert [f.verdict.value for f in collect_round(issued, 1).files] == ["accepted"]
    _change_form(issued)
    issue_round(issued, 2, [CENTER])
    _fill_round2(issued)
    (file,) = collect_round(issued, 2).files
    assert file.verdict.value == "accepted", [(f.code, f.cell) for f in file.findings]

    with issued.ratings_csv(2).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    mine = [r for r in rows if r["center"] == CENTER and r["number"] == "2.01"]
    assert list(rows[0])[-8:] == [
        "rag", "cost", "spent", "count", "finish", "ok", "missing_fields",
        "not_applicable_fields",
    ]  # fmt: skip
    got = [
        (r["round"], r["item"], r["milestone_text"], r["rating"], r["rag"], r["cost"],
         r["spent"], r["count"], r["finish"])
        for r in mine
    ]  # fmt: skip
    assert got == [
        ("1", "initiative", "", "", "R", "1234567.5", "", "", "2027-03-31"),
        ("1", "milestone", "Stillingerne er slået op", "red", "", "", "", "7", ""),
        ("1", "economy", "", "green", "", "", "", "", ""),
        ("2", "initiative", "", "", "A", "1300000", "400000", "", ""),
        ("2", "milestone", "Alle stillinger er besat", "", "", "", "", "", ""),
        ("2", "economy", "", "", "", "", "", "", ""),
    ]

    sheet = openpyxl.load_workbook(issued.master_path(2))["Svar"]
    table = list(sheet.iter_rows(min_row=3, values_only=True))
    assert table[0][4:] == (
        "Status", "Prognose (kr.)", "Forbrugt", "Antal", "Forventet færdig",
        "Holder budgettet?", "Markeret",
    )  # fmt: skip
    first = [r[3:8] for r in table if r[0] == "1. opf." and r[2] == "2.01"]
    assert first == [
        ("Flere pædagoger i vuggestuerne", "Rød", 1234567.5, "ikke spurgt", "ikke spurgt"),
        ("Stillingerne er slået op (udgået)", "ikke spurgt", "ikke spurgt", "ikke spurgt", 7),
        ("Økonomi", "ikke spurgt", "ikke spurgt", "ikke spurgt", "ikke spurgt"),
    ]
    second = [r[3:8] for r in table if r[0] == "2. opf." and r[2] == "2.01"]
    assert second[0] == ("Flere pædagoger i vuggestuerne", "Gul", 1_300_000, 400_000, "ikke spurgt")

    with Ledger(issued.ledger_path) as ledger:
        forms = ledger.forms_issued()
        versions = {i.round: json_meta(issued, i.file) for r in (1, 2) for i in ledger.issued(r)}
    assert sorted(forms) == [1, 2] and all(len(v) == 1 for v in forms.values())
    one, two = form_from_json(forms[1][0]), form_from_json(forms[2][0])
    assert [f.id for f in one.fields] == [
        "smiley",
        "rag",
        "cost",
        "count",
        "finish",
        "ok",
        "comment",
    ]
    assert [f.id for f in two.fields] == [
        "smiley", "rag", "cost", "spent", "count", "finish", "ok", "comment",
    ]  # fmt: skip
    assert (one.fields[2].label(), two.fields[2].label()) == ("Forventet pris", "Prognose (kr.)")
    assert versions == {1: form_version(forms[1][0]), 2: form_version(forms[2][0])}


def json_meta(ws: Workspace, file: str) -> str:
    """The workbook's form_version metadata, as its hidden sheet holds it."""
    meta = openpyxl.load_workbook(ws.root / file)[META_SHEET]
    return next(str(r[1]) for r in meta.iter_rows(values_only=True) if r[0] == "form_version")


def test_a_return_on_an_earlier_version_is_mapped_forward_by_id(issued: Workspace) -> None:  # noqa: F811
    """Round 1 re-issued after finance retired "Antal": a center returns the first
    version. Its answers are read through that version's layout; the one the latest
    version no longer asks is a finding at its cell and is not kept."""
    old = _fill(issued, GOOD)  # version 1, filled; lies in the inbox
    from test_form_workbook import _address

    count_cell = _address(issued, "m1", "count")
    held = old.with_name("held back.xlsx")
    old.rename(held)
    wb = openpyxl.load_workbook(issued.register_path)
    q = wb["Spørgsmål"]
    row = next(r[0].row for r in q.iter_rows(min_row=2) if r[0].value == "count")
    q.cell(row, 15).value = "ja"  # Udgået
    wb.save(issued.register_path)
    issue_round(issued, 1, [CENTER], force=True)
    held.rename(old)
    (file,) = collect_round(issued, 1).files
    assert (file.verdict.value, [(f.code, f.cell, f.value) for f in file.findings]) == (
        "accepted",
        [("answer-no-longer-asked", count_cell, "Antal")],
    )
    k = _keys(issued)
    with Ledger(issued.ledger_path) as ledger:
        kept = {(a.item_key, a.field_id) for a in ledger.accepted_answers()}
        assert len(ledger.issued(1)) == 4  # three centers, then a second version for one
    assert (k["m1"], "count") not in kept
    assert {(k["m1"], "smiley"), (k["m1"], "comment"), (k["ini1"], "cost")} <= kept
