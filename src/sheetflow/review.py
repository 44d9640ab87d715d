"""Finance's review of a return: accept it with its remarks, or send it back.

``sheetflow review WS --round R CENTER --accept`` accepts a return that came in
with remarks (findings the center could fix), or confirms that an accepted
return stands when a file the center sent after it was rejected; ``--return
"reason"`` sends an accepted return back for correction with finance's own
reason: the center's state becomes "returned for correction", reminders carry
the reason, and a correction workbook (the return's answers pre-filled, the
reason on its first sheet) is written for the center. Every decision is in the
ledger with time and reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sheetflow.answers import cell_value_text
from sheetflow.collect.validate import FileCheck
from sheetflow.correct import remove_correction, write_correction
from sheetflow.errors import UsageError
from sheetflow.findings import finding_from_dict, make_finding
from sheetflow.issue.layout import StatusLayout, answers_at
from sheetflow.ledger import Ledger
from sheetflow.lifecycle import is_closed
from sheetflow.model import Register, Round
from sheetflow.roundstate import CenterState, Verdict, round_state
from sheetflow.workspace import Workspace, exclusive


@dataclass(frozen=True)
class ReviewResult:
    round: Round
    center: str
    state: CenterState
    correction: Path | None = None
    # The round's master was written before this decision: it shows the center as it was.
    master_outdated: bool = False
    unchanged: bool = False  # accepted already, without remarks: nothing was recorded


@exclusive
def review(
    workspace: Workspace,
    round_ref: str | int,
    center: str,
    *,
    accept: bool = False,
    reason: str | None = None,
) -> ReviewResult:
    """Record finance's decision on the center's accepted return of the round."""
    if accept == (reason is not None):
        raise UsageError("review-choose")
    if reason is not None and not reason.strip():
        raise UsageError("review-reason-empty")
    register = workspace.load_register()
    rnd = workspace.resolve_round(register, round_ref)
    with Ledger(workspace.ledger_path) as ledger:
        if is_closed(ledger, rnd):
            raise UsageError("review-closed", round=rnd.name)
        state = round_state(register, rnd, ledger)
        c = state.center(center) or next(
            (x for x in state.centers if x.center.casefold() == center.casefold()), None
        )
        if c is None:
            from sheetflow.register.reader import near_miss

            centers = [x.center for x in state.centers]
            near = near_miss(center, centers)
            key = "review-no-workbook-near" if near else "review-no-workbook"
            names = ", ".join(centers)
            raise UsageError(key, center=center, round=rnd.name, names=names, near=near)
        if c.accepted is None or c.state not in (
            CenterState.ACCEPTED,
            CenterState.ACCEPTED_WITH_REMARKS,
            CenterState.ACCEPTED_LATER_REJECTED,  # finance decides the accepted one stands
            CenterState.RETURNED,
            CenterState.NEW_VERSION,  # its accepted return may be sent back all the same
        ):
            raise UsageError("review-nothing", center=center, round=rnd.name)
        center = c.center  # as the register spells it
        if accept and c.state is CenterState.ACCEPTED:
            return ReviewResult(rnd, center, c.state, unchanged=True)
        action = "accept" if accept else "return"
        ledger.record_review(
            round_number=rnd.number,
            center=center,
            received_id=c.accepted.id,
            action=action,
            reason=(reason or "").strip(),
        )
        correction = None
        if not accept:
            correction = _send_back(workspace, register, rnd, ledger, c.accepted.id, reason or "")
        elif c.versions:  # finance accepts it as it is: nothing is left for the center to fix
            remove_correction(workspace, rnd, c.versions[-1].file)
        new_state = CenterState.ACCEPTED if accept else CenterState.RETURNED
    outdated = workspace.master_path(rnd.number).exists()
    return ReviewResult(rnd, center, new_state, correction, outdated)


def _send_back(
    workspace: Workspace,
    register: Register,
    rnd: Round,
    ledger: Ledger,
    received_id: int,
    reason: str,
) -> Path:
    """A correction workbook for a return finance sends back: its answers pre-filled,
    its findings and finance's reason listed."""
    rec = next(r for r in ledger.received(rnd.number) if r.id == received_id)
    assert rec.template_id is not None and rec.center is not None
    issued = ledger.issued_by_template(rec.template_id)[-1]
    layout = StatusLayout.from_json(issued.layout)
    typed = None
    form = layout.fields()
    if form is not None:  # a form of finance's own: its typed answers, as cell text
        typed = {
            (a.item_key, a.field_id): cell_value_text(f, a.value, issued.lang)
            for a in ledger.answers_of(received_id)
            if (f := form.field(a.field_id)) is not None
        }
    answers = answers_at(layout.inputs, ledger.ratings_of(received_id), typed)
    findings = [finding_from_dict(d) for d in rec.finding_list]
    findings.append(make_finding("returned-for-correction", file=rec.original_name, value=reason))
    check = FileCheck(
        rec.original_name,
        Verdict.ACCEPTED,  # it still counts until a corrected return replaces it
        rec.template_id,
        rec.center,
        rec.round,
        findings,
        answers=answers,
    )
    return write_correction(workspace, register, rnd, issued, check, accepted=False)
