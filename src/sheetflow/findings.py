"""Findings: every problem with a file is a ``Finding`` with a stable code.

The catalogue below is the contract: codes are kebab-case and never change
meaning; each has a severity and a message in Danish (default) and English
that a finance officer understands. A ``Report`` collects findings, and is
what the CLI prints, the workbooks list and ``--json`` returns.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field


class Severity(enum.StrEnum):
    """error: the file (or register) cannot be used; warning: used, but look; info."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    da: str
    en: str


def _c(code: str, severity: Severity, da: str, en: str) -> Code:
    return Code(code, severity, da, en)


E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

CATALOGUE: dict[str, Code] = {
    c.code: c
    for c in [
        # --- the register workbook -------------------------------------------------
        _c(
            "register-missing-sheet",
            E,
            "Arket '{sheet}' mangler i registret.",
            "The register has no sheet '{sheet}'.",
        ),
        _c(
            "register-missing-column",
            E,
            "Kolonnen '{column}' mangler i arket.",
            "The sheet has no column '{column}'.",
        ),
        _c(
            "register-unknown-center",
            E,
            "Centret '{value}' findes ikke på arket Centre.",
            "The center '{value}' is not on the Centre sheet.",
        ),
        _c(
            "register-duplicate-key",
            E,
            "Nøglen '{value}' er brugt mere end én gang.",
            "The key '{value}' is used more than once.",
        ),
        _c(
            "register-bad-deadline",
            E,
            "Tid '{value}' er hverken en opfølgning i registret eller en dato (dd.mm.åååå).",
            "Deadline '{value}' is neither a round of the register nor a date (dd.mm.yyyy).",
        ),
        _c(
            "register-missing-title",
            E,
            "Delelementet mangler en titel.",
            "The initiative has no title.",
        ),
        _c(
            "register-missing-value",
            E,
            "Feltet '{column}' skal udfyldes.",
            "The field '{column}' must be filled in.",
        ),
        _c(
            "register-unknown-initiative",
            E,
            "Milepælen hører til delelementet '{value}', som ikke findes.",
            "The milestone belongs to initiative '{value}', which does not exist.",
        ),
        _c(
            "register-unknown-section",
            E,
            "Afsnittet '{value}' findes ikke på arket Afsnit.",
            "The section '{value}' is not on the Afsnit sheet.",
        ),
        _c(
            "register-unknown-item",
            E,
            "Smileyen gælder '{value}', som hverken er en milepæl eller en økonomilinje i registret.",
            "The rating is for '{value}', which is neither a milestone nor an economy line.",
        ),
        _c(
            "register-unknown-round",
            E,
            "Opfølgningen '{value}' findes ikke på arket Opfølgninger.",
            "The round '{value}' is not on the rounds sheet.",
        ),
        _c(
            "register-bad-date",
            E,
            "'{value}' er ikke en dato.",
            "'{value}' is not a date.",
        ),
        _c(
            "register-bad-smiley",
            E,
            "'{value}' er ikke en smiley (☺, 😐, ☹, grøn, gul eller rød).",
            "'{value}' is not a smiley (☺, 😐, ☹, green, yellow or red).",
        ),
        # --- returned workbooks ----------------------------------------------------
        _c(
            "file-skipped",
            INFO,
            "Filen er sprunget over ({value}).",
            "The file was skipped ({value}).",
        ),
        _c(
            "file-in-use",
            W,
            "Filen er åben i et andet program (fx Excel) og blev ikke læst. Luk den og kør collect igen.",
            "The file is open in another program (e.g. Excel) and was not read. Close it and run collect again.",
        ),
        _c(
            "file-not-finished",
            W,
            "Filen er ikke færdigskrevet (den gemmes eller synkroniseres stadig, fx af OneDrive) og blev ikke læst. Kør collect igen om lidt.",
            "The file is not completely written yet (still being saved or synced, e.g. by OneDrive) and was not read. Run collect again in a moment.",
        ),
        _c(
            "file-unreadable",
            E,
            "Filen kan ikke læses som en Excel-projektmappe: {value}",
            "The file cannot be read as an Excel workbook: {value}",
        ),
        _c(
            "file-empty",
            E,
            "Filen er tom (0 bytes). Gem projektmappen igen og send den på ny.",
            "The file is empty (0 bytes). Save the workbook again and send it once more.",
        ),
        _c(
            "file-truncated",
            E,
            "Filen er ufuldstændig eller beskadiget (zip-arkivet er afkortet). Send den igen.",
            "The file is incomplete or damaged (the zip archive is truncated). Send it again.",
        ),
        _c(
            "file-not-workbook",
            E,
            "Filen er ikke en Excel-projektmappe, men {value}. Send den udfyldte .xlsx-fil.",
            "The file is not an Excel workbook but {value}. Send the filled-in .xlsx file.",
        ),
        _c(
            "file-legacy-xls",
            E,
            "Filen er i det gamle .xls-format. Gem den som Excel-projektmappe (.xlsx) og send den igen.",
            "The file is in the old .xls format. Save it as an Excel workbook (.xlsx) and send it again.",
        ),
        _c(
            "file-encrypted",
            E,
            "Projektmappen er beskyttet med adgangskode. Gem den uden adgangskode og send den igen.",
            "The workbook is protected with a password. Save it without a password and send it again.",
        ),
        _c(
            "file-macro-enabled",
            E,
            "Projektmappen indeholder makroer (.xlsm). Gem den som almindelig .xlsx og send den igen.",
            "The workbook contains macros (.xlsm). Save it as a plain .xlsx and send it again.",
        ),
        _c(
            "file-strict-ooxml",
            E,
            "Projektmappen er gemt som 'Strict Open XML'. Gem den som almindelig Excel-projektmappe (.xlsx).",
            "The workbook was saved as 'Strict Open XML'. Save it as a normal Excel workbook (.xlsx).",
        ),
        _c(
            "xml-entities",
            E,
            "Filen indeholder XML-entiteter eller en DTD ({value}); den læses ikke af sikkerhedshensyn.",
            "The file contains XML entities or a DTD ({value}); it is not read, for safety.",
        ),
        _c(
            "zip-bomb",
            E,
            "Filen pakker ud til urimeligt meget data ({value}); den læses ikke.",
            "The file unpacks to an unreasonable amount of data ({value}); it is not read.",
        ),
        _c(
            "sheet-too-large",
            E,
            "Arket er langt større end det udsendte ({value}); filen læses ikke.",
            "The sheet is far larger than the one issued ({value}); the file is not read.",
        ),
        _c(
            "reader-failed",
            E,
            "Filen kunne ikke læses inden for grænserne for tid og hukommelse ({value}).",
            "The file could not be read within the time and memory limits ({value}).",
        ),
        _c(
            "control-characters",
            W,
            "Teksten indeholder usynlige kontroltegn; de er fjernet.",
            "The text contains invisible control characters; they were removed.",
        ),
        _c(
            "text-too-long",
            E,
            "Cellen har {value} tegn; Excel kan højst rumme {expected}.",
            "The cell has {value} characters; Excel holds at most {expected}.",
        ),
        _c(
            "formula-in-cell",
            W,
            "Cellen indeholder en formel; dens gemte værdi '{value}' er brugt.",
            "The cell holds a formula; its cached value '{value}' was used.",
        ),
        _c(
            "look-alike-text",
            E,
            "'{value}' ligner '{expected}', men indeholder andre tegn (fx kyrilliske bogstaver).",
            "'{value}' looks like '{expected}' but contains other characters (e.g. Cyrillic letters).",
        ),
        _c(
            "not-issued",
            E,
            "Projektmappen er ikke udsendt fra dette arbejdsområde ({value}).",
            "The workbook was not issued from this workspace ({value}).",
        ),
        _c(
            "wrong-round",
            E,
            "Projektmappen hører til {value}, ikke til {expected}.",
            "The workbook belongs to {value}, not to {expected}.",
        ),
        _c(
            "center-mismatch",
            E,
            "Projektmappen blev sendt til '{expected}', men angiver centret '{value}'.",
            "The workbook was issued to '{expected}' but names the center '{value}'.",
        ),
        _c(
            "sheet-missing",
            E,
            "Arket '{sheet}' mangler; det må ikke omdøbes eller slettes.",
            "The sheet '{sheet}' is missing; it must not be renamed or removed.",
        ),
        _c(
            "rows-changed",
            E,
            "Rækkerne er ændret ({value}); rækker må ikke indsættes, slettes eller flyttes.",
            "The rows were changed ({value}); rows must not be inserted, deleted or moved.",
        ),
        _c(
            "locked-cell-changed",
            E,
            "En låst celle er ændret: '{expected}' er blevet til '{value}'.",
            "A locked cell was changed: '{expected}' became '{value}'.",
        ),
        _c(
            "invalid-smiley",
            E,
            "'{value}' er ikke en gyldig smiley; vælg ☺, 😐 eller ☹ i listen.",
            "'{value}' is not a valid smiley; pick ☺, 😐 or ☹ from the list.",
        ),
        _c(
            "missing-rating",
            W,
            "Der mangler en smiley ved '{value}'.",
            "No smiley was given for '{value}'.",
        ),
        _c(
            "comment-too-long",
            E,
            "Kommentaren er {value} tegn; højst {expected} tegn er tilladt.",
            "The comment has {value} characters; at most {expected} are allowed.",
        ),
        _c(
            "formula-text",
            W,
            "Teksten begynder med '{value}' og gemmes som tekst, ikke som formel.",
            "The text starts with '{value}' and is stored as text, never as a formula.",
        ),
        _c(
            "superseded",
            INFO,
            "Afløst af en senere aflevering fra samme center ({value}).",
            "Superseded by a later return from the same center ({value}).",
        ),
    ]
}


