"""Check a returned workbook against what the ledger says was issued.

Pure logic: takes the plain data of a returned file and of the issued
workbook(s), returns a verdict with findings and the ratings it carries.
Sheet protection is never trusted: every locked cell is compared with what
was issued, and every row key with its row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sheetflow.collect.reader import ReturnedWorkbook, cell_text
from sheetflow.findings import Finding, Severity, make_finding
from sheetflow.issue.layout import COL_KEY, COMMENT_MAX, StatusLayout, address
from sheetflow.ledger import Issued
from sheetflow.model import Rating
from sheetflow.smiley import UnknownSmiley, clean_text, parse_smiley
from sheetflow.xlsxutil import is_formula_like

MAX_CELL_FINDINGS = 25


@dataclass
class Verdict:
    """What one returned file amounts to."""

    file: str
    accepted: bool
    template_id: str | None = None
    center: str | None = None
    round: int | None = None
    findings: list[Finding] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)


def identify(returned: ReturnedWorkbook, lookup: Callable[[str], list[Issued]]) -> Issued | None:
    """The issued workbook a return claims to be, if the ledger knows it."""
    template_id = returned.metadata("template_id")
    if not template_id:
        return None
    versions = lookup(template_id)
    return versions[-1] if versions else None


def validate_return(
    returned: ReturnedWorkbook,
    lookup: Callable[[str], list[Issued]],
    round_number: int,
    round_names: dict[int, str],
    lang: str = "da",
) -> Verdict:
    """Identify the file, check it, and read its ratings."""
    file = returned.name

    def finding(code: str, **kw: object) -> Finding:
        return make_finding(code, lang=lang, file=file, **kw)  # type: ignore[arg-type]

    issued = identify(returned, lookup)
    if issued is None:
        value = returned.metadata("template_id") or "ingen sheetflow-metadata"
        return Verdict(file, False, findings=[finding("not-issued", value=value)])
    verdict = Verdict(file, False, issued.template_id, issued.center, issued.round)
    if issued.round != round_number:
        verdict.findings.append(
            finding(
                "wrong-round",
                value=round_names.get(issued.round, issued.round),
                expected=round_names.get(round_number, round_number),
            )
        )
        return verdict
    claimed = returned.metadata("center")
    if claimed is not None and clean_text(claimed) != clean_text(issued.center):
        verdict.findings.append(finding("center-mismatch", value=claimed, expected=issued.center))
        return verdict
    layout = StatusLayout.from_json(issued.layout)
    grid = returned.cells.get(layout.sheet)
    if grid is None:
        verdict.findings.append(finding("sheet-missing", sheet=layout.sheet))
        return verdict
    rows = _row_findings(grid, layout, finding)
    if rows:
        verdict.findings.extend(rows)
        return verdict
    verdict.findings.extend(_locked_findings(grid, layout, finding))
    ratings, input_findings = read_inputs(returned, layout, finding)
    verdict.findings.extend(input_findings)
    verdict.ratings = ratings
    verdict.accepted = not any(f.severity is Severity.ERROR for f in verdict.findings)
    return verdict


def _row_findings(
    grid: dict[str, object], layout: StatusLayout, finding: Callable[..., Finding]
) -> list[Finding]:
    """Row keys in the hidden key column must stand where they were issued."""
    sheet = layout.sheet
    for row, key in sorted(layout.row_keys.items()):
        if row <= layout.header_row:
            continue
        found = cell_text(grid.get(address(row, COL_KEY)))
        if found != key:
            where = address(row, COL_KEY)
            what = f"række {row + 1}: ventede '{key}', fandt '{found}'"
            return [finding("rows-changed", sheet=sheet, cell=where, value=what)]
    last = layout.last_row
    extra = sorted(
        (_row_of(a) for a in grid if _row_of(a) > last),
    )
    if extra:
        what = f"indhold i række {extra[0] + 1} efter den sidste udsendte række {last + 1}"
        return [finding("rows-changed", sheet=sheet, cell=f"A{extra[0] + 1}", value=what)]
    return []


def _row_of(addr: str) -> int:
    digits = "".join(ch for ch in addr if ch.isdigit())
    return int(digits) - 1


def _locked_findings(
    grid: dict[str, object], layout: StatusLayout, finding: Callable[..., Finding]
) -> list[Finding]:
    """Every cell that is not an input must hold exactly what was issued."""
    inputs = {i.address for i in layout.inputs}
    issued = layout.locked_values()
    out: list[Finding] = []
    for addr in sorted(set(issued) | set(grid), key=_sort_key):
        if addr in inputs:
            continue
        expected = issued.get(addr, "")
        found = cell_text(grid.get(addr))
        if found != expected:
            out.append(
                finding(
                    "locked-cell-changed",
                    sheet=layout.sheet,
                    cell=addr,
                    value=found,
                    expected=expected,
                )
            )
            if len(out) >= MAX_CELL_FINDINGS:
                break
    return out


def _sort_key(addr: str) -> tuple[int, str]:
    letters = "".join(ch for ch in addr if ch.isalpha())
    return _row_of(addr), letters.rjust(3)


def read_inputs(
    returned: ReturnedWorkbook, layout: StatusLayout, finding: Callable[..., Finding]
) -> tuple[list[Rating], list[Finding]]:
    """The ratings in the input cells, with findings for what is wrong in them."""
    grid = returned.cells.get(layout.sheet, {})
    formulas = returned.formulas.get(layout.sheet, set())
    sheet = layout.sheet
    by_item: dict[str, dict[str, str]] = {}
    for cell in layout.inputs:
        by_item.setdefault(cell.item_key, {})[cell.kind] = cell.address
    ratings: list[Rating] = []
    findings: list[Finding] = []
    for item_key, cells in by_item.items():
        smiley_addr, comment_addr = cells.get("smiley"), cells.get("comment")
        raw = grid.get(smiley_addr) if smiley_addr else None
        smiley = None
        try:
            smiley = parse_smiley(raw if raw is None or isinstance(raw, str) else cell_text(raw))
        except UnknownSmiley:
            findings.append(finding("invalid-smiley", sheet=sheet, cell=smiley_addr, value=raw))
            continue
        comment = cell_text(grid.get(comment_addr)) if comment_addr else ""
        if comment_addr in formulas:
            findings.append(finding("formula-text", sheet=sheet, cell=comment_addr, value="="))
        if len(comment) > COMMENT_MAX:
            findings.append(
                finding(
                    "comment-too-long",
                    sheet=sheet,
                    cell=comment_addr,
                    value=len(comment),
                    expected=COMMENT_MAX,
                )
            )
        elif is_formula_like(comment):
            findings.append(
                finding(
                    "formula-text", sheet=sheet, cell=comment_addr, value=comment.lstrip(" ")[:1]
                )
            )
        if smiley is None:
            label = cell_text(grid.get(address(_row_of(smiley_addr or "A1"), 2)))[:60]
            findings.append(
                finding("missing-rating", sheet=sheet, cell=smiley_addr, value=label or item_key)
            )
        source = f"{returned.name}!{sheet}!{smiley_addr}"
        ratings.append(Rating(layout.round, item_key, smiley, comment, source))
    return ratings, findings
