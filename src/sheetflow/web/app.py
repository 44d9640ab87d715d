"""The web intake as a Flask application (served by waitress, see ``cli``).

Why Flask + waitress: the library is synchronous and does its heavy work in
worker processes under a workspace lock, so a threaded WSGI server fits it
with nothing to bridge; waitress is pure Python and runs the same on Windows
and Linux; Flask brings signed session cookies (itsdangerous) and an upload
limit enforced while the body streams (werkzeug), and Flask-WTF the CSRF
protection of every form.

No request path reaches the file system: files are found through the ledger
(issued workbook, corrections, master) by the link's round and center.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, abort, redirect, render_template, request, send_file, session
from flask import url_for as flask_url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from jinja2 import DictLoader
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from sheetflow.collect import collect_round, sha256_file, validate_file
from sheetflow.correct import correction_path
from sheetflow.errors import SheetflowError, UsageError, WorkspaceBusy
from sheetflow.findings import Finding, finding_from_dict, todo
from sheetflow.issue import safe_name
from sheetflow.ledger import Ledger, Received
from sheetflow.lifecycle import is_closed
from sheetflow.model import Round
from sheetflow.review import review
from sheetflow.roundstate import CenterState, round_state
from sheetflow.web.pages import CSS, TEMPLATES, web_texts
from sheetflow.web.store import Link, WebStore
from sheetflow.workspace import Workspace

T = TypeVar("T")

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@dataclass
class Settings:
    """What ``sheetflow serve`` sets; the defaults suit one person on loopback."""

    max_upload_mb: int = 20
    uploads_per_minute: int = 10  # per link
    logins_per_minute: int = 10  # per address
    lock_wait_seconds: float = 120.0  # how long an upload waits for the workspace
    secure_cookies: bool = True
    base_url: str = ""  # how centers reach the server (for links on the dashboard)
    smtp: str | None = None  # host:port to send reminders through; else drafts (.eml)
    lang: str = "da"  # the dashboard's language (a center's page speaks its workbook's)


@dataclass
class RateLimit:
    """At most ``count`` events per key in a sliding minute (per server process)."""

    count: int
    seen: dict[str, collections.deque[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self.lock:
            times = self.seen.setdefault(key, collections.deque())
            while times and now - times[0] > 60:
                times.popleft()
            if len(times) >= self.count:
                return False
            times.append(now)
            return True


class Writer:
    """Runs a library step that writes to the workspace, one at a time in this process,
    waiting (not failing) while another process or a CLI command holds the lock."""

    def __init__(self, workspace: Workspace, wait: float) -> None:
        self.workspace = workspace
        self.wait = wait
        self.lock = threading.Lock()

    def run(self, step: Callable[[], T]) -> T:
        deadline = time.monotonic() + self.wait
        delay = 0.05
        with self.lock:
            while True:
                try:
                    return step()
                except WorkspaceBusy:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(delay)  # another process holds the workspace: wait our turn
                    delay = min(delay * 2, 1.0)


@dataclass(frozen=True)
class Shown:
    """A finding as the page shows it."""

    code: str
    sheet: str
    cell: str
    message: str
    todo: str


def shown(findings: list[Finding], lang: str) -> list[Shown]:
    return [Shown(f.code, f.sheet, f.cell, f.render(lang), todo(f, lang)) for f in findings]


def verdict_css(word: str) -> str:
    if word.startswith("accepted"):
        return "ok"
    if word in ("rejected", "no-answers", "returned"):
        return "bad"
    return "mid"


def create_app(workspace: Workspace, settings: Settings | None = None) -> Flask:
    """The application for one workspace."""
    settings = settings or Settings()
    store = WebStore(workspace)
    writer = Writer(workspace, settings.lock_wait_seconds)
    upload_limit = RateLimit(settings.uploads_per_minute)
    smtp_server = None
    if settings.smtp:  # host:port; a login from SHEETFLOW_SMTP_USER / _PASSWORD
        from sheetflow.mail.outbox import Smtp

        user = os.environ.get("SHEETFLOW_SMTP_USER")
        password = os.environ.get("SHEETFLOW_SMTP_PASSWORD")
        smtp_server = Smtp.parse(settings.smtp, user, password)
    login_limit = RateLimit(settings.logins_per_minute)
    app = Flask("sheetflow.web")
    app.jinja_loader = DictLoader(TEMPLATES)
    app.config.update(
        SECRET_KEY=store.session_key(),
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        MAX_FORM_MEMORY_SIZE=64 * 1024,
        SESSION_COOKIE_NAME="__Host-sheetflow" if settings.secure_cookies else "sheetflow",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        WTF_CSRF_SSL_STRICT=False,  # the referrer check needs https; the token is what counts
    )
    CSRFProtect(app)
    app.extensions["sheetflow.store"] = store

    def address() -> str:
        return request.remote_addr or ""

    @app.after_request
    def headers(resp: Response) -> Response:
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "no-referrer"  # the link is the key: never leak it
        resp.headers["Cache-Control"] = "no-store"
        if settings.secure_cookies:
            resp.headers["Strict-Transport-Security"] = "max-age=31536000"
        return resp

    def message(title: str, text: str, status: int, lang: str = "da") -> tuple[str, int]:
        return render_template("message.html", title=title, message=text, lang=lang), status

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[str, int]:
        store.record(
            request.endpoint or "?", address(), "csrf-refused", detail=str(exc.description)
        )
        return message("sheetflow", web_texts(settings.lang)["csrf"], 400, settings.lang)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_exc: RequestEntityTooLarge) -> tuple[str, int]:
        store.record(request.endpoint or "?", address(), "too-large")
        text = web_texts(settings.lang)["too_large"].format(mb=settings.max_upload_mb)
        return message("sheetflow", text, 413, settings.lang)

    @app.get("/style.css")
    def stylesheet() -> Response:
        return Response(CSS, mimetype="text/css")

    # ---- the center's page -------------------------------------------------

    def link_or_404(token: str) -> tuple[Link, Round, str]:
        link = store.resolve(token)
        register = workspace.load_register()
        rnd = register.find_round(link.round) if link else None
        if link is None or rnd is None:
            store.record("link", address(), "unknown-link")
            abort(404)
        with Ledger(workspace.ledger_path, read_only=True) as ledger:
            issued = [i for i in ledger.issued_rows(rnd.number) if i.center == link.center]
            lang = next(
                (i.lang for i in ledger.issued(rnd.number) if i.center == link.center), "da"
            )
        if not issued:
            abort(404)
        return link, rnd, lang

    @app.errorhandler(404)
    def not_found(_exc: Exception) -> tuple[str, int]:
        return message("sheetflow", web_texts(settings.lang)["not_found"], 404, settings.lang)

    def center_page(
        token: str,
        link: Link,
        rnd: Round,
        lang: str,
        *,
        result: dict[str, Any] | None = None,
        error: str = "",
        status: int = 200,
    ) -> tuple[str, int]:
        t = web_texts(lang)
        register = workspace.load_register()
        with Ledger(workspace.ledger_path, read_only=True) as ledger:
            state = round_state(register, rnd, ledger)
            closed = is_closed(ledger, rnd)
        c = state.center(link.center)
        assert c is not None
        latest = c.latest
        reason = c.review.reason if c.review and c.state is CenterState.RETURNED else ""
        correction = _correction_for(workspace, rnd, c.versions[-1].file if c.versions else "")
        show_correction = correction is not None and c.state in (
            CenterState.REJECTED,
            CenterState.RETURNED,
            CenterState.ACCEPTED_WITH_REMARKS,
            CenterState.ACCEPTED_LATER_REJECTED,
        )
        html = render_template(
            "center.html",
            lang=lang,
            t=t,
            token=token,
            title=t["center_title"].format(center=link.center, round=rnd.name),
            state={
                "word": t[f"s_{c.state.value}"],
                "css": verdict_css(c.state.value),
                "reason": t["review_reason"].format(reason=reason) if reason else "",
            },
            latest=_latest(latest, lang, t),
            correction=show_correction,
            result=result,
            error=error,
            open=not closed,
            max_mb=settings.max_upload_mb,
        )
        return html, status

    @app.get("/c/<token>")
    def center(token: str) -> tuple[str, int]:
        link, rnd, lang = link_or_404(token)
        return center_page(token, link, rnd, lang)

    @app.get("/c/<token>/workbook")
    def center_workbook(token: str) -> Response:
        link, rnd, _ = link_or_404(token)
        with Ledger(workspace.ledger_path, read_only=True) as ledger:
            rows = [i for i in ledger.issued_rows(rnd.number) if i.center == link.center]
        path = workspace.root / rows[-1].file  # from the ledger, never from the request
        store.record("download", address(), "ok", link=link)
        return send_file(path, as_attachment=True, download_name=Path(rows[-1].file).name)

    @app.get("/c/<token>/correction")
    def center_correction(token: str) -> Response:
        link, rnd, _ = link_or_404(token)
        with Ledger(workspace.ledger_path, read_only=True) as ledger:
            rows = [i for i in ledger.issued_rows(rnd.number) if i.center == link.center]
        path = _correction_for(workspace, rnd, rows[-1].file)
        if path is None:
            abort(404)
        store.record("download-correction", address(), "ok", link=link)
        return send_file(path, as_attachment=True, download_name=path.name)

    @app.post("/c/<token>/upload")
    def center_upload(token: str) -> tuple[str, int]:
        link, rnd, lang = link_or_404(token)
        t = web_texts(lang)
        if not upload_limit.allow(str(link.id)):
            store.record("upload", address(), "rate-limited", link=link)
            return center_page(token, link, rnd, lang, error=t["too_many"], status=429)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            store.record("upload", address(), "no-file", link=link)
            return center_page(token, link, rnd, lang, error=t["no_file"], status=400)
        with Ledger(workspace.ledger_path, read_only=True) as ledger:
            if is_closed(ledger, rnd):
                store.record("upload", address(), "round-closed", link=link)
                return center_page(token, link, rnd, lang, error=t["round_closed"], status=409)
        with tempfile.TemporaryDirectory(dir=store.dir, prefix="upload-") as tmp:
            # The name is ours: the center's file name and type decide nothing.
            saved = Path(tmp) / "upload"
            upload.save(saved)
            sha = sha256_file(saved)
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
            path = saved.rename(Path(tmp) / f"web_{safe_name(link.center)}_{stamp}_{sha[:8]}.xlsx")
            with Ledger(workspace.ledger_path, read_only=True) as ledger:
                seen = ledger.received_by_hash(rnd.number, sha)
            if seen is not None:  # the same bytes again: the recorded verdict, no new run
                if seen.center != link.center:
                    store.record("upload", address(), "other-center", link=link)
                    return center_page(token, link, rnd, lang, error=t["other_center"], status=403)
                store.record(
                    "upload", address(), f"seen-{seen.verdict}", link=link, detail=seen.sha256
                )
                findings = [finding_from_dict(d) for d in seen.finding_list]
                again = {
                    "word": t[f"v_{seen.verdict}"],
                    "css": verdict_css(seen.verdict),
                    "findings": shown(findings, lang),
                }
                return center_page(token, link, rnd, lang, result=again)
            check = validate_file(workspace, path, rnd.number)
            if check.center is None:  # not a workbook of this round: refused, not recorded
                store.record("upload", address(), "unidentified", link=link)
                refused = {
                    "word": t["v_rejected"],
                    "css": "bad",
                    "findings": shown(check.findings, lang),
                }
                return center_page(token, link, rnd, lang, result=refused, status=422)
            if check.center != link.center or check.round not in (None, rnd.number):
                store.record(
                    "upload", address(), "other-center", link=link, detail=str(check.center)
                )
                return center_page(token, link, rnd, lang, error=t["other_center"], status=403)
            try:
                result = writer.run(lambda: collect_round(workspace, rnd.number, [path], lang=lang))
            except WorkspaceBusy:
                store.record("upload", address(), "busy", link=link)
                return center_page(token, link, rnd, lang, error=t["busy"], status=503)
        (f,) = result.files
        store.record("upload", address(), f.verdict.value, link=link, detail=f.sha256)
        shown_result = {
            "word": t[f"v_{f.verdict.value}"],
            "css": verdict_css(f.verdict.value),
            "findings": shown(f.findings, lang),
        }
        return center_page(token, link, rnd, lang, result=shown_result)

    # ---- finance -----------------------------------------------------------

    def login_required() -> str:
        user = session.get("user")
        if not isinstance(user, str):
            abort(redirect(flask_url_for("login")))
        return user

    @app.get("/")
    def home() -> WerkzeugResponse:
        return redirect(flask_url_for("dashboard"))

    board = web_texts(settings.lang)  # finance's pages: the dashboard and its login

    def login_page(error: str, name: str) -> str:
        return render_template(
            "login.html",
            lang=settings.lang,
            t=board,
            title=board["l_title"],
            error=error,
            name=name,
        )

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "GET":
            return login_page("", "")
        name = request.form.get("name", "")[:100]
        password = request.form.get("password", "")[:1000]
        if not login_limit.allow(address()):
            store.record("login", address(), "rate-limited", user=name)
            return login_page(board["l_too_many"], name), 429
        if not store.check_password(name, password):
            store.record("login", address(), "refused", user=name)
            return login_page(board["l_wrong"], name), 401
        session.clear()  # a fresh session at login: no fixation
        session["user"] = name
        session.permanent = True
        store.record("login", address(), "ok", user=name)
        return redirect(flask_url_for("dashboard"))

    @app.post("/logout")
    def logout() -> WerkzeugResponse:
        session.clear()
        return redirect(flask_url_for("login"))

    @app.get("/dashboard")
    def dashboard() -> Any:
        login_required()
        with Ledger(workspace.ledger_path, read_only=True) as ledger:
            latest = max(
                (
                    r.number
                    for r in workspace.load_register().rounds
                    if ledger.issued_rows(r.number)
                ),
                default=None,
            )
        if latest is None:
            return message("sheetflow", "Der er ikke udsendt noget endnu.", 200)
        return redirect(flask_url_for("dashboard_round", number=latest))

    def dashboard_page(
        number: int, msg: str = "", error: str = "", status: int = 200
    ) -> tuple[str, int]:
        user = login_required()
        register = workspace.load_register()
        rnd = register.find_round(number)
        if rnd is None:
            abort(404)
        with Ledger(workspace.ledger_path, read_only=True) as ledger:
            state = round_state(register, rnd, ledger)
        centers = [_center_row(c, store, rnd.number, settings) for c in state.centers]
        html = render_template(
            "dashboard.html",
            lang=settings.lang,
            t=board,
            title=f"{register.info.agreement}: {rnd.name}",
            user=user,
            rounds=register.rounds,
            number=number,
            state=state,
            centers=centers,
            returned=sum(c.state.returned for c in state.centers),
            total=len(state.centers),
            missing=len(state.missing),
            reminders=[c.center for c in state.owing],  # as remind sends them
            flags=[f"{f.center} {f.item_key}: {', '.join(f.kinds)}" for f in state.flags],
            master=workspace.master_path(number).is_file(),
            events=store.events(number, 30),
            message=msg,
            error=error,
        )
        return html, status

    @app.get("/dashboard/<int:number>")
    def dashboard_round(number: int) -> tuple[str, int]:
        return dashboard_page(number)

    @app.post("/dashboard/<int:number>/review")
    def dashboard_review(number: int) -> tuple[str, int]:
        user = login_required()
        center_name = request.form.get("center", "")
        action = request.form.get("action", "")
        reason = request.form.get("reason", "").strip()
        if action not in ("accept", "return"):
            abort(400)
        try:
            res = writer.run(
                lambda: review(
                    workspace,
                    number,
                    center_name,
                    accept=action == "accept",
                    reason=reason if action == "return" else None,
                )
            )
        except SheetflowError as exc:
            store.record(
                "review",
                address(),
                "refused",
                user=user,
                round_number=number,
                center=center_name,
                detail=str(exc),
            )
            return dashboard_page(
                number, error=str(exc), status=409 if not isinstance(exc, UsageError) else 400
            )
        store.record(
            "review",
            address(),
            action,
            user=user,
            round_number=number,
            center=center_name,
            detail=reason,
        )
        return dashboard_page(number, msg=f"{res.center}: {board[f's_{res.state.value}']}")

    @app.post("/dashboard/<int:number>/remind")
    def dashboard_remind(number: int) -> tuple[str, int]:
        user = login_required()
        from sheetflow.remind import remind

        try:
            res = writer.run(lambda: remind(workspace, number, smtp=smtp_server))
        except SheetflowError as exc:
            store.record("remind", address(), "refused", user=user, round_number=number)
            return dashboard_page(number, error=str(exc), status=400)
        done = len(res.sent) if settings.smtp else len(res.drafts)
        key = "d_reminders_sent" if settings.smtp else "d_reminders_written"
        said = board[key].format(count=done, folder=f"rounds/{number}/reminders")
        left = len(res.skipped) + len(res.failed)
        if left:
            said += " " + board["d_reminders_left"].format(count=left)
        store.record("remind", address(), "ok", user=user, round_number=number, detail=f"{done}")
        return dashboard_page(number, msg=said)

    @app.get("/dashboard/<int:number>/master.xlsx")
    def dashboard_master(number: int) -> Response:
        login_required()
        path = workspace.master_path(number)
        if not path.is_file():
            abort(404)
        return send_file(path, as_attachment=True, download_name=f"master_runde_{number}.xlsx")

    @app.get("/dashboard/<int:number>/master.pdf")
    def dashboard_pdf(number: int) -> Response:
        login_required()
        from sheetflow.report import committee_pdf

        try:
            pdf = writer.run(lambda: committee_pdf(workspace, number))
        except SheetflowError as exc:
            return Response(str(exc), status=409, mimetype="text/plain")
        return send_file(pdf, as_attachment=True, download_name=f"udvalg_runde_{number}.pdf")

    app.jinja_env.globals["url_for"] = flask_url_for
    return app


def _correction_for(workspace: Workspace, rnd: Round, issued_file: str) -> Path | None:
    if not issued_file:
        return None
    path = correction_path(workspace, rnd, issued_file)
    return path if path.is_file() else None


def _latest(rec: Received | None, lang: str, t: dict[str, str]) -> dict[str, Any] | None:
    if rec is None:
        return None
    findings = [finding_from_dict(d) for d in rec.finding_list]
    return {
        "word": t[f"v_{rec.verdict}"],
        "at": rec.received_at[:16].replace("T", " ") + " UTC",
        "findings": shown(findings, lang),
    }


def _center_row(c: Any, store: WebStore, number: int, settings: Settings) -> dict[str, Any]:
    t, base_url = web_texts(settings.lang), settings.base_url
    reason = c.review.reason if c.review and c.state is CenterState.RETURNED else ""
    link = ""
    if base_url:
        link = f"{base_url.rstrip('/')}/c/{store.link_token(number, c.center)}"
    return {
        "name": c.center,
        "word": t[f"s_{c.state.value}"],
        "css": verdict_css(c.state.value),
        "reason": reason,
        "files": len(c.received),
        "link": link,
        "reviewable": c.accepted is not None
        and c.state
        in (CenterState.ACCEPTED, CenterState.ACCEPTED_WITH_REMARKS, CenterState.RETURNED),
    }


__all__ = ["Settings", "create_app"]
