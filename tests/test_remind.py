"""Reminder drafts (RFC 5322, attachment, recipient, deadline) and sending over SMTP
to a server the test starts on 127.0.0.1."""

from __future__ import annotations

import socket
from dataclasses import replace
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import fill_all_green
from sheetflow.cli import main
from sheetflow.issue import safe_name
from sheetflow.register.workbook import read_register, write_register
from sheetflow.workspace import Workspace


def _with_contacts(ws: Workspace, skip: str = "") -> None:
    register, _ = read_register(ws.register_path)
    register.centers = [
        c
        if c.name == skip
        else replace(
            c, contact_name=f"Chef {c.name}", email=f"{safe_name(c.name).lower()}@example.dk"
        )
        for c in register.centers
    ]
    write_register(register, ws.register_path)


def test_drafts_go_to_centers_without_an_accepted_return(issued_ws: Workspace) -> None:
    _with_contacts(issued_ws, skip="Digitaliseringssekretariatet")
    fill_all_green(issued_ws, "Ejendomme", issued_ws.inbox_dir(3) / "ejd.xlsx")
    CliRunner().invoke(main, ["collect", str(issued_ws.root), "--round", "3"])
    result = CliRunner().invoke(main, ["remind", str(issued_ws.root), "--round", "3"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "3. budgetopfølgning 2017: 7 påmindelser skrevet, 0 sendt"
    assert (
        lines[-1]
        == "  Ingen påmindelse til Digitaliseringssekretariatet: ingen e-mail på arket Centre"
    )
    drafts = sorted(issued_ws.reminders_dir(3).glob("*.eml"))
    assert len(drafts) == 7 and not any("Ejendomme" in d.name for d in drafts)
    draft = issued_ws.reminders_dir(3) / "Arbejdsmarked.eml"
    msg = BytesParser(policy=policy.default).parsebytes(draft.read_bytes())
    assert msg["To"].addresses[0].addr_spec == "arbejdsmarked@example.dk"
    assert msg["To"].addresses[0].display_name == "Chef Arbejdsmarked"
    assert msg["From"].addresses[0].addr_spec == "okonomi@balk.dk"
    assert msg["Subject"] == "Påmindelse: 3. budgetopfølgning 2017, svarfrist 14.10.2017"
    assert msg["Date"] and msg["Message-ID"]
    body = msg.get_body(("plain",)).get_content()
    # Written long after the 2017 deadline: the reminder says it has passed.
    assert "Svarfristen var 14.10.2017, så send den hurtigst muligt." in body
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == "Arbejdsmarked_3_budgetopfoelgning_2017.xlsx"
    issued = issued_ws.issued_dir(3) / "Arbejdsmarked_3_budgetopfoelgning_2017.xlsx"
    assert attachment.get_content() == issued.read_bytes()


def test_reminders_are_sent_over_smtp(issued_ws: Workspace) -> None:
    aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is in the test extras")
    _with_contacts(issued_ws)

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[tuple[str, list[str], bytes]] = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
            return "250 OK"

    with socket.socket() as probe:  # a free port on the loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        result = CliRunner().invoke(
            main, ["remind", str(issued_ws.root), "--round", "3", "--smtp", f"127.0.0.1:{port}"]
        )
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert (
        result.output.splitlines()[0] == "3. budgetopfølgning 2017: 9 påmindelser skrevet, 9 sendt"
    )
    assert len(inbox.messages) == 9
    sender, rcpts, content = inbox.messages[0]
    assert sender == "okonomi@balk.dk"
    msg = BytesParser(policy=policy.default).parsebytes(content)
    assert rcpts == [msg["To"].addresses[0].addr_spec]
    assert len(list(msg.iter_attachments())) == 1


def test_bad_smtp_address_is_bad_usage(issued_ws: Workspace) -> None:
    _with_contacts(issued_ws)
    result = CliRunner().invoke(
        main, ["remind", str(issued_ws.root), "--round", "3", "--smtp", "nohost"]
    )
    assert result.exit_code == 2
    assert result.output.strip() == "Fejl: --smtp skal have formen VÆRT:PORT, ikke 'nohost'."


def test_remind_before_issue_is_bad_usage(sample_ws: Workspace, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["remind", str(sample_ws.root), "--round", "3"])
    assert result.exit_code == 2
    assert result.output.strip() == "Fejl: 3. budgetopfølgning 2017 er ikke udsendt endnu."


def test_a_reminder_before_the_deadline_names_it_and_after_it_asks_for_haste() -> None:
    import datetime as dt

    from sheetflow.mail.compose import Attachment, compose
    from sheetflow.register.sample import sample_register
    from sheetflow.texts import load_texts

    register = sample_register()
    rnd = register.rounds_by_number[3]
    center = register.centers[0]
    texts = load_texts("da")
    file = Attachment("x.xlsx", b"x")

    def body(kind: str, today: dt.date) -> str:
        msg = compose(kind, register, rnd, center, file, texts, sheet="Status", today=today)
        return str(msg.get_body(("plain",)).get_content())

    before, after = rnd.return_deadline, rnd.return_deadline + dt.timedelta(days=1)
    assert "Svarfristen er 14.10.2017." in body("missing", before)
    assert "Svarfristen var 14.10.2017, så send den hurtigst muligt." in body("missing", after)
    assert "senest 14.10.2017." in body("correction", before)
    assert "hurtigst muligt (svarfristen var 14.10.2017)." in body("correction", after)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_kind_of_reminder_has_its_words_and_its_letter(lang: str) -> None:
    """A state that owes a reminder needs its line in remind's output and its letter
    (the new-version reminder first ran into a missing text)."""
    from sheetflow.mail.compose import KINDS
    from sheetflow.remind import KIND_OF
    from sheetflow.roundstate import CenterState
    from sheetflow.texts import load_texts, text

    mail = load_texts(lang)["mail"]
    for state, kind in KIND_OF.items():
        assert kind in KINDS
        assert text(lang, "cli", f"remind-{kind}")
        assert mail[f"{kind}_subject"] and mail[f"{kind}_body"]
        assert text(lang, "master", "state_" + state.value.replace("-", "_"))
    assert set(KIND_OF) | {CenterState.UNDECIDED} >= {
        s for s in CenterState if not s.returned or s is CenterState.NEW_VERSION
    }
