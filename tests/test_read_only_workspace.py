"""A workspace finance may read but not change (a colleague's share, a folder set
read-only): the reading verbs work, the writing ones say why they cannot, in words a
person can act on, never as a damaged ledger or a bug."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sheetflow.demo import DemoResult

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX permissions (Windows: read-only shares)"
)


def _as_a_reader() -> list[str]:
    """A command prefix that runs without the power to ignore file permissions: as
    root, setpriv drops it from the bounding set (tests run as root in CI)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be enforced")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def _chmod_tree(root: Path, writable: bool) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
        path.chmod(mode | stat.S_IWUSR if writable else mode & ~bits)


@pytest.fixture
def shared(demo_result: DemoResult, tmp_path: Path) -> Iterator[Path]:
    """A copy of the demo's workspace, every file and folder read-only."""
    root = tmp_path / "fælles drev" / "runde 3"
    shutil.copytree(demo_result.master.parents[2], root)
    _chmod_tree(root, writable=False)
    try:
        yield root
    finally:
        _chmod_tree(root, writable=True)


def _run(*args: object) -> tuple[int, str]:
    cmd = [*_as_a_reader(), sys.executable, "-m", "sheetflow", *[str(a) for a in args]]
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_reading_verbs_read_and_writing_verbs_say_why_not(shared: Path, tmp_path: Path) -> None:
    code, out = _run("status", shared, "--round", "3")
    assert code == 0, out
    assert "3. budgetopfølgning 2017" in out and "Økonomi og Styring" in out
    returned = sorted((shared / "rounds" / "3" / "inbox").glob("*.xlsx"))[0]
    code, out = _run("validate", returned, shared)
    assert code == 0, out
    assert out.splitlines()[0].endswith("godkendes (Arbejdsmarked, 2 smileys)")
    out_dir = tmp_path / "mit eget"
    out_dir.mkdir()
    code, out = _run("export", shared, "--to", out_dir / "runde.csv")
    assert code == 0, out
    for verb in (["collect", shared, "--round", "3"], ["issue", shared, "--round", "4"]):
        code, out = _run(*verb)
        assert code == 2, out
        assert out.strip() == (
            f"Fejl: sheetflow kan ikke skrive i {shared} (Permission denied). Denne kommando "
            "ændrer arbejdsområdet; kør den fra en konto med skriveadgang til mappen. "
            "status, export og report kan læse det som det er."
        )
    code, out = _run("--lang", "en", "export", shared, "--to", shared / "runde.csv")
    assert code == 2, out
    assert out.strip() == (
        f"Error: Cannot write runde.csv: you may not write to the folder {shared}. "
        "Use --to with a file in a folder you can write to."
    )
