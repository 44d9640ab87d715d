"""The state of a round, read once from the register and the ledger.

Master, status and remind all ask the same questions (who was sent what, who
answered, which return counts, what is flagged, what each smiley's own
comment is), so they all ask :func:`round_state`. Verdicts, center states and
round phases are enums; their values are what the ledger stores and what
``--json`` prints (docs/workflow.md#returns-and-their-verdicts).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sheetflow.answer_book import AnswerBook, answer_flags
from sheetflow.flags import (
    Change,
    Flag,
    answer_changes,
    changes_since_previous,
    compute_flags,
    with_answer_flags,
)
from sheetflow.ledger import IssuedRow, Ledger, Received, Review
from sheetflow.model import Rating, RatingIndex, Register, Round


class Verdict(enum.StrEnum):
    """What became of one received file."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    NO_ANSWERS = "no-answers"  # valid, but answers nothing the round asked
    UNDECIDED = "undecided"  # one of several returns whose order could not be told
    SUPERSEDED = "superseded"  # a later return of the same center replaced it
    SKIPPED = "skipped"  # never read (Excel lock file, hidden file)
    UNPACKED = "unpacked"  # an e-mail whose workbook attachments were collected


class CenterState(enum.StrEnum):
    """Where a center stands in a round, from its returns in arrival order."""

    MISSING = "missing"
    NO_ANSWERS = "no-answers"
    REJECTED = "rejected"
    UNDECIDED = "undecided"
    ACCEPTED = "accepted"
    ACCEPTED_WITH_REMARKS = "accepted-with-remarks"  # findings the center should fix
    ACCEPTED_LATER_REJECTED = "accepted-later-rejected"
    RETURNED = "returned"  # finance sent an accepted return back for correction
    # A newer version was issued after the accepted return and asks what it did not
    # answer (an initiative added for the center): its answers count, more are owed.
    NEW_VERSION = "new-version"

    @property
    def returned(self) -> bool:
        """The center has an accepted return that counts (and is not sent back)."""
        return self in (
            CenterState.ACCEPTED,
            CenterState.ACCEPTED_WITH_REMARKS,
            CenterState.ACCEPTED_LATER_REJECTED,
            CenterState.NEW_VERSION,
        )

    @property
    def settled(self) -> bool:
        """Accepted, with or without remarks: the center owes the round nothing."""
        return self in (CenterState.ACCEPTED, CenterState.ACCEPTED_WITH_REMARKS)

    @property
    def silent(self) -> bool:
        """No return counts: flagged as not returned. A return sent back for
        correction still shows its answers; it is not missing."""
        return not self.returned and self is not CenterState.RETURNED

    @property
    def needs_attention(self) -> bool:
        """Finance must act: tell the center, or choose between returns."""
        return self is not CenterState.MISSING and not self.settled


class RoundPhase(enum.StrEnum):
    """A round's life: planned → issued → collecting → consolidated → closed."""

    PLANNED = "planned"
    ISSUED = "issued"
    COLLECTING = "collecting"
    CONSOLIDATED = "consolidated"
    CLOSED = "closed"


@dataclass(frozen=True)
class CenterRound:
    """One center in one round: what it was sent and what came back."""

    center: str
    versions: tuple[IssuedRow, ...]
    received: tuple[Received, ...]  # files of this round from this center, arrival order
    state: CenterState
    accepted: Received | None = None
    stale: bool = False  # an earlier round changed after its latest workbook was issued
    review: Review | None = None  # finance's latest decision on the accepted return

    @property
    def latest(self) -> Received | None:
        return self.received[-1] if self.received else None

    @property
    def version(self) -> int:
        return self.versions[-1].version if self.versions else 0

    @property
    def accepted_files(self) -> int:
        """Accepted files no later return replaced: the one that counts (sent back for
        correction or not), or the several whose order finance must decide."""
        return sum(r.verdict in (Verdict.ACCEPTED, Verdict.UNDECIDED) for r in self.received)

    @property
    def rejected(self) -> int:
        """Files rejected for what was wrong in them."""
        return sum(r.verdict == Verdict.REJECTED for r in self.received)

    @property
    def no_answers(self) -> int:
        """Files that came back without a single answer (not rejected: nothing was wrong)."""
        return sum(r.verdict == Verdict.NO_ANSWERS for r in self.received)

    @property
    def superseded(self) -> int:
        """Returns a later return of the center replaced."""
        return sum(r.verdict == Verdict.SUPERSEDED for r in self.received)


