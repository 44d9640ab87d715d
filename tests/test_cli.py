"""Every verb through click's CliRunner: exit codes and exact messages."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from helpers import fill, fill_all_green, inputs_of, issued_for
from sheetflow.cli import main
from sheetflow.issue import safe_name
from sheetflow.register.sample import sample_register
from sheetflow.workspace import Workspace

VERBS = [
    "init", "issue", "collect", "validate", "status", "review", "close", "remind", "send",
    "demo", "export", "report", "serve", "user", "links",
]  # fmt: skip


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_explains_itself_with_an_example(verb: str) -> None:
    code, out = run(verb, "--help")
    assert code == 0
    assert "Eksempel:" in out or "Eksempler:" in out  # Danish by default
    assert "sheetflow " + verb in out
    code, out = run(verb, "--help", "--lang", "en")
    assert code == 0 and "Example" in out and "sheetflow " + verb in out


def test_init_sample_prints_what_the_register_holds(tmp_path: Path) -> None:
    code, out = run("init", tmp_path / "ws")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"Register skrevet: {tmp_path / 'ws' / 'register.xlsx'}"
    assert lines[1] == "  32 delelementer i 4 afsnit, 106 milepæle (+22 tomme pladsholdere)"
    assert "      9  HR og Organisationsudvikling" in lines
    assert "    1. opfølgning, milepæle: 25/0/4" in lines
    assert "    2. opfølgning, milepæle: 20/0/6" in lines


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    run("init", tmp_path / "ws")
    code, out = run("init", tmp_path / "ws")
    assert code == 2
    assert out.strip() == (
        f"Fejl: {tmp_path / 'ws' / 'register.xlsx'} findes allerede. "
        "Brug --force for at overskrive det."
    )
    assert run("init", tmp_path / "ws", "--blank", "--force")[0] == 0


def test_init_plans_a_blank_register_or_the_starter_for_the_year_given(
    tmp_path: Path, seed_path: Path
) -> None:
    """On 30 November finance sets up next year's follow-up: --year plans its rounds."""
    from sheetflow.register.workbook import read_register

    code, out = run("init", tmp_path / "blank", "--blank", "--year", "2027", "--json")
    assert code == 0
    register, report = read_register(tmp_path / "blank" / "register.xlsx")
    assert report.ok
    assert [(r.name, r.as_of, r.return_deadline) for r in register.rounds] == [
        ("1. budgetopfølgning 2027", dt.date(2027, 3, 31), dt.date(2027, 4, 14)),
        ("2. budgetopfølgning 2027", dt.date(2027, 6, 30), dt.date(2027, 7, 14)),
        ("3. budgetopfølgning 2027", dt.date(2027, 9, 30), dt.date(2027, 10, 14)),
        ("Årsafslutning 2027", dt.date(2027, 12, 31), dt.date(2028, 1, 15)),
    ]
    assert register.info.agreement == "Aftale om budget 2027"
    code, out = run("init", tmp_path / "starter", "--example", "starter", "--year", "2031")
    assert code == 0
    assert "Opfølgninger: 1. budgetopfølgning 2031, 2. budgetopfølgning 2031," in out
    assert run("issue", tmp_path / "starter", "--round", "1")[0] == 0
    refused = (
        "Fejl: --year gælder et tomt register (--blank) og eksemplerne projects, starter, "
        "ikke eksemplet fra 2017 (som init skriver uden tilvalg) eller en rapport. "
        "Et tomt register for 2027: --blank --year 2027."
    )
    for source in ([], ["--example", "sample"], ["--from-report", str(seed_path)]):
        code, out = run("init", tmp_path / "other", *source, "--year", "2027")
        assert (code, out.strip()) == (2, refused), source
    code, out = run("init", tmp_path / "other", "--blank", "--year", "27")
    assert code == 2
    assert out.strip().splitlines()[-1] == (
        "Fejl: Ugyldig værdi for '--year': '27' er ikke et årstal fra 2000 til 2100 "
        "(for eksempel 2027)."
    )
    assert not (tmp_path / "other").exists()  # a refused init leaves no folder behind


