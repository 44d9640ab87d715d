"""Collect a round: read every returned file, validate, record, consolidate.

Every file is archived by content hash before it is read; originals are never
touched. A file seen before (same hash, same round) counts once. Outputs
(master, ratings.csv, findings.csv) are written atomically.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from sheetflow.collect.reader import ReadError, ReturnReader
from sheetflow.collect.safety import Problem, sniff, unsettled
from sheetflow.collect.validate import FileCheck, map_forward, texts_changed, validate_return
from sheetflow.contract import META_PREFIX
from sheetflow.errors import UsageError
from sheetflow.findings import (
    Detail,
    Finding,
    Report,
    detail,
    detail_list,
    finding_from_dict,
    make_finding,
)
from sheetflow.flags import Flag
from sheetflow.isolate import Limits, run_isolated
from sheetflow.issue.layout import CheckLayout
from sheetflow.ledger import Issued, Ledger, Received
from sheetflow.lifecycle import ensure_open
from sheetflow.model import Register, Round
from sheetflow.roundstate import CenterState, RoundPhase, RoundState, Verdict, center_state
from sheetflow.spool import Spool
from sheetflow.workspace import Workspace, exclusive

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb", ".csv", ".pdf"}


@dataclass
class FileResult:
    """One input file and what became of it."""

    path: Path
    verdict: Verdict
    center: str | None = None
    sha256: str = ""
    repeated: bool = False  # collected before: history, not news
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "file": str(self.path),
            "verdict": self.verdict.value,
            "center": self.center,
            "sha256": self.sha256,
            "repeated": self.repeated,
            "findings": [f.to_dict() for f in self.findings],
        }


class CollectStage(Enum):
    """What collect is doing after the files are read, for a progress display: at
    1,000 returns the master alone takes most of half a minute."""

    RECORDING = "recording"
    CONSOLIDATING = "consolidating"


@dataclass
class CollectResult:
    round: Round
    files: list[FileResult]
    report: Report
    master: Path | None = None
    ratings_csv: Path | None = None
    findings_csv: Path | None = None
    flags: list[Flag] = field(default_factory=list)
    state: RoundState | None = None
    reopened: bool = False  # a closed round was reopened: it stays open until closed again
    corrections: list[Path] = field(default_factory=list)  # correction workbooks written
    # Later rounds, open, whose masters show this round's answers as they were before
    # this run accepted new ones: collecting them again brings them up to date.
    later_rounds: list[Round] = field(default_factory=list)

    @property
    def new(self) -> list[FileResult]:
        """Files read for the first time in this run."""
        return [f for f in self.files if not f.repeated and f.verdict is not Verdict.SKIPPED]

    def count(self, verdict: Verdict) -> int:
        """How many of this run's new files ended with ``verdict``."""
        return sum(1 for f in self.new if f.verdict is verdict)

    @property
    def seen_before(self) -> int:
        return sum(1 for f in self.files if f.repeated)

    @property
    def stray(self) -> list[FileResult]:
        """New files this run could not use for any center of this round: the round
        state's stray files (``RoundState.stray``) that arrived now."""
        strays = {r.sha256 for r in self.state.stray} if self.state else set()
        return [f for f in self.new if f.sha256 in strays]

    @property
    def exit_code(self) -> int:
        """1 when the round's current state needs a person: a center whose latest
        return was rejected, came back empty or is undecided, or a new file that
        belongs to no center of this round; else 0. Earlier files are history."""
        attention = self.state.needs_attention if self.state else []
        return 1 if attention or self.stray else 0


