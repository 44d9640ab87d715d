"""The register workbook's tables: sheet names, columns, their Danish headers and help.

This is the one place for the register's texts: each column's header, what it
means (the header cell's input message and the guide sheet's explanation) and
an example value; each sheet's purpose; the Type values and the Tid forms.
"""

from __future__ import annotations

from dataclasses import dataclass

from sheetflow.register.dates import ACCEPTED_FORMS


@dataclass(frozen=True)
class Column:
    """One column: ``required`` means every row must fill it in."""

    field: str
    header: str
    width: float
    wrap: bool = False
    required: bool = False
    help: str = ""
    example: str = ""
    optional: bool = False  # a register from before the column reads without it, silently


GUIDE_SHEET = "Vejledning"
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
INFO_HELP = {
    "title": "Opfølgningens titel, fx 'Opfølgning på Aftale om budget 2026'.",
    "agreement": "Budgetaftalens navn; står på projektmapperne.",
    "date": "Rapportens dato; står på forsiden af den samlede projektmappe. Tom: dagens dato.",
    "contact": "Afsenderen i økonomi; står i påmindelser.",
    "phone": "Afsenderens telefonnummer.",
    "email": "Afsenderens e-mail; centrene svarer hertil, påmindelser sendes herfra.",
    "case_id": "Sagsnummer (valgfrit).",
}
SECTIONS = "Afsnit"
CENTERS = "Centre"
ROUNDS = "Opfølgninger"
INITIATIVES = "Delelementer"
MILESTONES = "Milepæle"
RATINGS = "Smileys"
QUESTIONS = "Spørgsmål"
CHOICES = "Valg"
# Sheets a register from before them reads without (as the default form).
OPTIONAL_SHEETS = (QUESTIONS, CHOICES)
NOT_APPLICABLE_HELP = (
    "Skriv 'ikke relevant', når der ikke skal spørges til den (fx ingen særskilt økonomisk "
    "effekt). Den markeres så ikke som manglende. Tom: der spørges som sædvanlig."
)

KINDS = ("drift", "anlæg", "drift og anlæg", "øvrig finansiering")
SMILEY_CHOICES = ("☺", "😐", "☹")

SHEET_HELP: dict[str, str] = {
    INFO_SHEET: "Om hele opfølgningen: titel, aftale, dato og afsender.",
    SECTIONS: "Aftalens afsnit; delelementer grupperes efter dem i den samlede projektmappe.",
    CENTERS: "De ansvarlige centre. Hvert center med delelementer får sin egen projektmappe.",
    ROUNDS: "Årets opfølgninger. 'sheetflow issue WS --round 1' udsender opfølgning nr. 1.",
    INITIATIVES: "Ét delelement af aftalen pr. række: hvad, hvem der har ansvaret, og økonomien.",
    MILESTONES: "Delelementernes milepæle, én pr. række; centrene giver en smiley, når de forfalder.",
    RATINGS: "Smileys fra før sheetflow, fx fra en indlæst rapport. Dem, centrene sender, gemmer "
    "sheetflow selv (ikke her); du behøver ikke skrive i arket.",
    QUESTIONS: "Hvad hver opfølgning spørger om, ét spørgsmål pr. række: smiley, valg, tal, dato, "
    "tekst eller ja/nej, og hvilke svar der markeres. Uden arket spørges der om smiley og "
    "kommentar.",
    CHOICES: "Svarmulighederne til spørgsmål af typen valg, én pr. række, med tekst pr. sprog.",
}

