"""Flags for round R with as-of date D (docs/domain.md#flags), on small hand-built registers."""

from __future__ import annotations

import datetime as dt

import pytest

from sheetflow.flags import (
    BECAME_OVERDUE,
    MISSING,
    NOT_RETURNED,
    OVERDUE,
    RED,
    TURNED_GREEN,
    TURNED_RED,
    Flag,
    changes_since_previous,
    compute_flags,
    count_flags,
)
from sheetflow.model import (
    Center,
    Deadline,
    Initiative,
    Milestone,
    Note,
    Rating,
    RatingIndex,
    Register,
    ReportInfo,
    Round,
    Section,
    economy_key,
    milestone_key,
)
from sheetflow.roundstate import unanswered_items
from sheetflow.smiley import Smiley

G, Y, R = Smiley.GREEN, Smiley.YELLOW, Smiley.RED
CENTER = "Center for Test"
OTHER = "Andet Center"

ROUNDS = [
    Round(1, "1. budgetopfølgning 2017", dt.date(2017, 3, 31), dt.date(2017, 4, 14)),
    Round(2, "2. budgetopfølgning 2017", dt.date(2017, 6, 30), dt.date(2017, 7, 14)),
    Round(3, "3. budgetopfølgning 2017", dt.date(2017, 9, 30), dt.date(2017, 10, 14)),
]
R1, R2, R3 = ROUNDS


def by_round(n: int) -> Deadline:
    return Deadline(ROUNDS[n - 1].name, round=n)


def by_date(day: dt.date) -> Deadline:
    return Deadline(f"{day.day:02d}.{day.month:02d}.{day.year}", date=day)


def initiative(
    key: str,
    deadlines: list[Deadline],
    center: str = CENTER,
    placeholders: frozenset[int] = frozenset(),
) -> Initiative:
    """An initiative whose milestones have these deadlines; rows at ``placeholders``
    (1-based) have no text."""
    milestones = tuple(
        Milestone(
            milestone_key(key, n),
            key,
            n,
            " " if n in placeholders else f"Milepæl {n} for {key}",
            d,
        )
        for n, d in enumerate(deadlines, start=1)
    )
    return Initiative(
        key=key,
        section="1",
        number=f"1.0{key[-1]}",
        title=f"Delelement {key}",
        kind="drift",
        description="",
        details="",
        center=center,
        committee="Økonomiudvalget",
        contributors="",
        economy="Ingen særskilt økonomi.",
        milestones=milestones,
    )


def register(*initiatives: Initiative) -> Register:
    return Register(
        info=ReportInfo(agreement="Aftale om budget 2017"),
        sections=[Section("1", "Test")],
        initiatives=list(initiatives),
        rounds=list(ROUNDS),
        centers=[Center(CENTER), Center(OTHER)],
    )


def rating(round_: int, key: str, smiley: Smiley | None, comment: str = "") -> Rating:
    return Rating(round_, key, smiley, comment, f"test.xlsx!Status!G{round_}")


def flagged(flags: list[Flag]) -> dict[str, tuple[str, ...]]:
    return {f.item_key: f.kinds for f in flags if f.item_key}


# ------------------------------------------------------------------ due dates


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (R2.as_of - dt.timedelta(days=1), True),
        (R2.as_of, True),  # on the as-of date: due
        (R2.as_of + dt.timedelta(days=1), False),
    ],
    ids=["day-before", "on-as-of-date", "day-after"],
)
def test_date_deadline_on_the_as_of_date_is_due(day: dt.date, due: bool) -> None:
    reg = register(initiative("D1", [by_date(day)]))
    flags = compute_flags(reg, R2, [])
    ms = milestone_key("D1", 1)
    assert flagged(flags) == ({ms: (OVERDUE,)} if due else {})


@pytest.mark.parametrize(
    ("deadline_round", "evaluated", "due"),
    [(1, R2, True), (2, R2, True), (3, R2, False), (3, R3, True)],
)
def test_round_deadline_is_due_from_that_rounds_as_of_date(
    deadline_round: int, evaluated: Round, due: bool
) -> None:
    reg = register(initiative("D1", [by_round(deadline_round)]))
    flags = compute_flags(reg, evaluated, [])
    assert flagged(flags) == ({milestone_key("D1", 1): (OVERDUE,)} if due else {})


