"""The domain (docs/domain.md) as plain data: register, sections, initiatives,
milestones, rounds, centers and ratings.

Nothing here reads or writes files. Keys, not numbers or titles, tie a returned
row to the register: an initiative key is assigned once (by the importer or by
finance in the register workbook) and survives renumbering and duplicate
numbers; milestone and economy keys derive from it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sheetflow.smiley import Smiley

if TYPE_CHECKING:
    from sheetflow.form import Form


def default_form() -> Form:
    """Today's form (see :mod:`sheetflow.form`); imported late, the form module uses ours."""
    from sheetflow.form import default_form as make

    return make()


ECONOMY = "economy"
MILESTONE = "milestone"

_DATE_RE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")


def parse_date_text(text: str) -> dt.date | None:
    """Read a Danish date "31.12.2017" (or ISO "2017-12-31"); None otherwise."""
    m = _DATE_RE.match(text)
    try:
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def format_date(day: dt.date) -> str:
    """Danish date text, as the seed writes deadlines: 31.12.2017."""
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


_FIELD_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _by_fields(self: Any) -> tuple[type, tuple[Any, ...]]:
    """Pickled as a call of the class with its fields: the register cache
    (register/cache.py) holds 200,000 of these, and dataclasses' own slotted
    pickling walks ``fields()`` for each one (about half again slower both ways)."""
    cls = type(self)
    getter = _FIELD_GETTERS.get(cls)
    if getter is None:  # a slotted dataclass's fields, in order
        getter = _FIELD_GETTERS[cls] = operator.attrgetter(*cls.__slots__)
    return cls, getter(self)


@dataclass(frozen=True, slots=True)
class Round:
    """A follow-up ("budgetopfølgning"): the number is its place in the year."""

    number: int
    name: str
    as_of: dt.date
    return_deadline: dt.date


@dataclass(frozen=True, slots=True)
class Deadline:
    """A milestone's "Tid": a round of the register or a date, kept as text."""

    __reduce__ = _by_fields

    text: str
    round: int | None = None
    date: dt.date | None = None

    def due_by(self, rnd: Round, rounds: dict[int, Round]) -> bool:
        """True when the deadline is on or before the round's as-of date."""
        if self.round is not None:
            own = rounds.get(self.round)
            return own is not None and own.as_of <= rnd.as_of
        return self.date is not None and self.date <= rnd.as_of


@dataclass(frozen=True, slots=True)
class Center:
    """A responsible center and whom to write to."""

    name: str
    contact_name: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A numbered group of initiatives, e.g. "7. Borgeren og Kommunen"."""

    number: str
    title: str

    @property
    def label(self) -> str:
        return f"{self.number}. {self.title}" if self.number else self.title


@dataclass(frozen=True, slots=True)
class Milestone:
    """One "Milepæl" row; a row without text is a placeholder, never asked for."""

    __reduce__ = _by_fields

    key: str
    initiative_key: str
    position: int
    text: str
    deadline: Deadline
    # Marked "ikke relevant" in the register: never asked. Out of the repr, so the
    # fingerprint of a register without such marks stays what earlier versions made.
    not_applicable: bool = field(default=False, repr=False)

    @property
    def is_placeholder(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True, slots=True)
class Initiative:
    """One "delelement" of the agreement."""

    __reduce__ = _by_fields

    key: str
    section: str
    number: str
    title: str
    kind: str
    description: str
    details: str
    center: str
    committee: str
    contributors: str
    economy: str
    milestones: tuple[Milestone, ...] = ()
    # The economy line is "ikke relevant": never asked or flagged (out of the repr, as above).
    economy_na: bool = field(default=False, repr=False)

    @property
    def economy_key(self) -> str:
        return economy_key(self.key)

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title


@dataclass(frozen=True, slots=True)
class Rating:
    """A smiley and status comment given for one item in one round."""

    __reduce__ = _by_fields

    round: int
    item_key: str
    smiley: Smiley | None
    comment: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class ReportInfo:
    """The header block of the report: who sends it, about what."""

    title: str = ""
    date: str = ""
    phone: str = ""
    email: str = ""
    contact: str = ""
    case_id: str = ""
    agreement: str = ""


@dataclass(frozen=True, slots=True)
class StoredFacts:
    """What a register answers only by walking every initiative, found once when its
    store is written and kept in the store's index."""

    __reduce__ = _by_fields

    fingerprint: str
    not_applicable: frozenset[str]
    responsible_centers: tuple[str, ...]


