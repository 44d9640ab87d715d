"""Helpers for the web intake's tests: an app on a workspace, a center's link,
the CSRF token a page carries, and what the ledger and the audit trail hold."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from sheetflow.ledger import Ledger
from sheetflow.web.app import Settings, create_app
from sheetflow.web.store import WebStore
from sheetflow.workspace import Workspace

BASE = "https://localhost"
PASSWORD = "korrekt hest batteri"


def make_app(ws: Workspace, **settings: object) -> tuple[Flask, WebStore]:
    app = create_app(ws, Settings(**settings))  # type: ignore[arg-type]
    store: WebStore = app.extensions["sheetflow.store"]
    store.add_user("karin", PASSWORD)
    return app, store


def client(app: Flask) -> FlaskClient:
    c = app.test_client()
    c.environ_base["wsgi.url_scheme"] = "https"  # the proxy's scheme: Secure cookies travel
    return c


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def upload(
    c: FlaskClient, token: str, path: Path, name: str | None = None, csrf_token: str | None = None
):
    """Open the center's page and post ``path`` through its form, as a browser would."""
    page = c.get(f"/c/{token}")
    assert page.status_code == 200
    data: dict[str, object] = {"file": (path.open("rb"), name or path.name)}
    data["csrf_token"] = csrf(page.text) if csrf_token is None else csrf_token
    return c.post(f"/c/{token}/upload", data=data, content_type="multipart/form-data")


def received(ws: Workspace, round_number: int = 3) -> list[tuple[str | None, str, str]]:
    with Ledger(ws.ledger_path) as ledger:
        return [(r.center, r.verdict, r.original_name) for r in ledger.received(round_number)]


def login(c: FlaskClient, name: str = "karin", password: str = PASSWORD):
    page = c.get("/login")
    return c.post(
        "/login", data={"name": name, "password": password, "csrf_token": csrf(page.text)}
    )
