"""The ledger (``ledger.sqlite``): the one record of what was issued and received.

Rounds and their state, every issued workbook (version, hash, fingerprint and
layout), every received file (hash, name, verdict, findings, superseded by)
every rating with its source, and the typed answers of a form's own fields. Changes run in transactions; the schema has
a version and migrations run on open.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from sheetflow.answers import NOT_APPLICABLE, Answer, NotApplicable, Value
from sheetflow.checks import checks_from_layout_json
from sheetflow.errors import UsageError
from sheetflow.model import Rating
from sheetflow.smiley import Smiley

# An item key → the same key as the register holds it (``Register.key_table``).
KeyTable = Mapping[str, str]

SCHEMA_VERSION = 7


def _add_asked(db: sqlite3.Connection) -> None:
    """v2: the keys each issued workbook asks for, kept apart from its (large) layout
    so consolidating a round never has to parse every layout."""
    db.execute("ALTER TABLE issued ADD COLUMN asked TEXT NOT NULL DEFAULT '[]'")
    for row in db.execute("SELECT id, layout FROM issued").fetchall():
        inputs = json.loads(row[1]).get("inputs", [])
        keys = [i[1] if isinstance(i, list) else i["item_key"] for i in inputs]
        asked = list(dict.fromkeys(keys))
        db.execute("UPDATE issued SET asked=? WHERE id=?", (json.dumps(asked), row[0]))


def _add_checks(db: sqlite3.Connection) -> None:
    """v3: a small summary of each issued sheet (digest of its locked cells, its
    inputs), so checking a return rarely needs the full layout."""
    db.execute("ALTER TABLE issued ADD COLUMN checks TEXT NOT NULL DEFAULT ''")
    for row in db.execute("SELECT id, layout FROM issued").fetchall():
        try:
            checks = checks_from_layout_json(row[1])
        except (KeyError, ValueError, TypeError, IndexError):
            checks = ""  # an incomplete layout: its returns are checked the long way
        db.execute("UPDATE issued SET checks=? WHERE id=?", (checks, row[0]))


V4_MESSAGES = """
    ALTER TABLE received ADD COLUMN saved_at TEXT;
    CREATE INDEX received_center ON received (round, center);
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        round INTEGER NOT NULL,
        center TEXT NOT NULL,
        kind TEXT NOT NULL,
        recipient TEXT NOT NULL,
        file TEXT NOT NULL,
        status TEXT NOT NULL,
        error TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL
    );
    CREATE INDEX messages_round ON messages (round, center);
