"""The register workbook's tables: sheet names, columns and their Danish headers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    width: float
    wrap: bool = False
    required: bool = False


INFO_SHEET = "Oplysninger"
INFO_ROWS = [
    ("title", "Titel"),
    ("agreement", "Aftale"),
    ("date", "Dato"),
    ("contact", "Kontakt"),
    ("phone", "Tlf. dir."),
    ("email", "E-mail"),
    ("case_id", "Sagsid"),
]
SECTIONS = "Afsnit"
CENTERS = "Centre"
ROUNDS = "Opfølgninger"
INITIATIVES = "Delelementer"
MILESTONES = "Milepæle"
RATINGS = "Smileys"

TABLES: dict[str, list[Column]] = {
    SECTIONS: [Column("number", "Nr.", 8, required=True), Column("title", "Afsnit", 45)],
    CENTERS: [
        Column("name", "Center", 38, required=True),
        Column("contact_name", "Kontaktperson", 28),
        Column("email", "E-mail", 32),
    ],
    ROUNDS: [
        Column("number", "Nr.", 6, required=True),
        Column("name", "Opfølgning", 32, required=True),
        Column("as_of", "Opgørelsesdato", 16, required=True),
        Column("return_deadline", "Svarfrist", 14, required=True),
    ],
    INITIATIVES: [
        Column("key", "Nøgle", 11, required=True),
        Column("section", "Afsnit", 8),
        Column("number", "Nr.", 7),
        Column("title", "Titel", 40, wrap=True),
        Column("kind", "Type", 14),
        Column("description", "Kort beskrivelse", 60, wrap=True),
        Column("details", "Uddybning", 50, wrap=True),
        Column("center", "Ansvarligt center", 26, wrap=True, required=True),
        Column("committee", "Ansvarligt udvalg", 18, wrap=True),
        Column("contributors", "Væsentlig bidragsyder", 30, wrap=True),
        Column("economy", "Økonomi", 40, wrap=True),
    ],
    MILESTONES: [
        Column("initiative_key", "Delelement", 11, required=True),
        Column("position", "Nr.", 5, required=True),
        Column("text", "Milepæl", 80, wrap=True),
        Column("deadline", "Tid", 24, required=True),
    ],
    RATINGS: [
        Column("round", "Opfølgning", 11, required=True),
        Column("item_key", "Nøgle", 13, required=True),
        Column("smiley", "Smiley", 8),
        Column("comment", "Kommentar", 70, wrap=True),
        Column("source", "Kilde", 28),
    ],
}