def gather_files(inputs: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files to read, and files skipped with the reason (lock files, hidden files)."""
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for item in inputs:
        if not item.exists():
            raise UsageError("path-missing", path=item)
        candidates = sorted(p for p in item.rglob("*") if p.is_file()) if item.is_dir() else [item]
        for path in candidates:
            if path.name.startswith("~$"):
                skipped.append((path, "lock-file"))
            elif path.name.startswith(".") or any(p.startswith(".") for p in path.parts[-2:-1]):
                skipped.append((path, "hidden-file"))
            else:
                found.append(path)
    # File times change with every copy, unzip and mail client: they decide nothing.
    # Within one batch, returns of one center are ordered by the time the workbook
    # itself says it was saved (see ``order_batch``).
    # A file gone since it was listed (a save or sync replacing it) is not there to read.
    # A file named twice (the inbox, and the same file after --prefer) is read once.
    unique = {p.resolve(): p for p in reversed(found) if p.exists()}
    return sorted(unique.values(), key=str), skipped


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


_V = TypeVar("_V")
# Layouts a worker keeps: each center has its own template, so a cache of every
# one seen grew a worker by ~0.5 MB a return; a few cover a center's repeats.
CACHE_SIZE = 8


def _remember(cache: dict[Any, _V], key: object, value: _V) -> _V:
    """Put ``value`` in a small first-in-first-out cache and return it."""
    cache[key] = value
    if len(cache) > CACHE_SIZE:
        del cache[next(iter(cache))]
    return value


class Checker:
    """Checks returned files against one workspace's ledger (one per worker process).

    Identifies a file by its metadata first, then reads only the sheet that
    the ledger says was issued for it, after checking its declared size.
    """

    def __init__(
        self,
        ledger_path: Path,
        round_number: int | None,
        round_names: dict[int, str],
        workspace_root: str = "",
        closed: frozenset[int] = frozenset(),
    ) -> None:
        self.ledger = Ledger(ledger_path, read_only=True)
        self.round_number = round_number
        self.round_names = round_names
        self.workspace_root = workspace_root
        self.closed = closed
        self._issued: dict[str, list[Issued]] = {}
        self._layouts: dict[int, CheckLayout] = {}
        self._latest: dict[int, dict[str, str]] = {}  # round → center → latest template

    def lookup(self, template_id: str) -> list[Issued]:
        found = self._issued.get(template_id)
        if found is None:
            found = _remember(
                self._issued, template_id, self.ledger.issued_by_template(template_id)
            )
        return found

    def layout(self, issued: Issued) -> CheckLayout:
        found = self._layouts.get(issued.id)
        if found is None:
            layout = CheckLayout.for_issued(issued.checks, issued.layout)
            found = _remember(self._layouts, issued.id, layout)
        return found

    def reject(self, path: Path, code: str, value: object = "") -> FileCheck:
        finding = make_finding(code, file=path.name, value=value)
        return FileCheck(path.name, findings=[finding])

    def reject_problem(self, path: Path, problem: Problem) -> FileCheck:
        value = detail(problem.detail, **dict(problem.args)) if problem.detail else problem.value
        return self.reject(path, problem.code, value)

    def reject_read(self, path: Path, exc: ReadError) -> FileCheck:
        value = detail(exc.detail, **exc.args_) if exc.detail else str(exc)
        return self.reject(path, exc.code, value)

    def check(self, path: Path) -> FileCheck:
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
                    size = detail("sheet-size", rows=declared[0], cols=declared[1])
                    return self.reject(path, "sheet-too-large", size)
                sheets = [layout.sheet]
            returned = reader.workbook(sheets)
        except ReadError as exc:
            return self.reject_read(path, exc)
        finally:
            reader.close()
        check = validate_return(
            returned,
            self.lookup,
            self.round_number,
            self.round_names,
            self.layout,
            functools.partial(self.collect_command, path),
        )
        if issued:
            self.map_to_latest(check, issued[-1], path)
        return check

    def latest_template(self, issued: Issued) -> str:
        """The template of the latest version issued to ``issued``'s center in its round
        (one ledger query per round and worker, not one per file)."""
        by_center = self._latest.get(issued.round)
        if by_center is None:
            by_center = self._latest[issued.round] = self.ledger.latest_templates(issued.round)
        return by_center.get(issued.center, issued.template_id)

    def map_to_latest(self, check: FileCheck, issued: Issued, path: Path) -> None:
        """A return of an earlier version of its workbook: its typed answers are mapped
        forward to the latest version's fields by id (``validate.map_forward``), and an
        answer to a text worded otherwise since is pointed out (``texts_changed``)."""
        template = self.latest_template(issued)
        latest = self.lookup(template) if template != issued.template_id else []
        if not latest:
            return

        def finding(code: str, **kw: object) -> Finding:
            return make_finding(code, file=path.name, **kw)  # type: ignore[arg-type]

        older, newer = self.layout(issued), self.layout(latest[-1])
        if check.typed:
            map_forward(check, older, newer, finding, issued.lang)
        check.findings.extend(texts_changed(check, older, newer, finding))

    def collect_command(self, path: Path, round_number: int) -> str:
        """The command that collects ``path`` into its own round."""
        reopen = " --reopen" if round_number in self.closed else ""
        return f'sheetflow collect "{self.workspace_root}" --round {round_number} "{path}"{reopen}'


def _check(checker: Checker, path: Path) -> FileCheck:
    return checker.check(path)


def put_aside(spool: Spool, check: FileCheck) -> FileCheck:
    """The check without what it carries: its ratings and answers wait in ``spool``
    until the check is recorded. Held until the last file was read, a thousand
    returns' ratings grew collect by about 60 MB."""
    place = spool.put((check.ratings, check.answers, check.typed))
    return replace(check, ratings=[], answers={}, typed=[], aside=place)


def taken_back(spool: Spool, check: FileCheck) -> FileCheck:
    """The whole check: ``check`` as it now stands (verdict and findings), with the
    ratings and answers ``put_aside`` kept for it."""
    if check.aside is None:
        return check
    ratings, answers, typed = spool.get(check.aside)
    return replace(check, ratings=ratings, answers=answers, typed=typed, aside=None)


def too_large(declared: tuple[int, int], layout: CheckLayout) -> bool:
    """A sheet far larger than issued: not read at all."""
    rows, cols = declared
    return rows > (layout.last_row + 1) * 4 + 500 or cols > (layout.last_col + 1) * 4 + 20


def check_files(
    paths: list[Path],
    ledger_path: Path,
    rnd: Round | None,
    round_names: dict[int, str],
    progress: Callable[[str], None] | None = None,
    limits: Limits | None = None,
    *,
    workspace_root: str = "",
    closed: frozenset[int] = frozenset(),
    spool: Spool | None = None,
) -> list[FileCheck]:
    """Check files in isolated workers (both cores); a worker that dies is a finding.

    ``rnd`` None checks each file against its own round. No byte of a file is
    parsed in this process: the safety checks and every reader run in the workers.
    With a ``spool``, each check's ratings and answers are put aside in it as the
    check arrives (``put_aside``), so what this process holds does not grow with
    the number of files.
    """

    def done(index: int) -> None:
        if progress:
            progress(paths[index].name)

    number = rnd.number if rnd is not None else None
    init = functools.partial(Checker, ledger_path, number, round_names, workspace_root, closed)
    keep = functools.partial(put_aside, spool) if spool is not None else None
    outcomes = run_isolated(paths, _check, init, limits=limits, on_done=done, keep=keep)
    verdicts = []
    for path, outcome in zip(paths, outcomes, strict=True):
        if outcome.ok:
            verdicts.append(outcome.value)
        else:
            died = outcome.reason
            why = detail(died) if died in ("timeout", "memory") else detail("died", reason=died)
            finding = make_finding("reader-failed", file=path.name, value=why)
            verdicts.append(FileCheck(path.name, findings=[finding]))
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
    prefer: list[Path] | None = None,
    progress: Callable[[str], None] | None = None,
    expect: Callable[[int], None] | None = None,
    stage: Callable[[CollectStage], None] | None = None,
) -> CollectResult:
    """Collect every file in ``inputs`` (default: the round's inbox) and consolidate.

    ``prefer`` names returns (already collected, or collected now) that finance
    chose where the order of a center's returns could not be decided. ``progress``
    hears of each file read, ``expect`` how many there are (before the first),
    ``stage`` of each step after the reading.
    """
    say = stage or (lambda _stage: None)
    from sheetflow.master import consolidate

    register = workspace.load_register()
    rnd = workspace.resolve_round(register, round_ref)
    round_names = {r.number: r.name for r in register.rounds}
    inbox = workspace.inbox_dir(rnd.number)
    paths = inputs or [inbox]
    if not inputs:
        inbox.mkdir(parents=True, exist_ok=True)
    files, skipped = gather_files([*paths, *(p for p in prefer or [] if p not in paths)])
    report = Report()
    results: list[FileResult] = []
    for path, reason in skipped:
        f = make_finding("file-skipped", file=path.name, value=detail(reason))
        results.append(FileResult(path, Verdict.SKIPPED, findings=[f]))
    # The spool holds each file's ratings and answers from its check to its record.
    with Ledger(workspace.ledger_path) as ledger, Spool() as spool:
        if not ledger.issued_rows(rnd.number):
            raise UsageError(
                "collect-not-issued", round=rnd.name, number=rnd.number, root=workspace.root
            )
        reopened = ensure_open(ledger, rnd, reopen)
        ledger.set_round_state(rnd.number, rnd.name, RoundPhase.COLLECTING)
        files, provenance = _open_messages(files, ledger, workspace, rnd, results)
        if expect:
            expect(len(files))
        pending: list[tuple[int, Path, str, Path]] = []
        # A second copy of the same bytes in this run (a mail saved twice as "retur.xlsx"
        # and "retur (1).xlsx"): read once, and the copy is seen before, as in a later run.
        copies: list[tuple[int, Path, str]] = []
        reading: set[str] = set()  # the bytes this run reads (pending's shas)
        for path in files:
            taken = take(path, workspace.archive_dir(rnd.number))
            if isinstance(taken, Problem):  # not read now, not recorded: the next run reads it
                f = make_finding(taken.code, file=path.name)
                results.append(FileResult(path, Verdict.SKIPPED, findings=[f]))
                if progress:
                    progress(path.name)
                continue
            sha, stored = taken
            seen = ledger.received_by_hash(rnd.number, sha)
            if seen is None and sha in reading:
                copies.append((len(results), path, sha))
                results.append(FileResult(path, Verdict.REJECTED, sha256=sha, repeated=True))
            elif seen is None:
                reading.add(sha)
                pending.append((len(results), path, sha, stored))
                results.append(FileResult(path, Verdict.REJECTED, sha256=sha))
            else:
                results.append(_repeated(path, sha, seen))
                if progress:
                    progress(path.name)
        closed = frozenset(
            r.number for r in register.rounds if ledger.round_state(r.number) == RoundPhase.CLOSED
        )
        checks = check_files(
            [p for _, p, _, _ in pending],
            workspace.ledger_path,
            rnd,
            round_names,
            progress,
            workspace_root=str(workspace.root),
            closed=closed,
            spool=spool,
        )
        say(CollectStage.RECORDING)
        batch = order_batch(list(zip(pending, checks, strict=True)), workspace, rnd)
        names = center_names(i.center for i in ledger.issued_rows(rnd.number))
        for (_, path, _, _), check in batch:
            other = names_other_center(path.name, check.center, names)
            if other is not None and check.accepted:
                check.findings.append(
                    make_finding(
                        "file-names-other-center",
                        file=path.name,
                        value=other,
                        expected=check.center,
                    )
                )
        for (slot, path, sha, stored), check in batch:
            whole = taken_back(spool, check)
            results[slot] = _record(
                ledger, workspace, rnd, path, sha, stored, whole, provenance.get(path, "")
            )
        same: list[Finding] = []  # said once, in this run's output
        for slot, path, sha in copies:
            first = ledger.received_by_hash(rnd.number, sha)
            if first is not None:
                results[slot] = _repeated(path, sha, first)
                same.append(make_finding("same-file", file=path.name, value=first.original_name))
            if progress:
                progress(path.name)
        for path in prefer or []:
            _prefer(ledger, rnd, path, results)
        _mark_superseded(results, ledger, rnd)
        from sheetflow.correct import update_corrections

        ended = [(check, results[recorded[0]].verdict) for recorded, check in batch]
        corrections = update_corrections(
            workspace, register, rnd, ledger, ended, functools.partial(taken_back, spool)
        )
        done = {check.center for check, _ in ended if check.center and check.round == rnd.number}
        corrections += restore_corrections(workspace, register, rnd, ledger, done, closed)
        # Recorded: what the readers sent back is in the ledger now; the master reads
        # it from there.
        del checks, batch, pending, ended, reading
        changed = register_changes(workspace, register, rnd, ledger)
        for result in results:
            if result.verdict is Verdict.SUPERSEDED and not result.repeated:
                # Replaced in this very run: why, not remarks the center need not fix
                # (they stay with the file in findings.csv and the master).
                report.extend(f for f in result.findings if f.code == "superseded")
            elif not result.repeated:
                report.extend(told_of_own_round(ledger, rnd, result, round_names))
        report.extend(same)
        report.extend(changed)
        # The outputs list every file of the round, from the ledger: the same
        # however many runs it took to collect them.
        recorded = Report()
        recorded.extend(f for r in results if r.verdict is Verdict.SKIPPED for f in r.findings)
        recorded.extend(history_findings(ledger, rnd, round_names))
        recorded.extend(changed)
        say(CollectStage.CONSOLIDATING)
        outputs = consolidate(
            workspace, register, rnd, ledger, recorded, lang=lang, date_text=date_text
        )
        # Only now: a collect stopped before its outputs were written leaves the round
        # "collecting", and status says the master may lack the latest returns.
        ledger.set_round_state(rnd.number, rnd.name, RoundPhase.CONSOLIDATED)
        later = []
        if any(r.verdict is Verdict.ACCEPTED and not r.repeated for r in results):
            later = [
                r
                for r in register.rounds
                if r.number > rnd.number
                and workspace.master_path(r.number).exists()
                and ledger.round_state(r.number) != RoundPhase.CLOSED
            ]
    return CollectResult(
        rnd,
        results,
        report,
        outputs.master,
        outputs.ratings_csv,
        outputs.findings_csv,
        outputs.flags,
        outputs.state,
        reopened,
        corrections,
        later,
    )


