"""A round's life: planned → issued → collecting → consolidated → closed.

The ledger holds the phase. Closing a round while centers are still missing
needs ``force``; collecting a closed round needs an explicit reopen (and the
caller is told the round stays open until closed again), so late files cannot
change a report that was already sent to the committee by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sheetflow.errors import UsageError
from sheetflow.ledger import Ledger
from sheetflow.model import Round
from sheetflow.roundstate import RoundPhase, round_state
from sheetflow.workspace import Workspace, exclusive


def ensure_open(ledger: Ledger, rnd: Round, reopen: bool) -> bool:
    """Refuse to change a closed round unless asked to reopen it; True when reopened."""
    if ledger.round_state(rnd.number) != RoundPhase.CLOSED:
        return False
    if not reopen:
        raise UsageError("round-closed", round=rnd.name)
    ledger.set_round_state(rnd.number, rnd.name, RoundPhase.COLLECTING)
    return True


def is_closed(ledger: Ledger, rnd: Round) -> bool:
    return ledger.round_state(rnd.number) == RoundPhase.CLOSED


@dataclass(frozen=True)
class CloseResult:
    round: Round
    missing: list[str] = field(default_factory=list)  # closed without these centers


@exclusive
def close_round(workspace: Workspace, round_ref: str | int, *, force: bool = False) -> CloseResult:
    """Mark a round closed; it must have been issued, and every center must have an
    accepted return unless ``force``."""
    register = workspace.load_register()
    rnd = workspace.resolve_round(register, round_ref)
    with Ledger(workspace.ledger_path) as ledger:
        if not ledger.issued_rows(rnd.number):
            raise UsageError("close-not-issued", round=rnd.name)
        missing = [c.center for c in round_state(register, rnd, ledger).missing]
        if missing and not force:
            raise UsageError(
                "close-missing", round=rnd.name, count=len(missing), names=", ".join(missing)
            )
        ledger.set_round_state(rnd.number, rnd.name, RoundPhase.CLOSED)
    return CloseResult(rnd, missing)
