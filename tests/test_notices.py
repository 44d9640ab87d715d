"""Notices keep ten of each kind and count the rest (notices.py), so a register with
tens of thousands of warnings is not held whole through a verb to print ten."""

from __future__ import annotations

from sheetflow.findings import make_finding
from sheetflow.notices import KEPT_OF_A_KIND, collect_notices, notify


def _dup(row: int, number: str):
    return make_finding(
        "register-duplicate-number", file="register.xlsx", sheet="Delelementer",
        cell=f"C{row}", value=number, expected="C2",
    )  # fmt: skip


def test_ten_of_a_kind_are_kept_and_the_rest_counted_once() -> None:
    first = [_dup(row, "7.07") for row in range(3, 40)]  # 37 uses of 7.07
    second = [_dup(row, "8.08") for row in range(40, 43)]  # then 3 of 8.08
    info = make_finding("register-key-assigned", file="register.xlsx", cell="A2", value="x")
    with collect_notices() as notices:
        notify([*first, info, *second])
        notify(first[:20])  # the register read again: nothing new
    assert [f.cell for f in notices] == [f"C{row}" for row in range(3, 13)] + ["A2"]
    assert KEPT_OF_A_KIND == 10
    more = notices.more["register-duplicate-number"]
    assert more.count == 27 + 3
    assert more.values == ["8.08"]  # 7.07 is named by the kept ten
    assert "register-key-assigned" not in notices.more


def test_outside_a_collection_notices_are_dropped() -> None:
    notify([_dup(3, "7.07")])  # no error, nothing kept anywhere
    with collect_notices() as notices:
        pass
    assert list(notices) == [] and notices.more == {}
