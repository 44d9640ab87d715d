"""`issue`: one workbook per center, checked cell by cell (docs/workbooks.md#the-center-workbook)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import openpyxl
import pytest

from helpers import issued_for
from sheetflow.errors import UsageError
from sheetflow.issue import issue_round, safe_name
from sheetflow.issue.layout import COMMENT_MAX
from sheetflow.ledger import Ledger
from sheetflow.model import Smiley, latest_ratings
from sheetflow.register.sample import sample_register
from sheetflow.texts import load_texts
from sheetflow.workspace import Workspace

CENTER = "Ejendomme"


def _open(ws: Workspace, center: str) -> openpyxl.Workbook:
    issued, _ = issued_for(ws, center)
    return openpyxl.load_workbook(ws.root / issued.file)


def _keys_in_column_a(sheet) -> list[str]:
    return [c.value for c in sheet["A"] if c.value]


def test_one_workbook_per_center_holding_exactly_its_initiatives(issued_ws: Workspace) -> None:
    register = sample_register(2)
    centers = register.responsible_centers()
    files = sorted(p.name for p in issued_ws.issued_dir(3).iterdir())
    assert len(files) == len(centers) == 9
    for center in centers:
        wb = _open(issued_ws, center)
        keys = _keys_in_column_a(wb["Status"])
        mine = [i.key for i in register.initiatives_for(center)]
        others = {i.key for i in register.initiatives} - set(mine)
        shown = [k for k in keys if k in {i.key for i in register.initiatives}]
        assert shown == mine, center
        assert not others & set(keys)
        assert wb["Status"]["B1"].value.startswith(center)


def _expected_inputs(center: str) -> list[str]:
    """Independently: milestones with text due by 30.09.2017 not green in rounds 1-2; economy
    unless the report says it has no economic effect."""
    register = sample_register(2)
    latest = latest_ratings(register.ratings, 2)
    keys = []
    for ini in register.initiatives_for(center):
        for ms in ini.milestones:
            due = ms.deadline.round in (1, 2, 3)
            prior = latest.get(ms.key)
            if ms.text and due and (prior is None or prior.smiley is not Smiley.GREEN):
                keys.append(ms.key)
        if "ikke særskilt økonomisk effekt" not in ini.economy.casefold():  # not applicable
            keys.append(ini.economy_key)
    return keys


def test_inputs_are_exactly_where_the_round_asks_and_only_they_are_unlocked(
    issued_ws: Workspace,
) -> None:
    _, layout = issued_for(issued_ws, CENTER)
    sheet = _open(issued_ws, CENTER)["Status"]
    rows = {c.value: c.row for c in sheet["A"] if c.value}
    expected = _expected_inputs(CENTER)
    assert [i.item_key for i in layout.inputs if i.kind == "smiley"] == expected
    smiley_col, comment_col = "G", "H"  # key, nr, text, deadline, round 1, round 2, smiley, comment
    assert sheet[f"{smiley_col}4"].value == "Smiley 3. opf."
    assert sheet[f"{comment_col}4"].value == "Status / kommentar 3. opf."
    unlocked = {
        c.coordinate
        for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row, max_col=10)
        for c in row
        if c.protection.locked is False
    }
    wanted = {f"{col}{rows[k]}" for k in expected for col in (smiley_col, comment_col)}
    assert unlocked == wanted
    for addr in wanted:
        assert sheet[addr].fill.fgColor.rgb.endswith("FFF2CC")  # visibly marked


def test_smiley_validation_list_prompt_and_stop_alert(issued_ws: Workspace) -> None:
    _, layout = issued_for(issued_ws, CENTER)
    sheet = _open(issued_ws, CENTER)["Status"]
    smileys = {i.address for i in layout.inputs if i.kind == "smiley"}
    comments = {i.address for i in layout.inputs if i.kind == "comment"}
    by_type = {dv.type: dv for dv in sheet.data_validations.dataValidation}
    lst = by_type["list"]
    assert lst.formula1 == '"☺,😐,☹"'
    # An absent errorStyle is OOXML's default, "stop": other values are refused.
    assert lst.errorStyle in (None, "stop") and lst.showErrorMessage
    assert lst.error == "Vælg ☺, 😐 eller ☹ i listen."
    assert lst.showInputMessage and lst.prompt == "☺ grøn, 😐 gul eller ☹ rød"
    assert {str(r) for r in lst.sqref.ranges} == smileys
    length = by_type["textLength"]
    assert length.operator == "lessThanOrEqual" and length.formula1 == str(COMMENT_MAX)
    assert length.errorStyle in (None, "stop") and length.showErrorMessage
    assert {str(r) for r in length.sqref.ranges} == comments


def test_smiley_cells_are_coloured_by_conditional_formatting(issued_ws: Workspace) -> None:
    sheet = _open(issued_ws, CENTER)["Status"]
    rules = {}
    for cf in sheet.conditional_formatting:
        for rule in cf.rules:
            rules[rule.formula[0]] = (str(cf.sqref), rule.dxf.fill.bgColor.rgb)
    assert set(rules) == {'"☺"', '"😐"', '"☹"'}
    assert rules['"☺"'][1].endswith("C6EFCE")
    assert rules['"😐"'][1].endswith("FFEB9C")
    assert rules['"☹"'][1].endswith("FFC7CE")
    assert rules['"☺"'][0].startswith("E5:G")  # history columns and this round's smiley


def test_history_columns_show_earlier_rounds(issued_ws: Workspace) -> None:
    register = sample_register(2)
    sheet = _open(issued_ws, CENTER)["Status"]
    rows = {c.value: c.row for c in sheet["A"] if c.value}
    for r in register.ratings:
        ini, _ = register.items()[r.item_key]
        if ini.center == CENTER:
            col = {1: "E", 2: "F"}[r.round]
            assert sheet[f"{col}{rows[r.item_key]}"].value == r.smiley.symbol


def test_sheets_are_protected_without_password_and_metadata_is_hidden(
    issued_ws: Workspace,
) -> None:
    wb = _open(issued_ws, CENTER)
    assert wb.sheetnames == ["Vejledning", "Status", "_sheetflow"]
    for name in ("Vejledning", "Status"):
        assert wb[name].protection.sheet is True
        assert not wb[name].protection.password
    assert wb["_sheetflow"].sheet_state == "veryHidden"
    assert wb["Status"].column_dimensions["A"].hidden


def test_password_protects_when_asked(sample_ws: Workspace) -> None:
    issue_round(sample_ws, 3, [CENTER], password="hemmelig")
    wb = _open(sample_ws, CENTER)
    assert wb["Status"].protection.password  # stored as a hash


def test_metadata_in_custom_properties_and_hidden_sheet(issued_ws: Workspace) -> None:
    issued, layout = issued_for(issued_ws, CENTER)
    wb = _open(issued_ws, CENTER)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    meta = {r[0]: r[1] for r in wb["_sheetflow"].iter_rows(values_only=True) if r[0] and r[1]}
    for source in (props, {f"sheetflow.{k}": v for k, v in meta.items()}):
        assert source["sheetflow.template_id"] == issued.template_id
        assert source["sheetflow.round"] == "3"
        assert source["sheetflow.center"] == CENTER
        assert source["sheetflow.fingerprint"] == layout.fingerprint() == issued.fingerprint
        assert source["sheetflow.register_fingerprint"] == issued.register_fingerprint
        assert source["sheetflow.generator"].startswith("sheetflow ")
    # Every row keyed: in the status sheet's hidden key column, where it moves with its row.
    keyed = {c.row - 1: c.value for c in wb["Status"]["A"] if c.value}
    body = {r: k for r, k in layout.row_keys.items() if r > layout.header_row}
    assert {r: k for r, k in keyed.items() if r > layout.header_row} == body


def test_print_setup_a4_landscape_one_page_wide_with_titles_and_footer(
    issued_ws: Workspace,
) -> None:
    wb = _open(issued_ws, CENTER)
    for name in ("Vejledning", "Status"):
        sheet = wb[name]
        assert sheet.page_setup.paperSize == 9
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        # fitToWidth absent means 1 (OOXML default); fitToHeight 0 means "as many as needed".
        assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
        assert sheet.oddFooter.left.text == CENTER
        assert sheet.oddFooter.center.text == "3. budgetopfølgning 2017"
        assert sheet.oddFooter.right.text == "Side &P af &N"
    assert wb["Status"].print_title_rows == "$4:$4"


def test_same_register_same_round_same_bytes(tmp_path: Path) -> None:
    blobs = []
    for name in ("a", "b"):
        ws = Workspace.at(tmp_path / name)
        from sheetflow.register import init_workspace

        init_workspace(ws, "sample")
        issue_round(ws, 3, [CENTER])
        blobs.append(next(ws.issued_dir(3).iterdir()).read_bytes())
    assert blobs[0] == blobs[1]


def test_reissue_needs_force_and_records_a_new_version(issued_ws: Workspace) -> None:
    with pytest.raises(UsageError, match="--force"):
        issue_round(issued_ws, 3, [CENTER])
    result = issue_round(issued_ws, 3, [CENTER], force=True)
    assert result.workbooks[0].version == 2
    with Ledger(issued_ws.ledger_path) as ledger:
        versions = [i.version for i in ledger.issued(3) if i.center == CENTER]
    assert versions == [1, 2]


def test_unknown_center_is_refused(sample_ws: Workspace) -> None:
    with pytest.raises(UsageError, match="Ukendt center"):
        issue_round(sample_ws, 3, ["Center for Drømme"])


def test_round_by_name_and_english_workbook(sample_ws: Workspace) -> None:
    result = issue_round(sample_ws, "3. budgetopfølgning 2017", [CENTER], lang="en")
    wb = openpyxl.load_workbook(result.workbooks[0].path)
    assert wb.sheetnames[0] == "Guide"
    assert wb["Status"]["G4"].value == "Smiley Round 3"
    dv = next(d for d in wb["Status"].data_validations.dataValidation if d.type == "list")
    assert dv.error == "Pick ☺, 😐 or ☹ from the list."


def test_file_names_are_safe_and_recognisable() -> None:
    assert safe_name("Økonomi og Styring") == "Oekonomi_og_Styring"
    assert safe_name("Politisk Sekretariat/Direktionen") == "Politisk_Sekretariat_Direktionen"
    assert safe_name("3. budgetopfølgning 2017") == "3_budgetopfoelgning_2017"


def test_every_language_file_has_the_same_texts() -> None:
    root = Path(__file__).resolve().parents[1] / "workbook_templates"
    da = tomllib.loads((root / "da.toml").read_text("utf-8"))
    en = tomllib.loads((root / "en.toml").read_text("utf-8"))
    translated_only = {"help", "click"}  # English is the source text in the code
    shared = {s: set(v) for s, v in da.items() if s not in translated_only}
    assert shared == {s: set(v) for s, v in en.items()}
    assert load_texts("da")["status"]["sheet"] == "Status"


def test_workspace_copy_of_the_texts_takes_precedence(sample_ws: Workspace) -> None:
    root = Path(__file__).resolve().parents[1] / "workbook_templates"
    custom = (
        (root / "da.toml")
        .read_text("utf-8")
        .replace('prompt_title = "Vælg en smiley"', 'prompt_title = "Vælg status"')
    )
    (sample_ws.root / "workbook_templates").mkdir()
    (sample_ws.root / "workbook_templates" / "da.toml").write_text(custom, "utf-8")
    result = issue_round(sample_ws, 3, [CENTER])
    wb = openpyxl.load_workbook(result.workbooks[0].path)
    dv = next(d for d in wb["Status"].data_validations.dataValidation if d.type == "list")
    assert dv.promptTitle == "Vælg status"