@dataclass(frozen=True)
class Finding:
    """One problem: where it is (file, sheet, cell), what it is (code), how bad.

    ``value`` and ``expected`` are what the message was made from, so the
    message can be rendered again in another language.
    """

    code: str
    message: str
    severity: Severity
    file: str = ""
    sheet: str = ""
    cell: str = ""
    value: str = ""
    expected: str = ""

    def to_dict(self) -> dict[str, str]:
        d = asdict(self)
        d["severity"] = self.severity.value
        return d

    @property
    def where(self) -> str:
        parts = [p for p in (self.file, self.sheet, self.cell) if p]
        return " / ".join(parts)


def make_finding(
    code: str,
    *,
    lang: str = "da",
    file: str = "",
    sheet: str = "",
    cell: str = "",
    value: object = "",
    expected: object = "",
    column: str = "",
) -> Finding:
    """Build a finding from the catalogue; the message is rendered in ``lang``."""
    entry = CATALOGUE[code]
    template = entry.en if lang == "en" else entry.da
    value, expected = _short(value), _short(expected)
    message = template.format(value=value, expected=expected, sheet=sheet, column=column or value)
    return Finding(code, message, entry.severity, file, sheet, cell, value, expected)


def finding_from_dict(data: dict[str, str], lang: str = "da") -> Finding:
    """A stored finding, its message rendered again in ``lang`` where the code is known."""
    if data.get("code") in CATALOGUE and "value" in data:
        return make_finding(
            data["code"],
            lang=lang,
            file=data.get("file", ""),
            sheet=data.get("sheet", ""),
            cell=data.get("cell", ""),
            value=data.get("value", ""),
            expected=data.get("expected", ""),
        )
    return Finding(
        data["code"],
        data["message"],
        Severity(data["severity"]),
        data.get("file", ""),
        data.get("sheet", ""),
        data.get("cell", ""),
    )


