"""One language at a time: every verb under --lang en prints no Danish word, and under
--lang da no English one (names and texts from the register excepted), on a
workspace of the sample and on failure paths."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import click
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
    with ws.findings_csv(3).open(encoding="utf-8-sig") as fh:
        messages = " ".join(r["message"] for r in csv.DictReader(fh))
    assert words(without(messages, texts), foreign) == []
    wb = openpyxl.load_workbook(ws.master_path(3))
    own = (
        " ".join(wb.sheetnames)
        + " "
        + " ".join(str(c.value) for c in wb.worksheets[0]["A"] if c.value)
    )
    assert words(own, foreign) == []


# ----------------------------------------------------------- help and usage errors


def _commands() -> list[list[str]]:
    return [[], *([name] for name in sorted(main.commands))]


@pytest.mark.parametrize(("lang", "foreign"), [("en", DANISH), ("da", ENGLISH)])
def test_help_speaks_one_language(lang: str, foreign: list[str]) -> None:
    """Every help page, and click's own words on it, in the chosen language."""
    leaks = {}
    for command in _commands():
        code, out = run(*command, "--help", "--lang", lang)
        assert code == 0, (command, out)
        prose = " ".join(t for t in out.split() if "/" not in t)  # paths are names
        found = words(prose, foreign)
        if found:
            leaks[" ".join(command) or "sheetflow"] = (found, out)
    assert leaks == {}
    heading = "Usage:" if lang == "en" else "Brug:"
    assert run("--lang", lang, "--help")[1].startswith(heading)


def test_help_is_danish_by_default_and_english_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHEETFLOW_LANG", raising=False)
    assert "Tilvalg:" in run("issue", "--help")[1]
    assert "Skriv én projektmappe pr. center" in run("issue", "--help")[1]
    monkeypatch.setenv("SHEETFLOW_LANG", "en")
    out = run("issue", "--help")[1]
    assert "Options:" in out and "Write one workbook per center" in out


@pytest.mark.parametrize(
    ("args", "da", "en"),
    [
        (["issue", "--bogus"], "Fejl: Tilvalget '--bogus' findes ikke.", "Error: No such option"),
        (["statu"], "Fejl: Kommandoen 'statu' findes ikke. Mente du 'status'?", "No such command"),
        (
            ["issue", "--round"],
            "Fejl: Tilvalget '--round' kræver en værdi.",
            "requires an argument",
        ),
    ],
)
def test_click_usage_errors_in_the_chosen_language(args: list[str], da: str, en: str) -> None:
    code, out = run(*args)
    assert code == 2 and da in out, out
    code, out = run("--lang", "en", *args)
    assert code == 2 and en in out, out


def test_a_bad_language_is_refused_in_the_run_language() -> None:
    code, out = run("status", "--lang", "de")
    assert code == 2 and "Ugyldig værdi for '--lang': 'de' er ikke en af 'da', 'en'." in out, out


# ------------------------------------------------------ the workspace's own language


