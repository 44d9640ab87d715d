"""The round by e-mail, out: cover letters with ``issue --mail``, reminders that say why,
sent to an SMTP server the test starts on 127.0.0.1; a retry sends nothing twice."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from helpers import fill, inputs_of, issued_for
from person import SD, SS, TM, fill_register
from sheetflow.cli import main
from sheetflow.issue import safe_name
from sheetflow.register import init_workspace
from sheetflow.workspace import Workspace

aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is in the test extras")


class Inbox:
    """What the SMTP server received; ``refuse`` makes it turn recipients away."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def cli(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace.at(tmp_path / "opfølgning")
    init_workspace(ws, "blank")
    fill_register(ws.register_path)
    return ws


def _english(ws: Workspace, center: str) -> None:
    """Skole og Dagtilbud gets its workbooks in English (a center of its own choice)."""
    code, out = cli("issue", ws.root, "--round", 1, "--center", center, "--lang", "en", "--force")
    assert code == 0, out


def test_issue_mail_sends_one_cover_per_center_and_a_retry_sends_nothing_twice(
    ws: Workspace, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    inbox.refuse = {"ss@vestby.dk"}
    code, out = cli("issue", ws.root, "--round", 1, "--mail", "--smtp", f"127.0.0.1:{port}")
    assert code == 1, out
    assert "Følgebreve: 3 skrevet, 2 sendt" in out
    assert (
        "Ikke sendt til Social og Sundhed: modtageren blev afvist af mailserveren "
        "(tjek e-mailen på arket Centre) (SMTPRecipientsRefused" in out
    )
    assert sorted(r for _, rcpts, _ in inbox.messages for r in rcpts) == [
        "sd@vestby.dk",
        "tm@vestby.dk",
    ]
    for sender, rcpts, msg in inbox.messages:
        assert sender == "okonomi@vestby.dk"
        assert msg["Reply-To"].addresses[0].addr_spec == "okonomi@vestby.dk"
        assert rcpts == [msg["To"].addresses[0].addr_spec]
        assert msg["Subject"].startswith("1. budgetopfølgning 2026: jeres projektmappe")
        body = msg.get_body(("plain",)).get_content()
        assert "Udfyld de gule celler på arket 'Status'" in body
        (attachment,) = list(msg.iter_attachments())
        name = attachment.get_filename()
        assert attachment.get_content() == (ws.issued_dir(1) / name).read_bytes()
    # The retry sends only the one that did not go.
    inbox.refuse = set()
    code, out = cli("send", ws.root, "--round", 1, "--smtp", f"127.0.0.1:{port}")
    assert code == 0, out
    assert out.splitlines()[0] == "1. budgetopfølgning 2026: 1 sendt, 2 sendt før, 0 ikke sendt"
    assert [rcpts for _, rcpts, _ in inbox.messages][-1] == ["ss@vestby.dk"]
    code, out = cli("send", ws.root, "--round", 1, "--smtp", f"127.0.0.1:{port}")
    assert out.splitlines()[0] == "1. budgetopfølgning 2026: 0 sendt, 3 sendt før, 0 ikke sendt"
    assert len(inbox.messages) == 3
    with sqlite3.connect(ws.ledger_path) as db:
        rows = db.execute(
            "SELECT center, status FROM messages WHERE kind='cover' ORDER BY id"
        ).fetchall()
    assert [r for r in rows if r[1] != "written"] == [
        (TM, "sent"),
        (SD, "sent"),
        (SS, "failed"),
        (SS, "sent"),
    ]


def test_reminders_say_why_in_the_centers_language(ws: Workspace, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    code, out = cli("issue", ws.root, "--round", 1)
    assert code == 0, out
    _english(ws, SD)
    # Teknik og Miljø: an invalid smiley (rejected, a correction workbook);
    # Skole og Dagtilbud: sent back untouched; Social og Sundhed: nothing.
    _, layout = issued_for(ws, TM, 1)
    bad = inputs_of(layout)[0]
    fill(ws, TM, {bad: "måske"}, ws.inbox_dir(1) / "tm.xlsx", round_number=1)
    sd_issued, _ = issued_for(ws, SD, 1)
    (ws.inbox_dir(1) / "sd.xlsx").write_bytes((ws.root / sd_issued.file).read_bytes())
    code, out = cli("collect", ws.root, "--round", 1)
    assert code == 1, out
    code, out = cli("remind", ws.root, "--round", 1, "--smtp", f"127.0.0.1:{port}")
    assert code == 0, out
    assert out.splitlines()[0] == "1. budgetopfølgning 2026: 3 påmindelser skrevet, 3 sendt"
    got = {rcpts[0]: msg for _, rcpts, msg in inbox.messages}
    assert set(got) == {"tm@vestby.dk", "sd@vestby.dk", "ss@vestby.dk"}

    tm = got["tm@vestby.dk"]
    assert tm["Subject"] == "1. budgetopfølgning 2026: jeres projektmappe skal rettes"
    body = tm.get_body(("plain",)).get_content()
    assert f"- {bad}: 'måske' er ikke en gyldig smiley" in body
    (attachment,) = list(tm.iter_attachments())
    correction = ws.round_dir(1) / "corrections" / attachment.get_filename()
    assert attachment.get_content() == correction.read_bytes()
    assert openpyxl.load_workbook(correction).sheetnames[0] == "Rettelser"

    sd = got["sd@vestby.dk"]
    assert sd["Subject"] == "Reminder: 1. budgetopfølgning 2026, the workbook was not filled in"
    assert "came back without a single answer" in sd.get_body(("plain",)).get_content()

    ss = got["ss@vestby.dk"]
    assert ss["Subject"] == "Påmindelse: 1. budgetopfølgning 2026, svarfrist 14.04.2026"
    (attachment,) = list(ss.iter_attachments())
    assert attachment.get_content() == (ws.issued_dir(1) / attachment.get_filename()).read_bytes()


def test_a_reminder_written_before_a_center_returned_is_never_sent(
    ws: Workspace, smtp: tuple[Inbox, int]
) -> None:
    """A trial's 'send --reminders' mailed "your workbook must be corrected" to centers
    accepted since the drafts were written, and did so in a closed round."""
    inbox, port = smtp
    assert cli("issue", ws.root, "--round", 1)[0] == 0
    code, out = cli("remind", ws.root, "--round", 1)  # drafts only: 3 centers owe
    assert code == 0 and out.splitlines()[0].endswith("3 påmindelser skrevet, 0 sendt"), out
    drafts = ws.reminders_dir(1)
    assert sorted(p.name for p in drafts.iterdir()) == [
        "Skole_og_Dagtilbud.eml", "Social_og_Sundhed.eml", "Teknik_og_Miljoe.eml"
    ]  # fmt: skip
    for center in (TM, SD):
        _, layout = issued_for(ws, center, 1)
        values = dict.fromkeys(inputs_of(layout, "smiley"), "☺")
        fill(ws, center, values, ws.inbox_dir(1) / f"{center}.xlsx", round_number=1)
    assert cli("collect", ws.root, "--round", 1)[0] == 0
    code, out = cli("send", ws.root, "--round", 1, "--reminders", "--smtp", f"127.0.0.1:{port}")
    assert (code, out.splitlines()) == (
        0,
        [
            "1. budgetopfølgning 2026: 1 sendt, 0 sendt før, 0 ikke sendt",
            "Ikke sendt, og fjernet: påmindelser til centre, der ikke mangler noget "
            f"længere ({SD}, {TM}).",
        ],
    ), out
    assert [rcpts for _, rcpts, _ in inbox.messages] == [["ss@vestby.dk"]]
    assert [p.name for p in drafts.iterdir()] == ["Social_og_Sundhed.eml"]
    # The reminder that went stays as the record of what the center was told, after
    # its return too, and is not sent again.
    _, layout = issued_for(ws, SS, 1)
    values = dict.fromkeys(inputs_of(layout, "smiley"), "☺")
    fill(ws, SS, values, ws.inbox_dir(1) / "ss.xlsx", round_number=1)
    assert cli("collect", ws.root, "--round", 1)[0] == 0
    assert cli("remind", ws.root, "--round", 1)[0] == 0
    code, out = cli("send", ws.root, "--round", 1, "--reminders", "--smtp", f"127.0.0.1:{port}")
    assert (code, out.splitlines()) == (
        0,
        ["1. budgetopfølgning 2026: 0 sendt, 0 sendt før, 0 ikke sendt"],
    ), out
    assert [p.name for p in drafts.iterdir()] == ["Social_og_Sundhed.eml"]
    # A closed round sends no reminders at all.
    assert cli("close", ws.root, "--round", 1, "--force")[0] == 0
    code, out = cli("send", ws.root, "--round", 1, "--reminders", "--smtp", f"127.0.0.1:{port}")
    assert (code, out.strip()) == (
        2,
        "Fejl: 1. budgetopfølgning 2026 er lukket; der sendes ingen påmindelser.",
    ), out
    assert len(inbox.messages) == 1


def test_remind_removes_the_drafts_of_centers_that_owe_nothing_any_more(ws: Workspace) -> None:
    """The reminders folder is what there is to send, also by hand from Outlook."""
    assert cli("issue", ws.root, "--round", 1)[0] == 0
    assert cli("remind", ws.root, "--round", 1)[0] == 0
    _, layout = issued_for(ws, TM, 1)
    values = dict.fromkeys(inputs_of(layout, "smiley"), "☺")
    fill(ws, TM, values, ws.inbox_dir(1) / "tm.xlsx", round_number=1)
    assert cli("collect", ws.root, "--round", 1)[0] == 0
    code, out = cli("remind", ws.root, "--round", 1)
    assert code == 0 and out.splitlines()[0].endswith("2 påmindelser skrevet, 0 sendt"), out
    assert sorted(p.name for p in ws.reminders_dir(1).iterdir()) == [
        "Skole_og_Dagtilbud.eml", "Social_og_Sundhed.eml"
    ]  # fmt: skip


def test_a_login_is_never_sent_without_tls(
    ws: Workspace, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, port = smtp
    monkeypatch.setenv("SHEETFLOW_SMTP_PASSWORD", "hemmeligt")
    code, out = cli(
        "issue",
        ws.root,
        "--round",
        1,
        "--mail",
        "--smtp",
        f"127.0.0.1:{port}",
        "--smtp-user",
        "okonomi",
    )
    assert code == 1, out
    assert out.count("adgangskoden sendes ikke ukrypteret") == 3
    assert "hemmeligt" not in out


def test_a_new_version_takes_the_place_of_its_unsent_cover_letter(
    ws: Workspace, smtp: tuple[Inbox, int]
) -> None:
    """A trial found Teknik og Miljø's v1 letter, the old workbook attached, beside v2 in
    the outbox, for anyone opening the folder in Outlook to send. A letter that went
    stays: it is the record of what the center was sent."""
    _, port = smtp
    assert cli("issue", ws.root, "--round", 1, "--mail")[0] == 0
    outbox = ws.round_dir(1) / "outbox"
    first = sorted(p.name for p in outbox.iterdir())
    assert cli("issue", ws.root, "--round", 1, "--mail", "--force", "--center", TM)[0] == 0
    tm = safe_name(TM)
    assert sorted(p.name for p in outbox.iterdir()) == sorted(
        [*(n for n in first if not n.startswith(tm)), f"{tm}_v2.eml"]
    )
    assert cli("send", ws.root, "--round", 1, "--smtp", f"127.0.0.1:{port}")[0] == 0
    assert cli("issue", ws.root, "--round", 1, "--mail", "--force", "--center", TM)[0] == 0
    assert sorted(p.name for p in outbox.iterdir() if p.name.startswith(tm)) == [
        f"{tm}_v2.eml",
        f"{tm}_v3.eml",
    ]
    # A new version issued without --mail withdraws the unsent letter of the last one,
    # and says so.
    code, out = cli("issue", ws.root, "--round", 1, "--force", "--center", TM)
    assert (code, out.splitlines()[-1]) == (
        0,
        "Ikke-sendte følgebreve med den tidligere version er fjernet fra outbox/: "
        f"{TM}. Skriv nye med --mail.",
    )
    assert sorted(p.name for p in outbox.iterdir() if p.name.startswith(tm)) == [f"{tm}_v2.eml"]


def test_a_round_that_went_out_by_mail_is_re_issued_by_mail(ws: Workspace) -> None:
    """The re-issue a register change calls for repeats --mail when the round's letters
    were written (a trial followed it and lost a center's only letter)."""
    assert cli("issue", ws.root, "--round", 1, "--mail")[0] == 0
    wb = openpyxl.load_workbook(ws.register_path)
    for row in wb["Delelementer"].iter_rows(min_row=2):
        if row[0].value == "S1":
            row[3].value = "Skolemad for alle"
    wb.save(ws.register_path)
    _, out = cli("collect", ws.root, "--round", 1)
    assert [line for line in out.splitlines() if line.startswith("  [")] == [
        "  [advarsel] Registret er ændret, siden opfølgningen blev udsendt: delelement ændret: "
        "1.02 Skolemad for alle. Udsend en ny version, hvis ændringen skal med i "
        f'projektmapperne: sheetflow issue "{ws.root}" --round 1 --force --mail (register-changed)'
    ]