def test_a_refused_init_removes_the_folders_it_made_and_only_those(
    tmp_path: Path, seed_path: Path
) -> None:
    """A first try with an option that does not fit left the new workspace folder
    with a lock file in it; a folder finance made before is kept."""
    nested = tmp_path / "Økonomi 2027" / "runde æ"
    code, _ = run("init", nested, "--year", "2027")
    assert code == 2
    assert list(tmp_path.iterdir()) == []
    code, _ = run("init", nested, "--from-report", tmp_path / "findes ikke.txt")
    assert code == 2
    assert list(tmp_path.iterdir()) == []
    nested.mkdir(parents=True)
    (nested.parent / "noter.txt").write_text("finance's own", encoding="utf-8")
    code, _ = run("init", nested, "--example", "sample", "--year", "2027")
    assert code == 2
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["noter.txt", "runde æ", "Økonomi 2027"]
    assert run("init", nested, "--blank", "--year", "2027")[0] == 0


def test_init_refuses_two_registers_to_start_from(tmp_path: Path, seed_path: Path) -> None:
    """click lets the last of --sample/--blank win; init says the two do not go together."""
    cases = [
        (["--blank", "--sample"], "--sample, --blank"),
        (["--blank", "--example", "starter"], "--blank, --example"),
        (
            ["--sample", "--from-report", str(seed_path), "--year", "2027"],
            "--sample, --from-report",
        ),
    ]
    for args, named in cases:
        code, out = run("init", tmp_path / "ws", *args)
        assert (code, out.strip()) == (
            2,
            f"Fejl: Vælg ét register at starte fra: {named} kan ikke bruges sammen.",
        ), args
    assert not (tmp_path / "ws" / "register.xlsx").exists()
    code, out = run("init", tmp_path / "ws", "--blank")
    assert code == 0
    assert "pr. center" not in out  # a blank register has no centers to list yet


