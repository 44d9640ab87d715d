"""Every text sheetflow shows, from one catalogue per language:
``workbook_templates/<lang>.toml``.

The workbooks' labels and guides, the findings, the errors, the command line's
messages and help, and click's own words all live there; code carries keys and
arguments and renders them at the edge (:func:`text`). An entry that depends on
a number is a table of CLDR plural forms (``{ one = "…", other = "…" }``),
chosen by Babel for the language. The files ship with the package; a copy in
the workspace's own ``workbook_templates/`` folder takes precedence for the
workbooks' texts, so finance can reword a prompt without touching the
installation.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

from sheetflow.errors import UsageError

LANGUAGES = ("da", "en")
# Babel's locale for each language (English dates and plurals the British way).
LOCALES = {"da": "da_DK", "en": "en_GB"}


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


def plural_form(lang: str, count: int) -> str:
    """The CLDR plural category of ``count`` in ``lang`` ("one", "other", ...)."""
    from babel import Locale

    return str(Locale.parse(LOCALES.get(lang, "da_DK")).plural_form(abs(count)))


def _pick(entry: object, lang: str, count: object = None) -> str:
    """An entry's text: a plain text, or the plural form that fits ``count``."""
    if isinstance(entry, dict):
        form = plural_form(lang, int(str(count))) if count is not None else "other"
        return str(entry.get(form, entry["other"]))
    return str(entry)


def text(lang: str, section: str, key: str, default: str | None = None, **args: object) -> str:
    """One text of the shipped catalogue of ``lang``, filled in with ``args``.

    A plural entry is chosen by ``args["count"]``. A key missing from the
    catalogue is a bug (``KeyError``) unless a ``default`` is given."""
    entry = shipped_texts(lang).get(section, {}).get(key)
    if entry is None:
        if default is not None:
            return default
        raise KeyError(f"[{section}] {key} is missing from the {lang} catalogue")
    template = _pick(entry, lang, args.get("count"))
    return template.format(**args) if args else template
