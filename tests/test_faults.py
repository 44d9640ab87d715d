"""Faults: a second command on a busy workspace, and collect killed mid-run."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from helpers import issued_for, set_saved_at
from sheetflow.collect import collect_round
from sheetflow.demo import fill_return
from sheetflow.issue import safe_name
from sheetflow.model import Rating
from sheetflow.register.sample import sample_register
from sheetflow.smiley import Smiley
from sheetflow.workspace import Workspace


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sheetflow", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_second_command_on_a_busy_workspace_is_told_so(issued_ws: Workspace) -> None:
    with issued_ws.locked():
        proc = _cli("collect", str(issued_ws.root), "--round", "3")
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    busy = f"Fejl: En anden sheetflow-kommando arbejder i {issued_ws.root} lige nu ("
    assert err.startswith(busy), err
    assert f"proces {os.getpid()} på {socket.gethostname()}, startet kl. " in err
    assert err.endswith("). Prøv igen om lidt.\n")
    # Released: the same command now runs.
    assert collect_round(issued_ws, 3).exit_code == 0


def _returns(ws: Workspace, versions: int) -> None:
    """Several versions per center, each saved later than the last, all valid."""
    saved = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    for v in range(versions):
        for center in sample_register().responsible_centers():
            issued, layout = issued_for(ws, center)
            smiley = [Smiley.GREEN, Smiley.YELLOW, Smiley.RED][v % 3]
            answers = {
                i.item_key: Rating(3, i.item_key, smiley, f"Version {v}") for i in layout.inputs
            }
            path = ws.inbox_dir(3) / f"{safe_name(center)}_v{v}.xlsx"
            fill_return(ws.root / issued.file, layout, answers, path)
            saved += dt.timedelta(minutes=1)
            set_saved_at(path, saved)


def _state(ws: Workspace) -> tuple:
    """What a finished collect leaves: verdicts, ratings, outputs."""
    db = sqlite3.connect(ws.ledger_path)
    received = sorted(db.execute("SELECT sha256, original_name, verdict, center FROM received"))
    ratings = sorted(
        db.execute("SELECT round, center, item_key, smiley, comment, source FROM ratings")
    )
    db.close()
    return (
        received,
        ratings,
        ws.ratings_csv(3).read_text("utf-8-sig"),
        ws.findings_csv(3).read_text("utf-8-sig"),
        ws.master_path(3).read_bytes(),
    )


def _intact(ws: Workspace, previous_master: bytes) -> None:
    db = sqlite3.connect(ws.ledger_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    orphans = db.execute(
        "SELECT COUNT(*) FROM received v WHERE v.verdict IN ('accepted','superseded') "
        "AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.received_id = v.id)"
    ).fetchone()[0]
    db.close()
    assert orphans == 0  # a file is recorded together with its ratings, or not at all
    master = ws.master_path(3).read_bytes()
    if master != previous_master:  # replaced: then completely
        with zipfile.ZipFile(ws.master_path(3)) as zf:
            assert zf.testzip() is None
        openpyxl.load_workbook(ws.master_path(3))
    leftovers = [p for p in ws.round_dir(3).rglob(".*.tmp")]
    assert all(
        p.stat().st_size >= 0 for p in leftovers
    )  # temporary files may remain; never outputs


@pytest.fixture
def prepared(issued_ws: Workspace, tmp_path: Path) -> tuple[Workspace, tuple, float]:
    """A workspace with a previous master and a full inbox; the uninterrupted result."""
    collect_round(issued_ws, 3)  # the previous master (no returns yet)
    _returns(issued_ws, 3)
    reference = Workspace.at(tmp_path / "reference")
    shutil.copytree(issued_ws.root, reference.root)
    start = time.monotonic()
    proc = _cli("collect", str(reference.root), "--round", "3")
    proc.communicate(timeout=120)
    duration = time.monotonic() - start
    assert proc.returncode == 0
    return issued_ws, _state(reference), duration


@pytest.mark.parametrize("fraction", [0.35, 0.55, 0.7, 0.85, 0.95])
def test_collect_killed_at_any_moment_recovers_to_the_same_result(
    prepared: tuple[Workspace, tuple, float], fraction: float
) -> None:
    ws, reference, duration = prepared
    previous_master = ws.master_path(3).read_bytes()
    proc = _cli("collect", str(ws.root), "--round", "3")
    time.sleep(duration * fraction)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    _intact(ws, previous_master)
    proc = _cli("collect", str(ws.root), "--round", "3")
    proc.communicate(timeout=120)
    assert proc.returncode == 0
    received, ratings, ratings_csv, findings_csv, master = _state(ws)
    assert received == reference[0]
    assert ratings == reference[1]
    assert ratings_csv == reference[2]
    assert findings_csv == reference[3]
    assert master == reference[4]


class _CtrlC:
    """Ctrl-C while a workbook's parts are zipped: the third part written into any
    zip raises KeyboardInterrupt (the fault point is xlsxwriter's one ZipFile)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import xlsxwriter.workbook

        self.parts = 0
        zip_class = xlsxwriter.workbook.ZipFile
        for name in ("write", "writestr"):
            monkeypatch.setattr(zip_class, name, self._wrap(getattr(zip_class, name)))

    def _wrap(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def interrupted(zf: zipfile.ZipFile, *args: Any, **kwargs: Any) -> Any:
            self.parts += 1
            if self.parts == 3:
                raise KeyboardInterrupt
            return method(zf, *args, **kwargs)

        return interrupted


def test_an_interrupted_write_leaves_nothing_in_the_temporary_folder(
    sample_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A center's workbook, the register and the master interrupted while zipped:
    none leaves a file in the system's temporary folder (a center's sheets were
    found there after Ctrl-C during issue) nor a half-written workbook."""
    from sheetflow.issue import issue_round
    from sheetflow.ledger import Ledger
    from sheetflow.register.workbook import write_register

    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    center = sample_register().responsible_centers()[0]
    fault = _CtrlC(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        issue_round(sample_ws, 3, [center])
    assert (os.listdir(temp), os.listdir(sample_ws.issued_dir(3))) == ([], [])
    with Ledger(sample_ws.ledger_path) as ledger:
        assert ledger.issued_rows(3) == []
    fault.parts = 0
    with pytest.raises(KeyboardInterrupt):
        write_register(sample_register(), tmp_path / "register.xlsx")
    assert (os.listdir(temp), (tmp_path / "register.xlsx").exists()) == ([], False)

    monkeypatch.undo()  # issue the round whole (its workers' own temporary folder
    issue_round(sample_ws, 3, force=True)  # is multiprocessing's), then collect it
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    fault = _CtrlC(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        collect_round(sample_ws, 3)
    assert fault.parts == 3
    assert os.listdir(temp) == []
    assert not sample_ws.master_path(3).exists()


def test_an_interrupted_issue_leaves_no_workbook_it_did_not_record(
    sample_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after one of two workbooks was written: the written one is removed, as
    nothing was recorded (a trial found unrecorded workbooks that looked issued while
    status said nothing was). Again under --force: version 1 is put back where it
    was, in the folder and the ledger (a trial found it all under v1/ and issued/
    empty), and the next --force run writes version 2."""
    import sheetflow.issue as issue_module
    from sheetflow.issue import issue_round
    from sheetflow.ledger import Ledger

    first, second = sample_register().responsible_centers()[:2]
    write = issue_module.write_center_workbook

    def interrupted_at_second(path: Path, *args: Any, **kwargs: Any) -> Path:
        if path.name == f"{safe_name(second)}_3_budgetopfoelgning_2017.xlsx":
            raise KeyboardInterrupt
        return write(path, *args, **kwargs)

    def files() -> list[str]:
        issued = sample_ws.issued_dir(3)
        return sorted(p.relative_to(issued).as_posix() for p in issued.rglob("*.xlsx"))

    def recorded() -> list[tuple[str, int, str]]:
        with Ledger(sample_ws.ledger_path) as ledger:
            return sorted((r.center, r.version, r.file) for r in ledger.issued_rows(3))

    with monkeypatch.context() as m:
        m.setattr(issue_module, "write_center_workbook", interrupted_at_second)
        with pytest.raises(KeyboardInterrupt):
            issue_round(sample_ws, 3, [first, second])
    assert (files(), recorded()) == ([], [])

    issue_round(sample_ws, 3, [first, second])
    v1 = files()
    assert len(v1) == 2 and all(name.endswith("_3_budgetopfoelgning_2017.xlsx") for name in v1)
    with monkeypatch.context() as m:
        m.setattr(issue_module, "write_center_workbook", interrupted_at_second)
        with pytest.raises(KeyboardInterrupt):
            issue_round(sample_ws, 3, [first, second], force=True)
    in_v1 = [f"v1/{name}" for name in v1]
    assert files() == v1
    assert not (sample_ws.issued_dir(3) / "v1").exists()
    assert sorted((v, Path(f).parent.name, Path(f).name) for _, v, f in recorded()) == [
        (1, "issued", name) for name in v1
    ]
    issue_round(sample_ws, 3, [first, second], force=True)
    assert files() == sorted(v1 + in_v1)
    assert sorted(v for _, v, _ in recorded()) == [1, 1, 2, 2]


def test_status_says_when_a_collect_stopped_before_it_wrote_the_master(
    issued_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the master was written: the returns were recorded, the master is
    the one before. status said nothing of it (a new-user trial); it now says the
    master may lack the latest returns and gives the command, until a collect ends."""
    import sheetflow.master
    from helpers import cli_done, fill_all_green

    center = sample_register().responsible_centers()[0]
    fill_all_green(issued_ws, center, issued_ws.inbox_dir(3) / "retur.xlsx")

    def ctrl_c(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the fault point: the master being written

    with monkeypatch.context() as patch:
        patch.setattr(sheetflow.master, "consolidate", ctrl_c)
        with pytest.raises(KeyboardInterrupt):
            collect_round(issued_ws, 3)
    command = f'sheetflow collect "{issued_ws.root}" --round 3'
    said = (
        "Den seneste indsamling blev ikke afsluttet (afbrudt eller stadig i gang), så den "
        "samlede projektmappe kan mangle de seneste afleveringer. Kør den igen, når ingen "
        f"anden kommando arbejder i mappen: {command}"
    )
    assert said in cli_done("status", issued_ws.root, "--round", 3).splitlines()
    collect_round(issued_ws, 3)
    assert said not in cli_done("status", issued_ws.root, "--round", 3)
