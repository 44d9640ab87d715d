"""Three rounds of the sample run through sheetflow (issue, fill as the centers
really answered, collect), then the trends sheet, the summary's "red in a row"
table and the Python API checked against ratings.csv, cell by cell.

Expected values come from ratings.csv and the register's calendar only, never
from ``sheetflow.trends``."""

from __future__ import annotations

import csv
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.worksheet import Worksheet

import sheetflow
import sheetflow.api
from sheetflow.collect import collect_round
from sheetflow.demo import demo_answers, fill_return
from sheetflow.issue import issue_round
from sheetflow.issue.layout import StatusLayout
from sheetflow.ledger import Ledger
from sheetflow.model import Register, Round, parse_date_text
from sheetflow.register.sample import sample_register
from sheetflow.register.workbook import write_register
from sheetflow.workspace import Workspace

SYMBOL = {"green": "☺", "yellow": "😐", "red": "☹"}
WORDS = {
    "missing": "Mangler",
    "not_asked": "Ikke spurgt",
    "not_due": "Ikke aktuel",
    "not-applicable": "Ikke relevant",
}


@dataclass
class Year:
    ws: Workspace
    register: Register
    csv_rows: list[dict[str, str]]


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Year:
    """Rounds 1, 2 and 3 issued, answered as the seed says, and collected."""
    ws = Workspace.at(tmp_path_factory.mktemp("trends") / "år 2017")
    register = sample_register(up_to_round=0)
    write_register(register, ws.register_path)
    for number in (1, 2, 3):
        issued = issue_round(ws, number)
        with Ledger(ws.ledger_path) as ledger:
            answers = demo_answers(ledger.accepted_ratings(number - 1), number)
            for wb in issued.workbooks:
                layout = StatusLayout.from_json(
                    ledger.issued_by_template(wb.template_id)[-1].layout
                )
                fill_return(wb.path, layout, answers, ws.inbox_dir(number) / wb.path.name)
        collect_round(ws, number)
    with ws.ratings_csv(3).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return Year(ws, ws.load_register(), rows)


TOP = 10  # rows of a list the summary shows, in the long-list test


def _csv_text(value: str) -> str:
    """ratings.csv text as written (a leading apostrophe guards formula-like text)."""
    return value[1:] if value.startswith("'") and value[1:2] in "=+-@" else value


def _due(deadline_text: str, rnd: Round, register: Register) -> bool:
    """Deadline on or before the round's as-of date, from the calendar alone."""
    for r in register.rounds:
        if deadline_text == r.name:
            return r.as_of <= rnd.as_of
    day = parse_date_text(deadline_text)
    return day is not None and day <= rnd.as_of


def _expected_trends(year: Year) -> list[tuple[list[str], list[str], int]]:
    """Per item in register order: (number, title, center, item, deadline), the four
    round cells, and the not-green streak."""
    reg = year.register
    by_item = {
        # Two milestones of an initiative may share a text; the deadline tells them apart.
        (
            r["round"],
            r["initiative_key"],
            r["item"],
            _csv_text(r["milestone_text"]),
            r["deadline"],
        ): r
        for r in year.csv_rows
    }
    rounds = sorted(reg.rounds, key=lambda r: r.number)
    out = []
    for ini in reg.initiatives:
        items = [
            ("milestone", ms.text, ms.deadline.text) for ms in ini.milestones if ms.text.strip()
        ]
        items.append(("economy", "", ""))
        for kind, text, deadline in items:
            cells = []
            for rnd in rounds:
                if rnd.number > 3:
                    cells.append("")
                    continue
                row = by_item.get((str(rnd.number), ini.key, kind, text, deadline))
                if row is not None and row["state"] == "not-applicable":
                    cells.append(WORDS["not-applicable"])
                elif row is not None:
                    cells.append(SYMBOL[row["rating"]] if row["rating"] else WORDS["missing"])
                elif _due(deadline, rnd, reg):
                    cells.append(WORDS["not_asked"])
                else:
                    cells.append(WORDS["not_due"])
            # A round asked and left unanswered counts by the smiley before it.
            shown, last = [], None
            for cell in cells[:3]:
                if cell in ("☺", "😐", "☹"):
                    last = cell
                shown.append(last if cell == WORDS["missing"] and last else cell)
            streak = 0
            for cell in reversed(shown):
                if cell not in ("😐", "☹"):
                    break
                streak += 1
            label = text if kind == "milestone" else "Økonomi"
            out.append(([ini.number, ini.title, ini.center, label, deadline], cells, streak))
    return out


