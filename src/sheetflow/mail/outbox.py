"""Messages as .eml files, and sending them once.

Each message is written to a folder of the round (``outbox/`` for cover
letters, ``reminders/`` for reminders) before anything is sent. Sending
records every attempt in the ledger by the message file's content hash, so a
retry after a failure sends only what did not go, never anything twice.
SMTP uses STARTTLS when the server offers it, and logs in only over TLS.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from sheetflow.atomic import atomic_path
from sheetflow.errors import UsageError
from sheetflow.ledger import Ledger
from sheetflow.workspace import Workspace


@dataclass(frozen=True)
class Smtp:
    """Where and how to send: host, port, and a login when given."""

    host: str
    port: int
    user: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, text: str, user: str | None = None, password: str | None = None) -> Smtp:
        host, _, port = text.rpartition(":")
        if not host or not port.isdigit():
            raise UsageError("smtp-form", text=text)
        return cls(host, int(port), user, password)


@dataclass
class Sent:
    """What one sending run did, per center."""

    sent: list[str] = field(default_factory=list)  # centers
    already: list[str] = field(default_factory=list)  # sent before, not again
    failed: list[tuple[str, str]] = field(default_factory=list)  # (center, error)
    obsolete: list[str] = field(default_factory=list)  # reminders no longer due, removed


# What went wrong, as far as a person can act on it, by the exception's name.
REASONS = {
    "ConnectionRefusedError": "refused",
    "gaierror": "unknown-host",
    "TimeoutError": "timeout",
    "timeout": "timeout",
    "SMTPAuthenticationError": "login",
    "SMTPRecipientsRefused": "recipient",
    "SMTPSenderRefused": "sender",
    "SSLError": "tls",
    "SSLCertVerificationError": "tls",
    "SMTPNotSupportedError": "tls",
}


def reason_code(error: str) -> str:
    """The reason code of a failure's technical text ("ConnectionRefusedError: …")."""
    return REASONS.get(error.split(":", 1)[0].strip(), "other")


def write_message(target: Path, msg: EmailMessage) -> Path:
    """The message as an .eml file, written atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        tmp.write_bytes(bytes(msg))
    return target


def record_written(
    workspace: Workspace,
    ledger: Ledger,
    round_number: int,
    kind: str,
    center: str,
    recipient: str,
    target: Path,
) -> None:
    """A message written to its folder, in the ledger (before any attempt to send it)."""
    ledger.record_message(
        round_number=round_number,
        center=center,
        kind=kind,
        recipient=recipient,
        file=str(target.relative_to(workspace.root)),
        status="written",
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def send_messages(
    workspace: Workspace,
    ledger: Ledger,
    round_number: int,
    kind: str,
    messages: list[tuple[str, Path]],
    smtp: Smtp,
) -> Sent:
    """Send each (center, .eml file) not sent before; every attempt is recorded."""
    result = Sent()
    done = ledger.sent_digests(round_number, kind)
    todo = []
    for center, path in messages:
        if digest(path) in done:
            result.already.append(center)
        else:
            todo.append((center, path))
    if not todo:
        return result
    try:
        server = _connect(smtp)
    except (OSError, smtplib.SMTPException) as exc:
        for center, path in todo:
            _record(workspace, ledger, round_number, kind, center, path, "failed", exc)
            result.failed.append((center, _error(exc)))
        return result
    with server:
        for center, path in todo:
            raw = path.read_bytes()
            head = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
            sender = head["From"].addresses[0].addr_spec if head["From"] else ""
            to = [a.addr_spec for a in head["To"].addresses] if head["To"] else []
            try:
                # The bytes as written (not re-serialized), with SMTP's CRLF line ends.
                server.sendmail(sender, to, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
            except (OSError, smtplib.SMTPException) as exc:
                _record(workspace, ledger, round_number, kind, center, path, "failed", exc)
                result.failed.append((center, _error(exc)))
                continue
            _record(workspace, ledger, round_number, kind, center, path, "sent")
            result.sent.append(center)
    return result


def _connect(smtp: Smtp) -> smtplib.SMTP:
    server = smtplib.SMTP(smtp.host, smtp.port, timeout=30)
    try:
        server.ehlo()
        if server.has_extn("starttls"):
            server.starttls(context=ssl.create_default_context())
            server.ehlo()
        elif smtp.user:
            raise smtplib.SMTPException(
                "serveren tilbyder ikke STARTTLS; adgangskoden sendes ikke ukrypteret"
            )
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
    except BaseException:
        server.close()
        raise
    return server


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _record(
    workspace: Workspace,
    ledger: Ledger,
    round_number: int,
    kind: str,
    center: str,
    path: Path,
    status: str,
    exc: BaseException | None = None,
) -> None:
    msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes(), headersonly=True)
    ledger.record_message(
        round_number=round_number,
        center=center,
        kind=kind,
        recipient=str(msg["To"] or ""),
        file=str(path.relative_to(workspace.root)),
        status=status,
        error=_error(exc) if exc else "",
        sha256=digest(path),
    )


def drop_unsent(
    workspace: Workspace, ledger: Ledger, round_number: int, kind: str, centers: set[str]
) -> list[str]:
    """Remove the unsent drafts of ``kind`` written for ``centers``, so the outbox never
    offers one that no longer holds (by ``send`` or by hand from Outlook); a message
    that went stays, as the record of what the center was told. The centers whose
    drafts were removed, sorted."""
    sent = ledger.sent_digests(round_number, kind)
    removed = set()
    for center, file in ledger.written_messages(round_number, kind):
        path = workspace.root / file
        if center in centers and path.is_file() and digest(path) not in sent:
            path.unlink()
            removed.add(center)
    return sorted(removed)
