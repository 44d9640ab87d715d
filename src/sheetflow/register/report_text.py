"""Import a follow-up report exported to text (the seed's format) into a register.

The export is one line per table row, cells separated by tabs, some cells
holding HTML paragraphs and lists. What it holds, top to bottom:

- a header block ("Dato: …", "Tlf. dir.: …", "E-mail: …", "Kontakt: …",
  "Sagsid: …") and the report's title;
- the reading guide ("Læsevejledning");
- numbered sections ("7. Borgeren og Kommunen");
- per initiative a header row (number and title | "Kort beskrivelse af
  indsatsen (kind)" | "Tid" | "Smiley"), a description row (description |
  center, committee, contributors and more text), milestone rows ("Milepæl" |
  text | deadline | smiley), an economy row ("Økonomi" | text | | smiley), and
  separator rows.

"Status: …" inside a milestone or economy text is the center's note for that
rating: it becomes the rating's comment and is never lost.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from sheetflow.errors import SheetflowError
from sheetflow.model import (
    Center,
    Deadline,
    Initiative,
    Milestone,
    Rating,
    Register,
    ReportInfo,
    Round,
    Section,
    initiative_key,
    milestone_key,
    parse_date_text,
)
from sheetflow.smiley import Smiley, UnknownSmiley, parse_smiley

ROUND_RE = re.compile(r"^(\d+)\.\s*budgetopfølgning\s+(\d{4})$", re.IGNORECASE)
SECTION_RE = re.compile(r"^(\d+)\.\s+(\S.*)$")
NUMBER_RE = re.compile(r"^(\d+\.\d+)\.?\s+(.*)$")
KIND_RE = re.compile(r"\(([^)]*)\)\s*$")
STATUS_RE = re.compile(r"\bStatus:\s*", re.IGNORECASE)
PEOPLE_RE = re.compile(
    r"Ansvarligt center:\s*(?P<center>.*?)\s*Ansvarligt udvalg:\s*(?P<committee>.*?)\s*"
    r"Væsentlig bidragsyder:[ \t]*(?P<rest>.*)",
    re.DOTALL,
)
HEADER_KEYS = {
    "Dato": "date",
    "Tlf. dir.": "phone",
    "E-mail": "email",
    "Kontakt": "contact",
    "Sagsid": "case_id",
}
ORDINALS = {"første": 1, "anden": 2, "tredje": 3, "fjerde": 4, "femte": 5}
# Names of Ballerup's centers that appear as contributors without owning an
# initiative; they help tell a contributor list from the text that follows it.
KNOWN_UNITS = (
    "Social og Sundhed",
    "Børne- og Ungerådgivning",
    "Direktionen",
    "Kontaktcentret",
    "Politisk Sekretariat",
    "Arbejdsmarked",
)
SEPARATORS = (", ", " samt ", " og ", "/")


class ReportFormatError(SheetflowError):
    """The text is not a follow-up report export."""


@dataclass
class ImportResult:
    """The register and the report's own round (e.g. 3 for "Tredje opfølgning")."""

    register: Register
    report_round: int | None


@dataclass
class _Draft:
    line: int
    section: str
    number: str
    title: str
    kind: str
    description: str = ""
    people: str = ""
    people_paragraphs: bool = False
    milestones: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    economy: tuple[int, str, str] | None = None


def html_to_text(cell: str) -> str:
    """Cell HTML to plain text: one line per paragraph or list item.

    A list written as "1) … 2) …" inside <ol> without <li> gets a line per point.
    """
    cell = re.sub(r"(?is)<ol\b[^>]*>(.*?)(?:</ol>|\Z)", _numbered_points, cell)
    text = re.sub(r"(?i)<\s*(br|/p|p|/li|li|ol|/ol|ul|/ul|div|/div)\b[^>]*>", "\n", cell)
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text).replace("\xa0", " ")
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _numbered_points(m: re.Match[str]) -> str:
    return "\n" + re.sub(r"\s+(?=\d{1,2}\)\s)", "\n", m.group(1)) + "\n"


def split_status(text: str) -> tuple[str, str]:
    """Split "text Status: note" into (text, note)."""
    m = STATUS_RE.search(text)
    if not m:
        return text.strip(), ""
    return text[: m.start()].strip(), text[m.end() :].strip()


