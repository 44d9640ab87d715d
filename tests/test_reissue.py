"""Issuing and issuing again, from finance's seat on a register of their own.

Found by a new user's trial (trial 28):
- two centers spelled alike but for æ/ae or letter case were issued one file, the
  second silently replacing the first;
- a re-issue dropped a red the center had already given in the round, because a late
  return of an earlier round had made the milestone green since;
- --force and --refresh wrote an English workbook's new version in Danish;
- "already issued to 1 center" named no center and no way to issue to the rest;
- a trailing space in --center made the center unknown; "Kultr" got no suggestion;
- a damaged register pointed to backup/, where no copy was.
"""

from __future__ import annotations

import datetime as dt
import json
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest

from helpers import cli, cli_done, issued_for, send_answers
from person import R1, SD, SS, TM, fill_register
from sheetflow.collect import Verdict, collect_round
from sheetflow.errors import UsageError
from sheetflow.issue import refuse_clashing_names, safe_name
from sheetflow.ledger import Ledger
from sheetflow.model import Round
from sheetflow.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """The officer's register (tests/person.py) in a folder with spaces and æøå."""
    ws = Workspace.at(tmp_path / "Økonomi 2026" / "opfølgning å")
    cli_done("init", ws.root, "--blank")
    fill_register(ws.register_path)
    return ws


def latest(ws: Workspace, rnd: int) -> dict[str, tuple[int, str]]:
    """Each center's latest issued version and its language, from the ledger."""
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        return {row.center: (row.version, row.lang) for row in ledger.issued_rows(rnd)}


def rename_milestone(ws: Workspace, initiative: str, number: int, text: str) -> None:
    """Finance types a new text for a milestone in register.xlsx."""
    wb = openpyxl.load_workbook(ws.register_path)
    sheet = wb["Milepæle"]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) for name in ("Delelement", "Nr.", "Milepæl")}
    (row,) = [
        r for r in sheet.iter_rows(min_row=2)
        if r[col["Delelement"]].value == initiative and r[col["Nr."]].value == number
    ]  # fmt: skip
    row[col["Milepæl"]].value = text
    wb.save(ws.register_path)


def test_centers_whose_workbooks_would_share_a_file_are_refused(ws: Workspace) -> None:
    fill_register(
        ws.register_path,
        {
            "Centre": [{"Center": "Teknik og miljø", "Kontaktperson": "Ib", "E-mail": "i@v.dk"}],
            "Delelementer": [
                {
                    "Nøgle": "X1",
                    "Afsnit": "1",
                    "Nr.": "1.09",
                    "Titel": "Vejbump",
                    "Ansvarligt center": "Teknik og miljø",
                },
            ],
        },
    )
    code, out = cli("issue", ws.root, "--round", 1)
    assert code == 2
    assert out.splitlines()[-1] == (
        "Fejl: Centrene 'Teknik og Miljø' og 'Teknik og miljø' ville få samme filnavn "
        "(Teknik_og_Miljoe_1_budgetopfoelgning_2026.xlsx), så den ene projektmappe ville "
        "erstatte den anden (filnavne skrives med ae, oe og aa for æ, ø og å, og Windows "
        "skelner ikke store og små bogstaver). Ret navnet på det ene i register.xlsx (arkene "
        "Centre og Delelementer); er det det samme center, så stav det ens."
    )
    assert not ws.ledger_path.exists() or latest(ws, 1) == {}
    assert not list(ws.root.glob("rounds/*/issued/*.xlsx"))


def test_names_spelled_with_ae_for_æ_clash_too() -> None:
    rnd = Round(1, "1. opfølgning", dt.date(2026, 3, 31), dt.date(2026, 4, 14))
    refuse_clashing_names(["Børn og Unge", "Ældre og Omsorg", "Børn og Ældre"], rnd)  # apart
    with pytest.raises(UsageError) as caught:
        refuse_clashing_names(["Børn og Unge", "Ældre og Omsorg", "Boern og Unge"], rnd)
    assert (caught.value.key, caught.value.arguments) == (
        "center-names-clash",
        {
            "first": "Børn og Unge",
            "second": "Boern og Unge",
            "file": "Boern_og_Unge_1_opfoelgning.xlsx",
        },
    )