@dataclass
class RoundState:
    """Everything known about a round."""

    register: Register
    round: Round
    phase: RoundPhase
    centers: list[CenterRound]
    ratings: RatingIndex  # register's and collected, merged: the one index every part asks
    flags: list[Flag] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    stray: list[Received] = field(default_factory=list)  # landed here, belong elsewhere
    # The typed answers of a form of finance's own (empty for the default form).
    answers: AnswerBook = field(default_factory=lambda: AnswerBook([]))
    # The round the changes are since: the latest held before this one (None: the first).
    compared_with: Round | None = None

    def center(self, name: str) -> CenterRound | None:
        return next((c for c in self.centers if c.center == name), None)

    @property
    def missing(self) -> list[CenterRound]:
        """Centers without an accepted return."""
        return [c for c in self.centers if not c.state.returned]

    @property
    def owing(self) -> list[CenterRound]:
        """Centers that owe a return or answers (reminders go to these): those without
        an accepted return, and those a newer version asks more of."""
        return [
            c for c in self.centers if not c.state.returned or c.state is CenterState.NEW_VERSION
        ]

    @property
    def needs_attention(self) -> list[CenterRound]:
        return [c for c in self.centers if c.state.needs_attention]


def merge_ratings(
    register_ratings: Iterable[Rating],
    collected: Iterable[Rating],
    keys: Mapping[str, str] | None = None,
) -> RatingIndex:
    """One rating per (item, round): collected returns win over the register.
    ``keys``: the register's key table (the index names items with its strings)."""
    index = RatingIndex(register_ratings, keys)
    index.add(collected, keys)
    return index


# Findings in an accepted return that the center should fix (a correction workbook).
REMARKS = {"missing-rating", "comment-too-long", "formula-in-cell", "formula-text"}


def reviewed_state(
    state: CenterState,
    accepted: Received | None,
    review: Review | None,
    received: Sequence[Received],
) -> CenterState:
    """Finance's latest decision on the accepted return, when it is about that return
    and was made after every rejected file that followed it (``received``, the
    center's files); else an accepted return with remarks is told apart from a
    clean one. A file rejected after the decision is news again."""
    if accepted is None or state not in (
        CenterState.ACCEPTED,
        CenterState.ACCEPTED_LATER_REJECTED,
    ):
        return state
    if review is not None and review.received_id == accepted.id:
        later = [r for r in received if r.id > accepted.id and r.verdict != Verdict.SUPERSEDED]
        if all(r.received_at <= review.at for r in later):
            return CenterState.RETURNED if review.action == "return" else CenterState.ACCEPTED
    if state is CenterState.ACCEPTED and any(
        f.get("code") in REMARKS for f in accepted.finding_list
    ):
        return CenterState.ACCEPTED_WITH_REMARKS
    return state


def center_state(received: list[Received]) -> tuple[CenterState, Received | None]:
    """A center's state from its files of one round, in arrival order."""
    accepted = next((r for r in reversed(received) if r.verdict == Verdict.ACCEPTED), None)
    if any(r.verdict == Verdict.UNDECIDED for r in received):
        return CenterState.UNDECIDED, accepted
    latest = received[-1] if received else None
    if accepted is not None:
        later = [r for r in received if r.id > accepted.id and r.verdict != Verdict.SUPERSEDED]
        if later:
            return CenterState.ACCEPTED_LATER_REJECTED, accepted
        return CenterState.ACCEPTED, accepted
    if latest is None:
        return CenterState.MISSING, None
    if latest.verdict == Verdict.NO_ANSWERS:
        return CenterState.NO_ANSWERS, None
    return CenterState.REJECTED, None


