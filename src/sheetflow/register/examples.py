"""Shipped example registers, for ``sheetflow init WS --example NAME``.

``starter`` is the blank register filled in the way a person would: three
centers with contacts, a handful of initiatives without keys, milestones
that name their initiative by Nr. and fall due in different rounds (one on
a date). ``sample`` is the 2017 report with the ratings of rounds 1 and 2.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sheetflow.model import (
    Center,
    Initiative,
    Milestone,
    Register,
    ReportInfo,
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


EXAMPLES: dict[str, Callable[[], Register]] = {
    "starter": starter_register,
    "sample": lambda: sample_register(up_to_round=2),
}
