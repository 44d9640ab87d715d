"""The ``sheetflow`` command line: a thin layer over the library.

Each verb parses its options, calls one library function, renders the
result and picks the exit code: 0 fine, 1 a person must look (a rejected
return, a reminder not sent), 2 bad usage, 3 a bug or a missing tool
(docs/cli.md#exit-codes).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from sheetflow import __version__, console
from sheetflow.clilang import LANG, RUN, language_of_argv, speak
from sheetflow.clilang import current_language as _lang
from sheetflow.clilang import say as _say
from sheetflow.errors import RegisterError, SheetflowError, UsageError
from sheetflow.findings import Finding, Severity, finding_from_dict
from sheetflow.flags import Flag, count_flags
from sheetflow.model import Register
from sheetflow.notices import NAMED_VALUES, More, Notices, collect_notices
from sheetflow.roundstate import CenterState, RoundPhase, RoundState, Verdict
from sheetflow.smiley import symbol
from sheetflow.workspace import DEFAULT_WORKSPACE, Workspace, workspace_language

WORKSPACE = click.argument(
    "workspace", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_WORKSPACE
)


def _local_time(iso_utc: str) -> str:
    """A ledger time (UTC) as the user's own clock shows it, to the minute."""
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(iso_utc).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso_utc[:16].replace("T", " ")


def _fail(exc: SheetflowError) -> None:
    click.secho(_say("error", message=exc.render(_lang())), fg="red", err=True)
    if isinstance(exc, RegisterError):  # errors and warnings alike, each with its severity
        _print_findings(exc.findings, err=True)
    sys.exit(2)


@contextlib.contextmanager
def _library_errors(warnings: bool = False) -> Iterator[None]:
    """Run a library call: its errors become exit 2, its notices go to stderr.

    What sheetflow changed (a key written into the register) is always told;
    the register's warnings only where ``warnings`` (issue: before workbooks go out).
    """
    with collect_notices() as notices:
        try:
            yield
        except SheetflowError as exc:
            _print_notices(notices, False)  # what changed, not what to look at
            _fail(exc)
    _print_notices(notices, warnings)


def _print_notices(notices: Notices, warnings: bool) -> None:
    """The kept notices in the order they came (ten of each kind, notices.py), then
    per kind how many more, naming values the ten did not."""
    changes = ("register-key-assigned", "register-keys-not-saved", "register-keys-busy")
    _print_findings([f for f in notices if warnings or f.code in changes], err=True)
    for code, more in notices.more.items():
        if warnings or code in changes:
            click.echo(f"  {_more_notices(code, more)}", err=True)


def _more_notices(code: str, more: More) -> str:
    """'… og 15 flere af samme slags, også for 8.08 (code)': so no second number used
    twice is found only after the first is fixed."""
    if not more.values:
        return _say("notices-more", count=more.count, code=code)
    values = ", ".join(more.values[:NAMED_VALUES])
    if len(more.values) > NAMED_VALUES:
        values += ", …"
    return _say("notices-more-values", count=more.count, code=code, values=values)


class Ticker:
    """What a verb tells its progress display: one more item done (``tick(name)``), how
    many there are once the library knows (``tick.expect(n)``), or the step it has moved
    on to (``tick.stage(label)``). Silent without a display."""

    def __init__(self, bar: Any = None, task: Any = None, label: str = "") -> None:
        self.bar, self.task, self.label = bar, task, label
        self.done, self.total = 0, 0

    def _count(self) -> str:
        return f"{self.done}/{self.total or '?'}"

    def __call__(self, name: str) -> None:
        self.done += 1
        if self.bar is not None:
            description = f"{self.label}: {name}"
            self.bar.update(self.task, advance=1, description=description, count=self._count())

    def expect(self, total: int) -> None:
        """The number of items to come: the count reads "3/150", not "3/?"."""
        self.total = total
        if self.bar is not None:
            self.bar.update(self.task, count=self._count())

    def stage(self, label: str) -> None:
        """The next step's own words, in place of the last item's name and the count
        (a step after the files is not one more of them)."""
        if self.bar is not None:
            self.bar.update(self.task, description=label, count="")


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Ticker]:
    """A live count of files or centers done, on an interactive terminal; silent otherwise.

    The library reports each item as it finishes and, once it knows, how many
    there are; until then the count reads "3/?".
    """
    if not sys.stderr.isatty():
        yield Ticker()
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.fields[count]}"),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        yield Ticker(bar, bar.add_task(label, total=None, count=""), label)


