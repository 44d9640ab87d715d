"""Shared fixtures: the seed, workspaces at each step of a round, and helpers to
fill returned workbooks the way a center would."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sheetflow.demo import DemoResult, run_demo
from sheetflow.issue import IssueResult, issue_round
from sheetflow.register import init_workspace
from sheetflow.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
SHARED_SEED = ROOT.parent / "shared" / "seeds" / "000_5976020e23f224e8.txt"
PACKAGED_SEED = ROOT / "src" / "sheetflow" / "data" / "budget2017_report.txt"
PORTABLE_SITE = Path(__file__).parent / "portable_site"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--start-method",
        choices=["fork", "spawn"],
        default=None,
        help="How sheetflow starts its workers (sets SHEETFLOW_START_METHOD). "
        "'spawn' also simulates a platform without os.fork and fcntl, in this "
        "process and in every Python process the tests start.",
    )


def pytest_configure(config: pytest.Config) -> None:
    method = config.getoption("--start-method")
    if method:
        os.environ["SHEETFLOW_START_METHOD"] = method
    if os.environ.get("SHEETFLOW_START_METHOD") == "spawn":
        simulate_no_fork()


def simulate_no_fork() -> None:
    """No os.fork and no fcntl here and in every Python child (see portable_site/)."""
    os.environ["SHEETFLOW_SIMULATE_NO_FORK"] = "1"
    paths = [str(PORTABLE_SITE), *filter(None, [os.environ.get("PYTHONPATH")])]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    spec = importlib.util.spec_from_file_location(
        "portable_site", PORTABLE_SITE / "sitecustomize.py"
    )
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))


@pytest.fixture(autouse=True)
def _run_language() -> Iterator[None]:
    """Each test starts in Danish: a command run with --lang en leaves the run's
    language (``clilang.RUN``) behind, as a process would on exit."""
    from sheetflow import clilang

    before = dict(clilang.RUN)
    yield
    clilang.RUN.clear()
    clilang.RUN.update(before)


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The real report: ../shared/seeds/… where the checkout has it, else the packaged copy."""
    return SHARED_SEED if SHARED_SEED.is_file() else PACKAGED_SEED


@pytest.fixture(scope="session")
def seed_text(seed_path: Path) -> str:
    return seed_path.read_text(encoding="utf-8")


@pytest.fixture
def sample_ws(tmp_path: Path) -> Workspace:
    """A workspace holding the sample register (2017 plan, ratings of rounds 1-2)."""
    ws = Workspace.at(tmp_path / "ws")
    init_workspace(ws, "sample")
    return ws


@pytest.fixture(scope="session")
def _issued_round3_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, IssueResult]:
    ws = Workspace.at(tmp_path_factory.mktemp("issued3") / "ws")
    init_workspace(ws, "sample")
    return ws.root, issue_round(ws, 3)


@pytest.fixture
def issued_ws(tmp_path: Path, _issued_round3_template: tuple[Path, IssueResult]) -> Workspace:
    """A fresh copy of a workspace with round 3 of the sample issued to every center."""
    src, _ = _issued_round3_template
    dst = tmp_path / "ws"
    shutil.copytree(src, dst)
    return Workspace.at(dst)


@pytest.fixture(scope="session")
def demo_result(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    """``sheetflow demo`` run once for the session (read-only for tests)."""
    return run_demo(Workspace.at(tmp_path_factory.mktemp("demo") / "ws"))


@pytest.fixture
def officer_ws(tmp_path: Path) -> Workspace:
    """A finance officer's own register (tests/person.py) typed into the blank one,
    round 1 issued: three centers, nothing from the sample."""
    from person import fill_register

    ws = Workspace.at(tmp_path / "mit arbejdsområde")
    init_workspace(ws, "blank")
    fill_register(ws.register_path)
    issue_round(ws, 1)
    return ws
