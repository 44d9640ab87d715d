"""The register: where it comes from (sample, report text, blank) and what it holds."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sheetflow.backup import back_up
from sheetflow.errors import UsageError
from sheetflow.model import ECONOMY, MILESTONE, Register, ReportInfo
from sheetflow.register.report_text import default_rounds, import_report_file
from sheetflow.register.sample import sample_register
from sheetflow.register.workbook import write_register
from sheetflow.workspace import Workspace, exclusive

SOURCES = ("sample", "report", "blank")


@dataclass(frozen=True)
class RegisterSummary:
    """What a register holds, for ``init`` to print and scripts to read."""

    initiatives: int
    milestones: int
    placeholders: int
    sections: int
    centers: dict[str, int]
    rounds: list[str]
    ratings: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "initiatives": self.initiatives,
            "milestones": self.milestones,
            "placeholders": self.placeholders,
            "sections": self.sections,
            "centers": self.centers,
            "rounds": self.rounds,
            "ratings": self.ratings,
        }


def summarize(register: Register) -> RegisterSummary:
    """Counts per center, milestones, rounds and ratings per round and colour."""
    milestones = [m for i in register.initiatives for m in i.milestones]
    items = register.items()
    ratings: dict[str, Counter[str]] = {}
    for r in register.ratings:
        _ini, ms = items[r.item_key]
        kind = MILESTONE if ms else ECONOMY
        bucket = ratings.setdefault(f"{r.round}:{kind}", Counter())
        bucket[r.smiley.value if r.smiley else "none"] += 1
    return RegisterSummary(
        initiatives=len(register.initiatives),
        milestones=sum(not m.is_placeholder for m in milestones),
        placeholders=sum(m.is_placeholder for m in milestones),
        sections=len(register.sections),
        centers={c: len(register.initiatives_for(c)) for c in register.responsible_centers()},
        rounds=[r.name for r in register.rounds],
        ratings={k: dict(sorted(v.items())) for k, v in sorted(ratings.items())},
    )


def blank_register(year: int | None = None) -> Register:
    """An empty register with the year's four rounds, for finance to fill in."""
    year = year or dt.date.today().year
    info = ReportInfo(
        title=f"Opfølgning på Aftale om budget {year}", agreement=f"Aftale om budget {year}"
    )
    return Register(info, [], [], default_rounds(year, {1, 2, 3}), [], [])


@exclusive
def init_workspace(
    workspace: Workspace,
    source: str = "sample",
    report: str | Path | None = None,
    *,
    force: bool = False,
    discard_rounds: bool = False,
) -> tuple[Path, Register, Path | None]:
    """Write ``register.xlsx`` from the sample, a report export, or blank.

    Replacing a register keeps a backup. When the ledger already holds issued
    rounds, a new register would orphan them, so that needs ``discard_rounds``
    as well, and the ledger and rounds move into the backup.
    """
    if source not in SOURCES:
        raise UsageError(f"Ukendt kilde '{source}'.")
    target = workspace.register_path
    if target.exists() and not force:
        raise UsageError(f"{target} findes allerede. Brug --force for at overskrive det.")
    rounds = _recorded_rounds(workspace)
    if rounds and not discard_rounds:
        raise UsageError(
            f"{workspace.root} har allerede udsendt {len(rounds)} opfølgning(er) "
            f"({', '.join(map(str, rounds))}). Et nyt register ville gøre deres afleveringer og "
            "historik ubrugelige. Vil du virkelig starte forfra, så tilføj --discard-rounds: "
            "ledger og rounds/ flyttes til backup/."
        )
    if source == "report":
        if report is None or not Path(report).is_file():
            raise UsageError(f"Rapportfilen '{report}' findes ikke.")
        register = import_report_file(report).register
    elif source == "sample":
        register = sample_register(up_to_round=2)
    else:
        register = blank_register()
    workspace.root.mkdir(parents=True, exist_ok=True)
    backup = back_up(workspace, move_rounds=bool(rounds)) if target.exists() or rounds else None
    write_register(register, target)
    return target, register, backup


def _recorded_rounds(workspace: Workspace) -> list[int]:
    """Rounds the workspace's ledger has issued (empty when there is no ledger)."""
    if not workspace.ledger_path.is_file():
        return []
    from sheetflow.ledger import Ledger

    with Ledger(workspace.ledger_path) as ledger:
        return ledger.rounds_recorded()
