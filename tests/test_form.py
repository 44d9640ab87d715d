"""The form as data: the Spørgsmål/Valg sheets read into a typed Form, flag rules
parsed by a small grammar, and "ikke relevant" items in the register."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheetflow.cli import main
from sheetflow.form import (
    CHOICE,
    DATE,
    NUMBER,
    SMILEY,
    TEXT,
    Choice,
    Operand,
    RuleError,
    default_form,
    parse_rule,
    rule_flags,
)
from sheetflow.issue import workbook_filename
from sheetflow.issue.layout import COMMENT_MAX
from sheetflow.model import ECONOMY, MILESTONE, asked_keys
from sheetflow.register import init_workspace
from sheetflow.register.workbook import read_register, write_register
from sheetflow.workspace import Workspace

# ------------------------------------------------------------------ flag rules


@pytest.mark.parametrize(
    ("text", "op", "operands"),
    [
        ("> 100", ">", (Operand("number", 100.0),)),
        (">=1,5", ">=", (Operand("number", 1.5),)),
        ("<= 31.12.2026", "<=", (Operand("date", dt.date(2026, 12, 31)),)),
        ("< 2026-06-30", "<", (Operand("date", dt.date(2026, 6, 30)),)),
        ("> Budget", ">", (Operand("name", "Budget"),)),
        ("> forrige", ">", (Operand("previous", "previous"),)),
        ('= "Nej"', "=", (Operand("text", "Nej"),)),
        ("<> ja", "!=", (Operand("text", "ja"),)),  # a yes/no word is a value
        ("rød", "in", (Operand("text", "rød"),)),
        ("R; A", "in", (Operand("text", "R"), Operand("text", "A"))),
    ],
)
def test_rules_parse_into_operator_and_operands(text: str, op: str, operands: tuple) -> None:
    rule = parse_rule(text)
    assert rule is not None
    assert (rule.op, rule.operands, rule.text) == (op, operands, text)


def test_an_empty_rule_is_no_rule() -> None:
    assert parse_rule("  ") is None


@pytest.mark.parametrize("text", [">", "> > 3", "> 31.02.2026", "> 3 +", "= (1)"])
def test_a_rule_that_does_not_parse_is_refused_never_evaluated(text: str) -> None:
    with pytest.raises(RuleError):
        parse_rule(text)


def test_rules_compare_numbers_dates_names_and_the_previous_answer() -> None:
    above_budget = parse_rule("> Budget")
    slipped = parse_rule("> forrige")
    red = parse_rule("rød; R")
    late = parse_rule("> 30.06.2026")
    assert above_budget and slipped and red and late
    assert rule_flags(above_budget, 12.5, {"Budget": 12.0})
    assert not rule_flags(above_budget, 12.0, {"Budget": 12.0})
    assert not rule_flags(above_budget, 12.5, {})  # no budget: nothing to compare with
    assert not rule_flags(above_budget, None, {"Budget": 1.0})  # no answer: not this flag
    assert rule_flags(slipped, dt.date(2026, 9, 1), previous=dt.date(2026, 8, 1))
    assert not rule_flags(slipped, dt.date(2026, 8, 1), previous=dt.date(2026, 8, 1))
    assert not rule_flags(slipped, dt.date(2026, 9, 1), previous=None)
    assert rule_flags(red, "Rød") and rule_flags(red, "r") and not rule_flags(red, "gul")
    assert rule_flags(late, dt.date(2026, 7, 1)) and not rule_flags(late, dt.date(2026, 6, 30))
    assert not rule_flags(late, 5.0)  # a number is never compared with a date


# ------------------------------------------------------------------ the default


def test_the_default_form_is_todays_smiley_and_comment() -> None:
    form = default_form()
    assert [(f.id, f.type, f.applies_to) for f in form.fields] == [
        ("smiley", SMILEY, (MILESTONE, ECONOMY)),
        ("comment", TEXT, (MILESTONE, ECONOMY)),
    ]
    assert form.fields[1].max_length == COMMENT_MAX
    assert form.is_default


@pytest.fixture
def starter(tmp_path: Path) -> Workspace:
    ws = Workspace.at(tmp_path / "ws")
    init_workspace(ws, "example", example="starter")
    return ws


def _edit(path: Path, edit: object) -> None:
    wb = openpyxl.load_workbook(path)
    edit(wb)  # type: ignore[operator]
    wb.save(path)


def _found(path: Path) -> list[tuple[str, str, str, str]]:
    _, report = read_register(path)
    return [
        (f.sheet, f.cell, f.code, str(f.value))
        for f in report
        if f.code not in ("register-key-assigned",)
    ]


def test_a_register_from_before_the_form_reads_as_the_default_silently(
    starter: Workspace,
) -> None:
    path = starter.register_path

    def old(wb: openpyxl.Workbook) -> None:
        del wb["Spørgsmål"], wb["Valg"]
        wb["Delelementer"].delete_cols(12)  # "Økonomi ikke relevant"
        wb["Milepæle"].delete_cols(5)  # "Ikke relevant"

    _edit(path, old)
    assert _found(path) == []
    register, _ = read_register(path)
    assert register.form == default_form()
    assert register.not_applicable() == set()


def test_the_starter_writes_the_default_form_on_the_questions_sheet(starter: Workspace) -> None:
    ws = openpyxl.load_workbook(starter.register_path)["Spørgsmål"]
    rows = [[c.value for c in row] for row in ws.iter_rows(values_only=False)]
    assert rows[0][:4] == ["Id", "Gælder", "Type", "Valgliste"]
    assert [r[:3] for r in rows[1:]] == [
        ["smiley", "milepæl, økonomi", "smiley"],
        ["comment", "milepæl, økonomi", "tekst"],
    ]
    assert rows[1][13] == "rød"


QUESTIONS = [
    # Id, Gælder, Type, Valgliste, Spørgsmål, (en), Hjælp, (en), Skal, Min, Max, Maks, IR, flag
    ["rag", "delelement", "valg", "RAG", "Status", "Status", "", "", "ja",
     None, None, None, "", "R"],
    ["forecast", "delelement", "tal", "", "Forventet pris (kr.)", "Forecast cost", "", "",
     "ja", 0, None, None, "ja", "> 1000000"],
    ["spent", "delelement", "tal", "", "Forbrugt", "", "", "", "", None, None, None, "",
     "> forecast"],
    ["finish", "delelement, milepæl", "dato", "", "Forventet færdig", "", "", "", "",
     "01.01.2026", "31.12.2030", None, "", "> forrige"],
    ["risk", "delelement", "tekst", "", "Risiko", "", "", "", "", None, None, 300, "", ""],
    ["ok", "økonomi", "ja/nej", "", "Holder budgettet?", "", "", "", "", None, None, None,
     "", '= "nej"'],
]  # fmt: skip
CHOICES = [["RAG", "G", "Grøn", "Green"], ["RAG", "A", "Gul", "Amber"], ["RAG", "R", "Rød", "Red"]]


def _own_form(wb: openpyxl.Workbook, questions: list[list[object]] = QUESTIONS) -> None:
    q, v = wb["Spørgsmål"], wb["Valg"]
    q.delete_rows(2, q.max_row)
    v.delete_rows(2, v.max_row)
    for row in questions:
        q.append(row)
    for row in CHOICES:
        v.append(row)


def test_a_form_of_finances_own_reads_typed(starter: Workspace) -> None:
    path = starter.register_path
    _edit(path, _own_form)
    assert _found(path) == []
    form = read_register(path)[0].form
    rag, forecast, spent, finish, risk, ok = form.fields
    assert (rag.type, rag.required, rag.choices) == (
        CHOICE,
        True,
        (Choice("G", "Grøn", "Green"), Choice("A", "Gul", "Amber"), Choice("R", "Rød", "Red")),
    )
    assert rag.choices[2].label("en") == "Red" and rag.flag and rag.flag.text == "R"
    assert (forecast.type, forecast.minimum, forecast.maximum, forecast.allow_na) == (
        NUMBER,
        0.0,
        None,
        True,
    )
    assert forecast.label("en") == "Forecast cost" and forecast.flag is not None
    assert forecast.flag.operands == (Operand("number", 1_000_000.0),)
    assert spent.flag is not None and spent.flag.names() == {"forecast"}
    assert (finish.type, finish.applies_to) == (DATE, ("initiative", MILESTONE))
    assert (finish.minimum, finish.maximum) == (dt.date(2026, 1, 1), dt.date(2030, 12, 31))
    assert (risk.max_length, ok.type, ok.applies_to) == (300, "yesno", (ECONOMY,))
    assert not form.is_default
    # Written back and read again: the same form.
    register, _ = read_register(path)
    again = starter.root / "again.xlsx"
    write_register(register, again)
    assert read_register(again)[0].form == form


def test_every_problem_on_the_questions_sheet_at_once_with_its_cell(starter: Workspace) -> None:
    path = starter.register_path
    bad = [
        ["a", "milepæl", "tal", "", "A", "", "", "", "kanske", "nul", None, None, "", ">> 3"],
        ["b", "budget", "valg", "Farver", "B", "", "", "", "", None, None, None, "", ""],
        ["c", "økonomi", "procent", "", "C", "", "", "", "", None, None, None, "", ""],
        ["d", "milepæl", "dato", "", "D", "", "", "", "", "i morgen", None, None, "", ""],
        ["a", "milepæl", "tekst", "", "A2", "", "", "", "", None, None, None, "", ""],
        ["e", "milepæl", "tal", "", "E", "", "", "", "", None, None, None, "", "> Bugdet"],
    ]

    def edit(wb: openpyxl.Workbook) -> None:
        _own_form(wb, bad)

    _edit(path, edit)
    assert _found(path) == [
        ("Spørgsmål", "I2", "register-bad-value", "kanske"),
        ("Spørgsmål", "J2", "register-bad-value", "nul"),
        ("Spørgsmål", "N2", "register-bad-rule", ">> 3"),
        ("Spørgsmål", "B3", "register-bad-value", "budget"),
        ("Spørgsmål", "D3", "register-unknown-list", "Farver"),
        ("Spørgsmål", "C4", "register-bad-value", "procent"),
        ("Spørgsmål", "J5", "register-bad-date", "i morgen"),
        ("Spørgsmål", "A6", "register-duplicate-key", "a"),
        ("Spørgsmål", "N7", "register-unknown-name", "Bugdet"),
    ]


# ------------------------------------------------------------------ ikke relevant


def test_items_marked_not_applicable_are_never_asked(starter: Workspace) -> None:
    path = starter.register_path

    def mark(wb: openpyxl.Workbook) -> None:
        wb["Delelementer"]["L2"] = "ikke relevant"  # 1.01's economy
        wb["Milepæle"]["E2"] = "x"  # 1.01's first milestone
        wb["Milepæle"]["E3"] = "måske"

    _edit(path, mark)
    assert _found(path) == [("Milepæle", "E3", "register-bad-value", "måske")]

    def fix(wb: openpyxl.Workbook) -> None:
        wb["Milepæle"]["E3"] = None

    _edit(path, fix)
    register, report = read_register(path)
    assert not report.errors
    first = register.initiatives[0]
    assert register.not_applicable() == {first.economy_key, first.milestones[0].key}
    rnd = register.rounds[0]
    asked = asked_keys(register, rnd, [])
    assert first.economy_key not in asked and first.milestones[0].key not in asked
    assert register.initiatives[1].economy_key in asked
    # The center's workbook says so where the answer would go, and asks nothing there.
    result = CliRunner().invoke(main, ["issue", str(starter.root), "--round", "1"])
    assert result.exit_code == 0, result.output
    path = starter.issued_dir(1) / workbook_filename(first.center, rnd)
    sheet = openpyxl.load_workbook(path)["Status"]
    rows = {c.value: c.row for c in sheet["A"] if c.value}
    assert sheet.cell(rows[first.economy_key], 6).value == "Ikke relevant"
    assert sheet.cell(rows[first.economy_key], 5).protection.locked is not False
    assert sheet.cell(rows[first.milestones[0].key], 6).value == "Ikke relevant"
    assert sheet.cell(rows[register.initiatives[1].economy_key], 6).protection.locked is False


def test_the_register_fingerprint_of_a_register_without_marks_or_form_is_unchanged() -> None:
    """A round issued by the previous version and collected by this one must not be told
    its register changed: the value below is what sheetflow 0aff5c5 computed."""
    from dataclasses import replace

    from sheetflow.form import Form
    from sheetflow.issue import register_fingerprint
    from sheetflow.register.examples import starter_register

    register = starter_register(2026)
    before = "aec775bd487544add1b75a9d63b5a56679ca8d612b3517a852f68779b7f55894"
    assert register_fingerprint(register) == before
    marked = starter_register(2026)
    marked.initiatives[0] = replace(marked.initiatives[0], economy_na=True)
    other_form = starter_register(2026)
    other_form.form = Form(default_form().fields[:1])
    assert len({before, register_fingerprint(marked), register_fingerprint(other_form)}) == 3


def test_collect_names_a_form_change_and_a_new_mark_as_register_changes() -> None:
    from dataclasses import replace

    from sheetflow.form import Form
    from sheetflow.register.examples import starter_register
    from sheetflow.register.snapshot import describe_changes

    before = starter_register(2026)
    before.initiatives = [replace(i, key=f"K{n}") for n, i in enumerate(before.initiatives)]
    after = starter_register(2026)
    after.initiatives = [replace(i, key=f"K{n}") for n, i in enumerate(after.initiatives)]
    after.initiatives[1] = replace(after.initiatives[1], economy_na=True)
    smiley, comment = default_form().fields
    after.form = Form((smiley, replace(comment, label_da="Status")))
    assert [d.render("da") for d in describe_changes(before, after)] == [
        "delelement ændret: 1.02 Renovering af Stationsvej",
        "arket Spørgsmål er ændret",
    ]


@pytest.mark.parametrize("text", ['= "nej"', "= nej", "nej", '= "Nej"', "!= ja", "= no"])
def test_a_yes_no_rule_flags_the_answer_it_names(text: str) -> None:
    """A yes/no answer is stored as a bool; a rule names it in words, quoted or not,
    in either language (the README's example is = "nej")."""
    rule = parse_rule(text)
    assert rule is not None
    assert (rule_flags(rule, False), rule_flags(rule, True)) == (True, False)


def test_a_bare_yes_no_word_in_a_rule_is_a_value_not_a_name() -> None:
    rule = parse_rule("= nej")
    assert rule is not None and rule.names() == set()
