"""The demo's consolidated workbook as the committee gets it: printed to PDF by
headless LibreOffice (one soffice start for the module), then read back page
by page with poppler."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from libreoffice import PDF, lo_convert, pdf_pages, requires_libreoffice
from seedparse import Seed, parse_seed
from sheetflow.demo import DemoResult

pytestmark = [requires_libreoffice, pytest.mark.libreoffice]

DETAIL_HEADER = re.compile(r"Delelement\s+Tid\s+1\.\s+2\.\s+3\.\s+Seneste status / kommentar")
FINDINGS_HEADER = re.compile(r"Fil\s+Center\s+Ark\s+Celle\s+Kode\s+Alvor\s+Besked")


@pytest.fixture(scope="module")
def pdf(demo_result: DemoResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("master-pdf") / "master.pdf"
    lo_convert(demo_result.master, target, PDF)
    assert target.is_file() and target.stat().st_size > 0
    return target


@pytest.fixture(scope="module")
def pages(pdf: Path) -> list[dict[str, Any]]:
    return pdf_pages(pdf)


@pytest.fixture(scope="module")
def seed(seed_text: str) -> Seed:
    return parse_seed(seed_text)


def _lines(page: dict[str, Any]) -> list[str]:
    return [line for line in page["text"].splitlines() if line.strip()]


def _first(pages: list[dict[str, Any]], pattern: re.Pattern[str]) -> int:
    return next(n for n, p in enumerate(pages) if pattern.search(p["text"]))


@pytest.fixture(scope="module")
def parts(pages: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Page numbers (0-based) per sheet: front, summary, detail, findings."""
    detail = _first(pages, DETAIL_HEADER)
    findings = _first(pages, FINDINGS_HEADER)
    assert 1 < detail < findings, (detail, findings)
    return {
        "front": [0],
        "summary": list(range(1, detail)),
        "detail": list(range(detail, findings)),
        "findings": list(range(findings, len(pages))),
    }


def test_page_count_is_sensible(pages: list[dict[str, Any]], parts: dict[str, list[int]]) -> None:
    assert 6 <= len(pages) < 40
    assert "Tredje opfølgning på Aftale om budget 2017" in pages[0]["text"]
    assert "Indsendte projektmapper" in pages[parts["summary"][0]]["text"]


def test_every_page_is_a4_landscape(pages: list[dict[str, Any]]) -> None:
    for n, page in enumerate(pages, 1):
        assert page["width"] > page["height"], n
        assert abs(page["width"] - 842) < 3 and abs(page["height"] - 595) < 3, n


def test_every_page_has_the_footer(pages: list[dict[str, Any]]) -> None:
    for n, page in enumerate(pages, 1):
        tail = "\n".join(_lines(page)[-2:])
        assert re.search(rf"Side {n} af {len(pages)}\s*$", tail), (n, tail)
        assert "Aftale om budget 2017" in tail and "budgetopfølgning 2017" in tail, (n, tail)


def test_detail_header_row_repeats_on_every_detail_page(
    pages: list[dict[str, Any]], parts: dict[str, list[int]]
) -> None:
    assert len(parts["detail"]) >= 4
    for n in parts["detail"]:
        lines = _lines(pages[n])
        # First and last column on the same line: nothing cut off to the right.
        assert DETAIL_HEADER.search(lines[0]), (n + 1, lines[:2])


def test_findings_header_repeats_on_every_findings_page(
    pages: list[dict[str, Any]], parts: dict[str, list[int]]
) -> None:
    for n in parts["findings"]:
        assert FINDINGS_HEADER.search(_lines(pages[n])[0]), (n + 1, _lines(pages[n])[:2])