def test_init_from_report_as_json(tmp_path: Path, seed_path: Path) -> None:
    code, out = run("init", tmp_path / "ws", "--from-report", seed_path, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["initiatives"] == 32
    assert data["ratings"]["3:milestone"] == {"green": 20, "red": 7}
    assert data["ratings"]["3:economy"] == {"green": 10, "red": 4, "yellow": 1}


def test_init_from_missing_report_is_bad_usage(tmp_path: Path) -> None:
    code, out = run("init", tmp_path / "ws", "--from-report", tmp_path / "nope.txt")
    assert code == 2
    assert out.strip() == f"Fejl: Rapportfilen '{tmp_path / 'nope.txt'}' findes ikke."


def test_issue_writes_every_center(sample_ws: Workspace) -> None:
    code, out = run("issue", sample_ws.root, "--round", "3")
    assert code == 0
    lines = out.splitlines()
    # The 2017 report numbers two initiatives 7.07; issue says so before the workbooks go out.
    assert lines[0] == (
        "  [advarsel] register.xlsx / Delelementer / C17: Nr. '7.07' er også brugt af et andet "
        "delelement (C16); giv hvert delelement sit eget nummer, så de kan skelnes. "
        "(register-duplicate-number)"
    )
    assert lines[1] == "3. budgetopfølgning 2017: 9 projektmapper udsendt"
    assert len(lines) == 11


def test_many_register_warnings_of_one_kind_are_counted_not_all_printed(
    sample_ws: Workspace,
) -> None:
    """Thirteen more initiatives numbered 7.07 beside the seed's two give fourteen
    warnings of one kind (every use after C2's): ten are shown, four counted, with
    a second number used twice (8.08) named, not hidden behind the first."""
    import openpyxl

    wb = openpyxl.load_workbook(sample_ws.register_path)
    sheet = wb["Delelementer"]
    col = [c.value for c in sheet[1]].index("Nr.") + 1
    expected_cells = []
    for row in range(2, 15):
        sheet.cell(row=row, column=col).value = "7.07"
        expected_cells.append(f"C{row}")
    for row in (18, 19):  # another number used twice, after the ten shown
        sheet.cell(row=row, column=col).value = "8.08"
    wb.save(sample_ws.register_path)
    code, out = run("issue", sample_ws.root, "--round", "3")
    assert code == 0
    warnings = [line for line in out.splitlines() if line.startswith("  [advarsel]")]
    shown = [w.split(" / ")[2].split(":")[0] for w in warnings]
    assert shown == expected_cells[1:11]  # C3..C12; C13, C14, C16, C17 and C19 counted
    assert (
        "  … og 5 flere af samme slags, også for 8.08 (register-duplicate-number)."
        in out.splitlines()
    )
    code, out = run("issue", sample_ws.root, "--round", "4", "--lang", "en")
    assert (
        "  … and 5 more of the same kind, also for 8.08 (register-duplicate-number)."
        in out.splitlines()
    )


def test_issue_unknown_round_is_bad_usage(sample_ws: Workspace) -> None:
    code, out = run("issue", sample_ws.root, "--round", "9")
    assert code == 2
    names = ", ".join(f"{r.number} ({r.name})" for r in sample_register().rounds)
    assert out.strip() == f"Fejl: Opfølgningen '9' findes ikke i registret. Brug en af: {names}."


def test_issue_without_register_is_bad_usage(tmp_path: Path) -> None:
    code, out = run("issue", tmp_path / "empty", "--round", "3")
    assert code == 2
    assert out.strip() == (
        f"Fejl: Der er intet register i {tmp_path / 'empty'}/. "
        f'Start med: sheetflow init "{tmp_path / "empty"}"'
    )


def test_collect_all_accepted_exits_0(issued_ws: Workspace) -> None:
    for center in sample_register().responsible_centers():
        fill_all_green(issued_ws, center, issued_ws.inbox_dir(3) / f"{safe_name(center)}.xlsx")
    code, out = run("collect", issued_ws.root, "--round", "3")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "3. budgetopfølgning 2017: 9 godkendt, 0 afvist"
    assert lines[-1] == f"Samlet projektmappe: {issued_ws.master_path(3)}"


def test_collect_names_a_return_replaced_in_the_same_run_in_its_count_line(
    issued_ws: Workspace,
) -> None:
    """Superseded and skipped files are counted only when there are some."""
    now = dt.datetime.now(dt.UTC)
    _, layout = issued_for(issued_ws, "Ejendomme")
    smileys = dict.fromkeys(inputs_of(layout, "smiley"), "☺")
    for name, hours in (("første.xlsx", 2), ("anden.xlsx", 1)):
        saved = now - dt.timedelta(hours=hours)
        fill(issued_ws, "Ejendomme", smileys, issued_ws.inbox_dir(3) / name, saved_at=saved)
    (issued_ws.inbox_dir(3) / "~$anden.xlsx").write_bytes(b"lock")
    code, out = run("collect", issued_ws.root, "--round", "3")
    assert code == 0, out
    assert out.splitlines()[0] == (
        "3. budgetopfølgning 2017: 1 godkendt, 0 afvist, 1 afløst, 1 sprunget over"
    ), out


@pytest.mark.parametrize(
    "args",
    [
        ["issue", "--round", "3"],
        ["collect", "--round", "3"],
        ["close", "--round", "3"],
        ["remind", "--round", "3"],
        ["review", "Ejendomme", "--round", "3", "--accept"],
    ],
    ids=lambda a: a[0],
)
def test_a_mistyped_workspace_path_leaves_no_folder_behind(tmp_path: Path, args: list[str]) -> None:
    """A verb that writes took the workspace lock first, which made the folder (and a
    lock file in it) before it found no register there."""
    typo = tmp_path / "Økonomi 2027" / "runde ae"
    code, out = run(args[0], typo, *args[1:])
    assert (code, out.strip()) == (
        2,
        f'Fejl: Der er intet register i {typo}/. Start med: sheetflow init "{typo}"',
    )
    assert list(tmp_path.iterdir()) == []


def test_a_path_typed_without_its_danish_letters_names_the_workspace_beside_it(
    tmp_path: Path,
) -> None:
    """'Start med: sheetflow init <the typo>' would have made a second, stray workspace."""
    real = tmp_path / "Budget 2027" / "opfølgning å"
    assert run("init", real, "--blank")[0] == 0
    typos = [
        real.parent / "opfolgning a",
        tmp_path / "Budget 2O27" / "opfolgning a",  # two folders mistyped
        real.parent / unicodedata.normalize("NFD", "opfølgning å"),  # as macOS may pass it
    ]
    for typo, args in zip(typos, (["status"], ["issue", "--round", "1"], ["status"]), strict=True):
        code, out = run(args[0], typo, *args[1:])
        assert (code, out.strip()) == (
            2,
            f'Fejl: Der er intet register i {typo}/. Mente du "{real}"? '
            f'Ellers start med: sheetflow init "{typo}"',
        ), args
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_dir()) == [
        "Budget 2027", "opfølgning å"
    ]  # fmt: skip
    # A name near nothing gets no guess.
    code, out = run("status", tmp_path / "Andet" / "helt andet")
    assert out.strip() == (
        f"Fejl: Der er intet register i {tmp_path / 'Andet' / 'helt andet'}/. "
        f'Start med: sheetflow init "{tmp_path / "Andet" / "helt andet"}"'
    )


