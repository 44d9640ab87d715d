"""One regression test per problem of "A round that finance can trust"; the scenario in
``test_trust_scenario.py`` replays them in order from finance's seat."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from helpers import fill, fill_all_green, inputs_of, issued_for
from person import SD, SS, TM, fill_register
from sheetflow.cli import main
from sheetflow.collect import collect_round
from sheetflow.findings import Detail
from sheetflow.flags import compute_flags
from sheetflow.issue import issue_round, safe_name
from sheetflow.ledger import Ledger
from sheetflow.model import Rating
from sheetflow.register import init_workspace
from sheetflow.register.sample import sample_register
from sheetflow.roundstate import CenterState, Verdict
from sheetflow.smiley import Smiley
from sheetflow.workspace import Workspace

BAD = "Økonomi og Styring"
NOW = dt.datetime.now(dt.UTC)


def cli(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture
def own_ws(officer_ws: Workspace) -> Workspace:
    return officer_ws


# (1) A rating is shown with its own comment; another round's comment only labelled.


def test_flag_never_pairs_a_new_smiley_with_an_old_comment() -> None:
    register = sample_register(up_to_round=0)
    ini = next(i for i in register.initiatives if not i.economy_na)
    key = ini.economy_key
    ratings = [
        Rating(1, key, Smiley.YELLOW, "Anlæg forventes overholdt"),
        Rating(2, key, Smiley.RED, ""),
    ]
    rnd = register.rounds_by_number[2]
    (flag,) = [f for f in compute_flags(register, rnd, ratings) if f.item_key == key]
    assert flag.rating == ratings[1]
    assert flag.to_dict()["comment"] == ""
    assert flag.to_dict()["other_comment"] == {"round": 1, "text": "Anlæg forventes overholdt"}
    # With its own comment, that comment is shown and nothing else.
    ratings[1] = Rating(2, key, Smiley.RED, "Overskridelse på 0,4 mio. kr.")
    (flag,) = [f for f in compute_flags(register, rnd, ratings) if f.item_key == key]
    assert flag.note is not None and (flag.note.own, flag.note.text) == (
        True,
        "Overskridelse på 0,4 mio. kr.",
    )
    assert flag.to_dict()["other_comment"] is None


# (2) An untouched workbook is received, not returned.


def test_untouched_return_is_no_answers_and_the_center_stays_missing(own_ws: Workspace) -> None:
    issued, _ = issued_for(own_ws, TM, 1)
    shutil.copyfile(own_ws.root / issued.file, own_ws.inbox_dir(1) / "retur.xlsx")
    result = collect_round(own_ws, 1)
    (f,) = result.files
    assert f.verdict is Verdict.NO_ANSWERS
    assert [(x.code, x.severity.value) for x in f.findings] == [("no-answers", "error")]
    assert result.state is not None and result.state.center(TM).state is CenterState.NO_ANSWERS
    assert [c.center for c in result.state.missing] == [TM, SD, "Social og Sundhed"]
    assert result.exit_code == 1
    with Ledger(own_ws.ledger_path) as ledger:
        assert ledger.accepted_ratings() == []


def test_the_committee_table_says_what_became_of_every_file_returned(
    own_ws: Workspace,
) -> None:
    """The summary's returns table said "Afvist 1" for a workbook sent back untouched,
    though nothing in it was wrong, and a replaced return counted as received and
    nowhere else: "Modtaget 2, Godkendt 1, Afvist 0". Each has a column of its own."""
    ws = own_ws
    issued, _ = issued_for(ws, TM, 1)
    shutil.copyfile(ws.root / issued.file, ws.inbox_dir(1) / "tom.xlsx")
    _, layout = issued_for(ws, SD, 1)
    fill(ws, SD, {inputs_of(layout)[0]: "måske"}, ws.inbox_dir(1) / "forkert.xlsx", round_number=1)
    _, layout = issued_for(ws, SS, 1)
    for name, hours in (("først.xlsx", 2), ("rettet.xlsx", 1)):
        saved = NOW - dt.timedelta(hours=hours)
        values = dict.fromkeys(inputs_of(layout, "smiley"), "☺")
        fill(ws, SS, values, ws.inbox_dir(1) / name, round_number=1, saved_at=saved)
    result = collect_round(ws, 1)
    assert result.master is not None
    sheet = openpyxl.load_workbook(result.master)["Overblik"]
    rows = [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
    start = next(n for n, r in enumerate(rows) if r[0] == "Center")
    assert rows[start][:8] == (
        "Center", "Udsendt", "Modtaget", "Godkendt", "Afvist", "Uden svar", "Afløst", "Status"
    )  # fmt: skip
    table = {r[0]: r[1:8] for r in rows[start + 1 : start + 5]}
    sums = tuple(f"=SUM({c}3:{c}5)" for c in "BCDEFG")
    assert table == {
        TM: (1, 1, 0, 0, 1, 0, "modtaget uden svar"),
        SD: (1, 1, 0, 1, 0, 0, "afvist"),
        SS: (1, 2, 1, 0, 0, 1, "godkendt"),
        "I alt": (*sums, None),
    }
    # Sent back for correction, the return still counts (its answers stand) and is
    # counted as accepted, so the row still adds up.
    assert cli("review", ws.root, SS, "--round", 1, "--return", "Kommentarer mangler.")[0] == 0
    collect_round(ws, 1)
    sheet = openpyxl.load_workbook(ws.master_path(1))["Overblik"]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == SS)
    assert row[1:8] == (1, 2, 1, 0, 0, 1, "sendt tilbage til rettelse")


def test_findings_name_the_center_a_file_came_from_unless_two_share_its_name(
    own_ws: Workspace,
) -> None:
    """findings.csv's center column, by file name: two centers' files named alike
    (collected in two runs, so both stand in the round) name neither."""
    ws = own_ws

    def comment_only(center: str, name: str) -> None:
        """A return with a comment and no smiley: accepted, with remarks."""
        _, layout = issued_for(ws, center, 1)
        fill(ws, center, {inputs_of(layout, "comment")[0]: "Se bilag."}, ws.inbox_dir(1) / name,
             round_number=1)  # fmt: skip

    comment_only(TM, "retur.xlsx")
    collect_round(ws, 1)
    comment_only(SD, "retur.xlsx")
    comment_only(SS, "social.xlsx")
    collect_round(ws, 1)
    with ws.findings_csv(1).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["file"], r["center"]) for r in rows} == {("retur.xlsx", ""), ("social.xlsx", SS)}


# (3) Exit code from the current state.


def test_an_old_rejected_file_does_not_fail_later_collects(issued_ws: Workspace) -> None:
    ws = issued_ws
    _, layout = issued_for(ws, BAD)
    fill(ws, BAD, {inputs_of(layout)[0]: "måske"}, ws.inbox_dir(3) / "forkert.xlsx")
    assert collect_round(ws, 3).exit_code == 1
    fill_all_green(ws, BAD, ws.inbox_dir(3) / "rettet.xlsx")
    for _ in range(2):
        result = collect_round(ws, 3)
        assert result.exit_code == 0
        assert result.report.codes() == []
        assert result.count(Verdict.REJECTED) == 0
    code, out = cli("status", ws.root, "--round", 3, "--history")
    assert code == 0
    assert "forkert.xlsx  Økonomi og Styring  afvist" in out


# (4) Order by saved time; undecided returns wait for finance.


def test_returns_saved_at_the_same_time_are_undecided_until_finance_prefers(
    issued_ws: Workspace,
) -> None:
    ws = issued_ws
    _, layout = issued_for(ws, BAD)
    smileys = inputs_of(layout)
    same = NOW - dt.timedelta(hours=1)
    one = fill(ws, BAD, dict.fromkeys(smileys, "☺"), ws.inbox_dir(3) / "en.xlsx", saved_at=same)
    two = fill(ws, BAD, dict.fromkeys(smileys, "☹"), ws.inbox_dir(3) / "to.xlsx", saved_at=same)
    result = collect_round(ws, 3)
    assert {f.path.name: f.verdict for f in result.files} == {
        "en.xlsx": Verdict.UNDECIDED,
        "to.xlsx": Verdict.UNDECIDED,
    }
    assert [f.code for f in result.report] == ["return-order-undecided"] * 2
    assert f'--prefer "{two}"' in result.report.findings[1].message
    assert result.exit_code == 1
    assert result.state is not None and result.state.center(BAD).state is CenterState.UNDECIDED
    # The committee's returns table: two accepted returns, neither replaced yet.
    summary = openpyxl.load_workbook(ws.master_path(3))["Overblik"]
    row = next(r for r in summary.iter_rows(values_only=True) if r[0] == BAD)
    assert row[1:8] == (1, 2, 2, 0, 0, 0, "uafklaret: flere afleveringer")
    code, out = cli("collect", ws.root, "--round", 3, "--prefer", two)
    assert code == 0, out
    with Ledger(ws.ledger_path) as ledger:
        verdicts = {r.original_name: r.verdict for r in ledger.received(3)}
        chosen = {r.smiley for r in ledger.accepted_ratings(3) if r.round == 3}
    assert verdicts == {"en.xlsx": "superseded", "to.xlsx": "accepted"}
    assert chosen == {Smiley.RED}
    assert one.exists()


def test_the_same_file_twice_in_one_collect_is_read_once(issued_ws: Workspace) -> None:
    """A center's mail saved twice ("retur.xlsx", "retur (1).xlsx"): the second copy
    of the same bytes stopped collect with a database error (exit 3), after the first
    was recorded. It is now seen before, as in a later run."""
    ws = issued_ws
    first = fill_all_green(ws, BAD, ws.inbox_dir(3) / "retur.xlsx")
    shutil.copyfile(first, ws.inbox_dir(3) / "retur (1).xlsx")
    code, out = cli("collect", ws.root, "--round", 3)
    assert (code, out.splitlines()[:2]) == (
        0,
        [
            "3. budgetopfølgning 2017: 1 godkendt, 0 afvist, 1 set før",
            "  [info] retur.xlsx: Samme indhold som retur (1).xlsx, der er læst; denne "
            "kopi tæller ikke ekstra. (same-file)",
        ],
    ), out
    with Ledger(ws.ledger_path) as ledger:
        assert [r.original_name for r in ledger.received(3)] == ["retur (1).xlsx"]


def test_prefer_on_the_first_collect_reads_the_chosen_file_once(issued_ws: Workspace) -> None:
    """A trial preferred a file in the inbox on the very first collect: it was read
    twice (inbox and --prefer), and the count line said '2 godkendt' for one."""
    ws = issued_ws
    _, layout = issued_for(ws, BAD)
    same = NOW - dt.timedelta(hours=1)
    for name, smiley in (("en.xlsx", "☺"), ("to.xlsx", "☹")):
        values = dict.fromkeys(inputs_of(layout), smiley)
        fill(ws, BAD, values, ws.inbox_dir(3) / name, saved_at=same)
    chosen = ws.inbox_dir(3) / "to.xlsx"
    code, out = cli("collect", ws.root, "--round", 3, "--prefer", chosen)
    assert (code, out.splitlines()[0]) == (
        0,
        "3. budgetopfølgning 2017: 1 godkendt, 0 afvist, 1 afløst",
    ), out
    with Ledger(ws.ledger_path) as ledger:
        assert {r.original_name: r.verdict for r in ledger.received(3)} == {
            "en.xlsx": "superseded",
            "to.xlsx": "accepted",
        }


def test_undecided_returns_are_named_in_full_with_their_times(issued_ws: Workspace) -> None:
    """The message lists every return of the center with its saved time; at 80
    characters a trial saw the second time cut off mid-value."""
    ws = issued_ws
    _, layout = issued_for(ws, BAD)
    same = NOW - dt.timedelta(hours=1)
    names = [f"{safe_name(BAD)}_3_budgetopfoelgning_2017 {n}.xlsx" for n in ("første", "rettet")]
    for name, smiley in zip(names, ("☺", "☹"), strict=True):
        values = dict.fromkeys(inputs_of(layout), smiley)
        fill(ws, BAD, values, ws.inbox_dir(3) / name, saved_at=same)
    result = collect_round(ws, 3)
    stamp = same.replace(tzinfo=None).isoformat(timespec="seconds")
    listed = ", ".join(f"{n} ({stamp})" for n in sorted(names))
    assert [f.code for f in result.report] == ["return-order-undecided"] * 2
    for f in result.report:
        assert f"({listed})" in f.message, f.message


# (5) Nothing is destroyed.


def test_init_force_keeps_a_backup_and_refuses_over_rounds(own_ws: Workspace) -> None:
    before = own_ws.register_path.read_bytes()
    code, out = cli("init", own_ws.root, "--sample", "--force")
    assert code == 2
    assert "1 opfølgning (" in out and "--discard-rounds" in out
    assert own_ws.register_path.read_bytes() == before
    fresh = Workspace.at(own_ws.root.parent / "uden runder")
    init_workspace(fresh, "blank")
    fill_register(fresh.register_path)
    kept = fresh.register_path.read_bytes()
    code, out = cli("init", fresh.root, "--sample", "--force")
    assert code == 0, out
    (backup,) = (fresh.root / "backup").iterdir()
    assert (backup / "register.xlsx").read_bytes() == kept


def test_issue_force_keeps_the_earlier_version(own_ws: Workspace) -> None:
    issued, _ = issued_for(own_ws, TM, 1)
    first = (own_ws.root / issued.file).read_bytes()
    code, out = cli("issue", own_ws.root, "--round", 1, "--center", TM, "--force")
    assert code == 0, out
    name = f"{safe_name(TM)}_1_budgetopfoelgning_2026.xlsx"
    assert (own_ws.issued_dir(1) / "v1" / name).read_bytes() == first
    assert (own_ws.issued_dir(1) / name).is_file()
    with Ledger(own_ws.ledger_path) as ledger:
        files = [(r.version, r.file) for r in ledger.issued_rows(1) if r.center == TM]
    assert files == [
        (1, f"rounds/1/issued/v1/{name}"),
        (2, f"rounds/1/issued/{name}"),
    ]


def test_collect_says_what_changed_in_the_register_since_issue(own_ws: Workspace) -> None:
    wb = openpyxl.load_workbook(own_ws.register_path)
    sheet = wb["Delelementer"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "S1":
            row[3].value = "Skolemad for alle"
    wb.save(own_ws.register_path)
    result = collect_round(own_ws, 1)
    (f,) = result.report
    assert f.code == "register-changed"
    assert (
        isinstance(f.value, Detail)
        and f.value.render("da") == "delelement ændret: 1.02 Skolemad for alle"
    )
    assert f'sheetflow issue "{own_ws.root}" --round 1 --force' in f.message
    assert result.exit_code == 0
    # Once a center has answered, a new version goes only to those still owing.
    fill_all_green(own_ws, TM, own_ws.inbox_dir(1) / "tm.xlsx", round_number=1)
    (f,) = collect_round(own_ws, 1).report
    assert f.code == "register-changed"
    command = f'sheetflow issue "{own_ws.root}" --round 1 --force --center "{SD}" --center "{SS}"'
    assert f.message.endswith(f"projektmapperne: {command}"), f.message
    # A center that has answered still gets one when the change is in its own part: its
    # workbook lacks what changed (a trial's new initiative was never asked).
    fill_all_green(own_ws, SD, own_ws.inbox_dir(1) / "sd.xlsx", round_number=1)
    (f,) = collect_round(own_ws, 1).report
    assert f.message.endswith(f"projektmapperne: {command}"), f.message


def test_status_says_the_register_changed_since_issue_as_collect_does(
    own_ws: Workspace,
) -> None:
    """A trial added an initiative after the round went out: collect warned, status said
    nothing (and flagged the new milestone as overdue). status warns as collect does."""
    runner = CliRunner()

    def status(*extra: str) -> str:
        args = ["status", str(own_ws.root), "--round", "1", *extra]
        result = runner.invoke(main, args, env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        return result.output

    assert "register-changed" not in status()
    wb = openpyxl.load_workbook(own_ws.register_path)
    for row in wb["Delelementer"].iter_rows(min_row=2):
        if row[0].value == "S1":
            row[3].value = "Skolemad for alle"
    wb.save(own_ws.register_path)
    command = f'sheetflow issue "{own_ws.root}" --round 1 --force'
    said = (
        "  [advarsel] Registret er ændret, siden opfølgningen blev udsendt: delelement "
        "ændret: 1.02 Skolemad for alle. Udsend en ny version, hvis ændringen skal med i "
        f"projektmapperne: {command} (register-changed)"
    )
    assert [line for line in status().splitlines() if "register-changed" in line] == [said]
    (warning,) = json.loads(status("--json"))["warnings"]
    assert (warning["code"], warning["severity"]) == ("register-changed", "warning")
    assert warning["message"] == said.removeprefix("  [advarsel] ").removesuffix(
        " (register-changed)"
    )


def test_a_later_round_out_means_no_advice_to_reissue_an_earlier_one(
    own_ws: Workspace,
) -> None:
    """The register moves on with round 2; collecting round 1's late return then must
    not tell finance to re-issue round 1."""
    wb = openpyxl.load_workbook(own_ws.register_path)
    for row in wb["Delelementer"].iter_rows(min_row=2):
        if row[0].value == "S1":
            row[3].value = "Skolemad for alle"
    wb.save(own_ws.register_path)
    issue_round(own_ws, 2)
    result = collect_round(own_ws, 1)
    assert [f.code for f in result.report] == []
    assert result.exit_code == 0


# (6) Safety first: no byte of a return parsed in the parent, round or not.


def _custom_props_bomb(src: Path, target: Path, megabytes: int = 300) -> None:
    """A valid return whose docProps/custom.xml inflates to ``megabytes`` MB."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != "docProps/custom.xml":
                zout.writestr(info, zin.read(info))
        with zout.open("docProps/custom.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0"?><Properties><property name="x"><vt:lpwstr>')
            chunk = b"A" * (1 << 20)
            for _ in range(megabytes):
                fh.write(chunk)
            fh.write(b"</vt:lpwstr></property></Properties>")


@pytest.mark.parametrize("with_round", [False, True])
def test_validate_reads_nothing_before_the_safety_checks(
    issued_ws: Workspace, tmp_path: Path, with_round: bool
) -> None:
    good = fill_all_green(issued_ws, BAD, tmp_path / "god.xlsx")
    bomb = tmp_path / "bombe.xlsx"
    _custom_props_bomb(good, bomb)
    args = ["validate", str(bomb), str(issued_ws.root)] + (["--round", "3"] if with_round else [])
    probe = (
        "import resource, subprocess, sys;"
        f"p = subprocess.run([sys.executable, '-m', 'sheetflow', *{args!r}], capture_output=True, "
        "text=True, encoding='utf-8');"
        "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024);"
        "print(p.stdout)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    first, *rest = done.stdout.splitlines()
    code, peak_mb = map(int, first.split())
    assert code == 1
    assert "pakker ud til urimeligt meget data" in "\n".join(rest)
    assert peak_mb < 200, peak_mb  # parsing the 300 MB part in the parent took > 600 MB


# (7) No traceback reaches a user.


def _broken_workspaces(tmp_path: Path, issued_ws: Workspace) -> dict[str, Path]:
    empty = tmp_path / "tom"
    empty.mkdir()
    bad_register = tmp_path / "ødelagt register"
    shutil.copytree(issued_ws.root, bad_register)
    (bad_register / "register.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    bad_ledger = tmp_path / "ødelagt ledger"
    shutil.copytree(issued_ws.root, bad_ledger)
    (bad_ledger / "ledger.sqlite").write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    return {"empty": empty, "register": bad_register, "ledger": bad_ledger}


def test_no_verb_prints_a_traceback(issued_ws: Workspace, tmp_path: Path) -> None:
    spaces = _broken_workspaces(tmp_path, issued_ws)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"\x00" * 100)
    verbs = [
        ["issue", "{ws}", "--round", "3"],
        ["issue", "{ws}", "--round", "9"],
        ["collect", "{ws}", "--round", "3"],
        ["validate", str(junk), "{ws}"],
        ["status", "{ws}"],
        ["remind", "{ws}", "--round", "3"],
        ["remind", "{ws}", "--round", "3", "--smtp", "nohost"],
        ["close", "{ws}", "--round", "3"],
        ["init", "{ws}"],
    ]
    for name, root in spaces.items():
        for verb in verbs:
            args = [a.replace("{ws}", str(root)) for a in verb]
            result = CliRunner().invoke(main, args)
            assert "Traceback" not in result.output, (name, args, result.output)
            assert result.exit_code in (0, 1, 2), (name, args, result.exit_code, result.output)
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                name,
                args,
                repr(result.exception),
            )


def test_collect_after_the_register_was_emptied(issued_ws: Workspace) -> None:
    # A person clears every plan row after issuing (the ledger keeps the round).
    wb = openpyxl.load_workbook(issued_ws.register_path)
    for name in ("Delelementer", "Milepæle", "Smileys"):
        sheet = wb[name]
        sheet.delete_rows(2, sheet.max_row)
    wb.save(issued_ws.register_path)
    code, out = cli("collect", issued_ws.root, "--round", 3)
    assert code in (0, 1), out
    assert "Traceback" not in out and "Uventet fejl" not in out
    assert "Registret er ændret" in out


def test_remind_skips_an_invalid_address_with_a_reason(issued_ws: Workspace) -> None:
    wb = openpyxl.load_workbook(issued_ws.register_path)
    centers = wb["Centre"]
    for row in centers.iter_rows(min_row=2):
        if row[0].value:
            row[2].value = "jeho(at)vestby.dk" if row[0].value == BAD else f"{row[0].row}@vestby.dk"
    wb.save(issued_ws.register_path)
    code, out = cli("remind", issued_ws.root, "--round", 3)
    assert "Traceback" not in out and "Uventet fejl" not in out
    if code == 2:  # the register reader refuses the address itself, with sheet and cell
        assert "Centre" in out and "jeho(at)vestby.dk" in out
    else:
        assert code == 0, out
        assert f"Ingen påmindelse til {BAD}: e-mailen på arket Centre er ugyldig" in out
        drafts = sorted(p.name for p in issued_ws.reminders_dir(3).iterdir())
        assert f"{safe_name(BAD)}.eml" not in drafts and len(drafts) == 8


# (8) Closing, late returns and what counts where.


def test_a_wrong_round_file_does_not_count_against_the_round(own_ws: Workspace) -> None:
    issue_round(own_ws, 2)
    late = fill_all_green(own_ws, TM, own_ws.inbox_dir(2) / "sen.xlsx", round_number=1)
    result = collect_round(own_ws, 2)
    (f,) = result.files
    assert [x.code for x in f.findings] == ["wrong-round"]
    assert f'sheetflow collect "{own_ws.root}" --round 1 "{late}"' in f.findings[0].message
    assert result.exit_code == 1
    returns = [
        r
        for r in openpyxl.load_workbook(own_ws.master_path(2))["Overblik"].iter_rows(
            min_row=3, max_row=5, values_only=True
        )
    ]
    assert [r[:8] for r in returns] == [
        (TM, 1, 0, 0, 0, 0, 0, "mangler"),
        (SD, 1, 0, 0, 0, 0, 0, "mangler"),
        ("Social og Sundhed", 1, 0, 0, 0, 0, 0, "mangler"),
    ]
    # The next collect does not report it again, nor fail on it.
    again = collect_round(own_ws, 2)
    assert again.report.codes() == [] and again.exit_code == 0


def test_a_wrong_round_file_already_collected_into_its_own_says_so(
    own_ws: Workspace,
) -> None:
    """A trial dropped a round-1 return, already collected into round 1, into round 2's
    inbox: collect told it to collect the file into round 1, which then said only
    "1 set før". It says the file is already there, and gives no command."""
    issue_round(own_ws, 2)
    late = fill_all_green(own_ws, TM, own_ws.inbox_dir(1) / "tm.xlsx", round_number=1)
    assert collect_round(own_ws, 1).exit_code == 0
    shutil.copy(late, own_ws.inbox_dir(2) / "tm igen.xlsx")
    result = collect_round(own_ws, 2)
    assert [(f.code, f.file) for f in result.report] == [
        ("wrong-round", "tm igen.xlsx"),
        ("already-in-own-round", "tm igen.xlsx"),
    ]
    assert [f.message for f in result.report] == [
        "Projektmappen hører til 1. budgetopfølgning 2026, ikke til 2. budgetopfølgning 2026.",
        "Den er allerede hentet ind i sin egen opfølgning, 1. budgetopfølgning 2026; "
        "se dér, hvordan det gik.",
    ]
    assert result.exit_code == 0
    out = CliRunner().invoke(main, ["collect", str(own_ws.root), "--round", "2"]).output
    assert "allerede hentet ind" not in out  # said once, when the file came


def test_a_new_version_keeps_the_answers_already_received(own_ws: Workspace) -> None:
    ws = own_ws
    _, layout = issued_for(ws, TM, 1)
    values = {a: "😐" for a in inputs_of(layout, "smiley")}
    values.update({a: f"Svar {n}" for n, a in enumerate(inputs_of(layout, "comment"))})
    fill(ws, TM, values, ws.inbox_dir(1) / "tm.xlsx", round_number=1)
    assert collect_round(ws, 1).state.center(TM).state is CenterState.ACCEPTED  # type: ignore[union-attr]
    code, out = cli("issue", ws.root, "--round", 1, "--center", TM, "--force")
    assert code == 0, out
    issued, layout2 = issued_for(ws, TM, 1)
    assert issued.version == 2
    sheet = openpyxl.load_workbook(ws.root / issued.file)[layout2.sheet]
    assert {a: sheet[a].value for a in values} == values
    # The earlier version, as sent, had empty inputs.
    first = openpyxl.load_workbook(ws.issued_dir(1) / "v1" / Path(issued.file).name)
    assert {first[layout.sheet][a].value for a in values} == {None}


def test_a_changed_contact_email_is_not_a_changed_register(own_ws: Workspace) -> None:
    wb = openpyxl.load_workbook(own_ws.register_path)
    for row in wb["Centre"].iter_rows(min_row=2):
        if row[0].value == TM:
            row[2].value = "tove.m@vestby.dk"
    wb.save(own_ws.register_path)
    result = collect_round(own_ws, 1)
    assert result.report.codes() == []


def test_a_corrected_return_says_which_earlier_return_it_replaces(issued_ws: Workspace) -> None:
    """A center's corrected file, collected in a later run than its first: the first is
    history (not reported again), but the new one says which file it replaced (a trial
    read "1 godkendt, 0 afløst" and could not tell)."""
    ws = issued_ws
    _, layout = issued_for(ws, BAD)
    smileys = inputs_of(layout)
    first = fill(ws, BAD, dict.fromkeys(smileys, "☺"), ws.inbox_dir(3) / "første.xlsx",
                 saved_at=NOW - dt.timedelta(hours=2))  # fmt: skip
    assert collect_round(ws, 3).count(Verdict.ACCEPTED) == 1
    fill(ws, BAD, dict.fromkeys(smileys, "☹"), ws.inbox_dir(3) / "rettet.xlsx",
         saved_at=NOW - dt.timedelta(hours=1))  # fmt: skip
    result = collect_round(ws, 3)
    assert [(f.path.name, f.verdict) for f in result.new] == [("rettet.xlsx", Verdict.ACCEPTED)]
    assert [(f.code, f.file, f.message) for f in result.report] == [
        ("replaces", "rettet.xlsx", "Afløser første.xlsx, som samme center sendte tidligere.")
    ]
    code, out = cli("collect", ws.root, "--round", 3, "--lang", "en")
    assert code == 0 and "Replaces" not in out, out  # the next run: history, said once
    shutil.copy(first, ws.inbox_dir(3) / "første igen.xlsx")  # the same bytes: history too
    code, out = cli("collect", ws.root, "--round", 3)
    assert "Afløser" not in out, out


def test_a_workbook_named_after_another_center_is_said_so(own_ws: Workspace) -> None:
    """A second trial's Kultur og Fritid filled in ØP's workbook and sent it as
    "Kultur og Fritid runde 2.xlsx": it counted for ØP, replaced ØP's own return, and
    nothing but its name told. Now a warning says whose workbook it is."""
    inbox = own_ws.inbox_dir(1)
    fill_all_green(own_ws, TM, inbox / f"{SD} retur.xlsx", round_number=1)
    fill_all_green(own_ws, SS, inbox / "social_og_sundhed_runde_1.xlsx", round_number=1)
    result = collect_round(own_ws, 1)
    assert [(f.code, f.file, f.message) for f in result.report] == [
        (
            "file-names-other-center",
            f"{SD} retur.xlsx",
            f"Filnavnet nævner {SD}, men projektmappen er udsendt til {TM} og tæller for "
            f"{TM}. Har {SD} udfyldt den forkerte projektmappe?",
        )
    ]
    assert [(r.center, r.verdict.value) for r in result.new] == [
        (TM, "accepted"),
        (SS, "accepted"),
    ]


def test_the_centers_a_register_change_is_about() -> None:
    """Pure: an initiative moved names both centers, a rating names its item's owner,
    and a change to what every workbook carries (the rounds) names all (None)."""
    from dataclasses import replace

    from sheetflow.model import Rating
    from sheetflow.register.examples import starter_register
    from sheetflow.register.snapshot import centers_changed
    from sheetflow.smiley import Smiley

    before = starter_register(2026)
    before.initiatives = [replace(i, key=f"K{n}") for n, i in enumerate(before.initiatives)]
    centers = sorted({i.center for i in before.initiatives})
    assert len(centers) >= 3
    first = before.initiatives[0]
    other = next(c for c in centers if c != first.center)
    untouched = replace(before, initiatives=list(before.initiatives))
    assert centers_changed(before, untouched) == set()
    moved = replace(before, initiatives=[replace(first, center=other), *before.initiatives[1:]])
    assert centers_changed(before, moved) == {first.center, other}
    last = before.initiatives[-1]
    rated = replace(before, ratings=[Rating(1, last.economy_key, Smiley.RED, "", "register")])
    assert centers_changed(before, rated) == {last.center}
    assert centers_changed(before, replace(before, rounds=before.rounds[:2])) is None
