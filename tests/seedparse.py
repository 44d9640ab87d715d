"""An independent, deliberately simple reading of the seed report, for tests.

Written from scratch and kept apart from ``sheetflow.register``: the tests
compare what the product imports, rebuilds and prints with what this module
reads from the same text, so a bug in the importer cannot hide itself.

The export has one table row per line, cells separated by tabs, some cells
holding HTML. Per initiative: a header row ("5.03. Title" | "Kort beskrivelse
af indsatsen (drift)" | "Tid" | "Smiley"), a description row (description |
"Ansvarligt center: … Ansvarligt udvalg: … Væsentlig bidragsyder: …"),
milestone rows ("Milepæl" | text | deadline | smiley) and an economy row
("Økonomi" | text | | smiley).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

# The export drew yellow and red both as ☹; it is read as red.
COLOURS = {"☺": "green", "😊": "green", "😐": "yellow", "☹": "red"}
SYMBOL = {"green": "☺", "yellow": "😐", "red": "☹"}

REPORT_ROUND = 3  # "Tredje opfølgning"
AS_OF = {1: dt.date(2017, 3, 31), 2: dt.date(2017, 6, 30), 3: dt.date(2017, 9, 30)}


def plain(cell: str) -> str:
    """Cell text without HTML tags and with white space collapsed."""
    text = html.unescape(re.sub(r"<[^>]*>", " ", cell)).replace("\xa0", " ")
    return " ".join(text.split())


def norm(text: str) -> str:
    """White space collapsed, for comparing texts that differ only in line breaks."""
    return " ".join((text or "").split())


def split_note(text: str) -> tuple[str, str | None]:
    """("text", note) from "text Status: note"; note None when there is no "Status:"."""
    pos = text.find("Status:")
    if pos < 0:
        return text, None
    return text[:pos].strip(), text[pos + len("Status:") :].strip()


def colour_of(cell: str) -> str | None:
    symbol = plain(cell)
    if not symbol:
        return None
    return COLOURS[symbol]  # KeyError: a smiley this reading does not know


@dataclass
class SeedMilestone:
    line: int
    text: str
    deadline: str
    colour: str | None
    note: str | None

    @property
    def placeholder(self) -> bool:
        return self.text == ""

    @property
    def round(self) -> int | None:
        """The round a deadline like "2. budgetopfølgning 2017" names."""
        m = re.fullmatch(r"(\d)\. budgetopfølgning 2017", self.deadline)
        return int(m.group(1)) if m else None

    def due_by(self, as_of: dt.date) -> bool:
        if self.round is not None:
            return AS_OF[self.round] <= as_of
        d, m, y = (int(x) for x in self.deadline.split("."))
        return dt.date(y, m, d) <= as_of


@dataclass
class SeedInitiative:
    line: int
    number: str
    title: str
    kind: str
    section: str  # "7. Borgeren og Kommunen"
    center: str = ""
    committee: str = ""
    milestones: list[SeedMilestone] = field(default_factory=list)
    economy_text: str = ""
    economy_colour: str | None = None
    economy_note: str | None = None

    @property
    def economy_has_note(self) -> bool:
        return self.economy_note is not None

    @property
    def no_economic_effect(self) -> bool:
        """The report says the line has no economic effect of its own (so it is not rated)."""
        return "ikke særskilt økonomisk effekt" in self.economy_text.casefold()

    @property
    def defined(self) -> list[SeedMilestone]:
        return [m for m in self.milestones if not m.placeholder]


@dataclass
class Seed:
    header: dict[str, str]
    title: str
    sections: list[str]
    initiatives: list[SeedInitiative]

    @property
    def centers(self) -> list[str]:
        return list(dict.fromkeys(i.center for i in self.initiatives))

    def by_title(self, title: str) -> SeedInitiative:
        (found,) = [i for i in self.initiatives if i.title == title]
        return found

    def by_number(self, number: str) -> list[SeedInitiative]:
        return [i for i in self.initiatives if i.number == number]


def parse_seed(text: str) -> Seed:
    header: dict[str, str] = {}
    title = ""
    sections: list[str] = []
    initiatives: list[SeedInitiative] = []
    current: SeedInitiative | None = None
    in_body = False
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if not in_body:
            if line.strip() == "Læsevejledning":
                in_body = True
            elif ": " in line:
                key, value = line.split(": ", 1)
                header[key.strip()] = value.strip()
            else:
                title = title or line.strip()
            continue
        if "\t" not in line:
            m = re.fullmatch(r"(\d+)\. (\S.*)", line.strip())
            if m:
                sections.append(line.strip())
            continue
        cells = [*line.split("\t"), "", "", ""][:4]
        first = plain(cells[0])
        if "Kort beskrivelse af indsatsen" in cells[1]:
            m = re.fullmatch(r"(\d+\.\d+)\. (.*)", first)
            number, name = (m.group(1), m.group(2)) if m else ("", first)
            kind = re.search(r"\(([^)]*)\)", cells[1]).group(1)  # type: ignore[union-attr]
            current = SeedInitiative(lineno, number, name, kind, sections[-1])
            initiatives.append(current)
        elif current is None or set(plain(line)) <= {"-"}:
            continue
        elif first == "Milepæl":
            ms_text, note = split_note(plain(cells[1]))
            current.milestones.append(
                SeedMilestone(lineno, ms_text, plain(cells[2]), colour_of(cells[3]), note)
            )
        elif first == "Økonomi":
            current.economy_text, current.economy_note = split_note(plain(cells[1]))
            current.economy_colour = colour_of(cells[3])
        elif "Ansvarligt center:" in line and not current.center:
            people = plain(line)
            center = re.search(r"Ansvarligt center: (.*?) Ansvarligt udvalg:", people)
            committee = re.search(r"Ansvarligt udvalg: (.*?) Væsentlig bidragsyder:", people)
            current.center = center.group(1) if center else ""
            current.committee = committee.group(1) if committee else ""
    return Seed(header, title, sections, initiatives)


def read_seed(path: str | Path) -> Seed:
    return parse_seed(Path(path).read_text(encoding="utf-8"))


# --------------------------------------------------------------- what follows


def expected_ratings(seed: Seed) -> dict[str, dict[str, int]]:
    """Ratings per "round:item" and colour, as the seed records them.

    A milestone's smiley rates the round its deadline names; the economy
    smiley rates the report's own round. A "Status:" note without a smiley
    would still be a rating (colour "none").
    """
    out: dict[str, dict[str, int]] = {}

    def add(key: str, colour: str | None) -> None:
        bucket = out.setdefault(key, {})
        bucket[colour or "none"] = bucket.get(colour or "none", 0) + 1

    for ini in seed.initiatives:
        for ms in ini.milestones:
            rnd = ms.round if ms.round is not None else REPORT_ROUND
            if ms.colour or ms.note:
                add(f"{rnd}:milestone", ms.colour)
        if ini.economy_colour or ini.economy_note:
            add(f"{REPORT_ROUND}:economy", ini.economy_colour)
    return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}


def expected_counts(seed: Seed, key: str = "center") -> dict[str, list[int]]:
    """Per center (or section): [green, yellow, red, unrated] for milestones with
    text due by round 3's as-of date (by their latest rating, which in the demo
    is the seed's smiley) and then the same for the economy (its round-3 rating),
    leaving out economy lines with no economic effect: they are not applicable.
    """
    buckets = ("green", "yellow", "red", None)
    out: dict[str, list[int]] = {}
    for ini in seed.initiatives:
        row = out.setdefault(getattr(ini, key), [0] * 8)
        for ms in ini.defined:
            if ms.due_by(AS_OF[REPORT_ROUND]):
                row[buckets.index(ms.colour)] += 1
        if not ini.no_economic_effect:
            row[4 + buckets.index(ini.economy_colour)] += 1
    return out