def test_init_lang_makes_the_workspace_speak_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`init --lang en` records English in sheetflow.toml: every later verb on that
    workspace speaks it without --lang; SHEETFLOW_LANG and --lang still choose."""
    monkeypatch.delenv("SHEETFLOW_LANG", raising=False)
    ws = tmp_path / "engelsk område"
    code, out = run("init", ws, "--example", "starter", "--lang", "en")
    assert code == 0 and out.startswith("Register written:"), out
    assert (ws / "sheetflow.toml").read_text(encoding="utf-8").count('lang = "en"') == 1
    code, out = run("issue", ws, "--round", 1)
    assert code == 0 and ": 3 workbooks issued" in out, out
    code, out = run("status", ws, "--round", 1)
    assert "Flags:" in out and "Markeringer" not in out, out
    assert "Usage:" in run("status", ws, "--help")[1]
    monkeypatch.setenv("SHEETFLOW_LANG", "da")
    assert "Markeringer:" in run("status", ws, "--round", 1)[1]
    monkeypatch.delenv("SHEETFLOW_LANG")
    assert "Markeringer:" in run("status", ws, "--round", 1, "--lang", "da")[1]
    # Collect writes the committee's master in the run's language, and says so when
    # that is not the workspace's own.
    code, out = run("collect", ws, "--round", 1, "--lang", "da")
    assert out.splitlines()[-1] == (
        "Den samlede projektmappe er skrevet på dansk (--lang da). Arbejdsområdets sprog "
        "er engelsk; en collect uden --lang skriver den på engelsk igen."
    ), out
    code, out = run("collect", ws, "--round", 1)
    assert out.splitlines()[-1].startswith("Master workbook: "), out
    # A workspace made without --lang has no setting: Danish.
    other = tmp_path / "dansk"
    assert run("init", other, "--example", "starter")[1].startswith("Register skrevet:")
    assert not (other / "sheetflow.toml").exists()


# --------------------------------------------------------------- the catalogues


def _catalogue(lang: str) -> dict[str, dict[str, object]]:
    import tomllib

    root = Path(__file__).resolve().parents[1] / "workbook_templates"
    return tomllib.loads((root / f"{lang}.toml").read_text(encoding="utf-8"))


def test_catalogues_hold_the_same_keys_and_fields() -> None:
    """Both languages say everything, with the same {fields}: a text missing in one
    language is a KeyError at the edge, a field missing is a wrong sentence."""
    da, en = _catalogue("da"), _catalogue("en")
    translated_only = {"help", "click"}  # English is the source text in the code
    assert set(da) - translated_only == set(en)
    for section in en:
        assert set(da[section]) == set(en[section]), section
        for key, value in en[section].items():
            fields = set(re.findall(r"\{(\w+)\}", str(value)))
            assert fields == set(re.findall(r"\{(\w+)\}", str(da[section][key]))), (section, key)


def test_every_finding_code_has_a_message_in_both_languages() -> None:
    from sheetflow.findings import CATALOGUE

    for lang in ("da", "en"):
        cat = _catalogue(lang)
        assert set(cat["findings"]) == set(CATALOGUE), lang
        assert set(cat["todo"]) <= set(CATALOGUE), lang
        assert set(cat["finding-hints"]) - {"suggestion"} <= set(CATALOGUE), lang


def test_every_command_and_option_has_danish_help() -> None:
    helps = _catalogue("da")["help"]
    missing = []
    for name, command in main.commands.items():
        if name not in helps:
            missing.append(name)
        for param in command.params:
            if not (isinstance(param, click.Option) and param.help and param.name):
                continue
            keys = [f"{name}.{param.opts[0]}", f"{name}.{param.name}", f"*.{param.name}"]
            if not any(k in helps for k in keys):
                missing.append(f"{name}.{param.name}")
    assert missing == []
    known = {"sheetflow", *main.commands}
    keys = {k.split(".")[0] for k in helps}
    assert keys <= known | {"*"}


def test_plurals_come_from_babel_per_language() -> None:
    from sheetflow.texts import text

    assert text("da", "cli", "issued", round="R", count=1) == "R: 1 projektmappe udsendt"
    assert text("da", "cli", "issued", round="R", count=2) == "R: 2 projektmapper udsendt"
    assert text("en", "cli", "issued", round="R", count=1) == "R: 1 workbook issued"
    assert text("en", "cli", "issued", round="R", count=0) == "R: 0 workbooks issued"
    assert text("da", "cli", "n-sections", count=3) == "3 afsnit"


def test_an_unknown_language_in_the_environment_is_named_as_such(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHEETFLOW_LANG", "fr")
    code, out = run("status", tmp_path)
    assert code == 2
    assert "SHEETFLOW_LANG=fr er ikke et sprog, sheetflow kan; brug da eller en." in out
    assert "--lang" not in out.split("Fejl:")[-1]
    code, out = run("status", tmp_path, "--lang", "en")  # --lang wins over the variable
    assert code == 2 and "There is no register" in out


@pytest.mark.parametrize(("lang", "start"), [("en", "'måske' is not"), ("da", "'måske' er ikke")])
def test_export_writes_the_findings_in_the_runs_language(
    issued_ws: Workspace, tmp_path: Path, lang: str, start: str
) -> None:
    """The findings table of an export is text for people: in the run's language, like
    findings.csv, whatever language the file was collected in."""
    ws = issued_ws
    _, layout = issued_for(ws, CENTER)
    fill(ws, CENTER, {inputs_of(layout)[0]: "måske"}, ws.inbox_dir(3) / "oes.xlsx")
    assert run("collect", ws.root, "--round", 3, "--lang", "da")[0] == 1
    code, out = run("export", ws.root, "--to", tmp_path / "ud.csv", "--lang", lang)
    assert code == 0, out
    with (tmp_path / "ud_findings.csv").open(encoding="utf-8-sig") as fh:
        messages = [r["message"] for r in csv.DictReader(fh) if r["code"] == "invalid-smiley"]
    assert len(messages) == 1 and messages[0].startswith(start), messages


def test_a_findings_todo_renders_a_detail_as_its_message_does() -> None:
    """A value that is itself text (a Detail) reads the same in the message and in what
    the center is told to do, never as Python's repr of it."""
    from sheetflow.findings import Finding, Severity, detail, todo

    f = Finding(
        "answer-out-of-range", Severity.ERROR, expected=detail("sheet-size", rows=3, cols=4)
    )
    assert todo(f, "en") == "Write a value in 3 rows × 4 columns."
    assert f.render("en").endswith("3 rows × 4 columns.")
