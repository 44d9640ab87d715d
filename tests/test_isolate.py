"""The worker pool: results in order, a dying or hanging task costs only itself,
workers that cannot start are reported, not retried forever."""

from __future__ import annotations

import os
import time

import pytest

from sheetflow.isolate import Limits, WorkerStartError, run_isolated


def _task(_state: object, item: int) -> int:
    if item == 3:
        os._exit(3)  # a reader that aborts the process
    if item == 5:
        time.sleep(30)  # a reader that runs away
    return item * 2


def test_results_in_order_and_a_bad_item_costs_only_itself() -> None:
    outcomes = run_isolated(list(range(7)), _task, workers=2, limits=Limits(seconds=2))
    assert [o.value for o in outcomes if o.ok] == [0, 2, 4, 8, 12]
    assert (outcomes[3].ok, outcomes[3].reason) == (False, "exit 3")
    assert (outcomes[5].ok, outcomes[5].reason) == (False, "timeout")


def _broken_init() -> None:
    raise RuntimeError("cannot start")


def test_workers_that_cannot_start_are_reported() -> None:
    with pytest.raises(WorkerStartError):
        run_isolated([1, 2], _task, _broken_init, workers=1, limits=Limits(seconds=5))