def test_round_deadline_and_date_deadline_side_by_side() -> None:
    """A round deadline counts from its round's as-of date; a date from the date."""
    between = dt.date(2017, 8, 15)  # after round 2's as-of date, before round 3's
    reg = register(initiative("D1", [by_round(3), by_date(between), by_date(R3.as_of)]))
    m1, m2, m3 = (milestone_key("D1", n) for n in (1, 2, 3))
    assert flagged(compute_flags(reg, R2, [])) == {}
    assert flagged(compute_flags(reg, R3, [])) == {m1: (OVERDUE,), m2: (OVERDUE,), m3: (OVERDUE,)}


# ------------------------------------------------------------------ latest rating


def test_red_then_green_is_not_flagged() -> None:
    reg = register(initiative("D1", [by_round(1)]))
    ms = milestone_key("D1", 1)
    ratings = [rating(1, ms, R, "Forsinket"), rating(2, ms, G, "Nu i mål")]
    assert flagged(compute_flags(reg, R1, ratings)) == {ms: (RED, OVERDUE)}
    assert flagged(compute_flags(reg, R2, ratings)) == {}
    assert flagged(compute_flags(reg, R3, ratings)) == {}


def test_green_then_red_is_flagged_red() -> None:
    reg = register(initiative("D1", [by_round(1)]))
    ms = milestone_key("D1", 1)
    ratings = [rating(1, ms, G), rating(2, ms, R, "Gik galt alligevel")]
    flags = compute_flags(reg, R2, ratings)
    assert flagged(flags) == {ms: (RED, OVERDUE)}
    assert flags[0].rating is not None
    assert flags[0].rating.comment == "Gik galt alligevel"


def test_empty_later_rating_keeps_the_earlier_smiley() -> None:
    """A round with no smiley does not wipe out the latest one given."""
    reg = register(initiative("D1", [by_round(1)]))
    ms = milestone_key("D1", 1)
    ratings = [rating(1, ms, R), rating(2, ms, None, "Ingen status")]
    assert flagged(compute_flags(reg, R2, ratings))[ms][:2] == (RED, OVERDUE)


def test_later_rounds_ratings_do_not_count() -> None:
    reg = register(initiative("D1", [by_round(1)]))
    ms = milestone_key("D1", 1)
    ratings = [rating(1, ms, R), rating(3, ms, G)]
    assert flagged(compute_flags(reg, R2, ratings)) == {ms: (RED, OVERDUE)}


def test_never_rated_due_milestone_is_overdue_not_red() -> None:
    reg = register(initiative("D1", [by_round(2)]))
    ms = milestone_key("D1", 1)
    flags = compute_flags(reg, R2, [])
    assert flagged(flags) == {ms: (OVERDUE,)}
    assert flags[0].rating is None
    assert flags[0].center == CENTER
    assert flags[0].initiative_key == "D1"


def test_yellow_due_milestone_is_overdue_only() -> None:
    reg = register(initiative("D1", [by_round(2)]))
    ms = milestone_key("D1", 1)
    assert flagged(compute_flags(reg, R2, [rating(2, ms, Y)])) == {ms: (OVERDUE,)}


def test_red_milestone_not_yet_due_is_not_flagged() -> None:
    reg = register(initiative("D1", [by_round(3)]))
    ms = milestone_key("D1", 1)
    assert flagged(compute_flags(reg, R2, [rating(2, ms, R)])) == {}


def test_green_due_milestone_is_not_flagged() -> None:
    reg = register(initiative("D1", [by_round(1)]))
    ms = milestone_key("D1", 1)
    assert compute_flags(reg, R2, [rating(1, ms, G)]) == []


# ------------------------------------------------------------------- economy


@pytest.mark.parametrize(
    ("smiley", "kinds"),
    [(R, (RED,)), (Y, None), (G, None), (None, None)],
    ids=["red", "yellow", "green", "unrated"],
)
def test_economy_red_is_red(smiley: Smiley | None, kinds: tuple[str, ...] | None) -> None:
    reg = register(initiative("D1", []))
    eco = economy_key("D1")
    flags = compute_flags(reg, R2, [rating(2, eco, smiley, "Merforbrug")] if smiley else [])
    assert flagged(flags) == ({eco: kinds} if kinds else {})
    if kinds:
        assert flags[0].rating is not None
        assert flags[0].rating.comment == "Merforbrug"


