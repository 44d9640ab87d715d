"""Ratings across the rounds of the year, as plain data (no files).

Each item (a milestone with text, or an initiative's economy) gets one state
per round of the register:

- green / yellow / red: rated in that round;
- missing: the round asked for it (or recorded it without a smiley) and no
  smiley came; every workbook asks for the economy, so an unrated economy line
  is missing, unless the round's workbooks (issued by sheetflow) did not ask
  for it: an initiative added to the register after the round;
- not asked: a milestone due by the round's as-of date that the round did not
  ask about (e.g. it was green before, so it was not asked again), or an
  economy line the round's workbooks did not ask about;
- not applicable: a milestone not due yet;
- not relevant: an item marked "ikke relevant" in the register (never asked,
  never missing);
- future: a round after the one reported on (left empty).

These are exactly ratings.csv's rows: a milestone is in ratings.csv for a
round when it was rated or asked, an economy line when ``economy_asked``.

The streak is how many rounds in a row, counting back from the round
reported on, the item was rated yellow or red; any other state ends it.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sheetflow.model import (
    ECONOMY,
    MILESTONE,
    Initiative,
    Milestone,
    Rating,
    RatingIndex,
    Register,
    Round,
)


class State(enum.StrEnum):
    """One item's state in one round."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    MISSING = "missing"
    NOT_ASKED = "not-asked"
    NOT_APPLICABLE = "not-applicable"
    NOT_RELEVANT = "not-relevant"  # marked "ikke relevant" in the register
    FUTURE = "future"


NOT_GREEN = (State.YELLOW, State.RED)
COUNTED = (State.GREEN, State.YELLOW, State.RED, State.MISSING)


@dataclass(frozen=True)
class TrendRow:
    """One item across the year's rounds (``states`` in register round order)."""

    initiative: Initiative
    milestone: Milestone | None
    item_key: str
    states: tuple[State, ...]
    not_green_streak: int
    red_streak: int


def item_state(
    key: str,
    milestone: Milestone | None,
    rnd: Round,
    rating: Rating | None,
    asked: set[str] | None,
    rounds: dict[int, Round],
    not_relevant: bool = False,
) -> State:
    """The state of one item in one round (up to the round reported on); ``asked``
    holds what the round's issued workbooks asked for, None when the ledger has
    no workbooks of the round (its ratings came with the register)."""
    if rating is not None and rating.smiley is not None:
        return State(rating.smiley.value)
    if not_relevant:
        return State.NOT_RELEVANT
    if milestone is None:
        return State.MISSING if economy_asked(key, rating, asked) else State.NOT_ASKED
    if rating is not None or key in (asked or ()):
        return State.MISSING
    if not milestone.deadline.due_by(rnd, rounds):
        return State.NOT_APPLICABLE
    return State.NOT_ASKED


def economy_asked(key: str, rating: Rating | None, asked: set[str] | None) -> bool:
    """Whether a round asked for an economy line: every workbook does, so it did when
    the line was rated or recorded, or when the round's workbooks are not known
    (``asked`` None); else when they asked for it. An initiative added to the
    register after the round was never asked there, and is no gap in it."""
    return rating is not None or asked is None or key in asked


def held_rounds(asked: dict[int, set[str]], ratings: RatingIndex) -> set[int]:
    """The rounds that took place: issued by sheetflow (``asked``) or with ratings (the
    register's own, for rounds before sheetflow). A round of the register that was
    never held (finance went from round 2 to the year end) asks nothing, is no gap,
    and does not break a streak."""
    return set(asked) | set(ratings.rounds())


def carried_over(states: Iterable[State]) -> list[State]:
    """The states with each gap (MISSING) read as the latest smiley before it: an item
    asked and left unanswered stands as it last stood, as the flags and the counts
    judge it ("Rød" in the flag list). A red the center stopped answering is still
    red in a row; the trend cells still say "Mangler"."""
    out: list[State] = []
    last: State | None = None
    for state in states:
        if state in (State.GREEN, State.YELLOW, State.RED):
            last = state
        elif state is State.MISSING and last is not None:
            state = last
        out.append(state)
    return out


def streak(states: Iterable[State], of: tuple[State, ...]) -> int:
    """How many states in a row, from the last, are among ``of``."""
    n = 0
    for state in reversed(list(states)):
        if state not in of:
            break
        n += 1
    return n


def trend_rows(
    register: Register, upto: Round, ratings: Iterable[Rating], asked: dict[int, set[str]]
) -> list[TrendRow]:
    """Every item in register order with its state per round; rounds after ``upto``
    are FUTURE and do not count in the streaks."""
    return list(iter_trend_rows(register, upto, ratings, asked))


def iter_trend_rows(
    register: Register, upto: Round, ratings: Iterable[Rating], asked: dict[int, set[str]]
) -> Iterator[TrendRow]:
    """``trend_rows`` one at a time (the master passes over them without holding
    every item's row)."""
    rounds = sorted(register.rounds, key=lambda r: r.number)
    by_number = register.rounds_by_number
    by_key = RatingIndex.of(ratings)
    not_relevant = register.not_applicable()
    held = held_rounds(asked, by_key)
    # Where a past round's state counts in a streak: the rounds held up to ``upto``.
    streak_at = [i for i, r in enumerate(rounds) if r.number <= upto.number and r.number in held]
    # A form of finance's own that asks no smiley of an item kind has no smiley trend for it.
    milestones, economy = register.form.rates(MILESTONE), register.form.rates(ECONOMY)
    for ini in register.initiatives:
        items: list[tuple[str, Milestone | None]] = [
            (ms.key, ms) for ms in ini.milestones if not ms.is_placeholder and milestones
        ]
        if economy:
            items.append((ini.economy_key, None))
        for key, ms in items:
            states = tuple(
                item_state(
                    key,
                    ms,
                    r,
                    by_key.get(key, r.number),
                    asked.get(r.number) if r.number in held else set(),
                    by_number,
                    key in not_relevant,
                )
                if r.number <= upto.number
                else State.FUTURE
                for r in rounds
            )
            past = carried_over(states[i] for i in streak_at)
            yield TrendRow(
                ini, ms, key, states, streak(past, NOT_GREEN), streak(past, (State.RED,))
            )


@dataclass(frozen=True, slots=True)
class RedStreak:
    """An item red two rounds or more in a row, as the summary lists it: its texts, not
    its initiative (the register is read from its store as it is walked, and the
    initiatives of 20,000 such items held 13 MB at 1,000 centers)."""

    item_key: str
    label: str  # the initiative's
    center: str
    text: str  # the milestone's; empty for an economy line
    deadline: str
    red_streak: int
    milestone: bool


def overview(
    rows: Iterable[TrendRow], n_rounds: int, at_least: int = 2
) -> tuple[list[Counter[State]], list[RedStreak]]:
    """Per round (register order), how many items are green, yellow, red or missing,
    and the items rated red in at least ``at_least`` rounds in a row up to the last
    round: one pass over the rows (each pass computes every item's states again,
    0.3 s at 48,000 items)."""
    counts: list[Counter[State]] = [Counter() for _ in range(n_rounds)]
    red: list[RedStreak] = []
    for row in rows:
        for i, state in enumerate(row.states):
            if state in COUNTED:
                counts[i][state] += 1
        if row.red_streak >= at_least:
            ini, ms = row.initiative, row.milestone
            text, deadline = (ms.text, ms.deadline.text) if ms else ("", "")
            red.append(
                RedStreak(
                    row.item_key, ini.label, ini.center, text, deadline, row.red_streak, bool(ms)
                )
            )
    return counts, red
