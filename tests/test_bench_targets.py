"""bench/peer.py judges issue 16's targets from what it measured: each figure against
its line, and only the targets that were measured."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

PEER = Path(__file__).resolve().parents[1] / "bench" / "peer.py"


@pytest.fixture(scope="module")
def peer() -> ModuleType:
    """bench/peer.py, loaded once for these tests."""
    spec = importlib.util.spec_from_file_location("bench_peer", PEER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_peer"] = module  # dataclasses look their module up
    path = list(sys.path)
    try:
        spec.loader.exec_module(module)
    finally:
        # peer.py puts bench/ first on the path, where bench/hostile.py would hide
        # tests/hostile/ from the tests that follow.
        sys.path[:] = path
    return module


def test_each_measured_target_is_judged_against_its_line(peer: ModuleType) -> None:
    run = peer.Run
    by_size = {
        200: {
            "sheetflow collect": run(10.0, 90.0, 70.0, True),
            "sheetflow issue (memory)": run(8.0, 80.0, 60.0, True),
            "datamaps import templates -m": run(160.0, 500.0, 480.0, True),
            "naive pandas + openpyxl": run(30.0, 160.0, 150.0, True),
        },
        1000: {
            "sheetflow collect": run(55.0, 100.0, 80.0, True),
            "sheetflow issue (memory)": run(50.0, 270.0, 260.0, True),
            # Failed: no figure to judge, so no line about it.
            "naive pandas + openpyxl": run(1.0, 1.0, 1.0, False, "Killed"),
        },
    }
    assert peer.targets(by_size) == [
        ("N = 200: collect >= 15x datamaps", "16.0x", True),
        ("N = 200: collect >= 15x naive", "3.0x", False),
        ("N = 1000: collect <= 250 MB tree PSS", "80 MB", True),
        ("collect flat (+-20 %) from N = 200 to 1000", "70 -> 80 MB (1.14x)", True),
        ("N = 1000: issue <= 250 MB tree PSS", "260 MB", False),
        ("issue flat (+-20 %) from N = 200 to 1000", "60 -> 260 MB (4.33x)", False),
    ]


def test_one_size_alone_judges_only_speed(peer: ModuleType) -> None:
    run = peer.Run
    by_size = {
        200: {
            "sheetflow collect": run(10.0, 90.0, 70.0, True),
            "naive pandas + openpyxl": run(140.0, 160.0, 150.0, True),
        }
    }
    assert peer.targets(by_size) == [("N = 200: collect >= 15x naive", "14.0x", False)]


def test_speed_is_judged_only_at_the_size_the_target_is_set_for(
    peer: ModuleType,
) -> None:
    run = peer.Run
    by_size = {
        20: {
            "sheetflow collect": run(2.0, 90.0, 60.0, True),
            "datamaps import templates -m": run(8.0, 500.0, 480.0, True),
        }
    }
    assert peer.targets(by_size) == []
