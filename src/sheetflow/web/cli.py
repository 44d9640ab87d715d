"""``sheetflow serve``, ``sheetflow user`` and ``sheetflow links``: the web intake's commands.

Flask and waitress are imported only when a command runs, so the CLI works
without the ``web`` extra installed until the server is asked for.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sheetflow.clilang import LANG, current_language, say
from sheetflow.workspace import DEFAULT_WORKSPACE, Workspace

WORKSPACE = click.argument(
    "workspace", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_WORKSPACE
)


def _need_web() -> None:
    try:
        import argon2  # noqa: F401
        import flask  # noqa: F401
        import waitress  # noqa: F401
    except ImportError:
        _error(say("web-extra-missing"))


@click.command()
@WORKSPACE
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, help="Port to listen on.")
@click.option(
    "--base-url",
    default="",
    help="The address centers use (https://…), for the links on the dashboard.",
)
@click.option(
    "--db",
    default=None,
    help="The team's ledger in PostgreSQL (postgresql://user@host/db); remembered in WORKSPACE.",
)
@click.option("--max-upload-mb", default=20, show_default=True, help="Largest upload accepted.")
@click.option(
    "--uploads-per-minute",
    default=10,
    show_default=True,
    help="Uploads one link may make a minute.",
)
@click.option(
    "--lock-wait",
    default=120.0,
    show_default=True,
    help="Seconds an upload waits for the workspace while others are recorded.",
)
@click.option("--smtp", default=None, help="host:port to send the dashboard's reminders through.")
@click.option("--threads", default=8, show_default=True, help="Requests served at once.")
@click.option(
    "--behind-proxy",
    is_flag=True,
    help="Trust X-Forwarded-For/-Proto from one TLS-terminating proxy in front.",
)
@click.option(
    "--plain-http",
    is_flag=True,
    help="Session cookies without 'Secure' (only for trying it out on this machine).",
)
@LANG
def serve(
    workspace: Path,
    host: str,
    port: int,
    base_url: str,
    db: str | None,
    max_upload_mb: int,
    uploads_per_minute: int,
    lock_wait: float,
    smtp: str | None,
    threads: int,
    behind_proxy: bool,
    plain_http: bool,
    lang: str,
) -> None:
    """Start the web intake for WORKSPACE (binds 127.0.0.1 unless --host says otherwise).

    \b
    Examples:
      sheetflow serve out --base-url https://opfoelgning.kommune.dk
      sheetflow serve out --db postgresql://okonomi@db/opfoelgning --host 0.0.0.0
    """
    _need_web()
    from waitress import serve as waitress_serve

    from sheetflow.web.app import Settings, create_app

    ws = Workspace.at(workspace)
    _bind(ws, db)
    if not ws.has_ledger:
        _error(say("serve-nothing-issued", root=ws.root))
    settings = Settings(
        max_upload_mb=max_upload_mb,
        uploads_per_minute=uploads_per_minute,
        lock_wait_seconds=lock_wait,
        secure_cookies=not plain_http,
        base_url=base_url,
        smtp=smtp,
        lang=lang,
    )
    app = create_app(ws, settings)
    if behind_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    click.echo(say("serve-listening", url=f"http://{host}:{port}/"), err=True)
    waitress_serve(
        app,
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=(max_upload_mb + 1) * 1024 * 1024,
        ident="sheetflow",
    )


@click.command()
@WORKSPACE
@click.argument("name")
@click.option(
    "--db",
    default=None,
    help="The team's ledger in PostgreSQL (postgresql://user@host/db); remembered in WORKSPACE.",
)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The password (asked for when not given).",
)
@LANG
def user(workspace: Path, name: str, db: str | None, password: str, lang: str) -> None:
    """Add a finance user to the dashboard, or set a new password.

    \b
    Example:
      sheetflow user out karin        # asks for the password twice
    """
    _need_web()
    _bind(Workspace.at(workspace), db)
    from sheetflow.web.store import WebStore

    if len(password) < 10:
        _error(say("password-short"))
    WebStore(Workspace.at(workspace)).add_user(name, password)
    click.echo(say("user-added", name=name))


@click.command()
@WORKSPACE
@click.option("--round", "round_ref", required=True, help="The round's number or name, e.g. 3.")
@click.option("--base-url", required=True, help="The address centers use, e.g. https://…")
@click.option("--revoke", "revoke", multiple=True, help="Revoke this center's link (repeatable).")
@LANG
def links(
    workspace: Path, round_ref: str, base_url: str, revoke: tuple[str, ...], lang: str
) -> None:
    """Print each center's upload link for a round; --revoke closes a link (a new one follows).

    \b
    Examples:
      sheetflow links out --round 3 --base-url https://opfoelgning.kommune.dk
      sheetflow links out --round 3 --base-url https://… --revoke Ejendomme
    """
    _need_web()
    from sheetflow.errors import SheetflowError
    from sheetflow.web.store import WebStore

    ws = Workspace.at(workspace)
    try:
        register = ws.load_register()
        rnd = ws.resolve_round(register, round_ref)
    except SheetflowError as exc:
        _error(exc.render(current_language()))
    store = WebStore(ws)
    for center in revoke:
        store.revoke(rnd.number, center)
    for center in register.responsible_centers():
        click.echo(f"{center}\t{link_url(base_url, store.link_token(rnd.number, center))}")


def _bind(ws: Workspace, db: str | None) -> None:
    """``--db``: the workspace's ledger lives in PostgreSQL from now on."""
    if db is None:
        return
    from sheetflow.errors import SheetflowError
    from sheetflow.pgledger import bind_workspace

    try:
        bind_workspace(ws.root, db)
    except SheetflowError as exc:
        _error(exc.render(current_language()))


def _error(message: str) -> None:
    """A usage problem in the run's language: exit 2."""
    click.secho(say("error", message=message), fg="red", err=True)
    sys.exit(2)


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/c/{token}"


COMMANDS = (serve, user, links)
