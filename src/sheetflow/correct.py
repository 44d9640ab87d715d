"""Correction workbooks: back to the center with what to fix, where.

For a return that is rejected, comes back without answers, or is accepted
with findings the center should fix, ``collect`` writes
``rounds/<n>/corrections/<the center's file>``: the round's issued workbook
for that center (same layout and metadata, so it validates like the original)
with every valid answer of the return pre-filled, each problem cell marked
with a note in the center's language, and a first sheet listing the findings
(cell, what was found, what to do). Filling the marked cells and sending the
file back is all a center has to do. A center has one at most, from its latest
file that no later return replaced; a clean accepted return removes it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sheetflow import __version__
from sheetflow.collect.validate import FileCheck
from sheetflow.findings import Finding, todo
from sheetflow.issue import _facts, form_version
from sheetflow.issue.layout import StatusLayout
from sheetflow.issue.writer import Corrections, write_center_workbook
from sheetflow.ledger import Issued, Ledger, Received
from sheetflow.model import Register, Round
from sheetflow.roundstate import Verdict
from sheetflow.texts import load_texts
from sheetflow.workspace import Workspace

# Findings a center fixes in its own workbook; the others concern the file as a whole.
NOT_FOR_THE_CENTER = {"wrong-round", "center-mismatch", "look-alike-text", "not-issued"}
CENTER_FIXES = {
    "invalid-smiley",
    "missing-rating",
    "comment-too-long",
    "text-too-long",
    "formula-in-cell",
    "formula-text",
    "locked-cell-changed",
    "rows-changed",
    "sheet-missing",
    "no-answers",
    # A form of finance's own: an answer that does not read as its type, or is missing.
    "answer-not-a-number",
    "answer-ambiguous-number",
    "answer-not-whole",
    "answer-out-of-range",
    "answer-not-a-date",
    "answer-unknown-choice",
    "answer-not-yes-no",
    "answer-too-long",
    "answer-not-applicable-not-allowed",
    "missing-answer",
}


def needs_correction(check: FileCheck) -> bool:
    """A return the center should correct: rejected, without answers, or accepted with
    findings in its own cells."""
    if check.center is None or check.template_id is None:
        return False
    return _needs(check.verdict, {f.code for f in check.findings})


def _needs(verdict: Verdict, codes: set[str]) -> bool:
    """``needs_correction`` from a return's verdict and the codes of its findings."""
    if codes & NOT_FOR_THE_CENTER:
        return False
    if verdict in (Verdict.ACCEPTED, Verdict.REJECTED, Verdict.NO_ANSWERS):
        return bool(codes & CENTER_FIXES)
    return False


def correction_path(workspace: Workspace, rnd: Round, issued_file: str) -> Path:
    return workspace.round_dir(rnd.number) / "corrections" / Path(issued_file).name


def update_corrections(
    workspace: Workspace,
    register: Register,
    rnd: Round,
    ledger: Ledger,
    checks: list[tuple[FileCheck, Verdict]],
    whole: Callable[[FileCheck], FileCheck] = lambda check: check,
) -> list[Path]:
    """Each center's correction workbook after a collect, from its latest file of the
    round that no later return replaced (``checks`` in the order they were recorded,
    with the verdict each ended with). ``whole`` gives a check its answers back when
    collect put them aside (collect.taken_back).

    A correction is written when that file needs one, and an earlier one is removed
    when that file is a clean accepted return: corrections/ holds only what a center
    still has to fix, never answers a later return has corrected.
    """
    latest: dict[str, FileCheck] = {}
    for check, verdict in checks:
        if check.center is None or check.round != rnd.number or check.template_id is None:
            continue
        if verdict is Verdict.SUPERSEDED or {f.code for f in check.findings} & NOT_FOR_THE_CENTER:
            continue
        latest[check.center] = check
    written = []
    for check in latest.values():
        assert check.template_id is not None
        versions = ledger.issued_by_template(check.template_id)
        if not versions:
            continue
        if needs_correction(check):
            issued = versions[-1]
            check = whole(check)
            written.append(
                write_correction(workspace, register, rnd, issued, check, check.accepted)
            )
        elif check.verdict is Verdict.ACCEPTED:
            remove_correction(workspace, rnd, versions[-1].file)
    return written