def restore_corrections(
    workspace: Workspace,
    register: Register,
    rnd: Round,
    ledger: Ledger,
    done: set[str],
    closed: frozenset[int] = frozenset(),
) -> list[Path]:
    """Write the correction workbooks an interrupted collect recorded returns for but
    never wrote (``correct.missing_corrections``): each archived copy is checked again,
    in the workers as any return, for its answers and findings."""
    from sheetflow.correct import missing_corrections, needs_correction, write_correction

    missing = missing_corrections(workspace, rnd, ledger, done)
    if not missing:
        return []
    names = {r.number: r.name for r in register.rounds}
    paths = [workspace.root / rec.archived for rec, _ in missing]
    checks = check_files(paths, workspace.ledger_path, rnd, names,
                         workspace_root=str(workspace.root), closed=closed)  # fmt: skip
    return [
        write_correction(workspace, register, rnd, issued, check, check.accepted)
        for (rec, issued), check in zip(missing, checks, strict=True)
        if needs_correction(check) and check.center == rec.center
    ]


def _open_messages(
    files: list[Path],
    ledger: Ledger,
    workspace: Workspace,
    rnd: Round,
    results: list[FileResult],
) -> tuple[list[Path], dict[Path, str]]:
    """Saved e-mails in the batch: each new one is opened in an isolated worker and
    recorded; the files to collect are the other files plus the workbooks they held,
    each with where it came from (JSON provenance)."""
    from sheetflow.mail.inbound import _unpack_task, is_message

    messages = [p for p in files if is_message(p)]
    if not messages:
        return files, {}
    others = [p for p in files if not is_message(p)]
    new: list[tuple[Path, str, Path]] = []
    for path in messages:
        taken = take(path, workspace.archive_dir(rnd.number))
        if isinstance(taken, Problem):
            f = make_finding(taken.code, file=path.name)
            results.append(FileResult(path, Verdict.SKIPPED, findings=[f]))
            continue
        sha, stored = taken
        seen = ledger.received_by_hash(rnd.number, sha)
        if seen is not None:
            results.append(_repeated(path, sha, seen))
        else:
            new.append((path, sha, stored))
    folders = [workspace.archive_dir(rnd.number) / "messages" / sha for _, sha, _ in new]
    jobs = [(str(path), str(folder)) for (path, _, _), folder in zip(new, folders, strict=True)]
    outcomes = run_isolated(jobs, _unpack_task, limits=Limits(seconds=120))
    provenance: dict[Path, str] = {}
    for (path, sha, stored), outcome in zip(new, outcomes, strict=True):
        unpacked = outcome.value if outcome.ok else None
        findings, verdict = _message_findings(path, unpacked, outcome.reason)
        ledger.record_received(
            round_number=rnd.number,
            sha256=sha,
            original_name=path.name,
            archived=str(stored.relative_to(workspace.root)),
            template_id=None,
            center=None,
            verdict=verdict,
            findings=[f.to_dict() for f in findings],
            ratings=[],
            provenance=json.dumps(unpacked.provenance(path.name), ensure_ascii=False)
            if unpacked
            else "",
        )
        results.append(FileResult(path, verdict, sha256=sha, findings=findings))
        if unpacked is not None and verdict is Verdict.UNPACKED:
            origin = json.dumps(unpacked.provenance(path.name), ensure_ascii=False)
            for workbook in unpacked.workbooks:
                others.append(Path(workbook))
                provenance[Path(workbook)] = origin
    return others, provenance


