"""Console text that survives any stream: a Windows console, a cp1252 pipe, a file.

Output keeps the stream's own encoding (UTF-8 where it allows it, which is
what Python uses for a Windows console), so a redirected file opens in the
encoding the reader's system expects. Where that encoding cannot hold a
character, an error handler writes a readable word instead of crashing:
☺ → "(grøn)", 😐 → "(gul)", ☹ → "(rød)" (English with ``--lang en``),
æ/ø/å → ae/oe/aa where even they are missing (ASCII), invisible characters
→ nothing, anything else → "?".
"""

from __future__ import annotations

import codecs
import contextlib
import io
import sys
import unicodedata

ERRORS = "sheetflow-readable"
SAMPLE = "☺😐☹æøåÆØÅ"

# The word for each smiley, a key of the ``[cli]`` catalogue: "(grøn)", "(green)".
SMILEY_WORDS = {"☺": "smiley-green", "😐": "smiley-yellow", "☹": "smiley-red"}
_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def _language() -> str:
    """The running command's language (Danish outside one)."""
    from sheetflow.clilang import current_language

    return current_language()


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def readable(ch: str, encoding: str, lang: str = "da") -> str:
    """What to write for ``ch`` where ``encoding`` cannot hold it."""
    if ch in SMILEY_WORDS:
        from sheetflow.texts import text

        word = text(lang, "cli", SMILEY_WORDS[ch])
    elif unicodedata.category(ch) in ("Mn", "Cf"):  # variation selectors, zero-width
        return ""
    else:
        word = ch.translate(_ASCII) if ch in "æøåÆØÅ" else "?"
    return word if _encodable(word, encoding) else word.translate(_ASCII)


def _handler(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    lang = _language()
    text = exc.object[exc.start : exc.end]
    return "".join(readable(ch, exc.encoding, lang) for ch in text), exc.end


codecs.register_error(ERRORS, _handler)


def setup() -> None:
    """Make stdout and stderr write a readable fallback where their encoding falls short.

    Called once when the command line starts; streams that can encode every
    character sheetflow prints are left exactly as they are.
    """
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name, None)
        encoding = getattr(stream, "encoding", None)
        if stream is None or not isinstance(encoding, str) or _encodable(SAMPLE, encoding):
            continue
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, io.UnsupportedOperation):
                reconfigure(errors=ERRORS)
