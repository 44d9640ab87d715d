"""``sheetflow status``: per center what was issued and received and where it stands,
and the flagged items so far, all from the one round-state query."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sheetflow.errors import UsageError
from sheetflow.findings import Finding
from sheetflow.flags import Flag, count_flags
from sheetflow.ledger import Ledger, Received
from sheetflow.model import Initiative, Milestone, Register, Round
from sheetflow.roundstate import (
    REMARKS,
    CenterRound,
    CenterState,
    RoundPhase,
    Verdict,
    round_state,
)
from sheetflow.workspace import Workspace


@dataclass(frozen=True)
class CenterStatus:
    """One center's line in the status table."""

    center: str
    version: int
    files: int
    last_received: str
    state: CenterState
    # The latest file's errors when it is not accepted; an accepted return's remarks.
    problems: tuple[dict[str, str], ...] = ()
    stale: bool = False
    review_reason: str = ""  # finance's reason, when it sent the return back
    # The files by verdict, in the verdicts' order: what "files" is made of (a trial
    # saw "2" beside an accepted return and could not tell what the other one was).
    verdicts: tuple[tuple[Verdict, int], ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "center": self.center,
            "version": self.version,
            "files": self.files,
            "file_verdicts": {verdict.value: count for verdict, count in self.verdicts},
            "last_received": self.last_received,
            "state": self.state.value,
            "problems": list(self.problems),
            "stale": self.stale,
            "review_reason": self.review_reason,
        }


@dataclass
class RoundStatus:
    round: Round
    phase: RoundPhase
    centers: list[CenterStatus]
    register: Register
    flags: list[Flag] = field(default_factory=list)
    stray: list[Received] = field(default_factory=list)
    history: list[Received] = field(default_factory=list)
    # Files in the round's inbox that no collect has read yet (their names).
    waiting: list[str] = field(default_factory=list)
    # What collect warns of too: the register changed since the round was issued
    # (a trial's status said nothing of an initiative added after issue).
    warnings: list[Finding] = field(default_factory=list)

    @property
    def stale(self) -> list[str]:
        """Centers whose issued workbook lacks history recorded after it was issued."""
        return [c.center for c in self.centers if c.stale]

    def to_dict(self) -> dict[str, object]:
        return {
            "round": self.round.number,
            "name": self.round.name,
            "state": self.phase.value,
            "centers": [c.to_dict() for c in self.centers],
            "flags": flags_as_json(self.register, self.flags),
            "flag_counts": count_flags(self.flags),
            "stale": self.stale,
            "stray_files": [received_dict(r) for r in self.stray],
            "waiting_files": list(self.waiting),
            "history": [received_dict(r) for r in self.history],
            "warnings": [f.to_dict() for f in self.warnings],
        }


def received_dict(rec: Received) -> dict[str, object]:
    return {
        "file": rec.original_name,
        "center": rec.center,
        "received_at": rec.received_at,
        "saved_at": rec.saved_at,
        "verdict": rec.verdict,
        "sha256": rec.sha256,
    }


def flags_as_json(register: Register, flags: list[Flag]) -> list[dict[str, object]]:
    """Flags as JSON, each naming its initiative and item, not only their keys. The
    flagged items are looked up in one pass: per flag, 16,000 flags at N = 200 took
    minutes (``status --json``)."""
    items = register.items_for(f.item_key for f in flags if f.item_key)
    return [describe_flag(items, f) for f in flags]


def describe_flag(
    items: dict[str, tuple[Initiative, Milestone | None]], flag: Flag
) -> dict[str, object]:
    """A flag as JSON, from the register's ``items_for`` the flags."""
    out = flag.to_dict()
    ini_ms = items.get(flag.item_key) if flag.item_key else None
    if ini_ms is not None:
        ini, ms = ini_ms
        out["initiative"] = ini.label
        out["item"] = "milestone" if ms else "economy"
        out["text"] = ms.text if ms else ini.economy
        out["deadline"] = ms.deadline.text if ms else ""
    return out


def _center_status(c: CenterRound) -> CenterStatus:
    latest = c.latest
    problems: tuple[dict[str, str], ...] = ()
    if c.state is CenterState.ACCEPTED_WITH_REMARKS and c.accepted is not None:
        # The remarks the center should fix (a trial saw the state with an empty note).
        problems = tuple(f for f in c.accepted.finding_list if f.get("code") in REMARKS)
    elif latest is not None and c.state not in (CenterState.ACCEPTED, CenterState.MISSING):
        problems = tuple(f for f in latest.finding_list if f.get("severity") == "error")
    reason = c.review.reason if c.review and c.state is CenterState.RETURNED else ""
    verdicts = [Verdict(r.verdict) for r in c.received]
    counts = tuple((v, verdicts.count(v)) for v in Verdict if v in verdicts)
    return CenterStatus(
        c.center,
        c.version,
        len(c.received),
        latest.received_at if latest else "",
        c.state,
        problems,
        c.stale,
        reason,
        counts,
    )


def round_status(
    workspace: Workspace, round_ref: str | int | None = None, *, history: bool = False
) -> RoundStatus:
    """The state of a round (default: the latest round that was issued)."""
    from sheetflow.collect import register_changes

    register = workspace.load_register()
    # Nothing issued yet: the command that issues the register's first round.
    first = min((r.number for r in register.rounds), default=1)
    nothing = UsageError("nothing-issued", root=workspace.root, number=first)
    if not workspace.has_ledger:
        raise nothing
    with Ledger(workspace.ledger_path) as ledger:
        if round_ref is None:
            issued_rounds = [r for r in register.rounds if ledger.issued_rows(r.number)]
            if not issued_rounds:
                raise nothing
            rnd = issued_rounds[-1]
        else:
            rnd = workspace.resolve_round(register, round_ref)
            if not ledger.issued_rows(rnd.number):
                raise UsageError(
                    "round-not-issued", round=rnd.name, root=workspace.root, number=rnd.number
                )
        state = round_state(register, rnd, ledger)
        warnings = register_changes(workspace, register, rnd, ledger)
        received = ledger.received(rnd.number)
        files = received if history else []
        inbox = inbox_contents(workspace.inbox_dir(rnd.number))
    collected = {r.sha256 for r in received}
    # Not collected yet: a trial expected status to see files dropped there.
    waiting = [name for name, sha in inbox if sha is None or sha not in collected]
    # A stray file is named while its bytes are still there: a trial saved a center's
    # good workbook over a rejected text file of the same name, and status went on
    # naming the file as counting for no center.
    here = {sha for _, sha in inbox}
    stray = [rec for rec in state.stray if rec.sha256 in here]
    centers = [_center_status(c) for c in state.centers]
    return RoundStatus(
        rnd, state.phase, centers, register, state.flags, stray, files, waiting, warnings
    )


def inbox_contents(inbox: Path) -> list[tuple[str, str | None]]:
    """Each file in ``inbox`` by name with its bytes' sha256 (None when it cannot be
    read: held open or gone). collect leaves each file in the inbox and keeps a copy
    by content, so the content tells what was collected, not the name."""
    from sheetflow.collect import gather_files, sha256_file

    if not inbox.is_dir():
        return []
    files, _ = gather_files([inbox])
    out: list[tuple[str, str | None]] = []
    for path in files:
        try:
            out.append((path.name, sha256_file(path)))
        except OSError:
            out.append((path.name, None))
    return out
