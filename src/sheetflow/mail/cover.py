"""Cover letters: each issued workbook by e-mail to its center, and sending a round's
messages that have not gone yet (``sheetflow send``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sheetflow.errors import UsageError
from sheetflow.issue import IssueResult, safe_name
from sheetflow.ledger import Ledger
from sheetflow.mail.compose import Attachment, compose, contact
from sheetflow.mail.outbox import (
    Sent,
    Smtp,
    drop_unsent,
    record_written,
    send_messages,
    write_message,
)
from sheetflow.model import Round
from sheetflow.texts import load_texts
from sheetflow.workspace import Workspace, exclusive


@dataclass
class Covers:
    written: list[tuple[str, Path]] = field(default_factory=list)  # (center, .eml)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (center, reason code)


def outbox_dir(workspace: Workspace, rnd: Round) -> Path:
    return workspace.round_dir(rnd.number) / "outbox"


@exclusive
def write_covers(workspace: Workspace, issued: IssueResult) -> Covers:
    """One cover letter per workbook just issued, in the language it was issued in."""
    register = workspace.load_register()
    rnd = issued.round
    out = Covers()
    with Ledger(workspace.ledger_path) as ledger:
        langs = {r.template_id: r.lang for r in ledger.issued_rows(rnd.number)}
        # An unsent letter with an earlier version attached would still offer itself
        # in the outbox (a trial found v1 beside v2, the old workbook attached).
        drop_unsent(workspace, ledger, rnd.number, "cover", {w.center for w in issued.workbooks})
        for wb in issued.workbooks:
            center, unusable = contact(register, wb.center)
            if unusable:
                out.skipped.append((wb.center, unusable))
                continue
            texts = load_texts(langs.get(wb.template_id, "da"), workspace.root)
            msg = compose(
                "cover",
                register,
                rnd,
                center,
                Attachment(wb.path.name, wb.path.read_bytes()),
                texts,
                sheet=texts["status"]["sheet"],
                link=issued.links.get(wb.center, ""),
            )
            name = f"{safe_name(wb.center)}_v{wb.version}.eml"
            target = write_message(outbox_dir(workspace, rnd) / name, msg)
            record_written(workspace, ledger, rnd.number, "cover", wb.center, center.email, target)
            out.written.append((wb.center, target))
    return out


@exclusive
def withdraw_covers(workspace: Workspace, issued: IssueResult) -> list[str]:
    """A new version issued without letters: remove the unsent letters that carry an
    earlier version of these centers' workbooks, so the outbox never offers one
    (a letter that went stays). The centers whose letters were removed."""
    centers = {w.center for w in issued.workbooks if w.version > 1}
    if not centers:
        return []
    with Ledger(workspace.ledger_path) as ledger:
        return drop_unsent(workspace, ledger, issued.round.number, "cover", centers)


@exclusive
def send_round(
    workspace: Workspace, round_ref: str | int, kind: str, smtp: Smtp
) -> tuple[Round, Sent]:
    """Send every message of ``kind`` (cover, reminder) written for the round and not
    sent yet; the latest message per center only.

    Reminders go only while the round is open and only to centers that still owe
    a return: an unsent draft written before the center's return was accepted is
    removed, not sent (``Sent.obsolete``).
    """
    from sheetflow.lifecycle import is_closed
    from sheetflow.remind import drop_obsolete, owing
    from sheetflow.roundstate import round_state

    register = workspace.load_register()
    rnd = workspace.resolve_round(register, round_ref)
    with Ledger(workspace.ledger_path) as ledger:
        latest: dict[str, Path] = {}
        for center, file in ledger.written_messages(rnd.number, kind):
            path = workspace.root / file
            if path.is_file():
                latest[center] = path
        obsolete: list[str] = []
        if kind == "reminder":
            if is_closed(ledger, rnd):
                raise UsageError("remind-closed", round=rnd.name)
            now = owing(round_state(register, rnd, ledger))
            obsolete = drop_obsolete(workspace, ledger, rnd, now)
            latest = {c: p for c, p in latest.items() if c in now}
        sent = send_messages(workspace, ledger, rnd.number, kind, list(latest.items()), smtp)
        sent.obsolete = obsolete
    return rnd, sent
