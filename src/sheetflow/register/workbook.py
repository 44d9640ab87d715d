"""The register workbook (``register.xlsx``): one sheet per table, for finance to edit.

``write_register`` (in ``register.writer``) lays every table out with Danish
headers, input messages, dropdowns and a guide sheet; ``read_register`` (in
``register.reader``) reads it back. The two round-trip exactly.
"""

from __future__ import annotations

from sheetflow.register.reader import read_register, resolve_deadline
from sheetflow.register.writer import register_rows, write_register

__all__ = ["read_register", "register_rows", "resolve_deadline", "write_register"]