# Words that go into finding messages as values, in both languages.
DETAILS: dict[str, tuple[str, str]] = {
    "no-metadata": ("ingen sheetflow-metadata", "no sheetflow metadata"),
    "row-key": (
        "række {row}: ventede '{expected}', fandt '{found}'",
        "row {row}: expected '{expected}', found '{found}'",
    ),
    "rows-below": (
        "indhold i række {row} efter den sidste udsendte række {last}",
        "content in row {row} below the last issued row {last}",
    ),
    "lock-file": ("Excel-låsefil", "Excel lock file"),
    "hidden-file": ("skjult fil", "hidden file"),
    "pdf": ("en PDF-fil", "a PDF file"),
    "csv": ("en CSV- eller tekstfil", "a CSV or text file"),
    "text": ("en tekstfil", "a text file"),
    "html": ("en HTML-side", "an HTML page"),
    "unknown": ("et ukendt format", "an unknown format"),
    "zip": ("et zip-arkiv uden Excel-indhold", "a zip archive without Excel content"),
    "parts": ("{count} dele", "{count} parts"),
    "part-bytes": ("{name}: {count} bytes", "{name}: {count} bytes"),
    "total-bytes": ("{count} bytes i alt", "{count} bytes in all"),
    "sheet-size": ("{rows} rækker × {cols} kolonner", "{rows} rows × {cols} columns"),
    "damaged": (
        "indholdet er beskadiget og kan ikke pakkes ud eller læses",
        "its content is damaged and cannot be unpacked or read",
    ),
    "entities": ("en del bruger XML-entiteter", "a part uses XML entities"),
    "timeout": ("tidsgrænsen blev nået", "the time limit was reached"),
    "died": ("læseren stoppede, {reason}", "the reader stopped, {reason}"),
    "memory": ("hukommelsesgrænsen blev nået", "the memory limit was reached"),
}


def detail(key: str, lang: str = "da", **args: object) -> str:
    """A value for a finding message, in ``lang``."""
    da, en = DETAILS[key]
    return (en if lang == "en" else da).format(**args)


def _short(value: object, limit: int = 80) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Report:
    """Findings of one run, in the order they were found."""

    findings: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_list(self) -> list[dict[str, str]]:
        return [f.to_dict() for f in self.findings]
