"""One answer to one field: forgiving reading, strict storage, and the Excel
validation that matches it. Expected values are written out by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from libreoffice import edit_op, inspect_op, requires_libreoffice, run_lo
from sheetflow.answers import (
    NOT_APPLICABLE,
    Parsed,
    excel_serial,
    parse_answer,
    parse_number,
    stored,
    validation_for,
)
from sheetflow.form import CHOICE, DATE, INTEGER, NUMBER, TEXT, YESNO, Choice, Field
from sheetflow.register.dates import ACCEPTED_FORMS

COST = Field("cost", ("initiative",), NUMBER, "Pris", minimum=0.0, maximum=5e8, allow_na=True)
COUNT = Field("count", ("initiative",), INTEGER, "Antal", minimum=1.0)
FINISH = Field(
    "finish",
    ("initiative",),
    DATE,
    "Færdig",
    minimum=dt.date(2026, 1, 1),
    maximum=dt.date(2030, 12, 31),
)
RAG = Field(
    "rag",
    ("initiative",),
    CHOICE,
    "Status",
    choices=(Choice("G", "Grøn", "Green"), Choice("A", "Gul", "Amber"), Choice("R", "Rød", "Red")),
)
OK = Field("ok", ("economy",), YESNO, "Holder budgettet?")
RISK = Field("risk", ("initiative",), TEXT, "Risiko", max_length=10)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1.234,5", 1234.5),
        ("1234,5", 1234.5),
        ("1234.5", 1234.5),
        ("1 234 567", 1234567.0),
        ("1.234.567", 1234567.0),
        ("1,234,567.25", 1234567.25),
        ("12.500.000 kr.", 12500000.0),
        ("-3,5", -3.5),
        ("0,125", 0.125),
        ("0.125", 0.125),
    ],
)
def test_numbers_as_people_type_them(text: str, number: float) -> None:
    assert parse_number(text) == number


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1,2 mio.", "answer-not-a-number"),
        ("ca. 5", "answer-not-a-number"),
        ("1.234", "answer-ambiguous-number"),
        ("12,500", "answer-ambiguous-number"),
        ("1.2.3", "answer-not-a-number"),
    ],
)
def test_a_number_that_needs_a_guess_is_a_finding(text: str, code: str) -> None:
    assert parse_number(text) == code


def test_numbers_are_stored_as_numbers_within_their_bounds() -> None:
    assert parse_answer(COST, "1.234,5") == Parsed(1234.5)
    assert parse_answer(COST, 99) == Parsed(99.0)
    assert parse_answer(COST, "-1") == Parsed(code="answer-out-of-range", expected="0 – 500000000")
    assert parse_answer(COST, "ikke relevant") == Parsed(NOT_APPLICABLE)
    assert parse_answer(COST, None) == Parsed(None)
    assert parse_answer(COUNT, "3") == Parsed(3)
    assert parse_answer(COUNT, 2.5) == Parsed(code="answer-not-whole", expected="2")
    assert parse_answer(COUNT, "0") == Parsed(code="answer-out-of-range", expected=">= 1")
    assert parse_answer(COUNT, "Ikke relevant") == Parsed(code="answer-not-applicable-not-allowed")


def test_dates_in_the_common_forms_and_as_serials_of_both_systems() -> None:
    day = dt.date(2027, 3, 31)
    for raw in ("31.03.2027", "31-3-2027", "31/3/27", "2027-03-31", dt.datetime(2027, 3, 31)):
        assert parse_answer(FINISH, raw) == Parsed(day), raw
    assert excel_serial(46477) == day  # 1900 system: days since 30.12.1899
    assert excel_serial(46477 - 1462, date1904=True) == day
    assert parse_answer(FINISH, 46477.0) == Parsed(day)
    assert parse_answer(FINISH, 45015.0, date1904=True) == Parsed(day)
    assert parse_answer(FINISH, "næste år") == Parsed(
        code="answer-not-a-date", expected=ACCEPTED_FORMS
    )
    assert parse_answer(FINISH, "31.12.2031") == Parsed(
        code="answer-out-of-range", expected="01.01.2026 – 31.12.2030"
    )


def test_choices_by_value_or_label_yes_no_and_text() -> None:
    assert parse_answer(RAG, "r") == Parsed("R")
    assert parse_answer(RAG, "Gul") == Parsed("A")
    assert parse_answer(RAG, "amber") == Parsed("A")
    assert parse_answer(RAG, "lilla") == Parsed(
        code="answer-unknown-choice", expected="Grøn, Gul, Rød"
    )
    assert [parse_answer(OK, v).value for v in ("Ja", "nej", "x", True)] == [
        True,
        False,
        True,
        True,
    ]
    assert parse_answer(OK, "måske") == Parsed(code="answer-not-yes-no", expected="ja, nej")
    assert parse_answer(RISK, "  kort  ") == Parsed("kort")
    assert parse_answer(RISK, "alt for lang tekst") == Parsed(code="answer-too-long", expected="10")


def test_stored_values_are_typed_for_json() -> None:
    assert [stored(v) for v in (1.5, 3, dt.date(2027, 3, 31), True, "R", NOT_APPLICABLE)] == [
        1.5,
        3,
        "2027-03-31",
        True,
        "R",
        "ikke relevant",
    ]


def test_each_field_type_gets_the_matching_excel_validation() -> None:
    rag = validation_for(RAG, "F6", "en")
    assert (rag["validate"], rag["source"], rag["error_type"]) == (
        "list",
        ["Green", "Amber", "Red"],
        "stop",
    )
    count = validation_for(COUNT, "F6")
    assert (count["validate"], count["criteria"], count["value"]) == ("integer", ">=", 1.0)
    finish = validation_for(FINISH, "F6")
    assert (finish["validate"], finish["criteria"]) == ("date", "between")
    assert (finish["minimum"], finish["maximum"]) == (
        dt.datetime(2026, 1, 1),
        dt.datetime(2030, 12, 31),
    )
    assert validation_for(RISK, "F6")["value"] == 10
    assert validation_for(OK, "F6")["source"] == ["ja", "nej"]
    cost = validation_for(COST, "F6")
    assert (cost["validate"], cost["value"]) == (
        "custom",
        '=OR(AND(ISNUMBER(F6),F6>=0,F6<=500000000),F6="ikke relevant")',
    )


def test_a_validation_message_writes_its_window_in_the_workbooks_language() -> None:
    assert "01.01.2026 – 31.12.2030" in validation_for(FINISH, "F6", "da")["error_message"]
    assert "2026-01-01 – 2030-12-31" in validation_for(FINISH, "F6", "en")["error_message"]


# ---------------------------------------------------------------- in LibreOffice


@requires_libreoffice
@pytest.mark.libreoffice
def test_libreoffice_sees_each_validation_and_typed_values_read_back_typed(
    tmp_path: Path,
) -> None:
    """One input cell per field type with its validation; a person types a good value
    into each; read back with openpyxl, every answer is stored typed."""
    fields = {"B2": COST, "B3": COUNT, "B4": FINISH, "B5": RAG, "B6": OK, "B7": RISK}
    src = tmp_path / "felter æøå.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("Status")
    formats = {
        NUMBER: wb.add_format({"num_format": "#,##0.00"}),
        INTEGER: wb.add_format({"num_format": "0"}),
        DATE: wb.add_format({"num_format": "dd.mm.yyyy"}),
    }
    for cell, field in fields.items():
        ws.write(f"A{cell[1:]}", field.label())
        ws.write_blank(cell, None, formats.get(field.type))
        ws.data_validation(cell, validation_for(field, cell))
    wb.close()
    typed = {"B2": "1234.5", "B3": "7", "B4": "2027-03-31", "B5": "Rød", "B6": "ja", "B7": "kort"}
    dst = tmp_path / "udfyldt.xlsx"
    edit, seen = run_lo(
        [
            edit_op(
                src, dst, [{"sheet": "Status", "cell": c, "value": v} for c, v in typed.items()]
            ),
            inspect_op(src, "Status", list(fields)),
        ]
    )
    assert all(c["accepted"] for c in edit["cells"]), edit["cells"]
    validation = {c["cell"]: c["validation"] for c in seen["cells"]}
    assert {c: (v["type"], v["operator"]) for c, v in validation.items()} == {
        "B2": ("CUSTOM", "FORMULA"),
        "B3": ("WHOLE", "GREATER_EQUAL"),
        "B4": ("DATE", "BETWEEN"),
        "B5": ("LIST", "BETWEEN"),  # LibreOffice reports a list this way
        "B6": ("LIST", "BETWEEN"),
        "B7": ("TEXT_LEN", "LESS_EQUAL"),
    }
    assert all(v["error_style"] == "STOP" and v["show_error"] for v in validation.values())
    assert validation["B7"]["formula1"] == "10"
    assert '"ikke relevant"' in validation["B2"]["formula1"]
    assert validation["B5"]["formula1"] == '"Grøn";"Gul";"Rød"'
    assert validation["B3"]["formula1"] == "1"
    sheet = openpyxl.load_workbook(dst)["Status"]
    got = {c: parse_answer(f, sheet[c].value) for c, f in fields.items()}
    assert got == {
        "B2": Parsed(1234.5),
        "B3": Parsed(7),
        "B4": Parsed(dt.date(2027, 3, 31)),
        "B5": Parsed("R"),
        "B6": Parsed(True),
        "B7": Parsed("kort"),
    }
    assert isinstance(sheet["B2"].value, float) and isinstance(sheet["B4"].value, dt.datetime)


def test_a_whole_number_in_a_choice_or_text_cell_reads_without_a_decimal() -> None:
    """Excel stores a typed 2 as 2.0: a choice list of numbers and a text field must
    still read "2"."""
    levels = Field("level", ("initiative",), CHOICE, "Niveau", choices=(Choice("1"), Choice("2")))
    assert parse_answer(levels, 2.0) == Parsed("2")
    assert parse_answer(RISK, 12.0) == Parsed("12")
    assert parse_answer(RISK, 1.5) == Parsed("1.5")
