"""The report importer against the seed, checked with an independent reading of
the same text (``seedparse``) and, for a few initiatives, against what the seed
says when read by eye."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from seedparse import Seed, expected_ratings, norm, parse_seed
from sheetflow.cli import main
from sheetflow.errors import SheetflowError
from sheetflow.model import Initiative, Register
from sheetflow.register import summarize
from sheetflow.register.report_text import (
    ImportResult,
    import_report_file,
    import_report_text,
)
from sheetflow.register.workbook import read_register


@pytest.fixture(scope="module")
def seed(seed_text: str) -> Seed:
    return parse_seed(seed_text)


@pytest.fixture(scope="module")
def imported(seed_path: Path) -> ImportResult:
    return import_report_file(seed_path)


@pytest.fixture(scope="module")
def register(imported: ImportResult) -> Register:
    return imported.register


def _by_title(register: Register, title: str) -> Initiative:
    (found,) = [i for i in register.initiatives if i.title == title]
    return found


def _by_number(register: Register, number: str) -> Initiative:
    (found,) = [i for i in register.initiatives if i.number == number]
    return found


def _ratings(register: Register, item_key: str) -> dict[int, object]:
    return {r.round: r for r in register.ratings if r.item_key == item_key}


# ------------------------------------------------------------------ the reading


def test_seedparse_reads_what_the_seed_plainly_holds(seed: Seed) -> None:
    """Guard the independent reading itself with facts checked by eye."""
    assert len(seed.initiatives) == 32
    assert seed.sections == [
        "5. Erhverv og Beskæftigelse",
        "6. Befolkning og Boliger",
        "7. Borgeren og Kommunen",
        "8. Ballerup Kommune som virksomhed",
    ]
    assert [i.number for i in seed.initiatives].count("7.07") == 2
    assert sum(1 for i in seed.initiatives if not i.number) == 11
    assert len(seed.centers) == 9
    assert all(i.center and i.committee == "Økonomiudvalget" for i in seed.initiatives)
    assert all(len(i.milestones) == 4 for i in seed.initiatives)
    ms = seed.by_number("5.03")[0].milestones[2]
    assert ms.text == "Under de givne forudsætninger er endelig vedtagelse af lokalplan på vej."
    assert (
        ms.note == "Afklaring med staten pågår stadig og er en forudsætning for lokalplanlægning."
    )
    assert (ms.round, ms.colour) == (3, "red")


# ----------------------------------------------------------------------- counts


def test_counts_equal_the_independent_reading(register: Register, seed: Seed) -> None:
    summary = summarize(register)
    milestones = [m for i in seed.initiatives for m in i.milestones]
    assert summary.initiatives == len(seed.initiatives) == 32
    assert summary.sections == len(seed.sections) == 4
    assert summary.milestones == sum(not m.placeholder for m in milestones)
    assert summary.placeholders == sum(m.placeholder for m in milestones)
    assert summary.milestones + summary.placeholders == len(milestones)
    expected_centers: dict[str, int] = {}
    for ini in seed.initiatives:
        expected_centers[ini.center] = expected_centers.get(ini.center, 0) + 1
    assert summary.centers == expected_centers
    assert [c.name for c in register.centers] == seed.centers


def test_ratings_per_round_and_colour(register: Register, seed: Seed) -> None:
    assert summarize(register).ratings == expected_ratings(seed)
    economy = expected_ratings(seed)["3:economy"]
    assert economy == {"green": 10, "red": 4, "yellow": 1}
    rated_economies = [
        r for r in register.ratings if r.item_key.endswith("-E") and r.smiley is not None
    ]
    assert len(rated_economies) == sum(economy.values())


def test_report_round_and_rounds(imported: ImportResult) -> None:
    assert imported.report_round == 3
    names = [r.name for r in imported.register.rounds]
    assert names[:3] == [f"{n}. budgetopfølgning 2017" for n in (1, 2, 3)]


# --------------------------------------------------------------- field by field


def test_every_initiative_field_by_field(register: Register, seed: Seed) -> None:
    sections = {s.number: s.label for s in register.sections}
    assert list(sections.values()) == seed.sections
    assert len(register.initiatives) == len(seed.initiatives)
    for ini, exp in zip(register.initiatives, seed.initiatives, strict=True):
        where = exp.title
        assert ini.number == exp.number, where
        assert ini.title == exp.title, where
        assert ini.kind == exp.kind, where
        assert sections[ini.section] == exp.section, where
        assert ini.center == exp.center, where
        assert ini.committee == exp.committee, where
        assert norm(ini.economy) == exp.economy_text, where
        got = [(norm(m.text), m.deadline.text) for m in ini.milestones]
        assert got == [(m.text, m.deadline) for m in exp.milestones], where
        assert [m.is_placeholder for m in ini.milestones] == [
            m.placeholder for m in exp.milestones
        ], where


def test_every_smiley_and_note_is_a_rating_of_the_right_round(
    register: Register, seed: Seed, seed_path: Path
) -> None:
    for ini, exp in zip(register.initiatives, seed.initiatives, strict=True):
        for ms, exp_ms in zip(ini.milestones, exp.milestones, strict=True):
            ratings = _ratings(register, ms.key)
            if exp_ms.colour is None and exp_ms.note is None:
                assert ratings == {}, (exp.title, exp_ms.deadline)
                continue
            assert list(ratings) == [exp_ms.round], (exp.title, exp_ms.deadline)
            rating = ratings[exp_ms.round]
            assert (rating.smiley.value if rating.smiley else None) == exp_ms.colour
            assert norm(rating.comment) == (exp_ms.note or "")
            assert rating.source == f"{seed_path.name}:{exp_ms.line}"
        eco = _ratings(register, ini.economy_key)
        if exp.economy_colour is None and exp.economy_note is None:
            assert eco == {}, exp.title
        else:
            assert list(eco) == [3], exp.title
            assert eco[3].smiley.value == exp.economy_colour
            assert norm(eco[3].comment) == (exp.economy_note or "")


def test_two_initiatives_numbered_7_07_keep_distinct_keys(register: Register) -> None:
    both = [i for i in register.initiatives if i.number == "7.07"]
    assert [i.title for i in both] == [
        "Næste fase af integrationsindsatsen - del 1 - involvering af virksomheder",
        "Næste fase af integrationsindsatsen - del 2 - involvering af foreninger",
    ]
    assert both[0].key != both[1].key
    assert {i.center for i in both} == {"Arbejdsmarked"}
    assert both[0].contributors == "By, Erhverv og Miljø"
    assert both[1].contributors == "Skoler, Institutioner og Kultur samt Social og Sundhed"
    assert both[1].details.startswith("Inddragelsen af kommunens borgere i integrationsarbejdet")
    # Their milestones and ratings do not mix: del 1 has one rated milestone, del 2 two.
    rated = [sum(1 for m in i.milestones if _ratings(register, m.key)) for i in both]
    assert rated == [1, 2]
    keys = [m.key for i in both for m in i.milestones] + [i.economy_key for i in both]
    assert len(set(keys)) == len(keys)


def test_all_keys_are_unique(register: Register) -> None:
    keys = [i.key for i in register.initiatives]
    keys += [m.key for i in register.initiatives for m in i.milestones]
    keys += [i.economy_key for i in register.initiatives]
    assert len(set(keys)) == len(keys)


def test_7_04_read_by_eye(register: Register) -> None:
    ini = _by_number(register, "7.04")
    assert ini.title == "Fælles lokaler på Linde Allé"
    assert ini.kind == "drift"
    assert ini.section == "7"
    assert ini.center == "Ejendomme"
    assert ini.committee == "Økonomiudvalget"
    assert ini.contributors == "Skoler, Institutioner og Kultur"
    assert ini.details.startswith("Justeringen af indgangsforhold")
    assert ini.description.startswith("Efter at politiet er fraflyttet de kommunale lokaler")
    assert ini.economy == "Investering i 2017: 0,2 mio. kr."
    assert [m.text for m in ini.milestones] == [
        "Indgangsforholdene er tilpasset.",
        "Der er indgået aftale med de første mulige fremtidige brugere.",
        "Lokalerne er ibrugtaget.",
        "Lokalerne er ibrugtaget.",
    ]


def test_5_03_read_by_eye(register: Register) -> None:
    ini = _by_number(register, "5.03")
    assert ini.title == "Udvikling af nyt erhvervsområde i Kildedal i Måløv"
    assert ini.section == "5"
    assert (ini.center, ini.contributors) == ("By, Erhverv og Miljø", "Politisk Sekretariat")
    assert ini.details.startswith("Der gennemføres forhandlinger med Vejdirektoratet")
    assert "Ansvarligt" not in ini.details
    assert ini.milestones[3].deadline.text == "31.12.2017"


def test_6_12_contributors_list(register: Register) -> None:
    ini = _by_number(register, "6.12")
    assert ini.center == "Skoler, Institutioner og Kultur"
    assert ini.contributors == (
        "By, Erhverv og Miljø, Social og Sundhed, Børne- og Ungerådgivning samt Politisk Sekretariat"
    )
    assert ini.details.startswith("Der skal via et utal af aktiviteter og arrangementer")


@pytest.mark.parametrize(
    ("title", "kind", "center", "contributors", "details_start"),
    [
        (
            "Reduktion af 5. ferieuge - Bedre planlægning (Sparekataloget 3.01)",
            "drift",
            "HR og Organisationsudvikling",
            "",
            "Der er udarbejdet en vejledning til lederne om afvikling af ferie",
        ),
        (
            "Analyser på lønområdet",
            "drift",
            "HR og Organisationsudvikling",
            "Økonomi og Styring",
            "Med budget 2016 blev det besluttet",
        ),
        (
            "Besparelse på den centrale administration (Øvrige spareinitiativer)",
            "drift",
            "HR og Organisationsudvikling",
            "Direktionen",
            "Der er vedtaget en besparelse på den centrale administration.",
        ),
        (
            "UCC - botilbud (grundkapitaltilskud)",
            "øvrig finansiering",
            "By, Erhverv og Miljø",
            "Ejendomme",
            "Almene boliger som bofællesskab til voksne med særlige behov",
        ),
        (
            "Midlertidig løntilpasning ved reduktion i engangsvederlag (Sparekataloget 3.04)",
            "drift",
            "HR og Organisationsudvikling",
            "",
            "Som led i opbremsningen af lønudviklingen",
        ),
        (
            "Nyt økonomisystem (Prisme2015)",
            "anlæg",
            "Økonomi og Styring",
            "",
            "Ved budgetvedtagelsen den 10. oktober 2016",
        ),
    ],
)
def test_unnumbered_initiatives_read_by_eye(
    register: Register,
    title: str,
    kind: str,
    center: str,
    contributors: str,
    details_start: str,
) -> None:
    ini = _by_title(register, title)
    assert ini.number == ""
    assert ini.section == "8"
    assert ini.kind == kind
    assert ini.center == center
    assert ini.committee == "Økonomiudvalget"
    assert ini.contributors == contributors
    assert ini.details.startswith(details_start)
    assert ini.label == title


def test_7_09_sentence_after_contributor_label_is_a_detail(register: Register) -> None:
    ini = _by_number(register, "7.09")
    assert ini.contributors == ""
    assert ini.details.startswith("I det omfang der allerede er systemmæssig understøtning")


def test_milestone_wrapped_in_paragraph_8_03(register: Register) -> None:
    """8.03's first row is "<p>Milepæl</p>" | <p>text</p> | <p>round</p> | <p>😊</p>."""
    ini = _by_number(register, "8.03")
    first = ini.milestones[0]
    assert first.text.startswith("Der er udarbejdet casebeskrivelser over gennemførte")
    assert first.deadline.text == "1. budgetopfølgning 2017"
    assert first.deadline.round == 1
    assert _ratings(register, first.key)[1].smiley.value == "green"
    assert len(ini.milestones) == 4