def missing_corrections(
    workspace: Workspace, rnd: Round, ledger: Ledger, done: set[str]
) -> list[tuple[Received, Issued]]:
    """Recorded returns whose correction workbook is not on disk: each center's latest
    return of the round that no later one replaced, that needs a correction, where
    corrections/ has none written after it was recorded. A collect stopped between
    recording its returns and writing their corrections (Ctrl-C) left those; the next
    collect saw the files as "seen before" and never wrote them. Centers in ``done``
    (this run's) and those finance decided on (``review``, which writes its own) are
    left out. Each with the latest version of its workbook, the correction's base."""
    reviewed = {r.center for r in ledger.reviews(rnd.number)}
    latest: dict[str, Received] = {}
    for rec in ledger.received(rnd.number):
        if rec.center and rec.template_id and rec.superseded_by is None:
            latest[rec.center] = rec
    out = []
    for center, rec in latest.items():
        if center in done or center in reviewed:
            continue
        if not _needs(Verdict(rec.verdict), {f["code"] for f in rec.finding_list}):
            continue  # the common case, before the ledger's row with its layout is read
        versions = ledger.issued_by_template(str(rec.template_id))
        if not versions:
            continue
        path = correction_path(workspace, rnd, versions[-1].file)
        recorded = dt.datetime.fromisoformat(rec.received_at)
        if path.exists() and _modified(path) >= recorded:
            continue
        out.append((rec, versions[-1]))
    return out


def _modified(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)


def remove_correction(workspace: Workspace, rnd: Round, issued_file: str) -> None:
    """Remove a center's correction workbook, when it has nothing left to fix. Open in
    Excel on Windows it cannot be removed, and stays until the next try."""
    with contextlib.suppress(OSError):
        correction_path(workspace, rnd, issued_file).unlink(missing_ok=True)


def write_correction(
    workspace: Workspace,
    register: Register,
    rnd: Round,
    issued: Issued,
    check: FileCheck,
    accepted: bool,
) -> Path:
    """The correction workbook of one return, in the language it was issued in;
    ``accepted`` when the return counts as it is (its remarks are the center's to
    fix if it will), false when it was rejected or finance sent it back."""
    lang = issued.lang
    texts = load_texts(lang, workspace.root)
    layout = StatusLayout.from_json(issued.layout)
    corrections = build_corrections(
        layout, check.findings, check.answers, texts, lang, accepted=accepted
    )
    meta = {
        "template_id": issued.template_id,
        "round": str(issued.round),
        "round_name": rnd.name,
        "center": issued.center,
        "register_fingerprint": issued.register_fingerprint,
        "fingerprint": issued.fingerprint,
        "generator": f"sheetflow {__version__}",
        "status_sheet": layout.sheet,
    }
    if layout.form:  # as the original carries it
        meta["form_version"] = form_version(layout.form)
    path = correction_path(workspace, rnd, issued.file)
    path.parent.mkdir(parents=True, exist_ok=True)
    facts = _facts(register, rnd, issued.center)
    return write_center_workbook(path, layout, facts, meta, texts, None, corrections)


def build_corrections(
    layout: StatusLayout,
    findings: list[Finding],
    answers: dict[str, str],
    texts: dict[str, dict[str, object]],
    lang: str,
    accepted: bool = False,
) -> Corrections:
    """Pure: the notes and the list a correction workbook carries (no files). An
    ``accepted`` return's workbook says so: its remarks are the center's to fix if
    it will, not a reason it was refused."""
    t = texts["corrections"]
    notes: dict[str, str] = {}
    rows: list[tuple[str, str, str]] = []
    for f in findings:
        what, message = todo(f, lang), f.render(lang)
        where = f.cell if f.sheet == layout.sheet and f.cell else str(t["whole_file"])
        rows.append((where, message, what))
        if f.sheet == layout.sheet and f.cell:
            notes[f.cell] = f"{message}\n{what}".strip()
    title, intro = ("title_accepted", "intro_accepted") if accepted else ("title", "intro")
    if not notes and not accepted:  # finance's reason alone (review --return): no cell marked
        intro = "intro_unmarked"
    return Corrections(
        answers=answers,
        notes=notes,
        rows=rows,
        sheet=str(t["sheet"]),
        title=str(t[title]).format(sheet=layout.sheet),
        intro=str(t[intro]).format(sheet=layout.sheet),
        headers=(str(t["col_cell"]), str(t["col_found"]), str(t["col_todo"])),
    )
