"""Text that survives any console: a cp1252 pipe or file never crashes on
☺ 😐 ☹ æ ø å, and reads back as words where the encoding has no smileys."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from sheetflow import console

WORDS_DA = {"☺": "(grøn)", "😐": "(gul)", "☹": "(rød)"}


def _demo(ws: Path, out: Path, encoding: str) -> int:
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    with out.open("wb") as fh:
        return subprocess.run(
            [sys.executable, "-m", "sheetflow", "demo", str(ws)],
            stdout=fh,
            stderr=subprocess.PIPE,
            env=env,
            timeout=300,
        ).returncode


def test_demo_into_a_cp1252_file_exits_0_and_reads_correctly(tmp_path: Path) -> None:
    """``sheetflow demo > out.txt`` where the stream is cp1252 (a Windows pipe or file)."""
    base = tmp_path / "Økonomi 2026"
    assert _demo(base / "utf8 ws", tmp_path / "utf8.txt", "utf-8") == 0
    assert _demo(base / "runde å", tmp_path / "out.txt", "cp1252") == 0
    utf8 = (tmp_path / "utf8.txt").read_text(encoding="utf-8")
    expected = utf8.replace(str(base / "utf8 ws"), str(base / "runde å"))
    for smiley, word in WORDS_DA.items():
        expected = expected.replace(smiley, word)
    assert "☹" in utf8 and "ø" in utf8  # the demo prints both
    assert (tmp_path / "out.txt").read_text(encoding="cp1252") == expected


def _written(encoding: str, text: str) -> str:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding=encoding)
    stream.reconfigure(errors=console.ERRORS)
    stream.write(text)
    stream.flush()
    return raw.getvalue().decode(encoding)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("cp1252", "(grøn) (gul) (rød) æøå ?"),
        ("ascii", "(groen) (gul) (roed) aeoeaa ?"),
        ("utf-8", "☺️ 😐 ☹ æøå ∑"),
    ],
)
def test_readable_fallback_per_encoding(encoding: str, expected: str) -> None:
    assert _written(encoding, "☺\ufe0f 😐 ☹ æøå ∑") == expected


def test_fallback_follows_the_command_language() -> None:
    from sheetflow.clilang import LANG

    @click.command()
    @LANG
    def command(lang: str) -> None:
        pass

    with command.make_context("x", ["--lang", "en"]):
        assert _written("cp1252", "☺ 😐 ☹") == "(green) (yellow) (red)"
    with command.make_context("x", ["--lang", "da"]):
        assert _written("cp1252", "☺ 😐 ☹") == "(grøn) (gul) (rød)"


def test_setup_touches_only_streams_that_cannot_encode(monkeypatch: pytest.MonkeyPatch) -> None:
    narrow = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")
    wide = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", narrow)
    monkeypatch.setattr(sys, "stderr", wide)
    console.setup()
    assert (narrow.errors, wide.errors) == (console.ERRORS, "strict")