def test_a_new_version_keeps_a_red_given_before_a_late_return_made_it_green(
    ws: Workspace,
) -> None:
    cli_done("issue", ws.root, "--round", 1)
    cli_done("collect", ws.root, "--round", 1)  # Teknik og Miljø has not answered yet
    cli_done("issue", ws.root, "--round", 2)
    assert "T1-M1" in {i.item_key for i in issued_for(ws, TM, 2)[1].inputs}  # asked again
    send_answers(ws, TM, 2, {"T1-M1": ("☹", "Stadig rød"), "T1-M2": ("☺", ""), "T1-E": ("☺", "")})
    cli_done("collect", ws.root, "--round", 2)
    # Round 1's return arrives late and says the milestone was green then.
    send_answers(ws, TM, 1, {"T1-M1": ("☺", ""), "T1-E": ("☺", "")})
    cli_done("collect", ws.root, "--round", 1)

    cli_done("issue", ws.root, "--round", 2, "--force", "--center", TM)
    issued, layout = issued_for(ws, TM, 2)
    assert issued.version == 2
    sheet = openpyxl.load_workbook(ws.root / issued.file)[layout.sheet]
    given = {(i.item_key, i.kind): sheet[i.address].value for i in layout.inputs}
    assert given == {
        ("T1-M1", "smiley"): "☹",
        ("T1-M1", "comment"): "Stadig rød",
        ("T1-M2", "smiley"): "☺",
        ("T1-M2", "comment"): None,
        ("T1-E", "smiley"): "☺",
        ("T1-E", "comment"): None,
    }
    # The committee's table counts the center's workbook once, not once per version.
    cli_done("collect", ws.root, "--round", 2)
    returns = openpyxl.load_workbook(ws.master_path(2))["Overblik"]
    (row,) = [r for r in returns.iter_rows(values_only=True) if r[0] == TM][:1]
    assert row[:8] == (TM, 1, 1, 1, 0, 0, 0, "godkendt")


def test_a_new_version_says_where_the_one_it_replaces_went(ws: Workspace) -> None:
    """A trial's --force named version 2 on each line but not where version 1 went."""
    out = cli_done("issue", ws.root, "--round", 1)
    assert "flyttet" not in out
    out = cli_done("issue", ws.root, "--round", 1, "--force", "--center", TM, "--center", SD)
    moved = ws.issued_dir(1) / "v1"
    assert sorted(p.name for p in moved.iterdir()) == sorted(
        Path(issued_for(ws, c, 1)[0].file).name
        for c in (TM, SD)  # the new one took its name
    )
    assert out.splitlines()[-1] == (
        f"Forrige versioner er flyttet til {moved}: de gemmes, men det er de nye, "
        "centrene skal have."
    )


def test_a_new_version_keeps_its_language_unless_lang_is_given(ws: Workspace) -> None:
    cli_done("issue", ws.root, "--round", 1, "--center", TM, "--lang", "en")
    cli_done("issue", ws.root, "--round", 1, "--center", SD)
    cli_done("issue", ws.root, "--round", 1, "--force")
    assert latest(ws, 1) == {TM: (2, "en"), SD: (2, "da"), SS: (1, "da")}
    issued, _ = issued_for(ws, TM, 1)
    assert openpyxl.load_workbook(ws.root / issued.file).sheetnames[:2] == ["Guide", "Status"]

    cli_done("issue", ws.root, "--round", 1, "--force", "--center", TM, "--lang", "da")
    assert latest(ws, 1) == {TM: (3, "da"), SD: (2, "da"), SS: (1, "da")}


def test_a_round_issued_to_some_says_to_whom_and_how_to_issue_the_rest(ws: Workspace) -> None:
    cli_done("issue", ws.root, "--round", 1, "--center", TM)
    code, out = cli("issue", ws.root, "--round", 1)
    command = f'sheetflow issue "{ws.root}" --round 1 --center "{SD}" --center "{SS}"'
    assert (code, out.splitlines()[-1]) == (
        2,
        f"Fejl: {R1} er allerede udsendt til 1 center ({TM}). Udsend kun til de øvrige med: "
        f"{command}   Brug --force for at udsende en ny version til alle.",
    )
    cli_done("issue", ws.root, "--round", 1, "--center", SD, "--center", SS)
    code, out = cli("issue", ws.root, "--round", 1)
    assert (code, out.splitlines()[-1]) == (
        2,
        f"Fejl: {R1} er allerede udsendt til 3 centre ({TM}, {SD}, {SS}). "
        "Brug --force for at udsende en ny version.",
    )


