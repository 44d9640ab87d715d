"""Write the master (docs/workbooks.md#the-master) from ``MasterData`` with xlsxwriter.

Front sheet, summary (returns, counts, a native chart, flags), trends, detail sheet
laid out like the seed report, findings sheet. Every sheet prints A4
landscape, one page wide, with repeated titles, header and footer. Text from
centers is always written as text, never as a formula; the few formulas
(totals) carry their cached values, since LibreOffice does not recalculate
on open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from sheetflow.atomic import atomic_path
from sheetflow.master.answers_sheet import write_answers
from sheetflow.master.detail_sheet import write_detail
from sheetflow.master.styles import Styles
from sheetflow.master.summary import FINDING_COLUMNS, MasterData
from sheetflow.master.summary_sheet import write_summary
from sheetflow.master.trend_sheet import write_trends
from sheetflow.model import format_date
from sheetflow.xlsxutil import (
    FastZipWorkbook,
    RowWriter,
    print_setup,
    scratch_folder,
    set_fixed_properties,
    write_smiley_guide,
)


def master_title(data: MasterData, t: dict[str, Any]) -> str:
    """ "Tredje opfølgning på Aftale om budget 2017" for round 3."""
    n = data.round.number
    words = t["ordinals"]
    ordinal = words[n - 1] if 0 < n <= len(words) else f"{n}."
    return str(t["title"]).format(ordinal=ordinal, agreement=data.register.info.agreement)


def register_title(data: MasterData, t: dict[str, Any]) -> str:
    """The register's own title (Oplysninger › Titel) as the front page's second line,
    when finance gave one that says more than the page's title: the municipality, say.
    A round's title (the sample's "Tredje opfølgning på …") or the blank register's
    ("Opfølgning på <aftale>") says nothing more, and is left out."""
    own = " ".join(data.register.info.title.split())
    agreement = data.register.info.agreement
    plain = {str(t["title"]).format(ordinal=o, agreement=agreement) for o in t["ordinals"]}
    plain.add(f"Opfølgning på {agreement}")
    return "" if own.casefold() in {p.casefold() for p in plain} else own


def write_master(data: MasterData, path: Path, texts: dict[str, dict[str, Any]]) -> Path:
    """Write the consolidated workbook atomically, in the language of ``texts``."""
    t = texts["master"]
    title = master_title(data, t)
    with atomic_path(path) as tmp, scratch_folder() as scratch:
        # constant_memory: rows are written in order and flushed as they are
        # finished, so a master for 40,000 initiatives stays in bounded memory.
        # Its row files go in a folder of this write's own, removed however it ends.
        options = {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "constant_memory": True,
            "tmpdir": scratch,
        }
        wb = FastZipWorkbook(str(tmp), options)
        set_fixed_properties(wb, title=title, subject=data.register.info.agreement)
        st = Styles(wb)
        footer = (data.register.info.agreement, data.round.name, t["footer_page"])
        _front(wb, st, data, texts, title, footer)
        write_summary(wb, st, data, t, footer)
        if data.smileys:  # a form of finance's own without smileys has its Svar sheet
            write_trends(wb, st, data, t, footer)
        write_detail(wb, st, data, t, footer)
        write_answers(wb, data, texts, footer)
        _findings(wb, st, data, t, footer)
        for ws in wb.worksheets():
            # Numbers (5.01), round headers (1.) and dates written as text are meant
            # as text: Excel would mark each one "number stored as text".
            ws.ignore_errors({"number_stored_as_text": "A1:XFD1048576"})
        wb.close()
    return path


def _front(
    wb: xlsxwriter.Workbook,
    st: Styles,
    data: MasterData,
    texts: dict[str, dict[str, Any]],
    title: str,
    footer: tuple[str, str, str],
) -> None:
    t = texts["master"]
    info = data.register.info
    ws = wb.add_worksheet(t["title_sheet"])
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 110)
    row = 0
    for label, value in (
        (t["date"], data.date_text),
        (t["phone"], info.phone),
        (t["email"], info.email),
        (t["contact"], info.contact),
        (t["case_id"], info.case_id),
        (t["as_of"], format_date(data.round.as_of)),
    ):
        if value:
            ws.write_string(row, 0, label, st.label)
            ws.write_string(row, 1, value, st.text)
            row += 1
    row += 1
    ws.write_string(row, 0, title, st.title)
    ws.set_row(row, 28)
    row += 1
    subtitle = register_title(data, t)
    if subtitle:
        ws.write_string(row, 0, subtitle, st.subtitle)
        ws.set_row(row, 20)
        row += 1
    row += 1
    ws.write_string(row, 0, t["guide_heading"], st.heading)
    row += 1
    for paragraph in t["guide"]:
        ws.merge_range(row, 0, row, 1, paragraph.format(agreement=info.agreement), st.text)
        ws.set_row(row, 30)
        row += 1
    write_smiley_guide(ws, row, texts, (st.heading, st.smiley, st.text), st.smileys)
    print_setup(ws, *footer)
    ws.activate()


def _findings(
    wb: xlsxwriter.Workbook,
    st: Styles,
    data: MasterData,
    t: dict[str, Any],
    footer: tuple[str, str, str],
) -> None:
    """Every finding of the round's returns, for finance; see ``_findings_print``."""
    ws = wb.add_worksheet(t["findings_sheet"])
    widths = [34, 24, 10, 8, 22, 9, 80]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    headers = [
        t["col_file"],
        t["col_center"],
        t["col_sheet"],
        t["col_cell"],
        t["col_code"],
        t["col_severity"],
        t["col_message"],
    ]
    ws.write_row(0, 0, headers, st.header)
    ws.freeze_panes(1, 0)
    if not data.findings:
        ws.write_string(1, 0, t["no_findings"], st.text)
    rows = RowWriter(ws)
    for row, f in enumerate(data.findings, start=1):
        cells: list[tuple[str | float | None, Any]] = []
        for key in FINDING_COLUMNS:
            value = f.get(key, "")
            if key == "severity":  # a word in the workbook's language; the code stays a code
                value = t.get(f"severity_{value}", value)
            cells.append((value, st.cell))
        rows.row(row, cells)
    ws.autofilter(0, 0, max(len(data.findings), 1), len(headers) - 1)
    _findings_print(ws, footer, t["findings_print_note"])


def _findings_print(ws: Worksheet, footer: tuple[str, str, str], note: str) -> None:
    """The findings sheet's own print setup: every page's footer says it is
    finance's technical annex, not the committee's; its header row repeats.
    The committee's print, ``report --pdf``, leaves the sheet out
    (docs/workbooks.md#the-committee-pdf). No print area: LibreOffice prints
    a sheet with one even when it is hidden."""
    agreement, round_name, page = footer
    print_setup(ws, f"{agreement} · {note}", round_name, page)
    ws.repeat_rows(0)
