"""One language at a time: every verb under --lang en prints no Danish word, and under
--lang da no English one (names and texts from the register excepted), on a
workspace of the sample and on failure paths."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from helpers import fill, inputs_of, issued_for
from sheetflow.cli import main
from sheetflow.workspace import Workspace

DANISH = [
    "godkendt", "afvist", "projektmappe", "markeringer", "påmindelse", "delelementer",
    "mangler", "indsendt", "fejl", "udsendt", "findes ikke", "januar", "februar", "marts",
    "maj", "juni", "juli", "oktober", "følgebrev", "sprunget over", "skrevet",
]  # fmt: skip
ENGLISH = [
    "accepted", "rejected", "workbook", "flags", "reminder", "initiatives", "missing",
    "error", "issued", "does not exist", "january", "march", "october", "written", "skipped",
]  # fmt: skip
CENTER = "Økonomi og Styring"


def register_texts(ws: Workspace) -> list[str]:
    """What the register itself says (titles, milestones, economy, names): allowed in
    any language, as printed whole or cut short."""
    from sheetflow.register.workbook import read_register

    register, _ = read_register(ws.register_path)
    texts = [r.name for r in register.rounds] + [c.name for c in register.centers]
    for ini in register.initiatives:
        texts += [ini.label, ini.title, ini.economy, ini.description]
        texts += [" ".join(m.text.split()) for m in ini.milestones]
    return sorted({t for t in texts if t}, key=len, reverse=True)


def without(text: str, texts: list[str]) -> str:
    """``text`` with every register text (or its first 40 characters and more) removed."""
    for t in texts:
        text = text.replace(t, " ")
        if len(t) > 40:
            text = re.sub(re.escape(t[:40]) + r"[^\n']*", " ", text)
    return text


def words(text: str, vocabulary: list[str]) -> list[str]:
    low = text.lower()
    return [w for w in vocabulary if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", low)]


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def _steps(ws: Workspace, tmp: Path) -> list[list[object]]:
    """Every verb, on success and failure paths; ``{lang}`` is filled in."""
    empty = tmp / "tom"
    return [
        ["init", ws.root],
        ["init", ws.root, "--force"],  # refused: rounds were issued
        ["issue", ws.root, "--round", 3],  # refused: already issued
        ["issue", ws.root, "--round", 9],  # unknown round
        ["collect", ws.root, "--round", 3],
        ["collect", ws.root, "--round", 3],  # again: history
        ["collect", ws.root, "--round", 4],  # not issued
        ["validate", ws.inbox_dir(3) / "oes.xlsx", ws.root],
        ["status", ws.root, "--round", 3],
        ["status", ws.root, "--round", 3, "--history"],
        ["status", empty],
        ["review", ws.root, CENTER, "--round", 3, "--accept"],
        ["remind", ws.root, "--round", 3],
        ["remind", ws.root, "--round", 3, "--smtp", "nohost"],
        ["close", ws.root, "--round", 3],
        ["send", ws.root, "--round", 3, "--smtp", "127.0.0.1:1"],
        ["export", ws.root, "--to", tmp / "ud"],
        ["export", ws.root, "--to", ws.root / "register.xlsx"],
    ]


@pytest.mark.parametrize(("lang", "foreign"), [("en", DANISH), ("da", ENGLISH)])
def test_every_verb_speaks_one_language(
    issued_ws: Workspace, tmp_path: Path, lang: str, foreign: list[str]
) -> None:
    ws = issued_ws
    _, layout = issued_for(ws, CENTER)
    fill(ws, CENTER, {inputs_of(layout)[0]: "måske"}, ws.inbox_dir(3) / "oes.xlsx")
    (tmp_path / "tom").mkdir()
    leaks = {}
    texts = register_texts(ws)
    for step in _steps(ws, tmp_path):
        code, out = run(*step, "--lang", lang)
        assert code in (0, 1, 2), (step, out)
        found = words(without(" ".join(out.split()), texts), foreign)
        if found:
            leaks[" ".join(map(str, step[:1] + step[2:]))] = (found, out)
    assert leaks == {}
    # The outputs of the last collect in this language.
    with ws.findings_csv(3).open(encoding="utf-8") as fh:
        messages = " ".join(r["message"] for r in csv.DictReader(fh))
    assert words(without(messages, texts), foreign) == []
    wb = openpyxl.load_workbook(ws.master_path(3))
    own = (
        " ".join(wb.sheetnames)
        + " "
        + " ".join(str(c.value) for c in wb.worksheets[0]["A"] if c.value)
    )
    assert words(own, foreign) == []
