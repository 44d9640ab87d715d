"""Workbook texts (labels, prompts, guides) from ``workbook_templates/<lang>.toml``.

The files ship with the package; a copy in the workspace's own
``workbook_templates/`` folder takes precedence, so finance can reword a
prompt without touching the installation.
"""

from __future__ import annotations

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


def load_texts(lang: str = "da", workspace: Path | None = None) -> dict[str, dict[str, Any]]:
    """The texts of one language, as sections of key → text.

    A workspace's own copy overrides the shipped texts key by key, so a copy made
    for an older version still gets the keys added since.
    """
    if lang not in LANGUAGES:
        raise UsageError(f"Ukendt sprog '{lang}'; brug et af: {', '.join(LANGUAGES)}.")
    found = [f / f"{lang}.toml" for f in template_dirs(workspace) if (f / f"{lang}.toml").is_file()]
    if not found:
        raise UsageError(f"Teksterne for '{lang}' findes ikke (workbook_templates/{lang}.toml).")
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
        raise UsageError(
            f"{path} er ikke gemt som UTF-8. Gem den igen med kodningen UTF-8."
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} kan ikke læses: {exc}.") from None
