"""The ``sheetflow`` command line: a thin layer over the library.

Each verb parses its options, calls one library function, renders the
result and picks the exit code: 0 fine, 1 rejected files or error findings,
2 bad usage (SPEC §5).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from sheetflow import __version__, console
from sheetflow.errors import RegisterError, SheetflowError
from sheetflow.findings import Finding, Severity
from sheetflow.flags import Flag, count_flags
from sheetflow.model import Register
from sheetflow.smiley import symbol
from sheetflow.workspace import DEFAULT_WORKSPACE, Workspace

LANG = click.option(
    "--lang",
    type=click.Choice(["da", "en"]),
    default="da",
    show_default=True,
    help="Sprog i projektmapper og beskeder (da/en).",
)
WORKSPACE = click.argument(
    "workspace", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_WORKSPACE
)


def _t(lang: str, da: str, en: str) -> str:
    return en if lang == "en" else da


def _fail(exc: SheetflowError) -> None:
    click.secho(f"Fejl: {exc}", fg="red", err=True)
    if isinstance(exc, RegisterError):
        for f in exc.findings:
            click.echo(f"  {f.where}: {f.message} [{f.code}]", err=True)
    sys.exit(2)


@contextlib.contextmanager
def _library_errors() -> Iterator[None]:
    try:
        yield
    except SheetflowError as exc:
        _fail(exc)


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Callable[[str], None]]:
    """A live count of files or centers done, on an interactive terminal; silent otherwise.

    The library reports each item as it finishes; how many there will be is
    only known inside it, so the bar counts rather than guessing a total.
    """
    if not sys.stderr.isatty():
        yield lambda _name: None
        return
    from rich.console import Console
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda name: bar.update(task, advance=1, description=f"{label}: {name}")


def _print_findings(findings: list[Finding]) -> None:
    colours = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
    for f in findings:
        click.secho(f"  [{f.severity.value}] ", fg=colours[f.severity], nl=False)
        click.echo(f"{f.where}: {f.message} ({f.code})")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sheetflow")
def main() -> None:
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


@main.command()
@WORKSPACE
@click.option(
    "--sample",
    "source",
    flag_value="sample",
    default=True,
    help="The embedded 2017 sample (default).",
)
@click.option(
    "--from-report",
    "report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A follow-up report exported to text.",
)
@click.option("--blank", "source", flag_value="blank", help="An empty register to fill in.")
@click.option("--force", is_flag=True, help="Overwrite an existing register.xlsx.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def init(workspace: Path, source: str, report: Path | None, force: bool, as_json: bool) -> None:
    """Create WORKSPACE/register.xlsx and print what it holds.

    \b
    Examples:
      sheetflow init out --sample
      sheetflow init out --from-report ../shared/seeds/000_5976020e23f224e8.txt
      sheetflow init out --blank --force
    """
    from sheetflow.register import init_workspace, summarize

    if report is not None:
        source = "report"
    with _library_errors():
        path, register = init_workspace(Workspace.at(workspace), source, report, force=force)
    summary = summarize(register)
    if as_json:
        click.echo(
            json.dumps({"register": str(path), **summary.to_dict()}, ensure_ascii=False, indent=2)
        )
        return
    click.echo(f"Register skrevet: {path}")
    click.echo(
        f"  {summary.initiatives} delelementer i {summary.sections} afsnit, "
        f"{summary.milestones} milepæle (+{summary.placeholders} tomme pladsholdere)"
    )
    click.echo(f"  Opfølgninger: {', '.join(summary.rounds)}")
    click.echo("  Delelementer pr. center:")
    for center, n in summary.centers.items():
        click.echo(f"    {n:3d}  {center}")
    if summary.ratings:
        click.echo("  Smileys pr. opfølgning (grøn/gul/rød):")
        for key, counts in summary.ratings.items():
            rnd, kind = key.split(":")
            label = "milepæle" if kind == "milestone" else "økonomi"
            colours = "/".join(str(counts.get(c, 0)) for c in ("green", "yellow", "red"))
            click.echo(f"    {rnd}. opfølgning, {label}: {colours}")


# -------------------------------------------------------------------- issue


@main.command()
@WORKSPACE
@click.option("--round", "round_ref", required=True, help="The round's number or name, e.g. 3.")
@click.option("--center", "centers", multiple=True, help="Only this center (repeatable).")
@LANG
@click.option("--password", default=None, help="Protect the sheets with this password.")
@click.option("--force", is_flag=True, help="Issue a new version of a round already issued.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def issue(
    workspace: Path,
    round_ref: str,
    centers: tuple[str, ...],
    lang: str,
    password: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Write one workbook per center for a round to WORKSPACE/rounds/<n>/issued/.

    \b
    Examples:
      sheetflow issue out --round 3
      sheetflow issue out --round "3. budgetopfølgning 2017" --center Ejendomme --lang en
    """
    from sheetflow.issue import issue_round

    ws = Workspace.at(workspace)
    with _library_errors(), progress_bar("Udsender") as tick:
        result = issue_round(
            ws,
            round_ref,
            list(centers) or None,
            lang=lang,
            password=password,
            force=force,
            progress=tick,
        )
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
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    click.echo(
        _t(
            lang,
            f"{result.round.name}: {len(result.workbooks)} projektmapper udsendt",
            f"{result.round.name}: {len(result.workbooks)} workbooks issued",
        )
    )
    for w in result.workbooks:
        click.echo(
            f"  {w.path}  ({w.initiatives} delelementer, {w.inputs} smileys at udfylde, v{w.version})"
        )