# --------------------------------------------------------------- status notes


def test_status_note_of_5_03_round_3_is_the_comment(register: Register) -> None:
    ini = _by_number(register, "5.03")
    ms = ini.milestones[2]
    assert ms.text == "Under de givne forudsætninger er endelig vedtagelse af lokalplan på vej."
    rating = _ratings(register, ms.key)[3]
    assert rating.smiley.value == "red"
    assert rating.comment == (
        "Afklaring med staten pågår stadig og er en forudsætning for lokalplanlægning."
    )


def test_status_note_of_7_03_economy_is_the_comment(register: Register) -> None:
    ini = _by_number(register, "7.03")
    assert ini.economy == "Investering i 2017: 29,8 mio. kr."
    rating = _ratings(register, ini.economy_key)[3]
    assert rating.smiley.value == "red"
    assert rating.comment == (
        "Klargøringsudgiften oversteg det forventede niveau. "
        "Dette blev håndteret på Kommunalbestyrelsens møde i august 2017."
    )


def test_status_on_its_own_paragraph_5_04(register: Register) -> None:
    """<p>text</p> <p>Status:</p> <p>note</p>: the note is the paragraph after."""
    ms = _by_number(register, "5.04").milestones[2]
    assert ms.text == (
        "Økonomiudvalget har fået en orientering og anbefaling i forhold til mulige udbudsmodeller."
    )
    assert _ratings(register, ms.key)[3].comment.startswith(
        "Der pågår en markedsdialog med udvalgte firmaer."
    )