@dataclass
class Register:
    """The whole plan plus the ratings recorded in it.

    ``initiatives`` and ``ratings`` are lists, or, for a register loaded from its
    store (register/cache.py), sequences read from disk as they are walked: walk
    them, count them, index them, but do not expect them to stay in memory."""

    info: ReportInfo
    sections: list[Section]
    initiatives: Sequence[Initiative]
    rounds: list[Round]
    centers: list[Center]
    ratings: Sequence[Rating] = field(default_factory=list)
    form: Form = field(default_factory=default_form)
    # What a register loaded from its store answers without a walk (``StoredFacts``),
    # with the initiatives and ratings it was found in.
    _facts: tuple[Sequence[Initiative], Sequence[Rating], StoredFacts] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def keep_facts(self, facts: StoredFacts) -> None:
        """Answer ``fingerprint``, ``not_applicable`` and ``responsible_centers`` from
        ``facts``, found when the store was written (register/cache.py): a stored
        register cannot change, and each answer was a walk of every chunk (the
        fingerprint 3.7 s of a collect at 1,000 centers)."""
        self._facts = (self.initiatives, self.ratings, facts)

    def _kept(self) -> StoredFacts | None:
        """The kept facts, while the initiatives and ratings are still the ones they
        were found in (a list may be replaced or changed in place: never kept)."""
        if self._facts is None:
            return None
        initiatives, ratings, facts = self._facts
        return facts if initiatives is self.initiatives and ratings is self.ratings else None

    def facts(self) -> StoredFacts:
        """The answers ``keep_facts`` keeps, found in one pass per answer."""
        marked = self.not_applicable()
        return StoredFacts(
            self._digest(marked), frozenset(marked), tuple(self.responsible_centers())
        )

    def fingerprint(self) -> str:
        """sha256 of the register's content (plan, ratings, "ikke relevant" marks and
        form), independent of the file: what a round was issued from (the ledger)."""
        kept = self._kept()
        if kept is not None:
            return kept.fingerprint
        return self._digest(self.not_applicable())

    def _digest(self, not_applicable: set[str]) -> str:
        """``fingerprint`` of this content, with its items marked "ikke relevant"."""
        # The dataclasses' repr is complete and stable, and far faster than asdict;
        # hashed part by part so a large register never becomes one huge string.
        digest = hashlib.sha256()
        for part in (self.info, self.sections, self.rounds, self.centers):
            digest.update(repr(part).encode("utf-8"))
        for items in (self.initiatives, self.ratings):  # walked, never gathered
            for item in items:
                digest.update(repr(item).encode("utf-8"))
        # What came with the form: only when used, so a register without either keeps
        # the fingerprint it had before (no false "register changed" mid-round).
        if not_applicable:
            marked = sorted(not_applicable)
            digest.update(repr(("not-applicable", marked)).encode("utf-8"))
        if not self.form.is_default:
            digest.update(repr(self.form).encode("utf-8"))
        return digest.hexdigest()

    @property
    def rounds_by_number(self) -> dict[int, Round]:
        return {r.number: r for r in self.rounds}

    def find_round(self, ref: str | int) -> Round | None:
        """A round by its number ("3") or its name ("3. budgetopfølgning 2017")."""
        text = str(ref).strip()
        for rnd in self.rounds:
            if text == str(rnd.number) or text.casefold() == rnd.name.casefold():
                return rnd
        return None

    def center(self, name: str) -> Center | None:
        return next((c for c in self.centers if c.name == name), None)

    def initiatives_for(self, center: str) -> list[Initiative]:
        """The center's initiatives, in register order (from a store, only the
        chunks that hold them are read)."""
        group = getattr(self.initiatives, "group", None)
        if group is not None:
            return list(group(center, lambda i: i.center == center))
        return [i for i in self.initiatives if i.center == center]

    def initiative_at(self) -> Callable[[int], Initiative]:
        """Initiatives by register position, for lookups that come in register order:
        from a store, each chunk is read once while the positions ascend."""
        reader = getattr(self.initiatives, "reader", None)
        return reader() if reader is not None else self.initiatives.__getitem__

    def responsible_centers(self) -> list[str]:
        """Centers that own at least one initiative, in register order of first use."""
        kept = self._kept()
        if kept is not None:
            return list(kept.responsible_centers)
        seen: dict[str, None] = {}
        for ini in self.initiatives:
            seen.setdefault(ini.center, None)
        return list(seen)

    def not_applicable(self) -> set[str]:
        """Item keys marked "ikke relevant" in the register: not asked, not flagged.
        Found in one pass; kept for a register read from its store (the master asks
        five times)."""
        kept = self._kept()
        if kept is not None:
            return set(kept.not_applicable)
        found: set[str] = set()
        for ini in self.initiatives:
            if ini.economy_na:
                found.add(ini.economy_key)
            found.update(m.key for m in ini.milestones if m.not_applicable)
        return found

    def key_table(self) -> dict[str, str]:
        """Every item key mapped to itself: what the ledger reads can share these
        strings instead of holding its own copies (``Ledger.issued_rows``)."""
        out: dict[str, str] = {}
        for ini in self.initiatives:
            for ms in ini.milestones:
                out[ms.key] = ms.key
            economy = ini.economy_key
            out[economy] = economy
        return out

    def items_for(self, keys: Iterable[str]) -> dict[str, tuple[Initiative, Milestone | None]]:
        """The items among ``keys`` (milestone and economy keys), found in one pass:
        a register read from its store then holds only their initiatives."""
        wanted = set(keys)
        out: dict[str, tuple[Initiative, Milestone | None]] = {}
        for ini in self.initiatives:
            for ms in ini.milestones:
                if ms.key in wanted:
                    out[ms.key] = (ini, ms)
            economy = ini.economy_key
            if economy in wanted:
                out[economy] = (ini, None)
        return out

    def items(self) -> dict[str, tuple[Initiative, Milestone | None]]:
        """Every ratable key: milestone keys and economy keys."""
        out: dict[str, tuple[Initiative, Milestone | None]] = {}
        for ini in self.initiatives:
            for ms in ini.milestones:
                out[ms.key] = (ini, ms)
            out[ini.economy_key] = (ini, None)
        return out