def round_state(
    register: Register, rnd: Round, ledger: Ledger, keys: dict[str, str] | None = None
) -> RoundState:
    """The state of round ``rnd``: centers, merged ratings, flags and changes.

    ``keys``: the register's key table, when the caller has one (the master reads
    what each round asked with the same strings)."""
    keys = keys if keys is not None else register.key_table()
    collected = ledger.accepted_ratings(up_to_round=rnd.number, keys=keys)
    ratings = merge_ratings((r for r in register.ratings if r.round <= rnd.number), collected, keys)
    issued = ledger.issued_rows(rnd.number, keys)
    del keys
    by_template = {i.template_id: i for i in issued}
    mine: dict[str, list[Received]] = {}
    stray: list[Received] = []
    for rec in ledger.received(rnd.number):
        if rec.center and rec.template_id in by_template:
            mine.setdefault(rec.center, []).append(rec)
        elif rec.verdict == Verdict.UNPACKED:
            continue  # an opened e-mail: its workbooks count
        elif ledger.own_round_of(rec.sha256) is None:  # not since collected where it belongs
            stray.append(rec)
    versions: dict[str, list[IssuedRow]] = {}
    for i in issued:
        versions.setdefault(i.center, []).append(i)
    changed_since = ledger.earlier_rounds_changed(rnd.number)
    reviews = {r.center: r for r in ledger.reviews(rnd.number)}
    rated = {r.item_key for r in collected if r.round == rnd.number and r.smiley is not None}
    book = answer_book(register, ledger, rnd.number)
    # A form without a smiley: an item with any answer is answered.
    given = {
        (a.center, a.item_key)
        for a in book.answers
        if a.round == rnd.number and a.value is not None
    }
    centers = []
    asked: dict[str, tuple[str, ...]] = {}
    for name, rows in versions.items():
        state, accepted = center_state(mine.get(name, []))
        state = reviewed_state(state, accepted, reviews.get(name), mine.get(name, []))
        if accepted is not None and accepted.template_id in by_template:
            answered_on = by_template[accepted.template_id]  # the version it was made on
            asked[name] = answered_on.asked
            if state.returned and rows[-1].id > answered_on.id:
                # A version issued since asks more: what it asks and no answer gave.
                more = [k for k in rows[-1].asked if k not in rated and (name, k) not in given]
                if more:
                    asked[name] = tuple(dict.fromkeys((*answered_on.asked, *more)))
                    state = CenterState.NEW_VERSION
        # A workbook issued before an earlier round's return of the center was recorded
        # lacks that history; it matters while the center still owes this round.
        last_change = changed_since.get(name)
        stale = last_change is not None and last_change > rows[-1].issued_at and not state.returned
        centers.append(
            CenterRound(
                name,
                tuple(rows),
                tuple(mine.get(name, [])),
                state,
                accepted,
                stale,
                reviews.get(name),
            )
        )
    unanswered = unanswered_items(asked, rated, given)
    del rated, given
    not_returned = [c.center for c in centers if c.state.silent]
    flags = compute_flags(register, rnd, ratings, unanswered, not_returned)
    found = answer_flags(register, rnd.number, book)
    flags = with_answer_flags(flags, found)
    # The previous round is the latest one held: a round finance skipped compares nothing.
    held = set(ledger.rounds_recorded()) | set(ratings.rounds())
    changes = changes_since_previous(register, rnd, ratings, held)
    earlier = [r.number for r in register.rounds if r.number < rnd.number and r.number in held]
    if found and earlier:
        before = answer_flags(register, max(earlier), book)
        changes += answer_changes(register, rnd, found, before)
    phase = RoundPhase(ledger.round_state(rnd.number))
    compared = register.find_round(max(earlier)) if earlier else None
    return RoundState(register, rnd, phase, centers, ratings, flags, changes, stray, book, compared)


def unanswered_items(
    asked: dict[str, tuple[str, ...]], rated: set[str], given: set[tuple[str, str]]
) -> dict[str, set[str]]:
    """Per center, the items its accepted workbook asked for (``asked``) that have no
    answer this round: no smiley (``rated``: the items given one) and no typed answer
    (``given``: center and item). Centers that answered everything are left out.

    Only the unanswered few are kept: per-center sets of what was asked and what was
    answered, with an index from item to centers, held 30 MB at 1,000 centers."""
    out: dict[str, set[str]] = {}
    for center, keys in asked.items():
        missing = {k for k in keys if k not in rated and (center, k) not in given}
        if missing:
            out[center] = missing
    return out


def answer_book(register: Register, ledger: Ledger, up_to_round: int) -> AnswerBook:
    """The typed answers of accepted returns up to a round, with every field known by id:
    the register's form, then the forms issued (latest round first: its labels win)."""
    issued = ledger.forms_issued(up_to_round)
    forms = [form for number in sorted(issued, reverse=True) for form in issued[number]]
    book = AnswerBook.build(register.form, forms, ledger.accepted_answers(up_to_round))
    if not book.values:  # the default form, or nothing collected yet
        return book
    known = set(register.items()) | {i.key for i in register.initiatives}
    gone = book.item_keys() - known
    if gone:  # removed from the register since: their text as the workbooks showed it
        book.retired = issued_texts(ledger, gone, sorted({r for _, r in book.values}))
    return book


def issued_texts(ledger: Ledger, keys: set[str], rounds: list[int]) -> dict[str, str]:
    """The text column of ``keys``' rows in the workbooks issued in ``rounds`` (the
    latest issue wins): what a removed milestone said when it was asked."""
    from sheetflow.issue.layout import COL_TEXT

    out: dict[str, str] = {}
    for number in rounds:
        for issued in ledger.issued(number):
            layout = json.loads(issued.layout)
            rows = {int(r): k for r, k in layout["row_keys"].items() if k in keys}
            for cell in layout["cells"]:
                if cell[1] == COL_TEXT and cell[0] in rows:
                    out[rows[cell[0]]] = cell[2]
    return out
