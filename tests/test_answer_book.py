"""Answer flags and typed columns as pure data: which answers meet their rule (a
choice named by value or label, a comparison with another field, a Delelementer
column or the previous round) and how ratings.csv writes them."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sheetflow.answer_book import AnswerBook, answer_flags, csv_value
from sheetflow.answers import NOT_APPLICABLE, Answer
from sheetflow.form import (
    CHOICE,
    DATE,
    INITIATIVE,
    NUMBER,
    YESNO,
    Choice,
    Field,
    Form,
    default_form,
    form_from_json,
    form_to_json,
    parse_rule,
)
from sheetflow.register.examples import starter_register

RAG = (Choice("G", "Grøn", "Green"), Choice("A", "Gul", "Amber"), Choice("R", "Rød", "Red"))
INI = (INITIATIVE,)
FORM = Form(
    (
        Field("rag", INI, CHOICE, "Status", choices=RAG, flag=parse_rule("Rød")),
        Field("cost", INI, NUMBER, "Pris", allow_na=True, flag=parse_rule("> Budget")),
        Field("spent", INI, NUMBER, "Forbrugt", flag=parse_rule("> cost")),
        Field("finish", INI, DATE, "Færdig", flag=parse_rule("> forrige")),
        Field("ok", ("economy",), YESNO, "Holder?", flag=parse_rule("nej")),
    )
)


def _register():
    register = starter_register(2026)
    register.initiatives = [
        replace(ini, key=f"K{n}", economy="1.000.000 kr.")
        for n, ini in enumerate(register.initiatives, start=1)
    ]
    register.form = FORM
    return register


def _book(answers: list[Answer]) -> AnswerBook:
    return AnswerBook.build(FORM, [], answers)


def test_each_rule_kind_flags_what_it_says_and_nothing_else() -> None:
    register = _register()
    a = [
        # round 1: the previous answers
        Answer(1, "K1", "finish", dt.date(2026, 6, 30), "Teknik og Miljø"),
        Answer(1, "K2", "finish", dt.date(2026, 6, 30), "Teknik og Miljø"),
        # round 2
        Answer(2, "K1", "rag", "R", "Teknik og Miljø"),  # "Rød" names R by its label
        Answer(2, "K1", "cost", 1_000_001.0, "Teknik og Miljø"),  # above the Økonomi column
        Answer(2, "K1", "spent", 900_000.0, "Teknik og Miljø"),  # below cost
        Answer(2, "K1", "finish", dt.date(2026, 9, 30), "Teknik og Miljø"),  # slipped
        Answer(2, "K2", "rag", "A", "Teknik og Miljø"),
        Answer(2, "K2", "cost", NOT_APPLICABLE, "Teknik og Miljø"),  # never flags
        Answer(2, "K2", "spent", 5.0, "Teknik og Miljø"),  # cost not applicable: no flag
        Answer(2, "K2", "finish", dt.date(2026, 6, 30), "Teknik og Miljø"),  # unchanged
        Answer(2, "K1-E", "ok", False, "Teknik og Miljø"),  # "nej"
        Answer(2, "K2-E", "ok", True, "Teknik og Miljø"),
        Answer(2, "K3", "finish", dt.date(2027, 1, 1), "Børn og Unge"),  # no previous answer
        Answer(2, "K3", "spent", 2.0, "Børn og Unge"),
        Answer(2, "K3", "cost", 1.0, "Børn og Unge"),  # spent 2 > cost 1
    ]
    got = [(f.item_key, f.field.id, f.previous) for f in answer_flags(register, 2, _book(a))]
    assert got == [
        ("K1", "rag", None),
        ("K1", "cost", None),
        ("K1", "finish", dt.date(2026, 6, 30)),
        ("K1-E", "ok", None),
        ("K3", "spent", None),
    ]
    assert answer_flags(register, 1, _book(a)) == []  # round 1 has nothing to compare with


def test_csv_values_are_typed_text() -> None:
    assert [
        csv_value(v)
        for v in (1234567.5, 7.0, 7, dt.date(2027, 3, 31), True, False, "R", None, NOT_APPLICABLE)
    ] == ["1234567.5", "7", "7", "2027-03-31", "true", "false", "R", "", ""]


def test_a_form_survives_its_json_as_the_ledger_keeps_it() -> None:
    assert form_from_json(form_to_json(FORM)) == FORM
    assert form_from_json(form_to_json(default_form())) == default_form()