def _message_findings(path: Path, unpacked: Any, reason: str) -> tuple[list[Finding], Verdict]:
    if unpacked is None or unpacked.problem:
        why = unpacked.problem if unpacked is not None else reason
        return [make_finding("message-unreadable", file=path.name, value=why)], (Verdict.REJECTED)
    code, verdict = (
        ("message-unpacked", Verdict.UNPACKED)
        if unpacked.workbooks
        else ("message-without-workbook", Verdict.REJECTED)
    )
    f = make_finding(
        code,
        file=path.name,
        value=unpacked.sender,
        expected=unpacked.subject,
        hint=", ".join(unpacked.ignored),
    )
    return [f], verdict


Pending = tuple[tuple[int, Path, str, Path], FileCheck]


def _name_words(text: str) -> str:
    """A name as lowercase ASCII words between spaces, as issue spells it in file names
    (æ → ae): "Kultur og Fritid" and "kultur_og_fritid" read alike."""
    from sheetflow.issue import safe_name

    return f" {safe_name(text).lower().replace('_', ' ')} "


def center_names(centers: Iterable[str]) -> dict[str, str]:
    """Each center of a round with its name as ``_name_words`` spells it, spelled once
    for a whole collect rather than once per file and center."""
    return {center: _name_words(center) for center in centers}


