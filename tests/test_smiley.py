"""The smiley scale: forgiving reading, strict storing (docs/domain.md#ratings-and-the-smiley-scale)."""

from __future__ import annotations

import pytest

from sheetflow.smiley import SYMBOLS, Smiley, UnknownSmiley, parse_smiley


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("☺", Smiley.GREEN),
        ("😊", Smiley.GREEN),
        ("🙂", Smiley.GREEN),
        ("grøn", Smiley.GREEN),
        ("Grøn", Smiley.GREEN),
        ("GREEN", Smiley.GREEN),
        ("☺\ufe0f", Smiley.GREEN),  # emoji variation selector
        ("\u200b☺\u00a0", Smiley.GREEN),  # zero-width and non-breaking spaces
        ("😐", Smiley.YELLOW),
        (" gul ", Smiley.YELLOW),
        ("Yellow", Smiley.YELLOW),
        ("☹", Smiley.RED),
        ("☹️", Smiley.RED),
        ("🙁", Smiley.RED),
        ("rød", Smiley.RED),
        ("Rød", Smiley.RED),
        # A symbol with its colour's word, as the guide sheet lists them.
        ("☺  Grøn", Smiley.GREEN),
        ("☺ grøn", Smiley.GREEN),
        ("gul 😐", Smiley.YELLOW),
        ("☹rød", Smiley.RED),
        ("🙂 green", Smiley.GREEN),
    ],
)
def test_every_spelling_maps_to_one_smiley(text: str, expected: Smiley) -> None:
    assert parse_smiley(text) is expected


@pytest.mark.parametrize("empty", [None, "", "   ", "\u200b", "\ufe0f"])
def test_empty_cells_are_no_rating(empty: str | None) -> None:
    assert parse_smiley(empty) is None


@pytest.mark.parametrize(
    "value", ["ok", "😃", "grønt", "x", "☺☺", 1.0, "gr0n", "☺ rød", "rød ☺", "☺ ok", "☺ grønt"]
)
def test_unknown_values_are_refused_never_guessed(value: object) -> None:
    with pytest.raises(UnknownSmiley):
        parse_smiley(value)


def test_symbols_round_trip() -> None:
    for smiley, sym in SYMBOLS.items():
        assert parse_smiley(sym) is smiley
        assert smiley.symbol == sym