def test_review_with_the_center_alone_uses_the_default_workspace(
    issued_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The usage line is [WORKSPACE] CENTER: one name is the center, in ./out, as for
    every verb whose workspace is left out (click gave the name to WORKSPACE and then
    said CENTER was missing)."""
    fill_all_green(issued_ws, "Ejendomme", issued_ws.inbox_dir(3) / "ejd.xlsx")
    assert run("collect", issued_ws.root, "--round", "3")[0] == 0
    monkeypatch.chdir(issued_ws.root.parent)
    issued_ws.root.rename("out")
    code, out = run("review", "Ejendomme", "--round", "3", "--accept")
    assert code == 0, out
    assert out.splitlines() == [
        "Ejendomme er allerede godkendt i 3. budgetopfølgning 2017; intet er ændret."
    ]
    code, out = run("review", "--round", "3", "--accept")
    assert (code, out.splitlines()[-1]) == (2, "Fejl: Mangler argument 'CENTER'.")
    # A folder given alone is the workspace, with the center left out.
    code, out = run("review", "out", "--round", "3", "--accept")
    assert (code, out.splitlines()[-1]) == (2, "Fejl: Mangler argument 'CENTER'.")


def test_validate_says_when_the_file_was_collected_already(issued_ws: Workspace) -> None:
    """A trial validated a file already collected and was told only 'godkendes'."""
    path = fill_all_green(issued_ws, "Ejendomme", issued_ws.inbox_dir(3) / "ejd.xlsx")
    code, out = run("validate", path, issued_ws.root)
    assert (code, out.splitlines()) == (0, ["ejd.xlsx: godkendes (Ejendomme, 9 smileys)"])
    assert json.loads(run("validate", path, issued_ws.root, "--json")[1])["collected_as"] is None
    assert run("collect", issued_ws.root, "--round", "3")[0] == 0
    copy = issued_ws.root.parent / "kopi.xlsx"
    copy.write_bytes(path.read_bytes())
    code, out = run("validate", copy, issued_ws.root)
    assert code == 0 and len(out.splitlines()) == 2, out
    assert re.fullmatch(
        r"Filen er allerede indsamlet, som ejd\.xlsx, \d{4}-\d\d-\d\d \d\d:\d\d\.",
        out.splitlines()[1],
    ), out
    payload = json.loads(run("validate", copy, issued_ws.root, "--json")[1])
    assert payload["collected_as"] == "ejd.xlsx"


def test_collect_with_a_rejected_file_exits_1_and_says_why(issued_ws: Workspace) -> None:
    _, layout = issued_for(issued_ws, "Ejendomme")
    cell = inputs_of(layout)[0]
    fill(issued_ws, "Ejendomme", {cell: "ok"}, issued_ws.inbox_dir(3) / "ejd.xlsx")
    code, out = run("collect", issued_ws.root, "--round", "3", "--json")
    assert code == 1
    data = json.loads(out)
    assert [f["verdict"] for f in data["files"]] == ["rejected"]
    codes = [(f["code"], f["cell"]) for f in data["files"][0]["findings"]]
    assert ("invalid-smiley", cell) in codes
    assert data["flag_counts"]["not-returned"] == 9


def test_status_says_what_a_centers_files_were_when_it_sent_more_than_one(
    issued_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trial's status read "Filer 2" beside an accepted return with an empty note:
    the earlier file, rejected, was nowhere to be seen without --history."""
    monkeypatch.setenv("COLUMNS", "240")  # one line per center in the table
    ws, inbox = issued_ws, issued_ws.inbox_dir(3)
    _, layout = issued_for(ws, "Ejendomme")
    fill(ws, "Ejendomme", {inputs_of(layout)[0]: "ok"}, inbox / "ejd.xlsx")
    run("collect", ws.root, "--round", "3")
    fill_all_green(ws, "Ejendomme", inbox / "ejd rettet.xlsx")
    fill_all_green(ws, "Arbejdsmarked", inbox / "arb.xlsx")
    run("collect", ws.root, "--round", "3")
    _, out = run("status", ws.root, "--round", "3", "--json")
    centers = {c["center"]: c for c in json.loads(out)["centers"]}
    assert {n: (c["files"], c["file_verdicts"]) for n, c in centers.items() if c["files"]} == {
        "Ejendomme": (2, {"accepted": 1, "rejected": 1}),
        "Arbejdsmarked": (1, {"accepted": 1}),
    }
    _, out = run("status", ws.root, "--round", "3")
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 5}
    assert "filer: 1 godkendt, 1 afvist (se --history)" in rows["Ejendomme"], out
    assert "filer:" not in rows["Arbejdsmarked"], out  # one file: its state says it all
    _, out = run("status", ws.root, "--round", "3", "--lang", "en")
    assert "files: 1 accepted, 1 rejected (see --history)" in out, out


