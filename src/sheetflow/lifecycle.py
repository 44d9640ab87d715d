"""A round's life: planned → issued → collecting → consolidated → closed.

The ledger holds the state. ``close_round`` ends a round; collecting a closed
round needs an explicit reopen, so late files cannot change a report that
was already sent to the committee by accident.
"""

from __future__ import annotations

from sheetflow.errors import UsageError
from sheetflow.ledger import Ledger
from sheetflow.model import Round
from sheetflow.workspace import Workspace, exclusive

STATES = ("planned", "issued", "collecting", "consolidated", "closed")


def ensure_open(ledger: Ledger, rnd: Round, reopen: bool) -> None:
    """Refuse to change a closed round unless asked to reopen it."""
    if ledger.round_state(rnd.number) == "closed":
        if not reopen:
            raise UsageError(f"{rnd.name} er lukket. Brug --reopen for at indsamle igen.")
        ledger.set_round_state(rnd.number, rnd.name, "collecting")


@exclusive
def close_round(workspace: Workspace, round_ref: str | int) -> Round:
    """Mark a round closed; it must have been issued."""
    register = workspace.load_register()
    rnd = workspace.resolve_round(register, round_ref)
    with Ledger(workspace.ledger_path) as ledger:
        if not ledger.issued(rnd.number):
            raise UsageError(f"{rnd.name} er ikke udsendt, så den kan ikke lukkes.")
        ledger.set_round_state(rnd.number, rnd.name, "closed")
    return rnd
