"""Workbook texts (labels, prompts, guides) from ``workbook_templates/<lang>.toml``.

The files ship with the package; a copy in the workspace's own
``workbook_templates/`` folder takes precedence, so finance can reword a
prompt without touching the installation.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

from sheetflow.errors import UsageError

LANGUAGES = ("da", "en")


def template_dirs(workspace: Path | None = None) -> list[Path]:
    """Where texts are looked up, first match wins."""
    here = Path(__file__).resolve().parent
    dirs = [here / "workbook_templates", here.parents[1] / "workbook_templates"]
    if workspace is not None:
        dirs.insert(0, Path(workspace) / "workbook_templates")
    return dirs


@functools.cache
def shipped_texts(lang: str) -> dict[str, dict[str, Any]]:
    """The texts that ship with sheetflow (no workspace copy): the errors' catalogue.

    Reads the files itself and never raises: an error's text must not depend on
    an error's text."""
    texts: dict[str, dict[str, Any]] = {}
    for folder in reversed(template_dirs(None)):
        try:
            data = tomllib.loads((folder / f"{lang}.toml").read_bytes().decode("utf-8-sig"))
        except (OSError, ValueError):
            continue
        for section, values in data.items():
            texts.setdefault(section, {}).update(values)
    return texts


def load_texts(lang: str = "da", workspace: Path | None = None) -> dict[str, dict[str, Any]]:
    """The texts of one language, as sections of key → text.

    A workspace's own copy overrides the shipped texts key by key, so a copy made
    for an older version still gets the keys added since.
    """
    if lang not in LANGUAGES:
        raise UsageError("unknown-language", lang=lang, names=", ".join(LANGUAGES))
    found = [f / f"{lang}.toml" for f in template_dirs(workspace) if (f / f"{lang}.toml").is_file()]
    if not found:
        raise UsageError("texts-missing", lang=lang)
    texts: dict[str, dict[str, Any]] = {}
    for candidate in reversed(found):
        for section, values in read_texts(candidate).items():
            texts.setdefault(section, {}).update(values)
    return texts


def read_texts(path: Path) -> dict[str, dict[str, Any]]:
    """One texts file, as Windows editors save it too: CRLF line ends (TOML allows
    them) and Notepad's UTF-8 byte-order mark; a file that is not UTF-8 or not
    TOML is a sentence naming the file, not a traceback."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError("texts-not-utf8", path=path) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError("texts-unreadable", path=path, error=exc) from None