def names_other_center(file_name: str, center: str | None, names: dict[str, str]) -> str | None:
    """Another center of the round (``names``: ``center_names``) that a file's name
    names, when it does not name the center whose workbook it is: a trial's "Kultur og
    Fritid runde 2.xlsx" was ØP's workbook filled in by Kultur og Fritid, and replaced
    ØP's own return unnoticed."""
    if center is None:
        return None
    stem = _name_words(Path(file_name).stem)
    if names.get(center, _name_words(center)) in stem:
        return None
    return next((c for c, words in names.items() if c != center and words in stem), None)


def order_batch(batch: list[Pending], workspace: Workspace, rnd: Round) -> list[Pending]:
    """The order to record one batch in, so that arrival order means what happened.

    Files that name no center come first. Each center's files follow in the
    order their workbooks say they were saved (an accepted file after a rejected
    one saved at the same time), so the last saved accepted return counts and a
    rejected file saved after it is noticed. When a center sent several
    accepted returns whose saved times cannot tell them apart, each becomes
    undecided until finance prefers one.
    """
    ordered = [b for b in batch if b[1].center is None]
    by_center: dict[str, list[Pending]] = {}
    for b in batch:
        if b[1].center is not None:
            by_center.setdefault(b[1].center, []).append(b)
    for center, group in by_center.items():
        accepted = [b for b in group if b[1].accepted]
        stamps = [b[1].saved_at for b in accepted]
        if len(accepted) > 1 and not (all(stamps) and len(set(stamps)) == len(stamps)):
            _undecided(accepted, center, workspace, rnd)
        ordered.extend(sorted(group, key=lambda b: (b[1].saved_at or "", b[1].accepted)))
    return ordered


