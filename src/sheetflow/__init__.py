"""sheetflow: run a budget follow-up round through Excel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # for type checkers and editors; at run time see __getattr__
    from sheetflow.api import Followup, open  # noqa: F401


def __getattr__(name: str) -> Any:
    """``sheetflow.open`` and ``sheetflow.Followup``, imported on first use (pandas is
    only loaded by code that reads a workspace into frames)."""
    if name in ("open", "Followup"):
        from sheetflow import api

        return getattr(api, name)
    raise AttributeError(f"module 'sheetflow' has no attribute {name!r}")
