"""The web intake's own records: center links, finance users, and the audit trail.

Kept in ``.sheetflow-web/web.sqlite`` beside the ledger (not in its tables), so
the ledger's schema and migrations stay the collector's alone; on a team's
server, in the same PostgreSQL database as the ledger.

A link's token is ``HMAC(secret, round, center, generation)``: the same token
comes back for the same center and round (re-issuing writes byte-identical
workbooks), yet only its sha256 is stored, and the secret lives in a file of
its own (mode 0600). Revoking a link marks it revoked; the next link for that
center and round is a new generation, hence a new token.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import os
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sheetflow.ledger import now
from sheetflow.workspace import Workspace

SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    id INTEGER PRIMARY KEY,
    round INTEGER NOT NULL,
    center TEXT NOT NULL,
    generation INTEGER NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    UNIQUE (round, center, generation)
);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT NOT NULL,
    round INTEGER,
    center TEXT,
    link_id INTEGER,
    username TEXT,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
"""


@functools.cache
def _hasher() -> tuple[Any, str]:
    """argon2id with its default (RFC 9106 low-memory) parameters, and a hash to verify
    against when the user name is unknown, so a wrong name costs the same time.
    Imported here: links work without the ``web`` extra (``issue --link-base``)."""
    from argon2 import PasswordHasher

    hasher = PasswordHasher()
    return hasher, hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Link:
    id: int
    round: int
    center: str
    generation: int
    revoked: bool


@dataclass(frozen=True)
class Event:
    at: str
    kind: str
    address: str
    round: int | None
    center: str | None
    link_id: int | None
    user: str | None
    outcome: str
    detail: str


def web_dir(workspace: Workspace) -> Path:
    return workspace.root / ".sheetflow-web"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


class WebStore:
    """Links, users and events of one workspace; one short connection per call,
    so threads and server processes share it safely."""

    def __init__(self, workspace: Workspace) -> None:
        self.dir = web_dir(workspace)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / "web.sqlite"
        self.ledger_path = workspace.ledger_path
        self.secret = _load_secret(self.dir / "secret")
        with self._db() as db:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        """web.sqlite beside the ledger, or the team's PostgreSQL database with it."""
        from sheetflow.pgledger import PgConnection, ledger_url

        url = ledger_url(self.ledger_path)
        if url is not None:
            return cast(sqlite3.Connection, PgConnection(url))
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA busy_timeout=30000")
        return db

    def session_key(self) -> bytes:
        """The key that signs session cookies, derived from the secret."""
        return hmac.new(self.secret, b"session", hashlib.sha256).digest()

    def _token(self, round_number: int, center: str, generation: int) -> str:
        msg = f"link\x1f{round_number}\x1f{center}\x1f{generation}".encode()
        digest = hmac.new(self.secret, msg, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:24]).decode("ascii")  # 192 bits, 32 chars

    def link_token(self, round_number: int, center: str) -> str:
        """The center's current token for the round; a new link when none is active."""
        with self._db() as db:
            row = db.execute(
                "SELECT generation, revoked_at FROM links WHERE round=? AND center=? "
                "ORDER BY generation DESC LIMIT 1",
                (round_number, center),
            ).fetchone()
            if row is not None and row[1] is None:
                return self._token(round_number, center, row[0])
            generation = row[0] + 1 if row is not None else 1
            token = self._token(round_number, center, generation)
            db.execute(
                "INSERT INTO links (round, center, generation, token_hash, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (round_number, center, generation, hash_token(token), now()),
            )
            return token

    def revoke(self, round_number: int, center: str) -> int:
        """Revoke the center's active link of the round; how many were revoked."""
        with self._db() as db:
            cur = db.execute(
                "UPDATE links SET revoked_at=? WHERE round=? AND center=? AND revoked_at IS NULL",
                (now(), round_number, center),
            )
            return cur.rowcount

    def resolve(self, token: str) -> Link | None:
        """The active link a token opens, or None (unknown, malformed or revoked)."""
        if not (20 <= len(token) <= 64) or not token.replace("-", "").replace("_", "").isalnum():
            return None
        with self._db() as db:
            row = db.execute(
                "SELECT id, round, center, generation, revoked_at FROM links WHERE token_hash=?",
                (hash_token(token),),
            ).fetchone()
        if row is None or row[4] is not None:
            return None
        return Link(row[0], row[1], row[2], row[3], False)

    def add_user(self, name: str, password: str) -> None:
        """Add finance user ``name`` or set a new password (argon2id hash)."""
        with self._db() as db:
            db.execute(
                "INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET password_hash=excluded.password_hash",
                (name, _hasher()[0].hash(password), now()),
            )

    def check_password(self, name: str, password: str) -> bool:
        with self._db() as db:
            row = db.execute("SELECT password_hash FROM users WHERE name=?", (name,)).fetchone()
        from argon2.exceptions import InvalidHashError, VerificationError

        hasher, dummy = _hasher()
        try:
            hasher.verify(row[0] if row else dummy, password)
        except (VerificationError, InvalidHashError):
            return False
        return row is not None

    def has_users(self) -> bool:
        with self._db() as db:
            return db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def record(
        self,
        kind: str,
        address: str,
        outcome: str,
        *,
        link: Link | None = None,
        user: str | None = None,
        round_number: int | None = None,
        center: str | None = None,
        detail: str = "",
    ) -> None:
        """One line of the audit trail: what, when, by which link or user, from where."""
        with self._db() as db:
            db.execute(
                "INSERT INTO events (at, kind, address, round, center, link_id, username, outcome, "
                "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    now(),
                    kind,
                    address,
                    link.round if link else round_number,
                    link.center if link else center,
                    link.id if link else None,
                    user,
                    outcome,
                    detail[:500],
                ),
            )

    def events(self, round_number: int | None = None, limit: int = 200) -> list[Event]:
        with self._db() as db:
            rows = db.execute(
                "SELECT at, kind, address, round, center, link_id, username, outcome, detail "
                "FROM events WHERE round=? OR ? ORDER BY id DESC LIMIT ?",
                (round_number, round_number is None, limit),
            ).fetchall()
        return [Event(*r) for r in rows]


def _load_secret(path: Path) -> bytes:
    """The workspace's web secret, made once (0600) by whichever process comes first:
    written whole to a file of its own, then linked into place (atomic, never half)."""
    if not path.exists():
        tmp = path.with_name(f".secret.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
        tmp.unlink()
    return path.read_bytes()


def upload_links(
    workspace: Workspace, round_number: int, centers: list[str], base_url: str
) -> dict[str, str]:
    """Each center's upload link for the round (``issue --link-base``)."""
    store = WebStore(workspace)
    base = base_url.rstrip("/")
    return {c: f"{base}/c/{store.link_token(round_number, c)}" for c in centers}
