"""Returns that arrive as e-mail: messages saved from a mail client into the inbox.

``.eml`` (Thunderbird, Apple Mail, most webmail) is read with the standard
``email`` package, Outlook's ``.msg`` with extract-msg. Each message is opened
in an isolated worker with the usual limits (the parent parses no byte of
it); its workbook attachments are written, untouched, to
``archive/messages/<message hash>/`` and then collected like any dropped
file: every safety check applies to them. Messages inside messages and
workbooks inside zip attachments are followed, within bounds. The sender,
date and subject travel with each workbook as its provenance.
"""

from __future__ import annotations

import email
import io
import re
import zipfile
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

MESSAGE_SUFFIXES = {".eml", ".msg"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
MAX_DEPTH = 3  # a message in a message in a message
MAX_ATTACHMENTS = 50
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
MAX_MESSAGE_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 50


@dataclass
class Unpacked:
    """What a message held: its provenance, the workbooks written, what was left out."""

    sender: str = ""
    date: str = ""
    subject: str = ""
    workbooks: list[str] = field(default_factory=list)  # paths written
    ignored: list[str] = field(default_factory=list)  # attachment names that are no workbook
    problem: str = ""  # the message could not be read at all

    def provenance(self, message_name: str) -> dict[str, str]:
        return {
            "message": message_name,
            "from": self.sender,
            "date": self.date,
            "subject": self.subject,
        }


def is_message(path: Path) -> bool:
    return path.suffix.lower() in MESSAGE_SUFFIXES


def _safe_filename(name: str, taken: set[str]) -> str:
    """An attachment's name made safe for the folder (never a path), unique in it."""
    base = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "_", Path(name.replace("\\", "/")).name).strip(" .")
    base = base or "vedhaeftning"
    candidate, n = base, 2
    while candidate.lower() in taken:
        stem, dot, suffix = base.rpartition(".")
        candidate = f"{stem}-{n}.{suffix}" if dot else f"{base}-{n}"
        n += 1
    taken.add(candidate.lower())
    return candidate


class _Writer:
    """Writes attachments into one folder, within the bounds."""

    def __init__(self, folder: Path, out: Unpacked) -> None:
        self.folder = folder
        self.out = out
        self.taken: set[str] = set()
        self.count = 0

    def add(self, name: str, data: bytes, depth: int) -> None:
        self.count += 1
        if self.count > MAX_ATTACHMENTS or len(data) > MAX_ATTACHMENT_BYTES:
            self.out.ignored.append(name)
            return
        suffix = Path(name).suffix.lower()
        if suffix in WORKBOOK_SUFFIXES:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self.folder / _safe_filename(name, self.taken)
            target.write_bytes(data)
            self.out.workbooks.append(str(target))
        elif suffix == ".zip":
            self.add_zip(name, data, depth)
        elif suffix in MESSAGE_SUFFIXES and depth < MAX_DEPTH:
            inner = _read_any(name, data)
            if inner is not None:
                self.walk(inner, depth + 1)
        else:
            self.out.ignored.append(name)

    def add_zip(self, name: str, data: bytes, depth: int) -> None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()][:MAX_ZIP_MEMBERS]
                for m in members:
                    if m.file_size > MAX_ATTACHMENT_BYTES or m.file_size > 200 * max(
                        m.compress_size, 1
                    ):
                        self.out.ignored.append(f"{name}/{m.filename}")
                        continue
                    self.add(m.filename, zf.read(m), depth)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
            self.out.ignored.append(name)

    def walk(self, message: Any, depth: int) -> None:
        for name, data in message.attachments():
            self.add(name, data, depth)


class _Eml:
    def __init__(self, msg: Message) -> None:
        self.msg = msg

    @property
    def sender(self) -> str:
        return str(self.msg.get("From", ""))

    @property
    def subject(self) -> str:
        return str(self.msg.get("Subject", ""))

    @property
    def date(self) -> str:
        try:
            return parsedate_to_datetime(str(self.msg.get("Date", ""))).isoformat()
        except (TypeError, ValueError, IndexError):
            return ""

    def attachments(self) -> list[tuple[str, bytes]]:
        out = []
        for part in self.msg.walk():
            if part.is_multipart():
                continue
            if part.get_content_type() == "message/rfc822":
                payload = part.get_payload()
                inner = payload[0] if isinstance(payload, list) and payload else None
                if isinstance(inner, Message):
                    out.append((f"{part.get_filename() or 'besked'}.eml", inner.as_bytes()))
                continue
            name = part.get_filename()
            if not name:
                continue
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                out.append((name, data))
        return out


class _Msg:
    def __init__(self, msg: Any) -> None:
        self.msg = msg

    @property
    def sender(self) -> str:
        return str(getattr(self.msg, "sender", "") or "")

    @property
    def subject(self) -> str:
        return str(getattr(self.msg, "subject", "") or "")

    @property
    def date(self) -> str:
        value: Any = getattr(self.msg, "date", None)
        if value is None:
            return ""
        return str(value.isoformat()) if hasattr(value, "isoformat") else str(value)

    def attachments(self) -> list[tuple[str, bytes]]:
        out = []
        for a in getattr(self.msg, "attachments", []):
            name = getattr(a, "longFilename", None) or getattr(a, "shortFilename", None) or ""
            data = getattr(a, "data", None)
            if isinstance(data, bytes):
                out.append((name, data))
            elif data is not None and hasattr(data, "exportBytes"):  # an embedded message
                out.append((f"{name or 'besked'}.msg", data.exportBytes()))
        return out


def _read_any(name: str, data: bytes) -> _Eml | _Msg | None:
    if name.lower().endswith(".msg") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        import extract_msg

        try:
            return _Msg(extract_msg.openMsg(data))
        except Exception:  # extract-msg raises many kinds on damaged files
            return None
    parsed = email.message_from_bytes(data, policy=policy.default)
    return _Eml(parsed) if isinstance(parsed, EmailMessage) else None


def unpack(path: Path, folder: Path) -> Unpacked:
    """Open one saved message and write its workbook attachments into ``folder``.

    Runs in an isolated worker: the message is untrusted input.
    """
    out = Unpacked()
    if path.stat().st_size > MAX_MESSAGE_BYTES:
        out.problem = "too-large"
        return out
    message = _read_any(path.name, path.read_bytes())
    if message is None:
        out.problem = "unreadable"
        return out
    out.sender, out.date, out.subject = message.sender, message.date, message.subject
    _Writer(folder, out).walk(message, 1)
    return out


def _unpack_task(_state: None, job: tuple[str, str]) -> Unpacked:
    path, folder = job
    return unpack(Path(path), Path(folder))
