"""Nothing is destroyed: a timestamped copy before anything replaces workspace state.

``init --force`` keeps the register (and ledger) it replaces in
``backup/<UTC time>/``; starting over on a workspace with issued rounds also
moves the ledger and ``rounds/`` there, so every earlier file can be found.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from sheetflow.workspace import Workspace


def backup_dir(workspace: Workspace) -> Path:
    """A new, empty backup folder named by the UTC time (made unique if needed)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = workspace.root / "backup" / stamp
    target, n = base, 2
    while target.exists():
        target = base.with_name(f"{stamp}-{n}")
        n += 1
    target.mkdir(parents=True)
    return target


def back_up(workspace: Workspace, *, move_rounds: bool) -> Path | None:
    """Copy the register and ledger aside; with ``move_rounds`` move the ledger and
    ``rounds/`` there too (the workspace starts over). None when there is nothing."""
    ledger_files = [
        workspace.ledger_path.with_name(workspace.ledger_path.name + suffix)
        for suffix in ("", "-wal", "-shm")
    ]
    present = [p for p in [workspace.register_path, *ledger_files] if p.is_file()]
    rounds = workspace.root / "rounds"
    if not present and not rounds.is_dir():
        return None
    target = backup_dir(workspace)
    for path in present:
        shutil.copy2(path, target / path.name)
    if move_rounds:
        for path in ledger_files:
            if path.is_file():
                path.unlink()
        if rounds.is_dir():
            rounds.replace(target / "rounds")
        history = workspace.root / "history"
        if history.is_dir():
            history.replace(target / "history")
    return target
