"""Reminders: one e-mail per center that has not returned an accepted workbook.

Drafts are RFC 5322 messages (.eml) in ``rounds/<n>/reminders/``, Danish by
default, to the center's contact from the register, with the center's issued
workbook attached and the return deadline stated. With an SMTP server they
are sent instead of (as well as) drafted.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from sheetflow.atomic import atomic_path
from sheetflow.errors import UsageError
from sheetflow.issue import safe_name
from sheetflow.ledger import Issued, Ledger
from sheetflow.model import Center, Register, Round, format_date
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
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (center, reason)


def build_reminder(
    register: Register,
    rnd: Round,
    center: Center,
    issued: Issued,
    attachment: bytes,
    lang: str = "da",
) -> EmailMessage:
    """One reminder message with the issued workbook attached."""
    t = TEXTS.get(lang, TEXTS["da"])
    info = register.info
    sender = info.email or "okonomi@localhost"
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
    msg["To"] = Address(display_name=center.contact_name, addr_spec=center.email)
    msg["Subject"] = t["subject"].format(**fields)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    msg.set_content(t["body"].format(**fields))
    msg.add_attachment(
        attachment, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=Path(issued.file).name
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
    """Draft (and with ``smtp`` = "host:port", send) reminders for missing returns."""
    register = workspace.load_register()
    rnd = workspace.resolve_round(register, round_ref)
    with Ledger(workspace.ledger_path) as ledger:
        issued = ledger.issued(rnd.number)
        if not issued:
            raise UsageError(f"{rnd.name} er ikke udsendt endnu.")
        accepted = {r.center for r in ledger.received(rnd.number) if r.verdict == "accepted"}
    latest: dict[str, Issued] = {}
    for i in issued:
        latest[i.center] = i
    result = RemindResult(rnd)
    messages = []
    for name, last in latest.items():
        if name in accepted:
            continue
        center = register.center(name) or Center(name)
        if not center.email:
            result.skipped.append((name, "ingen e-mail på arket Centre"))
            continue
        attachment = (workspace.root / last.file).read_bytes()
        msg = build_reminder(register, rnd, center, last, attachment, lang)
        target = workspace.reminders_dir(rnd.number) / f"{safe_name(name)}.eml"
        with atomic_path(target) as tmp:
            tmp.write_bytes(bytes(msg))
        result.drafts.append(target)
        messages.append(msg)
    if smtp and messages:
        host, _, port = smtp.rpartition(":")
        if not host or not port.isdigit():
            raise UsageError(f"--smtp skal have formen VÆRT:PORT, ikke '{smtp}'.")
        with smtplib.SMTP(host, int(port), timeout=30) as server:
            for msg in messages:
                server.send_message(msg)
                result.sent.append(str(msg["To"]))
    return result
