"""The command line's language: which one, and click speaking it.

The language of a run is, first to last: ``--lang``, ``SHEETFLOW_LANG``, the
workspace's own language (``sheetflow.toml``, written by ``init --lang``),
Danish (docs/cli.md#language). Help pages and click's own usage errors are
rendered before any verb runs, so :func:`language_of_argv` reads the same
order from the raw arguments; :func:`speak` then gives the command tree and
click that language: help from the ``[help]`` catalogue, click's words from
``[click]`` (English is the source text in the code, as gettext has it).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from sheetflow.texts import LANGUAGES, shipped_texts, text
from sheetflow.workspace import workspace_language

ENV = "SHEETFLOW_LANG"
_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types")

# The language of the run before a verb has parsed its options (help, usage errors).
RUN = {"lang": "da"}


def _remember_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    """The verb's language: --lang or SHEETFLOW_LANG, else the workspace's own
    (sheetflow.toml), else Danish; kept where error and finding printers find it."""
    if value is None and isinstance(ctx.command, click.Group):
        return RUN["lang"]  # the verb decides, from its own --lang, the variable, its workspace
    if value is None and "sheetflow.lang" in ctx.meta:  # sheetflow --lang en VERB
        value = str(ctx.meta["sheetflow.lang"])
    if value is None and os.environ.get(ENV):
        value = os.environ[ENV]
        if value not in LANGUAGES:  # said of the variable the user set, not of --lang
            raise click.UsageError(say("bad-env-lang", name=ENV, value=value), ctx)
    if value is None:
        root = ctx.params.get("workspace")
        value = workspace_language(Path(root)) if root is not None else RUN["lang"]
    ctx.meta["sheetflow.lang"] = value
    return value


def current_language() -> str:
    """The language the running verb speaks (the run's language outside a verb)."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get("sheetflow.lang", RUN["lang"]) if ctx is not None else RUN["lang"]


# Declared after WORKSPACE in every verb: the workspace is known when it runs.
LANG = click.option(
    "--lang",
    type=click.Choice(["da", "en"]),
    default=None,
    callback=_remember_lang,
    help="Language of messages and of the workbooks written: da or en "
    "(else SHEETFLOW_LANG, else the workspace's language from sheetflow.toml, else da).",
)


def say(key: str, **args: object) -> str:
    """A message of the command line in the verb's language (``[cli]`` in the catalogue)."""
    return text(current_language(), "cli", key, None, **args)


def language_of_argv(argv: Sequence[str]) -> str:
    """The run's language from the raw arguments: --lang, the environment, a
    workspace named among the arguments, Danish."""
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args) and args[i + 1] in LANGUAGES:
            return args[i + 1]
        if arg.startswith("--lang=") and arg[7:] in LANGUAGES:
            return arg[7:]
    env = os.environ.get(ENV, "")
    if env in LANGUAGES:
        return env
    for arg in args:
        if not arg.startswith("-") and (Path(arg) / "sheetflow.toml").is_file():
            return workspace_language(Path(arg))
    return "da"


def speak(group: click.Group, lang: str) -> None:
    """Give every command's help and click's own words the language ``lang``."""
    helps = shipped_texts(lang).get("help", {}) if lang != "en" else {}
    words = {str(k): str(v) for k, v in shipped_texts(lang).get("click", {}).items()}
    if lang == "en":
        words = {}
    _translate(group, "sheetflow", helps)
    group.subcommand_metavar = words.get("COMMAND [ARGS]...", "COMMAND [ARGS]...")
    for name, command in [("sheetflow", group), *group.commands.items()]:
        command.options_metavar = words.get("[OPTIONS]", "[OPTIONS]")
        if command is not group:
            _translate(command, name, helps)
        for param in command.params:
            if isinstance(param, click.Option) and param.name:
                english = _original(param, "help", param.help)
                keys = [f"{name}.{param.opts[0]}", f"{name}.{param.name}", f"*.{param.name}"]
                given = next((helps[k] for k in keys if k in helps), None)
                if english in words:  # click's own options (--version)
                    given = words[english]
                param.help = str(given) if given and english else english
    _install(words)


def _translate(command: click.Command, key: str, helps: dict[str, Any]) -> None:
    """The command's help in the catalogue's words (its short help in the command list
    is made from it, as no command sets one of its own)."""
    english = _original(command, "help", command.help)
    command.help = str(helps.get(key, english)) if english else english


def _original(obj: Any, attr: str, current: str | None) -> str | None:
    """The English text, kept the first time the object is translated."""
    store = f"_sheetflow_en_{attr}"
    if not hasattr(obj, store):
        setattr(obj, store, current)
    return getattr(obj, store)


def _install(words: dict[str, str]) -> None:
    """click's modules look up ``_`` and ``ngettext`` at call time: point them here."""
    import importlib

    def gettext(message: str) -> str:
        return words.get(message, message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return gettext(singular if n == 1 else plural)

    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
