"""A form of finance's own filled in LibreOffice Calc by typing, as a person would:
each field's validation is there as LibreOffice reads it and judges a bad value
invalid, every typed good value is collected and stored typed. One soffice start."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from libreoffice import edit_op, inspect_op, invalid_op, requires_libreoffice, run_lo
from sheetflow.answers import NOT_APPLICABLE
from sheetflow.collect import collect_round
from sheetflow.issue import issue_round
from sheetflow.issue.layout import StatusLayout
from sheetflow.ledger import Ledger
from sheetflow.register import init_workspace
from sheetflow.smiley import Smiley
from sheetflow.workspace import Workspace
from test_form_workbook import CENTER, _keys, _own_form, _workbook

pytestmark = [requires_libreoffice, pytest.mark.libreoffice]


def test_typed_in_libreoffice_each_field_is_validated_and_stored_typed(tmp_path: Path) -> None:
    ws = Workspace.at(tmp_path / "Økonomi ws")
    init_workspace(ws, "example", example="starter")
    _own_form(ws.register_path)
    issue_round(ws, 1)
    with Ledger(ws.ledger_path) as ledger:
        issued = next(i for i in ledger.issued(1) if i.center == CENTER)
    cell = {(i.item_key, i.kind): i.address for i in StatusLayout.from_json(issued.layout).inputs}
    k = _keys(ws)
    typed = {
        (k["ini1"], "rag"): "Rød",
        # LibreOffice here runs in an English locale: a decimal point makes a number
        # (typed "1234567,5" would be text, which the validation rightly refuses).
        (k["ini1"], "cost"): "1234567.5",
        (k["ini1"], "finish"): "31.03.2027",
        (k["m1"], "smiley"): "☹",
        (k["m1"], "count"): "7",
        (k["m1"], "comment"): "Forsinket",
        (k["e1"], "smiley"): "☺",
        (k["e1"], "ok"): "nej",
        (k["e1"], "comment"): "Holder",
        (k["ini2"], "rag"): "Grøn",
        (k["ini2"], "cost"): "ikke relevant",
        (k["ini2"], "finish"): "2028-12-31",
        (k["e2"], "smiley"): "😐",
        (k["e2"], "ok"): "ja",
        (k["e2"], "comment"): "Ok",
    }
    bad = {
        (k["ini1"], "rag"): "Lilla",
        (k["ini1"], "cost"): "1,2 mio.",
        (k["ini1"], "finish"): "01.01.2020",
        (k["m1"], "smiley"): "jubii",
        (k["m1"], "count"): "200",
        (k["m1"], "comment"): "x" * 21,
        (k["e1"], "ok"): "måske",
    }
    src = _workbook(ws)
    dst = ws.inbox_dir(1) / src.name
    wrong = tmp_path / "forkert udfyldt.xlsx"
    edit, seen, _, marked_good, marked_bad = run_lo(
        [
            edit_op(
                src,
                dst,
                [{"sheet": "Status", "cell": cell[key], "value": v} for key, v in typed.items()],
            ),
            inspect_op(src, "Status", [cell[key] for key in typed]),
            edit_op(
                src,
                wrong,
                [{"sheet": "Status", "cell": cell[key], "value": v} for key, v in bad.items()],
            ),
            invalid_op(dst, "Status"),
            invalid_op(wrong, "Status"),
        ]
    )
    assert [c["cell"] for c in edit["cells"] if not c["accepted"]] == []
    # LibreOffice's own validity check (typing headless skips its refusal dialog):
    # every good value passes, every bad one is marked.
    assert marked_good["cells"] == []
    assert marked_bad["cells"] == sorted(cell[key] for key in bad)
    rule = {c["cell"]: c["validation"] for c in seen["cells"]}
    kinds = {
        f: (rule[cell[key]]["type"], rule[cell[key]]["operator"]) for key in typed for f in [key[1]]
    }
    assert kinds == {
        "rag": ("LIST", "BETWEEN"),
        "cost": ("CUSTOM", "FORMULA"),
        "finish": ("DATE", "BETWEEN"),
        "smiley": ("LIST", "BETWEEN"),
        "count": ("WHOLE", "BETWEEN"),
        "comment": ("TEXT_LEN", "LESS_EQUAL"),
        "ok": ("LIST", "BETWEEN"),
    }
    assert all(r["error_style"] == "STOP" and r["show_error"] for r in rule.values())
    assert rule[cell[k["ini1"], "rag"]]["formula1"] == '"Grøn";"Gul";"Rød"'
    assert rule[cell[k["m1"], "count"]]["formula2"] == "100"
    (file,) = collect_round(ws, 1).files
    assert (file.verdict.value, [f.code for f in file.findings]) == ("accepted", [])
    with Ledger(ws.ledger_path) as ledger:
        got = {(a.item_key, a.field_id): a.value for a in ledger.accepted_answers()}
    assert got == {
        (k["ini1"], "rag"): "R",
        (k["ini1"], "cost"): 1234567.5,
        (k["ini1"], "finish"): dt.date(2027, 3, 31),
        (k["m1"], "smiley"): Smiley.RED,
        (k["m1"], "count"): 7,
        (k["m1"], "comment"): "Forsinket",
        (k["e1"], "smiley"): Smiley.GREEN,
        (k["e1"], "ok"): False,
        (k["e1"], "comment"): "Holder",
        (k["ini2"], "rag"): "G",
        (k["ini2"], "cost"): NOT_APPLICABLE,
        (k["ini2"], "finish"): dt.date(2028, 12, 31),
        (k["e2"], "smiley"): Smiley.YELLOW,
        (k["e2"], "ok"): True,
        (k["e2"], "comment"): "Ok",
    }
