"""``sheetflow report --pdf``: the committee's PDF of the demo's round 3, printed by
the command itself (headless soffice), read back page by page with poppler.
Also what happens when LibreOffice is missing, fails or hangs."""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from libreoffice import pdf_pages
from sheetflow.cli import main
from sheetflow.demo import DemoResult
from sheetflow.report import hide_sheets

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) and poppler-utils are not installed",
)
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="fake soffice is a shell script")

DETAIL_HEADER = re.compile(r"Delelement\s+Tid\s+1\.\s+2\.\s+3\.\s+Seneste status / kommentar")
TRENDS_HEADER = re.compile(
    r"Nr\.\s+Delelement\s+Center\s+Milepæl / Økonomi\s+Tid\s+1\.\s+2\.\s+3\.\s+Årsafslutning"
)
FINDINGS_HEADER = re.compile(r"Fil\s+Ark\s+Celle\s+Kode\s+Alvor\s+Besked")


def _report(
    ws: Path, *args: str, env: dict[str, str] | None = None, flag: tuple[str, ...] = ("--pdf",)
) -> Result:
    return CliRunner(env=env).invoke(main, ["report", str(ws), "--round", "3", *flag, *args])


@pytest.fixture(scope="module")
def pages(
    demo_result: DemoResult, tmp_path_factory: pytest.TempPathFactory
) -> list[dict[str, Any]]:
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) and poppler-utils are not installed")
    target = tmp_path_factory.mktemp("report") / "Udvalg oktober æøå.pdf"
    # The PDF is report's one format: ``--pdf`` may be left out.
    result = _report(demo_result.master.parents[2], "--to", str(target), flag=())
    assert result.exit_code == 0, result.output
    assert result.output == f"PDF til udvalget: {target}\n"
    return pdf_pages(target)


def _lines(page: dict[str, Any]) -> list[str]:
    return [line for line in page["text"].splitlines() if line.strip()]


def _pages_with(pages: list[dict[str, Any]], pattern: re.Pattern[str]) -> list[int]:
    return [n for n, p in enumerate(pages) if pattern.search(p["text"])]


@needs_soffice
def test_committee_pdf_parts_in_order_without_findings(pages: list[dict[str, Any]]) -> None:
    assert "Tredje opfølgning på Aftale om budget 2017" in pages[0]["text"]
    summary = _pages_with(pages, re.compile(r"Indsendte projektmapper"))
    trends = _pages_with(pages, re.compile(r"Udvikling over årets opfølgninger"))
    trend_items = _pages_with(pages, TRENDS_HEADER)
    detail = _pages_with(pages, DETAIL_HEADER)
    assert summary == [1]
    assert len(trends) == 1 and trends[0] > summary[0]
    assert trend_items and trend_items[0] == trends[0] + 1
    assert detail and detail[0] == trend_items[-1] + 1
    assert detail[-1] == len(pages) - 1  # the detail sheet ends the PDF
    # Nothing of the findings sheet: not its header, not a finding code or message.
    for n, page in enumerate(pages, 1):
        assert not FINDINGS_HEADER.search(page["text"]), n
        assert (
            "missing-rating" not in page["text"] and "Der mangler en smiley" not in page["text"]
        ), n
    assert 20 <= len(pages) <= 45


@needs_soffice
def test_every_page_is_a4_landscape_and_numbered(pages: list[dict[str, Any]]) -> None:
    for n, page in enumerate(pages, 1):
        assert page["width"] > page["height"], n
        assert abs(page["width"] - 842) < 3 and abs(page["height"] - 595) < 3, n
        tail = "\n".join(_lines(page)[-2:])
        assert re.search(rf"Side {n} af {len(pages)}\s*$", tail), (n, tail)


@needs_soffice
def test_titles_repeat_on_every_detail_and_trend_page(pages: list[dict[str, Any]]) -> None:
    detail = _pages_with(pages, DETAIL_HEADER)
    trend_items = _pages_with(pages, TRENDS_HEADER)
    assert len(detail) >= 4 and len(trend_items) >= 2
    # Contiguous runs, each page starting with its header row.
    assert detail == list(range(detail[0], detail[-1] + 1))
    assert trend_items == list(range(trend_items[0], trend_items[-1] + 1))
    for n in detail:
        assert DETAIL_HEADER.search(_lines(pages[n])[0]), (n + 1, _lines(pages[n])[:2])
    for n in trend_items:
        assert TRENDS_HEADER.search(_lines(pages[n])[0]), (n + 1, _lines(pages[n])[:2])


@needs_soffice
def test_summary_names_the_items_red_two_rounds_in_a_row(pages: list[dict[str, Any]]) -> None:
    trends = _pages_with(pages, re.compile(r"Udvikling over årets opfølgninger"))[0]
    text = "\n".join(p["text"] for p in pages[1:trends])
    assert "Røde to opfølgninger i træk eller mere" in text
    assert re.search(r"UCC - hjemfaldspligt\s+2\s+Politisk Sekretariat", text)


