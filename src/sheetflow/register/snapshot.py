"""Copies of the register as each round was issued from it, and what changed since.

``issue`` keeps the register it used in ``history/register-<fingerprint>.xlsx``
(content-addressed, written once), so ``collect`` can tell finance what changed
when the register no longer matches the round's workbooks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sheetflow.findings import Detail, detail
from sheetflow.model import Register
from sheetflow.workspace import Workspace


def snapshot_path(workspace: Workspace, fingerprint: str) -> Path:
    return workspace.root / "history" / f"register-{fingerprint[:16]}.xlsx"


def save_snapshot(workspace: Workspace, fingerprint: str) -> Path:
    """Keep a copy of register.xlsx under its content fingerprint (once)."""
    target = snapshot_path(workspace, fingerprint)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(workspace.register_path, tmp)
        tmp.replace(target)
    return target


def load_snapshot(workspace: Workspace, fingerprint: str) -> Register | None:
    """The register a round was issued from, when its copy is there and readable."""
    from sheetflow.register.workbook import read_register

    path = snapshot_path(workspace, fingerprint)
    if not path.is_file():
        return None
    register, report = read_register(path)
    return None if report.errors else register


def describe_changes(before: Register, after: Register) -> list[Detail]:
    """Short lines naming what differs between two registers, plan first."""
    out: list[Detail] = []
    if before.info != after.info:
        out.append(detail("changed-info"))
    old = {i.key: i for i in before.initiatives}
    new = {i.key: i for i in after.initiatives}
    for key, ini in new.items():
        if key not in old:
            out.append(detail("initiative-added", label=ini.label))
        elif ini != old[key]:
            out.append(detail("initiative-changed", label=ini.label))
    for key, ini in old.items():
        if key not in new:
            out.append(detail("initiative-removed", label=ini.label))
    # Contact names and e-mails are not in the workbooks; only the centers themselves.
    if [c.name for c in before.centers] != [c.name for c in after.centers]:
        out.append(detail("changed-centers"))
    if before.rounds != after.rounds:
        out.append(detail("changed-rounds"))
    if before.ratings != after.ratings:
        out.append(detail("changed-ratings"))
    if before.form != after.form:
        out.append(detail("changed-form"))
    return out


def centers_changed(before: Register, after: Register) -> set[str] | None:
    """The centers whose part of the register differs: an initiative of theirs added,
    changed, removed or moved (both centers), or a rating of one of their items. None
    when what changed is every center's (the information sheet, the rounds, the
    centers or the form)."""
    if (
        before.info != after.info
        or before.rounds != after.rounds
        or [c.name for c in before.centers] != [c.name for c in after.centers]
        or before.form != after.form
    ):
        return None
    old = {i.key: i for i in before.initiatives}
    new = {i.key: i for i in after.initiatives}
    out = {i.center for key, i in new.items() if old.get(key) != i}
    out.update(i.center for key, i in old.items() if new.get(key) != i)
    rated_before, rated_after = set(before.ratings), set(after.ratings)
    owner = {key: ini.center for key, (ini, _) in {**before.items(), **after.items()}.items()}
    for r in rated_before ^ rated_after:
        if r.item_key in owner:
            out.add(owner[r.item_key])
    return out
