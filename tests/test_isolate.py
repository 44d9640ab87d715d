"""The worker pool: results in order, a dying or hanging task costs only itself,
workers that cannot start are reported, not retried forever; the same under
"spawn" (Windows) as under "fork"."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import fill_all_green
from hostile.make_corpus import FREE_CENTERS, REJECTED_CENTER, _Builder, swap
from sheetflow.collect import check_files
from sheetflow.errors import UsageError
from sheetflow.isolate import Limits, WorkerStartError, run_isolated, start_method
from sheetflow.register.sample import sample_register
from sheetflow.workspace import Workspace

NO_FORK = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork (Windows, or simulated)")
METHODS = [pytest.param("fork", marks=NO_FORK), "spawn"]
# Set in the parent only: a forked worker inherits the change, a spawned one
# imports this module afresh and sees the original.
INHERITED = "module as imported"


def _task(_state: object, item: int) -> int:
    if item == 3:
        os._exit(3)  # a reader that aborts the process
    if item == 5:
        time.sleep(30)  # a reader that runs away
    return item * 2


@pytest.mark.parametrize("method", METHODS)
def test_results_in_order_and_a_bad_item_costs_only_itself(method: str) -> None:
    outcomes = run_isolated(
        list(range(7)), _task, workers=2, limits=Limits(seconds=2), method=method
    )
    assert [o.value for o in outcomes if o.ok] == [0, 2, 4, 8, 12]
    assert (outcomes[3].ok, outcomes[3].reason) == (False, "exit 3")
    assert (outcomes[5].ok, outcomes[5].reason) == (False, "timeout")


def _double(_state: object, item: int) -> int:
    return item * 2


@pytest.mark.parametrize("method", METHODS)
def test_keep_holds_what_it_gives_for_each_value_as_it_arrives(method: str) -> None:
    """issue puts each workbook's description aside as it arrives (sheetflow.spool):
    the outcome holds what ``keep`` returned, and a failed task is not kept."""
    kept: list[int] = []

    def keep(value: int) -> int:
        kept.append(value)
        return len(kept) - 1  # where it was put

    outcomes = run_isolated(
        [1, 2, 3], _double, workers=2, limits=Limits(seconds=20), method=method, keep=keep
    )
    assert sorted(kept) == [2, 4, 6]
    assert [kept[o.value] for o in outcomes] == [2, 4, 6]

    failing = run_isolated(
        [3], _task, workers=1, limits=Limits(seconds=20), method=method, keep=keep
    )
    assert (failing[0].ok, failing[0].reason, len(kept)) == (False, "exit 3", 3)


def _broken_init() -> None:
    raise RuntimeError("cannot start")


@pytest.mark.parametrize("method", METHODS)
def test_workers_that_cannot_start_are_reported(method: str) -> None:
    with pytest.raises(WorkerStartError):
        run_isolated(
            [1, 2], _task, _broken_init, workers=1, limits=Limits(seconds=5), method=method
        )


def _greedy(_state: object, mib: int) -> int:
    """Allocate ``mib`` MiB, or abort the process for -1."""
    if mib < 0:
        os.abort()  # what python-calamine does on some files
    return len(bytearray(mib * 1024**2))


@pytest.mark.parametrize("method", METHODS)
def test_memory_limit_and_abort_cost_only_the_task(method: str) -> None:
    limits = Limits(memory_bytes=1024**3, seconds=30)
    outcomes = run_isolated([4096, -1, 10], _greedy, workers=1, limits=limits, method=method)
    assert [(o.ok, o.value, o.reason) for o in outcomes] == [
        (False, None, "memory"),
        (False, None, "exit -6"),
        (True, 10 * 1024**2, ""),
    ]


def _inherited(_state: object, _item: int) -> str:
    return INHERITED


def test_without_fork_workers_are_spawned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where os.fork does not exist (Windows) the pool spawns, and nothing forks."""
    monkeypatch.delenv("SHEETFLOW_START_METHOD", raising=False)
    monkeypatch.delattr(os, "fork", raising=False)
    monkeypatch.setitem(sys.modules, "fcntl", None)
    monkeypatch.setattr(sys.modules[__name__], "INHERITED", "changed in the parent")
    assert start_method() == "spawn"
    outcomes = run_isolated([1, 2], _inherited, workers=2)
    assert [o.value for o in outcomes] == ["module as imported"] * 2


def test_start_method_is_chosen_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHEETFLOW_START_METHOD", "spawn")
    assert start_method() == "spawn"
    monkeypatch.setenv("SHEETFLOW_START_METHOD", "vfork")
    with pytest.raises(UsageError, match="SHEETFLOW_START_METHOD=vfork kan ikke bruges her"):
        start_method()


SCRIPT_WITHOUT_MAIN_GUARD = """\
import sys
from pathlib import Path

from sheetflow.collect import validate_file
from sheetflow.issue import issue_round
from sheetflow.register import init_workspace
from sheetflow.workspace import Workspace

runs = Path(sys.argv[1])
runs.write_text(runs.read_text() + "ran\\n" if runs.exists() else "ran\\n")
ws = Workspace.at(sys.argv[2])
init_workspace(ws, "sample")
issued = issue_round(ws, 3)  # nine centers: in workers
verdict = validate_file(ws, issued.workbooks[0].path)  # in a worker
print(len(issued.workbooks), verdict.verdict.value)  # sent back untouched: no answers
"""


def test_a_script_without_main_guard_is_not_run_again_by_spawned_workers(
    tmp_path: Path,
) -> None:
    """A spawned worker would import the caller's script again; it must not run it."""
    script = tmp_path / "opfølgning uden guard.py"
    script.write_text(SCRIPT_WITHOUT_MAIN_GUARD, encoding="utf-8")
    runs = tmp_path / "runs.txt"
    env = {**os.environ, "SHEETFLOW_START_METHOD": "spawn"}
    proc = subprocess.run(
        [sys.executable, str(script), str(runs), str(tmp_path / "Økonomi 2026" / "runde å")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "9 no-answers\n", "")
    assert runs.read_text() == "ran\n"


@pytest.mark.parametrize("method", METHODS)
def test_a_reader_that_dies_is_reader_failed_for_that_file_alone(
    issued_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    """python-calamine aborts (allocation past the memory limit) on a sheet with a
    cell at XFD1048576 behind an honest-looking dimension; the return next to it
    is read as usual."""
    monkeypatch.setenv("SHEETFLOW_START_METHOD", method)
    work = tmp_path / "work"
    work.mkdir()
    builder = _Builder(issued_ws, tmp_path, work)
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    bad = builder.edit_status(
        REJECTED_CENTER, "lying_dimension.xlsx", swap(b"</sheetData>", far + b"</sheetData>")
    )
    good = fill_all_green(issued_ws, FREE_CENTERS[0], tmp_path / "retur.xlsx")
    register = sample_register()
    names = {r.number: r.name for r in register.rounds}
    verdicts = check_files([bad, good], issued_ws.ledger_path, register.rounds[2], names)
    assert [(v.accepted, [(f.code, f.message) for f in v.findings]) for v in verdicts] == [
        (
            False,
            [
                (
                    "reader-failed",
                    "Filen kunne ikke læses inden for grænserne for tid og hukommelse "
                    "(læseren stoppede, exit -6).",
                )
            ],
        ),
        (True, []),
    ]