def _sheet(path: Path, name: str) -> Worksheet:
    return openpyxl.load_workbook(path)[name]


def _values(ws: Worksheet) -> list[list[object]]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def _header_row(rows: list[list[object]], first: str) -> int:
    return next(n for n, row in enumerate(rows) if row and row[0] == first)


def test_the_csv_has_three_rounds_with_red_yellow_and_missing(year: Year) -> None:
    assert {r["round"] for r in year.csv_rows} == {"1", "2", "3"}
    assert {r["rating"] for r in year.csv_rows} >= {"green", "red", ""}


def test_trend_sheet_matches_ratings_csv_cell_by_cell(year: Year) -> None:
    master = year.ws.master_path(3)
    wb = openpyxl.load_workbook(master)
    from sheetflow.status import round_status

    # A list longer than the summary shows (25 rows) gets a sheet of its own.
    long_flags = len(round_status(year.ws, 3).flags) > 25
    assert wb.sheetnames == [
        "Forside",
        "Overblik",
        *(["Markeringer"] if long_flags else []),
        "Udvikling",
        "Delelementer",
        "Fund",
    ]
    rows = _values(wb["Udvikling"])
    head = _header_row(rows, "Nr.")
    assert rows[head][:10] == [
        "Nr.",
        "Delelement",
        "Center",
        "Milepæl / Økonomi",
        "Tid",
        "1.",
        "2.",
        "3.",
        "Årsafslutning",
        "Ikke grøn i træk",
    ]
    got = [
        ([str(v or "") for v in row[:5]], [str(v or "") for v in row[5:9]], row[9])
        for row in rows[head + 1 :]
        if any(v is not None for v in row)
    ]
    expected = _expected_trends(year)
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g == e
    # The item table filters (by center, by a round's state): header to last item.
    last = head + len(expected)
    assert wb["Udvikling"].auto_filter.ref == f"A{head + 1}:J{last + 1}"
    # Every rated or asked row of ratings.csv is one cell of the sheet.
    assert sum(
        1 for _, cells, _ in expected for c in cells if c in ("☺", "😐", "☹", "Mangler")
    ) == sum(1 for r in year.csv_rows if r["state"] != "not-applicable")


def test_trend_counts_and_chart(year: Year) -> None:
    master = year.ws.master_path(3)
    rows = _values(_sheet(master, "Udvikling"))
    head = next(n for n, row in enumerate(rows) if row[3] == "Smileys pr. opfølgning")
    assert rows[head][5:9] == ["1.", "2.", "3.", "Årsafslutning"]
    table = {row[3]: row[5:9] for row in rows[head + 1 : head + 5]}
    for label, rating in (
        ("Grøn ☺", "green"),
        ("Gul 😐", "yellow"),
        ("Rød ☹", "red"),
        ("Mangler", ""),
    ):
        want = [
            sum(
                1
                for r in year.csv_rows
                if r["round"] == str(k) and r["rating"] == rating and r["state"] != "not-applicable"
            )
            for k in (1, 2, 3)
        ]
        assert table[label] == [*want, None], label
    # Why these differ from the summary's counts, under the table.
    assert rows[head + 5][3] == (
        "Milepæle og økonomi tilsammen, hver opfølgnings egne svar. Overblik tæller dem "
        "hver for sig og tæller hvert punkts seneste smiley, også en fra en tidligere "
        "opfølgning."
    )
    assert rows[head + 6][3] == (
        "Mangler er alt, opfølgningen spurgte om uden at få en smiley, også hos centre uden "
        'godkendt aflevering; markeringen "Mangler smiley" gælder kun godkendte afleveringer.'
    )
    with zipfile.ZipFile(master) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    trend = [c for c in charts if "Udvikling!" in c]
    assert len(trend) == 1
    assert '<c:barDir val="col"/>' in trend[0] and '<c:grouping val="stacked"/>' in trend[0]
    assert trend[0].count("<c:ser>") == 4
    assert "Udvikling!$F$3:$I$3" in trend[0]  # one column per round, year end last