def test_a_path_with_spaces_typed_without_quotes_is_named_quoted(tmp_path: Path) -> None:
    """A trial typed status's workspace without quotes; the shell split it at the
    space and click said only "Uventet ekstra argument (2027/opfølgning)"."""
    ws = tmp_path / "Økonomi 2027" / "opfølgning"
    assert run("init", ws)[0] == 0
    code, out = run("status", *str(ws).split(" "))
    assert code == 2
    assert out.splitlines()[-2:] == [
        "Fejl: Uventet ekstra argument (2027/opfølgning)",
        f'Har stien mellemrum? Sæt den i anførselstegn: "{ws}"',
    ]
    # init makes its folder: the path need not exist yet, only the folder it goes in.
    new = tmp_path / "Ny mappe"
    code, out = run("init", *str(new).split(" "), "--lang", "en")
    assert (code, out.splitlines()[-1]) == (
        2,
        f'Does the path have spaces? Put it in quotes: "{new}"',
    )
    assert not new.exists()
    # Another extra word: no hint about quotes.
    code, out = run("status", ws, "ekstra")
    assert (code, out.splitlines()[-1]) == (2, "Fejl: Uventet ekstra argument (ekstra)")


def test_collect_unissued_round_is_bad_usage(sample_ws: Workspace) -> None:
    code, out = run("collect", sample_ws.root, "--round", "4")
    assert code == 2
    assert out.strip() == (
        "Fejl: Årsafslutning 2017 er ikke udsendt endnu. Kør først: "
        f'sheetflow issue "{sample_ws.root}" --round 4'
    )


def test_validate_one_file(issued_ws: Workspace, tmp_path: Path) -> None:
    good = fill_all_green(issued_ws, "Ejendomme", tmp_path / "good.xlsx")
    code, out = run("validate", good, issued_ws.root)
    assert code == 0
    _, layout = issued_for(issued_ws, "Ejendomme")
    assert (
        out.splitlines()[0] == f"good.xlsx: godkendes (Ejendomme, {len(inputs_of(layout))} smileys)"
    )
    code, out = run("validate", good, issued_ws.root, "--json")
    data = json.loads(out)  # the same count as the line above, by name
    assert (data["smileys"], data["ratings"]) == (len(inputs_of(layout, "smiley")),) * 2
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    code, out = run("validate", bad, issued_ws.root, "--json")
    assert code == 1
    assert [f["code"] for f in json.loads(out)["findings"]] == ["file-not-workbook"]
    # validate records nothing
    code, out = run("status", issued_ws.root, "--json")
    assert {c["state"] for c in json.loads(out)["centers"]} == {"missing"}


def test_status_before_anything_is_issued_names_the_command_that_issues(
    sample_ws: Workspace,
) -> None:
    """A first day: status before issue says what to do (a trial met a bare error)."""
    ws = sample_ws.root
    first = min(r.number for r in sample_register().rounds)
    code, out = run("status", ws)
    assert (code, out) == (
        2,
        "Fejl: Ingen opfølgning er udsendt endnu. Udsend den første med: "
        f'sheetflow issue "{ws}" --round {first}\n',
    )
    code, out = run("status", ws, "--lang", "en")
    assert (code, out) == (
        2,
        f'Error: No round has been issued yet. Issue the first with: sheetflow issue "{ws}" '
        f"--round {first}\n",
    )


def test_status_names_returns_in_the_inbox_not_collected_yet(issued_ws: Workspace) -> None:
    """A return dropped in the inbox is "not collected yet" until collect reads it; a
    renamed copy of a collected file is not (the content tells, not the name)."""
    ws, inbox = issued_ws, issued_ws.inbox_dir(3)
    fill_all_green(ws, "Ejendomme", inbox / "ejd.xlsx")
    code, out = run("status", ws.root, "--round", "3", "--json")
    assert (code, json.loads(out)["waiting_files"]) == (0, ["ejd.xlsx"])
    code, out = run("status", ws.root, "--round", "3")
    command = f'sheetflow collect "{ws.root}" --round 3'
    assert f"1 fil i indbakken er ikke indsamlet endnu: {command}\n" in out, out
    run("collect", ws.root, "--round", "3")
    (inbox / "ejd kopi.xlsx").write_bytes((inbox / "ejd.xlsx").read_bytes())
    code, out = run("status", ws.root, "--round", "3", "--json")
    assert (code, json.loads(out)["waiting_files"]) == (0, [])
    code, out = run("status", ws.root, "--round", "3")
    assert "ikke indsamlet endnu" not in out, out