def _undecided(group: list[Pending], center: str, workspace: Workspace, rnd: Round) -> None:
    names = ", ".join(f"{b[0][1].name} ({b[1].saved_at or '-'})" for b in group)
    for b in group:
        command = f'sheetflow collect "{workspace.root}" --round {rnd.number} --prefer "{b[0][1]}"'
        b[1].verdict = Verdict.UNDECIDED
        b[1].findings.append(
            make_finding(
                "return-order-undecided",
                file=b[0][1].name,
                value=center,
                expected=names,
                hint=command,
            )
        )


def _prefer(ledger: Ledger, rnd: Round, path: Path, results: list[FileResult]) -> None:
    """Finance's choice: this return counts for its center; the others are superseded."""
    if not path.is_file():
        raise UsageError("path-missing", path=path)
    rec = ledger.received_by_hash(rnd.number, sha256_file(path))
    if rec is None or rec.center is None or not ledger.has_ratings(rec.id):
        raise UsageError("prefer-not-accepted", file=path.name, round=rnd.name)
    ledger.prefer(rec.id)
    # The first file with those bytes is the return; a copy of it stays seen before.
    result = next((r for r in results if r.sha256 == rec.sha256), None)
    if result is not None:
        result.verdict = Verdict.ACCEPTED
        result.repeated = False
        result.findings = [f for f in result.findings if f.code != "return-order-undecided"]