TABLES: dict[str, list[Column]] = {
    SECTIONS: [
        Column(
            "number",
            "Nr.",
            8,
            required=True,
            help="Afsnittets nummer. Delelementer henviser til det i kolonnen Afsnit.",
            example="5",
        ),
        Column("title", "Afsnit", 45, help="Afsnittets overskrift.", example="Erhverv og Miljø"),
    ],
    CENTERS: [
        Column(
            "name",
            "Center",
            38,
            required=True,
            help="Centrets navn, præcis som delelementerne skriver det. Hvert navn én gang.",
            example="Teknik og Miljø",
        ),
        Column(
            "contact_name",
            "Kontaktperson",
            28,
            help="Hvem påmindelser skrives til.",
            example="Jens Hansen",
        ),
        Column(
            "email",
            "E-mail",
            32,
            help="Kontaktpersonens e-mail, fx navn@kommune.dk. Bruges af 'sheetflow remind'.",
            example="jeha@vestby.dk",
        ),
    ],
    ROUNDS: [
        Column(
            "number",
            "Nr.",
            6,
            required=True,
            help="Opfølgningens nummer i året: 1, 2, 3 eller 4. Et helt tal, hvert nummer én gang.",
            example="1",
        ),
        Column(
            "name",
            "Opfølgning",
            32,
            required=True,
            help="Opfølgningens navn. Milepæle med dette navn i kolonnen Tid forfalder ved den.",
            example="1. budgetopfølgning 2026",
        ),
        Column(
            "as_of",
            "Opgørelsesdato",
            16,
            required=True,
            help="Status pr. denne dato; der spørges til milepæle med frist senest denne dag. "
            f"Dato som {ACCEPTED_FORMS.split(',')[0]}.",
            example="31.03.2026",
        ),
        Column(
            "return_deadline",
            "Svarfrist",
            14,
            required=True,
            help="Sidste dag for centrenes svar; står i projektmapper og påmindelser.",
            example="14.04.2026",
        ),
    ],
    INITIATIVES: [
        Column(
            "key",
            "Nøgle",
            11,
            help="Lad den stå tom: sheetflow giver delelementet en fast nøgle og skriver den "
            "her. Ret ikke en nøgle bagefter; den binder centrenes svar til delelementet.",
            example="(tom)",
        ),
        Column(
            "section",
            "Afsnit",
            8,
            help="Afsnittets Nr. fra arket Afsnit (vælg i listen).",
            example="5",
        ),
        Column(
            "number",
            "Nr.",
            7,
            help="Delelementets nummer, fx 5.01. Brug hvert nummer én gang; milepæle "
            "kan henvise til delelementet med det.",
            example="5.01",
        ),
        Column(
            "title",
            "Titel",
            40,
            wrap=True,
            help="Delelementets titel. Skal udfyldes.",
            example="Ny erhvervsstrategi",
        ),
        Column(
            "kind",
            "Type",
            14,
            help="En af: " + ", ".join(KINDS) + " (vælg i listen).",
            example="drift",
        ),
        Column(
            "description",
            "Kort beskrivelse",
            60,
            wrap=True,
            help="Hvad delelementet går ud på; står i centrets projektmappe.",
            example="Strategien skrives med erhvervslivet og vedtages i byrådet.",
        ),
        Column(
            "details",
            "Uddybning",
            50,
            wrap=True,
            help="Mere om delelementet (valgfrit).",
            example="",
        ),
        Column(
            "center",
            "Ansvarligt center",
            26,
            wrap=True,
            required=True,
            help="Et center fra arket Centre (vælg i listen). Centret får delelementet i sin "
            "projektmappe.",
            example="Teknik og Miljø",
        ),
        Column(
            "committee",
            "Ansvarligt udvalg",
            18,
            wrap=True,
            help="Det politiske udvalg (valgfrit).",
            example="Økonomiudvalget",
        ),
        Column(
            "contributors",
            "Væsentlig bidragsyder",
            30,
            wrap=True,
            help="Andre centre, der bidrager (valgfrit).",
            example="Borgerservice",
        ),
        Column(
            "economy",
            "Økonomi",
            40,
            wrap=True,
            help="Budget eller besparelse; centret giver en smiley for økonomien hver gang.",
            example="0,5 mio. kr. i 2026",
        ),
        Column(
            "economy_na",
            "Økonomi ikke relevant",
            12,
            help="Økonomien: " + NOT_APPLICABLE_HELP,
            example="ikke relevant",
            optional=True,
        ),
    ],
    MILESTONES: [
        Column(
            "initiative_key",
            "Delelement",
            11,
            required=True,
            help="Delelementets Nr. (fx 5.01) eller Nøgle fra arket Delelementer.",
            example="5.01",
        ),
        Column(
            "position",
            "Nr.",
            5,
            required=True,
            help="Milepælens nummer under delelementet: 1, 2, 3 … Hvert nummer én gang "
            "pr. delelement.",
            example="1",
        ),
        Column(
            "text",
            "Milepæl",
            80,
            wrap=True,
            help="Hvad der skal være nået. En tom tekst er en pladsholder, der ikke spørges til.",
            example="Strategien er vedtaget i byrådet",
        ),
        Column(
            "deadline",
            "Tid",
            24,
            required=True,
            help="Hvornår milepælen forfalder: en opfølgning fra arket Opfølgninger (vælg i "
            "listen) eller en dato, fx 31.03.2026.",
            example="1. budgetopfølgning 2026",
        ),
        Column(
            "not_applicable",
            "Ikke relevant",
            12,
            help="Milepælen: " + NOT_APPLICABLE_HELP,
            example="",
            optional=True,
        ),
    ],
    RATINGS: [
        Column(
            "round",
            "Opfølgning",
            11,
            required=True,
            help="Opfølgningens Nr. fra arket Opfølgninger.",
            example="1",
        ),
        Column(
            "item_key",
            "Nøgle",
            13,
            required=True,
            help="Hvad smileyen gælder: delelementets nøgle og -M1, -M2 … for milepæle, "
            "-E for økonomien.",
            example="D1a2b3c-M1",
        ),
        Column(
            "smiley",
            "Smiley",
            8,
            help="☺ grøn, 😐 gul eller ☹ rød.",
            example="☺",
        ),
        Column(
            "comment",
            "Kommentar",
            70,
            wrap=True,
            help="Centrets status.",
            example="Vedtaget 12.03.2026.",
        ),
        Column(
            "source",
            "Kilde",
            28,
            help="Hvor smileyen kom fra; skrives af sheetflow.",
            example="rapport",
        ),
    ],
}