def smtp_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--smtp HOST:PORT and --smtp-user; the password comes from SHEETFLOW_SMTP_PASSWORD
    or a prompt, never the command line."""
    fn = click.option(
        "--smtp-user",
        default=None,
        metavar="USER",
        help="Log in as USER (over STARTTLS); password from SHEETFLOW_SMTP_PASSWORD or a prompt.",
    )(fn)
    return click.option(
        "--smtp", default=None, metavar="HOST:PORT", help="Send through this SMTP server."
    )(fn)


def _smtp(smtp: str | None, user: str | None) -> Any:
    from sheetflow.mail.outbox import Smtp

    if smtp is None:
        return None
    password = None
    if user:
        password = os.environ.get("SHEETFLOW_SMTP_PASSWORD")
        if password is None:
            if not sys.stdin.isatty():
                raise click.UsageError(_say("password-env"))
            password = click.prompt(_say("password-prompt", user=user), hide_input=True)
    with _library_errors():
        return Smtp.parse(smtp, user, password)


def _send_command(
    root: Path, number: int, smtp: str | None, user: str | None, *, reminders: bool
) -> str:
    """The `sheetflow send` command that retries exactly what did not go."""
    parts = [f'sheetflow send "{root}" --round {number}']
    if reminders:
        parts.append("--reminders")
    parts.append(f"--smtp {smtp}")
    if user:
        parts.append(f"--smtp-user {user}")
    return " ".join(parts)


def _report_sending(sent: list[str], failed: list[tuple[str, str]], retry: str = "") -> None:
    """Each message that did not go, in words a person can act on (the technical text
    in brackets, for IT), and the command that sends just those."""
    from sheetflow.mail.outbox import reason_code

    for center, error in failed:
        reason = _say("smtp-" + reason_code(error))
        click.secho(_say("not-sent", center=center, reason=reason, error=error), fg="red")
    if failed and retry:
        click.echo(_say("retry-sending", command=retry))


def _first_of_each_code(findings: list[Finding], most: int) -> tuple[list[Finding], dict[str, int]]:
    """The findings in their order, at most ``most`` of each code; per code, how many
    more were left out."""
    seen: dict[str, int] = {}
    listed = []
    for f in findings:
        seen[f.code] = seen.get(f.code, 0) + 1
        if seen[f.code] <= most:
            listed.append(f)
    return listed, {code: n - most for code, n in seen.items() if n > most}


def _print_findings(findings: list[Finding], err: bool = False) -> None:
    """Findings in the verb's language: rendered here, at the edge, from code and values."""
    colours = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
    lang = _lang()
    for f in findings:
        word = _say(f"severity-{f.severity.value}")
        click.secho(f"  [{word}] ", fg=colours[f.severity], nl=False, err=err)
        message = f.render(lang)
        text = f"{f.where}: {message} ({f.code})" if f.where else f"{message} ({f.code})"
        click.echo(text, err=err)


# Verbs that make their folder: a path given to them need not exist yet.
MAKES_FOLDER = ("init", "demo")


def split_path(argv: list[str]) -> str | None:
    """A path with spaces the shell split into words (typed without quotes): the
    longest run of plain words that joins into an existing path the first word alone
    is not, or, after a verb that makes its folder, into a path whose parent folder
    exists. None when there is none."""
    makes = bool(argv) and argv[0] in MAKES_FOLDER
    for i, first in enumerate(argv):
        if first.startswith("-") or os.path.exists(first):
            continue
        words = list(itertools.takewhile(lambda w: not w.startswith("-"), argv[i:]))
        for j in range(len(words), 1, -1):
            joined = " ".join(words[:j])
            parent = os.path.dirname(joined)
            if os.path.exists(joined) or (makes and parent and os.path.isdir(parent)):
                return joined
    return None


