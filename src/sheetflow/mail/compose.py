"""E-mail messages for a round, built from the texts in ``workbook_templates`` ([mail]).

Pure: a register, a round, a center and the attachment in; an ``EmailMessage``
out, in the center's language, to the center's contact, from and reply-to
finance. Nothing here reads or writes files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sheetflow.errors import UsageError
from sheetflow.model import Center, Register, Round, format_date

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
KINDS = ("cover", "missing", "no_answers", "correction", "returned", "new_version")


def address_of(name: str, email: str) -> Address | None:
    """A usable e-mail address, or None (a typo like "jeho(at)vestby.dk" is never sent to)."""
    try:
        address = Address(display_name=name, addr_spec=email.strip())
    except (ValueError, IndexError, TypeError, HeaderParseError):
        return None
    return address if address.username and address.domain and "." in address.domain else None


def recipient(center: Center) -> Address | None:
    """The center's contact as an e-mail address, or None when it is not a usable one."""
    return address_of(center.contact_name, center.email)


def contact(register: Register, name: str) -> tuple[Center, str]:
    """A center's contact and why it cannot be written to ("" when it can): "no-email"
    or "bad-email"."""
    center = register.center(name) or Center(name)
    if not center.email:
        return center, "no-email"
    if recipient(center) is None:
        return center, "bad-email"
    return center, ""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes


def compose(
    kind: str,
    register: Register,
    rnd: Round,
    center: Center,
    attachment: Attachment,
    texts: dict[str, dict[str, Any]],
    *,
    sheet: str,
    reasons: list[str] | None = None,
    link: str = "",
    today: dt.date | None = None,
) -> EmailMessage:
    """One message of ``kind`` (cover, missing, no_answers, correction, returned) to a
    center; "returned" is a return finance sent back with its own reason."""
    if kind not in KINDS:
        raise ValueError(kind)
    t = texts["mail"]
    info = register.info
    sender = address_of(info.contact, info.email)
    if sender is None:  # a letter from nobody: replies would go nowhere
        raise UsageError("mail-needs-sender")
    sender_spec = sender.addr_spec
    deadline = format_date(rnd.return_deadline)
    passed = rnd.return_deadline < (today or dt.date.today())  # a reminder after it
    fields = {
        "round": rnd.name,
        "center": center.name,
        "deadline": deadline,
        "deadline_line": t["deadline_passed" if passed else "deadline_ahead"].format(
            deadline=deadline
        ),
        "by_when": t["by_now" if passed else "by_deadline"].format(deadline=deadline),
        "name": center.contact_name or center.name,
        "sender": sender_spec,
        "contact": info.contact or sender_spec,
        "sheet": sheet,
        "reasons": "\n".join(f"- {r}" for r in reasons or []),
    }
    body = "\n\n".join(
        [
            t["greeting"].format(**fields),
            t[f"{kind}_body"].format(**fields),
            *([t["link_line"].format(link=link)] if link else []),  # the web intake's page
            t["signature"].format(**fields),
        ]
    )
    msg = EmailMessage()
    msg["From"] = Address(display_name=info.contact, addr_spec=sender_spec)
    msg["Reply-To"] = Address(display_name=info.contact, addr_spec=sender_spec)
    msg["To"] = recipient(center) or center.email
    msg["Subject"] = t[f"{kind}_subject"].format(**fields)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender_spec.rpartition("@")[2] or "localhost")
    msg.set_content(body + "\n")
    msg.add_attachment(
        attachment.content,
        maintype=XLSX_TYPE[0],
        subtype=XLSX_TYPE[1],
        filename=attachment.filename,
    )
    return msg
