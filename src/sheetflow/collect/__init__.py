"""Collect a round: read every returned file, validate, record, consolidate.

Every file is archived by content hash before it is read; originals are never
touched. A file seen before (same hash, same round) counts once. Outputs
(master, ratings.csv, findings.csv) are written atomically.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import shutil
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sheetflow.collect.reader import ReadError, ReturnReader, read_custom_properties
from sheetflow.collect.safety import Problem, sniff, unsettled
from sheetflow.collect.validate import Verdict, validate_return
from sheetflow.errors import UsageError
from sheetflow.findings import Finding, Report, detail, finding_from_dict, make_finding
from sheetflow.isolate import Limits, run_isolated
from sheetflow.issue.layout import CheckLayout
from sheetflow.issue.writer import META_PREFIX
from sheetflow.ledger import Issued, Ledger, Received
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
                skipped.append((path, "lock-file"))
            elif path.name.startswith(".") or any(p.startswith(".") for p in path.parts[-2:-1]):
                skipped.append((path, "hidden-file"))
            else:
                found.append(path)
    # Oldest first, so a later return supersedes an earlier one. A file gone
    # since it was listed (a save or sync replacing it) is not there to read.
    stamps: dict[Path, int] = {}
    for path in found:
        with contextlib.suppress(FileNotFoundError):
            stamps[path] = path.stat().st_mtime_ns
    return sorted(stamps, key=lambda p: (stamps[p], p.name)), skipped


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


def take(path: Path, folder: Path) -> tuple[str, Path] | Problem:
    """Hash and archive a returned file, unless it is still held or being written.

    A file that changes while it is read (a save or a sync under way) is
    "not finished", and its archive copy, which may not match the hash, is
    removed again.
    """
    problem = unsettled(path)
    if problem is not None:
        return problem
    try:
        before = path.stat()
        sha = sha256_file(path)
        target = folder / f"{sha}{path.suffix.lower()}"
        existed = target.exists()
        stored = archive(path, sha, folder)
        after = path.stat()
    except PermissionError:
        return Problem("file-in-use")
    except FileNotFoundError:  # replaced or moved away while being read
        return Problem("file-not-finished")
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        if not existed:
            stored.unlink(missing_ok=True)
        return Problem("file-not-finished")
    return sha, stored


class Checker:
    """Checks returned files against one workspace's ledger (one per worker process).

    Identifies a file by its metadata first, then reads only the sheet that
    the ledger says was issued for it, after checking its declared size.
    """

    def __init__(
        self, ledger_path: Path, round_number: int, round_names: dict[int, str], lang: str
    ) -> None:
        self.ledger = Ledger(ledger_path, read_only=True)
        self.round_number = round_number
        self.round_names = round_names
        self.lang = lang
        self._issued: dict[str, list[Issued]] = {}
        self._layouts: dict[int, CheckLayout] = {}

    def lookup(self, template_id: str) -> list[Issued]:
        if template_id not in self._issued:
            self._issued[template_id] = self.ledger.issued_by_template(template_id)
        return self._issued[template_id]

    def layout(self, issued: Issued) -> CheckLayout:
        if issued.id not in self._layouts:
            self._layouts[issued.id] = CheckLayout.for_issued(issued.checks, issued.layout)
        return self._layouts[issued.id]

    def reject(self, path: Path, code: str, value: object = "") -> Verdict:
        finding = make_finding(code, lang=self.lang, file=path.name, value=value)
        return Verdict(path.name, False, findings=[finding])

    def reject_problem(self, path: Path, problem: Problem) -> Verdict:
        value = (
            detail(problem.detail, self.lang, **dict(problem.args))
            if problem.detail
            else problem.value
        )
        return self.reject(path, problem.code, value)

    def reject_read(self, path: Path, exc: ReadError) -> Verdict:
        value = detail(exc.detail, self.lang, **exc.args_) if exc.detail else str(exc)
        return self.reject(path, exc.code, value)

    def check(self, path: Path) -> Verdict:
        kind, problem = sniff(path)
        if problem is not None:
            return self.reject_problem(path, problem)
        try:
            reader = ReturnReader(path, kind)
        except ReadError as exc:
            return self.reject_read(path, exc)
        try:
            tid = reader.properties.get(META_PREFIX + "template_id") or reader.meta.get(
                "template_id"
            )
            issued = self.lookup(tid) if tid else []
            sheets = []
            if issued:
                layout = self.layout(issued[-1])
                declared = reader.dimension(layout.sheet)
                if declared and too_large(declared, layout):
                    size = detail("sheet-size", self.lang, rows=declared[0], cols=declared[1])
                    return self.reject(path, "sheet-too-large", size)
                sheets = [layout.sheet]
            returned = reader.workbook(sheets)
        except ReadError as exc:
            return self.reject_read(path, exc)
        finally:
            reader.close()
        return validate_return(
            returned, self.lookup, self.round_number, self.round_names, self.lang, self.layout
        )


def _check(checker: Checker, path: Path) -> Verdict:
    return checker.check(path)


def too_large(declared: tuple[int, int], layout: CheckLayout) -> bool:
    """A sheet far larger than issued: not read at all."""
    rows, cols = declared
    return rows > (layout.last_row + 1) * 4 + 500 or cols > (layout.last_col + 1) * 4 + 20


def check_files(
    paths: list[Path],
    ledger_path: Path,
    rnd: Round,
    round_names: dict[int, str],
    lang: str = "da",
    progress: Callable[[str], None] | None = None,
    limits: Limits | None = None,
) -> list[Verdict]:
    """Check files in isolated workers (both cores); a worker that dies is a finding."""

    def done(index: int) -> None:
        if progress:
            progress(paths[index].name)

    init = functools.partial(Checker, ledger_path, rnd.number, round_names, lang)
    outcomes = run_isolated(paths, _check, init, limits=limits, on_done=done)
    verdicts = []
    for path, outcome in zip(paths, outcomes, strict=True):
        if outcome.ok:
            verdicts.append(outcome.value)
        else:
            reason = outcome.reason
            if reason in ("timeout", "memory"):
                reason = detail(reason, lang)
            else:
                reason = detail("died", lang, reason=reason)
            finding = make_finding("reader-failed", lang=lang, file=path.name, value=reason)
            verdicts.append(Verdict(path.name, False, findings=[finding]))
    return verdicts


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
        f = make_finding("file-skipped", lang=lang, file=path.name, value=detail(reason, lang))
        results.append(FileResult(path, "skipped", findings=[f]))
    with Ledger(workspace.ledger_path) as ledger:
        if not ledger.issued(rnd.number):
            raise UsageError(
                f"{rnd.name} er ikke udsendt endnu. Kør først: sheetflow issue --round {rnd.number}"
            )
        ensure_open(ledger, rnd, reopen)
        ledger.set_round_state(rnd.number, rnd.name, "collecting")
        pending: list[tuple[int, Path, str, Path]] = []
        for path in files:
            taken = take(path, workspace.archive_dir(rnd.number))
            if isinstance(taken, Problem):  # not read now, not recorded: the next run reads it
                f = make_finding(taken.code, lang=lang, file=path.name)
                results.append(FileResult(path, "skipped", findings=[f]))
                continue
            sha, stored = taken
            seen = ledger.received_by_hash(rnd.number, sha)
            if seen is None:
                pending.append((len(results), path, sha, stored))
                results.append(FileResult(path, "pending", sha256=sha))
            else:
                results.append(_repeated(path, sha, seen, lang))
                if progress:
                    progress(path.name)
        verdicts = check_files(
            [p for _, p, _, _ in pending], workspace.ledger_path, rnd, round_names, lang, progress
        )
        for (slot, path, sha, stored), verdict in zip(pending, verdicts, strict=True):
            results[slot] = _record(ledger, workspace, rnd, path, sha, stored, verdict)
        for result in results:
            report.extend(result.findings)
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


def _repeated(path: Path, sha: str, seen: Received, lang: str) -> FileResult:
    """A file collected before: its recorded verdict and findings, counted once."""
    findings = [finding_from_dict(d, lang) for d in seen.finding_list]
    return FileResult(path, seen.verdict, seen.center, sha, repeated=True, findings=findings)


def _record(
    ledger: Ledger,
    workspace: Workspace,
    rnd: Round,
    path: Path,
    sha: str,
    stored: Path,
    verdict: Verdict,
) -> FileResult:
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
    problem = unsettled(path)
    if problem is not None:
        return Verdict(
            path.name, False, findings=[make_finding(problem.code, lang=lang, file=path.name)]
        )
    return check_files([path], workspace.ledger_path, rnd, round_names, lang)[0]


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