"""


MIGRATIONS: dict[int, str | Callable[[sqlite3.Connection], None]] = {
    1: """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE rounds (
        number INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'planned',
        updated_at TEXT NOT NULL
    );
    CREATE TABLE issued (
        id INTEGER PRIMARY KEY,
        template_id TEXT NOT NULL,
        round INTEGER NOT NULL,
        center TEXT NOT NULL,
        version INTEGER NOT NULL,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        register_fingerprint TEXT NOT NULL,
        layout TEXT NOT NULL,
        lang TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        UNIQUE (round, center, version)
    );
    CREATE INDEX issued_template ON issued (template_id);
    CREATE TABLE received (
        id INTEGER PRIMARY KEY,
        round INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        original_name TEXT NOT NULL,
        archived TEXT NOT NULL,
        received_at TEXT NOT NULL,
        template_id TEXT,
        center TEXT,
        verdict TEXT NOT NULL,
        findings TEXT NOT NULL,
        superseded_by INTEGER REFERENCES received (id),
        UNIQUE (round, sha256)
    );
    CREATE TABLE ratings (
        id INTEGER PRIMARY KEY,
        received_id INTEGER NOT NULL REFERENCES received (id),
        round INTEGER NOT NULL,
        center TEXT NOT NULL,
        item_key TEXT NOT NULL,
        smiley TEXT,
        comment TEXT NOT NULL,
        source TEXT NOT NULL
    );
    CREATE INDEX ratings_received ON ratings (received_id);
    """,
    2: _add_asked,
    3: _add_checks,
    # v4: the time a return says it was saved (orders returns of one batch), and
    # every e-mail written or sent, with its outcome.
    4: V4_MESSAGES,
    # v5: finance's review decisions on returns (accept with remarks, return for
    # correction), with time and reason.
    5: """
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        round INTEGER NOT NULL,
        center TEXT NOT NULL,
        received_id INTEGER NOT NULL REFERENCES received (id),
        action TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL
    );
    CREATE INDEX reviews_round ON reviews (round, center);
    """,
    # v6: a message's content hash, so a retry sends only what did not go; where a
    # received file came from when it arrived by e-mail.
    6: """
    ALTER TABLE messages ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';
    ALTER TABLE received ADD COLUMN provenance TEXT NOT NULL DEFAULT '';
    """,
    # v7: the typed answers of a form of finance's own, one row per asked cell:
    # numbers as numbers, dates as ISO dates, choices as their values; "missing"
    # (asked, left empty) and "not_applicable" are states, not values. A cell not
    # asked has no row. Workbooks of the default form keep using ``ratings`` alone.
    7: """
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        received_id INTEGER NOT NULL REFERENCES received (id),
        round INTEGER NOT NULL,
        center TEXT NOT NULL,
        item_key TEXT NOT NULL,
        field_id TEXT NOT NULL,
        state TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT '',
        number DOUBLE PRECISION,
        text TEXT
    );
    CREATE INDEX answers_received ON answers (received_id);
    """,
}

ANSWERED, NOT_APPLICABLE_STATE, MISSING = "answered", "not_applicable", "missing"


def answer_row(value: object) -> tuple[str, str, float | None, str | None]:
    """(state, kind, number, text) of one typed answer, as the answers table keeps it."""
    if value is None:
        return MISSING, "", None, None
    if isinstance(value, NotApplicable):
        return NOT_APPLICABLE_STATE, "", None, None
    if isinstance(value, bool):
        return ANSWERED, "yesno", 1.0 if value else 0.0, None
    if isinstance(value, int):
        return ANSWERED, "integer", float(value), None
    if isinstance(value, float):
        return ANSWERED, "number", value, None
    if isinstance(value, dt.date):
        return ANSWERED, "date", None, value.isoformat()
    if isinstance(value, Smiley):
        return ANSWERED, "smiley", None, value.value
    return ANSWERED, "text", None, str(value)


def answer_value(state: str, kind: str, number: float | None, text: str | None) -> Value | None:
    """The typed value an answers row holds (see :func:`answer_row`)."""
    if state == MISSING:
        return None
    if state == NOT_APPLICABLE_STATE:
        return NOT_APPLICABLE
    if kind == "yesno":
        return bool(number)
    if kind == "integer":
        return int(number or 0)
    if kind == "number":
        return float(number or 0.0)
    if kind == "date":
        return dt.date.fromisoformat(text or "")
    if kind == "smiley":
        return Smiley(text or "")
    return text or ""


def now() -> str:
    """UTC time as ISO text, to the microsecond: events of one second stay in order."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Issued:
    id: int
    template_id: str
    round: int
    center: str
    version: int
    file: str
    sha256: str
    fingerprint: str
    register_fingerprint: str
    layout: str
    lang: str
    issued_at: str
    asked: str = "[]"
    checks: str = ""

    @property
    def asked_keys(self) -> list[str]:
        """The items this workbook asks a rating for."""
        return json.loads(self.asked)


@dataclass(frozen=True)
class NewIssued:
    """A workbook just written, to be recorded (the ledger gives it its version and time)."""

    template_id: str
    round: int
    center: str
    file: str
    sha256: str
    fingerprint: str
    register_fingerprint: str
    layout: str
    checks: str
    lang: str
    asked: tuple[str, ...]


@dataclass(frozen=True)
class IssuedRow:
    """An issued workbook without its (large) layout: what round state needs."""

    id: int
    template_id: str
    center: str
    version: int
    file: str
    issued_at: str
    asked: tuple[str, ...]
    lang: str = "da"


@dataclass(frozen=True)
class Review:
    """Finance's decision on a return: ``accept`` (with its remarks) or ``return``."""

    id: int
    round: int
    center: str
    received_id: int
    action: str
    reason: str
    at: str


@dataclass(frozen=True)
class Received:
    id: int
    round: int
    sha256: str
    original_name: str
    archived: str
    received_at: str
    template_id: str | None
    center: str | None
    verdict: str
    findings: str
    superseded_by: int | None
    saved_at: str | None = None
    provenance: str = ""  # JSON: sender, date and subject when it came by e-mail

    @property
    def finding_list(self) -> list[dict[str, str]]:
        return json.loads(self.findings)