def test_hide_sheets_marks_only_the_named_sheet() -> None:
    xml = (
        '<sheets><sheet name="Forside" sheetId="1" r:id="rId1"/>'
        '<sheet name="R&amp;D" sheetId="2" r:id="rId2"/><sheet name="Fund" sheetId="3" r:id="rId3"/></sheets>'
    )
    out, n = hide_sheets(xml, {"Fund", "R&D"})
    assert n == 2
    assert out == (
        '<sheets><sheet name="Forside" sheetId="1" r:id="rId1"/>'
        '<sheet name="R&amp;D" sheetId="2" r:id="rId2" state="hidden"/>'
        '<sheet name="Fund" sheetId="3" r:id="rId3" state="hidden"/></sheets>'
    )


def test_without_libreoffice_exit_3_and_a_clear_message(
    demo_result: DemoResult, tmp_path: Path
) -> None:
    target = tmp_path / "x.pdf"
    result = _report(
        demo_result.master.parents[2],
        "--to",
        str(target),
        env={"SHEETFLOW_SOFFICE": str(tmp_path / "ingen soffice")},
    )
    assert result.exit_code == 3
    assert result.output == (
        "Fejl: LibreOffice er ikke installeret (programmet soffice blev ikke fundet), så der "
        "kan ikke laves PDF. Installér LibreOffice, eller sæt SHEETFLOW_SOFFICE til stien til "
        "soffice.\n"
    )
    assert not target.exists()


def _fake_soffice(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake soffice"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@posix_only
def test_a_failing_libreoffice_is_exit_3_with_its_message(
    demo_result: DemoResult, tmp_path: Path
) -> None:
    fake = _fake_soffice(tmp_path, 'echo "Error: source file could not be loaded" >&2\nexit 1')
    result = _report(
        demo_result.master.parents[2],
        "--to",
        str(tmp_path / "x.pdf"),
        env={"SHEETFLOW_SOFFICE": str(fake)},
    )
    assert result.exit_code == 3
    assert result.output == (
        "Fejl: LibreOffice kunne ikke lave PDF'en (kode 1): "
        "Error: source file could not be loaded\n"
    )


@posix_only
def test_a_hanging_libreoffice_is_stopped_at_the_time_limit(
    demo_result: DemoResult, tmp_path: Path
) -> None:
    pidfile = tmp_path / "pid"
    fake = _fake_soffice(tmp_path, f'sleep 300 &\necho $! > "{pidfile}"\nwait')
    result = _report(
        demo_result.master.parents[2],
        "--to",
        str(tmp_path / "x.pdf"),
        "--timeout",
        "2",
        env={"SHEETFLOW_SOFFICE": str(fake)},
    )
    assert result.exit_code == 3
    assert (
        "LibreOffice blev ikke færdig med PDF'en inden for 2 sekunder og er stoppet. Giv den "
        "mere tid med --timeout 600, eller udskriv kun forside og overblik med --summary."
        in result.output
    )
    child = int(pidfile.read_text())
    # The whole process group was killed, not only the script: its child is gone
    # (or a zombie waiting for a reaper that is not ours).
    assert _gone(child)
    assert not (tmp_path / "x.pdf").exists()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat_file = Path(f"/proc/{pid}/stat")
    return stat_file.is_file() and stat_file.read_text().split(") ", 1)[1].startswith("Z")


def test_no_master_yet_is_a_usage_error(sample_ws: Any) -> None:
    result = _report(sample_ws.root)
    assert result.exit_code == 2
    assert "Der er ingen samlet projektmappe for 3. budgetopfølgning 2017 endnu." in result.output


@needs_soffice
def test_report_lang_decides_the_pdfs_language(demo_result: DemoResult, tmp_path: Path) -> None:
    """The demo's master was collected in Danish; --lang en prints it in English, and
    leaves the stored master as it was."""
    master = demo_result.master
    before = master.read_bytes()
    target = tmp_path / "committee.pdf"
    result = _report(master.parents[2], "--to", str(target), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.output == f"Committee PDF: {target}\n"
    text = "\n".join(p["text"] for p in pdf_pages(target))
    assert "Returned workbooks" in text and "Reading guide" in text
    assert "Indsendte projektmapper" not in text and "Læsevejledning" not in text
    assert master.read_bytes() == before


@needs_soffice
def test_summary_prints_only_the_front_page_and_the_summary(
    demo_result: DemoResult, pages: list[dict[str, Any]], tmp_path: Path
) -> None:
    """At 150 centers the whole master is 3,000 pages: ``--summary`` is what a
    committee reads, the pages before the trends in the whole PDF."""
    target = tmp_path / "Udvalg, overblik.pdf"
    result = _report(demo_result.master.parents[2], "--to", str(target), "--summary")
    assert result.exit_code == 0, result.output
    short = pdf_pages(target)
    (trends,) = _pages_with(pages, re.compile(r"Udvikling over årets opfølgninger"))
    assert len(short) == trends
    assert "Tredje opfølgning på Aftale om budget 2017" in short[0]["text"]
    assert _pages_with(short, re.compile(r"Indsendte projektmapper")) == [1]
    for pattern in (TRENDS_HEADER, DETAIL_HEADER, FINDINGS_HEADER):
        assert _pages_with(short, pattern) == []