def test_economy_red_earlier_then_green_is_not_flagged() -> None:
    reg = register(initiative("D1", []))
    eco = economy_key("D1")
    assert flagged(compute_flags(reg, R2, [rating(1, eco, R), rating(2, eco, G)])) == {}


# --------------------------------------------------- missing and not returned


def test_missing_when_asked_and_not_answered() -> None:
    reg = register(initiative("D1", [by_round(1), by_round(2)]))
    m1, m2, eco = milestone_key("D1", 1), milestone_key("D1", 2), economy_key("D1")
    ratings = [rating(1, m1, Y), rating(2, m1, G), rating(2, m2, None), rating(2, eco, None)]
    unanswered = unanswered_items({CENTER: (m1, m2, eco)}, {m1}, set())
    assert unanswered == {CENTER: {m2, eco}}
    flags = compute_flags(reg, R2, ratings, unanswered)
    assert flagged(flags) == {m2: (OVERDUE, MISSING), eco: (MISSING,)}


def test_answered_items_are_not_missing() -> None:
    ms, eco, other = milestone_key("D1", 1), economy_key("D1"), milestone_key("D2", 1)
    # A smiley answers an item; in a form without one, a typed answer of the center does.
    assert unanswered_items({CENTER: (ms, eco)}, {ms, eco}, set()) == {}
    assert unanswered_items({CENTER: (ms, eco)}, {ms}, {(CENTER, eco)}) == {}
    assert unanswered_items({CENTER: (ms, eco)}, {ms}, {(OTHER, eco)}) == {CENTER: {eco}}
    # What another center was asked and answered is not this center's.
    asked = {CENTER: (ms,), OTHER: (other,)}
    assert unanswered_items(asked, {other}, set()) == {CENTER: {ms}}


def test_missing_only_for_the_center_that_was_asked() -> None:
    reg = register(initiative("D1", [by_round(3)]), initiative("D2", [by_round(3)], OTHER))
    m1, m2 = milestone_key("D1", 1), milestone_key("D2", 1)
    flags = compute_flags(reg, R2, [], {OTHER: {m1, m2}})
    assert flagged(flags) == {m2: (MISSING,)}
    assert flags[0].center == OTHER


def test_not_returned_centers_come_last() -> None:
    reg = register(initiative("D1", [by_round(1)]), initiative("D2", [], OTHER))
    flags = compute_flags(reg, R2, [], not_returned=[OTHER])
    assert flags[-1] == Flag((NOT_RETURNED,), OTHER)
    assert flags[-1].item_key == ""
    assert [f.kinds for f in flags[:-1]] == [(OVERDUE,)]
    assert count_flags(flags) == {RED: 0, OVERDUE: 1, MISSING: 0, NOT_RETURNED: 1}


# --------------------------------------------------------------- placeholders


def test_placeholders_are_never_flagged() -> None:
    """A row without text is not a milestone: never red, overdue or missing."""
    deadlines = [by_round(1), by_round(1), by_date(R1.as_of)]
    reg = register(initiative("D1", deadlines, placeholders=frozenset({1, 3})))
    p1, ms, p3 = (milestone_key("D1", n) for n in (1, 2, 3))
    assert reg.initiatives[0].milestones[0].is_placeholder
    ratings = [rating(1, p1, R), rating(2, p3, R), rating(2, ms, G)]
    # Were the placeholders somehow left without an answer, still no flag.
    assert compute_flags(reg, R3, ratings, {CENTER: {p1, p3}}) == []
    assert compute_flags(reg, R3, []) == [Flag((OVERDUE,), CENTER, "D1", ms, None)]


# ------------------------------------------------------------------- order


def test_flags_follow_register_order() -> None:
    reg = register(
        initiative("D2", [by_round(1)]),
        initiative("D1", [by_round(1), by_round(2)]),
    )
    eco2 = economy_key("D2")
    ratings = [rating(2, eco2, R)]
    flags = compute_flags(reg, R2, ratings)
    assert [f.item_key for f in flags] == [
        milestone_key("D2", 1),
        eco2,
        milestone_key("D1", 1),
        milestone_key("D1", 2),
    ]
    assert count_flags(flags) == {RED: 1, OVERDUE: 3, MISSING: 0, NOT_RETURNED: 0}


