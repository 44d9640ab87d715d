"""What the consolidated workbook shows, computed as plain data (no files).

Ratings are merged (a collected rating overrides the register's for the same
item and round), then counted per section and per center, flagged, and laid
out as rows for ratings.csv.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sheetflow.answer_book import AnswerBook
from sheetflow.answers import NotApplicable
from sheetflow.flags import Change, Flag
from sheetflow.form import INITIATIVE
from sheetflow.model import (
    ECONOMY,
    MILESTONE,
    Note,
    Rating,
    RatingIndex,
    Register,
    Round,
)
from sheetflow.roundstate import CenterState
from sheetflow.trends import (
    RedStreak,
    State,
    economy_asked,
    held_rounds,
    iter_trend_rows,
    overview,
)

BUCKETS = ("green", "yellow", "red", "unrated")
# findings.csv and the findings sheet, in this order.
FINDING_COLUMNS = ["file", "center", "sheet", "cell", "code", "severity", "message"]

CSV_COLUMNS = [
    "round",
    "center",
    "section",
    "initiative_key",
    "number",
    "title",
    "item",
    "milestone_text",
    "deadline",
    "rating",
    "comment",
    "source",
    "state",
]
# ratings.csv "state": an answer, a gap, or an item the register says is not applicable.
ANSWERED, MISSING_ANSWER, NOT_APPLICABLE = "answered", "missing", "not-applicable"


def note_text(note: Note | None, t: dict[str, Any]) -> str:
    """A comment as printed beside a rating: its own as is, another round's labelled."""
    if note is None:
        return ""
    if note.own:
        return note.text
    return t["other_comment"].format(
        short=t["round_short"].format(number=note.round), text=note.text
    )


@dataclass
class Counts:
    """green / yellow / red / unrated for due milestones and for economy."""

    milestones: Counter[str] = field(default_factory=Counter)
    economy: Counter[str] = field(default_factory=Counter)

    def row(self, kind: str) -> list[int]:
        counter = self.milestones if kind == MILESTONE else self.economy
        return [counter[b] for b in BUCKETS]


def _bucket(rating: Rating | None) -> str:
    return rating.smiley.value if rating and rating.smiley else "unrated"


def count_ratings(
    register: Register, rnd: Round, ratings: Iterable[Rating], asked: set[str] | None = None
) -> tuple[dict[str, Counts], dict[str, Counts]]:
    """Counts per section number and per center, for round ``rnd``.

    Milestones: those with text due by the as-of date, by their latest
    rating. Economy: every initiative, by its latest rating, as the flags judge
    it (a red carried over from an earlier round is red in the flag list, and
    counted red beside it). An item without a smiley is a gap, counted
    unrated, unless the register marks it "ikke relevant" or the round's
    workbooks (``asked``, None when not issued by sheetflow) did not ask for
    it: an initiative added after the round. An item with a smiley counts by
    it, "ikke relevant" or not, as the trends sheet counts it.
    """
    rounds = register.rounds_by_number
    latest = RatingIndex.of(ratings).latest_up_to(rnd.number)
    by_section: dict[str, Counts] = {s.number: Counts() for s in register.sections}
    by_center: dict[str, Counts] = {c: Counts() for c in register.responsible_centers()}
    # A form of finance's own that asks no smiley of an item kind does not count it.
    milestones, economy = register.form.rates(MILESTONE), register.form.rates(ECONOMY)

    def bucket(key: str, not_relevant: bool) -> str | None:
        rating = latest.get(key)
        if rating is None and (not_relevant or (asked is not None and key not in asked)):
            return None
        return _bucket(rating)

    for ini in register.initiatives:
        targets = [by_section.setdefault(ini.section, Counts()), by_center[ini.center]]
        for ms in ini.milestones if milestones else ():
            if ms.is_placeholder or not ms.deadline.due_by(rnd, rounds):
                continue
            counted = bucket(ms.key, ms.not_applicable)
            if counted is not None:
                for t in targets:
                    t.milestones[counted] += 1
        counted = bucket(ini.economy_key, ini.economy_na) if economy else None
        if counted is not None:
            for t in targets:
                t.economy[counted] += 1
    return by_section, by_center


