"""``sheetflow demo``: the real third follow-up on the 2017 budget, rebuilt.

Register with the 2017 plan and the ratings of rounds 1 and 2; round 3
issued to every center; each center's workbook filled in the way that center
really answered (the seed's round-3 smileys and status notes; where round 3
asks again about an earlier milestone that was not green, the center repeats
its earlier smiley and status note, since the seed's round-3 report shows them
unchanged); collected; master written.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from sheetflow.collect import CollectResult, collect_round
from sheetflow.errors import UsageError
from sheetflow.issue import issue_round
from sheetflow.issue.layout import StatusLayout
from sheetflow.ledger import Ledger
from sheetflow.model import Rating, Register, latest_ratings
from sheetflow.register import init_workspace
from sheetflow.register.sample import sample_answers
from sheetflow.smiley import symbol
from sheetflow.workspace import Workspace, exclusive

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


def demo_answers(history: list[Rating], round_number: int) -> dict[str, Rating]:
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


@exclusive
def run_demo(
    workspace: Workspace,
    *,
    lang: str = "da",
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run the whole cycle on the embedded sample."""
    _prepare(workspace)
    _, register, _ = init_workspace(workspace, "sample", force=True)
    issued = issue_round(workspace, DEMO_ROUND, lang=lang)
    answers = demo_answers(register.ratings, DEMO_ROUND)
    filled = []
    with Ledger(workspace.ledger_path) as ledger:
        for wb in issued.workbooks:
            layout = StatusLayout.from_json(ledger.issued_by_template(wb.template_id)[-1].layout)
            target = workspace.inbox_dir(DEMO_ROUND) / wb.path.name
            filled.append(fill_return(wb.path, layout, answers, target))
            if progress:
                progress(wb.center)
    result = collect_round(
        workspace, DEMO_ROUND, lang=lang, date_text=register.info.date, progress=progress
    )
    return DemoResult(register, result, workspace.master_path(DEMO_ROUND), filled)
