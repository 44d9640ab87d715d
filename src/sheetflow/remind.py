"""Reminders: one e-mail per center that has not returned an accepted workbook.

Drafts are RFC 5322 messages (.eml) in ``rounds/<n>/reminders/``, Danish by
default, to the center's contact from the register, with the center's issued
workbook attached and the return deadline stated. With an SMTP server they
are sent instead of (as well as) drafted.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from sheetflow.atomic import atomic_path
from sheetflow.errors import UsageError
from sheetflow.issue import safe_name
from sheetflow.ledger import Ledger
from sheetflow.lifecycle import is_closed
from sheetflow.model import Center, Register, Round, format_date
from sheetflow.roundstate import round_state
from sheetflow.workspace import Workspace, exclusive

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")

TEXTS = {
    "da": {
        "subject": "Påmindelse: {round}, svarfrist {deadline}",
        "body": (
            "Kære {name}\n\n"
            "Vi mangler stadig jeres udfyldte projektmappe til {round} for {center}.\n"
            "Svarfristen er {deadline}.\n\n"
            "Projektmappen er vedhæftet igen. Udfyld de gule celler på arket 'Status', "
            "gem filen som .xlsx uden adgangskode og send den til {sender}.\n\n"
            "Venlig hilsen\n{contact}\n"
        ),
        "greeting_fallback": "{center}",
    },
    "en": {
        "subject": "Reminder: {round}, return by {deadline}",
        "body": (
            "Dear {name}\n\n"
            "We have not yet received your filled-in workbook for {round} for {center}.\n"
            "The deadline is {deadline}.\n\n"
            "The workbook is attached again. Fill in the yellow cells on the sheet "
            "'Status', save it as .xlsx without a password and send it to {sender}.\n\n"
            "Kind regards\n{contact}\n"
        ),
        "greeting_fallback": "{center}",
    },
}


@dataclass
class RemindResult:
    round: Round
    drafts: list[Path] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (center, reason code)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (center, error)

    @property
    def exit_code(self) -> int:
        """1 when a reminder could not be sent."""
        return 1 if self.failed else 0


def recipient(center: Center) -> Address | None:
    """The center's contact as an e-mail address, or None when it is not a usable one."""
    try:
        address = Address(display_name=center.contact_name, addr_spec=center.email.strip())
    except (ValueError, IndexError, TypeError, HeaderParseError):
        return None
    return address if address.username and address.domain and "." in address.domain else None


def build_reminder(
    register: Register,
    rnd: Round,
    center: Center,
    issued_file: str,
    attachment: bytes,
    lang: str = "da",
) -> EmailMessage:
    """One reminder message with the issued workbook attached."""
    t = TEXTS.get(lang, TEXTS["da"])
    info = register.info
    sender_address = recipient(Center("", info.contact, info.email))
    sender = sender_address.addr_spec if sender_address else "okonomi@localhost"
    fields = {
        "round": rnd.name,
        "center": center.name,
        "deadline": format_date(rnd.return_deadline),
        "name": center.contact_name or t["greeting_fallback"].format(center=center.name),
        "sender": sender,
        "contact": info.contact or sender,
    }
    msg = EmailMessage()
    msg["From"] = Address(display_name=info.contact, addr_spec=sender)
    msg["To"] = recipient(center) or center.email
    msg["Subject"] = t["subject"].format(**fields)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    msg.set_content(t["body"].format(**fields))
    msg.add_attachment(
        attachment, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=Path(issued_file).name
    )
    return msg


@exclusive
def remind(
    workspace: Workspace,
    round_ref: str | int,
    *,
    smtp: str | None = None,
    lang: str = "da",
) -> RemindResult:
    """Draft (and with ``smtp`` = "host:port", send) reminders to every center without
    an accepted return; each attempt is recorded in the ledger."""
    register = workspace.load_register()
    rnd = workspace.resolve_round(register, round_ref)
    server_address = _smtp_address(smtp) if smtp else None
    with Ledger(workspace.ledger_path) as ledger:
        if not ledger.issued_rows(rnd.number):
            raise UsageError(f"{rnd.name} er ikke udsendt endnu.")
        if is_closed(ledger, rnd):
            raise UsageError(f"{rnd.name} er lukket; der sendes ingen påmindelser.")
        state = round_state(register, rnd, ledger)
        result = RemindResult(rnd)
        outbox = []
        for c in state.missing:
            center = register.center(c.center) or Center(c.center)
            if not center.email:
                result.skipped.append((c.center, "no-email"))
                continue
            if recipient(center) is None:
                result.skipped.append((c.center, "bad-email"))
                continue
            issued = c.versions[-1]
            attachment = (workspace.root / issued.file).read_bytes()
            msg = build_reminder(register, rnd, center, issued.file, attachment, lang)
            target = workspace.reminders_dir(rnd.number) / f"{safe_name(c.center)}.eml"
            with atomic_path(target) as tmp:
                tmp.write_bytes(bytes(msg))
            result.drafts.append(target)
            ledger.record_message(
                round_number=rnd.number,
                center=c.center,
                kind="reminder",
                recipient=center.email,
                file=str(target.relative_to(workspace.root)),
                status="written",
            )
            outbox.append((c.center, target, msg))
        if server_address and outbox:
            _send_all(server_address, outbox, ledger, rnd, workspace, result)
    return result


def _smtp_address(smtp: str) -> tuple[str, int]:
    host, _, port = smtp.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"--smtp skal have formen VÆRT:PORT, ikke '{smtp}'.")
    return host, int(port)


def _send_all(
    address: tuple[str, int],
    outbox: list[tuple[str, Path, EmailMessage]],
    ledger: Ledger,
    rnd: Round,
    workspace: Workspace,
    result: RemindResult,
) -> None:
    """Send each message; a failure is recorded per center and the rest still go."""
    try:
        server = smtplib.SMTP(*address, timeout=30)
    except (OSError, smtplib.SMTPException) as exc:
        for center, target, msg in outbox:
            _failed(ledger, rnd, workspace, result, center, target, msg, exc)
        return
    with server:
        for center, target, msg in outbox:
            try:
                server.send_message(msg)
            except (OSError, smtplib.SMTPException) as exc:
                _failed(ledger, rnd, workspace, result, center, target, msg, exc)
                continue
            result.sent.append(str(msg["To"]))
            ledger.record_message(
                round_number=rnd.number,
                center=center,
                kind="reminder",
                recipient=str(msg["To"]),
                file=str(target.relative_to(workspace.root)),
                status="sent",
            )


def _failed(
    ledger: Ledger,
    rnd: Round,
    workspace: Workspace,
    result: RemindResult,
    center: str,
    target: Path,
    msg: EmailMessage,
    exc: BaseException,
) -> None:
    error = f"{type(exc).__name__}: {exc}"
    result.failed.append((center, error))
    ledger.record_message(
        round_number=rnd.number,
        center=center,
        kind="reminder",
        recipient=str(msg["To"]),
        file=str(target.relative_to(workspace.root)),
        status="failed",
        error=error,
    )
