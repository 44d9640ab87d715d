"""A form of finance's own at scale: issue, fill and collect round 3 of a register of
N centers × 40 initiatives whose form asks, per initiative, the capital-projects
questions (RAG, forecast cost, forecast completion, risk), beside the default
form's smiley and comment for milestones and economy.

    python3 bench/forms.py              # N = 50
    python3 bench/forms.py --sizes 200

Prints seconds for issue, collect (read, check, record, master, csv) and one
round_state, and the answers stored; compare with bench/run.py's default-form
figures for the same N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale import big_register  # noqa: E402

from sheetflow.collect import collect_round  # noqa: E402
from sheetflow.demo import fill_answers  # noqa: E402
from sheetflow.form import Form, default_form  # noqa: E402
from sheetflow.issue import issue_round  # noqa: E402
from sheetflow.issue.layout import StatusLayout  # noqa: E402
from sheetflow.ledger import Ledger  # noqa: E402
from sheetflow.register.examples import projects_form  # noqa: E402
from sheetflow.register.workbook import write_register  # noqa: E402
from sheetflow.roundstate import round_state  # noqa: E402
from sheetflow.workspace import Workspace  # noqa: E402


def measure(n: int, root: Path) -> dict[str, float]:
    register = big_register(n)
    register.form = Form(default_form().fields + projects_form().fields)
    register.initiatives = [replace(i, economy="10.000.000 kr.") for i in register.initiatives]
    ws = Workspace.at(root / f"n{n}")
    write_register(register, ws.register_path)
    t = time.perf_counter()
    issue_round(ws, 3)
    issue_s = time.perf_counter() - t
    rng = random.Random(5)
    with Ledger(ws.ledger_path) as ledger:
        issued = ledger.issued(3)
    for record in issued:
        layout = StatusLayout.from_json(record.layout)
        answers: dict[tuple[str, str], object] = {}
        for cell in layout.inputs:
            answers[(cell.item_key, cell.kind)] = {
                "smiley": rng.choice(["☺", "😐", "☹"]),
                "comment": "Går efter planen.",
                "rag": rng.choice(["G", "A", "R"]),
                "forecast_cost": rng.randrange(5_000_000, 15_000_000),
                "forecast_completion": dt.date(2027, 1, 1) + dt.timedelta(rng.randrange(900)),
                "risk": "Leverancer kan blive forsinket.",
            }[cell.kind]
        target = ws.inbox_dir(3) / Path(record.file).name
        fill_answers(ws.root / record.file, layout, answers, target)
    t = time.perf_counter()
    result = collect_round(ws, 3, date_text="bench")
    collect_s = time.perf_counter() - t
    accepted = sum(1 for f in result.files if f.verdict.value == "accepted")
    reg = ws.load_register()
    with Ledger(ws.ledger_path) as ledger:
        t = time.perf_counter()
        round_state(reg, reg.rounds_by_number[3], ledger)
        state_s = time.perf_counter() - t
        stored = ledger.db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    return {
        "centers": n,
        "initiatives": len(reg.initiatives),
        "accepted": accepted,
        "issue_s": round(issue_s, 2),
        "collect_s": round(collect_s, 2),
        "round_state_s": round(state_s, 3),
        "answers_stored": stored,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            print(measure(n, Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
