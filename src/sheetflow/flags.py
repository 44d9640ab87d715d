"""Flags for round R with as-of date D (docs/domain.md#flags), as pure functions.

- red: a due milestone, or the economy, whose latest rating is red;
- overdue: a milestone whose deadline is on or before D and whose latest
  rating is not green (never rated included);
- missing: a rating this round's workbook asked for and the center left empty;
- not returned: a center sent a workbook for R with no accepted return;
- answer: an answer to a form field meets the field's flag rule
  (``with_answer_flags``; a form of finance's own only).

An item marked "ikke relevant" in the register is none of these: it is not
asked, so it is never missing, and a plan that says it has no effect is
neither red nor overdue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sheetflow.answers import stored
from sheetflow.model import (
    Milestone,
    Note,
    Rating,
    RatingIndex,
    Register,
    Round,
    note_for,
)
from sheetflow.smiley import Smiley

if TYPE_CHECKING:
    from sheetflow.answer_book import AnswerFlag

RED, OVERDUE, MISSING, NOT_RETURNED = "red", "overdue", "missing", "not-returned"
KINDS = (RED, OVERDUE, MISSING, NOT_RETURNED)
# An answer that meets its form field's flag rule ("R", "> Budget", "> forrige"):
# counted only where it occurs, so a default-form round's counts are as before.
ANSWER = "answer"
# The few combinations of kinds, each one tuple shared by every flag and change that
# has it: a tuple apiece was 9 MB of a round's state at 1,000 centers.
_KIND_SETS: dict[tuple[str, ...], tuple[str, ...]] = {}


def _kinds(kinds: list[str]) -> tuple[str, ...]:
    found = tuple(kinds)
    return _KIND_SETS.setdefault(found, found)


@dataclass(frozen=True, slots=True)
class Flag:
    """One flagged item (or center, for not-returned), with every kind that applies."""

    kinds: tuple[str, ...]
    center: str
    initiative_key: str = ""
    item_key: str = ""
    rating: Rating | None = None
    note: Note | None = None
    answers: tuple[AnswerFlag, ...] = ()  # ANSWER: the answers that met their rule

    def to_dict(self) -> dict[str, object]:
        out = {
            "kinds": list(self.kinds),
            "center": self.center,
            "initiative_key": self.initiative_key,
            "item_key": self.item_key,
            **rating_fields(self.rating, self.note),
        }
        if self.answers:
            out["answers"] = [
                {"field": a.field.id, "value": stored(a.value), "previous": stored(a.previous)}
                for a in self.answers
            ]
        return out


def rating_fields(rating: Rating | None, note: Note | None) -> dict[str, object]:
    """A shown rating as JSON: its smiley, its round and its own comment only; a
    comment from another round is kept apart, with that round."""
    other = note if note is not None and not note.own else None
    return {
        "smiley": rating.smiley.value if rating and rating.smiley else None,
        "rating_round": rating.round if rating else None,
        "comment": rating.comment if rating else "",
        "other_comment": {"round": other.round, "text": other.text} if other else None,
    }


def compute_flags(
    register: Register,
    rnd: Round,
    ratings: Iterable[Rating],
    unanswered: dict[str, set[str]] | None = None,
    not_returned: Iterable[str] = (),
) -> list[Flag]:
    """Flags in register order, then the centers that did not return.

    ``unanswered`` maps a center that returned an accepted workbook to the item
    keys its workbook asked for and it left without an answer (``roundstate``).
    """
    rounds = register.rounds_by_number
    index = RatingIndex.of(ratings)
    latest = index.latest_up_to(rnd.number)
    this_round = index.of_round(rnd.number)
    unanswered = unanswered or {}
    flags: list[Flag] = []
    for ini in register.initiatives:
        center_missing = unanswered.get(ini.center, set())
        for ms in ini.milestones:
            if ms.is_placeholder or ms.not_applicable:
                continue
            kinds = []
            rating = latest.get(ms.key)
            due = ms.deadline.due_by(rnd, rounds)
            if due and rating is not None and rating.smiley is Smiley.RED:
                kinds.append(RED)
            if due and _not_green(rating):
                kinds.append(OVERDUE)
            if ms.key in center_missing:
                kinds.append(MISSING)
            if kinds:
                shown = shown_rating(this_round.get(ms.key), rating)
                note = shown_note(shown, rnd, index.history(ms.key, rnd.number))
                flags.append(Flag(_kinds(kinds), ini.center, ini.key, ms.key, shown, note))
        if ini.economy_na:
            continue
        kinds = []
        eco = latest.get(ini.economy_key)
        if eco is not None and eco.smiley is Smiley.RED:
            kinds.append(RED)
        if ini.economy_key in center_missing:
            kinds.append(MISSING)
        if kinds:
            shown = shown_rating(this_round.get(ini.economy_key), eco)
            note = shown_note(shown, rnd, index.history(ini.economy_key, rnd.number))
            flags.append(Flag(_kinds(kinds), ini.center, ini.key, ini.economy_key, shown, note))
    flags.extend(Flag((NOT_RETURNED,), center) for center in not_returned)
    return flags


def shown_rating(now: Rating | None, latest: Rating | None) -> Rating | None:
    """The rating a flag shows: this round's (``now``) when the center gave a smiley or
    a comment, else the latest with a smiley, carried over from an earlier round (its
    comment labelled with that round). A red left blank is shown red beside its "red"
    flag, not as an empty cell; a comment given now is shown as this round's."""
    if now is not None and (now.smiley is not None or now.comment):
        return now
    return latest or now