def test_no_status_label_or_html_left_in_any_text(register: Register) -> None:
    economies_with_notes = 0
    for ini in register.initiatives:
        texts = [ini.title, ini.description, ini.details, ini.economy, ini.contributors]
        texts += [m.text for m in ini.milestones]
        for text in texts:
            assert "Status:" not in text, ini.title
            assert "<" not in text and ">" not in text and "&nbsp;" not in text, ini.title
        rating = _ratings(register, ini.economy_key).get(3)
        economies_with_notes += bool(rating and rating.comment)
    for r in register.ratings:
        assert "<" not in r.comment and "Status:" not in r.comment
    assert economies_with_notes == 4


# ------------------------------------------------------------------ HTML lists


def test_html_list_of_7_02_is_kept_as_text(register: Register) -> None:
    ini = _by_number(register, "7.02")
    assert ini.details.startswith("Arbejdet med at udvikle en mere helhedsorienteret tilgang")
    for piece in (
        "Af konkrete indsatsområder kan nævnes:",
        "1) Alle egnede lokaler til udlån udpeges og indarbejdes i booking-systemet",
        "2) Bedre systemunderstøttelse af fleksibel anvendelse",
        "3) Stillingstagen til placering af ejerskabet",
        "4) Skabe et bedre beslutningsgrundlag baseret på konkrete data.",
        "Der vil løbende blive forelagt indstillinger herom til relevante udvalg.",
    ):
        assert piece in ini.details
    assert ini.contributors == (
        "Skoler, Institutioner og Kultur, HR og Organisationsudvikling samt Social og Sundhed"
    )
    (rated,) = [m for m in ini.milestones if not m.is_placeholder]
    assert norm(rated.text) == (
        "Der er udarbejdet en datarapport med angivelse af konkrete belægningsgrader for "
        "anvendelse af en række centrale lokaler, særligt velegnet til fleksibel anvendelse. "
        "Der er truffet beslutning om model for fremtidig ejerskab og styring af kommunens "
        "samlede ejendomme og lokaler."
    )
    assert _ratings(register, rated.key)[3].comment == "Datagrundlaget er fortsat under opbygning."


