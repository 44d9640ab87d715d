"""``sheetflow demo``: the real third follow-up on the 2017 budget, rebuilt.

Register with the 2017 plan and the ratings of rounds 1 and 2; round 3
issued to every center; each center's workbook filled in the way that center
really answered (the seed's round-3 smileys and status notes; where round 3
asks again about an earlier milestone that was not green, the center repeats
its earlier smiley and status note, since the seed's round-3 report shows them
unchanged); collected; master written.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from sheetflow.collect import CollectResult, collect_round
from sheetflow.errors import UsageError
from sheetflow.issue import IssueResult, issue_round
from sheetflow.issue.layout import StatusLayout
from sheetflow.ledger import Ledger
from sheetflow.model import Rating, Register, latest_ratings
from sheetflow.register import init_workspace
from sheetflow.register.examples import PROJECT_ANSWERS
from sheetflow.register.sample import sample_answers
from sheetflow.smiley import symbol
from sheetflow.workspace import Workspace, creates_workspace

DEMO_ROUND = 3
MARKER = ".sheetflow-demo"


@dataclass(frozen=True)
class DemoResult:
    register: Register
    collect: CollectResult
    master: Path
    filled: list[Path]


def fill_return(
    issued: Path, layout: StatusLayout, answers: dict[str, Rating], target: Path
) -> Path:
    """Fill an issued workbook's input cells as a center would, and save it as a return.

    Uses openpyxl, like a script or a center's Excel would: protection,
    validations and metadata stay as issued.
    """
    wb = openpyxl.load_workbook(issued)
    ws = wb[layout.sheet]
    for cell in layout.inputs:
        answer = answers.get(cell.item_key)
        if answer is None:
            continue
        value = symbol(answer.smiley) if cell.kind == "smiley" else answer.comment
        if value:
            ws[cell.address].value = value
            ws[cell.address].data_type = "s"
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def demo_answers(history: Iterable[Rating], round_number: int) -> dict[str, Rating]:
    """What the centers answered in the seed; earlier smileys and notes repeated where asked
    again."""
    answers = {r.item_key: r for r in sample_answers(round_number)}
    for key, earlier in latest_ratings(history, round_number - 1).items():
        answers.setdefault(key, Rating(round_number, key, earlier.smiley, earlier.comment))
    return answers


def _prepare(workspace: Workspace) -> None:
    root = workspace.root
    if root.exists() and any(root.iterdir()):
        if not (root / MARKER).exists() and workspace.register_path.exists():
            raise UsageError("demo-folder-taken", root=root)
        for child in root.iterdir():
            if child.name == ".gitkeep":
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).write_text("Dette arbejdsområde er lavet af 'sheetflow demo'.\n", "utf-8")


def fill_answers(
    issued: Path, layout: StatusLayout, answers: dict[tuple[str, str], object], target: Path
) -> Path:
    """Fill a form's input cells as a center would ((item key, field id) → value: numbers
    as numbers, dates as dates, text as text) and save the workbook as a return."""
    wb = openpyxl.load_workbook(issued)
    ws = wb[layout.sheet]
    for cell in layout.inputs:
        value = answers.get((cell.item_key, cell.kind))
        if value is None or value == "":
            continue
        if isinstance(value, dt.date):
            value = dt.datetime.combine(value, dt.time())
        ws[cell.address].value = value
        if isinstance(value, str):
            ws[cell.address].data_type = "s"
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def project_answers(register: Register, round_number: int) -> dict[tuple[str, str], object]:
    """The projects example's answers for a quarter, by (project key, field id)."""
    by_number = {i.number: i.key for i in register.initiatives}
    out: dict[tuple[str, str], object] = {}
    for number, (rag, cost, completion, risk) in PROJECT_ANSWERS[round_number].items():
        key = by_number[number]
        out[(key, "rag")] = rag
        out[(key, "forecast_cost")] = cost
        out[(key, "forecast_completion")] = completion
        out[(key, "risk")] = risk
    return out


def _projects_round(
    workspace: Workspace,
    register: Register,
    round_number: int,
    lang: str,
    progress: Callable[[str], None] | None,
) -> tuple[CollectResult, list[Path]]:
    issued = issue_round(workspace, round_number, lang=lang)
    answers = project_answers(register, round_number)

    def fill(path: Path, layout: StatusLayout, target: Path) -> Path:
        return fill_answers(path, layout, answers, target)

    filled = _fill_issued(workspace, issued, round_number, fill, progress)
    return collect_round(workspace, round_number, lang=lang, progress=progress), filled


def _fill_issued(
    workspace: Workspace,
    issued: IssueResult,
    round_number: int,
    fill: Callable[[Path, StatusLayout, Path], Path],
    progress: Callable[[str], None] | None,
) -> list[Path]:
    """Each issued workbook filled in as its center would, into the round's inbox."""
    filled = []
    with Ledger(workspace.ledger_path) as ledger:
        for wb in issued.workbooks:
            layout = StatusLayout.from_json(ledger.issued_by_template(wb.template_id)[-1].layout)
            target = workspace.inbox_dir(round_number) / wb.path.name
            filled.append(fill(wb.path, layout, target))
            if progress:
                progress(wb.center)
    return filled


def run_projects_demo(
    workspace: Workspace, lang: str, progress: Callable[[str], None] | None
) -> DemoResult:
    """The capital-projects example: two quarters issued, answered and collected; the
    second quarter's master shows the cost totals and flags the slipped dates."""
    _, register, _ = init_workspace(workspace, "example", example="projects", force=True)
    _projects_round(workspace, register, 1, lang, progress)
    result, filled = _projects_round(workspace, register, 2, lang, progress)
    return DemoResult(register, result, workspace.master_path(2), filled)


EXAMPLES = ("sample", "projects")


@creates_workspace
def run_demo(
    workspace: Workspace,
    *,
    lang: str = "da",
    progress: Callable[[str], None] | None = None,
    example: str = "sample",
) -> DemoResult:
    """Run the whole cycle on the embedded sample (or on the ``projects`` example)."""
    if example not in EXAMPLES:
        raise UsageError("unknown-example", example=example, names=", ".join(EXAMPLES))
    _prepare(workspace)
    if example == "projects":
        return run_projects_demo(workspace, lang, progress)
    _, register, _ = init_workspace(workspace, "sample", force=True)
    issued = issue_round(workspace, DEMO_ROUND, lang=lang)
    answers = demo_answers(register.ratings, DEMO_ROUND)

    def fill(path: Path, layout: StatusLayout, target: Path) -> Path:
        return fill_return(path, layout, answers, target)

    filled = _fill_issued(workspace, issued, DEMO_ROUND, fill, progress)
    result = collect_round(
        workspace, DEMO_ROUND, lang=lang, date_text=register.info.date, progress=progress
    )
    return DemoResult(register, result, workspace.master_path(DEMO_ROUND), filled)
