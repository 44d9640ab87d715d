"""Shipped example registers, for ``sheetflow init WS --example NAME``.

``starter`` is the blank register filled in the way a person would: three
centers with contacts, a handful of initiatives without keys, milestones
that name their initiative by Nr. and fall due in different rounds (one on
a date). ``sample`` is the 2017 report with the ratings of rounds 1 and 2.
``projects`` is a quarterly capital-projects return that asks no smiley at all:
per project a RAG status, the forecast cost, the forecast completion date and
the main risk (its form is on the Spørgsmål and Valg sheets).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sheetflow.form import DATE, INITIATIVE, NUMBER, TEXT, Choice, Field, Form, parse_rule
from sheetflow.model import (
    Center,
    Initiative,
    Milestone,
    Register,
    ReportInfo,
    Round,
    Section,
)
from sheetflow.register.reader import resolve_deadline
from sheetflow.register.report_text import default_rounds
from sheetflow.register.sample import sample_register

CENTERS = [
    Center("Teknik og Miljø", "Jens Hansen", "jeha@vestby.dk"),
    Center("Børn og Unge", "Mette Larsen", "mela@vestby.dk"),
    Center("Økonomi og Personale", "Anna Holm", "anho@vestby.dk"),
]
SECTIONS = [
    Section("1", "Vækst og Miljø"),
    Section("2", "Børn og Læring"),
    Section("3", "Kommunen som virksomhed"),
]
# (Nr., title, type, center, committee, economy, [(milestone, Tid)]); Tid "R<n>"
# is the n-th round of the year, "D<mm-dd>" a date in it.
INITIATIVES = [
    ("1.01", "Ny erhvervsstrategi", "drift", 0, "Økonomiudvalget", "0,5 mio. kr.",
     [("Strategien er skrevet med erhvervslivet", "R1"),
      ("Strategien er vedtaget i byrådet", "R2")]),
    ("1.02", "Renovering af Stationsvej", "anlæg", 0, "Teknik- og Miljøudvalget",
     "12,0 mio. kr. i anlæg",
     [("Projekteringen er afsluttet", "D04-30"),
      ("Anlægsarbejdet er i gang", "R3"),
      ("Vejen er åbnet for trafik", "R4")]),
    ("2.01", "Flere pædagoger i vuggestuerne", "drift", 1, "Børne- og Skoleudvalget",
     "2,0 mio. kr. årligt",
     [("Stillingerne er slået op", "R1"), ("Alle stillinger er besat", "R2")]),
    ("2.02", "Ny skolestruktur", "drift og anlæg", 1, "Børne- og Skoleudvalget",
     "Besparelse på 1,5 mio. kr.",
     [("Høringen er afsluttet", "R2"), ("Byrådet har besluttet strukturen", "R3")]),
    ("3.01", "Digital post til alle borgere", "drift", 2, "Økonomiudvalget",
     "Besparelse på 0,8 mio. kr.",
     [("Løsningen er valgt", "R1"), ("Alle breve sendes digitalt", "R4")]),
]  # fmt: skip


def starter_register(year: int | None = None) -> Register:
    """The starter example as a person types it: keys left empty, milestones by Nr."""
    year = year or dt.date.today().year
    rounds = default_rounds(year, {1, 2, 3})
    info = ReportInfo(
        title=f"Opfølgning på Aftale om budget {year}",
        agreement=f"Aftale om budget {year}",
        contact="Anna Holm",
        phone="4400 1234",
        email="okonomi@vestby.dk",
    )
    initiatives = []
    for number, title, kind, center, committee, economy, milestones in INITIATIVES:
        rows = []
        for position, (text, when) in enumerate(milestones, start=1):
            tid = (
                rounds[int(when[1:]) - 1].name
                if when[0] == "R"
                else f"{when[4:]}.{when[1:3]}.{year}"
            )
            deadline = resolve_deadline(tid, rounds)
            assert deadline is not None
            rows.append(Milestone(f"{number}-M{position}", number, position, text, deadline))
        initiatives.append(
            Initiative(
                key="",
                section=number.split(".")[0],
                number=number,
                title=title,
                kind=kind,
                description=f"{title} gennemføres i {year} som aftalt i budgetaftalen.",
                details="",
                center=CENTERS[center].name,
                committee=committee,
                contributors="",
                economy=economy,
                milestones=tuple(rows),
            )
        )
    return Register(info, list(SECTIONS), initiatives, rounds, list(CENTERS), [])


PROJECT_CENTERS = [
    Center("Vej og Park", "Lars Berg", "labe@vestby.dk"),
    Center("Ejendomme", "Sofie Krogh", "sokr@vestby.dk"),
    Center("Skole og Dagtilbud", "Peter Dahl", "peda@vestby.dk"),
]
PROJECT_SECTIONS = [Section("1", "Veje og trafik"), Section("2", "Bygninger")]
# (Nr., title, center, budget in kr., description)
PROJECTS = [
    ("1.01", "Ny rundkørsel ved Stationsvej", 0, 12_500_000,
     "En rundkørsel erstatter det signalregulerede kryds."),
    ("1.02", "Cykelsti langs Åvej", 0, 4_200_000, "2,3 km dobbeltrettet cykelsti."),
    ("2.01", "Renovering af rådhusets tag", 1, 8_000_000, "Nyt tag og efterisolering."),
    ("2.02", "Nyt plejecenter Solhaven", 1, 96_000_000, "72 boliger og et aktivitetscenter."),
    ("2.03", "Udbygning af Vestby Skole", 2, 38_500_000, "Seks nye klasselokaler og faglokaler."),
]  # fmt: skip
RAG = (Choice("G", "Grøn", "Green"), Choice("A", "Gul", "Amber"), Choice("R", "Rød", "Red"))


def projects_form() -> Form:
    """The capital-projects return: RAG (red flags), forecast cost (flags above the
    project's budget, the register's Økonomi column), forecast completion (flags when
    later than the previous quarter's forecast) and the main risk."""
    ini = (INITIATIVE,)
    return Form(
        (
            Field("rag", ini, "choice", "Status (RAG)", "Status (RAG)",
                  "Grøn: efter planen. Gul: afvigelser, der håndteres. Rød: kræver beslutning.",
                  "Green: on plan. Amber: deviations in hand. Red: needs a decision.",
                  required=True, choices=RAG, flag=parse_rule("R")),
            Field("forecast_cost", ini, NUMBER, "Forventet anlægsudgift (kr.)",
                  "Forecast cost (kr.)", "Hele projektets forventede udgift i kr.",
                  "The whole project's forecast cost in kr.", required=True, minimum=0.0,
                  flag=parse_rule("> Budget")),
            Field("forecast_completion", ini, DATE, "Forventet færdig", "Forecast completion",
                  "Dato for ibrugtagning, fx 31.12.2027.", "Date in use, e.g. 31.12.2027.",
                  required=True, minimum=dt.date(2020, 1, 1), maximum=dt.date(2040, 12, 31),
                  flag=parse_rule("> forrige")),
            Field("risk", ini, TEXT, "Væsentligste risiko", "Main risk",
                  "Kort: hvad kan true tid eller økonomi?", "Short: what threatens time or cost?",
                  max_length=500),
        )
    )  # fmt: skip


def quarters(year: int) -> list[Round]:
    """The four quarterly returns of a year, due 15 days after the quarter ends."""
    ends = [dt.date(year, 3, 31), dt.date(year, 6, 30), dt.date(year, 9, 30)]
    ends.append(dt.date(year, 12, 31))
    return [
        Round(n, f"{n}. kvartal {year}", end, end + dt.timedelta(days=15))
        for n, end in enumerate(ends, start=1)
    ]


def projects_register(year: int | None = None) -> Register:
    """The capital-projects example: five projects, three centers, four quarters."""
    year = year or dt.date.today().year
    info = ReportInfo(
        title=f"Kvartalsopfølgning på anlægsprojekter {year}",
        agreement=f"Anlægsprogram {year}",
        contact="Anna Holm",
        phone="4400 1234",
        email="anlaeg@vestby.dk",
    )
    initiatives = [
        Initiative(
            key="",
            section=number.split(".")[0],
            number=number,
            title=title,
            kind="anlæg",
            description=description,
            details="",
            center=PROJECT_CENTERS[center].name,
            committee="Teknik- og Miljøudvalget",
            contributors="",
            economy=f"{budget:,} kr.".replace(",", "."),
        )
        for number, title, center, budget, description in PROJECTS
    ]
    register = Register(
        info, list(PROJECT_SECTIONS), initiatives, quarters(year), list(PROJECT_CENTERS), []
    )
    register.form = projects_form()
    return register


# What the project managers answer in the demo, per quarter and project Nr.:
# (RAG, forecast cost, forecast completion, main risk). In the second quarter
# 1.01 and 2.01 go above budget, 2.01 turns red and 2.01 and 2.02 slip.
PROJECT_ANSWERS: dict[int, dict[str, tuple[str, float, dt.date, str]]] = {
    1: {
        "1.01": ("G", 12_300_000, dt.date(2026, 10, 31), "Ledningsomlægning kan forsinke."),
        "1.02": ("G", 4_100_000, dt.date(2026, 8, 31), ""),
        "2.01": ("A", 8_000_000, dt.date(2026, 11, 30), "Vejrlig i efteråret."),
        "2.02": ("G", 95_000_000, dt.date(2028, 6, 30), "Byggepriserne stiger."),
        "2.03": ("G", 38_000_000, dt.date(2027, 7, 31), ""),
    },
    2: {
        "1.01": ("A", 13_100_000, dt.date(2026, 10, 31), "Ledningsomlægningen blev dyrere."),
        "1.02": ("G", 4_150_000, dt.date(2026, 8, 31), ""),
        "2.01": ("R", 8_400_000, dt.date(2027, 3, 31), "Råd i spærene: tid og budget skal besluttes."),
        "2.02": ("G", 95_500_000, dt.date(2028, 9, 30), "Byggepriserne stiger."),
        "2.03": ("G", 38_000_000, dt.date(2027, 7, 31), ""),
    },
}  # fmt: skip


# Each example for a year (None: this year); the sample is the 2017 report's own.
EXAMPLES: dict[str, Callable[[int | None], Register]] = {
    "starter": starter_register,
    "sample": lambda _year: sample_register(up_to_round=2),
    "projects": projects_register,
}
# The examples that plan the year they are given (``init --year``).
FOR_A_YEAR = frozenset({"starter", "projects"})
