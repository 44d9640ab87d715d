"""Check a returned workbook against what the ledger says was issued.

Pure logic: takes the plain data of a returned file and of the issued
workbook(s), returns a verdict with findings and the ratings it carries.
Sheet protection is never trusted: every locked cell is compared with what
was issued, and every row key with its row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sheetflow.answers import Answer, cell_value_text, parse_answer
from sheetflow.checks import locked_digest
from sheetflow.collect.reader import Grid, ReturnedWorkbook, cell_text
from sheetflow.contract import META_PREFIX
from sheetflow.findings import Finding, Severity, detail, make_finding
from sheetflow.form import SMILEY, TEXT
from sheetflow.issue.layout import (
    COL_KEY,
    COL_NUMBER,
    COL_TEXT,
    COMMENT_MAX,
    CheckLayout,
    address,
    answers_at,
    parse_address,
)
from sheetflow.ledger import Issued
from sheetflow.model import Rating, initiative_of
from sheetflow.roundstate import Verdict
from sheetflow.smiley import (
    Smiley,
    UnknownSmiley,
    clean_text,
    parse_smiley,
    skeleton,
    strip_control,
)
from sheetflow.xlsxutil import is_formula_like

MAX_CELL_FINDINGS = 25
KEEP_FLAGGED = {"comment-too-long", "formula-text"}
EXCEL_MAX_TEXT = 32_767


@dataclass
class FileCheck:
    """What one returned file amounts to: its verdict, what it is, what it carries."""

    file: str
    verdict: Verdict = Verdict.REJECTED
    template_id: str | None = None
    center: str | None = None
    round: int | None = None
    findings: list[Finding] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    saved_at: str | None = None
    answers: dict[str, str] = field(default_factory=dict)  # valid input cells: address → text
    typed: list[Answer] = field(default_factory=list)  # every asked field's answer, typed
    # Where collect put the ratings and answers aside (collect.put_aside) while the
    # other files are read; None when the check carries them itself.
    aside: int | None = None

    @property
    def accepted(self) -> bool:
        return self.verdict is Verdict.ACCEPTED


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
    round_number: int | None,
    round_names: dict[int, str],
    layout_of: Callable[[Issued], CheckLayout] | None = None,
    collect_hint: Callable[[int], str] | None = None,
) -> FileCheck:
    """Identify the file, check it, and read its ratings.

    ``round_number`` None checks the file against its own round (``validate``
    without ``--round``). ``collect_hint`` gives the command that collects a
    file into another round, for the wrong-round finding.
    """
    file = returned.name

    def finding(code: str, **kw: object) -> Finding:
        return make_finding(code, file=file, **kw)  # type: ignore[arg-type]

    issued = identify(returned, lookup)
    if issued is None:
        value = returned.metadata("template_id") or detail("no-metadata")
        return FileCheck(file, findings=[finding("not-issued", value=value)])
    verdict = FileCheck(file, Verdict.REJECTED, issued.template_id, issued.center, issued.round)
    verdict.saved_at = returned.saved_at
    if round_number is None:
        round_number = issued.round
    if issued.round != round_number:
        verdict.findings.append(
            finding(
                "wrong-round",
                value=round_names.get(issued.round, issued.round),
                expected=round_names.get(round_number, round_number),
                hint=collect_hint(issued.round) if collect_hint else "",
            )
        )
        return verdict
    # Both copies of the metadata must name the center the workbook was issued to.
    for claimed in (returned.properties.get(META_PREFIX + "center"), returned.meta.get("center")):
        if claimed is not None and clean_text(claimed) != clean_text(issued.center):
            spoof = skeleton(claimed) == skeleton(issued.center)
            code = "look-alike-text" if spoof else "center-mismatch"
            verdict.findings.append(finding(code, value=claimed, expected=issued.center))
            return verdict
    layout = layout_of(issued) if layout_of else CheckLayout.from_json(issued.layout)
    grid = returned.cells.get(layout.sheet)
    if grid is None:
        verdict.findings.append(finding("sheet-missing", sheet=layout.sheet))
        return verdict
    if not _unchanged(grid, layout):
        rows = _row_findings(grid, layout, finding)
        if rows:
            verdict.findings.extend(rows)
            return verdict
        verdict.findings.extend(_locked_findings(grid, layout, finding))
    if layout.form is not None:
        # Fields are named as the workbook labels them (its own language).
        ratings, typed, input_findings = read_form_inputs(returned, layout, finding, issued.lang)
        verdict.typed = typed
        answered = any(a.value is not None for a in typed)
        no_answer_code = "missing-answer"
    else:
        ratings, input_findings = read_inputs(returned, layout, finding)
        answered = any(r.smiley is not None or r.comment for r in ratings)
        no_answer_code = "missing-rating"
    verdict.findings.extend(input_findings)
    verdict.ratings = ratings
    texts = typed_texts(verdict.typed, layout, issued.lang) if layout.form is not None else None
    verdict.answers = valid_answers(ratings, layout, input_findings, texts)
    if any(f.severity is Severity.ERROR for f in verdict.findings):
        return verdict
    if layout.inputs and not answered:
        # Sent back as issued: received, but not a return. The missing-rating
        # warnings of every input would only repeat that.
        kept = [f for f in verdict.findings if f.code not in ("missing-rating", no_answer_code)]
        verdict.findings = [*kept, finding("no-answers", value=issued.center)]
        verdict.verdict = Verdict.NO_ANSWERS
        verdict.ratings = []
        verdict.typed = []
        return verdict
    verdict.verdict = Verdict.ACCEPTED
    return verdict


def _unchanged(grid: Grid, layout: CheckLayout) -> bool:
    """The usual return: every cell but the inputs exactly as issued (one digest)."""
    if not layout.digest:
        return False
    inputs = layout.input_positions
    cells = (
        (pos, v if v.__class__ is str and "\r" not in v else cell_text(v))
        for pos, v in grid.items()
        if pos not in inputs
    )
    # The reader builds the grid row by row, left to right: already in sheet order.
    return locked_digest(cells, presorted=True) == layout.digest


def _row_findings(
    grid: Grid, layout: CheckLayout, finding: Callable[..., Finding]
) -> list[Finding]:
    """Row keys in the hidden key column must stand where they were issued."""
    sheet = layout.sheet
    for row, key in sorted(layout.row_keys.items()):
        if row <= layout.header_row:
            continue
        found = cell_text(grid.get((row, COL_KEY)))
        if found != key:
            what = detail("row-key", row=row + 1, expected=key, found=found)
            return [finding("rows-changed", sheet=sheet, cell=address(row, COL_KEY), value=what)]
    last = layout.last_row
    extra = min((r for r, _ in grid if r > last), default=None)
    if extra is not None:
        what = detail("rows-below", row=extra + 1, last=last + 1)
        return [finding("rows-changed", sheet=sheet, cell=f"A{extra + 1}", value=what)]
    return []


def _locked_findings(
    grid: Grid, layout: CheckLayout, finding: Callable[..., Finding]
) -> list[Finding]:
    """Every cell that is not an input must hold exactly what was issued."""
    inputs = layout.input_positions
    issued = layout.locked
    changed = sorted(
        pos
        for pos in issued.keys() | grid.keys()
        if pos not in inputs and cell_text(grid.get(pos)) != issued.get(pos, "")
    )
    return [
        finding(
            "locked-cell-changed",
            sheet=layout.sheet,
            cell=address(*pos),
            value=cell_text(grid.get(pos)),
            expected=issued.get(pos, ""),
        )
        for pos in changed[:MAX_CELL_FINDINGS]
    ]


def valid_answers(
    ratings: list[Rating],
    layout: CheckLayout,
    findings: list[Finding],
    typed: dict[tuple[str, str], str] | None = None,
) -> dict[str, str]:
    """The input cells whose answers can be kept as they are (address → text): what a
    correction workbook pre-fills. Cells with a finding are left for the center."""
    # A comment to shorten stays, so the center has something to shorten.
    flagged = {f.cell for f in findings if f.cell and f.code not in KEEP_FLAGGED}
    kept = answers_at(layout.inputs, ratings, typed)
    return {a: v for a, v in kept.items() if a not in flagged}


def typed_texts(
    answers: list[Answer], layout: CheckLayout, lang: str
) -> dict[tuple[str, str], str]:
    """A form's typed answers as the text their cells are pre-filled with."""
    form = layout.form
    if form is None:
        return {}
    out = {}
    for a in answers:
        f = form.field(a.field_id)
        if f is not None and a.value is not None:
            out[(a.item_key, a.field_id)] = cell_value_text(f, a.value, lang)
    return out


