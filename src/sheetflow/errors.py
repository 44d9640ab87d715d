"""Exceptions, for "cannot proceed" only; problems with files are findings.

An error carries a key of the ``[errors]`` catalogue in ``workbook_templates/<lang>.toml``
and its arguments, never finished text: the CLI renders it in the user's
language (``render``). ``str(error)`` is the Danish text, for logs and tests.
A key that is not in the catalogue is taken as the text itself.
"""

from __future__ import annotations

from typing import Any


def error_text(key: str, lang: str = "da", **args: Any) -> str:
    """The catalogue's text for ``key`` in ``lang``, filled in; ``key`` itself if unknown."""
    from sheetflow.texts import shipped_texts, text

    if key not in shipped_texts(lang).get("errors", {}):
        return key.format(**args) if args else key
    return text(lang, "errors", key, None, **args)


class SheetflowError(Exception):
    """Base of every error sheetflow raises on purpose; the CLI prints it, exit 2."""

    def __init__(self, key: str, /, **args: Any) -> None:
        self.key = key
        self.arguments = args
        super().__init__(self.render("da"))

    def render(self, lang: str) -> str:
        """The error as a sentence in ``lang``."""
        return error_text(self.key, lang, **self.arguments)


class UsageError(SheetflowError):
    """The request cannot be carried out as asked (unknown round, no register, ...)."""


class RegisterError(SheetflowError):
    """The register cannot be used; carries the findings that say why."""

    def __init__(self, key: str, findings: list[Any] | None = None, /, **args: Any) -> None:
        self.findings = findings or []
        super().__init__(key, **args)


class WorkspaceBusy(SheetflowError):
    """Another sheetflow command holds the workspace lock; says who, when known."""

    def render(self, lang: str) -> str:
        args = dict(self.arguments)
        info: dict[str, str] = args.pop("holder", {}) or {}
        who = ""
        if {"pid", "host", "command"} <= info.keys():
            since = info.get("since", "")[11:16]
            since_text = error_text("workspace-busy-since", lang, since=since) if since else ""
            who = error_text(
                "workspace-busy-who",
                lang,
                command=info["command"],
                pid=info["pid"],
                host=info["host"],
                since=since_text,
            )
        return error_text(self.key, lang, who=who, **args)


class OutputInUse(SheetflowError):
    """An output cannot replace its old version: another program (Excel) holds it open."""