class _Group(click.Group):
    """The verbs, with one promise: no traceback reaches a user.

    An unexpected exception is a bug: it is named in one line with exit code 3
    (SHEETFLOW_DEBUG=1 shows the traceback for a report).
    """

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        """Speak the run's language from the first line of help or usage error on."""
        argv = list(sys.argv[1:] if args is None else args)
        self.argv = argv  # for a usage error's hint (``split_path``)
        RUN["lang"] = language_of_argv(argv)
        speak(self, RUN["lang"])
        return super().main(argv, *rest, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            split = split_path(getattr(self, "argv", sys.argv[1:]))
            if split is None:
                raise
            # A path with spaces, not quoted: say so (click's message is final).
            hint = _say("quote-path", path=split)
            raise click.UsageError(f"{exc.message}\n{hint}", exc.ctx) from exc
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo(_say("interrupted"), err=True)
            sys.exit(130)
        except BrokenPipeError:  # the reader stopped (`| head`): nothing went wrong
            with contextlib.suppress(OSError):
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115
            sys.exit(0)
        except Exception as exc:
            if os.environ.get("SHEETFLOW_DEBUG"):
                raise
            error = f"{type(exc).__name__}: {exc}"
            click.secho(_say("unexpected", error=error), fg="red", err=True)
            sys.exit(3)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sheetflow")
@LANG
def main(lang: str) -> None:
    """sheetflow: run a budget follow-up round through Excel.

    \b
    A round, start to end:
      sheetflow init out --sample          # register.xlsx from the 2017 sample
      sheetflow issue out --round 3        # one workbook per center
      (centers fill in and return; drop the files in out/rounds/3/inbox/)
      sheetflow collect out --round 3      # validate, record, write master.xlsx
      sheetflow status out --round 3       # who has returned, what is flagged
    Or all of it on the sample:  sheetflow demo
    """
    console.setup()  # any console, pipe or file: no crash on ☺ 😐 ☹ æ ø å


# --------------------------------------------------------------------- init


class _Year(click.ParamType):
    """A year a register can plan (2000–2100), refused in the user's language."""

    name = "year"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            year = int(value)
        except (TypeError, ValueError):
            year = 0
        if not 2000 <= year <= 2100:
            self.fail(_say("not-a-year", value=value), param, ctx)
        return year


_YEAR = _Year()


@main.command()
@WORKSPACE
@click.option("--sample", is_flag=True, help="The embedded 2017 sample (default).")
@click.option(
    "--from-report",
    "report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A follow-up report exported to text.",
)
@click.option("--blank", is_flag=True, help="An empty register to fill in.")
@click.option(
    "--example",
    metavar="NAME",
    default=None,
    help="A shipped example: starter (a small worked example to learn from), sample, or "
    "projects (a quarterly capital-projects return with a form of its own).",
)
@click.option(
    "--year",
    type=_YEAR,
    metavar="YEAR",
    default=None,
    help="The year a --blank register (or the starter or projects example) plans: its "
    "rounds and dates (default: this year).",
)
@click.option("--force", is_flag=True, help="Replace an existing register.xlsx (a backup is kept).")
@click.option(
    "--discard-rounds",
    is_flag=True,
    help="With --force on a workspace with issued rounds: start over; the ledger and "
    "rounds/ move into backup/.",
)
@LANG
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def init(
    workspace: Path,
    sample: bool,
    blank: bool,
    report: Path | None,
    example: str | None,
    year: int | None,
    force: bool,
    discard_rounds: bool,
    lang: str,
    as_json: bool,
) -> None:
    """Create WORKSPACE/register.xlsx and print what it holds.

    The register opens on a guide sheet (Vejledning) that explains every
    sheet and column. The language given with --lang becomes the workspace's
    language (sheetflow.toml).

    \b
    Examples:
      sheetflow init out --sample
      sheetflow init out --example starter
      sheetflow init out --from-report ../shared/seeds/000_5976020e23f224e8.txt
      sheetflow init out --blank --year 2027
      sheetflow init out --blank --force
    """
    from sheetflow.register import init_workspace, summarize

    chosen = {
        "sample": sample,
        "blank": blank,
        "example": example is not None,
        "report": report is not None,
    }
    given = [name for name, on in chosen.items() if on]
    source = given[0] if given else "sample"
    with _library_errors():
        if len(given) > 1:  # click would let the last one win, unsaid
            options = ", ".join("--from-report" if g == "report" else f"--{g}" for g in given)
            raise UsageError("one-register", given=options)
        path, register, backup = init_workspace(
            Workspace.at(workspace),
            source,
            report,
            force=force,
            discard_rounds=discard_rounds,
            example=example,
            year=year,
        )
    typed = click.core.ParameterSource.COMMANDLINE
    ctx = click.get_current_context()
    if typed in (ctx.get_parameter_source("lang"), ctx.find_root().get_parameter_source("lang")):
        Workspace.at(workspace).set_language(lang)  # the workspace's language from now on
    summary = summarize(register)
    if as_json:
        _echo_json({"register": str(path), **summary.to_dict()})
        return
    click.echo(_say("register-written", path=path))
    if backup is not None:
        click.echo(_say("backup-kept", path=backup))
    click.echo(
        _say(
            "register-summary",
            initiatives=_say("n-initiatives", count=summary.initiatives),
            sections=_say("n-sections", count=summary.sections),
            milestones=_say("n-milestones", count=summary.milestones),
            placeholders=summary.placeholders,
        )
    )
    click.echo(_say("rounds-line", names=", ".join(summary.rounds)))
    if summary.centers:  # a blank register has none yet
        click.echo(_say("per-center"))
    for center, n in summary.centers.items():
        click.echo(f"    {n:3d}  {center}")
    if summary.ratings:
        click.echo(_say("ratings-per-round"))
        for key, counts in summary.ratings.items():
            rnd, kind = key.split(":")
            label = _say("kind-milestone" if kind == "milestone" else "kind-economy")
            colours = "/".join(str(counts.get(c, 0)) for c in ("green", "yellow", "red"))
            click.echo(_say("round-ratings", round=rnd, kind=label, colours=colours))


# -------------------------------------------------------------------- issue


@main.command()
@WORKSPACE
@click.option("--round", "round_ref", required=True, help="The round's number or name, e.g. 3.")
@click.option("--center", "centers", multiple=True, help="Only this center (repeatable).")
@LANG
@click.option("--password", default=None, help="Protect the sheets with this password.")
@click.option("--force", is_flag=True, help="Issue a new version of a round already issued.")
@click.option(
    "--refresh",
    is_flag=True,
    help="Re-issue, as a new version, only the workbooks whose history changed since.",
)
@click.option(
    "--mail",
    is_flag=True,
    help="Write a cover e-mail per workbook to rounds/<n>/outbox/ (sent with --smtp).",
)
@smtp_options
@click.option(
    "--link-base",
    default=None,
    help="The web intake's address (https://…): each guide sheet gets the center's upload link.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def issue(
    workspace: Path,
    round_ref: str,
    centers: tuple[str, ...],
    lang: str,
    password: str | None,
    force: bool,
    refresh: bool,
    mail: bool,
    smtp: str | None,
    smtp_user: str | None,
    link_base: str | None,
    as_json: bool,
) -> None:
    """Write one workbook per center for a round to WORKSPACE/rounds/<n>/issued/.

    \b
    Examples:
      sheetflow issue out --round 3
      sheetflow issue out --round "3. budgetopfølgning 2017" --center Ejendomme --lang en
    """
    from sheetflow.issue import issue_round

    if smtp and not mail:
        raise click.UsageError(_say("smtp-needs-mail"))
    server = _smtp(smtp, smtp_user)
    ws = Workspace.at(workspace)
    ctx = click.get_current_context()
    typed = click.core.ParameterSource.COMMANDLINE
    # A new version keeps its workbook's language unless --lang says otherwise.
    chosen = typed in (
        ctx.get_parameter_source("lang"),
        ctx.find_root().get_parameter_source("lang"),
    )
    with _library_errors(warnings=True), progress_bar(_say("progress-issue")) as tick:
        result = issue_round(
            ws,
            round_ref,
            list(centers) or None,
            lang=lang,
            password=password,
            force=force,
            refresh=refresh,
            progress=tick,
            expect=tick.expect,
            link_base=link_base,
            keep_language=not chosen,
            mail=mail,
        )
    covers, sent, withdrawn = None, None, []
    if not mail:
        from sheetflow.mail.cover import withdraw_covers

        with _library_errors():
            withdrawn = withdraw_covers(ws, result)
    if mail:
        from sheetflow.mail.cover import send_round, write_covers

        with _library_errors():
            covers = write_covers(ws, result)
            if server is not None:
                _, sent = send_round(ws, result.round.number, "cover", server)
    if as_json:
        payload = {
            "round": result.round.number,
            "workbooks": [
                {
                    "center": w.center,
                    "file": str(w.path),
                    "template_id": w.template_id,
                    "version": w.version,
                    "initiatives": w.initiatives,
                    "inputs": w.inputs,
                }
                for w in result.workbooks
            ],
        }
        _echo_json(payload)
        return
    click.echo(_say("issued", round=result.round.name, count=len(result.workbooks)))
    for w in result.workbooks[:WORKBOOKS_LISTED]:
        initiatives = _say("n-initiatives", count=w.initiatives)
        inputs = _say("n-items" if w.own_form else "n-smileys", count=w.inputs)
        click.echo(
            _say(
                "issued-workbook",
                path=w.path,
                initiatives=initiatives,
                inputs=inputs,
                version=w.version,
            )
        )
    if len(result.workbooks) > WORKBOOKS_LISTED:
        folder = ws.issued_dir(result.round.number)
        more = len(result.workbooks) - WORKBOOKS_LISTED
        click.echo(f"  {_say('issued-more', count=more, folder=folder)}")
    if result.moved_aside:  # a trial could not tell where version 1 went
        folders = sorted({str(path.parent) for path in result.moved_aside})
        click.echo(_say("issued-moved", folders=", ".join(folders)))
    if withdrawn:
        click.echo(_say("covers-withdrawn", names=", ".join(withdrawn)))
    if covers is not None:
        click.echo(_say("covers", written=len(covers.written), sent=len(sent.sent) if sent else 0))
        for center, _reason in covers.skipped:
            click.echo(_say("no-cover", center=center))
        if sent is not None:
            retry = _send_command(ws.root, result.round.number, smtp, smtp_user, reminders=False)
            _report_sending(sent.sent, sent.failed, retry)
            if sent.failed:
                sys.exit(1)


# ------------------------------------------------------------------ collect


def _flags_line(flags: list[Flag]) -> str:
    """ "Markeringer: røde: 3, overskredne: 1" (or "ingen")."""
    counts = [f"{_say('flags-' + k)}: {v}" for k, v in count_flags(flags).items() if v]
    return _say("flags", flags=", ".join(counts) or _say("flags-none"))


def _echo_json(payload: object) -> None:
    """``payload`` as indented JSON on stdout, written a piece at a time: every flag of
    a round at N = 1000 made one string of about 200 MB (``status --json``)."""
    encoder = json.JSONEncoder(ensure_ascii=False, indent=2)
    pieces: list[str] = []
    size = 0
    for chunk in encoder.iterencode(payload):
        pieces.append(chunk)
        size += len(chunk)
        if size >= 1 << 16:
            click.echo("".join(pieces), nl=False)
            pieces, size = [], 0
    click.echo("".join(pieces))


# Info findings worth a line on the terminal (the rest are in findings.csv).
SHOWN_INFO = {
    "superseded",
    "replaces",
    "message-unpacked",
    "file-skipped",
    "same-file",
    "already-in-own-round",
}


def _state_word(state: str) -> str:
    """A center's state in words, as the master's returns table writes it."""
    from sheetflow.texts import text

    return text(_lang(), "master", "state_" + state.replace("-", "_"))


CORRECTIONS_LISTED = 20  # collect names the correction workbooks it wrote, up to this many
# collect prints this many findings of one kind, then how many more (all in findings.csv);
# issue lists this many workbooks, then how many more in the folder. A round of 150
# centers printed 760 "missing-rating" lines, and issue 150 paths, over the counts.
FINDINGS_LISTED = 20
WORKBOOKS_LISTED = 20
FLAGS_LISTED = 10  # status: a center's flags, then how many more (all: --json, the master)


def _attention_lines(state: RoundState | None, root: Path) -> list[str]:
    """Centers finance must act on, one line each; where finance decides, how."""
    if state is None:
        return []
    lines = []
    for c in state.needs_attention:
        lines.append(f"  {c.center}: {_state_word(c.state)}")
        if c.state is CenterState.ACCEPTED_LATER_REJECTED:
            command = (
                f'sheetflow review "{root}" "{c.center}" --round {state.round.number} --accept'
            )
            lines.append("    " + _say("attention-later-rejected", command=command))
    return lines


@main.command()
@WORKSPACE
@click.argument("inbox", nargs=-1, type=click.Path(exists=False, path_type=Path))
@click.option("--round", "round_ref", required=True, help="The round's number or name, e.g. 3.")
@LANG
@click.option("--reopen", is_flag=True, help="Collect into a round that was closed.")
@click.option(
    "--prefer",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The return that counts when a center's returns could not be ordered (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print files, findings and flags as JSON.")
def collect(
    workspace: Path,
    inbox: tuple[Path, ...],
    round_ref: str,
    lang: str,
    reopen: bool,
    prefer: tuple[Path, ...],
    as_json: bool,
) -> None:
    """Read returned workbooks, validate them, and write the master workbook.

    Reads INBOX files and folders (default WORKSPACE/rounds/<n>/inbox/).
    Writes rounds/<n>/master.xlsx, ratings.csv and findings.csv. Files seen
    before are history: only new files are reported. Exit code 0: the round
    needs nothing from you; 1: a center's latest return was rejected, came
    back without answers or is undecided, or a new file belongs to no center
    of this round; 2: bad usage.

    \b
    Examples:
      sheetflow collect out --round 3
      sheetflow collect out --round 3 ~/Downloads/returns/ extra.xlsx --json
      sheetflow collect out --round 3 --prefer out/rounds/3/inbox/Ejendomme_v2.xlsx
    """
    from sheetflow.collect import collect_round

    ws = Workspace.at(workspace)
    with _library_errors(), progress_bar(_say("progress-collect")) as tick:
        result = collect_round(
            ws,
            round_ref,
            list(inbox) or None,
            lang=lang,
            reopen=reopen,
            prefer=list(prefer),
            progress=tick,
            expect=tick.expect,
            stage=lambda step: tick.stage(_say(f"progress-{step.value}")),
        )
    state = result.state
    if as_json:
        payload: dict[str, Any] = {
            "round": result.round.number,
            "master": str(result.master),
            "ratings_csv": str(result.ratings_csv),
            "findings_csv": str(result.findings_csv),
            "reopened": result.reopened,
            "corrections": [str(p) for p in result.corrections],
            "later_rounds_to_collect": [r.number for r in result.later_rounds],
            "files": [
                {**f.to_dict(), "findings": [x.row(lang) for x in f.findings]} for f in result.files
            ],
            "centers": [
                {"center": c.center, "state": c.state.value}
                for c in (state.centers if state else [])
            ],
            "flags": [f.to_dict() for f in result.flags],
            "flag_counts": count_flags(result.flags),
        }
        _echo_json(payload)
        sys.exit(result.exit_code)
    counts = [
        (result.count(Verdict.ACCEPTED), "verdict-accepted"),
        (result.count(Verdict.REJECTED), "verdict-rejected"),
    ]
    # Named only when there are some: "0 afløst" beside "Afløser …" (the earlier
    # return of a previous run, which this count never includes) read as a contradiction.
    extra = [
        (result.count(Verdict.SUPERSEDED), "verdict-superseded"),
        (sum(f.verdict is Verdict.SKIPPED for f in result.files), "verdict-skipped"),
        (result.count(Verdict.NO_ANSWERS), "verdict-no-answers"),
        (result.count(Verdict.UNDECIDED), "verdict-undecided"),
        (result.seen_before, "seen-before"),
    ]
    parts = [f"{n} {_say(key)}" for n, key in counts]
    parts += [f"{n} {_say(key)}" for n, key in extra if n]
    click.echo(f"{result.round.name}: " + ", ".join(parts))
    shown = [f for f in result.report if f.severity is not Severity.INFO or f.code in SHOWN_INFO]
    listed, more = _first_of_each_code(shown, FINDINGS_LISTED)
    _print_findings(listed)
    for code, count in more.items():
        click.echo(f"  {_say('findings-more', count=count, code=code, path=result.findings_csv)}")
    if result.corrections:
        folder = result.corrections[0].parent
        click.echo(_say("corrections-written", count=len(result.corrections), folder=folder))
        if len(result.corrections) <= CORRECTIONS_LISTED:  # which to send, when few
            for path in result.corrections:
                click.echo(f"  {path.name}")
    attention = _attention_lines(state, ws.root)
    if attention:
        click.echo(_say("needs-attention"))
        for line in attention:
            click.echo(line)
    if result.reopened:
        command = f'sheetflow close "{ws.root}" --round {result.round.number}'
        click.echo(_say("reopened", round=result.round.name, command=command))
    click.echo(_flags_line(result.flags))
    click.echo(_say("master-written", path=result.master))
    own = workspace_language(ws.root)
    if lang != own:  # --lang or SHEETFLOW_LANG: the committee's document changed language
        written, usual = _say(f"language-{lang}"), _say(f"language-{own}")
        click.echo(_say("master-other-language", code=lang, written=written, usual=usual))
    for later in result.later_rounds:
        command = f'sheetflow collect "{ws.root}" --round {later.number}'
        click.echo(_say("later-round-outdated", round=later.name, command=command))
    sys.exit(result.exit_code)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@WORKSPACE
@click.option(
    "--round", "round_ref", default=None, help="Check against this round (default: the file's own)."
)
@LANG
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
def validate(file: Path, workspace: Path, round_ref: str | None, lang: str, as_json: bool) -> None:
    """Check one returned FILE without recording anything.

    \b
    Examples:
      sheetflow validate Ejendomme_3_budgetopfoelgning_2017.xlsx out
      sheetflow validate returned.xlsx out --json
    """
    from sheetflow.collect import collected_before, validate_file

    ws = Workspace.at(workspace)
    with _library_errors():
        check = validate_file(ws, file, round_ref)
        before = collected_before(ws, file, check.round) if check.round is not None else None
    if as_json:
        payload = {
            "file": str(file),
            "verdict": check.verdict.value,
            "accepted": check.accepted,
            "center": check.center,
            "round": check.round,
            "template_id": check.template_id,
            "ratings": len(check.ratings),  # items read, answered or not
            "smileys": sum(1 for r in check.ratings if r.smiley is not None),
            "findings": [f.row(lang) for f in check.findings],
            "collected_as": before.original_name if before else None,
        }
        _echo_json(payload)
        sys.exit(0 if check.accepted else 1)
    words = {Verdict.ACCEPTED: "validate-accepted", Verdict.NO_ANSWERS: "validate-no-answers"}
    state = _say(words.get(check.verdict, "validate-rejected"))
    given = sum(1 for r in check.ratings if r.smiley is not None)
    about = f" ({check.center}, {_say('n-smileys', count=given)})" if check.center else ""
    click.echo(f"{file.name}: {state}{about}")
    _print_findings(check.findings)
    if before is not None:
        when = _local_time(before.received_at)
        click.echo(_say("validate-collected", name=before.original_name, when=when))
    sys.exit(0 if check.accepted else 1)


# ------------------------------------------------------------------- status


@main.command()
@WORKSPACE
@click.option("--round", "round_ref", default=None, help="The round (default: the latest issued).")
@LANG
@click.option("--history", is_flag=True, help="Also list every file received in the round.")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status(workspace: Path, round_ref: str | None, lang: str, history: bool, as_json: bool) -> None:
    """Who has returned, who is missing, and what is flagged so far.

    \b
    Examples:
      sheetflow status out --round 3
      sheetflow status out --round 3 --history
      sheetflow status out --json
    """
    from sheetflow.status import round_status

    ws = Workspace.at(workspace)
    with _library_errors():
        st = round_status(ws, round_ref, history=history)
    if as_json:
        payload = st.to_dict()
        for center in payload["centers"]:  # type: ignore[attr-defined]
            problems = center["problems"]
            center["problems"] = [finding_from_dict(p).row(lang) for p in problems]
        payload["warnings"] = [f.row(lang) for f in st.warnings]
        _echo_json(payload)
        return
    from rich.console import Console
    from rich.table import Table

    phase = _say("status-closed") if st.phase.value == "closed" else ""
    table = Table(
        title=_say(
            "status-title", round=st.round.name, date=f"{st.round.as_of:%d.%m.%Y}", phase=phase
        )
    )
    for column in ("center", "version", "files", "received", "state", "note"):
        table.add_column(_say(f"col-{column}"))
    for c in st.centers:
        received = _local_time(c.last_received) if c.last_received else "-"
        notes = [finding_from_dict(p).render(lang) for p in c.problems[:1]]
        if c.review_reason:
            notes.append(c.review_reason)
        if c.stale:
            notes.append(_say("stale-note"))
        if c.files > 1:  # what the number of files is made of
            verdicts = ", ".join(f"{n} {_say(f'verdict-{v.value}')}" for v, n in c.verdicts)
            notes.append(_say("files-note", verdicts=verdicts))
        table.add_row(
            c.center,
            str(c.version),
            str(c.files),
            received,
            _state_word(c.state),
            "; ".join(notes),
        )
    Console(width=max(100, shutil.get_terminal_size().columns)).print(table)
    _print_findings(st.warnings)
    click.echo(_flags_line(st.flags))
    # Before the round's first collect there is no master to find the rest in.
    has_master = ws.master_path(st.round.number).exists()
    more = "flags-more" if has_master else "flags-more-json"
    for line in describe_flags(st.register, st.flags, FLAGS_LISTED, more):
        click.echo(f"  {line}")
    if st.stale:
        command = f'sheetflow issue "{workspace}" --round {st.round.number} --refresh'
        click.echo(_say("stale", names=", ".join(st.stale), command=command))
    if st.phase is RoundPhase.COLLECTING:
        command = f'sheetflow collect "{workspace}" --round {st.round.number}'
        click.echo(_say("collect-unfinished", command=command))
    if st.stray:
        names = ", ".join(rec.original_name for rec in st.stray)
        click.echo(_say("stray", count=len(st.stray), names=names))
    if st.waiting:
        reopen = " --reopen" if st.phase is RoundPhase.CLOSED else ""
        command = f'sheetflow collect "{workspace}" --round {st.round.number}{reopen}'
        click.echo(_say("waiting", count=len(st.waiting), command=command))
    if history:
        click.echo(_say("files-received"))
        for rec in st.history:
            at = _local_time(rec.received_at)
            word = _say(f"verdict-{rec.verdict}")
            click.echo(f"  {at}  {rec.original_name}  {rec.center or '-'}  {word}")


# ------------------------------------------------------------------- review


def _center_alone(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """One name given: it is the CENTER, in the default workspace, as the usage line
    ``[WORKSPACE] CENTER`` promises (click gave it to WORKSPACE and missed CENTER)."""
    if value is not None:
        return value
    given = ctx.params["workspace"]
    typed = ctx.get_parameter_source("workspace") is click.core.ParameterSource.COMMANDLINE
    if not typed or Path(given).is_dir():  # a folder: the workspace, and CENTER left out
        raise click.MissingParameter(ctx=ctx, param=param)
    alone = str(given)
    ctx.params["workspace"] = Path(DEFAULT_WORKSPACE)  # before --lang reads its language
    return alone


@main.command()
@WORKSPACE
@click.argument("center", required=False, callback=_center_alone, metavar="CENTER")
@click.option("--round", "round_ref", required=True, help="The round's number or name, e.g. 3.")
@click.option(
    "--accept",
    is_flag=True,
    help="Accept the center's return with its remarks, or confirm it stands after a"
    " later file was rejected.",
)
@click.option(
    "--return",
    "reason",
    default=None,
    metavar="REASON",
    help="Send the center's accepted return back for correction, with this reason.",
)
@LANG
def review(
    workspace: Path, center: str, round_ref: str, accept: bool, reason: str | None, lang: str
) -> None:
    """Finance's decision on CENTER's return: --accept it, or --return it with a reason.

    --accept also confirms an accepted return when a later file of the center
    was rejected: the return stands, and the correction workbook made for the
    rejected file is removed. --return writes a correction workbook for the
    center (its answers pre-filled, the reason on the first sheet); reminders
    then carry the reason. Every decision is kept in the ledger with time and
    reason; the next collect shows it in the master workbook.

    \b
    Examples:
      sheetflow review out --round 3 "Ejendomme" --accept
      sheetflow review out --round 3 "Ejendomme" --return "The economy comment is missing."
    """
    from sheetflow.review import review as review_return

    with _library_errors():
        result = review_return(
            Workspace.at(workspace), round_ref, center, accept=accept, reason=reason
        )
    if result.unchanged:
        click.echo(_say("review-unchanged", center=result.center, round=result.round.name))
        return
    click.echo(f"{result.round.name}, {result.center}: {_state_word(result.state)}")
    if result.correction is not None:
        click.echo(_say("review-correction", path=result.correction))
    if result.master_outdated:
        command = f'sheetflow collect "{workspace}" --round {result.round.number}'
        click.echo(_say("review-master-outdated", round=result.round.name, command=command))


# ------------------------------------------------------------ close, remind


@main.command()
@WORKSPACE
@click.option("--round", "round_ref", required=True, help="The round's number or name, e.g. 3.")
@click.option("--force", is_flag=True, help="Close even though centers are still missing.")
@LANG
def close(workspace: Path, round_ref: str, force: bool, lang: str) -> None:
    """Close a round: collect then refuses it unless given --reopen.

    \b
    Example:
      sheetflow close out --round 3
    """
    from sheetflow.lifecycle import close_round

    with _library_errors():
        result = close_round(Workspace.at(workspace), round_ref, force=force)
    click.echo(_say("closed", round=result.round.name))
    if result.missing:
        click.echo(_say("closed-missing", names=", ".join(result.missing)))


@main.command()
@WORKSPACE
@click.option("--round", "round_ref", required=True, help="The round's number or name, e.g. 3.")
@smtp_options
@LANG
def remind(
    workspace: Path, round_ref: str, smtp: str | None, smtp_user: str | None, lang: str
) -> None:
    """Write a reminder e-mail (.eml) to every center without an accepted return.

    A center that sent nothing is reminded of the deadline; one whose workbook
    came back empty is told so; one whose return was rejected or sent back gets
    the reasons and the correction workbook. Messages go to the contacts on the
    register's Centre sheet, in the center's language, and land in
    WORKSPACE/rounds/<n>/reminders/; with --smtp they are also sent. Exit
    code 1 when a reminder could not be sent.

    \b
    Examples:
      sheetflow remind out --round 3
      sheetflow remind out --round 3 --smtp localhost:25
      sheetflow remind out --round 3 --smtp mail.kommune.dk:587 --smtp-user okonomi
    """
    from sheetflow.remind import remind as remind_round

    server = _smtp(smtp, smtp_user)
    with _library_errors():
        result = remind_round(Workspace.at(workspace), round_ref, smtp=server, lang=lang)
    click.echo(
        _say("reminders", round=result.round.name, count=len(result.drafts), sent=len(result.sent))
    )
    for path in result.drafts:
        center = next((c for c, k in result.kinds.items() if path.stem == _safe(c)), "")
        kind = result.kinds.get(center, "missing")
        click.echo(f"  {path}  ({_say('remind-' + kind)})")
    for center, reason in result.skipped:
        click.echo(_say("no-reminder", center=center, reason=_say("remind-" + reason)))
    retry = _send_command(workspace, result.round.number, smtp, smtp_user, reminders=True)
    _report_sending(result.sent, result.failed, retry)
    sys.exit(result.exit_code)


def _safe(center: str) -> str:
    from sheetflow.issue import safe_name

    return safe_name(center)


@main.command()
@WORKSPACE
@click.option("--round", "round_ref", required=True, help="The round's number or name, e.g. 3.")
@click.option(
    "--reminders", is_flag=True, help="Send the reminders written by remind, not the covers."
)
@smtp_options
@LANG
def send(
    workspace: Path,
    round_ref: str,
    reminders: bool,
    smtp: str | None,
    smtp_user: str | None,
    lang: str,
) -> None:
    """Send a round's messages that have not gone yet (cover letters, or --reminders).

    Every message was written to WORKSPACE/rounds/<n>/outbox/ (or reminders/)
    first; each is sent once: a retry after a failure sends only what did not
    go. Exit code 1 when a message could not be sent.

    \b
    Examples:
      sheetflow send out --round 3 --smtp localhost:25
      sheetflow send out --round 3 --reminders --smtp mail.kommune.dk:587 --smtp-user okonomi
    """
    from sheetflow.mail.cover import send_round

    server = _smtp(smtp, smtp_user)
    if server is None:
        raise click.UsageError(_say("smtp-missing"))
    with _library_errors():
        rnd, sent = send_round(
            Workspace.at(workspace), round_ref, "reminder" if reminders else "cover", server
        )
    counts = {"sent": len(sent.sent), "already": len(sent.already), "failed": len(sent.failed)}
    click.echo(_say("sent", round=rnd.name, **counts))
    if sent.obsolete:
        click.echo(_say("reminders-obsolete", names=", ".join(sent.obsolete)))
    retry = _send_command(workspace, rnd.number, smtp, smtp_user, reminders=reminders)
    _report_sending(sent.sent, sent.failed, retry)
    sys.exit(1 if sent.failed else 0)


# --------------------------------------------------------------------- demo


@main.command()
@WORKSPACE
@click.option(
    "--example",
    type=click.Choice(["sample", "projects"]),
    default="sample",
    show_default=True,
    help="sample: the 2017 follow-up; projects: a quarterly capital-projects return.",
)
@LANG
def demo(workspace: Path, example: str, lang: str) -> None:
    """Run the whole cycle on the embedded 2017 sample and write WORKSPACE/.

    Builds the register (2017 plan, ratings of rounds 1 and 2), issues round 3
    to every center, fills each workbook the way the center really answered,
    collects them and writes the master: the real third follow-up, rebuilt.
    With --example projects: two quarters of the capital-projects return.

    \b
    Example:
      sheetflow demo            # writes out/
      sheetflow demo /tmp/demo
      sheetflow demo /tmp/anlaeg --example projects
    """
    from sheetflow.demo import run_demo

    with _library_errors(), progress_bar(_say("progress-demo")) as tick:
        result = run_demo(Workspace.at(workspace), lang=lang, progress=tick, example=example)
    c = result.collect
    accepted, total = c.count(Verdict.ACCEPTED), len(result.filled)
    click.echo(_say("demo-accepted", round=c.round.name, accepted=accepted, total=total))
    click.echo(_flags_line(c.flags))
    for line in describe_flags(result.register, c.flags):
        click.echo(f"  {line}")
    click.echo(_say("master-written", path=result.master))


# ------------------------------------------------------------ export, report


@main.command()
@WORKSPACE
@click.option("--round", "round_ref", default=None, help="As of this round (default: the latest).")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write: .xlsx, .csv, .sqlite/.db or .parquet.",
)
@LANG
def export(workspace: Path, round_ref: str | None, target: Path, lang: str) -> None:
    """Write ratings, findings, returns and rounds for Power BI, sqlite3 or pandas.

    \b
    The suffix picks the format:
      .xlsx            one sheet (an Excel table) per table
      .sqlite / .db    one SQLite table per table, with keys and indices
      .csv / .parquet  ratings in FILE, the rest beside it (FILE_findings.csv, ...)
    Examples:
      sheetflow export out --to udtræk.xlsx
      sheetflow export out --round 3 --to data.sqlite
    """
    import sheetflow
    from sheetflow.export import export_tables, refuse_own_files, table_paths

    with _library_errors():
        with sheetflow.open(workspace, lang) as fu:  # findings in the run's language
            rnd = fu.round(round_ref)
            tables = fu.tables(rnd.number)
        refuse_own_files(workspace, [target, *table_paths(target, list(tables)).values()])
        written = export_tables(tables, target)
    sizes = ", ".join(f"{name} {len(frame)}" for name, frame in tables.items())
    click.echo(_say("export-rows", round=rnd.name, sizes=sizes))
    for path in written:
        click.echo(_say("written", path=path))


@main.command()
@WORKSPACE
@click.option("--round", "round_ref", required=True, help="The round's number or name, e.g. 3.")
@click.option("--pdf", "as_pdf", is_flag=True, help="Print the report as PDF (the one format).")
@click.option(
    "--to",
    "target",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="PDF file to write (default: WORKSPACE/rounds/<n>/master.pdf).",
)
@click.option("--timeout", default=180.0, show_default=True, help="Seconds LibreOffice may take.")
@click.option(
    "--summary", is_flag=True, help="Print only the front page and the summary (a short PDF)."
)
@LANG
def report(
    workspace: Path,
    round_ref: str,
    as_pdf: bool,
    target: Path | None,
    timeout: float,
    summary: bool,
    lang: str,
) -> None:
    """The committee's PDF of a round: front, summary, trends and detail, without
    the findings sheet, printed by LibreOffice (headless). Exit code 3 when
    LibreOffice is missing, fails or does not finish within --timeout.

    \b
    Example:
      sheetflow report out --round 3
      sheetflow report out --round 3 --to "Committee October.pdf"
      sheetflow report out --round 3 --summary --to "Committee, summary.pdf"
    """
    from sheetflow.report import ToolError, committee_pdf

    with _library_errors():
        try:
            path = committee_pdf(
                Workspace.at(workspace),
                round_ref,
                target,
                timeout=timeout,
                lang=lang,
                summary=summary,
            )
        except ToolError as exc:  # LibreOffice missing or failing: exit 3, not usage (2)
            click.secho(_say("error", message=exc.render(lang)), fg="red", err=True)
            sys.exit(3)
    click.echo(_say("committee-pdf", path=path))


def _cut(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters, cut at a word with "…" when shortened."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    return line[: limit - 1].rsplit(" ", 1)[0] + "…"


def describe_flags(
    register: Register, flags: list[Flag], most: int = 0, more: str = "flags-more"
) -> list[str]:
    """The flags under their center's name, one line per flagged item: smiley, number
    and title, item, deadline, kinds (and the flagged answers of a form of finance's
    own); with ``most``, at most that many a center, then how many more (said by the
    text ``more``: where to find the rest). A line without its center did not say
    whose it was once titles were cut (150 centers)."""
    by_center: dict[str, list[Flag]] = {}
    for flag in flags:
        by_center.setdefault(flag.center, []).append(flag)
    shown = {center: mine[:most] if most else mine for center, mine in by_center.items()}
    # Only the lines printed are made: 80,000 flags at 1,000 centers, 10,000 shown.
    lines = iter(_flag_lines(register, [f for mine in shown.values() for f in mine]))
    out = []
    for center, mine in by_center.items():
        out.append(f"{center}:")
        out.extend(f"  {next(lines)}" for _ in shown[center])
        if len(mine) > len(shown[center]):
            out.append(f"  {_say(more, count=len(mine) - len(shown[center]))}")
    return out


def _flag_lines(register: Register, flags: list[Flag]) -> list[str]:
    """One line per flag, without its center."""
    from sheetflow.answer_book import flag_text
    from sheetflow.texts import shipped_texts

    items = register.items_for(f.item_key for f in flags if f.item_key)
    texts = shipped_texts(_lang())["master"]
    # Initiatives flagged on their own row (a form's answer there), by key.
    own = {f.initiative_key for f in flags if f.item_key and f.item_key not in items}
    by_key = {i.key: i for i in register.initiatives if i.key in own}
    lines = []
    for flag in flags:
        kinds = ", ".join(
            [_say("flag-" + k) for k in flag.kinds if k != "answer"]
            + [flag_text(a, texts) for a in flag.answers]
        )
        if not flag.item_key:
            lines.append(f"-  [{kinds}]")
            continue
        ini, ms = items.get(flag.item_key) or (by_key[flag.initiative_key], None)
        smiley = symbol(flag.rating.smiley if flag.rating else None) or "-"
        text = _cut(ms.text, 50) if ms else ""
        if ms:
            what = f"{text} ({ms.deadline.text})"
        elif flag.item_key == flag.initiative_key:  # an answer on the initiative's own row
            what = _say("initiative")
        else:
            what = _say("economy")
        label = _cut(ini.label, 60)
        lines.append(f"{smiley}  {label}: {what} [{kinds}]")
    return lines


def _add_web_commands() -> None:
    """serve, user and links (sheetflow.web.cli); Flask loads only when one runs."""
    from sheetflow.web.cli import COMMANDS

    for command in COMMANDS:
        main.add_command(command)


_add_web_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
