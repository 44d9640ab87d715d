"""The smiley scale: green / yellow / red, read forgivingly, stored strictly.

Centers type, paste or pick smileys in Excel and LibreOffice, so a returned
value may be an emoji with a variation selector, a Danish or English word, or
carry invisible spaces. ``parse_smiley`` maps every accepted spelling to one
``Smiley`` and refuses anything else: an unknown value is a finding, never a
guess.
"""

from __future__ import annotations

import enum
import unicodedata


class Smiley(enum.StrEnum):
    """A rating colour; the value is what ratings.csv and the register store."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def symbol(self) -> str:
        """The character written into workbooks."""
        return SYMBOLS[self]


SYMBOLS: dict[Smiley, str] = {Smiley.GREEN: "☺", Smiley.YELLOW: "😐", Smiley.RED: "☹"}

_SPELLINGS: dict[str, Smiley] = {
    "☺": Smiley.GREEN,
    "😊": Smiley.GREEN,
    "🙂": Smiley.GREEN,
    "😀": Smiley.GREEN,
    "grøn": Smiley.GREEN,
    "groen": Smiley.GREEN,
    "green": Smiley.GREEN,
    "😐": Smiley.YELLOW,
    "gul": Smiley.YELLOW,
    "yellow": Smiley.YELLOW,
    "☹": Smiley.RED,
    "🙁": Smiley.RED,
    "😞": Smiley.RED,
    "rød": Smiley.RED,
    "roed": Smiley.RED,
    "red": Smiley.RED,
}

# Characters that carry no meaning in a smiley cell: variation selectors,
# zero-width characters, BOM, and every kind of space.
_INVISIBLE = {
    "\ufe0e",
    "\ufe0f",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
}


def clean_text(value: str) -> str:
    """NFC-normalise and drop invisible characters and all white space."""
    text = unicodedata.normalize("NFC", value)
    return "".join(
        ch for ch in text if ch not in _INVISIBLE and not ch.isspace() and ch.isprintable()
    )


class UnknownSmiley(ValueError):
    """Raised by ``parse_smiley`` for a value that is not a known spelling."""


def parse_smiley(value: object) -> Smiley | None:
    """Read a returned cell value; ``None`` for an empty cell.

    Raises ``UnknownSmiley`` for anything that is not an accepted spelling, so
    callers turn it into a finding with the cell and the value seen.
    """
    if value is None:
        return None
    if isinstance(value, Smiley):
        return value
    if not isinstance(value, str):
        raise UnknownSmiley(repr(value))
    exact = _SPELLINGS.get(value)  # the common case: a symbol from the dropdown
    if exact is not None:
        return exact
    key = clean_text(value).casefold()
    if not key:
        return None
    found = _SPELLINGS.get(key) or _symbol_and_word(key)
    if found is None:
        raise UnknownSmiley(value)
    return found


def _symbol_and_word(key: str) -> Smiley | None:
    """A symbol with its own colour's word, either way round ("☺ grøn", as the guide
    sheet shows them); a symbol with another colour's word is no smiley."""
    for spelling, smiley in _SPELLINGS.items():
        if spelling.isalpha():
            continue
        if key.startswith(spelling):
            rest = key[len(spelling) :]
        elif key.endswith(spelling):
            rest = key[: -len(spelling)]
        else:
            continue
        if rest.isalpha():
            return smiley if _SPELLINGS.get(rest) is smiley else None
    return None


def symbol(smiley: Smiley | None) -> str:
    """The workbook character for a smiley, empty for none."""
    return smiley.symbol if smiley else ""


# Letters from other scripts that look like Latin ones (a small confusables
# table: Cyrillic and Greek capitals and small letters seen in spoofing).
_LOOKALIKES = str.maketrans(
    "АВЕКМНОРСТХаеорсухіјѕԁԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧαοριν",
    "ABEKMHOPCTXaeopcyxijsdqwABEZHIKMNOPTYXaopiv",
)
CONTROL_CHARS = {chr(c) for c in range(32) if chr(c) not in "\n\t"} | {"\x7f"}


def skeleton(text: str) -> str:
    """Text with look-alike letters mapped to Latin, for telling a spoof from a typo."""
    return clean_text(text).translate(_LOOKALIKES).casefold()


_CONTROL_TABLE = dict.fromkeys(map(ord, CONTROL_CHARS))


def strip_control(text: str) -> str:
    """Text without control characters (line breaks and tabs kept)."""
    return text.translate(_CONTROL_TABLE)
