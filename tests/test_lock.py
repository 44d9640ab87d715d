"""The workspace lock: one writing command at a time; the second is told who
holds the lock and changes nothing; a holder that crashed never blocks."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sheetflow.errors import WorkspaceBusy
from sheetflow.workspace import Workspace, read_lock_info

HOLDER = """\
import sys
from sheetflow.workspace import Workspace

with Workspace.at(sys.argv[1]).locked():
    print("held", flush=True)
    sys.stdin.readline()  # the fault point: the test kills this process here
print("released", flush=True)
"""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A workspace folder (only init and demo make one that is not there)."""
    root = tmp_path / "Økonomi 2026" / "runde å"
    root.mkdir(parents=True)
    return Workspace.at(root)


def _holder(tmp_path: Path, ws: Workspace) -> subprocess.Popen[str]:
    """Another process holding the workspace lock, stopped at the fault point."""
    script = tmp_path / "holder.py"
    script.write_text(HOLDER, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(ws.root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "held\n"
    return proc


def _busy_message(ws: Workspace) -> str:
    with pytest.raises(WorkspaceBusy) as caught, ws.locked():
        pytest.fail("the lock was taken twice")
    return str(caught.value)


def test_a_second_writer_is_told_who_holds_the_lock(tmp_path: Path, ws: Workspace) -> None:
    proc = _holder(tmp_path, ws)
    try:
        message = _busy_message(ws)
    finally:
        proc.kill()
        proc.wait()
    host = socket.gethostname()
    expected = re.escape(
        f"En anden sheetflow-kommando arbejder i {ws.root} lige nu "
        f'(holder.py "{ws.root}", proces {proc.pid} på {host}, startet kl. '
    )
    assert re.fullmatch(expected + r"\d\d:\d\d\)\. Prøv igen om lidt\.", message), message


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path, ws: Workspace) -> None:
    proc = _holder(tmp_path, ws)
    proc.kill()  # no clean-up runs: the info file stays, the OS drops the lock
    proc.wait()
    assert read_lock_info(ws.lock_info_path)["pid"] == str(proc.pid)
    with ws.locked():
        assert read_lock_info(ws.lock_info_path)["pid"] == str(os.getpid())
    assert not ws.lock_info_path.exists()


def test_a_holder_that_ends_releases_the_lock(tmp_path: Path, ws: Workspace) -> None:
    proc = _holder(tmp_path, ws)
    out, _ = proc.communicate("go on\n", timeout=60)
    assert (proc.returncode, out) == (0, "released\n")
    assert not ws.lock_info_path.exists()
    with ws.locked():
        pass


def test_the_lock_is_reentrant_within_a_command(ws: Workspace) -> None:
    """demo calls init, issue and collect: each takes the lock, the first holds it."""
    with ws.locked():
        with ws.locked():
            assert read_lock_info(ws.lock_info_path)["pid"] == str(os.getpid())
        assert ws.lock_info_path.exists()  # still held by the outer command
    assert not ws.lock_info_path.exists()
    with ws.locked():
        pass
