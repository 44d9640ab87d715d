"""``sheetflow status``: per center, issued / returned / accepted, and the flags so far."""

from __future__ import annotations

from dataclasses import dataclass, field

from sheetflow.errors import UsageError
from sheetflow.flags import Flag, count_flags
from sheetflow.ledger import Ledger
from sheetflow.master import round_state
from sheetflow.model import Round
from sheetflow.workspace import Workspace


@dataclass(frozen=True)
class CenterStatus:
    center: str
    issued: int
    returned: int
    last_received: str
    state: str  # accepted, rejected, missing
    note: str = ""


@dataclass
class RoundStatus:
    round: Round
    state: str
    centers: list[CenterStatus]
    flags: list[Flag] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "round": self.round.number,
            "name": self.round.name,
            "state": self.state,
            "centers": [c.__dict__ for c in self.centers],
            "flags": [f.to_dict() for f in self.flags],
            "flag_counts": count_flags(self.flags),
        }


def round_status(workspace: Workspace, round_ref: str | int | None = None) -> RoundStatus:
    """The state of a round (default: the latest round that was issued)."""
    register = workspace.load_register()
    with Ledger(workspace.ledger_path) as ledger:
        if round_ref is None:
            issued_rounds = [r for r in register.rounds if ledger.issued(r.number)]
            if not issued_rounds:
                raise UsageError("Ingen opfølgning er udsendt endnu.")
            rnd = issued_rounds[-1]
        else:
            rnd = workspace.resolve_round(register, round_ref)
        data = round_state(register, rnd, ledger)
        received = ledger.received(rnd.number)
        state = ledger.round_state(rnd.number)
    centers = []
    for row in data.returns:
        mine = [r for r in received if r.center == row.center]
        last = mine[-1] if mine else None
        if row.accepted:
            verdict = "accepted"
        elif mine:
            verdict = "rejected"
        else:
            verdict = "missing"
        note = ""
        if last is not None and last.verdict == "rejected":
            codes = sorted({f["code"] for f in last.finding_list if f["severity"] == "error"})
            note = ", ".join(codes)
        centers.append(
            CenterStatus(
                row.center,
                row.issued,
                row.returned,
                last.received_at if last else "",
                verdict,
                note,
            )
        )
    return RoundStatus(rnd, state, centers, data.flags)