def test_flag_shows_this_rounds_rating_when_given() -> None:
    """A this-round rating without a smiley is shown (its comment), not the older one."""
    reg = register(initiative("D1", [by_round(1)]))
    ms = milestone_key("D1", 1)
    ratings = [rating(1, ms, R, "Gammel"), rating(2, ms, None, "Ny kommentar")]
    flags = compute_flags(reg, R2, ratings, {CENTER: {ms}})
    assert flags[0].kinds == (RED, OVERDUE, MISSING)
    assert flags[0].rating is not None
    assert flags[0].rating.comment == "Ny kommentar"


def test_a_red_left_blank_is_shown_red_with_its_rounds_comment() -> None:
    """A trial's red flag had no smiley: round 2 recorded the item blank, and the flag
    showed that blank rating. The red it flags is shown, its comment labelled."""
    reg = register(initiative("D1", [by_round(1)]))
    ms = milestone_key("D1", 1)
    ratings = [rating(1, ms, R, "Gammel"), rating(2, ms, None)]
    (flag,) = compute_flags(reg, R2, ratings, {CENTER: {ms}})
    assert (flag.kinds, flag.rating, flag.note) == (
        (RED, OVERDUE, MISSING),
        ratings[0],
        Note("Gammel", 1, own=False),
    )


# ------------------------------------------------------------------ changes


def test_changes_since_the_previous_round() -> None:
    """Turned red, turned green and became overdue between rounds 1 and 2, by hand:
    M1 due by round 1 and never rated (overdue both times: no change), M2 due by
    round 2 and yellow (became overdue), M3 due by round 2, yellow then red (turned
    red and became overdue), M4 due by round 1, red then green (turned green, no
    longer overdue), M5 not due until round 3 and red (turned red only)."""
    ini = initiative("K1", [by_round(1), by_round(2), by_round(2), by_round(1), by_round(3)])
    reg = register(ini)
    m = [milestone_key("K1", n) for n in range(1, 6)]
    ratings = [
        rating(1, m[1], Y),
        rating(1, m[2], Y),
        rating(2, m[2], R),
        rating(1, m[3], R),
        rating(2, m[3], G),
        rating(2, m[4], R),
    ]
    changes = changes_since_previous(reg, R2, ratings)
    assert [(c.item_key, c.kinds, c.before, c.after) for c in changes] == [
        (m[1], (BECAME_OVERDUE,), Y, Y),
        (m[2], (TURNED_RED, BECAME_OVERDUE), Y, R),
        (m[3], (TURNED_GREEN,), R, G),
        (m[4], (TURNED_RED,), None, R),
    ]
    assert changes_since_previous(reg, R1, ratings) == []  # no round before the first


def test_rating_index_finds_each_rating_by_item_and_round() -> None:
    first, again = rating(1, "K1-M1", Y, "først"), rating(1, "K1-M1", R, "igen")
    ratings = [first, rating(2, "K1-M1", G), rating(2, "K1-E", None, "kun kommentar"), again]
    index = RatingIndex(ratings)
    assert index.get("K1-M1", 1) is again  # the later of two, as the dict it replaced
    assert index.get("K1-M1", 2) is ratings[1]
    assert index.get("K1-E", 2) is ratings[2]
    assert (index.get("K1-E", 1), index.get("K1-M1", 3), index.get("K9-M1", 2)) == (None,) * 3