def shown_note(shown: Rating | None, rnd: Round, history: Iterable[Rating]) -> Note | None:
    """The comment beside a flagged or changed item's shown rating: its own only when
    the rating is this round's; a rating carried over from an earlier round (the
    center did not rate the item now) has its comment labelled with its round, so
    it never reads as this round's."""
    return note_for(shown if shown is not None and shown.round == rnd.number else None, history)


def _not_green(latest: Rating | None) -> bool:
    """A due milestone is overdue unless its latest rating is green."""
    return latest is None or latest.smiley is not Smiley.GREEN


def _overdue(ms: Milestone, rnd: Round, rounds: dict[int, Round], latest: Rating | None) -> bool:
    """A milestone with text, not marked "ikke relevant", due by ``rnd`` and not green
    by ``latest``, its latest rating up to ``rnd``."""
    return (
        not ms.is_placeholder
        and not ms.not_applicable
        and ms.deadline.due_by(rnd, rounds)
        and _not_green(latest)
    )


def count_flags(flags: Iterable[Flag]) -> dict[str, int]:
    """How many flags of each kind."""
    counts = dict.fromkeys(KINDS, 0)
    for flag in flags:
        for kind in flag.kinds:
            counts[kind] = counts.get(kind, 0) + 1
    return counts


TURNED_RED, TURNED_GREEN, BECAME_OVERDUE = "turned-red", "turned-green", "became-overdue"
NEWLY_FLAGGED = "newly-flagged"  # an answer of finance's own form that now meets its rule


@dataclass(frozen=True, slots=True)
class Change:
    """What changed for one item between the previous round and this one."""

    kinds: tuple[str, ...]
    center: str
    initiative_key: str
    item_key: str
    before: Smiley | None
    after: Smiley | None
    note: Note | None = None
    answers: tuple[AnswerFlag, ...] = ()  # NEWLY_FLAGGED: the answers, with their previous


def changes_since_previous(
    register: Register, rnd: Round, ratings: Iterable[Rating], held: set[int] | None = None
) -> list[Change]:
    """Items that turned red, turned green (from a rated non-green) or became overdue
    since the round before ``rnd``, the latest of the ``held`` ones (default: every
    round of the register); empty for the first round."""
    earlier = [
        r for r in register.rounds if r.number < rnd.number and (held is None or r.number in held)
    ]
    if not earlier:
        return []
    prev = max(earlier, key=lambda r: r.number)
    index = RatingIndex.of(ratings)
    now = index.latest_up_to(rnd.number)
    before = index.latest_up_to(prev.number)
    this_round = index.of_round(rnd.number)
    rounds = register.rounds_by_number
    out: list[Change] = []
    for ini in register.initiatives:
        items: list[tuple[str, Milestone | None]] = [
            (m.key, m) for m in ini.milestones if not m.is_placeholder and not m.not_applicable
        ]
        if not ini.economy_na:
            items.append((ini.economy_key, None))
        for key, ms in items:
            latest_now, latest_before = now.get(key), before.get(key)
            a = latest_before.smiley if latest_before is not None else None
            b = latest_now.smiley if latest_now is not None else None
            kinds = []
            if b is Smiley.RED and a is not Smiley.RED:
                kinds.append(TURNED_RED)
            elif b is Smiley.GREEN and a is not None and a is not Smiley.GREEN:
                kinds.append(TURNED_GREEN)
            if (
                ms is not None
                and _overdue(ms, rnd, rounds, latest_now)
                and not _overdue(ms, prev, rounds, latest_before)
            ):
                kinds.append(BECAME_OVERDUE)
            if kinds:
                shown = this_round.get(key) or latest_now
                note = shown_note(shown, rnd, index.history(key, rnd.number))
                out.append(Change(_kinds(kinds), ini.center, ini.key, key, a, b, note))
    return out


def answer_changes(
    register: Register, rnd: Round, now: Iterable[AnswerFlag], before: Iterable[AnswerFlag]
) -> list[Change]:
    """Items whose answers meet their field's rule now and did not in the previous round
    (a RAG that turned "R", a forecast that went above budget): the form's own changes."""
    flagged_before = {(a.item_key, a.field.id) for a in before}
    by_item: dict[str, list[AnswerFlag]] = {}
    for a in now:
        if (a.item_key, a.field.id) not in flagged_before:
            by_item.setdefault(a.item_key, []).append(a)
    return [
        Change((NEWLY_FLAGGED,), found[0].center, found[0].initiative_key, key, None, None, None,
               tuple(found))
        for key, found in by_item.items()
    ]  # fmt: skip


def with_answer_flags(flags: list[Flag], found: Iterable[AnswerFlag]) -> list[Flag]:
    """``flags`` with ANSWER added for each answer that met its rule: an item already
    flagged gets the kind and its answers; another gets a flag of its own, after the
    item flags and before the centers that did not return."""
    by_item: dict[str, list[AnswerFlag]] = {}
    for a in found:
        by_item.setdefault(a.item_key, []).append(a)
    if not by_item:
        return flags
    out: list[Flag] = []
    for flag in flags:
        mine = by_item.pop(flag.item_key, None) if flag.item_key else None
        if mine:
            flag = Flag((*flag.kinds, ANSWER), flag.center, flag.initiative_key,
                        flag.item_key, flag.rating, flag.note, tuple(mine))  # fmt: skip
        out.append(flag)
    items = [f for f in out if f.item_key]
    centers = [f for f in out if not f.item_key]
    for item_key, mine in by_item.items():
        first = mine[0]
        items.append(
            Flag((ANSWER,), first.center, first.initiative_key, item_key, answers=tuple(mine))
        )
    return items + centers
