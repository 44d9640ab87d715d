"""Issue a round: one workbook per responsible center, recorded in the ledger."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import multiprocessing
import os
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, overload

from sheetflow import __version__
from sheetflow.answers import Answer, cell_value_text
from sheetflow.errors import SheetflowError, UsageError
from sheetflow.findings import make_finding
from sheetflow.heap import give_back_freed_memory
from sheetflow.isolate import START_METHOD_ENV, Limits, run_isolated, start_method
from sheetflow.issue.layout import (
    StatusLayout,
    answers_at,
    build_status_layout,
    headline_field,
    issued_fields,
)
from sheetflow.issue.writer import Corrections, GuideFacts, write_center_workbook
from sheetflow.ledger import IssuedRow, Ledger, NewIssued
from sheetflow.model import Initiative, Rating, Register, Round, asked_keys, format_date
from sheetflow.notices import notify
from sheetflow.register.reader import near_miss
from sheetflow.register.snapshot import save_snapshot
from sheetflow.register.tables import INFO_SHEET
from sheetflow.roundstate import round_state
from sheetflow.spool import Spool
from sheetflow.texts import load_texts
from sheetflow.workspace import Workspace, exclusive

TRANSLIT = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


@dataclass(frozen=True)
class IssuedWorkbook:
    center: str
    path: Path
    template_id: str
    version: int
    initiatives: int
    inputs: int  # items asked
    own_form: bool = False  # a form of finance's own (not just smiley and comment)


@dataclass(frozen=True)
class IssueResult:
    round: Round
    workbooks: list[IssuedWorkbook]
    links: dict[str, str] = field(default_factory=dict)  # center → upload link (--link-base)
    # Where the versions these workbooks replace were moved (issued/v<version>/).
    moved_aside: list[Path] = field(default_factory=list)


# Names Windows reserves for devices, with or without an extension ("NUL.eml").
WINDOWS_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])", re.IGNORECASE)


def safe_name(text: str) -> str:
    """File-name-safe ASCII: letters, digits, '-' and '_' (æ → ae, ø → oe, å → aa),
    never one of Windows' device names (a center called "Con" gets "Con_")."""
    ascii_text = (
        unicodedata.normalize("NFKD", text.translate(TRANSLIT))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    name = re.sub(r"[^A-Za-z0-9-]+", "_", ascii_text).strip("_") or "center"
    return f"{name}_" if WINDOWS_RESERVED.fullmatch(name) else name


def register_fingerprint(register: Register) -> str:
    """sha256 of the register's content, independent of the file
    (``Register.fingerprint``)."""
    return register.fingerprint()


def form_version(form_json: str) -> str:
    """A short digest of an issued form (``form.form_to_json``): equal forms, equal versions."""
    return hashlib.sha256(form_json.encode("utf-8")).hexdigest()[:12]


def ratings_so_far(register: Register, ledger: Ledger, before_round: int) -> list[Rating]:
    """Ratings known before a round: the register's plus every accepted return's."""
    collected = ledger.accepted_ratings(up_to_round=before_round - 1)
    return [r for r in register.ratings if r.round < before_round] + collected


def workbook_filename(center: str, rnd: Round) -> str:
    return f"{safe_name(center)}_{safe_name(rnd.name)}.xlsx"


@exclusive
def issue_round(
    workspace: Workspace,
    round_ref: str | int,
    centers: list[str] | None = None,
    *,
    lang: str = "da",
    password: str | None = None,
    force: bool = False,
    refresh: bool = False,
    progress: Callable[[str], None] | None = None,
    expect: Callable[[int], None] | None = None,
    link_base: str | None = None,
    keep_language: bool = False,
    mail: bool = False,
) -> IssueResult:
    """Write the round's workbooks to ``rounds/<n>/issued/`` and record them.

    ``refresh`` re-issues, as a new version, only the workbooks that lack history
    recorded after they were issued (a late return of an earlier round). Every
    earlier version's file is kept in ``issued/v<version>/``. ``keep_language``
    writes a new version in the language of the version it replaces (``lang`` is
    then for centers issued for the first time). ``link_base`` (the web intake's
    address) writes each center's upload link into its guide sheet. ``mail`` says
    the workbooks go out by e-mail (``mail.cover``): refused before any is written
    when the register has no e-mail address to send them from. ``progress`` hears
    of each center's workbook written, ``expect`` how many there are (before the first).
    """
    register = workspace.load_register()
    rnd = workspace.resolve_round(register, round_ref)
    if not register.initiatives:
        raise UsageError("nothing-to-issue", root=workspace.root)
    if not register.form.is_default and not issued_fields(register.form):
        raise UsageError("form-asks-nothing")
    responsible = register.responsible_centers()
    refuse_clashing_names(responsible, rnd)
    if mail and not register.info.email:
        raise UsageError("mail-needs-sender")
    if not register.info.email and not register.info.contact:  # "Send it to  by …"
        notify(
            [make_finding("register-no-email", file=workspace.register_path.name, sheet=INFO_SHEET)]
        )
    targets = _targets(responsible, centers)
    reg_fp = register_fingerprint(register)
    with Ledger(workspace.ledger_path) as ledger:
        if refresh:
            stale = {c.center for c in round_state(register, rnd, ledger).centers if c.stale}
            targets = [c for c in targets if c in stale]
            if not targets:
                raise UsageError("nothing-stale", round=rnd.name)
        issued_rows = ledger.issued_rows(rnd.number)
        issued_to = {row.center for row in issued_rows}
        already = [c for c in targets if c in issued_to]
        if already and not (force or refresh):
            others = [c for c in targets if c not in issued_to]
            given = (
                *((f"--lang {lang}",) if not keep_language else ()),
                *((f'--link-base "{link_base}"',) if link_base else ()),
                *(("--mail",) if mail else ()),
            )
            raise already_issued(workspace, rnd, already, others, given)
        earlier = {row.center: row.lang for row in issued_rows} if keep_language else {}
        languages = {center: earlier.get(center, lang) for center in targets}
        texts = {code: load_texts(code, workspace.root) for code in sorted(set(languages.values()))}
        save_snapshot(workspace, reg_fp)
        workspace.make_round_dirs(rnd.number)
        links: dict[str, str] = {}
        if link_base:
            from sheetflow.web.store import upload_links

            links = upload_links(workspace, rnd.number, targets, link_base)
        counts = Counter(ini.center for ini in register.initiatives)
        own_form = not register.form.is_default
        written = [workspace.issued_dir(rnd.number) / workbook_filename(c, rnd) for c in targets]
        moves: list[Moved] = []
        moved = False
        recorded: list[IssuedRow] | None = None
        with Spool() as jobs, Spool() as done:
            # Every center's job waits on disk, so the register and all gathered from
            # it can go before the workbooks are written (at 1,000 centers the parent
            # held 154 MB beside its workers for their whole run, now 111-137 MB).
            places = spool_jobs(
                jobs,
                register,
                ledger,
                rnd,
                languages,
                reg_fp,
                password,
                workspace.root,
                links,
            )
            del register
            give_back_freed_memory()
            try:
                keep_earlier_versions(workspace, ledger, rnd, set(targets), moves)
                moved = True
                if expect:
                    expect(len(targets))
                outcomes = _run_all(SpooledJobs(jobs, places, targets), texts, progress, done)
                recorded = ledger.record_issued(unpack(done.each(outcomes)))
            except BaseException:  # Ctrl-C, a worker that failed, a ledger that refused
                if recorded is None:  # not recorded: undo, so what remains is what the ledger says
                    if moved:  # new workbooks are written only once every earlier one moved aside
                        remove_unrecorded(written)
                    put_back_earlier_versions(workspace, ledger, moves)
                raise
        if ledger.round_state(rnd.number) in ("planned", "issued"):
            ledger.set_round_state(rnd.number, rnd.name, "issued")
    workbooks = [
        IssuedWorkbook(
            center=rec.center,
            path=workspace.root / rec.file,
            template_id=rec.template_id,
            version=rec.version,
            initiatives=counts.get(rec.center, 0),
            inputs=len(rec.asked),
            own_form=own_form,
        )
        for rec in recorded
    ]
    return IssueResult(rnd, workbooks, links, [target for _, _, target in moves])


def spool_jobs(
    spool: Spool,
    register: Register,
    ledger: Ledger,
    rnd: Round,
    languages: dict[str, str],
    reg_fp: str,
    password: str | None,
    root: Path,
    links: dict[str, str],
) -> list[int]:
    """Put each target center's job (its slice of the register, its history, what it
    already answered) in ``spool``, without the texts every job shares; where each went,
    in the order of ``languages`` (each target center's language). What this gathers
    from the whole register is gone when it returns.

    An item the center has already answered in this round stays asked, though a
    late return of an earlier round made it green since: a new version keeps every
    answer given (a trial's red vanished with the question)."""
    history = ratings_so_far(register, ledger, rnd.number)
    asked = set(asked_keys(register, rnd, history))
    owner = item_centers(register)
    by_center: dict[str, list[Rating]] = {}
    for r in history:
        if r.item_key in owner:
            by_center.setdefault(owner[r.item_key], []).append(r)
    del history
    answers = received_answers(ledger, rnd.number, owner)
    del owner
    typed = received_typed(ledger, rnd.number)
    headlines = {
        code: headline_history(register, ledger, rnd, code) for code in set(languages.values())
    }
    parts = center_parts(register, list(languages))
    places = []
    for center, lang in languages.items():
        part = parts.pop(center)
        keys = own_keys(part)
        given = answers.get(center, [])
        typed_given = typed.get(center, [])
        answered = {r.item_key for r in given} | {a.item_key for a in typed_given}
        job = _CenterJob(
            center,
            part,
            rnd,
            by_center.pop(center, []),
            {},
            (asked | answered) & keys,
            reg_fp,
            lang,
            password,
            root,
            given,
            links.get(center, ""),
            typed_given,
            {k: v for k, v in headlines[lang].items() if k[0] in keys},
        )
        places.append(spool.put(job))
    return places


def item_centers(register: Register) -> dict[str, str]:
    """Each milestone and economy key's center: texts only, so nothing of a register
    read from its store is held beside the centers' parts."""
    out: dict[str, str] = {}
    for ini in register.initiatives:
        for ms in ini.milestones:
            out[ms.key] = ini.center
        out[ini.economy_key] = ini.center
    return out


def received_answers(
    ledger: Ledger, round_number: int, owner: dict[str, str]
) -> dict[str, list[Rating]]:
    """Per center, the answers its accepted return of this round already gave
    (``owner``: each item's center, ``item_centers``)."""
    out: dict[str, list[Rating]] = {}
    for r in ledger.accepted_ratings(up_to_round=round_number):
        if r.round == round_number and r.item_key in owner:
            out.setdefault(owner[r.item_key], []).append(r)
    return out


def headline_history(
    register: Register, ledger: Ledger, rnd: Round, lang: str
) -> dict[tuple[str, int], str]:
    """A form without a smiley: each earlier round's answer to its headline choice field
    (``layout.headline_field``), by (item key, round), as the choice's label."""
    headline = None if register.form.is_default else headline_field(register.form)
    if headline is None:
        return {}
    out = {}
    for a in ledger.accepted_answers(up_to_round=rnd.number - 1):
        if a.field_id == headline.id and a.value is not None:
            out[(a.item_key, a.round)] = cell_value_text(headline, a.value, lang)
    return out


def received_typed(ledger: Ledger, round_number: int) -> dict[str, list[Answer]]:
    """Per center, the typed answers its accepted return of this round already gave."""
    out: dict[str, list[Answer]] = {}
    for a in ledger.accepted_answers(up_to_round=round_number):
        if a.round == round_number:
            out.setdefault(a.center, []).append(a)
    return out


# An earlier version's file moved aside: its ledger id, where it was, where it went.
Moved = tuple[int, str, Path]


def keep_earlier_versions(
    workspace: Workspace,
    ledger: Ledger,
    rnd: Round,
    centers: set[str],
    moves: list[Moved],
) -> None:
    """Move each earlier version's file to ``issued/v<version>/`` before a new version
    takes its name, and record where it went (and in ``moves``, to put it back)."""
    for row in ledger.issued_rows(rnd.number):
        path = workspace.root / row.file
        if row.center not in centers or not path.is_file() or path.parent.name.startswith("v"):
            continue
        target = path.parent / f"v{row.version}" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        path.replace(target)
        ledger.set_issued_file(row.id, str(target.relative_to(workspace.root)))
        moves.append((row.id, row.file, target))


def remove_unrecorded(paths: Iterable[Path]) -> None:
    """Remove this run's workbooks when it did not record them: written but never
    recorded, they looked issued (and could be mailed) while status said nothing was."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def put_back_earlier_versions(workspace: Workspace, ledger: Ledger, moves: list[Moved]) -> None:
    """Undo ``keep_earlier_versions`` after a re-issue that did not finish: the current
    versions back where they were, in the folder and in the ledger (a trial found
    every current workbook under v1/ after Ctrl-C, and issued/ empty)."""
    for issued_id, file, moved in reversed(moves):
        with contextlib.suppress(OSError):
            moved.replace(workspace.root / file)
            ledger.set_issued_file(issued_id, file)
            moved.parent.rmdir()  # the v<n> folder this run made, once empty (else left)


@dataclass(frozen=True)
class _CenterJob:
    """Everything needed to write one center's workbook, and only that center's part
    of it: a worker receives it pickled and needs nothing of the parent's heap, so
    its memory does not grow with the register."""

    center: str
    register: Register  # the center's slice (``center_parts``)
    rnd: Round
    history: list[Rating]  # the center's ratings of earlier rounds
    texts: dict[str, dict[str, Any]]
    asked: set[str]  # the center's items this round asks for
    reg_fp: str
    lang: str
    password: str | None
    root: Path
    answers: list[Rating] = field(default_factory=list)  # already answered this round
    link: str = ""  # the center's upload link
    # A form's typed answers the center already gave in this round (a new version keeps them).
    typed: list[Answer] = field(default_factory=list)
    # A form without a smiley: earlier rounds' headline answers for the history columns.
    headlines: dict[tuple[str, int], str] = field(default_factory=dict)

    def _typed(self, layout: StatusLayout) -> dict[tuple[str, str], str] | None:
        """A form's answers the center already gave in the round, as cell text."""
        form = layout.fields()
        if form is None:
            return None
        return {
            (a.item_key, a.field_id): cell_value_text(f, a.value, self.lang)
            for a in self.typed
            if (f := form.field(a.field_id)) is not None
        }

    def issue(self) -> NewIssued:
        """Lay out, write and describe the center's workbook (runs in a worker)."""
        center, register, rnd = self.center, self.register, self.rnd
        reg_fp, lang = self.reg_fp, self.lang
        layout = build_status_layout(
            register, rnd, center, self.history, self.texts, self.asked, self.headlines
        )
        fingerprint = layout.fingerprint()
        template_id = _template_id(rnd, center, fingerprint, reg_fp, lang)
        meta = {
            "template_id": template_id,
            "round": str(rnd.number),
            "round_name": rnd.name,
            "center": center,
            "register_fingerprint": reg_fp,
            "fingerprint": fingerprint,
            "generator": f"sheetflow {__version__}",
            "status_sheet": layout.sheet,
        }
        if layout.form:  # a form of finance's own: which version of it this workbook asks
            meta["form_version"] = form_version(layout.form)
        path = Workspace.at(self.root).issued_dir(rnd.number) / workbook_filename(center, rnd)
        facts = _facts(register, rnd, center, self.link)
        prefill = answers_at(layout.inputs, self.answers, self._typed(layout))
        keep = Corrections.answers_only(prefill) if prefill else None
        write_center_workbook(path, layout, facts, meta, self.texts, self.password, keep)
        # The items asked (any input; on the default form, those with a smiley cell).
        asked_items = list(dict.fromkeys(i.item_key for i in layout.inputs))
        return NewIssued(
            template_id=template_id,
            round=rnd.number,
            center=center,
            file=str(path.relative_to(self.root)),
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            fingerprint=fingerprint,
            register_fingerprint=reg_fp,
            layout=layout.to_json(),
            checks=layout.checks_json(fingerprint),
            lang=lang,
            asked=tuple(asked_items),
        )


class SpooledJobs(Sequence[_CenterJob]):
    """The jobs ``spool_jobs`` put aside, read back one at a time as workers take them."""

    def __init__(self, spool: Spool, places: list[int], centers: list[str]) -> None:
        self._spool, self._places, self.centers = spool, places, centers

    def __len__(self) -> int:
        return len(self._places)

    @overload
    def __getitem__(self, index: int) -> _CenterJob: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[_CenterJob]: ...
    def __getitem__(self, index: int | slice) -> _CenterJob | Sequence[_CenterJob]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        job: _CenterJob = self._spool.get(self._places[index])
        return job


# A workbook to record, its layout apart and compressed: a layout is ~120,000
# characters, stored by Python at 4 bytes each when it holds a smiley; a
# thousand of them waiting to be recorded were most of issue's memory.
Packed = tuple[NewIssued, bytes]


def pack(entry: NewIssued) -> Packed:
    """``entry`` without its layout, and the layout compressed."""
    return replace(entry, layout=""), zlib.compress(entry.layout.encode("utf-8"), 1)


def unpack(packed: Iterable[Packed]) -> Iterator[NewIssued]:
    """The entries whole again, one at a time (for ``Ledger.record_issued``)."""
    for entry, layout in packed:
        yield replace(entry, layout=zlib.decompress(layout).decode("utf-8"))


def center_parts(register: Register, centers: list[str]) -> dict[str, Register]:
    """Per center, ``register`` with only the center's initiatives (in register order),
    its own entry in the centers table and the register's ratings of its items."""
    own: dict[str, list[Initiative]] = {c: [] for c in centers}
    for ini in register.initiatives:
        if ini.center in own:
            own[ini.center].append(ini)
    owner = {key: ini.center for inis in own.values() for ini in inis for key in _keys(ini)}
    ratings: dict[str, list[Rating]] = {c: [] for c in centers}
    for r in register.ratings:
        if r.item_key in owner:
            ratings[owner[r.item_key]].append(r)
    return {
        c: replace(
            register,
            initiatives=inis,
            centers=[x for x in register.centers if x.name == c],
            ratings=ratings[c],
        )
        for c, inis in own.items()
    }


def _keys(ini: Initiative) -> list[str]:
    """An initiative's item keys: its own row (a form may ask of it), milestones, economy."""
    return [ini.key, *(ms.key for ms in ini.milestones), ini.economy_key]


def own_keys(part: Register) -> set[str]:
    """Every item key of a register's (a center's slice's) initiatives."""
    return {key for ini in part.initiatives for key in _keys(ini)}


Texts = dict[str, dict[str, dict[str, Any]]]  # a catalogue (``load_texts``) per language


def _worker_texts(texts: Texts) -> Texts:
    """A worker's state: the texts every workbook uses, sent once to each worker
    instead of with every center's job (half of a job's 94 KB pickled)."""
    return texts


def _issue_in_worker(texts: Texts, job: _CenterJob) -> Packed:
    return pack(replace(job, texts=texts[job.lang]).issue())


def issue_start_method() -> str:
    """How issue's workers start: as ``SHEETFLOW_START_METHOD`` says when it is set,
    else from a small server process (forkserver) where there is one, so they do
    not share, and come to hold their own copies of, the parent's register; else
    ``start_method()`` (spawn on Windows)."""
    if os.environ.get(START_METHOD_ENV, "").strip():
        return start_method()
    if hasattr(os, "fork") and "forkserver" in multiprocessing.get_all_start_methods():
        return "forkserver"
    return start_method()


PARALLEL_FROM = 4  # below this many centers, starting workers costs more than it saves


def _run_all(
    jobs: SpooledJobs,
    texts: Texts,
    progress: Callable[[str], None] | None,
    spool: Spool,
) -> list[int]:
    """Every center's workbook, on both cores when there are enough of them; where in
    ``spool`` each one's description was put aside, in the order of ``jobs``.
    ``texts`` holds the catalogue of each language the jobs are written in."""
    centers = jobs.centers
    if len(jobs) < PARALLEL_FROM:
        places = []
        for center, job in zip(centers, jobs, strict=True):
            places.append(spool.put(pack(replace(job, texts=texts[job.lang]).issue())))
            if progress:
                progress(center)
        return places

    def done(index: int) -> None:
        if progress:
            progress(centers[index])

    outcomes = run_isolated(
        jobs,
        _issue_in_worker,
        functools.partial(_worker_texts, texts),
        limits=Limits(seconds=600),
        on_done=done,
        method=issue_start_method(),
        keep=spool.put,
    )
    failed = [(c, o.reason) for c, o in zip(centers, outcomes, strict=True) if not o.ok]
    if failed:
        center, reason = failed[0]
        raise SheetflowError("workbook-not-written", center=center, reason=reason)
    return [o.value for o in outcomes]


def refuse_clashing_names(centers: list[str], rnd: Round) -> None:
    """Refuse a register where two centers' workbooks would get one file name: names
    spelled alike but for æ/ae or letter case ("Børn og Unge" and "Boern og Unge",
    "Teknik og Miljø" and "Teknik og miljø", one file on Windows). Issued, one
    would silently replace the other."""
    seen: dict[str, str] = {}
    for center in centers:
        first = seen.setdefault(safe_name(center).casefold(), center)
        if first != center:
            raise UsageError(
                "center-names-clash", first=first, second=center, file=workbook_filename(first, rnd)
            )


NAMES_LISTED = 10  # centers a message names before it counts the rest


def some_names(names: list[str]) -> str:
    """The first ``NAMES_LISTED`` names, then how many more as "… +N", in no language:
    a trial's refusal to issue again named all 40 centers on one line."""
    shown = ", ".join(names[:NAMES_LISTED])
    more = len(names) - NAMES_LISTED
    return f"{shown}, … +{more}" if more > 0 else shown


def already_issued(
    workspace: Workspace,
    rnd: Round,
    issued: list[str],
    others: list[str],
    options: tuple[str, ...] = (),
) -> UsageError:
    """Why a round already issued is refused: to which centers, and, when others are
    still to be issued, the command that issues to those only, with the ``options``
    the refused command was given (--mail: a trial got workbooks without letters)."""
    names = some_names(issued)
    if not others:
        return UsageError("already-issued", round=rnd.name, count=len(issued), names=names)
    command = f'sheetflow issue "{workspace.root}" --round {rnd.number}' + "".join(
        [*(f' --center "{center}"' for center in others), *(f" {o}" for o in options)]
    )
    return UsageError(
        "already-issued-others", round=rnd.name, count=len(issued), names=names, command=command
    )


def _targets(responsible: list[str], centers: list[str] | None) -> list[str]:
    """The centers named (``centers``, as typed) among those with initiatives, in
    register order; all of them when none is named."""
    if not centers:
        return responsible
    by_fold = {c.casefold(): c for c in responsible}
    # A space typed at either end (or pasted with the name) is no part of it.
    wanted = {by_fold.get(c.strip().casefold(), c.strip()) for c in centers}
    unknown = sorted(wanted - set(responsible))
    if unknown:
        near = near_miss(unknown[0], responsible)
        raise UsageError(
            "unknown-center-near" if near else "unknown-center",
            unknown=", ".join(unknown),
            names=", ".join(responsible),
            near=near,
        )
    return [c for c in responsible if c in wanted]


def _template_id(rnd: Round, center: str, fingerprint: str, reg_fp: str, lang: str) -> str:
    digest = hashlib.sha256(
        "\x1f".join([str(rnd.number), center, fingerprint, reg_fp, lang]).encode("utf-8")
    ).hexdigest()
    return f"R{rnd.number}-{digest[:16]}"


def _facts(register: Register, rnd: Round, center: str, link: str = "") -> GuideFacts:
    info = register.info
    return GuideFacts(
        agreement=info.agreement,
        center=center,
        round_name=rnd.name,
        as_of=format_date(rnd.as_of),
        deadline=format_date(rnd.return_deadline),
        contact=info.contact,
        contact_email=info.email,
        contact_phone=info.phone,
        link=link,
    )
