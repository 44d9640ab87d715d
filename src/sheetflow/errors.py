"""Exceptions, for "cannot proceed" only; problems with files are findings."""

from __future__ import annotations


class SheetflowError(Exception):
    """Base of every error sheetflow raises on purpose; the CLI prints it, exit 2."""


class UsageError(SheetflowError):
    """The request cannot be carried out as asked (unknown round, no register, ...)."""


class RegisterError(SheetflowError):
    """The register cannot be used; carries the findings that say why."""

    def __init__(self, message: str, findings: list | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


class WorkspaceBusy(SheetflowError):
    """Another sheetflow command holds the workspace lock."""


class OutputInUse(SheetflowError):
    """An output cannot replace its old version: another program (Excel) holds it open."""