def _repeated(path: Path, sha: str, seen: Received) -> FileResult:
    """A file collected before: its recorded verdict and findings, counted once."""
    findings = [finding_from_dict(d) for d in seen.finding_list]
    return FileResult(
        path, Verdict(seen.verdict), seen.center, sha, repeated=True, findings=findings
    )


def _record(
    ledger: Ledger,
    workspace: Workspace,
    rnd: Round,
    path: Path,
    sha: str,
    stored: Path,
    check: FileCheck,
    provenance: str = "",
) -> FileResult:
    ledger.record_received(
        round_number=rnd.number,
        sha256=sha,
        original_name=path.name,
        archived=str(stored.relative_to(workspace.root)),
        template_id=check.template_id,
        center=check.center,
        verdict=check.verdict,
        findings=[f.to_dict() for f in check.findings],
        ratings=check.ratings,
        saved_at=check.saved_at,
        provenance=provenance,
        answers=check.typed,
    )
    return FileResult(path, check.verdict, check.center, sha, findings=list(check.findings))


def _mark_superseded(results: list[FileResult], ledger: Ledger, rnd: Round) -> None:
    """Say, for this run's files, which later return replaced them and why; and for a
    return that replaced a file collected in an earlier run, which one."""
    received = {r.sha256: r for r in ledger.received(rnd.number)}
    by_id = {r.id: r for r in received.values()}
    new: dict[int, FileResult] = {}
    for result in results:
        rec = received.get(result.sha256)
        if rec is not None and result.repeated:
            result.verdict = Verdict(rec.verdict)  # history: its state now, no news
            continue
        if rec is not None:
            new[rec.id] = result
        if rec is None or rec.superseded_by is None:
            continue
        result.verdict = Verdict.SUPERSEDED
        result.findings.append(superseded_finding(rec, by_id.get(rec.superseded_by)))
    for rec in by_id.values():  # earlier runs' files are history, but what replaced them is news
        newer = new.get(rec.superseded_by) if rec.superseded_by is not None else None
        if newer is not None and rec.id not in new:
            newer.findings.append(
                make_finding("replaces", file=newer.path.name, value=rec.original_name)
            )


def superseded_finding(rec: Received, newer: Received | None) -> Finding:
    """Which later return replaced ``rec``, and why (saved later, or arrived later)."""
    reason: str | Detail = ""
    if newer is not None and newer.saved_at and rec.saved_at and newer.saved_at > rec.saved_at:
        reason = detail("saved-later", newer=newer.saved_at, older=rec.saved_at)
    return make_finding(
        "superseded",
        file=rec.original_name,
        value=newer.original_name if newer else "",
        hint=reason,
    )


def history_findings(
    ledger: Ledger, rnd: Round, round_names: dict[int, str] | None = None
) -> list[Finding]:
    """Every finding of every file received in the round, in arrival order
    (``received_findings``)."""
    return [finding for _, finding in received_findings(ledger, rnd, round_names)]


def own_round_elsewhere(ledger: Ledger, rnd: Round, sha256: str) -> int | None:
    """The round a file received in ``rnd`` was collected into as its own, when that is
    another round (a file first sent to the wrong round); else None."""
    own = ledger.own_round_of(sha256)
    return own if own is not None and own != rnd.number else None


def told_of_own_round(
    ledger: Ledger, rnd: Round, result: FileResult, round_names: dict[int, str]
) -> list[Finding]:
    """A new file's findings as this run tells them: a file of another round that was
    already collected into its own keeps its wrong-round error without the command to
    collect it there (a trial ran it and got "1 set før"), and says where it is."""
    if result.sha256 is None or not any(f.code == "wrong-round" for f in result.findings):
        return result.findings
    own = own_round_elsewhere(ledger, rnd, result.sha256)
    if own is None:
        return result.findings
    said = [replace(f, hint="") if f.code == "wrong-round" else f for f in result.findings]
    name = round_names.get(own, str(own))
    return [*said, make_finding("already-in-own-round", file=result.path.name, value=name)]