def test_a_refusal_to_issue_again_names_a_few_centers_and_counts_the_rest(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trial's refusal named all 40 centers on one line: the first few, then "+N"."""
    monkeypatch.setattr("sheetflow.issue.NAMES_LISTED", 2)
    cli_done("issue", ws.root, "--round", 1)
    code, out = cli("issue", ws.root, "--round", 1)
    assert (code, out.splitlines()[-1]) == (
        2,
        f"Fejl: {R1} er allerede udsendt til 3 centre ({TM}, {SD}, … +1). "
        "Brug --force for at udsende en ny version.",
    )


def test_center_names_as_people_type_them(ws: Workspace) -> None:
    cli_done("issue", ws.root, "--round", 1, "--center", f"{TM} ")
    assert list(latest(ws, 1)) == [TM]
    code, out = cli("issue", ws.root, "--round", 1, "--center", "Skol")
    assert (code, out.splitlines()[-1]) == (
        2,
        f"Fejl: Ukendt center: Skol. Mente du '{SD}'? Centre med delelementer: {TM}, {SD}, {SS}.",
    )


def test_a_damaged_register_names_the_copy_to_restore(ws: Workspace) -> None:
    register = ws.register_path
    good = register.read_bytes()
    register.write_bytes(good[:5000])
    code, out = cli("status", ws.root)
    assert code == 2
    assert out.splitlines()[-1].endswith(
        f'eller begynd forfra med: sheetflow init "{ws.root}" --force'
    )

    register.write_bytes(good)
    cli_done("issue", ws.root, "--round", 1)
    (copy,) = (ws.root / "history").glob("register-*.xlsx")
    register.write_bytes(good[:5000])
    code, out = cli("status", ws.root)
    assert code == 2
    assert out.splitlines()[-1].endswith(
        f"Gendan det fra den seneste kopi, sheetflow gemte, da en opfølgning blev udsendt: {copy}"
    )
    assert copy.read_bytes() == good


def test_a_return_made_on_an_older_version_is_read_against_its_own_text(
    ws: Workspace, tmp_path: Path
) -> None:
    """Teknik og Miljø fills in version 1; finance renames the milestone and re-issues;
    the center then sends the version it had. The answer is kept, with a warning that
    names the text it answered and the one the register has now."""
    cli_done("issue", ws.root, "--round", 1)
    filled = send_answers(ws, TM, 1, {"T1-M1": ("☺", "Færdig"), "T1-E": ("☺", "")})
    aside = filled.replace(tmp_path / "teknik v1.xlsx")
    _, v1 = issued_for(ws, TM, 1)
    rename_milestone(ws, "T1", 1, "Projektering og udbud afsluttet")
    cli_done("issue", ws.root, "--round", 1, "--force", "--center", TM)
    aside.replace(ws.inbox_dir(1) / "teknik v1.xlsx")

    result = collect_round(ws, 1)
    (returned,) = [f for f in result.files if f.path.name == "teknik v1.xlsx"]
    cell = next(i.address for i in v1.inputs if i.item_key == "T1-M1")
    assert returned.verdict is Verdict.ACCEPTED
    assert [(f.code, f.cell, f.value, f.expected) for f in returned.findings] == [
        ("answer-to-older-text", cell, "Projektering afsluttet", "Projektering og udbud afsluttet")
    ]


def clear_email(ws: Workspace, contact: str | None = None) -> None:
    """Oplysninger without its E-mail (and with ``contact`` as Kontakt)."""
    wb = openpyxl.load_workbook(ws.register_path)
    for row in wb["Oplysninger"].iter_rows():
        if row[0].value == "E-mail":
            row[1].value = None
        if row[0].value == "Kontakt":
            row[1].value = contact
    wb.save(ws.register_path)


def test_letters_need_an_address_to_send_from(ws: Workspace) -> None:
    """A trial's cover letters went out from okonomi@localhost, asking the centers to
    reply to them; --mail now refuses before any workbook is written."""
    clear_email(ws, contact="Jette Holm, Økonomi")
    code, out = cli("issue", ws.root, "--round", 1, "--mail")
    assert (code, out.splitlines()[-1]) == (
        2,
        "Fejl: Oplysninger i register.xlsx har ingen e-mailadresse at sende fra, så centrene "
        "ikke ville kunne svare på brevene. Udfyld E-mail (og Kontakt) på arket Oplysninger, og "
        "prøv igen.",
    )
    assert not list(ws.root.glob("rounds/*/issued/*.xlsx"))
    # Without --mail the guide names the contact: nothing to warn about.
    code, out = cli("issue", ws.root, "--round", 1)
    assert (code, [line for line in out.splitlines() if line.startswith("  [")]) == (0, [])


def test_the_rest_of_a_round_gets_its_letters_too(ws: Workspace) -> None:
    cli_done("issue", ws.root, "--round", 1, "--center", TM, "--mail", "--lang", "en")
    code, out = cli("issue", ws.root, "--round", 1, "--mail")
    command = f'sheetflow issue "{ws.root}" --round 1 --center "{SD}" --center "{SS}" --mail'
    assert (code, out.splitlines()[-1]) == (
        2,
        f"Fejl: {R1} er allerede udsendt til 1 center ({TM}). Udsend kun til de øvrige med: "
        f"{command}   Brug --force for at udsende en ny version til alle.",
    )
    cli_done("issue", ws.root, "--round", 1, "--center", SD, "--center", SS, "--mail")
    outbox = sorted(p.name for p in (ws.round_dir(1) / "outbox").iterdir())
    assert outbox == sorted(f"{safe_name(c)}_v1.eml" for c in (TM, SD, SS))


def test_a_center_sent_a_new_version_that_asks_more_owes_those_answers(ws: Workspace) -> None:
    """Teknik og Miljø has answered round 1 when finance adds an initiative for it and
    re-issues as collect says. A trial found the center 'godkendt' with nothing owed:
    no note in status, no reminder. It now owes the new items, is reminded with the
    newest version attached, and is done once it answers them."""
    cli_done("issue", ws.root, "--round", 1)
    send_answers(ws, TM, 1, {"T1-M1": ("☺", ""), "T1-E": ("☺", "")})
    send_answers(ws, SD, 1, {"S1-M1": ("☺", ""), "S1-E": ("☺", "")})
    cli_done("collect", ws.root, "--round", 1)
    fill_register(
        ws.register_path,
        {
            "Delelementer": [
                {"Nøgle": "N1", "Afsnit": "1", "Nr.": "1.04", "Titel": "Ny p-plads",
                 "Ansvarligt center": TM, "Økonomi": "0,4 mio. kr."},
            ],
            "Milepæle": [{"Delelement": "N1", "Nr.": 1, "Milepæl": "Udbud", "Tid": R1}],
        },
    )  # fmt: skip
    hint = f'sheetflow issue "{ws.root}" --round 1 --force --center "{TM}" --center "{SS}"'
    assert cli_done("collect", ws.root, "--round", 1).count(hint) == 1
    cli_done("issue", ws.root, "--round", 1, "--force", "--center", TM)

    def states() -> dict[str, str]:
        _, out = cli("status", ws.root, "--round", 1, "--json")
        return {c["center"]: c["state"] for c in json.loads(out)["centers"]}

    assert states() == {TM: "new-version", SD: "accepted", SS: "missing"}
    cli_done("remind", ws.root, "--round", 1)
    drafts = {p.name: p for p in ws.reminders_dir(1).iterdir()}
    assert sorted(drafts) == sorted(f"{safe_name(c)}.eml" for c in (TM, SS))
    letter = BytesParser(policy=policy.default).parsebytes(
        drafts[f"{safe_name(TM)}.eml"].read_bytes()
    )
    assert letter["Subject"] == f"{R1}: den nyeste version af jeres projektmappe mangler svar"
    (attached,) = letter.iter_attachments()
    issued, _ = issued_for(ws, TM, 1)
    assert (issued.version, attached.get_content()) == (2, (ws.root / issued.file).read_bytes())

    # Finance may send the accepted return back all the same.
    cli_done("review", ws.root, TM, "--round", 1, "--return", "Udfyld også 1.04")
    assert states() == {TM: "returned", SD: "accepted", SS: "missing"}

    send_answers(ws, TM, 1, {"N1-M1": ("😐", "Udbud forsinket"), "N1-E": ("☺", "")})
    cli_done("collect", ws.root, "--round", 1)
    assert states() == {TM: "accepted", SD: "accepted", SS: "missing"}