# ------------------------------------------------------------------ collect


def _flag_lines(flags: list[Flag], lang: str) -> list[str]:
    counts = count_flags(flags)
    names = {
        "red": _t(lang, "røde", "red"),
        "overdue": _t(lang, "overskredne", "overdue"),
        "missing": _t(lang, "mangler smiley", "missing"),
        "not-returned": _t(lang, "ikke indsendt", "not returned"),
    }
    return [f"{names[k]}: {v}" for k, v in counts.items()]


@main.command()
@WORKSPACE
@click.argument("inbox", nargs=-1, type=click.Path(exists=False, path_type=Path))
@click.option("--round", "round_ref", required=True, help="The round's number or name, e.g. 3.")
@LANG
@click.option("--reopen", is_flag=True, help="Collect into a round that was closed.")
@click.option("--json", "as_json", is_flag=True, help="Print files, findings and flags as JSON.")
def collect(
    workspace: Path, inbox: tuple[Path, ...], round_ref: str, lang: str, reopen: bool, as_json: bool
) -> None:
    """Read returned workbooks, validate them, and write the master workbook.

    Reads INBOX files and folders (default WORKSPACE/rounds/<n>/inbox/).
    Writes rounds/<n>/master.xlsx, ratings.csv and findings.csv. Exit code
    0: all accepted; 1: some file rejected or an error finding; 2: bad usage.

    \b
    Examples:
      sheetflow collect out --round 3
      sheetflow collect out --round 3 ~/Downloads/returns/ extra.xlsx --json
    """
    from sheetflow.collect import collect_round

    ws = Workspace.at(workspace)
    with _library_errors(), progress_bar("Indsamler") as tick:
        result = collect_round(
            ws, round_ref, list(inbox) or None, lang=lang, reopen=reopen, progress=tick
        )
    if as_json:
        payload: dict[str, Any] = {
            "round": result.round.number,
            "master": str(result.master),
            "ratings_csv": str(result.ratings_csv),
            "findings_csv": str(result.findings_csv),
            "files": [f.to_dict() for f in result.files],
            "flags": [f.to_dict() for f in result.flags],
            "flag_counts": count_flags(result.flags),
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        sys.exit(result.exit_code)
    click.echo(
        _t(
            lang,
            f"{result.round.name}: {result.count('accepted')} godkendt, {result.count('rejected')} afvist, "
            f"{result.count('superseded')} afløst, {result.count('skipped')} sprunget over",
            f"{result.round.name}: {result.count('accepted')} accepted, {result.count('rejected')} rejected, "
            f"{result.count('superseded')} superseded, {result.count('skipped')} skipped",
        )
    )
    _print_findings(
        [f for f in result.report if f.severity is not Severity.INFO or f.code == "superseded"]
    )
    click.echo(_t(lang, "Markeringer: ", "Flags: ") + ", ".join(_flag_lines(result.flags, lang)))
    click.echo(
        _t(lang, f"Samlet projektmappe: {result.master}", f"Master workbook: {result.master}")
    )
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
    from sheetflow.collect import validate_file

    with _library_errors():
        verdict = validate_file(Workspace.at(workspace), file, round_ref, lang=lang)
    if as_json:
        payload = {
            "file": str(file),
            "accepted": verdict.accepted,
            "center": verdict.center,
            "round": verdict.round,
            "template_id": verdict.template_id,
            "ratings": len(verdict.ratings),
            "findings": [f.to_dict() for f in verdict.findings],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        sys.exit(0 if verdict.accepted else 1)
    state = (
        _t(lang, "godkendes", "accepted") if verdict.accepted else _t(lang, "afvises", "rejected")
    )
    given = sum(1 for r in verdict.ratings if r.smiley is not None)
    about = f" ({verdict.center}, {given} smileys)" if verdict.center else ""
    click.echo(f"{file.name}: {state}{about}")
    _print_findings(verdict.findings)
    sys.exit(0 if verdict.accepted else 1)


# ------------------------------------------------------------------- status


@main.command()
@WORKSPACE
@click.option("--round", "round_ref", default=None, help="The round (default: the latest issued).")
@LANG
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status(workspace: Path, round_ref: str | None, lang: str, as_json: bool) -> None:
    """Who has returned, who is missing, and what is flagged so far.

    \b
    Examples:
      sheetflow status out --round 3
      sheetflow status out --json
    """
    from sheetflow.status import round_status

    with _library_errors():
        st = round_status(Workspace.at(workspace), round_ref)
    if as_json:
        click.echo(json.dumps(st.to_dict(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"{st.round.name} ({_t(lang, 'status pr.', 'as of')} {st.round.as_of:%d.%m.%Y})"
    )
    for header in (
        _t(lang, "Center", "Center"),
        _t(lang, "Udsendt", "Issued"),
        _t(lang, "Modtaget", "Returned"),
        _t(lang, "Status", "Status"),
        _t(lang, "Note", "Note"),
    ):
        table.add_column(header)
    states = {
        "accepted": _t(lang, "godkendt", "accepted"),
        "rejected": _t(lang, "afvist", "rejected"),
        "missing": _t(lang, "mangler", "missing"),
    }
    for c in st.centers:
        received = c.last_received.replace("T", " ")[:16] if c.last_received else "-"
        table.add_row(c.center, str(c.issued), received, states[c.state], c.note)
    Console(width=max(100, shutil.get_terminal_size().columns)).print(table)
    click.echo(_t(lang, "Markeringer: ", "Flags: ") + ", ".join(_flag_lines(st.flags, lang)))


# ------------------------------------------------------------ close, remind


@main.command()
@WORKSPACE
@click.option("--round", "round_ref", required=True, help="The round's number or name, e.g. 3.")
def close(workspace: Path, round_ref: str) -> None:
    """Close a round: collect then refuses it unless given --reopen.

    \b
    Example:
      sheetflow close out --round 3
    """
    from sheetflow.lifecycle import close_round

    with _library_errors():
        rnd = close_round(Workspace.at(workspace), round_ref)
    click.echo(f"{rnd.name} er lukket.")


@main.command()
@WORKSPACE
@click.option("--round", "round_ref", required=True, help="The round's number or name, e.g. 3.")
@click.option(
    "--smtp", default=None, metavar="HOST:PORT", help="Send the reminders through this SMTP server."
)
@LANG
def remind(workspace: Path, round_ref: str, smtp: str | None, lang: str) -> None:
    """Write a reminder e-mail (.eml) to every center without an accepted return.

    Each draft goes to the center's contact on the register's Centre sheet,
    with the center's workbook attached and the deadline stated. Drafts land
    in WORKSPACE/rounds/<n>/reminders/; with --smtp they are also sent.

    \b
    Examples:
      sheetflow remind out --round 3
      sheetflow remind out --round 3 --smtp localhost:25
    """
    from sheetflow.remind import remind as remind_round

    with _library_errors():
        result = remind_round(Workspace.at(workspace), round_ref, smtp=smtp, lang=lang)
    click.echo(
        _t(
            lang,
            f"{result.round.name}: {len(result.drafts)} påmindelser skrevet, {len(result.sent)} sendt",
            f"{result.round.name}: {len(result.drafts)} reminders written, {len(result.sent)} sent",
        )
    )
    for path in result.drafts:
        click.echo(f"  {path}")
    for center, reason in result.skipped:
        click.echo(
            _t(
                lang,
                f"  Ingen påmindelse til {center}: {reason}",
                f"  No reminder for {center}: {reason}",
            )
        )


# --------------------------------------------------------------------- demo


@main.command()
@WORKSPACE
@LANG
def demo(workspace: Path, lang: str) -> None:
    """Run the whole cycle on the embedded 2017 sample and write WORKSPACE/.

    Builds the register (2017 plan, ratings of rounds 1 and 2), issues round 3
    to every center, fills each workbook the way the center really answered,
    collects them and writes the master: the real third follow-up, rebuilt.

    \b
    Example:
      sheetflow demo            # writes out/
      sheetflow demo /tmp/demo
    """
    from sheetflow.demo import run_demo

    with _library_errors(), progress_bar("Demo") as tick:
        result = run_demo(Workspace.at(workspace), lang=lang, progress=tick)
    c = result.collect
    click.echo(
        _t(
            lang,
            f"{c.round.name}: {c.count('accepted')} af {len(result.filled)} centre godkendt",
            f"{c.round.name}: {c.count('accepted')} of {len(result.filled)} centers accepted",
        )
    )
    click.echo(_t(lang, "Markeringer: ", "Flags: ") + ", ".join(_flag_lines(c.flags, lang)))
    for line in describe_flags(result.register, c.flags, lang):
        click.echo(f"  {line}")
    click.echo(
        _t(lang, f"Samlet projektmappe: {result.master}", f"Master workbook: {result.master}")
    )


def describe_flags(register: Register, flags: list[Flag], lang: str) -> list[str]:
    """One line per flagged item: smiley, number and title, item, deadline, kinds."""
    items = register.items()
    names = {
        "red": _t(lang, "rød", "red"),
        "overdue": _t(lang, "overskredet", "overdue"),
        "missing": _t(lang, "mangler smiley", "missing"),
        "not-returned": _t(lang, "ikke indsendt", "not returned"),
    }
    lines = []
    for flag in flags:
        kinds = ", ".join(names[k] for k in flag.kinds)
        if not flag.item_key:
            lines.append(f"-  {flag.center} [{kinds}]")
            continue
        ini, ms = items[flag.item_key]
        smiley = symbol(flag.rating.smiley if flag.rating else None) or "-"
        what = f"{ms.text[:50]} ({ms.deadline.text})" if ms else _t(lang, "Økonomi", "Economy")
        lines.append(f"{smiley}  {ini.label[:45]}: {what} [{kinds}]")
    return lines


if __name__ == "__main__":  # pragma: no cover
    main()
