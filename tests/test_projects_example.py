"""The capital-projects example, run from the README's own command: two quarters of a
return that asks no smiley (RAG, forecast cost, forecast completion, risk). The
expected figures are the README's story, added up by hand."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shlex
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheetflow.cli import main
from sheetflow.workspace import Workspace

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_demo_command() -> list[str]:
    section = README.read_text("utf-8").split("## A second example: quarterly capital projects")[1]
    line = next(x for x in section.splitlines() if "sheetflow demo" in x)
    return shlex.split(re.sub(r"^\S*sheetflow\s+", "", line.strip()))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str]:
    root = tmp_path_factory.mktemp("anlæg projekter")
    args = _readme_demo_command()
    assert args == ["demo", "anlaeg", "--example", "projects"]
    args[1] = str(root / "anlaeg")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return Workspace.at(root / "anlaeg"), result.output


def test_the_terminal_names_the_red_the_costly_and_the_slipped(
    demo: tuple[Workspace, str],
) -> None:
    _, output = demo
    assert f"2. kvartal {dt.date.today().year}: 3 af 3 centre godkendt" in output
    assert "markerede svar: 3" in output
    # A cost above budget names the budget it went above (the Økonomi column).
    assert "[Forventet anlægsudgift (kr.): 13.100.000 (Budget: 12.500.000)]" in output
    assert (
        "[Status (RAG): Rød, Forventet anlægsudgift (kr.): 8.400.000 (Budget: 8.000.000), "
        "Forventet færdig: 31.03.2027 (forrige: 30.11.2026)]" in output
    )
    assert "[Forventet færdig: 30.09.2028 (forrige: 30.06.2028)]" in output


def test_the_master_totals_costs_as_numbers_and_flags_the_slipped_dates(
    demo: tuple[Workspace, str],
) -> None:
    ws, _ = demo
    wb = openpyxl.load_workbook(ws.master_path(2))
    rows = list(wb["Svar"].iter_rows(min_row=4, values_only=True))
    totals = {(r[1]): r[5] for r in rows if r[1] and str(r[1]).startswith("I alt")}
    # Second quarter (the latest rows win in the dict): 13.1 + 4.15 mio.; 8.4 + 95.5 mio.
    assert totals == {
        "I alt Vej og Park": 17_250_000,
        "I alt Ejendomme": 103_900_000,
        "I alt Skole og Dagtilbud": 38_000_000,
        "I alt 1. Veje og trafik": 17_250_000,
        "I alt 2. Bygninger": 141_900_000,  # 8.4 + 95.5 + 38.0 mio.
        "I alt": 159_150_000,
    }
    first_quarter = [r for r in rows if r[0] == "1. opf."]
    assert [(r[2], r[4], r[5], r[6]) for r in first_quarter] == [
        ("1.01", "Grøn", 12_300_000, dt.datetime(2026, 10, 31)),
        ("1.02", "Grøn", 4_100_000, dt.datetime(2026, 8, 31)),
        ("2.01", "Gul", 8_000_000, dt.datetime(2026, 11, 30)),
        ("2.02", "Grøn", 95_000_000, dt.datetime(2028, 6, 30)),
        ("2.03", "Grøn", 38_000_000, dt.datetime(2027, 7, 31)),
    ]
    assert all(isinstance(r[5], int | float) for r in rows if r[5] not in (None, ""))
    flags = [
        r[1]
        for r in wb["Overblik"].iter_rows(values_only=True)
        if isinstance(r[1], str) and "Svar:" in r[1]
    ]
    assert flags == [
        "Svar: Forventet anlægsudgift (kr.): 13.100.000 (Budget: 12.500.000)",
        "Svar: Status (RAG): Rød; Forventet anlægsudgift (kr.): 8.400.000 (Budget: 8.000.000); "
        "Forventet færdig: 31.03.2027 (forrige: 30.11.2026)",
        "Svar: Forventet færdig: 30.09.2028 (forrige: 30.06.2028)",
    ]


def test_ratings_csv_keeps_both_quarters_typed_and_no_economy_rows(
    demo: tuple[Workspace, str],
) -> None:
    ws, _ = demo
    with ws.ratings_csv(2).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["item"] for r in rows} == {"initiative"}
    got = [
        (r["round"], r["number"], r["rag"], r["forecast_cost"], r["forecast_completion"])
        for r in rows
        if r["number"] == "2.01"
    ]
    assert got == [
        ("1", "2.01", "A", "8000000", "2026-11-30"),
        ("2", "2.01", "R", "8400000", "2027-03-31"),
    ]


def test_an_optional_question_left_empty_is_not_a_gap(demo: tuple[Workspace, str]) -> None:
    """`risk` is not required: an empty risk is blank, never "mangler" nor a missing field;
    every required question is answered in the example, so nothing is missing."""
    ws, _ = demo
    with ws.ratings_csv(2).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    empty_risk = [r for r in rows if r["risk"] == ""]
    assert empty_risk  # the example leaves some risks empty
    assert {r["missing_fields"] for r in rows} == {""}
    wb = openpyxl.load_workbook(ws.master_path(2))
    cells = [c for r in wb["Svar"].iter_rows(min_row=4, values_only=True) for c in r]
    assert "mangler" not in cells


def test_the_second_quarters_workbook_shows_the_first_quarters_rag(
    demo: tuple[Workspace, str],
) -> None:
    ws, _ = demo
    path = next(ws.issued_dir(2).glob("Ejendomme*.xlsx"))
    sheet = openpyxl.load_workbook(path)["Status"]
    header = [c.value for c in sheet[4]]
    history = header.index("1. opf.")
    rows = {str(r[1].value): r for r in sheet.iter_rows(min_row=5) if r[1].value}
    assert (rows["2.01"][history].value, rows["2.02"][history].value) == ("Gul", "Grøn")
    assert header[history + 1] == "Status (RAG) 2. opf."


def test_the_summary_lists_what_turned_flagged_since_the_first_quarter(
    demo: tuple[Workspace, str],
) -> None:
    """A form without smileys has changes too: the answers that meet their rule now and
    did not last quarter, each with its value then and now (the README's story)."""
    ws, _ = demo
    wb = openpyxl.load_workbook(ws.master_path(2))
    sheet = list(wb["Overblik"].iter_rows(values_only=True))
    header = next(r for r in sheet if "Før → nu" in r)
    arrow, comment = header.index("Før → nu"), header.index("Status / kommentar")
    changed = [r for r in sheet if "Markeret nu" in r]
    # The answers, which have no smiley, stand in the wide comment column.
    assert [(r[arrow] or "", str(r[comment])[:6]) for r in changed] == [
        ("", "Forven"), ("", "Status"), ("", "Forven")
    ]  # fmt: skip
    rows = [[c for c in r if c] for r in changed]
    assert rows == [
        ["1.01 Ny rundkørsel ved Stationsvej", "Markeret nu", "Vej og Park", "Delelement",
         "Forventet anlægsudgift (kr.): 12.300.000 → 13.100.000"],
        ["2.01 Renovering af rådhusets tag", "Markeret nu", "Ejendomme", "Delelement",
         "Status (RAG): Gul → Rød; Forventet anlægsudgift (kr.): 8.000.000 → 8.400.000; "
         "Forventet færdig: 30.11.2026 → 31.03.2027"],
        ["2.02 Nyt plejecenter Solhaven", "Markeret nu", "Ejendomme", "Delelement",
         "Forventet færdig: 30.06.2028 → 30.09.2028"],
    ]  # fmt: skip


def test_a_master_without_smileys_prints_no_empty_smiley_pages(
    demo: tuple[Workspace, str],
) -> None:
    """A form that asks no smiley has no smiley counts, chart, red streaks or trends
    sheet: the committee reads the returns, the flags, the changes and the answers."""
    ws, _ = demo
    wb = openpyxl.load_workbook(ws.master_path(2))
    assert wb.sheetnames == ["Forside", "Overblik", "Delelementer", "Svar", "Fund"]
    overview = " ".join(str(c) for r in wb["Overblik"].iter_rows(values_only=True) for c in r)
    assert "Smileys pr. center" not in overview and "i træk" not in overview
    assert "Indsendte projektmapper" in overview and "Markeret nu" in overview
    with zipfile.ZipFile(ws.master_path(2)) as z:  # openpyxl drops charts on reading
        assert [n for n in z.namelist() if n.startswith("xl/charts/")] == []


def test_the_front_page_carries_the_registers_own_title(demo: tuple[Workspace, str]) -> None:
    """Oplysninger › Titel is the register's name for the follow-up; a trial typed the
    municipality into it and found it nowhere. It is the front page's second line."""
    ws, _ = demo
    register = ws.load_register()
    front = openpyxl.load_workbook(ws.master_path(2))["Forside"]
    lines = [row[0] for row in front.iter_rows(values_only=True) if row[0]]
    at = lines.index(f"Anden opfølgning på {register.info.agreement}")
    assert register.info.title.startswith("Kvartalsopfølgning på anlægsprojekter ")
    assert lines[at + 1 : at + 3] == [register.info.title, "Læsevejledning"]
