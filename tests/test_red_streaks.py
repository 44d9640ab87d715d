"""Red in a row, as the committee reads it: a red the center answers without a
comment, then stops answering, stays red in a row, with the comment its flag shows.

Found by a new user's trial at year end: an economy line red in rounds 1-3 and
unanswered at year end was flagged "Rød" in the flag list, but its streak read 0 and it
was missing from "Røde to opfølgninger i træk eller mere"; and where the flag list
showed the earlier round's comment, the streak table left the cell empty.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

from helpers import cli_done, send_answers
from person import SD, SS, TM, fill_register
from sheetflow.workspace import Workspace


def rows_after(summary: list[list[object]], heading: str) -> list[tuple[object, ...]]:
    """The rows of the summary's table under ``heading`` (after its column row), as
    the cells that hold something, up to the next empty row."""
    start = next(n for n, r in enumerate(summary) if r[0] == heading)
    out = []
    for row in summary[start + 2 :]:
        values = tuple(v for v in row if v not in (None, ""))
        if not values:
            return out
        out.append(values)
    return out


def test_a_red_left_without_comment_then_unanswered_stays_red_in_a_row(tmp_path: Path) -> None:
    ws = Workspace.at(tmp_path / "Budget 2026" / "røde i træk")
    cli_done("init", ws.root, "--blank")
    fill_register(ws.register_path)
    for rnd, answer in ((1, ("☹", "Over budget")), (2, ("☹", ""))):
        cli_done("issue", ws.root, "--round", rnd)
        send_answers(ws, TM, rnd, {f"T1-M{rnd}": ("☺", ""), "T1-E": answer})
        send_answers(ws, SD, rnd, {"S1-E": ("☺", "")} | ({"S1-M1": ("☺", "")} if rnd == 1 else {}))
        send_answers(ws, SS, rnd, {"H1-E": ("☺", "")} | ({"H1-M1": ("☺", "")} if rnd == 2 else {}))
        cli_done("collect", ws.root, "--round", rnd)
    cli_done("issue", ws.root, "--round", 3)
    send_answers(ws, SD, 3, {"S1-E": ("☺", "")})
    send_answers(ws, SS, 3, {"H1-E": ("☺", "")})
    cli_done("collect", ws.root, "--round", 3)  # Teknik og Miljø sends nothing

    expected = {
        # round 2: ☹ without a comment, its flag showing round 1's comment
        2: ("1.01 Sikre cykelstier", 2, TM, "Økonomi", "☹", "1. opf.: Over budget"),
        # round 3: no return, the red carried over from round 2
        3: ("1.01 Sikre cykelstier", 3, TM, "Økonomi", "☹", "1. opf.: Over budget"),
    }
    for rnd, row in expected.items():
        book = openpyxl.load_workbook(ws.master_path(rnd))
        summary = [list(r) for r in book["Overblik"].iter_rows(values_only=True)]
        streaks = rows_after(summary, "Røde to opfølgninger i træk eller mere")
        assert streaks == [row]
        flagged = [r for r in rows_after(summary, "Markerede punkter") if r[0] == row[0]]
        assert [(r[-2], r[-1]) for r in flagged] == [(row[-2], row[-1])]  # the same ☹, comment
        trends = [list(r) for r in book["Udvikling"].iter_rows(values_only=True)]
        economy = next(r for r in trends if r[0] == "1.01" and r[3] == "Økonomi")
        # The cells say what came back; "Ikke grøn i træk" counts as the flag judges.
        assert economy[5:8] == ["☹", "☹", "Mangler" if rnd == 3 else ""]
        assert economy[9] == row[1]  # a count, a number on both sheets


def test_a_list_heading_is_never_left_alone_at_the_foot_of_a_page() -> None:
    """Pure: a page holds 10 rows of 15 pt; a list's heading (row 8), its columns and
    first three rows are kept together with the blank row above, so the page breaks
    before that row; a page overfull with plain rows breaks where it is full."""
    from sheetflow.master.summary_sheet import ROW_PT, summary_breaks

    room = 10 * ROW_PT
    keep = {8: 12}  # heading, columns, three rows
    assert summary_breaks(16, {}, keep, room) == [7]
    assert summary_breaks(16, {}, {}, room) == [10]
    # A list that fits where it starts stays there.
    assert summary_breaks(10, {}, {2: 6}, room) == []
    # The blank row above a heading goes with it: a trial found a page of that row
    # alone before a list taller than a page.
    assert summary_breaks(40, {n: 40.0 for n in range(9, 14)}, {8: 13}, room) == [
        7,
        14,
        24,
        34,
    ]


def test_reds_in_a_row_list_the_longest_first_and_silent_centers_last(tmp_path: Path) -> None:
    """A trial's round 2 listed 73 items red two rounds in a row, in register order, 61
    of them carried from round 1 for centers that had not returned round 2."""
    ws = Workspace.at(tmp_path / "Budget 2026" / "rækkefølge")
    cli_done("init", ws.root, "--blank")
    fill_register(ws.register_path)
    for rnd in (1, 2):
        cli_done("issue", ws.root, "--round", rnd)
        send_answers(ws, SD, rnd, {"S1-E": ("☺" if rnd == 1 else "☹", "Dyre råvarer")})
        send_answers(ws, SS, rnd, {"H1-E": ("☹", "Flere vagter")})
        if rnd == 1:  # Teknik og Miljø answers round 1 only
            send_answers(ws, TM, 1, {"T1-M1": ("☺", ""), "T1-E": ("☹", "Over budget")})
        cli_done("collect", ws.root, "--round", rnd)
    cli_done("issue", ws.root, "--round", 3)
    send_answers(ws, SD, 3, {"S1-E": ("☹", "Stadig dyre råvarer")})
    send_answers(ws, SS, 3, {"H1-E": ("☹", "Stadig for mange vagter")})
    cli_done("collect", ws.root, "--round", 3)  # Teknik og Miljø sends nothing

    book = openpyxl.load_workbook(ws.master_path(3))
    summary = [list(r) for r in book["Overblik"].iter_rows(values_only=True)]
    streaks = rows_after(summary, "Røde to opfølgninger i træk eller mere")
    assert [(r[0], r[1], r[2]) for r in streaks] == [
        ("1.03 Hjemmepleje i nattetimerne", 3, SS),  # returned, the longest
        ("1.02 Skolemad", 2, SD),  # returned
        ("1.01 Sikre cykelstier", 3, TM),  # silent since round 1: its red carried
    ]


def test_a_long_streak_list_has_its_counts_as_numbers_on_its_own_sheet(tmp_path: Path) -> None:
    """A list longer than the summary shows goes to a sheet of its own; its count
    column holds numbers there too (a count stored as text is one Excel marks with a
    green corner and cannot sort from the longest)."""
    import xlsxwriter

    from sheetflow.master.list_sheet import ItemList, write_list
    from sheetflow.master.styles import Styles

    rows: list[list[str | int]] = [
        ["1.01 Cykelstier", 3, TM, "Økonomi", "", "☹", "Over budget"],
        ["1.02 Skolemad", 2, SD, "Anlæg", "1. opf.", "☹", ""],
    ]
    headers = ["Nr.", "Røde i træk", "Center", "Punkt", "Frist", "Smiley", "Kommentar"]
    path = tmp_path / "liste.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    items = ItemList("Røde", "Røde i træk", headers, 2, lambda: rows, "", 5)
    write_list(wb, Styles(wb), items, ("", "", ""))
    wb.close()
    sheet = openpyxl.load_workbook(path)["Røde i træk"]
    got = [[(c.value, c.data_type) for c in row[:3]] for row in sheet.iter_rows(min_row=2)]
    assert got == [
        [("1.01 Cykelstier", "s"), (3, "n"), (TM, "s")],
        [("1.02 Skolemad", "s"), (2, "n"), (SD, "s")],
    ]
