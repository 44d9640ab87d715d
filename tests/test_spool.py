"""The spool gives back each value put aside, by its place, in any order."""

from __future__ import annotations

import datetime as dt

from sheetflow.ledger import NewIssued
from sheetflow.spool import Spool


def _entry(center: str, layout: str) -> NewIssued:
    return NewIssued(
        template_id=f"t-{center}",
        round=3,
        center=center,
        file=f"rounds/3/issued/{center}.xlsx",
        sha256="0" * 64,
        fingerprint="f",
        register_fingerprint="r",
        layout=layout,
        checks="[]",
        lang="da",
        asked=("K-M1", "K-E"),
    )


def test_values_come_back_equal_by_place_and_in_order() -> None:
    values = [
        (_entry("Center Øst", "{}"), b"\x00\xff" * 1000),
        {"dato": dt.date(2017, 10, 27), "smiley": "☹"},
        (_entry("Center Syd", "x" * 100_000), b""),
    ]
    with Spool() as spool:
        places = [spool.put(v) for v in values]
        assert places[0] == 0 and places == sorted(places)
        assert spool.get(places[1]) == values[1]
        assert list(spool.each(reversed(places))) == values[::-1]
        assert spool.put("later") > places[-1]  # reading does not move where the next goes
        assert list(spool.each(places)) == values