class ItemLabels:
    """What a finding about an input calls its item, from the returned sheet's locked
    cells: its initiative's number, the row's label and its text ("4.01 Økonomi:
    -0,8 mio. kr."). The text alone named an economy line by its amount, and a
    milestone without its initiative. Findings show 80 characters of a value."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self._rows: dict[str, int] | None = None

    def _text(self, row: int, col: int) -> str:
        return " ".join(cell_text(self.grid.get((row, col))).split())

    def __call__(self, row: int, item_key: str) -> str:
        own = self._text(row, COL_TEXT)
        initiative = initiative_of(item_key)
        if initiative == item_key:  # the initiative's own row (a form's field)
            number = self._text(row, COL_NUMBER)
            return " ".join(p for p in (number, own) if p) or item_key
        if self._rows is None:
            self._rows = {cell_text(v): r for (r, c), v in self.grid.items() if c == COL_KEY and v}
        at = self._rows.get(initiative)
        number = self._text(at, COL_NUMBER) if at is not None else ""
        label = " ".join(p for p in (number, self._text(row, COL_NUMBER)) if p)
        return (f"{label}: {own}" if label and own else label or own) or item_key


def read_inputs(
    returned: ReturnedWorkbook, layout: CheckLayout, finding: Callable[..., Finding]
) -> tuple[list[Rating], list[Finding]]:
    """The ratings in the input cells, with findings for what is wrong in them."""
    grid = returned.cells.get(layout.sheet, {})
    formulas = returned.formulas.get(layout.sheet, set())

    def at(addr: str | None) -> Any:
        return grid.get(parse_address(addr)) if addr else None

    sheet = layout.sheet
    labels = ItemLabels(grid)
    by_item: dict[str, dict[str, str]] = {}
    for cell in layout.inputs:
        by_item.setdefault(cell.item_key, {})[cell.kind] = cell.address
    ratings: list[Rating] = []
    findings: list[Finding] = []
    for item_key, cells in by_item.items():
        smiley_addr, comment_addr = cells.get("smiley"), cells.get("comment")
        raw = at(smiley_addr)
        smiley = None
        invalid = False
        try:
            smiley = parse_smiley(raw if raw is None or isinstance(raw, str) else cell_text(raw))
        except UnknownSmiley:
            # The file is rejected; the comment beside it is still read, so a
            # correction workbook can keep it.
            findings.append(
                finding("invalid-smiley", sheet=sheet, cell=smiley_addr, value=cell_text(raw))
            )
            invalid = True
        for addr in (smiley_addr, comment_addr):
            if addr in formulas:
                findings.append(
                    finding("formula-in-cell", sheet=sheet, cell=addr, value=cell_text(at(addr)))
                )
        comment = cell_text(at(comment_addr))
        if len(comment) > EXCEL_MAX_TEXT:
            findings.append(
                finding(
                    "text-too-long",
                    sheet=sheet,
                    cell=comment_addr,
                    value=len(comment),
                    expected=EXCEL_MAX_TEXT,
                )
            )
            continue
        if strip_control(comment) != comment:
            comment = strip_control(comment)
            findings.append(finding("control-characters", sheet=sheet, cell=comment_addr))
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
                    "formula-text",
                    sheet=sheet,
                    cell=comment_addr,
                    value=comment.lstrip(" \t\r\n")[:1],
                )
            )
        if smiley is None and not invalid:
            label = labels(parse_address(smiley_addr or "A1")[0], item_key)
            findings.append(finding("missing-rating", sheet=sheet, cell=smiley_addr, value=label))
        source = f"{returned.name}!{sheet}!{smiley_addr}"
        ratings.append(Rating(layout.round, item_key, smiley, comment, source))
    return ratings, findings


def read_form_inputs(
    returned: ReturnedWorkbook,
    layout: CheckLayout,
    finding: Callable[..., Finding],
    lang: str = "da",
) -> tuple[list[Rating], list[Answer], list[Finding]]:
    """Every input cell of a form of finance's own, read through the layout: one typed
    answer per asked cell (None when left empty), one finding per cell that does not
    parse. The smiley and "comment" fields also make the item's rating, which status,
    flags and the master's smiley columns read as before."""
    assert layout.form is not None
    form = layout.form
    grid = returned.cells.get(layout.sheet, {})
    labels = ItemLabels(grid)
    formulas = returned.formulas.get(layout.sheet, set())
    sheet = layout.sheet
    answers: list[Answer] = []
    findings: list[Finding] = []
    rated: dict[str, dict[str, Any]] = {}
    for cell in layout.inputs:
        f = form.field(cell.kind)
        if f is None:
            continue
        pos = parse_address(cell.address)
        raw = grid.get(pos)
        if cell.address in formulas:
            findings.append(
                finding("formula-in-cell", sheet=sheet, cell=cell.address, value=cell_text(raw))
            )
        if f.type == TEXT and isinstance(raw, str):
            raw = raw.replace("\r\n", "\n").replace("\r", "\n")
            if strip_control(raw) != raw:
                raw = strip_control(raw)
                findings.append(finding("control-characters", sheet=sheet, cell=cell.address))
        parsed = parse_answer(f, raw, returned.date1904)
        if not parsed.ok:
            findings.append(
                finding(
                    parsed.code,
                    sheet=sheet,
                    cell=cell.address,
                    value=cell_text(raw),
                    expected=parsed.expected,
                )
            )
            continue
        if f.type == TEXT and isinstance(parsed.value, str) and is_formula_like(parsed.value):
            findings.append(
                finding(
                    "formula-text",
                    sheet=sheet,
                    cell=cell.address,
                    value=parsed.value.lstrip(" \t\r\n")[:1],
                )
            )
        if parsed.value is None and f.required:
            label = labels(pos[0], cell.item_key)
            code = "missing-rating" if f.type == SMILEY else "missing-answer"
            value = label if f.type == SMILEY else f"{label}: {f.label(lang)}"
            findings.append(finding(code, sheet=sheet, cell=cell.address, value=value))
        answers.append(Answer(layout.round, cell.item_key, f.id, parsed.value))
        if f.type == SMILEY or f.id == "comment":
            rated.setdefault(cell.item_key, {"source": cell.address})[f.type] = parsed.value
    ratings = []
    for item_key, got in rated.items():
        smiley = got.get(SMILEY)
        comment = got.get(TEXT)
        ratings.append(
            Rating(
                layout.round,
                item_key,
                smiley if isinstance(smiley, Smiley) else None,
                comment if isinstance(comment, str) else "",
                f"{returned.name}!{sheet}!{got['source']}",
            )
        )
    return ratings, answers, findings