def test_status_says_where_the_rest_of_a_centers_flags_are(issued_ws: Workspace) -> None:
    """A center with more flags than status lists is told where the rest are: the
    master too once there is one. Before the round's first collect a trial was sent
    to a master that did not exist yet."""
    ws = issued_ws
    counts: dict[str, int] = {}
    code, out = run("status", ws.root, "--round", "3", "--json")
    assert code == 0
    for flag in json.loads(out)["flags"]:
        counts[flag["center"]] = counts.get(flag["center"], 0) + 1
    more = {center: n - 10 for center, n in counts.items() if n > 10}  # FLAGS_LISTED
    assert more  # the sample's round 3 has a center with more than ten due
    lines = [f"… og {n} markering{'er' if n > 1 else ''} mere" for n in more.values()]
    code, out = run("status", ws.root, "--round", "3")
    assert code == 0
    assert [line for line in out.splitlines() if "mere (" in line] == [
        f"    {line} (alle: status --json)" for line in lines
    ], out
    assert not ws.master_path(3).exists()
    run("collect", ws.root, "--round", "3")
    code, out = run("status", ws.root, "--round", "3")
    assert code == 0
    assert [line for line in out.splitlines() if "mere (" in line] == [
        f"    {line} (alle: status --json og den samlede projektmappe)" for line in lines
    ], out


def test_status_names_inbox_files_that_count_for_no_center(issued_ws: Workspace) -> None:
    """A return sent as .csv counts for no center: status names it, and does not say it
    is from another round (a trial's .xls and .csv were round 2's, just unreadable), nor
    that it is no center's (a late file of round 1 is its center's, in its own round).
    In a closed round, the command for a file not collected yet reopens it."""
    ws, inbox = issued_ws, issued_ws.inbox_dir(3)
    (inbox / "Vej og Park 2.csv").write_text("Nr.;Smiley\n1.01;☺\n", encoding="utf-8")
    run("collect", ws.root, "--round", "3")
    code, out = run("status", ws.root, "--round", "3")
    assert (
        "1 fil i indbakken tæller ikke for noget center i denne opfølgning: "
        "Vej og Park 2.csv (hvorfor står i master.xlsx under Fund).\n"
    ) in out, out
    code, out = run("status", ws.root, "--round", "3", "--lang", "en")
    assert (
        "1 file in the inbox counts for no center of this round: "
        "Vej og Park 2.csv (why is in master.xlsx under Findings).\n"
    ) in out, out
    run("close", ws.root, "--round", "3", "--force")
    fill_all_green(ws, "Ejendomme", inbox / "sent.xlsx")
    code, out = run("status", ws.root, "--round", "3")
    assert code == 0, out
    command = f'sheetflow collect "{ws.root}" --round 3 --reopen'
    assert f"1 fil i indbakken er ikke indsamlet endnu: {command}\n" in out, out


def test_status_stops_naming_a_stray_file_once_a_good_one_took_its_place(
    issued_ws: Workspace,
) -> None:
    """A trial's center sent a text file renamed .xlsx; finance saved the center's good
    workbook over it, under the same name, and collected. status went on naming the
    file as counting for no center, though the inbox now holds an accepted return."""
    ws, inbox = issued_ws, issued_ws.inbox_dir(3)
    name = "Ejendomme_3_budgetopfoelgning_2017.xlsx"
    (inbox / name).write_text("Vi er på sporet.\n", encoding="utf-8")
    run("collect", ws.root, "--round", "3")
    code, out = run("status", ws.root, "--round", "3", "--json")
    assert [f["file"] for f in json.loads(out)["stray_files"]] == [name]
    fill_all_green(ws, "Ejendomme", inbox / name)
    code, out = run("collect", ws.root, "--round", "3")
    assert code == 0, out
    code, out = run("status", ws.root, "--round", "3", "--json")
    data = json.loads(out)
    assert (data["stray_files"], data["waiting_files"]) == ([], [])
    assert {c["center"]: c["state"] for c in data["centers"]}["Ejendomme"] == "accepted"
    code, out = run("status", ws.root, "--round", "3")
    assert "tæller ikke for noget center" not in out, out


