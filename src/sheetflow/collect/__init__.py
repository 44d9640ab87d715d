"""Collect a round: read every returned file, validate, record, consolidate.

Every file is archived by content hash before it is read; originals are never
touched. A file seen before (same hash, same round) counts once. Outputs
(master, ratings.csv, findings.csv) are written atomically.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sheetflow.collect.reader import ReadError, read_custom_properties, read_return
from sheetflow.collect.validate import Verdict, validate_return
from sheetflow.errors import UsageError
from sheetflow.findings import Finding, Report, Severity, make_finding
from sheetflow.issue.layout import StatusLayout
from sheetflow.issue.writer import META_PREFIX
from sheetflow.ledger import Ledger
from sheetflow.lifecycle import ensure_open
from sheetflow.model import Register, Round
from sheetflow.workspace import Workspace, exclusive

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb", ".csv", ".pdf"}


@dataclass
class FileResult:
    """One input file and what became of it."""

    path: Path
    verdict: str  # accepted, rejected, skipped, superseded
    center: str | None = None
    sha256: str = ""
    repeated: bool = False
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "file": str(self.path),
            "verdict": self.verdict,
            "center": self.center,
            "sha256": self.sha256,
            "repeated": self.repeated,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class CollectResult:
    round: Round
    files: list[FileResult]
    report: Report
    master: Path | None = None
    ratings_csv: Path | None = None
    findings_csv: Path | None = None
    flags: list = field(default_factory=list)

    def count(self, verdict: str) -> int:
        return sum(1 for f in self.files if f.verdict == verdict)

    @property
    def exit_code(self) -> int:
        """0 all accepted; 1 some file rejected or an error finding (SPEC §5)."""
        return 1 if self.count("rejected") or self.report.errors else 0


def gather_files(inputs: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files to read, and files skipped with the reason (lock files, hidden files)."""
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for item in inputs:
        if not item.exists():
            raise UsageError(f"'{item}' findes ikke.")
        candidates = sorted(p for p in item.rglob("*") if p.is_file()) if item.is_dir() else [item]
        for path in candidates:
            if path.name.startswith("~$"):
                skipped.append((path, "Excel-låsefil"))
            elif path.name.startswith(".") or any(p.startswith(".") for p in path.parts[-2:-1]):
                skipped.append((path, "skjult fil"))
            else:
                found.append(path)
    # Oldest first, so a later return supersedes an earlier one.
    found.sort(key=lambda p: (p.stat().st_mtime_ns, p.name))
    return found, skipped


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def archive(path: Path, sha: str, folder: Path) -> Path:
    """Copy the file into the archive by content hash (once), untouched."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{sha}{path.suffix.lower()}"
    if not target.exists():
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(path, tmp)
        tmp.replace(target)
    return target


def check_file(
    path: Path,
    ledger: Ledger,
    rnd: Round,
    round_names: dict[int, str],
    lang: str = "da",
) -> Verdict:
    """Read and validate one file against the ledger (used by collect and validate)."""
    sheets = sorted(
        {StatusLayout.from_json(i.layout).sheet for i in ledger.issued(rnd.number)} or {"Status"}
    )
    try:
        returned = read_return(path, sheets)
    except ReadError as exc:
        return Verdict(
            path.name,
            False,
            findings=[make_finding("file-unreadable", lang=lang, file=path.name, value=exc)],
        )
    missing = [s for s in sheets if s not in returned.cells]
    if missing:
        # The sheet the ledger names for this file's template may differ: read it too.
        tid = returned.metadata("template_id")
        issued = ledger.issued_by_template(tid) if tid else []
        if issued:
            sheet = StatusLayout.from_json(issued[-1].layout).sheet
            if sheet not in returned.cells and sheet in returned.sheet_names:
                returned = read_return(path, [sheet])
    return validate_return(returned, ledger.issued_by_template, rnd.number, round_names, lang)


@exclusive
def collect_round(
    workspace: Workspace,
    round_ref: str | int,
    inputs: list[Path] | None = None,
    *,
    lang: str = "da",
    date_text: str | None = None,
    reopen: bool = False,
    progress: Callable[[str], None] | None = None,
) -> CollectResult:
    """Collect every file in ``inputs`` (default: the round's inbox) and consolidate."""
    from sheetflow.master import consolidate

    register = workspace.load_register()
    rnd = workspace.resolve_round(register, round_ref)
    round_names = {r.number: r.name for r in register.rounds}
    inbox = workspace.inbox_dir(rnd.number)
    paths = inputs or [inbox]
    if not inputs:
        inbox.mkdir(parents=True, exist_ok=True)
    files, skipped = gather_files(paths)
    report = Report()
    results: list[FileResult] = []
    for path, reason in skipped:
        f = make_finding("file-skipped", lang=lang, file=path.name, value=reason)
        report.add(f)
        results.append(FileResult(path, "skipped", findings=[f]))
    with Ledger(workspace.ledger_path) as ledger:
        if not ledger.issued(rnd.number):
            raise UsageError(
                f"{rnd.name} er ikke udsendt endnu. Kør først: sheetflow issue --round {rnd.number}"
            )
        ensure_open(ledger, rnd, reopen)
        ledger.set_round_state(rnd.number, rnd.name, "collecting")
        for path in files:
            results.append(_collect_one(path, ledger, workspace, rnd, round_names, lang))
            report.extend(results[-1].findings)
            if progress:
                progress(path.name)
        _mark_superseded(results, ledger, rnd, lang, report)
        ledger.set_round_state(rnd.number, rnd.name, "consolidated")
        outputs = consolidate(
            workspace, register, rnd, ledger, report, lang=lang, date_text=date_text
        )
    return CollectResult(
        rnd,
        results,
        report,
        outputs.master,
        outputs.ratings_csv,
        outputs.findings_csv,
        outputs.flags,
    )


def _collect_one(
    path: Path,
    ledger: Ledger,
    workspace: Workspace,
    rnd: Round,
    round_names: dict[int, str],
    lang: str,
) -> FileResult:
    sha = sha256_file(path)
    stored = archive(path, sha, workspace.archive_dir(rnd.number))
    seen = ledger.received_by_hash(rnd.number, sha)
    if seen is not None:
        findings = [
            Finding(
                d["code"], d["message"], Severity(d["severity"]), d["file"], d["sheet"], d["cell"]
            )
            for d in seen.finding_list
        ]
        return FileResult(path, seen.verdict, seen.center, sha, repeated=True, findings=findings)
    verdict = check_file(path, ledger, rnd, round_names, lang)
    status = "accepted" if verdict.accepted else "rejected"
    ledger.record_received(
        round_number=rnd.number,
        sha256=sha,
        original_name=path.name,
        archived=str(stored.relative_to(workspace.root)),
        template_id=verdict.template_id,
        center=verdict.center,
        verdict=status,
        findings=[f.to_dict() for f in verdict.findings],
        ratings=verdict.ratings,
    )
    return FileResult(path, status, verdict.center, sha, findings=list(verdict.findings))


def _mark_superseded(
    results: list[FileResult], ledger: Ledger, rnd: Round, lang: str, report: Report
) -> None:
    """Report returns that a later accepted return of the same center replaced."""
    received = {r.sha256: r for r in ledger.received(rnd.number)}
    by_id = {r.id: r for r in received.values()}
    for result in results:
        rec = received.get(result.sha256)
        if rec is None or rec.superseded_by is None:
            continue
        newer = by_id.get(rec.superseded_by)
        f = make_finding(
            "superseded",
            lang=lang,
            file=result.path.name,
            value=newer.original_name if newer else "",
        )
        result.verdict = "superseded"
        result.findings.append(f)
        report.add(f)


def findings_json(result: CollectResult) -> str:
    return json.dumps(
        {
            "round": result.round.number,
            "files": [f.to_dict() for f in result.files],
            "findings": result.report.to_list(),
        },
        ensure_ascii=False,
        indent=2,
    )


def validate_file(
    workspace: Workspace, path: Path, round_ref: str | int | None = None, *, lang: str = "da"
) -> Verdict:
    """The collector's checks on one file; nothing is recorded or written."""
    register = workspace.load_register()
    round_names = {r.number: r.name for r in register.rounds}
    with Ledger(workspace.ledger_path) as ledger:
        if round_ref is not None:
            rnd = workspace.resolve_round(register, round_ref)
        else:
            rnd = _round_of_file(path, ledger, register)
        return check_file(path, ledger, rnd, round_names, lang)


def _round_of_file(path: Path, ledger: Ledger, register: Register) -> Round:
    """The round the file's template was issued for, else the latest issued round."""
    try:
        with zipfile.ZipFile(path) as zf:
            tid = read_custom_properties(zf).get(META_PREFIX + "template_id")
    except Exception:  # unreadable: any round will report it as such
        tid = None
    issued = ledger.issued_by_template(tid) if tid else []
    number = issued[-1].round if issued else None
    if number is None:
        numbers = [r.number for r in register.rounds if ledger.issued(r.number)]
        number = numbers[-1] if numbers else register.rounds[0].number
    return register.rounds_by_number[number]
