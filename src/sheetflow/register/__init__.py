"""The register: where it comes from (sample, report text, blank) and what it holds."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sheetflow.atomic import atomic_path
from sheetflow.backup import back_up
from sheetflow.errors import RegisterError, SheetflowError, UsageError, WorkspaceBusy
from sheetflow.findings import Finding, Report, Severity, make_finding
from sheetflow.heap import give_back_freed_memory
from sheetflow.model import ECONOMY, MILESTONE, Register, ReportInfo
from sheetflow.notices import notify
from sheetflow.register import cache
from sheetflow.register.examples import EXAMPLES, FOR_A_YEAR
from sheetflow.register.report_text import default_rounds, import_report_file
from sheetflow.register.workbook import read_register, write_register
from sheetflow.workspace import Workspace, creates_workspace

SOURCES = ("sample", "report", "blank", "example")


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
        centers=dict(Counter(i.center for i in register.initiatives)),
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


__all__ = [
    "EXAMPLES",
    "RegisterSummary",
    "blank_register",
    "init_workspace",
    "load_register",
    "summarize",
    "write_keys",
]


@creates_workspace
def init_workspace(
    workspace: Workspace,
    source: str = "sample",
    report: str | Path | None = None,
    *,
    force: bool = False,
    discard_rounds: bool = False,
    example: str | None = None,
    year: int | None = None,
) -> tuple[Path, Register, Path | None]:
    """Write ``register.xlsx`` from a shipped example, a report export, or blank.

    ``source="sample"`` is the example "sample"; ``source="example"`` takes
    the example's name from ``example``. ``year`` plans a blank register or the
    starter and projects examples for that year (default: this one). Returns the
    register as read back from the file (keys made where an example leaves them
    empty), and the backup folder when a register was replaced.

    Replacing a register keeps a backup. When the ledger already holds issued
    rounds, a new register would orphan them, so that needs ``discard_rounds``
    as well, and the ledger and rounds move into the backup.

    A refused init (an option that does not fit, a report that cannot be read)
    leaves nothing behind: ``Workspace.locked`` removes the lock file and the
    folders it made.
    """
    if source not in SOURCES:
        raise UsageError("unknown-source", source=source)
    if source == "sample":
        source, example = "example", "sample"
    if source == "example" and example not in EXAMPLES:
        from sheetflow.register.reader import near_miss

        near = near_miss(example or "", EXAMPLES)
        key = "unknown-example-near" if near else "unknown-example"
        raise UsageError(key, example=example, near=near, names=", ".join(sorted(EXAMPLES)))
    if year is not None and source != "blank" and example not in FOR_A_YEAR:
        raise UsageError("year-not-for-source", names=", ".join(sorted(FOR_A_YEAR)), year=year)
    target = workspace.register_path
    if target.exists() and not force:
        raise UsageError("register-exists", target=target)
    rounds = _recorded_rounds(workspace)
    if rounds and not discard_rounds:
        raise UsageError(
            "rounds-would-be-lost",
            root=workspace.root,
            count=len(rounds),
            rounds=", ".join(map(str, rounds)),
        )
    if source == "report":
        if report is None or not Path(report).is_file():
            raise UsageError("report-missing", report=report)
        register = import_report_file(report).register
    elif source == "example":
        assert example is not None
        register = EXAMPLES[example](year)
    else:
        register = blank_register(year)
    workspace.root.mkdir(parents=True, exist_ok=True)
    backup = back_up(workspace, move_rounds=bool(rounds)) if target.exists() or rounds else None
    write_register(register, target)
    if source == "example" and any(not i.key for i in register.initiatives):
        register, found = read_register(target)
        assert found.ok, found.to_list()  # a shipped example is a valid register
    return target, register, backup


def load_register(workspace: Workspace) -> Register:
    """The workspace's register; ``RegisterError`` with every finding when it has errors.

    Keys made for initiatives without one are written back to register.xlsx
    (atomically, under the workspace lock) so they never change; warnings and
    what was written go to ``sheetflow.notices``.
    """
    path = workspace.register_path
    if not path.is_file():
        raise workspace.no_register()
    try:
        register, report = _read_cached(workspace, path)
    except SheetflowError:
        raise
    except Exception as exc:  # not a workbook at all, or damaged beyond its tables
        error = f"{type(exc).__name__}: {exc}"
        copy = latest_copy(workspace)
        if copy is None:
            raise UsageError(
                "register-unreadable-no-copy", path=path, error=error, root=workspace.root
            ) from exc
        raise UsageError("register-unreadable", path=path, error=error, copy=copy) from exc
    if report.errors:
        raise RegisterError(
            "register-has-errors",
            [f for f in report if f.severity is not Severity.INFO],
            path=path,
        )
    notify(_save_keys(workspace, report))
    return register


def latest_copy(workspace: Workspace) -> Path | None:
    """The newest copy of the register kept in ``history/`` when a round was issued
    (``snapshot.save_snapshot``), to restore a damaged register from; None when none."""
    copies = list((workspace.root / "history").glob("register-*.xlsx"))
    return max(copies, key=lambda p: p.stat().st_mtime_ns) if copies else None


def _read_cached(workspace: Workspace, path: Path) -> tuple[Register, Report]:
    """The register as ``read_register`` makes it, from the cache when the file and
    the reading code are unchanged (register/cache.py); a clean read is kept."""
    key = cache.cache_key(path)
    kept = cache.load(workspace.cache_dir, key)
    if kept is not None:
        return kept
    register, report = read_register(path)
    give_back_freed_memory()  # the parser's cell grid: ~100 MB at 40,000 initiatives
    if not report.errors and not any(f.code == "register-key-assigned" for f in report):
        cache.store(workspace.cache_dir, key, register, report)
        # From here on the register is read from its store as it is walked, and the
        # lists the reader made are let go (when the store could be written).
        kept = cache.load(workspace.cache_dir, key)
        if kept is not None:
            register, report = kept
        give_back_freed_memory()
    return register, report


def _save_keys(workspace: Workspace, report: Report) -> list[Finding]:
    """Write made keys into register.xlsx; the report's findings as they now stand."""
    assigned = [f for f in report if f.code == "register-key-assigned"]
    if not assigned:
        return list(report)
    kept = [f for f in report if f.code != "register-key-assigned"]
    try:
        with workspace.locked():
            write_keys(workspace.register_path, assigned)
    except WorkspaceBusy:  # another command: no file to close, the next one writes them
        return [*kept, make_finding("register-keys-busy", file=assigned[0].file)]
    except OSError as exc:  # the file open in Excel, a folder not ours to write in
        reason = exc.strerror or str(exc)
        return [*kept, make_finding("register-keys-not-saved", file=assigned[0].file, value=reason)]
    return list(report)


def write_keys(path: Path, assigned: list[Finding]) -> None:
    """Put each made key (finding's ``expected``) in its cell; everything else stays.

    openpyxl edits the file finance keeps, so their formatting, extra columns
    and dropdowns survive; the new file replaces the old atomically.
    """
    import openpyxl  # only here: reading and checking never need it

    wb = openpyxl.load_workbook(path)
    for f in assigned:
        cell = wb[f.sheet][f.cell]
        cell.value = f.expected
        cell.data_type = "s"
    with atomic_path(path) as tmp:
        wb.save(tmp)


def _recorded_rounds(workspace: Workspace) -> list[int]:
    """Rounds the workspace's ledger has issued (empty when there is no ledger)."""
    if not workspace.has_ledger:
        return []
    from sheetflow.ledger import Ledger

    with Ledger(workspace.ledger_path) as ledger:
        return ledger.rounds_recorded()