TABLES[QUESTIONS] = [
    Column("id", "Id", 12, required=True, example="forbrug",
           help="Spørgsmålets faste id. Svarene bindes til det på tværs af opfølgningerne; "
           "ret teksten frit, men ikke id'et."),
    Column("applies_to", "Gælder", 18, required=True, example="milepæl, økonomi",
           help="Hvad der spørges til: milepæl, økonomi og/eller delelement (kommasepareret)."),
    Column("type", "Type", 10, required=True, example="tal",
           help="smiley, valg, tal, heltal, dato, tekst eller ja/nej."),
    Column("choices", "Valgliste", 14, example="RAG",
           help="Til typen valg: en Liste fra arket Valg, eller værdierne skrevet med ; imellem."),
    Column("label_da", "Spørgsmål", 30, wrap=True, required=True, example="Forventet forbrug",
           help="Overskriften i centrets projektmappe (dansk)."),
    Column("label_en", "Spørgsmål (engelsk)", 24, wrap=True, example="Expected spending",
           help="Overskriften på engelsk (valgfri)."),
    Column("help_da", "Hjælp", 40, wrap=True, example="Forventet forbrug i hele året, i kr.",
           help="Vises, når centret klikker i feltet (dansk)."),
    Column("help_en", "Hjælp (engelsk)", 30, wrap=True, example="",
           help="Hjælpeteksten på engelsk (valgfri)."),
    Column("required", "Skal udfyldes", 10, example="ja",
           help="ja: et tomt svar markeres som manglende."),
    Column("minimum", "Min", 12, example="0",
           help="Mindste tal eller tidligste dato (valgfri)."),
    Column("maximum", "Max", 12, example="31.12.2027",
           help="Største tal eller seneste dato (valgfri)."),
    Column("max_length", "Maks. tegn", 9, example="500", help="Til tekst: højst så mange tegn."),
    Column("allow_na", "Ikke relevant tilladt", 10, example="ja",
           help="ja: centret må svare 'ikke relevant'."),
    Column("flag", "Markeres når", 18, example="> Budget",
           help="Hvilke svar der markeres: en værdi (fx rød), eller en sammenligning "
           "med et tal, en dato, et andet spørgsmåls id, en kolonne fra Delelementer "
           "eller forrige opfølgnings svar, fx '> Budget' eller '> forrige'."),
    Column("retired", "Udgået", 8, example="",
           help="ja: spørges ikke mere; tidligere svar vises stadig i den samlede projektmappe."),
]  # fmt: skip
TABLES[CHOICES] = [
    Column("list", "Liste", 12, required=True, example="RAG",
           help="Listens navn; spørgsmålet nævner det i kolonnen Valgliste."),
    Column("value", "Værdi", 12, required=True, example="rød",
           help="Værdien, der gemmes. Hver værdi én gang pr. liste."),
    Column("label_da", "Tekst", 24, example="Rød: kritisk",
           help="Hvad centret ser (dansk). Tom: værdien."),
    Column("label_en", "Tekst (engelsk)", 24, example="Red: critical",
           help="Hvad centret ser på engelsk (valgfri)."),
]  # fmt: skip