def test_summary_tables_are_printed_whole(
    pages: list[dict[str, Any]], parts: dict[str, list[int]]
) -> None:
    text = "\n".join(pages[n]["text"] for n in parts["summary"])
    counts_header = re.compile(
        r"(Center|Afsnit)\s+(Grøn ☺\s+Gul 😐\s+Rød ☹\s+Uden smiley\s*){2}$", re.M
    )
    assert len(counts_header.findall(text)) == 2
    assert re.search(r"Center\s+Udsendt\s+Modtaget\s+Godkendt\s+Afvist", text)
    flags_header = re.compile(
        r"Nr\. Delelement\s+Markering\s+Center\s+Milepæl\s+Tid\s+Smiley\s+Status / kommentar"
    )
    assert flags_header.search(text)


def test_each_section_starts_on_a_new_page(
    pages: list[dict[str, Any]], parts: dict[str, list[int]], seed: Seed
) -> None:
    assert [s.split(".")[0] for s in seed.sections] == ["5", "6", "7", "8"]
    found = []
    for label in seed.sections:
        where = [
            n for n in parts["detail"] if any(line.strip() == label for line in _lines(pages[n]))
        ]
        assert len(where) == 1, (label, [n + 1 for n in where])
        found.append(where[0])
    assert found == sorted(found)
    assert found[0] == parts["detail"][0]
    pairs = list(zip(seed.sections[:-1], seed.sections[1:], strict=True))
    for (prev, label), n in zip(pairs, found[1:], strict=True):
        lines = _lines(pages[n])
        # Right under the repeated header row: nothing of the previous section before it.
        assert lines[1].strip() == label, (n + 1, lines[:3])
        prev_number = prev.split(".")[0]
        numbered = re.compile(rf"^\s*{prev_number}\.\d\d\s")
        assert not [line for line in lines if numbered.match(line)], (n + 1, label)


def test_every_initiative_is_printed(
    pages: list[dict[str, Any]], parts: dict[str, list[int]], seed: Seed
) -> None:
    text = "\n".join(pages[n]["text"] for n in parts["detail"])
    flat = " ".join(text.split())
    for ini in seed.initiatives:
        head = " ".join(ini.title.split()[:4])
        assert head in flat, ini.title
        if ini.number:
            assert re.search(rf"^{re.escape(ini.number)}\s+{re.escape(ini.title[:20])}", text, re.M)


def test_deadlines_are_not_broken_mid_word(pages: list[dict[str, Any]]) -> None:
    """ "3. budgetopfølgning 2017" may wrap between words, never inside one."""
    broken = [
        (n, line.strip())
        for n, page in enumerate(pages, 1)
        for line in page["text"].splitlines()
        if re.search(r"budgetopfølgnin(?!g)", line)
    ]
    assert not broken, f"{len(broken)} lines, e.g.:\n" + "\n".join(
        f"page {n}: {line}" for n, line in broken[:8]
    )


def _text_lines(pdf: Path) -> list[list[tuple[int, float, float, float, float, str]]]:
    """Per page, each text line as (block, x0, y0, x1, y1, text), from pdftotext's boxes."""
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    line_re = re.compile(
        r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>',
        re.S,
    )
    result = []
    for page in out.split("<page ")[1:]:
        lines = []
        for block_no, block in enumerate(page.split("<block ")[1:]):
            for m in line_re.finditer(block):
                words = " ".join(re.findall(r">([^<]*)</word>", m.group(5)))
                x0, y0, x1, y1 = (float(v) for v in m.groups()[:4])
                lines.append((block_no, x0, y0, x1, y1, words))
        result.append(lines)
    return result


def test_no_text_is_drawn_over_other_text(pdf: Path) -> None:
    """A row too low for its wrapped text lets the text run into the next row
    (where it is half hidden): text of different cells must not overlap."""
    overlaps = []
    for page_no, lines in enumerate(_text_lines(pdf), 1):
        for i, a in enumerate(lines):
            for b in lines[i + 1 :]:
                if a[0] == b[0] or min(a[3], b[3]) <= max(a[1], b[1]):
                    continue
                overlap = min(a[4], b[4]) - max(a[2], b[2])
                if overlap > 2.0:
                    overlaps.append(f"page {page_no}: {a[5]!r} over {b[5]!r} by {overlap:.1f} pt")
    assert not overlaps, "\n".join(overlaps)