def default_rounds(year: int, numbers: set[int]) -> list[Round]:
    """Quarter-end as-of dates (31.3, 30.6, 30.9, 31.12), returns due two weeks later.

    The seed does not state the as-of dates; finance edits them in the register.
    """
    ends = {1: dt.date(year, 3, 31), 2: dt.date(year, 6, 30), 3: dt.date(year, 9, 30)}
    rounds = [
        Round(n, f"{n}. budgetopfølgning {year}", ends[n], ends[n] + dt.timedelta(days=14))
        for n in sorted(numbers)
        if n in ends
    ]
    year_end = dt.date(year, 12, 31)
    rounds.append(Round(4, f"Årsafslutning {year}", year_end, dt.date(year + 1, 1, 15)))
    return rounds


def import_report_text(text: str, source_name: str = "rapport") -> ImportResult:
    """Parse the export into a register holding the plan and every rating it records."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    info, body_start = _read_header(lines)
    if not info.title:
        raise ReportFormatError("report-no-title")
    drafts, sections = _read_body(lines, body_start)
    if not drafts:
        raise ReportFormatError("report-no-initiatives")
    report_round = _report_round(info.title)
    year = _year(info)
    round_numbers = {
        int(m.group(1))
        for d in drafts
        for _, _, _, deadline, _ in d.milestones
        if (m := ROUND_RE.match(deadline))
    }
    if report_round and report_round < 4:
        round_numbers.add(report_round)
    rounds = default_rounds(year, round_numbers)
    vocabulary = _vocabulary(drafts)
    initiatives, ratings = _build(drafts, rounds, report_round, vocabulary, source_name)
    centers = [Center(name) for name in dict.fromkeys(i.center for i in initiatives)]
    register = Register(info, sections, initiatives, rounds, centers, ratings)
    return ImportResult(register, report_round)


def import_report_file(path: str | Path) -> ImportResult:
    """Read a report export from disk: UTF-8 (with or without BOM) or Windows-1252."""
    p = Path(path)
    data = p.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ReportFormatError(
            f"{p.name} er ikke en tekstfil (en eksporteret opfølgningsrapport)."
        )
    return import_report_text(text, source_name=p.name)


def _read_header(lines: list[str]) -> tuple[ReportInfo, int]:
    values: dict[str, str] = {}
    title = ""
    for idx, raw in enumerate(lines):
        line = raw.strip()
        if line == "Læsevejledning":
            return _info(values, title), idx + 1
        if not line or "\t" in raw:
            continue
        key, sep, value = line.partition(":")
        if sep and key.strip() in HEADER_KEYS:
            values[HEADER_KEYS[key.strip()]] = value.strip()
        elif not title:
            title = line
    return _info(values, title), 0


def _info(values: dict[str, str], title: str) -> ReportInfo:
    m = re.search(r"(Aftale om budget \d{4})", title)
    return ReportInfo(title=title, agreement=m.group(1) if m else title, **values)


def _report_round(title: str) -> int | None:
    first = title.split(" ", 1)[0].casefold()
    return ORDINALS.get(first)


def _year(info: ReportInfo) -> int:
    for text in (info.agreement, info.title, info.date):
        m = re.search(r"(\d{4})", text)
        if m:
            return int(m.group(1))
    return dt.date.today().year


def _cells(raw: str) -> list[str]:
    cells = raw.split("\t")
    return cells + [""] * (4 - len(cells))


def _read_body(lines: list[str], start: int) -> tuple[list[_Draft], list[Section]]:
    drafts: list[_Draft] = []
    sections: list[Section] = []
    current: _Draft | None = None
    awaiting_description = False
    for idx in range(start, len(lines)):
        raw = lines[idx]
        if not raw.strip() or set(raw.replace("\t", "").strip()) <= {"-"}:
            continue
        cells = _cells(raw)
        first = html_to_text(cells[0])
        if "\t" not in raw:
            m = SECTION_RE.match(first)
            if m and drafts is not None and not first.startswith("-"):
                sections.append(Section(m.group(1), m.group(2).strip()))
                current = None
            continue
        second = html_to_text(cells[1])
        if second.startswith("Kort beskrivelse af indsatsen"):
            current = _header(idx + 1, first, second, sections)
            drafts.append(current)
            awaiting_description = True
            continue
        if current is None:
            continue
        if first == "Milepæl":
            current.milestones.append(
                (idx + 1, second, "", html_to_text(cells[2]), html_to_text(cells[3]))
            )
        elif first == "Økonomi":
            current.economy = (idx + 1, second, html_to_text(cells[3]))
        elif awaiting_description:
            current.description = first
            current.people = second
            current.people_paragraphs = "<p" in cells[1].lower()
        awaiting_description = False
    return drafts, sections


def _header(line: int, first: str, second: str, sections: list[Section]) -> _Draft:
    m = NUMBER_RE.match(first)
    number, title = (m.group(1), m.group(2).strip()) if m else ("", first.strip())
    kind_m = KIND_RE.search(second)
    section = sections[-1].number if sections else ""
    return _Draft(line, section, number, title, kind_m.group(1).strip() if kind_m else "")


def _vocabulary(drafts: list[_Draft]) -> list[str]:
    """Unit names, longest first: the responsible centers plus known contributors."""
    names = {m.group("center").strip() for d in drafts if (m := PEOPLE_RE.search(d.people))}
    names.update(KNOWN_UNITS)
    return sorted((n for n in names if n), key=len, reverse=True)


def split_people(
    text: str, vocabulary: list[str], paragraphs: bool = False
) -> tuple[str, str, str, str]:
    """(center, committee, contributors, details) from the description row's second cell.

    In a cell written as HTML paragraphs the contributors end with their
    paragraph; in plain text, at the end of the run of known unit names, so
    the text that follows stays a detail.
    """
    m = PEOPLE_RE.search(text)
    if not m:
        return "", "", "", text.strip()
    center, committee = m.group("center").strip(), m.group("committee").strip()
    rest = m.group("rest")
    if paragraphs or "\n" in rest:
        contributors, _, details = rest.partition("\n")
    else:
        contributors, details = _leading_names(rest, vocabulary)
    before = text[: m.start()].strip()
    details = "\n".join(p for p in (before, details.strip()) if p)
    return center, committee, contributors.strip(), details


def _leading_names(text: str, vocabulary: list[str]) -> tuple[str, str]:
    pos, end = 0, 0
    text = text.strip()
    while True:
        name = next((n for n in vocabulary if text.startswith(n, pos)), None)
        if name is None:
            break
        pos = end = pos + len(name)
        sep = next((s for s in SEPARATORS if text.startswith(s, pos)), None)
        if sep is None:
            break
        pos += len(sep)
    return text[:end], text[end:]


def _deadline(text: str) -> Deadline:
    m = ROUND_RE.match(text)
    if m:
        return Deadline(text, round=int(m.group(1)))
    return Deadline(text, date=parse_date_text(text))


def _smiley(text: str, line: int) -> Smiley | None:
    try:
        return parse_smiley(text)
    except UnknownSmiley:
        raise ReportFormatError("report-bad-smiley", line=line, text=text) from None


def _build(
    drafts: list[_Draft],
    rounds: list[Round],
    report_round: int | None,
    vocabulary: list[str],
    source_name: str,
) -> tuple[list[Initiative], list[Rating]]:
    initiatives: list[Initiative] = []
    ratings: list[Rating] = []
    taken: set[str] = set()
    for d in drafts:
        key = initiative_key(d.title, taken)
        taken.add(key)
        center, committee, contributors, details = split_people(
            d.people, vocabulary, d.people_paragraphs
        )
        milestones = []
        for pos, (line, text, _, deadline_text, smiley_text) in enumerate(d.milestones, 1):
            deadline = _deadline(deadline_text)
            ms_text, note = split_status(text)
            ms = Milestone(milestone_key(key, pos), key, pos, ms_text, deadline)
            milestones.append(ms)
            smiley = _smiley(smiley_text, line)
            rnd = deadline.round if deadline.round is not None else report_round
            if (smiley or note) and rnd is not None:
                src = f"{source_name}:{line}"
                ratings.append(Rating(rnd, ms.key, smiley, note, src))
        economy_text, economy_note, economy_smiley = "", "", None
        if d.economy:
            line, text, smiley_text = d.economy
            economy_text, economy_note = split_status(text)
            economy_smiley = _smiley(smiley_text, line)
        ini = Initiative(
            key=key,
            section=d.section,
            number=d.number,
            title=d.title,
            kind=d.kind,
            description=d.description,
            details=details,
            center=center,
            committee=committee,
            contributors=contributors,
            economy=economy_text,
            milestones=tuple(milestones),
        )
        initiatives.append(ini)
        if (economy_smiley or economy_note) and report_round is not None and d.economy:
            src = f"{source_name}:{d.economy[0]}"
            ratings.append(Rating(report_round, ini.economy_key, economy_smiley, economy_note, src))
    return initiatives, ratings
