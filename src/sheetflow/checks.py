"""What a returned status sheet must still hold, in a form that is fast to compare.

An issued sheet is summed up by one digest over every locked cell that holds
text (the hidden key column included, so a moved row changes it too) and by
the list of its input cells. The collector compares a return's digest first
and reads the full layout only when something differs, to say exactly what.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any


def locked_digest(cells: Iterable[tuple[tuple[int, int], str]], presorted: bool = False) -> str:
    """sha256 over (row, column, text) of locked cells with text, in sheet order.

    ``presorted`` skips sorting cells that already come row by row, left to right.
    """
    ordered = cells if presorted else sorted(cells)
    text = "".join(f"{row}\x1f{col}\x1f{value}\x1e" for (row, col), value in ordered)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def checks_json(
    sheet: str,
    round_number: int,
    header_row: int,
    last_row: int,
    last_col: int,
    digest: str,
    inputs: list[list[str]],
    form: str = "",
) -> str:
    """The small JSON the ledger keeps beside an issued workbook's full layout
    (with the form it asks, when that is not the default form); ``digest`` is
    ``locked_digest`` of its locked cells."""
    data: dict[str, Any] = {
        "sheet": sheet,
        "round": round_number,
        "header_row": header_row,
        "last_row": last_row,
        "last_col": last_col,
        "digest": digest,
        "inputs": inputs,
    }
    if form:
        data["form"] = form
    return json.dumps(
        data,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def checks_from_layout_json(text: str) -> str:
    """Checks for a layout stored before the ledger kept them (migration)."""
    data: dict[str, Any] = json.loads(text)
    cells = data["cells"]
    locked = [((c[0], c[1]), c[2]) for c in cells if c[4] and c[2]]
    row_keys = {int(k) for k in data["row_keys"]}
    last_row = max(row_keys) if row_keys else data["header_row"]
    last_col = max((c[1] for c in cells), default=0)
    return checks_json(
        data["sheet"],
        data["round"],
        data["header_row"],
        last_row,
        last_col,
        locked_digest(locked),
        data["inputs"],
        data.get("form", ""),
    )