def map_forward(
    check: FileCheck,
    older: CheckLayout,
    newer: CheckLayout,
    finding: Callable[..., Finding],
    lang: str = "da",
) -> None:
    """A return made on an earlier version of its round's workbook: keep each typed
    answer whose field the latest version still asks of the item (joined by id);
    one finding per answer it no longer asks, which is not kept."""
    asked_now = {(i.item_key, i.kind) for i in newer.inputs}
    where = {(i.item_key, i.kind): i.address for i in older.inputs}
    form = older.form
    kept: list[Answer] = []
    for a in check.typed:
        if (a.item_key, a.field_id) in asked_now:
            kept.append(a)
            continue
        if a.value is None:
            continue  # left empty: nothing lost
        f = form.field(a.field_id) if form is not None else None
        check.findings.append(
            finding(
                "answer-no-longer-asked",
                sheet=older.sheet,
                cell=where.get((a.item_key, a.field_id), ""),
                value=f.label(lang) if f is not None else a.field_id,
            )
        )
    check.typed = kept


def texts_changed(
    check: FileCheck,
    older: CheckLayout,
    newer: CheckLayout,
    finding: Callable[..., Finding],
) -> list[Finding]:
    """A return made on an earlier version of its workbook: one finding per item it
    answered whose text the latest version words differently (a milestone renamed
    in the register since), so no one reads the answer against the new text unwarned."""
    answered = {r.item_key for r in check.ratings if r.smiley is not None or r.comment}
    answered.update(a.item_key for a in check.typed if a.value is not None)
    before, now = older.item_texts(), newer.item_texts()
    out = []
    for i in older.inputs:
        key = i.item_key
        if key in answered and key in now and before.get(key, "") != now[key]:
            answered.discard(key)  # one finding per item, at its first input
            out.append(
                finding(
                    "answer-to-older-text",
                    sheet=older.sheet,
                    cell=i.address,
                    value=before.get(key, ""),
                    expected=now[key],
                )
            )
    return out