class Ledger:
    """A connection to one workspace's ledger."""

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self._given = path
        self.path = Path(path)
        try:
            self._open(read_only)
        except sqlite3.DatabaseError as exc:
            raise UsageError("ledger-unreadable", path=self.path, error=exc) from exc

    def _open(self, read_only: bool) -> None:
        from sheetflow.pgledger import ledger_url

        url = ledger_url(self.path if not str(self._given).startswith("postgres") else self._given)
        if url is not None:  # the shared server's ledger: PostgreSQL (sheetflow.pgledger)
            from sheetflow.pgledger import PgConnection

            # Duck-typed: PgConnection answers every sqlite3 call the ledger makes.
            self.db = cast(sqlite3.Connection, PgConnection(url, read_only))
            if not read_only:
                self._migrate()
            return
        if read_only:
            self._open_read_only()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        try:
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except sqlite3.OperationalError as exc:
            # A folder finance may read but not change (a colleague's share): the
            # ledger is read as it stands; a verb that would write is stopped
            # earlier by the workspace lock, with a message that says why.
            if "readonly" not in str(exc) or not self.path.is_file():
                raise
            self.db.close()
            self._open_read_only()

    def _open_read_only(self) -> None:
        """Open for reading only. A WAL ledger in a folder nobody may write to cannot
        get its shared-memory file, so it is then opened as immutable (nothing can
        change it there; its last writer checkpointed it on closing)."""
        uri = self.path.resolve().as_uri()
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30, isolation_level=None)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            db.close()
            db = sqlite3.connect(
                f"{uri}?mode=ro&immutable=1", uri=True, timeout=30, isolation_level=None
            )
        db.row_factory = sqlite3.Row
        self.db = db

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: commit on success, roll back on any exception."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def schema_version(self) -> int:
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.OperationalError:
            return 0
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        current = self.schema_version()
        if current and current < SCHEMA_VERSION:
            self._run_migrations(current)
            # A migration may rewrite every row: fold the log into the database
            # so later readers do not wade through it.
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif not current:
            self._run_migrations(current)

    def _run_migrations(self, current: int) -> None:
        for version in range(current + 1, SCHEMA_VERSION + 1):
            step = MIGRATIONS[version]
            with self.transaction() as db:
                if self.schema_version() >= version:
                    continue  # another process migrated while this one waited
                if callable(step):
                    step(db)
                else:
                    for statement in step.split(";"):
                        if statement.strip():
                            db.execute(statement)
                db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(version),),
                )

    # ----------------------------------------------------------------- rounds

    def set_round_state(self, number: int, name: str, state: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO rounds (number, name, state, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (number) DO UPDATE SET state=excluded.state, "
                "name=excluded.name, updated_at=excluded.updated_at",
                (number, name, state, now()),
            )

    def round_state(self, number: int) -> str:
        row = self.db.execute("SELECT state FROM rounds WHERE number=?", (number,)).fetchone()
        return row[0] if row else "planned"

    # ----------------------------------------------------------------- issued

    def record_issued(self, entries: Iterable[NewIssued]) -> list[IssuedRow]:
        """Record a batch of issued workbooks in one transaction; versions count up.

        ``entries`` may be a generator, so a large batch's layouts need not all
        be held at once; what is returned leaves the layouts out."""
        out = []
        with self.transaction() as db:
            for e in entries:
                row = db.execute(
                    "SELECT COALESCE(MAX(version), 0) FROM issued WHERE round=? AND center=?",
                    (e.round, e.center),
                ).fetchone()
                version, issued_at = int(row[0]) + 1, now()
                cur = db.execute(
                    "INSERT INTO issued (template_id, round, center, version, file, sha256, "
                    "fingerprint, register_fingerprint, layout, lang, issued_at, asked, checks) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        e.template_id,
                        e.round,
                        e.center,
                        version,
                        e.file,
                        e.sha256,
                        e.fingerprint,
                        e.register_fingerprint,
                        e.layout,
                        e.lang,
                        issued_at,
                        json.dumps(list(e.asked)),
                        e.checks,
                    ),
                )
                out.append(
                    IssuedRow(
                        cast(int, cur.lastrowid),
                        e.template_id,
                        e.center,
                        version,
                        e.file,
                        issued_at,
                        tuple(e.asked),
                        e.lang,
                    )
                )
        return out

    def issued(self, round_number: int) -> list[Issued]:
        """Every issued workbook of a round, all versions, in issue order."""
        rows = self.db.execute(
            "SELECT * FROM issued WHERE round=? ORDER BY id", (round_number,)
        ).fetchall()
        return [Issued(**dict(r)) for r in rows]

    def asked(
        self, round_number: int, keys: KeyTable | None = None
    ) -> list[tuple[int, str, str, list[str]]]:
        """(id, template id, center, asked keys) of a round's issued workbooks, without
        their layouts: cheap for any number of centers. ``keys`` as for ``issued_rows``."""
        rows = self.db.execute(
            "SELECT id, template_id, center, asked FROM issued WHERE round=? ORDER BY id",
            (round_number,),
        ).fetchall()
        return [(r[0], r[1], r[2], _keys(json.loads(r[3]), keys)) for r in rows]

    def forms_issued(self, up_to_round: int | None = None) -> dict[int, list[str]]:
        """Per round, the forms (``form.form_to_json``) its workbooks were issued with,
        distinct, in issue order; a round issued with the default form has none."""
        sql = "SELECT round, checks FROM issued WHERE checks LIKE '%\"form\":%'"
        params: tuple[int, ...] = ()
        if up_to_round is not None:
            sql += " AND round <= ?"
            params = (up_to_round,)
        out: dict[int, list[str]] = {}
        for number, checks in self.db.execute(sql + " ORDER BY id", params).fetchall():
            form = json.loads(checks).get("form", "")
            if form and form not in out.setdefault(number, []):
                out[number].append(form)
        return {n: forms for n, forms in out.items() if forms}

    def issued_rows(self, round_number: int, keys: KeyTable | None = None) -> list[IssuedRow]:
        """A round's issued workbooks, all versions, in issue order, without layouts.
        With ``keys`` (``Register.key_table``), the asked items share the register's
        key strings."""
        rows = self.db.execute(
            "SELECT id, template_id, center, version, file, issued_at, asked, lang FROM issued "
            "WHERE round=? ORDER BY id",
            (round_number,),
        ).fetchall()
        return [
            IssuedRow(
                r[0], r[1], r[2], r[3], r[4], r[5], tuple(_keys(json.loads(r[6]), keys)), r[7]
            )
            for r in rows
        ]

    def latest_templates(self, round_number: int) -> dict[str, str]:
        """Per center, the template of its latest version issued in the round. Two
        columns only: a worker checking returns asks this once, and the rows with
        their asked items grew each worker by about 35 MB at 1,000 centers."""
        rows = self.db.execute(
            "SELECT center, template_id FROM issued WHERE round=? ORDER BY id", (round_number,)
        ).fetchall()
        return {center: template for center, template in rows}

    def earlier_rounds_changed(self, round_number: int) -> dict[str, str]:
        """Per center, when an accepted return of an earlier round was last recorded:
        a workbook of this round issued before then lacks that history."""
        rows = self.db.execute(
            "SELECT center, MAX(received_at) FROM received "
            "WHERE round < ? AND verdict = 'accepted' AND center IS NOT NULL GROUP BY center",
            (round_number,),
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def set_issued_file(self, issued_id: int, file: str) -> None:
        """Where an earlier version's file now lives (moved aside by a re-issue)."""
        with self.transaction() as db:
            db.execute("UPDATE issued SET file=? WHERE id=?", (file, issued_id))

    def latest_register_fingerprint(self, round_number: int) -> str | None:
        """The register a round's latest issued workbook was made from."""
        row = self.db.execute(
            "SELECT register_fingerprint FROM issued WHERE round=? ORDER BY id DESC LIMIT 1",
            (round_number,),
        ).fetchone()
        return row[0] if row else None

    def issued_by_template(self, template_id: str) -> list[Issued]:
        rows = self.db.execute(
            "SELECT * FROM issued WHERE template_id=? ORDER BY id", (template_id,)
        ).fetchall()
        return [Issued(**dict(r)) for r in rows]

    # --------------------------------------------------------------- received

    def received(self, round_number: int) -> list[Received]:
        rows = self.db.execute(
            "SELECT * FROM received WHERE round=? ORDER BY id", (round_number,)
        ).fetchall()
        return [Received(**dict(r)) for r in rows]

    def own_round_of(self, sha256: str) -> int | None:
        """The round the file was received in that it was issued for (a file first sent
        to the wrong round, then collected into its own); None when there is none."""
        row = self.db.execute(
            "SELECT r.round FROM received r JOIN issued i "
            "ON i.template_id = r.template_id AND i.round = r.round "
            "WHERE r.sha256 = ? ORDER BY r.id LIMIT 1",
            (sha256,),
        ).fetchone()
        return int(row[0]) if row is not None else None

    def received_by_hash(self, round_number: int, sha256: str) -> Received | None:
        row = self.db.execute(
            "SELECT * FROM received WHERE round=? AND sha256=?", (round_number, sha256)
        ).fetchone()
        return Received(**dict(row)) if row else None

    def record_received(
        self,
        *,
        round_number: int,
        sha256: str,
        original_name: str,
        archived: str,
        template_id: str | None,
        center: str | None,
        verdict: str,
        findings: list[dict[str, str]],
        ratings: list[Rating],
        saved_at: str | None = None,
        provenance: str = "",
        answers: Sequence[Answer] = (),
    ) -> Received:
        """Record one received file and its ratings, in one transaction.

        An accepted return supersedes the center's earlier accepted or undecided
        returns of the round. Ratings are kept for accepted and undecided returns
        (an undecided one counts once finance prefers it)."""
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO received (round, sha256, original_name, archived, received_at, "
                "template_id, center, verdict, findings, saved_at, provenance) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    round_number,
                    sha256,
                    original_name,
                    archived,
                    now(),
                    template_id,
                    center,
                    verdict,
                    json.dumps(findings, ensure_ascii=False),
                    saved_at,
                    provenance,
                ),
            )
            new_id = cur.lastrowid
            if verdict == "accepted" and center is not None:
                self._supersede(db, round_number, center, new_id)
            if verdict in ("accepted", "undecided") and center is not None:
                db.executemany(
                    "INSERT INTO ratings (received_id, round, center, item_key, smiley, "
                    "comment, source) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            new_id,
                            r.round,
                            center,
                            r.item_key,
                            r.smiley.value if r.smiley else None,
                            r.comment,
                            r.source,
                        )
                        for r in ratings
                    ],
                )
                db.executemany(
                    "INSERT INTO answers (received_id, round, center, item_key, field_id, "
                    "state, kind, number, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (new_id, a.round, center, a.item_key, a.field_id, *answer_row(a.value))
                        for a in answers
                    ],
                )
            row = db.execute("SELECT * FROM received WHERE id=?", (new_id,)).fetchone()
        return Received(**dict(row))

    @staticmethod
    def _supersede(db: sqlite3.Connection, round_number: int, center: str, by: int | None) -> None:
        db.execute(
            "UPDATE received SET superseded_by=?, verdict='superseded' "
            "WHERE round=? AND center=? AND verdict IN ('accepted', 'undecided') AND id<>?",
            (by, round_number, center, by),
        )

    def prefer(self, received_id: int) -> Received:
        """Make one received return the center's accepted one (finance's choice between
        returns whose order could not be decided); the others are superseded."""
        with self.transaction() as db:
            row = db.execute("SELECT * FROM received WHERE id=?", (received_id,)).fetchone()
            rec = Received(**dict(row))
            if rec.center is None or rec.verdict not in ("accepted", "undecided", "superseded"):
                raise ValueError(f"received {received_id} cannot be preferred ({rec.verdict})")
            db.execute(
                "UPDATE received SET verdict='accepted', superseded_by=NULL WHERE id=?",
                (received_id,),
            )
            self._supersede(db, rec.round, rec.center, received_id)
            row = db.execute("SELECT * FROM received WHERE id=?", (received_id,)).fetchone()
        return Received(**dict(row))

    def has_ratings(self, received_id: int) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM ratings WHERE received_id=? LIMIT 1", (received_id,)
        ).fetchone()
        return row is not None

    # --------------------------------------------------------------- messages

    def record_message(
        self,
        *,
        round_number: int,
        center: str,
        kind: str,
        recipient: str,
        file: str,
        status: str,
        error: str = "",
        sha256: str = "",
    ) -> None:
        """Record an e-mail written, sent or failed (one row per attempt)."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO messages (round, center, kind, recipient, file, status, error, at, "
                "sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (round_number, center, kind, recipient, file, status, error, now(), sha256),
            )

    def written_messages(self, round_number: int, kind: str) -> list[tuple[str, str]]:
        """(center, file) of every message of a kind written in a round, oldest first."""
        rows = self.db.execute(
            "SELECT center, file FROM messages WHERE round=? AND kind=? AND status='written' "
            "ORDER BY id",
            (round_number, kind),
        ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def sent_digests(self, round_number: int, kind: str) -> set[str]:
        """Content hashes of the messages of a kind that were sent in a round."""
        rows = self.db.execute(
            "SELECT sha256 FROM messages WHERE round=? AND kind=? AND status='sent'",
            (round_number, kind),
        ).fetchall()
        return {r[0] for r in rows if r[0]}

    def messages(self, round_number: int) -> list[dict[str, str]]:
        rows = self.db.execute(
            "SELECT * FROM messages WHERE round=? ORDER BY id", (round_number,)
        ).fetchall()
        return [dict(r) for r in rows]

    def record_review(
        self, *, round_number: int, center: str, received_id: int, action: str, reason: str
    ) -> None:
        """Record finance's decision on one return."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO reviews (round, center, received_id, action, reason, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (round_number, center, received_id, action, reason, now()),
            )

    def reviews(self, round_number: int) -> list[Review]:
        """A round's review decisions, oldest first."""
        rows = self.db.execute(
            "SELECT id, round, center, received_id, action, reason, at FROM reviews "
            "WHERE round=? ORDER BY id",
            (round_number,),
        ).fetchall()
        return [Review(*r) for r in rows]

    def rounds_recorded(self) -> list[int]:
        """Rounds with anything issued (what a fresh register would lose)."""
        return [r[0] for r in self.db.execute("SELECT DISTINCT round FROM issued ORDER BY round")]

    def ratings_of(self, received_id: int) -> list[Rating]:
        """The ratings one received return carried."""
        rows = self.db.execute(
            "SELECT round, item_key, smiley, comment, source FROM ratings WHERE received_id=? "
            "ORDER BY id",
            (received_id,),
        ).fetchall()
        return [Rating(r[0], r[1], Smiley(r[2]) if r[2] else None, r[3], r[4]) for r in rows]

    def accepted_ratings(
        self, up_to_round: int | None = None, keys: KeyTable | None = None
    ) -> list[Rating]:
        """Ratings of every center's latest accepted return, per round; ``keys`` as for
        ``issued_rows``."""
        sql = (
            "SELECT r.round, r.item_key, r.smiley, r.comment, r.source FROM ratings r "
            "JOIN received v ON v.id = r.received_id WHERE v.verdict='accepted'"
        )
        params: tuple[int, ...] = ()
        if up_to_round is not None:
            sql += " AND r.round <= ?"
            params = (up_to_round,)
        # Row by row, each text held once (a key is met once a round, a file's name
        # once per item it rated, a stock comment again and again).
        texts: dict[str, str] = {}
        keep = texts.setdefault
        known = (keys or {}).get
        return [
            Rating(
                round_,
                known(key) or keep(key, key),
                Smiley(smiley) if smiley else None,
                keep(comment, comment),
                keep(source, source),
            )
            for round_, key, smiley, comment, source in self.db.execute(
                sql + " ORDER BY r.round, r.id", params
            )
        ]

    def answers_of(self, received_id: int) -> list[Answer]:
        """The typed answers one received return carried, in cell order."""
        rows = self.db.execute(
            "SELECT round, item_key, field_id, state, kind, number, text, center FROM answers "
            "WHERE received_id=? ORDER BY id",
            (received_id,),
        ).fetchall()
        return [Answer(r[0], r[1], r[2], answer_value(r[3], r[4], r[5], r[6]), r[7]) for r in rows]

    def accepted_answers(self, up_to_round: int | None = None) -> list[Answer]:
        """Typed answers of every center's latest accepted return, per round."""
        sql = (
            "SELECT a.round, a.item_key, a.field_id, a.state, a.kind, a.number, a.text, "
            "a.center FROM answers a JOIN received v ON v.id = a.received_id "
            "WHERE v.verdict='accepted'"
        )
        params: tuple[int, ...] = ()
        if up_to_round is not None:
            sql += " AND a.round <= ?"
            params = (up_to_round,)
        rows = self.db.execute(sql + " ORDER BY a.round, a.id", params).fetchall()
        return [Answer(r[0], r[1], r[2], answer_value(r[3], r[4], r[5], r[6]), r[7]) for r in rows]


def _keys(read: list[str], table: KeyTable | None) -> list[str]:
    """Item keys as read from the ledger, each the register's own string where ``table``
    has it: at 1,000 centers every round's asked items were 11 MB of copies."""
    return [table.get(key) or key for key in read] if table else read