def test_summary_names_items_red_two_rounds_in_a_row(year: Year) -> None:
    by_round = {
        n: {
            (r["initiative_key"], r["item"], _csv_text(r["milestone_text"]), r["deadline"])
            for r in year.csv_rows
            if r["round"] == str(n) and r["rating"] == "red"
        }
        for n in (1, 2, 3)
    }
    both = by_round[2] & by_round[3]
    assert both, "the sample has items red in rounds 2 and 3"
    labels = {i.key: i.label for i in year.register.initiatives}
    expected = sorted(
        (labels[k], 3 if key in by_round[1] else 2, text or "Økonomi", deadline)
        for key in both
        for k, _, text, deadline in [key]
    )
    rows = _values(_sheet(year.ws.master_path(3), "Overblik"))
    head = _header_row(rows, "Røde to opfølgninger i træk eller mere") + 1
    assert rows[head][:2] == ["Nr. Delelement", "Røde i træk"]
    listed = []
    for row in rows[head + 1 :]:
        if not row[0]:
            break
        listed.append((row[0], row[1], row[5], row[9] or ""))
        assert row[10] == "☹"
    assert sorted(listed) == expected
    assert any("UCC - hjemfaldspligt" in row[0] for row in listed)


def test_a_long_flag_list_shows_its_top_on_the_summary_and_all_on_its_own_sheet(
    year: Year, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The year's flag list is short since the sample marks its no-economy lines
    # "ikke relevant"; the summary is told to show fewer rows, on a copy.
    monkeypatch.setattr("sheetflow.master.summary_sheet.SUMMARY_TOP", TOP)
    copy = Workspace.at(tmp_path / "kopi")
    shutil.copytree(year.ws.root, copy.root)
    collect_round(copy, 3)
    wb = openpyxl.load_workbook(copy.master_path(3))
    full = _values(wb["Markeringer"])
    assert full[0] == [
        "Nr. Delelement",
        "Markering",
        "Center",
        "Milepæl",
        "Tid",
        "Smiley",
        "Status / kommentar",
    ]
    items = [[v or "" for v in row] for row in full[1:]]
    assert len(items) > TOP
    # Every item red in round 3 by ratings.csv is listed, red, on the list sheet.
    labels = {i.key: i.label for i in year.register.initiatives}
    reds = {
        (labels[r["initiative_key"]], _csv_text(r["milestone_text"]) or "Økonomi")
        for r in year.csv_rows
        if r["round"] == "3" and r["rating"] == "red"
    }
    assert reds and reds == {(r[0], r[3]) for r in items if r[5] == "☹" and "Rød" in r[1]}
    # The summary shows the first rows field by field, then how many more and where.
    rows = _values(wb["Overblik"])
    head = _header_row(rows, "Markerede punkter") + 1
    fields = [0, 1, 3, 5, 9, 10, 11]  # first column of each field on the summary grid
    top = [[rows[n][c] or "" for c in fields] for n in range(head + 1, head + TOP + 1)]
    assert top == items[:TOP]
    more = len(items) - TOP
    assert rows[head + TOP + 1][0] == (
        f"… og {more} flere: hele listen står på arket «Markeringer» i den samlede projektmappe."
    )
    # A long list is plain rows: a filter, the header on every page, no merged cells.
    sheet = wb["Markeringer"]
    assert sheet.auto_filter.ref == f"A1:G{len(items) + 1}"
    assert sheet.print_title_rows == "$1:$1"
    assert not sheet.merged_cells.ranges


# ------------------------------------------------------------------ the API


def test_api_ratings_are_ratings_csv_typed(year: Year) -> None:
    with sheetflow.open(year.ws.root) as fu:
        assert fu.latest_round().number == 3
        frame = fu.ratings()
    assert len(frame) == len(year.csv_rows)
    assert isinstance(frame["rating"].dtype, pd.CategoricalDtype)
    assert frame["rating"].dtype.ordered
    assert list(frame["rating"].dtype.categories) == ["green", "yellow", "red"]
    assert frame["round"].dtype.ordered and list(frame["round"].dtype.categories) == [1, 2, 3, 4]
    assert str(frame["as_of"].dtype) == "datetime64[ns]"
    assert str(frame["deadline_date"].dtype) == "datetime64[ns]"
    red = frame[frame["rating"] > "yellow"]
    assert set(red["rating"]) == {"red"}
    for row, want in zip(frame.itertuples(), year.csv_rows, strict=True):
        assert str(row.round) == want["round"]
        assert row.initiative_key == want["initiative_key"] and row.item == want["item"]
        assert row.milestone_text == _csv_text(want["milestone_text"])
        assert (row.rating if isinstance(row.rating, str) else "") == want["rating"]
        assert row.comment == _csv_text(want["comment"]) and row.source == want["source"]
    assert frame.loc[frame["round"] == 3, "as_of"].eq(pd.Timestamp("2017-09-30")).all()


def test_api_round_argument_means_as_of_that_round(year: Year) -> None:
    with sheetflow.open(year.ws.root) as fu:
        one, two = fu.ratings(1), fu.ratings("2. budgetopfølgning 2017")
    assert set(one["round"]) == {1} and set(two["round"]) == {1, 2}
    with year.ws.ratings_csv(2).open(encoding="utf-8-sig", newline="") as fh:
        assert len(two) == len(list(csv.DictReader(fh)))


def _summary_center_counts(path: Path) -> dict[str, list[int]]:
    rows = _values(_sheet(path, "Overblik"))
    start = _header_row(rows, "Smileys pr. center (milepæle med frist og økonomi)") + 3
    out = {}
    for row in rows[start:]:
        if row[0] == "I alt":
            break
        out[str(row[0])] = [int(v) for v in row[1:9]]  # type: ignore[arg-type]
    return out


def test_a_groupby_reproduces_the_summary_counts(year: Year) -> None:
    with sheetflow.open(year.ws.root) as fu:
        frame = fu.ratings(3)
    as_of = pd.Timestamp("2017-09-30")
    buckets = ["green", "yellow", "red", "unrated"]

    def by_latest(items: pd.DataFrame) -> pd.DataFrame:
        """Counts per center of each item's latest rating up to round 3, else unrated."""
        latest = items.dropna(subset=["rating"]).sort_values("round").groupby("item_key").tail(1)
        unrated = items[~items["item_key"].isin(latest["item_key"])].drop_duplicates("item_key")
        every = pd.concat(
            [latest.assign(b=latest["rating"].astype(object)), unrated.assign(b="unrated")]
        )
        counts = every.groupby(["center", "b"]).size().unstack(fill_value=0)
        return counts.reindex(columns=buckets, fill_value=0)

    # Economy: every initiative, by its latest rating (a red carried over stays red).
    eco_counts = by_latest(
        frame[(frame["item"] == "economy") & (frame["state"] != "not-applicable")]
    )
    # Milestones due by the as-of date, by their latest rating.
    ms_counts = by_latest(frame[(frame["item"] == "milestone") & (frame["deadline_date"] <= as_of)])
    sheet = _summary_center_counts(year.ws.master_path(3))
    assert sheet, "the summary has a counts table"
    for center, numbers in sheet.items():
        got_ms = [
            int(ms_counts.loc[center, b]) if center in ms_counts.index else 0 for b in buckets
        ]
        got_eco = [
            int(eco_counts.loc[center, b]) if center in eco_counts.index else 0 for b in buckets
        ]
        assert got_ms + got_eco == numbers, center


def test_api_returns_and_findings(year: Year) -> None:
    with sheetflow.open(year.ws.root) as fu:
        returns, findings, rounds = fu.returns(), fu.findings(), fu.rounds()
    with Ledger(year.ws.ledger_path, read_only=True) as ledger:
        received = [r for n in (1, 2, 3) for r in ledger.received(n)]
    assert len(returns) == len(received) and list(returns["received_id"]) == [
        r.id for r in received
    ]
    assert str(returns["received_at"].dtype) == "datetime64[ns]"
    assert set(returns["verdict"]) == {"accepted"}
    assert len(findings) == sum(len(r.finding_list) for r in received)
    assert findings["severity"].dtype.ordered
    with year.ws.findings_csv(3).open(encoding="utf-8-sig", newline="") as fh:
        csv3 = [(r["file"], r["cell"], r["code"]) for r in csv.DictReader(fh)]
    got3 = findings[findings["round"] == 3]
    assert sorted(zip(got3["file"], got3["cell"], got3["code"], strict=True)) == sorted(csv3)
    assert list(rounds["state"]) == ["consolidated"] * 3 + ["planned"]
    assert list(rounds["as_of"].dt.date.astype(str)) == [
        "2017-03-31",
        "2017-06-30",
        "2017-09-30",
        "2017-12-31",
    ]


def test_open_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(sheetflow.api.UsageError, match="findes ikke"):
        sheetflow.open(tmp_path / "nope")


def test_api_on_a_fresh_workspace_without_a_ledger(sample_ws: Workspace) -> None:
    with sheetflow.open(sample_ws.root) as fu:
        assert fu.latest_round().number == 2  # the register holds ratings of rounds 1-2
        assert len(fu.returns()) == 0 and len(fu.findings()) == 0
        frame = fu.ratings()
    assert not sample_ws.ledger_path.exists()
    assert set(frame["round"]) == {1, 2} and frame["rating"].notna().sum() == len(
        sample_ws.load_register().ratings
    )


def test_red_two_rounds_in_a_row_is_empty_when_there_is_none(year: Year) -> None:
    rows = _values(_sheet(year.ws.master_path(1), "Overblik"))
    head = _header_row(rows, "Røde to opfølgninger i træk eller mere")
    assert rows[head + 2][0] == "Intet punkt har været rødt to opfølgninger i træk."


# ------------------------------------------------------- the pure trend rules


def test_trend_states_and_streaks_from_hand_made_ratings() -> None:
    from sheetflow.model import Rating
    from sheetflow.smiley import Smiley
    from sheetflow.trends import State, overview, trend_rows

    reg = sample_register(up_to_round=0)
    a, b = [i for i in reg.initiatives if not i.economy_na][:2]
    na = next(i for i in reg.initiatives if i.economy_na)
    early = next(m for i in reg.initiatives for m in i.milestones if m.deadline.round == 1)
    late = next(m for i in reg.initiatives for m in i.milestones if m.deadline.round == 3)
    g, y, r = Smiley.GREEN, Smiley.YELLOW, Smiley.RED
    ratings = [
        Rating(1, a.economy_key, y),
        Rating(2, a.economy_key, r),
        Rating(3, a.economy_key, r),
        Rating(1, b.economy_key, r),  # round 2: no smiley (missing) stands as it last stood
        Rating(3, b.economy_key, r),
        Rating(1, early.key, g),
    ]
    asked = {1: {early.key}, 3: {late.key}}
    rows = {row.item_key: row for row in trend_rows(reg, reg.rounds[2], ratings, asked)}
    F = State.FUTURE
    assert rows[a.economy_key].states == (State.YELLOW, State.RED, State.RED, F)
    assert (rows[a.economy_key].not_green_streak, rows[a.economy_key].red_streak) == (3, 2)
    assert rows[b.economy_key].states == (State.RED, State.MISSING, State.RED, F)
    assert (rows[b.economy_key].not_green_streak, rows[b.economy_key].red_streak) == (3, 3)
    assert rows[early.key].states == (State.GREEN, State.NOT_ASKED, State.NOT_ASKED, F)
    # "ikke relevant" in the register: neither missing nor not asked, in every round.
    assert rows[na.economy_key].states == (State.NOT_RELEVANT,) * 3 + (F,)
    assert rows[late.key].states == (
        State.NOT_APPLICABLE,
        State.NOT_APPLICABLE,
        State.MISSING,
        F,
    )
    _, red = overview(list(rows.values()), len(reg.rounds))
    assert [row.item_key for row in red] == [a.economy_key, b.economy_key]
    # Reported as of round 2, round 3 is the future and the streaks stop at round 2.
    at2 = {row.item_key: row for row in trend_rows(reg, reg.rounds[1], ratings, asked)}
    assert at2[a.economy_key].states == (State.YELLOW, State.RED, F, F)
    assert (at2[a.economy_key].not_green_streak, at2[a.economy_key].red_streak) == (2, 1)
