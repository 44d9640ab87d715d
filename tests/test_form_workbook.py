"""A form of finance's own, end to end: the center workbook gets one input column per
field with its Excel validation, prompt and format; the collector reads each cell
through the layout, gives one finding per bad cell and stores typed answers.

A person's seat: finance edits the starter register's Spørgsmål sheet, issues
round 1, a center fills in its workbook (openpyxl: around the validation, as a
script or another program would) and finance collects. Cells are found the way
a person finds them: by the column's heading and the row's key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from sheetflow.answers import NOT_APPLICABLE, Answer
from sheetflow.collect import collect_round
from sheetflow.issue import issue_round, workbook_filename
from sheetflow.ledger import Ledger
from sheetflow.register import init_workspace
from sheetflow.smiley import Smiley
from sheetflow.workspace import Workspace

# Id, Gælder, Type, Valgliste, Spørgsmål, (en), Hjælp, (en), Skal, Min, Max, Maks, IR, flag
QUESTIONS = [
    ["smiley", "milepæl, økonomi", "smiley", "", "Smiley", "Smiley", "", "", "ja",
     None, None, None, "", "rød"],
    ["rag", "delelement", "valg", "RAG", "Status", "Status", "Grøn, gul eller rød",
     "Green, amber or red", "ja", None, None, None, "", "R"],
    ["cost", "delelement", "tal", "", "Forventet pris", "Forecast cost", "Hele kroner",
     "Whole kroner", "", 0, None, None, "ja", "> 1000000"],
    ["count", "milepæl", "heltal", "", "Antal", "Count", "", "", "", 1, 100, None, "", ""],
    ["finish", "delelement", "dato", "", "Forventet færdig", "Expected finish", "", "", "",
     "01.01.2026", "31.12.2030", None, "", ""],
    ["ok", "økonomi", "ja/nej", "", "Holder budgettet?", "Within budget?", "", "", "",
     None, None, None, "", "nej"],
    ["comment", "milepæl, økonomi", "tekst", "", "Kommentar", "Comment", "", "", "",
     None, None, 20, "", ""],
]  # fmt: skip
CHOICES = [["RAG", "G", "Grøn", "Green"], ["RAG", "A", "Gul", "Amber"], ["RAG", "R", "Rød", "Red"]]
CENTER = "Børn og Unge"


def _own_form(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    q, v = wb["Spørgsmål"], wb["Valg"]
    q.delete_rows(2, q.max_row)
    v.delete_rows(2, v.max_row)
    for row in QUESTIONS:
        q.append(row)
    for row in CHOICES:
        v.append(row)
    wb.save(path)


@pytest.fixture
def issued(tmp_path: Path) -> Workspace:
    ws = Workspace.at(tmp_path / "Økonomi ws")
    init_workspace(ws, "example", example="starter")
    _own_form(ws.register_path)
    issue_round(ws, 1)
    return ws


def _workbook(ws: Workspace) -> Path:
    rnd = ws.load_register().rounds[0]
    return ws.issued_dir(1) / workbook_filename(CENTER, rnd)


def _cells(sheet: openpyxl.worksheet.worksheet.Worksheet) -> tuple[dict[str, str], dict[str, int]]:
    """Column letter by heading (without the round) and row number by key."""
    columns = {str(c.value).removesuffix(" 1. opf."): c.column_letter for c in sheet[4] if c.value}
    rows = {str(c.value): c.row for c in sheet["A"] if c.value}
    return columns, rows


def _keys(ws: Workspace) -> dict[str, str]:
    """The starter's two Børn og Unge initiatives: (D531e87: two milestones due in round 1
    and an economy line; Dd800b5: an economy line)."""
    register = ws.load_register()
    first, second = register.initiatives_for(CENTER)
    return {
        "ini1": first.key,
        "m1": first.milestones[0].key,
        "e1": first.economy_key,
        "ini2": second.key,
        "e2": second.economy_key,
    }


def test_one_input_column_per_field_with_its_validation_prompt_and_format(
    issued: Workspace,
) -> None:
    sheet = openpyxl.load_workbook(_workbook(issued))["Status"]
    columns, rows = _cells(sheet)
    k = _keys(issued)
    assert [c for c in columns if c not in ("Nøgle", "Nr.", "Delelement / milepæl", "Tid")] == [
        "Smiley",
        "Status",
        "Forventet pris",
        "Antal",
        "Forventet færdig",
        "Holder budgettet?",
        "Kommentar",
    ]
    col = {f[0]: columns[f[4]] for f in QUESTIONS}
    # An initiative row asks the initiative's fields; a milestone and an economy line theirs.
    open_cells = {
        f"{c.column_letter}{c.row}"
        for row in sheet.iter_rows(min_row=5)
        for c in row
        if c.protection.locked is False
    }
    by_row = {
        key: sorted(f for f, letter in col.items() if f"{letter}{rows[k[key]]}" in open_cells)
        for key in k
    }
    assert by_row == {
        "ini1": ["cost", "finish", "rag"],
        "m1": ["comment", "count", "smiley"],
        "e1": ["comment", "ok", "smiley"],
        "ini2": ["cost", "finish", "rag"],
        "e2": ["comment", "ok", "smiley"],
    }
    validations = {str(dv.sqref).split()[0][0]: dv for dv in sheet.data_validations.dataValidation}
    cost = validations[col["cost"]]
    cost_cell = f"{col['cost']}{rows[k['ini1']]}"
    assert (cost.type, cost.formula1) == (
        "custom",
        f'OR(AND(ISNUMBER({cost_cell}),{cost_cell}>=0),{cost_cell}="ikke relevant")',
    )
    assert (cost.promptTitle, cost.prompt, cost.errorStyle) == (
        "Forventet pris",
        "Hele kroner",
        None,
    )
    assert cost.error == "Skriv et tal (>= 0)."
    assert str(cost.sqref) == f"{cost_cell} {col['cost']}{rows[k['ini2']]}"
    rag = validations[col["rag"]]
    assert (rag.type, rag.formula1, rag.prompt) == ("list", '"Grøn,Gul,Rød"', "Grøn, gul eller rød")
    count = validations[col["count"]]
    assert (count.type, count.operator, count.formula1, count.formula2) == (
        "whole",
        None,  # between
        "1",
        "100",
    )
    finish = validations[col["finish"]]
    # Excel serials of 01.01.2026 and 31.12.2030 (days since 30.12.1899).
    assert (finish.type, finish.formula1, finish.formula2) == ("date", "46023", "47848")
    assert (validations[col["ok"]].type, validations[col["ok"]].formula1) == ("list", '"ja,nej"')
    text = validations[col["comment"]]
    assert (text.type, text.operator, text.formula1) == ("textLength", "lessThanOrEqual", "20")
    assert validations[col["smiley"]].formula1 == '"☺,😐,☹"'
    assert sheet[cost_cell].number_format == "#,##0.00"
    assert sheet[f"{col['count']}{rows[k['m1']]}"].number_format == "#,##0"
    assert sheet[f"{col['finish']}{rows[k['ini1']]}"].number_format == "dd.mm.yyyy"


def test_the_english_workbook_labels_and_dates_in_english(tmp_path: Path) -> None:
    ws = Workspace.at(tmp_path / "ws")
    init_workspace(ws, "example", example="starter")
    _own_form(ws.register_path)
    issue_round(ws, 1, lang="en")
    sheet = openpyxl.load_workbook(_workbook(ws))["Status"]
    headers = [c.value for c in sheet[4]][4:]
    assert headers == [
        f"{label} Round 1"
        for label in (
            "Smiley",
            "Status",
            "Forecast cost",
            "Count",
            "Expected finish",
            "Within budget?",
            "Comment",
        )
    ]
    columns = {str(c.value).removesuffix(" Round 1"): c.column_letter for c in sheet[4] if c.value}
    rows = {str(c.value): c.row for c in sheet["A"] if c.value}
    first = _keys(ws)["ini1"]
    assert sheet[f"{columns['Expected finish']}{rows[first]}"].number_format == "yyyy-mm-dd"
    rag = next(dv for dv in sheet.data_validations.dataValidation if dv.type == "list")
    assert rag.formula1 in ('"☺,😐,☹"', '"Green,Amber,Red"')
    lists = sorted(dv.formula1 for dv in sheet.data_validations.dataValidation if dv.type == "list")
    assert lists == ['"Green,Amber,Red"', '"yes,no"', '"☺,😐,☹"']
    errors = sorted(str(dv.error) for dv in sheet.data_validations.dataValidation)
    assert errors == [
        "At most 20 characters.",
        "Pick from the list: Green, Amber, Red",
        "Pick from the list: yes, no",
        "Pick from the list: ☺, 😐, ☹",
        "Write a date, e.g. 2026-12-31 (2026-01-01 – 2030-12-31).",
        "Write a number (>= 0).",
        "Write a whole number (1 – 100).",
    ]


def _fill(ws: Workspace, values: dict[tuple[str, str], object]) -> Path:
    """Write ``values`` ((item, field) → value) into the center's workbook with openpyxl
    and put it in the inbox."""
    src = _workbook(ws)
    wb = openpyxl.load_workbook(src)
    sheet = wb["Status"]
    columns, rows = _cells(sheet)
    col = {f[0]: columns[f[4]] for f in QUESTIONS}
    k = _keys(ws)
    for (item, field_id), value in values.items():
        sheet[f"{col[field_id]}{rows[k[item]]}"] = value
    target = ws.inbox_dir(1) / src.name
    wb.save(target)
    return target


def _address(ws: Workspace, item: str, field_id: str) -> str:
    sheet = openpyxl.load_workbook(_workbook(ws))["Status"]
    columns, rows = _cells(sheet)
    label = next(f[4] for f in QUESTIONS if f[0] == field_id)
    return f"{columns[label]}{rows[_keys(ws)[item]]}"


GOOD = {
    ("ini1", "rag"): "Rød",
    ("ini1", "cost"): "1.234.567,5",
    ("ini1", "finish"): dt.datetime(2027, 3, 31),
    ("m1", "smiley"): "☹",
    ("m1", "count"): 7,
    ("m1", "comment"): "Forsinket",
    ("e1", "smiley"): "☺",
    ("e1", "ok"): "nej",
    ("ini2", "rag"): "g",
    ("ini2", "cost"): "ikke relevant",
    ("ini2", "finish"): "31.12.2028",
    ("e2", "smiley"): "😐",
    ("e2", "ok"): True,
}


def test_every_field_type_is_stored_typed(issued: Workspace) -> None:
    _fill(issued, GOOD)
    result = collect_round(issued, 1)
    assert [(f.verdict.value, [x.code for x in f.findings]) for f in result.files] == [
        ("accepted", [])
    ]
    k = _keys(issued)
    with Ledger(issued.ledger_path) as ledger:
        got = ledger.accepted_answers()
        stored = {
            (r[0], r[1]): (r[2], r[3], r[4])
            for r in ledger.db.execute(
                "SELECT item_key, field_id, state, typeof(number), typeof(text) FROM answers"
            )
        }
    m2 = issued.load_register().initiatives_for(CENTER)[0].milestones[1].key  # not due yet
    assert got == [
        Answer(1, k["ini1"], "rag", "R", CENTER),
        Answer(1, k["ini1"], "cost", 1234567.5, CENTER),
        Answer(1, k["ini1"], "finish", dt.date(2027, 3, 31), CENTER),
        Answer(1, k["m1"], "smiley", Smiley.RED, CENTER),
        Answer(1, k["m1"], "count", 7, CENTER),
        Answer(1, k["m1"], "comment", "Forsinket", CENTER),
        Answer(1, k["e1"], "smiley", Smiley.GREEN, CENTER),
        Answer(1, k["e1"], "ok", False, CENTER),
        Answer(1, k["e1"], "comment", None, CENTER),
        Answer(1, k["ini2"], "rag", "G", CENTER),
        Answer(1, k["ini2"], "cost", NOT_APPLICABLE, CENTER),
        Answer(1, k["ini2"], "finish", dt.date(2028, 12, 31), CENTER),
        Answer(1, k["e2"], "smiley", Smiley.YELLOW, CENTER),
        Answer(1, k["e2"], "ok", True, CENTER),
        Answer(1, k["e2"], "comment", None, CENTER),
    ]
    assert isinstance(got[4].value, int) and isinstance(got[1].value, float)
    # Stored strictly: numbers in the number column, not as text; missing and not
    # applicable are states with no value.
    assert stored[(k["ini1"], "cost")] == ("answered", "real", "null")
    assert stored[(k["m1"], "count")] == ("answered", "real", "null")
    assert stored[(k["ini1"], "finish")] == ("answered", "null", "text")
    assert stored[(k["ini2"], "cost")] == ("not_applicable", "null", "null")
    assert stored[(k["e1"], "comment")] == ("missing", "null", "null")
    assert not {key for key in stored if key[0] == m2}  # not asked: no answer at all


def test_bad_values_written_around_the_validation_each_give_their_own_finding(
    issued: Workspace,
) -> None:
    bad = {
        **GOOD,
        ("ini1", "rag"): "Lilla",
        ("ini1", "cost"): "1,2 mio.",
        ("ini1", "finish"): "2025-06-30",
        ("m1", "smiley"): "jubii",
        ("m1", "count"): 7.5,
        ("m1", "comment"): "x" * 21,
        ("e1", "ok"): "måske",
        ("ini2", "cost"): "1.234",
        ("ini2", "finish"): "i morgen",
        ("e2", "smiley"): None,
    }
    _fill(issued, bad)
    (file,) = collect_round(issued, 1).files
    at = {key: _address(issued, *key) for key in bad}
    e2_text = "2.02 Økonomi: Besparelse på 1,5 mio. kr."  # initiative, row label, text
    assert [(f.code, f.cell, f.value, f.expected) for f in file.findings] == [
        ("answer-unknown-choice", at["ini1", "rag"], "Lilla", "Grøn, Gul, Rød"),
        ("answer-not-a-number", at["ini1", "cost"], "1,2 mio.", "1234,5 eller 1.234,5"),
        ("answer-out-of-range", at["ini1", "finish"], "2025-06-30", "01.01.2026 – 31.12.2030"),
        ("answer-unknown-choice", at["m1", "smiley"], "jubii", "☺, 😐, ☹"),
        ("answer-not-whole", at["m1", "count"], "7.5", "7"),
        ("answer-too-long", at["m1", "comment"], "x" * 21, "20"),
        ("answer-not-yes-no", at["e1", "ok"], "måske", "ja, nej"),
        ("answer-ambiguous-number", at["ini2", "cost"], "1.234", "1234,5 eller 1.234,5"),
        ("answer-not-a-date", at["ini2", "finish"], "i morgen", _date_forms()),
        ("missing-rating", at["e2", "smiley"], e2_text, ""),
    ]
    assert file.verdict.value == "rejected"
    with Ledger(issued.ledger_path) as ledger:
        assert ledger.accepted_answers() == []


def _date_forms() -> str:
    from sheetflow.register.dates import ACCEPTED_FORMS

    return ACCEPTED_FORMS


def test_a_workbook_sent_back_empty_is_no_answers_not_a_return(issued: Workspace) -> None:
    _fill(issued, {})
    (file,) = collect_round(issued, 1).files
    assert (file.verdict.value, [f.code for f in file.findings]) == ("no-answers", ["no-answers"])


def _csv(ws: Workspace, round_number: int = 1) -> list[dict[str, str]]:
    import csv

    with ws.ratings_csv(round_number).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_ratings_csv_has_one_typed_column_per_field(issued: Workspace) -> None:
    _fill(issued, GOOD)
    collect_round(issued, 1)
    rows = _csv(issued)
    typed = ["rag", "cost", "count", "finish", "ok", "missing_fields", "not_applicable_fields"]
    assert list(rows[0])[-len(typed) :] == typed
    mine = [
        (r["number"], r["item"], r["state"], r["rating"], r["comment"], *(r[c] for c in typed))
        for r in rows
        if r["center"] == CENTER
    ]
    assert mine == [
        ("2.01", "initiative", "answered", "", "", "R", "1234567.5", "", "2027-03-31", "", "", ""),
        ("2.01", "milestone", "answered", "red", "Forsinket", "", "", "7", "", "", "", ""),
        ("2.01", "economy", "answered", "green", "", "", "", "", "", "false", "", ""),
        ("2.02", "initiative", "answered", "", "", "G", "", "", "2028-12-31", "", "", "cost"),
        ("2.02", "economy", "answered", "yellow", "", "", "", "", "", "true", "", ""),
    ]  # fmt: skip


def test_the_master_shows_answers_typed_with_totals_and_flags_them(issued: Workspace) -> None:
    _fill(issued, GOOD)
    second = {
        ("ini2", "cost"): 250000,
        ("ini2", "rag"): "Gul",
    }
    result = collect_round(issued, 1)
    assert [f.verdict.value for f in result.files] == ["accepted"]
    # A corrected return: the second project now has a cost too.
    _fill(issued, {**GOOD, **second})
    collect_round(issued, 1)
    wb = openpyxl.load_workbook(issued.master_path(1))
    sheet = wb["Svar"]
    rows = [tuple(c for c in row) for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert rows[0] == (
        "Opfølgning", "Center", "Nr.", "Delelement / milepæl", "Status", "Forventet pris",
        "Antal", "Forventet færdig", "Holder budgettet?", "Markeret",
    )  # fmt: skip
    mine = [r for r in rows[1:] if r[1] in (CENTER, f"I alt {CENTER}", "I alt")]
    n = "ikke spurgt"
    assert mine == [
        ("1. opf.", CENTER, "2.01", "Flere pædagoger i vuggestuerne", "Rød", 1234567.5, n,
         dt.datetime(2027, 3, 31), n, "Status, Forventet pris"),
        ("1. opf.", CENTER, "2.01", "Stillingerne er slået op", n, n, 7, n, n, ""),
        ("1. opf.", CENTER, "2.01", "Økonomi", n, n, n, n, "nej", "Holder budgettet?"),
        ("1. opf.", CENTER, "2.02", "Ny skolestruktur", "Gul", 250000, n,
         dt.datetime(2028, 12, 31), n, ""),
        ("1. opf.", CENTER, "2.02", "Økonomi", n, n, n, n, "ja", ""),
        ("", f"I alt {CENTER}", "", "", "", 1484567.5, 7, "", "", ""),
        ("", "I alt", "", "", "", 1484567.5, 7, "", "", ""),
    ]  # fmt: skip
    cost_cell = next(c for c in sheet["F"] if c.value == 1234567.5)
    assert cost_cell.number_format == "#,##0.00" and cost_cell.data_type == "n"
    assert next(c for c in sheet["H"] if c.row == cost_cell.row).number_format == "dd.mm.yyyy"
    # The master's flag list names each flagged answer with its value.
    flags = [
        (r[1], r[5])
        for r in wb["Overblik"].iter_rows(values_only=True)
        if isinstance(r[1], str) and r[3] == CENTER
    ]
    assert ("Svar: Status: Rød; Forventet pris: 1.234.567,5", "Delelement") in flags
    assert ("Svar: Holder budgettet?: nej", "Økonomi") in flags


def test_a_correction_workbook_keeps_the_good_answers_typed(issued: Workspace) -> None:
    bad = {**GOOD, ("ini1", "cost"): "1,2 mio.", ("m1", "count"): 7.5}
    _fill(issued, bad)
    result = collect_round(issued, 1)
    (path,) = result.corrections
    sheet = openpyxl.load_workbook(path)["Status"]
    at = {key: _address(issued, *key) for key in GOOD}
    assert sheet[at["ini1", "cost"]].value is None  # left for the center, with a note
    assert sheet[at["ini1", "cost"]].comment is not None
    assert sheet[at["m1", "count"]].value is None
    kept = {key: sheet[a].value for key, a in at.items() if key not in bad.keys() - GOOD.keys()}
    kept.pop(("ini1", "cost"))
    kept.pop(("m1", "count"))
    assert kept == {
        ("ini1", "rag"): "Rød",
        ("ini1", "finish"): dt.datetime(2027, 3, 31),
        ("m1", "smiley"): "☹",
        ("m1", "comment"): "Forsinket",
        ("e1", "smiley"): "☺",
        ("e1", "ok"): "nej",
        ("ini2", "rag"): "Grøn",
        ("ini2", "cost"): "ikke relevant",
        ("ini2", "finish"): dt.datetime(2028, 12, 31),
        ("e2", "smiley"): "😐",
        ("e2", "ok"): "ja",
    }
    # Filled in again as it stands (the two cells fixed), it is accepted, typed.
    wb = openpyxl.load_workbook(path)
    wb["Status"][at["ini1", "cost"]] = 1_250_000
    wb["Status"][at["m1", "count"]] = 8
    wb.save(issued.inbox_dir(1) / "rettet.xlsx")
    (file,) = collect_round(issued, 1).new
    assert (file.verdict.value, [f.code for f in file.findings]) == ("accepted", [])
    with Ledger(issued.ledger_path) as ledger:
        got = {(a.item_key, a.field_id): a.value for a in ledger.accepted_answers()}
    k = _keys(issued)
    assert got[k["ini1"], "cost"] == 1_250_000.0 and got[k["ini1"], "finish"] == dt.date(
        2027, 3, 31
    )
    assert got[k["ini2"], "cost"] is NOT_APPLICABLE and got[k["m1"], "count"] == 8


def test_a_new_version_keeps_the_answers_already_given_typed(issued: Workspace) -> None:
    _fill(issued, GOOD)
    collect_round(issued, 1)
    issue_round(issued, 1, [CENTER], force=True)
    sheet = openpyxl.load_workbook(_workbook(issued))["Status"]
    at = {key: _address(issued, *key) for key in GOOD}
    assert {key: sheet[a].value for key, a in at.items()} == {
        ("ini1", "rag"): "Rød",
        ("ini1", "cost"): 1234567.5,
        ("ini1", "finish"): dt.datetime(2027, 3, 31),
        ("m1", "smiley"): "☹",
        ("m1", "count"): 7,
        ("m1", "comment"): "Forsinket",
        ("e1", "smiley"): "☺",
        ("e1", "ok"): "nej",
        ("ini2", "rag"): "Grøn",
        ("ini2", "cost"): "ikke relevant",
        ("ini2", "finish"): dt.datetime(2028, 12, 31),
        ("e2", "smiley"): "😐",
        ("e2", "ok"): "ja",
    }


def test_the_default_form_lays_out_exactly_as_before_forms_were_data() -> None:
    """The sample's round-3 status sheets, every cell, style, height and input, in both
    languages: the digests below are what sheetflow b11e5eb (before a form could be
    issued) laid out. The default form must never notice that forms are data."""
    import hashlib

    from sheetflow.issue.layout import build_status_layout
    from sheetflow.register.sample import sample_register
    from sheetflow.texts import load_texts

    register = sample_register(2)
    rnd = register.rounds_by_number[3]
    digests = {}
    for lang in ("da", "en"):
        texts = load_texts(lang)
        digest = hashlib.sha256()
        for center in register.responsible_centers():
            layout = build_status_layout(register, rnd, center, register.ratings, texts)
            digest.update(layout.to_json().encode())
            digest.update(layout.checks_json().encode())
        digests[lang] = digest.hexdigest()
    assert digests == {
        "da": "c2c0298d92c02910b6fbc3744913b45edcb03bddf90c18efec1b6af2ab810c1e",
        "en": "8bab094a753e5aa0f0602aea978162b3f852477606816cb2ea49630858e7477b",
    }


def test_a_return_sent_back_for_correction_keeps_its_answers_typed(issued: Workspace) -> None:
    from sheetflow.review import review

    _fill(issued, GOOD)
    collect_round(issued, 1)
    result = review(issued, 1, CENTER, reason="Tjek prisen på 2.01 en gang til.")
    assert result.correction is not None
    sheet = openpyxl.load_workbook(result.correction)["Status"]
    at = {key: _address(issued, *key) for key in GOOD}
    assert (
        sheet[at["ini1", "cost"]].value,
        sheet[at["ini1", "finish"]].value,
        sheet[at["m1", "count"]].value,
        sheet[at["ini2", "rag"]].value,
        sheet[at["e1", "ok"]].value,
    ) == (1234567.5, dt.datetime(2027, 3, 31), 7, "Grøn", "nej")


def test_a_form_whose_every_question_is_retired_is_not_issued(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sheetflow.cli import main

    ws = Workspace.at(tmp_path / "ws")
    init_workspace(ws, "example", example="starter")
    _own_form(ws.register_path)
    wb = openpyxl.load_workbook(ws.register_path)
    for row in wb["Spørgsmål"].iter_rows(min_row=2):
        row[14].value = "ja"  # Udgået
    wb.save(ws.register_path)
    result = CliRunner().invoke(main, ["issue", str(ws.root), "--round", "1"])
    assert result.exit_code == 2, result.output
    assert "Arket Spørgsmål spørger ikke om noget, der kan udsendes" in result.output
    assert not list(ws.root.glob("rounds/*/issued/*.xlsx"))


def test_a_date_typed_as_a_serial_in_a_1904_workbook_counts_from_1904(issued: Workspace) -> None:
    """An old Mac Excel's workbook counts date serials from 1 January 1904: a plain
    number in a date cell is read in the workbook's own date system."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    src = _workbook(issued)
    wb = openpyxl.load_workbook(src)
    wb.epoch = CALENDAR_MAC_1904
    sheet = wb["Status"]
    cell = sheet[_address(issued, "ini1", "finish")]
    cell.value = 45_000
    cell.number_format = "General"  # a number, as a script or a paste leaves it
    sheet[_address(issued, "ini1", "rag")] = "Grøn"
    wb.save(issued.inbox_dir(1) / src.name)
    (file,) = collect_round(issued, 1).files
    assert file.verdict.value == "accepted", [(f.code, f.cell) for f in file.findings]
    with Ledger(issued.ledger_path) as ledger:
        got = {(a.item_key, a.field_id): a.value for a in ledger.accepted_answers()}
    # 45,000 days after 1 January 1904 (the 1900 system would say 15 March 2023).
    assert got[_keys(issued)["ini1"], "finish"] == dt.date(2027, 3, 16)