GUIDE_INTRO = [
    "Registret er planen for årets opfølgning: hvad der følges op på, hvem der har ansvaret, "
    "og hvornår. sheetflow laver centrenes projektmapper ud fra det.",
    "Udfyld arkene fra venstre mod højre: Oplysninger, Afsnit, Centre, Opfølgninger, "
    "Delelementer og Milepæle. Arket Smileys er til smileys fra før sheetflow; dem, "
    "centrene sender, gemmer sheetflow selv.",
    "Klik på en overskrift for at se, hvad kolonnen skal indeholde. Kolonner med en "
    "liste (centre, afsnit, typer, opfølgninger) har en rulleliste.",
    "Når du kører 'sheetflow issue', læses hele registret, og alle fejl vises på én gang med "
    "ark og celle. Ret dem og kør kommandoen igen.",
]
GUIDE_RELATIONS = [
    "Delelementer → Centre: 'Ansvarligt center' skal stå på arket Centre.",
    "Delelementer → Afsnit: 'Afsnit' er et Nr. fra arket Afsnit.",
    "Milepæle → Delelementer: 'Delelement' er delelementets Nr. (når nummeret kun bruges én "
    "gang) eller dets Nøgle.",
    "Milepæle → Opfølgninger: 'Tid' er en opfølgnings navn eller en dato.",
    "Smileys → Opfølgninger og Milepæle: 'Opfølgning' er et Nr.; 'Nøgle' er en milepæls "
    "eller økonomis nøgle.",
    "Nøgle: står den tom, giver sheetflow delelementet en fast nøgle og skriver den i "
    "registret. Nøglen ændres aldrig, så et delelement kan omnummereres uden at miste sine svar.",
]
GUIDE_DEADLINES = [
    "Navnet på en opfølgning, præcis som på arket Opfølgninger, fx '2. budgetopfølgning 2026': "
    "milepælen forfalder ved den opfølgning.",
    f"En dato i en af formerne {ACCEPTED_FORMS} (eller en datocelle): milepælen forfalder "
    "ved den første opfølgning, hvis opgørelsesdato er samme dag eller senere. sheetflow "
    "skriver datoen som 31.03.2026.",
]
GUIDE_KINDS = [
    "drift: et delelement i driftsbudgettet.",
    "anlæg: et anlægsprojekt.",
    "drift og anlæg: begge dele.",
    "øvrig finansiering: fx salg, lån eller tilskud.",
]