def test_status_after_a_return(issued_ws: Workspace) -> None:
    fill_all_green(issued_ws, "Ejendomme", issued_ws.inbox_dir(3) / "ejd.xlsx")
    run("collect", issued_ws.root, "--round", "3")
    code, out = run("status", issued_ws.root, "--round", "3", "--json")
    assert code == 0
    data = json.loads(out)
    states = {c["center"]: c["state"] for c in data["centers"]}
    assert states["Ejendomme"] == "accepted"
    assert sum(s == "missing" for s in states.values()) == 8
    assert data["flag_counts"]["not-returned"] == 8
    code, out = run("status", issued_ws.root)
    assert code == 0
    assert "Ejendomme" in out and "godkendt" in out and "mangler" in out


def test_demo_prints_the_master_and_the_flags(tmp_path: Path) -> None:
    code, out = run("demo", tmp_path / "demo")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "3. budgetopfølgning 2017: 9 af 9 centre godkendt"
    assert lines[1].startswith("Markeringer: røde: ")
    assert lines[-1] == f"Samlet projektmappe: {tmp_path / 'demo' / 'rounds' / '3' / 'master.xlsx'}"
    assert (tmp_path / "demo" / "rounds" / "3" / "master.xlsx").is_file()
    # Running it again rebuilds the demo workspace; a real workspace is never wiped.
    assert run("demo", tmp_path / "demo")[0] == 0
    run("init", tmp_path / "real")
    code, out = run("demo", tmp_path / "real")
    assert code == 2
    assert "Vælg en anden mappe til demoen." in out


class _CtrlCAtImport:
    """Ctrl-C while Python loads the command line: the import of sheetflow.cli is
    interrupted (the fault point is the import system)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "sheetflow.cli":
            raise KeyboardInterrupt


@pytest.mark.parametrize(("argv", "said"), [([], "Afbrudt."), (["--lang", "en"], "Interrupted.")])
def test_ctrl_c_while_the_command_starts_says_interrupted_without_a_traceback(
    argv: list[str], said: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from sheetflow import entry

    monkeypatch.delitem(sys.modules, "sheetflow.cli")
    monkeypatch.setattr(sys, "meta_path", [_CtrlCAtImport(), *sys.meta_path])
    monkeypatch.setattr(sys, "argv", ["sheetflow", "status", *argv])
    with pytest.raises(SystemExit) as ended:
        entry.run()
    assert (ended.value.code, capsys.readouterr()) == (130, ("", said + "\n"))


def test_json_is_written_in_pieces_as_the_same_text(capsys: pytest.CaptureFixture[str]) -> None:
    """--json output is encoded a piece at a time (a round's flags at N = 1000 were one
    200 MB string): the text is what json.dumps makes, across many pieces."""
    from sheetflow.cli import _echo_json

    payload = {"flags": [{"center": "Børn og Unge", "smiley": "☹", "n": i} for i in range(5000)]}
    _echo_json(payload)
    out = capsys.readouterr().out
    assert len(out) > 4 * (1 << 16)
    assert out == json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


class _Bar:
    """A progress display that writes down what it is told."""

    def __init__(self) -> None:
        self.told: list[str] = []

    def update(
        self, _task: object, advance: int = 0, description: str = "", count: str = ""
    ) -> None:
        self.told.append(f"+{advance} {description} [{count}]")


@contextlib.contextmanager
def _told(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Bar]:
    """The CLI's progress display, writing down what it is told."""
    import sheetflow.cli as cli_module

    bar = _Bar()

    @contextlib.contextmanager
    def display(label: str) -> Any:
        yield cli_module.Ticker(bar, 1, label)

    monkeypatch.setattr(cli_module, "progress_bar", display)
    yield bar


@pytest.mark.parametrize(
    ("lang", "recording", "master"),
    [
        ("da", "Registrerer de modtagne projektmapper", "Skriver samlet projektmappe"),
        ("en", "Recording the returned workbooks", "Writing the master"),
    ],
)
def test_collect_tells_the_terminal_when_it_moves_on_to_the_master(
    issued_ws: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    recording: str,
    master: str,
) -> None:
    """After the last file the display showed that file's name, frozen, for the half
    minute a master of 1,000 returns takes; it now says what collect is doing. The
    count knows its total ("1/2", not "1/?") and is not carried into the steps."""
    center = sample_register().responsible_centers()[0]
    fill_all_green(issued_ws, center, issued_ws.inbox_dir(3) / "retur.xlsx")
    (issued_ws.inbox_dir(3) / "noter.xlsx").write_bytes(b"not a workbook")
    with _told(monkeypatch) as bar:
        result = CliRunner().invoke(
            main, ["collect", str(issued_ws.root), "--round", "3", "--lang", lang]
        )
    assert result.exit_code == 1, result.output  # one file rejected
    label = "Indsamler" if lang == "da" else "Collecting"
    assert bar.told == [
        "+0  [0/2]",
        f"+1 {label}: noter.xlsx [1/2]",
        f"+1 {label}: retur.xlsx [2/2]",
        f"+0 {recording} []",
        f"+0 {master} []",
    ]


