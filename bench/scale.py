"""Synthetic registers and returns at scale, for the benchmarks.

A register of N centers with 40 initiatives each (texts taken from the 2017
sample, so cells hold realistic Danish prose), four milestones per initiative
(rounds 1-3 and a year-end date), round 3 issued by the product, returns
filled in as a center would with all three smileys and comments.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from pathlib import Path

from sheetflow.demo import fill_return
from sheetflow.issue import issue_round
from sheetflow.issue.layout import StatusLayout
from sheetflow.ledger import Ledger
from sheetflow.model import (
    Center,
    Deadline,
    Milestone,
    Rating,
    Register,
    milestone_key,
)
from sheetflow.register.sample import sample_register
from sheetflow.register.workbook import write_register
from sheetflow.smiley import Smiley
from sheetflow.workspace import Workspace

PER_CENTER = 40


def big_register(centers: int, per_center: int = PER_CENTER, seed: int = 7) -> Register:
    """``centers`` × ``per_center`` initiatives built from the sample's texts."""
    base = sample_register(up_to_round=2)
    rng = random.Random(seed)
    texts = [m.text for i in base.initiatives for m in i.milestones if m.text]
    sources = itertools.cycle(base.initiatives)
    deadlines = [
        Deadline("1. budgetopfølgning 2017", round=1),
        Deadline("2. budgetopfølgning 2017", round=2),
        Deadline("3. budgetopfølgning 2017", round=3),
        Deadline("31.12.2017", date=base.rounds[-1].as_of),
    ]
    initiatives, ratings, names = [], [], []
    for c in range(centers):
        name = f"Center {c + 1:04d}"
        names.append(name)
        for n in range(per_center):
            src = next(sources)
            key = f"B{c:04d}{n:02d}"
            milestones = tuple(
                Milestone(milestone_key(key, p), key, p, rng.choice(texts), deadlines[p - 1])
                for p in range(1, 5)
            )
            initiatives.append(
                replace(
                    src,
                    key=key,
                    # Unique, as in a real register (the same numbers in every center
                    # made 40,000 duplicate-number warnings at N = 1000).
                    number=f"{5 + n % 4}.{c * per_center + n + 1:05d}",
                    title=f"{src.title} ({name})",
                    center=name,
                    milestones=milestones,
                )
            )
            for rnd in (1, 2):
                smiley = rng.choice([Smiley.GREEN, Smiley.GREEN, Smiley.YELLOW, Smiley.RED])
                ratings.append(Rating(rnd, milestone_key(key, rnd), smiley, "", "bench"))
    return Register(
        base.info,
        base.sections,
        initiatives,
        base.rounds,
        [Center(n, f"Leder {n}", f"c{i}@example.dk") for i, n in enumerate(names)],
        ratings,
    )


def issue_big(root: Path, centers: int) -> Workspace:
    ws = Workspace.at(root)
    write_register(big_register(centers), ws.register_path)
    issue_round(ws, 3)
    return ws


def fill_returns(ws: Workspace, seed: int = 11) -> list[Path]:
    """Every center's round-3 workbook filled (all three smileys, comments) into the inbox."""
    rng = random.Random(seed)
    out = []
    with Ledger(ws.ledger_path) as ledger:
        issued = ledger.issued(3)
    for record in issued:
        layout = StatusLayout.from_json(record.layout)
        answers = {
            i.item_key: Rating(
                3,
                i.item_key,
                rng.choice(list(Smiley)),
                rng.choice(
                    ["Går efter planen.", "Forsinket en måned.", "Afventer politisk behandling."]
                ),
            )
            for i in layout.inputs
        }
        target = ws.inbox_dir(3) / Path(record.file).name
        out.append(fill_return(ws.root / record.file, layout, answers, target))
    return out
