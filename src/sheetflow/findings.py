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
    hint_da: str = ""  # appended when the finding carries a hint (e.g. a command to run)
    hint_en: str = ""
    limit: int = 80  # longest value shown in the message


def _c(
    code: str,
    severity: Severity,
    da: str,
    en: str,
    hint_da: str = "",
    hint_en: str = "",
    limit: int = 80,
) -> Code:
    return Code(code, severity, da, en, hint_da, hint_en, limit)


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
            "'{value}' står allerede i kolonnen '{column}' ({expected}); hver række skal have sin egen.",
            "'{value}' is already in the column '{column}' ({expected}); each row needs its own.",
        ),
        _c(
            "register-duplicate-number",
            W,
            "Nr. '{value}' er også brugt af et andet delelement ({expected}); "
            "giv hvert delelement sit eget nummer, så de kan skelnes.",
            "No. '{value}' is also used by another initiative ({expected}); "
            "give each initiative its own number so they can be told apart.",
        ),
        _c(
            "register-duplicate-milestone",
            E,
            "Delelementet '{expected}' har allerede en milepæl nr. {value}.",
            "The initiative '{expected}' already has a milestone no. {value}.",
        ),
        _c(
            "register-bad-deadline",
            E,
            "Tid '{value}' er hverken en opfølgning på arket Opfølgninger eller en dato "
            "som en af: {expected}.",
            "Deadline '{value}' is neither a round on the Opfølgninger sheet nor a date "
            "in one of the forms: {expected}.",
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
            "Milepælen hører til delelementet '{value}', som hverken er en nøgle eller et nr. "
            "på arket Delelementer.",
            "The milestone belongs to initiative '{value}', which is neither a key nor a number "
            "on the Delelementer sheet.",
        ),
        _c(
            "register-ambiguous-initiative",
            E,
            "Nr. '{value}' er også brugt af et andet delelement ({expected}), så milepælene, "
            "der henviser til '{value}', kan ikke placeres. Giv hvert delelement sit eget nummer.",
            "No. '{value}' is also used by another initiative ({expected}), so the milestones "
            "that refer to '{value}' cannot be placed. Give each initiative its own number.",
        ),
        _c(
            "register-unknown-section",
            E,
            "Afsnittet '{value}' findes ikke på arket Afsnit.",
            "The section '{value}' is not on the Afsnit sheet.",
        ),
        _c(
            "register-unknown-type",
            W,
            "Typen '{value}' er ikke en af: {expected}.",
            "The type '{value}' is not one of: {expected}.",
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
            "'{value}' er ikke en dato. Skriv den som en af: {expected}.",
            "'{value}' is not a date. Write it as one of: {expected}.",
        ),
        _c(
            "register-bad-number",
            E,
            "'{value}' i kolonnen '{column}' er ikke et helt tal (fx 3).",
            "'{value}' in the column '{column}' is not a whole number (e.g. 3).",
        ),
        _c(
            "register-bad-email",
            E,
            "'{value}' er ikke en gyldig e-mailadresse (skriv fx navn@kommune.dk).",
            "'{value}' is not a valid e-mail address (write e.g. name@municipality.dk).",
        ),
        _c(
            "register-bad-smiley",
            E,
            "'{value}' er ikke en smiley (☺, 😐, ☹, grøn, gul eller rød).",
            "'{value}' is not a smiley (☺, 😐, ☹, green, yellow or red).",
        ),
        _c(
            "register-bad-value",
            E,
            "'{value}' i kolonnen '{column}' er ikke en af: {expected}.",
            "'{value}' in the column '{column}' is not one of: {expected}.",
        ),
        _c(
            "register-bad-rule",
            E,
            "Reglen '{value}' i kolonnen 'Markeres når' kan ikke læses: {expected}.",
            "The rule '{value}' in the column 'Markeres når' cannot be read: {expected}.",
        ),
        _c(
            "register-unknown-list",
            E,
            "Valglisten '{value}' står ikke på arket Valg, og der er ingen værdier med ; imellem.",
            "The choice list '{value}' is not on the Valg sheet and lists no values separated by ;.",
        ),
        _c(
            "register-unknown-name",
            E,
            "Reglen nævner '{value}', som hverken er et spørgsmåls id eller en kolonne på "
            "arket Delelementer ({expected}).",
            "The rule names '{value}', which is neither a question id nor a column of the "
            "Delelementer sheet ({expected}).",
        ),
        _c(
            "register-key-assigned",
            INFO,
            "Delelementet '{value}' har fået nøglen '{expected}'; sheetflow skriver den i registret.",
            "The initiative '{value}' was given the key '{expected}'; sheetflow writes it "
            "into the register.",
        ),
        _c(
            "register-keys-not-saved",
            W,
            "De nye nøgler kunne ikke skrives i registret ({value}); luk filen i Excel, "
            "så skrives de næste gang.",
            "The new keys could not be written to the register ({value}); close the file in Excel "
            "and they are written next time.",
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
            "Hent den ind i sin egen opfølgning med: {hint}",
            "Collect it into its own round with: {hint}",
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
            "answer-not-a-number",
            E,
            "'{value}' er ikke et tal. Skriv fx {expected}.",
            "'{value}' is not a number. Write e.g. {expected}.",
        ),
        _c(
            "answer-ambiguous-number",
            E,
            "'{value}' kan læses som to forskellige tal. Skriv fx {expected}.",
            "'{value}' can be read as two different numbers. Write e.g. {expected}.",
        ),
        _c(
            "answer-not-whole",
            E,
            "'{value}' er ikke et helt tal (fx {expected}).",
            "'{value}' is not a whole number (e.g. {expected}).",
        ),
        _c(
            "answer-out-of-range",
            E,
            "'{value}' ligger uden for det tilladte: {expected}.",
            "'{value}' is outside what is allowed: {expected}.",
        ),
        _c(
            "answer-not-a-date",
            E,
            "'{value}' er ikke en dato. Skriv den som en af: {expected}.",
            "'{value}' is not a date. Write it as one of: {expected}.",
        ),
        _c(
            "answer-unknown-choice",
            E,
            "'{value}' er ikke en af: {expected}.",
            "'{value}' is not one of: {expected}.",
        ),
        _c(
            "answer-not-yes-no",
            E,
            "'{value}' er hverken ja eller nej.",
            "'{value}' is neither yes nor no.",
        ),
        _c(
            "answer-too-long",
            E,
            "Svaret er for langt; højst {expected} tegn er tilladt.",
            "The answer is too long; at most {expected} characters are allowed.",
        ),
        _c(
            "answer-not-applicable-not-allowed",
            E,
            "Spørgsmålet kan ikke besvares med '{value}'.",
            "The question cannot be answered with '{value}'.",
        ),
        _c(
            "answer-no-longer-asked",
            W,
            "Svaret på '{value}' er givet i en ældre version af projektmappen; den nyeste "
            "version spørger ikke om det her, så svaret er ikke gemt.",
            "The answer to '{value}' was given in an earlier version of the workbook; the "
            "latest version does not ask it here, so the answer was not kept.",
        ),
        _c(
            "missing-answer",
            W,
            "Der mangler et svar ved '{value}'.",
            "No answer was given for '{value}'.",
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
            "{hint}",
            "{hint}",
        ),
        _c(
            "message-without-workbook",
            E,
            "E-mailen fra {value} ('{expected}') har ingen projektmappe vedhæftet; intet er "
            "indsamlet fra den.",
            "The e-mail from {value} ('{expected}') has no workbook attached; nothing was "
            "collected from it.",
            "Vedhæftet var: {hint}",
            "Attached were: {hint}",
            limit=200,
        ),
        _c(
            "message-unreadable",
            E,
            "E-mailen kan ikke åbnes ({value}). Gem den igen fra mailprogrammet, eller gem "
            "projektmappen selv i indbakken.",
            "The e-mail cannot be opened ({value}). Save it again from the mail program, or "
            "save the workbook itself in the inbox.",
        ),
        _c(
            "message-unpacked",
            INFO,
            "E-mailen fra {value} ('{expected}') er åbnet; dens projektmapper er indsamlet.",
            "The e-mail from {value} ('{expected}') was opened; its workbooks were collected.",
            "Ikke indsamlet: {hint}",
            "Not collected: {hint}",
            limit=200,
        ),
        _c(
            "returned-for-correction",
            E,
            "Økonomi har sendt afleveringen tilbage til rettelse: {value}",
            "Finance sent the return back for correction: {value}",
            limit=1000,
        ),
        _c(
            "no-answers",
            E,
            "Projektmappen fra {value} er sendt tilbage uden et eneste svar og tæller ikke "
            "som en aflevering. Udfyld de gule celler og send den igen.",
            "The workbook from {value} came back without a single answer and does not count "
            "as a return. Fill in the yellow cells and send it again.",
        ),
        _c(
            "return-order-undecided",
            E,
            "{value} har sendt flere afleveringer i samme indsamling, og de siger ikke, hvilken "
            "der er gemt senest ({expected}). Ingen af dem tæller, før du vælger.",
            "{value} sent several returns in one collection, and they do not tell which was "
            "saved last ({expected}). None counts until you choose.",
            "Vælg den rigtige med: {hint}",
            "Choose the right one with: {hint}",
        ),
        _c(
            "register-changed",
            W,
            "Registret er ændret, siden opfølgningen blev udsendt: {value}.",
            "The register has changed since the round was issued: {value}.",
            "Udsend en ny version, hvis ændringen skal med i projektmapperne: {hint}",
            "Issue a new version if the change belongs in the workbooks: {hint}",
            limit=500,
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
    hint: str = ""
    suggestion: str = ""

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
    hint: str = "",
    suggestion: str = "",
) -> Finding:
    """Build a finding from the catalogue; the message is rendered in ``lang``.

    ``suggestion`` is the near miss the user probably meant; the message then
    ends with "Mente du '…'?".
    """
    entry = CATALOGUE[code]
    template = entry.en if lang == "en" else entry.da
    value, expected = _short(value, entry.limit), _short(expected, entry.limit)
    message = template.format(value=value, expected=expected, sheet=sheet, column=column or value)
    extra = entry.hint_en if lang == "en" else entry.hint_da
    if hint and extra:
        message = f"{message} {extra.format(hint=hint)}"
    if suggestion:
        message += " " + SUGGESTION[lang == "en"].format(suggestion=suggestion)
    return Finding(
        code, message, entry.severity, file, sheet, cell, value, expected, hint, suggestion
    )