def test_issue_counts_the_workbooks_it_writes_against_how_many_there_are(
    sample_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue's count read "3/?" though it knows how many centers it writes to."""
    with _told(monkeypatch) as bar:
        result = CliRunner().invoke(main, ["issue", str(sample_ws.root), "--round", "3"])
    assert result.exit_code == 0, result.output
    centers = sorted(sample_register().responsible_centers())
    n = len(centers)
    assert bar.told[0] == f"+0  [0/{n}]"
    ticks = [re.fullmatch(r"\+1 Udsender: (.+) \[(\d+)/(\d+)\]", t) for t in bar.told[1:]]
    assert all(ticks), bar.told
    assert sorted(t[1] for t in ticks if t) == centers  # in the order they finish
    assert [(t[2], t[3]) for t in ticks if t] == [(str(i), str(n)) for i in range(1, n + 1)]


def test_collect_lists_a_few_findings_of_each_kind_and_points_to_the_rest(
    issued_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round of 150 centers printed 760 "missing-rating" lines, and the counts above
    them scrolled away: each kind is listed up to FINDINGS_LISTED, then how many more."""
    import sheetflow.cli as cli_module

    monkeypatch.setattr(cli_module, "FINDINGS_LISTED", 2)
    center = sample_register().responsible_centers()[1]
    _, layout = issued_for(issued_ws, center)
    smileys = inputs_of(layout, "smiley")
    values: dict[str, object] = {a: "☺" for a in smileys[3:]}  # three left empty
    fill(issued_ws, center, values, issued_ws.inbox_dir(3) / "retur.xlsx")
    code, out = run("collect", issued_ws.root, "--round", "3")
    assert code == 0, out
    lines = [line for line in out.splitlines() if "missing-rating" in line]
    csv = issued_ws.round_dir(3) / "findings.csv"
    assert [line.split(" / ")[0].strip() for line in lines[:2]] == ["[advarsel] retur.xlsx"] * 2
    assert lines[2:] == [f"  … og 1 mere af samme slags (missing-rating); alle står i {csv}"]


def test_issue_lists_a_few_workbooks_and_names_the_folder_of_the_rest(
    sample_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sheetflow.cli as cli_module

    monkeypatch.setattr(cli_module, "WORKBOOKS_LISTED", 4)
    code, out = run("issue", sample_ws.root, "--round", "3")
    assert code == 0, out
    lines = out.splitlines()
    first = lines.index("3. budgetopfølgning 2017: 9 projektmapper udsendt")
    assert [line.endswith("version 1)") for line in lines[first + 1 : first + 5]] == [True] * 4
    assert lines[first + 5 :] == [f"  … og 5 projektmapper mere i {sample_ws.issued_dir(3)}"]


def test_status_lists_flags_under_their_center_a_few_each(
    demo_result: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 150 centers status printed thousands of flag lines whose cut titles did not
    say whose they were: each center's flags now stand under its name, FLAGS_LISTED
    of them, then how many more (all of them are in --json and the master)."""
    import sheetflow.cli as cli_module

    ws = demo_result.master.parents[2]
    code, out = run("status", ws, "--round", "3", "--json")
    assert code in (0, 1), out
    per_center: dict[str, int] = {}
    for flag in json.loads(out)["flags"]:
        per_center[flag["center"]] = per_center.get(flag["center"], 0) + 1
    monkeypatch.setattr(cli_module, "FLAGS_LISTED", 2)
    code, out = run("status", ws, "--round", "3")
    assert code in (0, 1), out
    lines = out.splitlines()
    listed = lines[next(n for n, line in enumerate(lines) if line.startswith("Markeringer:")) + 1 :]
    headings = [line[2:-1] for line in listed if line.startswith("  ") and line.endswith(":")]
    assert headings == list(per_center)  # in the order the flags come, each once
    for center, count in per_center.items():
        start = listed.index(f"  {center}:")
        under = listed[start + 1 : start + 1 + min(count, 2) + (count > 2)]
        assert all(line.startswith("    ") for line in under)
        if count > 2:
            more = count - 2
            word = "markering" if more == 1 else "markeringer"
            assert under[-1] == (
                f"    … og {more} {word} mere (alle: status --json og den samlede projektmappe)"
            )