# ---------------------------------------------------------------- header block


def test_header_block(register: Register, seed: Seed) -> None:
    info = register.info
    assert info.date == "27. oktober 2017"
    assert info.phone == "4477 2206"
    assert info.email == "okonomi@balk.dk"
    assert info.contact == "Vibeke Romney Lauridsen"
    assert info.case_id == "00.30.00-S00-6-16"
    assert info.title == "Tredje opfølgning på Aftale om budget 2017"
    assert info.agreement == "Aftale om budget 2017"
    assert seed.header == {
        "Dato": info.date,
        "Tlf. dir.": info.phone,
        "E-mail": info.email,
        "Kontakt": info.contact,
        "Sagsid": info.case_id,
    }
    assert seed.title == info.title


def test_bom_and_windows_line_ends_read_the_same(
    tmp_path: Path, seed_text: str, register: Register
) -> None:
    """The same export saved by Windows Notepad (BOM, CRLF) imports the same register."""
    path = tmp_path / "rapport.txt"
    path.write_bytes(("\ufeff" + seed_text.replace("\n", "\r\n")).encode("utf-8"))
    other = import_report_file(path).register
    assert summarize(other) == summarize(register)
    assert other.info == register.info
    assert [i.key for i in other.initiatives] == [i.key for i in register.initiatives]


