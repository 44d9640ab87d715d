"""Reminders that say why: one e-mail per center without an accepted return.

A center that sent nothing is reminded of the deadline; one whose workbook
came back without answers is told so; one whose return was rejected or sent
back by finance gets the reasons, and the correction workbook attached when
there is one. Each message is an .eml in ``rounds/<n>/reminders/`` in the
center's language, to its contact on the register's Centre sheet; with SMTP
they are sent, every attempt recorded in the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sheetflow.correct import correction_path
from sheetflow.errors import UsageError
from sheetflow.findings import finding_from_dict
from sheetflow.issue import safe_name
from sheetflow.ledger import Ledger
from sheetflow.lifecycle import is_closed
from sheetflow.mail.compose import Attachment, compose, contact
from sheetflow.mail.outbox import (
    Smtp,
    drop_unsent,
    record_written,
    send_messages,
    write_message,
)
from sheetflow.model import Round
from sheetflow.roundstate import CenterRound, CenterState, RoundState, round_state
from sheetflow.texts import load_texts
from sheetflow.workspace import Workspace, exclusive

KIND_OF = {
    CenterState.MISSING: "missing",
    CenterState.NO_ANSWERS: "no_answers",
    CenterState.REJECTED: "correction",
    CenterState.RETURNED: "returned",  # finance's reason; no cells are marked
    CenterState.NEW_VERSION: "new_version",  # the newest version asks more
}


@dataclass
class RemindResult:
    round: Round
    drafts: list[Path] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (center, reason code)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (center, error)
    kinds: dict[str, str] = field(default_factory=dict)  # center → missing/no_answers/correction

    @property
    def exit_code(self) -> int:
        """1 when a reminder could not be sent."""
        return 1 if self.failed else 0


def owing(state: RoundState) -> dict[str, str]:
    """The centers a reminder is for now, with its kind (missing, no_answers,
    correction, returned, new_version); undecided centers are finance's to settle."""
    return {c.center: KIND_OF[c.state] for c in state.owing if c.state in KIND_OF}


def drop_obsolete(
    workspace: Workspace, ledger: Ledger, rnd: Round, now: dict[str, str]
) -> list[str]:
    """Remove the unsent reminder drafts of centers that owe nothing any more, so the
    folder never offers one to send, by ``send --reminders`` or by hand from Outlook;
    a reminder that went stays, as the record of what the center was told. Returns
    the centers whose drafts were removed."""
    written = {center for center, _ in ledger.written_messages(rnd.number, "reminder")}
    return drop_unsent(workspace, ledger, rnd.number, "reminder", written - set(now))


def reasons_for(c: CenterRound, lang: str) -> list[str]:
    """Why a center's return does not count: finance's reason, or the errors found."""
    if c.state is CenterState.RETURNED and c.review is not None:
        return [c.review.reason]
    latest = c.latest
    if latest is None:
        return []
    errors = [d for d in latest.finding_list if d.get("severity") == "error"]
    out = []
    for d in errors:
        f = finding_from_dict(d)
        message = f.render(lang)
        out.append(f"{f.cell}: {message}" if f.cell else message)
    return out


@exclusive
def remind(
    workspace: Workspace,
    round_ref: str | int,
    *,
    smtp: Smtp | None = None,
    lang: str = "da",
) -> RemindResult:
    """Write (and with ``smtp`` send) a reminder to every center that still owes a return."""
    register = workspace.load_register()
    rnd = workspace.resolve_round(register, round_ref)
    with Ledger(workspace.ledger_path) as ledger:
        if not ledger.issued_rows(rnd.number):
            raise UsageError("not-issued", round=rnd.name)
        if is_closed(ledger, rnd):
            raise UsageError("remind-closed", round=rnd.name)
        state = round_state(register, rnd, ledger)
        result = RemindResult(rnd)
        written: list[tuple[str, Path]] = []
        kinds = owing(state)
        drop_obsolete(workspace, ledger, rnd, kinds)
        for c in state.owing:
            kind = kinds.get(c.center)
            if kind is None:  # undecided: finance chooses, the center did return
                continue
            center, unusable = contact(register, c.center)
            if unusable:
                result.skipped.append((c.center, unusable))
                continue
            issued = c.versions[-1]
            attach = workspace.root / issued.file
            correction = correction_path(workspace, rnd, issued.file)
            if kind in ("correction", "returned") and correction.is_file():
                attach = correction
            texts = load_texts(issued.lang, workspace.root)
            msg = compose(
                kind,
                register,
                rnd,
                center,
                Attachment(attach.name, attach.read_bytes()),
                texts,
                sheet=texts["status"]["sheet"],
                reasons=reasons_for(c, issued.lang),
            )
            target = write_message(
                workspace.reminders_dir(rnd.number) / f"{safe_name(c.center)}.eml", msg
            )
            record_written(
                workspace, ledger, rnd.number, "reminder", c.center, center.email, target
            )
            result.drafts.append(target)
            result.kinds[c.center] = kind
            written.append((c.center, target))
        if smtp is not None and written:
            sent = send_messages(workspace, ledger, rnd.number, "reminder", written, smtp)
            result.sent = sent.sent
            result.failed = sent.failed
    return result