def ratings_rows(
    register: Register,
    rnd: Round,
    ratings: Iterable[Rating],
    asked: dict[int, set[str]],
    answers: AnswerBook | None = None,
) -> Iterator[dict[str, str]]:
    """Rows of ratings.csv, one at a time: every milestone per round in which it was
    rated or asked for (or marked not applicable), and every economy line per round
    that asked for it (``economy_asked``), for rounds 1..R. "state" tells an answer
    from a gap and from "ikke relevant".

    With ``answers`` (a form of finance's own), each row also has one typed column per
    field (``AnswerBook.columns``), and an initiative answered or asked for in a round
    has a row of its own (item "initiative")."""
    by_key = RatingIndex.of(ratings)
    book = answers if answers else None
    not_relevant = register.not_applicable()
    sections = {s.number: s for s in register.sections}
    rounds = register.rounds_by_number
    held = held_rounds(asked, by_key)
    for k in sorted(r.number for r in register.rounds if r.number <= rnd.number):
        if k not in held:
            continue  # never held: nothing was asked or answered
        for ini in register.initiatives:
            base = {
                "round": str(k),
                "center": ini.center,
                "section": sections[ini.section].label if ini.section in sections else ini.section,
                "initiative_key": ini.key,
                "number": ini.number,
                "title": ini.title,
            }
            if book is not None and (book.get(ini.key, k) or ini.key in asked.get(k, set())):
                yield {
                    **base,
                    "item": INITIATIVE,
                    "item_key": ini.key,
                    "milestone_text": "",
                    "deadline": "",
                    "rating": "",
                    "comment": "",
                    "source": "",
                    "state": _typed_state(book.get(ini.key, k)),
                } | book.csv_fields(ini.key, k)
            for ms in ini.milestones:
                rating = by_key.get(ms.key, k)
                shown = rating is not None or ms.key in asked.get(k, set())
                if not shown and not (ms.not_applicable and ms.deadline.due_by(rounds[k], rounds)):
                    continue
                yield (
                    {
                        **base,
                        "item": MILESTONE,
                        "item_key": ms.key,
                        "milestone_text": ms.text,
                        "deadline": ms.deadline.text,
                    }
                    | _rating_fields(rating, ms.key in not_relevant)
                    | _typed(book, ms.key, k)
                )
            for key in _retired(book, ini.key):  # removed from the register since
                if book is not None and book.get(key, k):
                    yield (
                        {
                            **base,
                            "item": MILESTONE,
                            "item_key": key,
                            "milestone_text": book.retired[key],
                            "deadline": "",
                        }
                        | _rating_fields(by_key.get(key, k))
                        | _typed(book, key, k)
                    )
            rating = by_key.get(ini.economy_key, k)
            if book is not None and _not_asked(book, ini.economy_key, k, rating, asked):
                continue  # a form that asks nothing of the economy line: no row for it
            if not ini.economy_na and not economy_asked(ini.economy_key, rating, asked.get(k)):
                continue  # added to the register after round k: not asked there
            yield (
                {
                    **base,
                    "item": ECONOMY,
                    "item_key": ini.economy_key,
                    "milestone_text": "",
                    "deadline": "",
                }
                | _rating_fields(rating, ini.economy_na)
                | _typed(book, ini.economy_key, k)
            )


def _typed(book: AnswerBook | None, item_key: str, round_number: int) -> dict[str, str]:
    """A row's typed columns; an item with typed answers and no smiley field is
    answered or missing by its typed answers."""
    if book is None:
        return {}
    out = book.csv_fields(item_key, round_number)
    cells = book.get(item_key, round_number)
    if cells and not any(f.id == "smiley" for f in book.fields):
        out["state"] = _typed_state(cells)
    return out


def _retired(book: AnswerBook | None, initiative_key: str) -> list[str]:
    """Keys of an initiative's milestones answered once and since removed."""
    if book is None or not book.retired:
        return []
    return sorted(k for k in book.retired if k.startswith(f"{initiative_key}-M"))


def _not_asked(
    book: AnswerBook, key: str, k: int, rating: Rating | None, asked: dict[int, set[str]]
) -> bool:
    return rating is None and not book.get(key, k) and key not in asked.get(k, set())


def _typed_state(cells: Mapping[str, object]) -> str:
    if cells and all(isinstance(v, NotApplicable) for v in cells.values()):
        return NOT_APPLICABLE
    return ANSWERED if any(v is not None for v in cells.values()) else MISSING_ANSWER


def _state(rating: Rating | None, not_relevant: bool) -> str:
    if rating is not None and rating.smiley is not None:
        return ANSWERED
    return NOT_APPLICABLE if not_relevant else MISSING_ANSWER


def _rating_fields(rating: Rating | None, not_relevant: bool = False) -> dict[str, str]:
    state = _state(rating, not_relevant)
    if rating is None:
        return {"rating": "", "comment": "", "source": "", "state": state}
    source = rating.source if "!" in rating.source else f"register ({rating.source or 'register'})"
    return {
        "rating": rating.smiley.value if rating.smiley else "",
        "comment": rating.comment,
        "source": source,
        "state": state,
    }


@dataclass
class ReturnRow:
    center: str
    issued: int
    returned: int
    accepted: int
    rejected: int
    no_answers: int = 0
    superseded: int = 0
    state: CenterState = CenterState.MISSING

    @property
    def counts(self) -> tuple[int, int, int, int, int, int]:
        """The table's numbers: issued, returned, then what became of the returned files
        (accepted, rejected, without answers, replaced by a later one)."""
        return (
            self.issued,
            self.returned,
            self.accepted,
            self.rejected,
            self.no_answers,
            self.superseded,
        )


@dataclass
class MasterData:
    """Everything the consolidated workbook shows."""

    register: Register
    round: Round
    ratings: RatingIndex
    returns: list[ReturnRow]
    by_section: dict[str, Counts]
    by_center: dict[str, Counts]
    flags: list[Flag]
    findings: list[dict[str, str]]
    date_text: str
    changes: list[Change] = field(default_factory=list)
    # Per round, the items its issued workbooks asked for (for the trends sheet).
    asked: dict[int, set[str]] = field(default_factory=dict)
    # The typed answers of a form of finance's own (None or empty: the default form).
    answers: AnswerBook | None = None
    # The round the changes are since (None: the first round held, nothing to compare).
    compared_with: Round | None = None
    # Files received in the round that count for no center (named on the findings sheet).
    stray_files: int = 0

    @cached_property
    def trend_overview(self) -> tuple[list[Counter[State]], list[RedStreak]]:
        """Smiley counts per round (register order) and the items red two rounds or
        more in a row: one pass over the trend rows, for the summary's red streaks
        and the trends sheet's counts."""
        rows = iter_trend_rows(self.register, self.round, self.ratings, self.asked)
        return overview(rows, len(self.register.rounds))

    @property
    def smileys(self) -> bool:
        """The round's form asks a smiley of milestones or economy lines: the smiley
        counts, chart, red streaks and trends have something to show."""
        form = self.register.form
        return form.rates(MILESTONE) or form.rates(ECONOMY)