# ------------------------------------------------------------------ the CLI path


def test_cli_init_from_report(tmp_path: Path, seed_path: Path, seed: Seed) -> None:
    ws = tmp_path / "ws"
    result = CliRunner().invoke(main, ["init", str(ws), "--from-report", str(seed_path), "--json"])
    assert result.exit_code == 0, result.output
    assert (ws / "register.xlsx").is_file()
    out = json.loads(result.stdout)
    milestones = [m for i in seed.initiatives for m in i.milestones]
    assert out["initiatives"] == len(seed.initiatives)
    assert out["milestones"] == sum(not m.placeholder for m in milestones)
    assert out["placeholders"] == sum(m.placeholder for m in milestones)
    assert out["sections"] == len(seed.sections)
    assert list(out["centers"]) == seed.centers
    assert out["ratings"] == expected_ratings(seed)

    # What was written is what was read: the register workbook reads back whole.
    back, report = read_register(ws / "register.xlsx")
    assert not report.errors
    assert summarize(back).to_dict() == {k: v for k, v in out.items() if k != "register"}
    assert [(i.number, i.title, i.center) for i in back.initiatives] == [
        (i.number, i.title, i.center) for i in seed.initiatives
    ]


def test_cli_init_from_report_plain_output(tmp_path: Path, seed_path: Path) -> None:
    ws = tmp_path / "ws"
    result = CliRunner().invoke(main, ["init", str(ws), "--from-report", str(seed_path)])
    assert result.exit_code == 0, result.output
    assert (ws / "register.xlsx").is_file()
    assert "32 delelementer i 4 afsnit" in result.output


# ------------------------------------------------------------- not a report


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n\n",
        "Hej Vibeke,\n\nher er tallene.\n\nVenlig hilsen\n",
        "round,center,rating\n3,Ejendomme,green\n",
        "Dato: 27. oktober 2017\n\nTredje opfølgning på Aftale om budget 2017\n\nLæsevejledning\n",
    ],
    ids=["empty", "blank-lines", "a-mail", "a-csv", "header-without-initiatives"],
)
def test_importer_refuses_text_that_is_not_a_report(text: str) -> None:
    with pytest.raises(SheetflowError):
        import_report_text(text)


def test_importer_refuses_an_unknown_smiley(seed_text: str) -> None:
    broken = seed_text.replace(
        "Afklaring med staten pågår.\t1. budgetopfølgning 2017\t☺",
        "Afklaring med staten pågår.\t1. budgetopfølgning 2017\tOK",
    )
    assert broken != seed_text
    with pytest.raises(SheetflowError, match="OK"):
        import_report_text(broken)


def test_importer_refuses_a_file_that_is_not_text(tmp_path: Path) -> None:
    """A workbook passed by mistake (or a non-UTF-8 export) is refused, not a crash."""
    wrong = tmp_path / "register.xlsx"
    wrong.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xfb\xb0\x8b\xc3" * 8)
    with pytest.raises(SheetflowError):
        import_report_file(wrong)


def test_cli_refuses_a_file_that_is_not_text_with_exit_2(tmp_path: Path) -> None:
    wrong = tmp_path / "budget.xlsx"
    wrong.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xfb\xb0\x8b\xc3" * 8)
    result = CliRunner().invoke(main, ["init", str(tmp_path / "ws"), "--from-report", str(wrong)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "ws" / "register.xlsx").exists()


def test_cli_refuses_a_text_that_is_not_a_report_with_exit_2(tmp_path: Path) -> None:
    wrong = tmp_path / "mail.txt"
    wrong.write_text("Hej Vibeke,\n\nher er tallene.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path / "ws"), "--from-report", str(wrong)])
    assert result.exit_code == 2, result.output
    assert "Fejl" in result.output
    assert not (tmp_path / "ws" / "register.xlsx").exists()