def received_findings(
    ledger: Ledger, rnd: Round, round_names: dict[int, str] | None = None
) -> Iterator[tuple[Received, Finding]]:
    """Each file received in the round with each of its findings, in arrival order: what
    it was found to be, then why a later return replaced it. A file of another round,
    since collected into its own, says so after its wrong-round error: the error is
    the round's history, the command it gave has been run. findings.csv, the master's
    findings sheet and the exports' findings table all list these."""
    received = ledger.received(rnd.number)
    by_id = {r.id: r for r in received}
    for rec in received:
        stored = rec.finding_list
        for d in stored:
            yield rec, finding_from_dict(d)
        if rec.superseded_by is not None:
            yield rec, superseded_finding(rec, by_id.get(rec.superseded_by))
        elif any(d.get("code") == "wrong-round" for d in stored):
            own = own_round_elsewhere(ledger, rnd, rec.sha256)
            if own is not None:
                name = (round_names or {}).get(own, own)
                yield (
                    rec,
                    make_finding("collected-in-own-round", file=rec.original_name, value=name),
                )


def register_changes(
    workspace: Workspace, register: Register, rnd: Round, ledger: Ledger
) -> list[Finding]:
    """A warning when the register is no longer the one the round was issued from."""
    from sheetflow.issue import register_fingerprint
    from sheetflow.register.snapshot import centers_changed, describe_changes, load_snapshot

    issued_fp = ledger.latest_register_fingerprint(rnd.number)
    if issued_fp is None or issued_fp == register_fingerprint(register):
        return []
    if any(ledger.issued_rows(r.number) for r in register.rounds if r.number > rnd.number):
        return []  # a later round is out: the register has moved on with it, as it should
    before = load_snapshot(workspace, issued_fp)
    what = describe_changes(before, register) if before is not None else []
    if before is not None and not what:  # e.g. a contact's e-mail: the workbooks are as sent
        return []
    value = detail_list(what) if what else detail("register-differs")
    command = f'sheetflow issue "{workspace.root}" --round {rnd.number} --force'
    issued = list(dict.fromkeys(i.center for i in ledger.issued_rows(rnd.number)))
    owing = set(centers_owing(ledger, rnd, issued))
    # A new version for a center that has answered would only ask it again, unless
    # its own part of the register changed (an initiative added for it, say).
    changed = centers_changed(before, register) if before is not None else None
    wanted = [c for c in issued if c in owing or (changed is not None and c in changed)]
    if wanted and len(wanted) < len(issued):
        command += "".join(f' --center "{center}"' for center in wanted)
    if ledger.written_messages(rnd.number, "cover"):  # the round went out by e-mail
        command += " --mail"
    return [make_finding("register-changed", value=value, hint=command)]


def centers_owing(ledger: Ledger, rnd: Round, issued: list[str]) -> list[str]:
    """Of the centers ``issued`` a workbook of ``rnd``, those without an accepted return
    (or several undecided ones) so far, as ``roundstate.center_state`` tells them."""
    files: dict[str, list[Received]] = {}
    for rec in ledger.received(rnd.number):
        if rec.center:
            files.setdefault(rec.center, []).append(rec)
    answered = (
        CenterState.ACCEPTED,
        CenterState.ACCEPTED_LATER_REJECTED,
        CenterState.UNDECIDED,
    )
    return [c for c in issued if center_state(files.get(c, []))[0] not in answered]


def collected_before(workspace: Workspace, path: Path, round_number: int) -> Received | None:
    """The record of ``path``'s bytes when the round has collected them already (validate
    says so: its verdict is what collect would say, not news)."""
    if not workspace.has_ledger:
        return None
    with Ledger(workspace.ledger_path, read_only=True) as ledger:
        return ledger.received_by_hash(round_number, sha256_file(path))


def validate_file(
    workspace: Workspace, path: Path, round_ref: str | int | None = None
) -> FileCheck:
    """The collector's checks on one file; nothing is recorded or written.

    Without a round the file is checked against its own round, found in the
    worker after the safety checks: no byte of it is parsed here.
    """
    register = workspace.load_register()
    round_names = {r.number: r.name for r in register.rounds}
    if not workspace.has_ledger:
        raise UsageError("nothing-issued-from", root=workspace.root)
    rnd = workspace.resolve_round(register, round_ref) if round_ref is not None else None
    problem = unsettled(path)
    if problem is not None:
        finding = make_finding(problem.code, file=path.name)
        return FileCheck(path.name, findings=[finding])
    return check_files(
        [path], workspace.ledger_path, rnd, round_names, workspace_root=str(workspace.root)
    )[0]