def economy_key(initiative_key: str) -> str:
    """The key of an initiative's economy line."""
    return f"{initiative_key}-E"


def milestone_key(initiative_key: str, position: int) -> str:
    """The key of an initiative's n-th milestone row (1-based)."""
    return f"{initiative_key}-M{position}"


_ITEM_ENDING = re.compile(r"-(?:E|M\d+)$")


def initiative_of(item_key: str) -> str:
    """The initiative key of a milestone or economy key (``milestone_key``,
    ``economy_key``); an initiative's own key is itself."""
    return _ITEM_ENDING.sub("", item_key)


def initiative_key(title: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A stable key from the title, unique among ``taken``.

    Built once, at import, then stored in the register: renumbering an
    initiative or giving two the same number never changes it.
    """
    norm = unicodedata.normalize("NFC", " ".join(title.split())).casefold()
    digest = hashlib.sha1(norm.encode("utf-8")).hexdigest()
    key = f"D{digest[:6]}"
    n = 2
    while key in taken:
        key = f"D{digest[:6]}{n}"
        n += 1
    return key


class RatingIndex:
    """A round's ratings by round, then item: the one index the round's state, its
    flags, changes, counts, trends and ratings.csv all ask.

    Held per round, then per item: a dict keyed by (item, round) pairs costs a pair
    per rating (16 MB at N = 1000, against 5). Each question is answered from the
    index (the latest smiley up to a round, an item's history), where each asker
    once built a dict of its own over every rating (at 1,000 centers, 90 MB made
    and dropped while the round's state was read). Walked, it gives the ratings in
    round, then item order."""

    __slots__ = ("_by_round", "_rounds")

    def __init__(
        self, ratings: Iterable[Rating] = (), keys: Mapping[str, str] | None = None
    ) -> None:
        self._by_round: dict[int, dict[str, Rating]] = {}
        self._rounds: list[int] = []
        self.add(ratings, keys)

    @classmethod
    def of(cls, ratings: Iterable[Rating]) -> RatingIndex:
        """``ratings`` as an index: itself when it is one."""
        return ratings if isinstance(ratings, RatingIndex) else cls(ratings)

    def add(self, ratings: Iterable[Rating], keys: Mapping[str, str] | None = None) -> None:
        """Add ``ratings``: a later rating of the same item and round wins, as in a
        dict. ``keys``: the register's key table, so the index names an item with
        the table's string."""
        known = keys.get if keys is not None else None
        by_round = self._by_round
        for r in ratings:
            key = known(r.item_key, r.item_key) if known is not None else r.item_key
            ratings_of = by_round.get(r.round)
            if ratings_of is None:
                ratings_of = by_round[r.round] = {}
            ratings_of[key] = r
        self._rounds = sorted(by_round)

    def get(self, item_key: str, round_number: int) -> Rating | None:
        ratings = self._by_round.get(round_number)
        return ratings.get(item_key) if ratings is not None else None

    def rounds(self) -> list[int]:
        """The rounds with any rating, in order."""
        return list(self._rounds)

    def of_round(self, round_number: int) -> Mapping[str, Rating]:
        """One round's ratings by item."""
        return self._by_round.get(round_number, {})

    def latest(self, item_key: str, up_to_round: int) -> Rating | None:
        """The item's rating of the latest round up to ``up_to_round`` that has a smiley."""
        for number in reversed(self._rounds):
            if number <= up_to_round:
                r = self._by_round[number].get(item_key)
                if r is not None and r.smiley is not None:
                    return r
        return None

    def latest_up_to(self, up_to_round: int) -> LatestRatings:
        """``latest`` up to one round, asked like ``latest_ratings``' dict."""
        return LatestRatings(self, up_to_round)

    def history(self, item_key: str, up_to_round: int) -> list[Rating]:
        """The item's ratings up to a round, oldest first."""
        out = []
        for number in self._rounds:
            if number > up_to_round:
                break
            r = self._by_round[number].get(item_key)
            if r is not None:
                out.append(r)
        return out

    def __len__(self) -> int:
        return sum(len(ratings) for ratings in self._by_round.values())

    def __iter__(self) -> Iterator[Rating]:
        for number in self._rounds:
            ratings = self._by_round[number]
            for key in sorted(ratings):
                yield ratings[key]


@dataclass(frozen=True, slots=True)
class LatestRatings:
    """Per item, the latest rating with a smiley up to a round, looked up in the index
    as it is asked (``latest_ratings`` without the dict)."""

    index: RatingIndex
    up_to_round: int

    def get(self, item_key: str) -> Rating | None:
        return self.index.latest(item_key, self.up_to_round)


def latest_ratings(ratings: Iterable[Rating], up_to_round: int) -> dict[str, Rating]:
    """Per item, the rating of the latest round up to ``up_to_round`` that has a smiley."""
    best: dict[str, Rating] = {}
    for r in sorted(ratings, key=lambda r: r.round):
        if r.round <= up_to_round and r.smiley is not None:
            best[r.item_key] = r
    return best


@dataclass(frozen=True, slots=True)
class Note:
    """A status comment to print beside a rating.

    ``own`` is true when it is the shown rating's own comment. Otherwise it is
    an earlier or later round's comment on the same item, and every writer
    labels it with its round, so an old comment never reads as current.
    """

    text: str
    round: int
    own: bool


def note_for(shown: Rating | None, history: Iterable[Rating]) -> Note | None:
    """The comment to print beside ``shown``: its own, else the item's latest
    non-empty comment in ``history`` (ratings of the same item), labelled."""
    if shown is not None and shown.comment:
        return Note(shown.comment, shown.round, own=True)
    latest: Rating | None = None
    for r in history:
        if r.comment and (latest is None or r.round >= latest.round):
            latest = r
    return Note(latest.comment, latest.round, own=False) if latest is not None else None


def asked_keys(register: Register, rnd: Round, ratings: list[Rating]) -> list[str]:
    """The items a round asks a rating for, in register order.

    Milestones with text that are due by the round's as-of date and whose
    latest earlier rating is not green; and every initiative's economy. Items
    marked "ikke relevant" in the register are never asked.
    """
    rounds = register.rounds_by_number
    latest = latest_ratings([r for r in ratings if r.round < rnd.number], rnd.number - 1)
    keys = []
    for ini in register.initiatives:
        for ms in ini.milestones:
            if ms.is_placeholder or ms.not_applicable or not ms.deadline.due_by(rnd, rounds):
                continue
            prior = latest.get(ms.key)
            if prior is None or prior.smiley is not Smiley.GREEN:
                keys.append(ms.key)
        if not ini.economy_na:
            keys.append(ini.economy_key)
    return keys