def test_the_rating_index_answers_what_each_part_asked_of_its_own_dicts() -> None:
    """The latest smiley up to a round, an item's history oldest first, one round's
    ratings, and the walk in round then item order: each worked out by hand here."""
    r1m1, r2m1 = rating(1, "K1-M1", Y, "først"), rating(2, "K1-M1", None, "kun kommentar")
    r3m1, r1e = rating(3, "K1-M1", R), rating(1, "K1-E", G)
    r3e, r2a = rating(3, "K1-E", None), rating(2, "A1-M1", G)
    index = RatingIndex([r3m1, r1e, r2m1, r3e, r1m1, r2a])
    assert index.rounds() == [1, 2, 3] and len(index) == 6
    assert list(index) == [r1e, r1m1, r2a, r2m1, r3e, r3m1]
    latest = index.latest_up_to(2)
    assert (latest.get("K1-M1"), latest.get("K1-E"), latest.get("A1-M1")) == (r1m1, r1e, r2a)
    assert index.latest("K1-M1", 3) is r3m1 and index.latest("K1-E", 3) is r1e
    assert index.latest("K1-M1", 0) is None and index.latest("K9-M1", 3) is None
    assert index.history("K1-M1", 2) == [r1m1, r2m1] and index.history("K1-E", 9) == [r1e, r3e]
    assert dict(index.of_round(2)) == {"K1-M1": r2m1, "A1-M1": r2a} and index.of_round(4) == {}
    assert RatingIndex.of(index) is index
    # The register's ratings, then the collected ones: the collected win.
    collected = rating(1, "K1-E", R, "indsendt")
    merged = RatingIndex([r1e, r1m1])
    merged.add([collected])
    assert list(merged) == [collected, r1m1]


def test_a_rating_carried_over_from_an_earlier_round_has_its_comment_labelled() -> None:
    """Red in round 2 and not rated in round 3: still flagged red in round 3, but its
    comment is round 2's (labelled), not this round's; a rating of this round keeps
    its own comment. Found by a trial: "Ingen budget endnu." read as current."""
    old, now = initiative("K1", [by_round(1)]), initiative("K2", [by_round(1)])
    reg = register(old, now)
    ratings = [
        rating(2, old.economy_key, R, "Ingen budget endnu."),
        rating(2, now.economy_key, R, "Ingen budget."),
        rating(3, now.economy_key, R, "Stadig intet budget."),
    ]
    flags = {f.item_key: f for f in compute_flags(reg, R3, ratings)}
    assert (flags[old.economy_key].rating, flags[old.economy_key].note) == (
        ratings[0],
        Note("Ingen budget endnu.", 2, own=False),
    )
    assert flags[now.economy_key].note == Note("Stadig intet budget.", 3, own=True)


def test_a_change_shows_this_rounds_comment_as_its_own() -> None:
    """Became overdue in round 2 with no smiley but a comment given in round 2: the
    comment is this round's own, as in the flag list (a trial found it labelled
    "2. opf.:" in the changes list and plain in the flag list)."""
    ini = initiative("K1", [by_round(2)])
    ratings = [rating(2, milestone_key("K1", 1), None, "Vi mangler tal fra entreprenøren.")]
    (change,) = changes_since_previous(register(ini), R2, ratings)
    (flag,) = [f for f in compute_flags(register(ini), R2, ratings) if f.item_key]
    expected = Note("Vi mangler tal fra entreprenøren.", 2, own=True)
    assert (change.kinds, change.note, flag.note) == ((BECAME_OVERDUE,), expected, expected)


# ------------------------------------------------------------------ summary counts


def test_summary_counts_what_was_answered_or_asked() -> None:
    """An item with a smiley counts by it, "ikke relevant" or not (the trends sheet
    counts it so); one without is a gap only when it is relevant and the round asked
    for it (an initiative added after the round is none)."""
    from dataclasses import replace

    from sheetflow.master.summary import count_ratings

    answered_na = replace(initiative("D1", [by_round(1)]), economy_na=True)
    silent_na = replace(initiative("D2", [by_round(1)]), economy_na=True)
    added = initiative("D3", [])
    asked_blank = initiative("D4", [])
    reg = register(answered_na, silent_na, added, asked_blank)
    ratings = [rating(1, economy_key("D1"), Y), rating(1, milestone_key("D1", 1), G)]
    asked = {milestone_key("D1", 1), economy_key("D1"), milestone_key("D2", 1)}
    asked.add(economy_key("D4"))
    _, by_center = count_ratings(reg, R1, ratings, asked)
    counts = by_center[CENTER]
    # Milestones: D1's green, D2's unanswered. Economy: D1's yellow, D4's unanswered.
    assert (dict(counts.milestones), dict(counts.economy)) == (
        {"green": 1, "unrated": 1},
        {"yellow": 1, "unrated": 1},
    )
    # Without a record of what round 1 asked, every relevant line without a smiley is a gap.
    _, by_center = count_ratings(reg, R1, ratings)
    assert dict(by_center[CENTER].economy) == {"yellow": 1, "unrated": 2}
