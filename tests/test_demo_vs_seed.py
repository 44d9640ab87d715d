"""``sheetflow demo`` rebuilds the seed's third follow-up: its ratings.csv and
master workbook checked against an independent reading of the seed
(``seedparse``), never against the product's own importer."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from seedparse import SYMBOL, Seed, SeedInitiative, expected_counts, norm, parse_seed
from sheetflow.demo import DemoResult

Row = dict[str, str]


@pytest.fixture(scope="module")
def seed(seed_text: str) -> Seed:
    return parse_seed(seed_text)


@pytest.fixture(scope="module")
def rows(demo_result: DemoResult) -> list[Row]:
    path = Path(demo_result.collect.ratings_csv)
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def master(demo_result: DemoResult) -> Any:
    return openpyxl.load_workbook(demo_result.master, data_only=True)


def _ini_rows(rows: list[Row], ini: SeedInitiative) -> list[Row]:
    return [r for r in rows if r["title"] == ini.title and r["number"] == ini.number]


def _milestone_rows(rows: list[Row], ini: SeedInitiative, text: str, deadline: str) -> list[Row]:
    return [
        r
        for r in _ini_rows(rows, ini)
        if r["item"] == "milestone"
        and norm(r["milestone_text"]) == text
        and r["deadline"] == deadline
    ]


def _one(found: list[Row], what: object) -> Row:
    assert len(found) == 1, (what, found)
    return found[0]


# ------------------------------------------------------------------ ratings.csv


def test_milestones_are_told_apart_by_initiative_text_and_deadline(seed: Seed) -> None:
    """Precondition of the look-ups below (the seed repeats some texts)."""
    keys = [(i.title, m.text, m.deadline) for i in seed.initiatives for m in i.defined]
    assert len(set(keys)) == len(keys)
    assert len({i.title for i in seed.initiatives}) == len(seed.initiatives)


def test_ratings_csv_has_the_spec_columns(rows: list[Row]) -> None:
    assert list(rows[0]) == [
        "round", "center", "section", "initiative_key", "number", "title",
        "item", "milestone_text", "deadline", "rating", "comment", "source", "state",
    ]  # fmt: skip
    assert {r["round"] for r in rows} == {"1", "2", "3"}
    assert {r["state"] for r in rows} == {"answered", "missing", "not-applicable"}
    assert {r["rating"] for r in rows} <= {"green", "yellow", "red", ""}
    assert {r["item"] for r in rows} == {"milestone", "economy"}


def test_every_initiative_appears_with_its_center_and_section(rows: list[Row], seed: Seed) -> None:
    keys = set()
    for ini in seed.initiatives:
        found = _ini_rows(rows, ini)
        assert found, ini.title
        assert {r["center"] for r in found} == {ini.center}, ini.title
        assert {r["section"] for r in found} == {ini.section}, ini.title
        (key,) = {r["initiative_key"] for r in found}
        keys.add(key)
        economy = [r for r in found if r["item"] == "economy"]
        assert sorted(r["round"] for r in economy) == ["1", "2", "3"], ini.title
    assert len(keys) == len(seed.initiatives)  # both 7.07 keep their own key
    assert {r["initiative_key"] for r in rows} == keys


def test_every_due_milestone_appears_with_text_and_deadline(rows: list[Row], seed: Seed) -> None:
    """Milestones with text whose deadline is round 1-3 were rated or asked in some round.

    (Milestones due 31.12.2017 are neither rated nor asked by round 3, and
    docs/workbooks.md#ratingscsv gives ratings.csv rows only for rated or asked
    milestones; they are checked on the master's detail sheet instead.)
    """
    for ini in seed.initiatives:
        for ms in ini.defined:
            if ms.round is None:
                continue
            assert _milestone_rows(rows, ini, ms.text, ms.deadline), (ini.title, ms.deadline)
    placeholders = [r for r in rows if r["item"] == "milestone" and not r["milestone_text"]]
    assert placeholders == []


def test_every_milestone_smiley_stands_in_the_round_its_deadline_names(
    rows: list[Row], seed: Seed
) -> None:
    checked = 0
    for ini in seed.initiatives:
        for ms in ini.defined:
            if ms.round is None:
                continue
            by_round = {r["round"]: r for r in _milestone_rows(rows, ini, ms.text, ms.deadline)}
            assert len(by_round) == len(_milestone_rows(rows, ini, ms.text, ms.deadline))
            row = by_round.get(str(ms.round))
            assert row is not None, (ini.title, ms.deadline)
            assert row["rating"] == (ms.colour or ""), (ini.title, ms.deadline)
            # No rating in a round before the milestone's own round.
            for earlier in range(1, ms.round):
                assert str(earlier) not in by_round, (ini.title, ms.deadline, earlier)
            checked += 1
    assert checked == 29 + 26 + 27  # rated milestones of rounds 1, 2, 3 in the seed


def test_round_3_asks_again_about_earlier_non_green_and_repeats_the_smiley(
    rows: list[Row], seed: Seed
) -> None:
    repeated = 0
    for ini in seed.initiatives:
        for ms in ini.defined:
            if ms.round not in (1, 2) or ms.colour == "green":
                continue
            found = {r["round"]: r for r in _milestone_rows(rows, ini, ms.text, ms.deadline)}
            assert "3" in found, (ini.title, ms.deadline)
            assert found["3"]["rating"] == (ms.colour or ""), (ini.title, ms.deadline)
            assert found["3"]["source"].endswith(tuple("0123456789")), found["3"]["source"]
            assert ".xlsx!" in found["3"]["source"], found["3"]["source"]
            repeated += 1
    assert repeated == 10  # 5.03, 6.11 x2, 7.03, 7.09, 8.01, 8.04 x2, UCC hjemfaldspligt x2


def test_green_milestones_are_not_asked_again(rows: list[Row], seed: Seed) -> None:
    for ini in seed.initiatives:
        for ms in ini.defined:
            if ms.round in (1, 2) and ms.colour == "green":
                rounds = {r["round"] for r in _milestone_rows(rows, ini, ms.text, ms.deadline)}
                assert rounds == {str(ms.round)}, (ini.title, ms.deadline)


def test_every_economy_smiley_of_the_seed_is_the_round_3_rating(
    rows: list[Row], seed: Seed
) -> None:
    colours = Counter()
    for ini in seed.initiatives:
        economy = {r["round"]: r for r in _ini_rows(rows, ini) if r["item"] == "economy"}
        assert economy["3"]["rating"] == (ini.economy_colour or ""), ini.title
        # The seed records no economy smiley for rounds 1 and 2.
        assert economy["1"]["rating"] == economy["2"]["rating"] == "", ini.title
        colours[ini.economy_colour] += 1
    assert colours == Counter({None: 17, "green": 10, "red": 4, "yellow": 1})


def test_economy_lines_without_economic_effect_are_not_applicable_not_missing(
    rows: list[Row], seed: Seed, demo_result: DemoResult
) -> None:
    """The seed leaves 17 economy lines unrated because they have no economic effect:
    the demo marks them "ikke relevant", so no round asks for them and no flag says
    they are missing; every other economy line is still asked and flagged as before."""
    no_effect = [i for i in seed.initiatives if i.no_economic_effect]
    assert len(no_effect) == 17
    assert all(i.economy_colour is None for i in no_effect)
    for ini in no_effect:
        states = {r["round"]: r["state"] for r in _ini_rows(rows, ini) if r["item"] == "economy"}
        assert states == {"1": "not-applicable", "2": "not-applicable", "3": "not-applicable"}
    by_title = {(i.title, i.number) for i in no_effect}
    keys = {r["initiative_key"] for r in rows if (r["title"], r["number"]) in by_title}
    flagged_economy = [f for f in demo_result.collect.flags if f.item_key.endswith("-E")]
    assert [f for f in flagged_economy if f.initiative_key in keys] == []
    # The other lines are rated in round 3 (red ones flagged red, none missing).
    assert sorted(f.kinds for f in flagged_economy) == [("red",)] * 4
    rated = [i for i in seed.initiatives if not i.no_economic_effect]
    assert all(i.economy_colour is not None for i in rated)


def test_round_3_comments_include_the_seeds_status_notes(rows: list[Row], seed: Seed) -> None:
    notes = 0
    for ini in seed.initiatives:
        for ms in ini.defined:
            if ms.note is None or ms.round is None:
                continue
            row = _one(
                [
                    r
                    for r in _milestone_rows(rows, ini, ms.text, ms.deadline)
                    if r["round"] == str(ms.round)
                ],
                (ini.title, ms.deadline),
            )
            assert norm(row["comment"]) == ms.note, (ini.title, ms.deadline)
            notes += 1
        if ini.economy_has_note:
            row = _one(
                [r for r in _ini_rows(rows, ini) if r["item"] == "economy" and r["round"] == "3"],
                ini.title,
            )
            assert norm(row["comment"]) == ini.economy_note, ini.title
            notes += 1
    assert notes == 17  # round 3: 8 milestones + 4 economies; round 2: 5 milestones
    round3 = [norm(r["comment"]) for r in rows if r["round"] == "3" and r["comment"]]
    assert "Afklaring med staten pågår stadig og er en forudsætning for lokalplanlægning." in round3


# -------------------------------------------------------------- master: detail


def _detail(master: Any, seed: Seed) -> tuple[dict[str, int], dict[tuple, list[Any]]]:
    """Round columns by header, and the rows of the detail sheet keyed by
    (initiative title, label, text, deadline)."""
    ws = master["Delelementer"]
    header = [c.value for c in ws[1]]
    columns = {h: i for i, h in enumerate(header) if h in ("1.", "2.", "3.")}
    assert set(columns) == {"1.", "2.", "3."}, header
    titles = {i.title for i in seed.initiatives}
    current = None
    out: dict[tuple, list[Any]] = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        label, text = row[0], row[1]
        if text in titles and label not in ("Milepæl", "Økonomi"):
            current = text
        elif label in ("Milepæl", "Økonomi"):
            key = (current, label, norm(text), row[2] or "")
            assert key not in out, key
            out[key] = list(row)
    return columns, out


def test_detail_sheet_shows_every_smiley_in_its_round_column(master: Any, seed: Seed) -> None:
    columns, detail = _detail(master, seed)
    comment_col = max(columns.values()) + 1
    for ini in seed.initiatives:
        for ms in ini.defined:
            row = detail.get((ini.title, "Milepæl", ms.text, ms.deadline))
            assert row is not None, (ini.title, ms.deadline)
            if ms.colour:
                assert row[columns[f"{ms.round}."]] == SYMBOL[ms.colour], (ini.title, ms.deadline)
                for n in range(1, ms.round):
                    assert not row[columns[f"{n}."]], (ini.title, ms.deadline, n)
            if ms.note:
                assert norm(row[comment_col]) == ms.note, (ini.title, ms.deadline)
        eco = detail.get((ini.title, "Økonomi", ini.economy_text, ""))
        assert eco is not None, ini.title
        assert (eco[columns["3."]] or None) == (
            SYMBOL[ini.economy_colour] if ini.economy_colour else None
        ), ini.title
        if ini.economy_note:
            assert norm(eco[comment_col]) == ini.economy_note, ini.title


def test_detail_sheet_lists_every_milestone_of_the_seed(master: Any, seed: Seed) -> None:
    _, detail = _detail(master, seed)
    shown = [k for k in detail if k[1] == "Milepæl" and k[2]]
    expected = [
        (i.title, "Milepæl", m.text, m.deadline) for i in seed.initiatives for m in i.defined
    ]
    assert sorted(shown) == sorted(expected)
    assert len([k for k in detail if k[1] == "Økonomi"]) == len(seed.initiatives)


def test_detail_sheet_repeats_the_earlier_smiley_for_re_asked_milestones(
    master: Any, seed: Seed
) -> None:
    columns, detail = _detail(master, seed)
    ini = seed.by_number("7.03")[0]
    ms = ini.milestones[1]  # "Ombygningsprojekterne er igangsat." round 2, ☹
    row = detail[(ini.title, "Milepæl", ms.text, ms.deadline)]
    assert [row[columns[c]] for c in ("1.", "2.", "3.")] == ["", "☹", "☹"]


def test_detail_sheet_sections_in_seed_order(master: Any, seed: Seed) -> None:
    ws = master["Delelementer"]
    labels = [
        row[0] for row in ws.iter_rows(min_row=2, values_only=True) if row[0] in seed.sections
    ]
    assert labels == seed.sections


# ------------------------------------------------------------- master: summary


def _counts_table(master: Any, first_header: str) -> dict[str, list[int]]:
    ws = master["Overblik"]
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    bucket = ["Grøn ☺", "Gul 😐", "Rød ☹", "Uden smiley"]
    for n, row in enumerate(grid):
        if row[0] == first_header and row[1:9] == bucket * 2:
            above = grid[n - 1]
            assert above[1] == "Milepæle" and above[5] == "Økonomi", above
            table = {}
            for data in grid[n + 1 :]:
                if data[0] in (None, "", "I alt"):
                    break
                table[data[0]] = [int(v) for v in data[1:9]]
            return table
    raise AssertionError(f"no counts table headed {first_header!r} on Overblik")


def test_summary_counts_per_center_equal_the_seed(master: Any, seed: Seed) -> None:
    table = _counts_table(master, "Center")
    assert table == expected_counts(seed, "center")
    assert list(table) == seed.centers


def test_summary_counts_per_section_equal_the_seed(master: Any, seed: Seed) -> None:
    table = _counts_table(master, "Afsnit")
    assert table == expected_counts(seed, "section")


def test_summary_totals_add_up(master: Any, seed: Seed) -> None:
    ws = master["Overblik"]
    expected = [sum(col) for col in zip(*expected_counts(seed).values(), strict=True)]
    totals = [
        [int(v) for v in row[1:9]]
        for row in ws.iter_rows(values_only=True)
        if row[0] == "I alt" and None not in row[1:9]
    ]
    # the counts table per center, then the one per section
    assert totals == [expected, expected]
    assert expected[:4] == [65, 0, 17, 0]
