"""``sheetflow report --pdf``: the committee's part of a round's master as a PDF.

The master (front, summary, trends, detail) already prints A4 landscape with
page numbers and repeated titles; the findings sheet is for finance only. A
copy of the master with that sheet hidden (one attribute in
``xl/workbook.xml``; charts and print settings stay as written) is printed by
headless LibreOffice with a private profile and a time limit, so a running
LibreOffice of the user's own is never touched and a hung one never hangs us.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from sheetflow.atomic import atomic_path, cannot_write
from sheetflow.errors import SheetflowError, UsageError
from sheetflow.model import Register, Round
from sheetflow.texts import LANGUAGES, load_texts
from sheetflow.workspace import Workspace

DEFAULT_TIMEOUT = 180.0
WINDOWS_SOFFICE = [
    Path(os.environ.get(var, "")) / "LibreOffice" / "program" / "soffice.exe"
    for var in ("ProgramFiles", "ProgramFiles(x86)")
    if os.environ.get(var)
]
_SHEET = re.compile(r"<sheet\b([^>]*?)/>")
_NAME = re.compile(r'\bname="([^"]*)"')


class ToolError(SheetflowError):
    """LibreOffice is not installed, failed, or took too long (CLI exit code 3)."""


def find_soffice() -> str | None:
    """LibreOffice's ``soffice``: $SHEETFLOW_SOFFICE, the PATH, or the usual Windows place."""
    override = os.environ.get("SHEETFLOW_SOFFICE")
    if override:
        return override if Path(override).is_file() else None
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    return next((str(p) for p in WINDOWS_SOFFICE if p.is_file()), None)


def findings_sheet_names(workspace: Path | None = None) -> set[str]:
    """The findings sheet's name in every language (the master may be in either)."""
    return _master_sheet_names(("findings_sheet",), workspace)


def hide_sheets(workbook_xml: str, names: set[str]) -> tuple[str, int]:
    """``xl/workbook.xml`` with the named sheets marked hidden; and how many were."""
    hidden = 0

    def mark(m: re.Match[str]) -> str:
        nonlocal hidden
        attrs = m.group(1)
        name = _NAME.search(attrs)
        if not name or html.unescape(name.group(1)) not in names or "state=" in attrs:
            return m.group(0)
        hidden += 1
        return f'<sheet{attrs} state="hidden"/>'

    return _SHEET.sub(mark, workbook_xml), hidden


def summary_sheet_names(workspace: Path | None = None) -> set[str]:
    """The front and summary sheets' names in every language: all ``--summary`` prints."""
    return _master_sheet_names(("title_sheet", "summary_sheet"), workspace)


def _master_sheet_names(keys: tuple[str, ...], workspace: Path | None) -> set[str]:
    """The master's sheets named by ``keys`` in its texts, in every language."""
    texts = [load_texts(lang, workspace)["master"] for lang in LANGUAGES]
    return {str(master[key]) for master in texts for key in keys}


def sheet_names(master: Path) -> set[str]:
    """The names of the workbook's sheets, from ``xl/workbook.xml``."""
    with zipfile.ZipFile(master) as zf:
        xml = zf.read("xl/workbook.xml").decode("utf-8")
    return {html.unescape(m.group(1)) for m in map(_NAME.search, _SHEET.findall(xml)) if m}


def committee_copy(master: Path, target: Path, hide: set[str]) -> Path:
    """A copy of ``master`` with the ``hide`` sheets hidden; every other part as is."""
    with zipfile.ZipFile(master) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                text, _ = hide_sheets(data.decode("utf-8"), hide)
                data = text.encode("utf-8")
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return target


def convert_to_pdf(source: Path, outdir: Path, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Print ``source`` to ``outdir/<stem>.pdf`` with headless LibreOffice."""
    soffice = find_soffice()
    if soffice is None:
        raise ToolError(
            "LibreOffice er ikke installeret (programmet soffice blev ikke fundet), så der "
            "kan ikke laves PDF. Installér LibreOffice, eller sæt SHEETFLOW_SOFFICE til "
            "stien til soffice."
        )
    with tempfile.TemporaryDirectory(prefix="sheetflow-lo-") as profile:
        cmd = [
            soffice,
            f"-env:UserInstallation={Path(profile).resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(source),
        ]
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            start_new_session=sys.platform != "win32",
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            seconds, longer = f"{timeout:.0f}", f"{max(timeout * 4, 600):.0f}"
            raise ToolError("pdf-timeout", seconds=seconds, longer=longer) from None
    pdf = outdir / f"{source.stem}.pdf"
    if proc.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        detail = (err or out).decode("utf-8", "replace").strip().splitlines()
        raise ToolError(
            f"LibreOffice kunne ikke lave PDF'en (kode {proc.returncode})"
            + (f": {detail[-1]}" if detail else ".")
        )
    return pdf


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Stop soffice and what it started (its own process group on POSIX)."""
    if sys.platform != "win32":
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    else:
        proc.kill()
    proc.communicate()


def _master_in(workspace: Workspace, register: Register, rnd: Round, lang: str, path: Path) -> Path:
    """The round's master as collect would write it now, in ``lang``, at ``path``."""
    from sheetflow.collect import history_findings
    from sheetflow.findings import Report
    from sheetflow.ledger import Ledger
    from sheetflow.master import round_master
    from sheetflow.master.writer import write_master

    with Ledger(workspace.ledger_path, read_only=True) as ledger:
        report = Report()
        report.extend(history_findings(ledger, rnd, {r.number: r.name for r in register.rounds}))
        _, data = round_master(register, rnd, ledger, report, lang)
    return write_master(data, path, load_texts(lang, workspace.root))


def committee_pdf(
    workspace: Workspace,
    round_ref: str | int,
    target: Path | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    lang: str | None = None,
    summary: bool = False,
) -> Path:
    """Print the round's master, without the findings sheet, to ``target``
    (default ``rounds/<n>/master.pdf``). With ``lang`` the master is laid out
    afresh in that language for the PDF (the stored one is left as it is). With
    ``summary`` only the front page and the summary are printed: at 150 centers
    the whole master is 3,000 pages."""
    register = workspace.load_register()
    rnd = workspace.resolve_round(register, round_ref)
    master = workspace.master_path(rnd.number)
    if not master.is_file():
        raise UsageError("no-master", round=rnd.name, root=workspace.root, number=rnd.number)
    target = target or workspace.round_dir(rnd.number) / "master.pdf"
    if target.suffix.lower() != ".pdf":
        raise UsageError("pdf-suffix", name=target.name)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        raise cannot_write(target) from None
    with tempfile.TemporaryDirectory(prefix="sheetflow-pdf-") as tmp:
        if lang is not None:
            master = _master_in(workspace, register, rnd, lang, Path(tmp) / "fresh.xlsx")
        hide = findings_sheet_names(workspace.root)
        if summary:
            hide = sheet_names(master) - summary_sheet_names(workspace.root)
        copy = committee_copy(master, Path(tmp) / "master.xlsx", hide)
        outdir = Path(tmp) / "out"
        outdir.mkdir()
        pdf = convert_to_pdf(copy, outdir, timeout)
        try:
            with atomic_path(target) as out:
                shutil.copyfile(pdf, out)
        except PermissionError:
            raise cannot_write(target) from None
    return target