SUGGESTION = ("Mente du '{suggestion}'?", "Did you mean '{suggestion}'?")


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
            hint=data.get("hint", ""),
            suggestion=data.get("suggestion", ""),
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
    "saved-later": (
        "Den nye blev gemt {newer}, denne {older} (UTC).",
        "The new one was saved {newer}, this one {older} (UTC).",
    ),
    "register-differs": ("indholdet er et andet", "its content differs"),
    "changed-info": ("Oplysninger er ændret", "Oplysninger changed"),
    "initiative-added": ("delelement tilføjet: {label}", "initiative added: {label}"),
    "initiative-changed": ("delelement ændret: {label}", "initiative changed: {label}"),
    "initiative-removed": ("delelement fjernet: {label}", "initiative removed: {label}"),
    "changed-centers": ("arket Centre er ændret", "the Centre sheet changed"),
    "changed-rounds": ("arket Opfølgninger er ændret", "the rounds sheet changed"),
    "changed-ratings": ("registrets smileys er ændret", "the register's smileys changed"),
    "changed-form": ("arket Spørgsmål er ændret", "the Spørgsmål sheet changed"),
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


# What a center does about a finding in its own workbook (correction workbooks).
TODO: dict[str, tuple[str, str]] = {
    "invalid-smiley": (
        "Vælg ☺, 😐 eller ☹ i listen i cellen.",
        "Pick ☺, 😐 or ☹ from the list in the cell.",
    ),
    "missing-rating": ("Vælg en smiley i listen.", "Pick a smiley from the list."),
    "missing-answer": ("Udfyld feltet.", "Fill in the cell."),
    "answer-no-longer-asked": (
        "Udfyld den nyeste version af projektmappen.",
        "Fill in the latest version of the workbook.",
    ),
    "answer-not-a-number": ("Skriv et tal, fx {expected}.", "Write a number, e.g. {expected}."),
    "answer-ambiguous-number": (
        "Skriv tallet med komma som decimaltegn, fx {expected}.",
        "Write the number with a decimal comma, e.g. {expected}.",
    ),
    "answer-not-whole": ("Skriv et helt tal.", "Write a whole number."),
    "answer-out-of-range": ("Skriv en værdi i {expected}.", "Write a value in {expected}."),
    "answer-not-a-date": ("Skriv en dato, fx 31.12.2026.", "Write a date, e.g. 31.12.2026."),
    "answer-unknown-choice": ("Vælg i listen i cellen.", "Pick from the list in the cell."),
    "answer-not-yes-no": ("Vælg ja eller nej.", "Pick yes or no."),
    "answer-too-long": (
        "Forkort svaret til højst {expected} tegn.",
        "Shorten the answer to at most {expected} characters.",
    ),
    "answer-not-applicable-not-allowed": ("Giv et svar.", "Give an answer."),
    "comment-too-long": (
        "Forkort kommentaren til højst {expected} tegn.",
        "Shorten the comment to at most {expected} characters.",
    ),
    "text-too-long": (
        "Skriv en kortere kommentar; Excel kan højst rumme {expected} tegn.",
        "Write a shorter comment; Excel holds at most {expected} characters.",
    ),
    "formula-in-cell": (
        "Skriv værdien i stedet for en formel.",
        "Type the value instead of a formula.",
    ),
    "formula-text": (
        "Teksten er gemt som tekst; begynd den gerne med et bogstav.",
        "The text was kept as text; starting it with a letter avoids this.",
    ),
    "locked-cell-changed": (
        "Cellen er sat tilbage til den udsendte tekst. Skriv jeres bemærkning i "
        "kommentarfeltet i samme række.",
        "The cell is back to the issued text. Write your remark in the comment cell of "
        "the same row.",
    ),
    "rows-changed": (
        "Brug denne projektmappe: rækkerne står som udsendt. Indsæt eller slet ikke rækker.",
        "Use this workbook: the rows are as issued. Do not insert or delete rows.",
    ),
    "sheet-missing": (
        "Brug denne projektmappe; omdøb eller slet ikke arkene.",
        "Use this workbook; do not rename or remove its sheets.",
    ),
    "returned-for-correction": (
        "Ret det, der står i begrundelsen, og send projektmappen igen.",
        "Fix what the reason says and send the workbook again.",
    ),
    "no-answers": (
        "Udfyld de gule celler og send projektmappen igen.",
        "Fill in the yellow cells and send the workbook again.",
    ),
}


def todo(code: str, lang: str = "da", **args: object) -> str:
    """What the center should do about a finding, in ``lang`` ("" when nothing)."""
    if code not in TODO:
        return ""
    da, en = TODO[code]
    return (en if lang == "en" else da).format(**args)


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
