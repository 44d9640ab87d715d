"""The web intake from the seats of a center and of finance: upload, verdict,
correction workbook, review; every refusal with its status and nothing recorded."""

from __future__ import annotations

import html
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from helpers import fill, fill_all_green, inputs_of, issued_for
from hostile.make_corpus import zeros_member
from libreoffice import requires_libreoffice
from sheetflow.collect import collect_round
from sheetflow.issue import issue_round
from sheetflow.lifecycle import close_round
from sheetflow.register import init_workspace
from sheetflow.web.store import WebStore
from sheetflow.workspace import Workspace
from test_remind import _with_contacts
from webhelpers import client, csrf, login, make_app, received, upload

CENTER = "Økonomi og Styring"
OTHER = "Ejendomme"


def bad_return(ws: Workspace, target: Path) -> tuple[Path, str]:
    """A return with a smiley that is not one: rejected, with the cell named."""
    _, layout = issued_for(ws, CENTER)
    smileys = inputs_of(layout, "smiley")
    values: dict[str, object] = {a: "☺" for a in smileys}
    values[smileys[0]] = "måske"
    return fill(ws, CENTER, values, target), smileys[0]


def test_center_uploads_a_valid_return_and_sees_accepted(
    issued_ws: Workspace, tmp_path: Path
) -> None:
    ws = issued_ws
    app, store = make_app(ws)
    token = store.link_token(3, CENTER)
    c = client(app)
    page = c.get(f"/c/{token}")
    assert page.status_code == 200
    assert "Mangler" in page.text and CENTER in page.text
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"):
        assert header in page.headers
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert c.get("/style.css").mimetype == "text/css"
    issued, _ = issued_for(ws, CENTER)
    workbook = c.get(f"/c/{token}/workbook")
    assert workbook.status_code == 200 and workbook.data == (ws.root / issued.file).read_bytes()

    resp = upload(c, token, fill_all_green(ws, CENTER, tmp_path / "retur.xlsx"))
    assert resp.status_code == 200
    assert 'id="verdict-word">Godkendt<' in resp.text
    assert received(ws) == [(CENTER, "accepted", resp_name(ws))]
    assert ws.master_path(3).is_file()
    (event,) = [e for e in store.events(3) if e.kind == "upload"]
    assert (event.outcome, event.center, event.address) == ("accepted", CENTER, "127.0.0.1")


def resp_name(ws: Workspace) -> str:
    with __import__("sheetflow.ledger").ledger.Ledger(ws.ledger_path) as ledger:
        (rec,) = ledger.received(3)
    assert rec.original_name.startswith("web_Oekonomi_og_Styring_")
    return rec.original_name


def test_the_same_verdict_as_collect(issued_ws: Workspace, tmp_path: Path) -> None:
    """The page shows exactly the collector's findings, with sheet and cell, and the
    correction workbook it wrote."""
    ws = issued_ws
    path, cell = bad_return(ws, tmp_path / "retur.xlsx")
    twin = Workspace.at(tmp_path / "twin")
    shutil.copytree(ws.root, twin.root)
    (expected,) = collect_round(twin, 3, [path]).files
    app, store = make_app(ws)
    token = store.link_token(3, CENTER)
    c = client(app)
    resp = upload(c, token, path)
    assert resp.status_code == 200
    assert 'id="verdict-word">Afvist<' in resp.text
    rows = re.findall(
        r'data-code="([^"]*)" data-cell="([^"]*)"><td>([^<]*)</td><td>([^<]*)<', resp.text
    )
    rows = [(code, c, html.unescape(where), html.unescape(msg)) for code, c, where, msg in rows]
    verdict_rows = rows[: len(rows) // 2]  # the verdict, then the same return as "latest"
    assert verdict_rows == [
        (f.code, f.cell, f"{f.sheet} / {f.cell}", f.message) for f in expected.findings
    ]
    assert ("invalid-smiley", cell) in [(r[0], r[1]) for r in verdict_rows]
    correction = c.get(f"/c/{token}/correction")
    assert correction.status_code == 200
    wb = openpyxl.load_workbook(__import__("io").BytesIO(correction.data))
    assert wb.sheetnames[0] == "Rettelser"
    assert 'id="correction-link"' in c.get(f"/c/{token}").text


def test_findings_in_the_centers_language(tmp_path: Path, sample_ws: Workspace) -> None:
    ws = sample_ws
    issue_round(ws, 3, [CENTER], lang="en")
    app, store = make_app(ws)
    token = store.link_token(3, CENTER)
    path, cell = bad_return(ws, tmp_path / "return.xlsx")
    resp = upload(client(app), token, path)
    assert 'id="verdict-word">Rejected<' in resp.text
    assert f'data-cell="{cell}"' in resp.text and 'lang="en"' in resp.text


def test_the_link_is_in_the_guide_sheet_and_reissue_is_byte_identical(sample_ws: Workspace) -> None:
    ws = sample_ws
    result = issue_round(ws, 3, [CENTER], link_base="https://budget.example.dk/")
    path = result.workbooks[0].path
    first = path.read_bytes()
    token = make_app(ws)[1].link_token(3, CENTER)
    sheet = openpyxl.load_workbook(path)["Vejledning"]
    link = f"https://budget.example.dk/c/{token}"
    assert any(cell.value == link for row in sheet.iter_rows() for cell in row)
    issue_round(ws, 3, [CENTER], link_base="https://budget.example.dk/", force=True)
    assert path.read_bytes() == first


def test_finance_returns_a_return_with_a_reason_and_the_center_sees_it(
    issued_ws: Workspace, tmp_path: Path
) -> None:
    ws = issued_ws
    app, store = make_app(ws)
    token = store.link_token(3, CENTER)
    center_client = client(app)
    upload(center_client, token, fill_all_green(ws, CENTER, tmp_path / "r.xlsx"))
    finance = client(app)
    assert finance.get("/dashboard/3").status_code == 302  # not logged in
    assert login(finance).status_code == 302
    board = finance.get("/dashboard/3")
    assert board.status_code == 200 and "Godkendt" in board.text
    resp = finance.post(
        "/dashboard/3/review",
        data={
            "center": CENTER,
            "action": "return",
            "reason": "Økonomien mangler for delelement 2",
            "csrf_token": csrf(board.text),
        },
    )
    assert resp.status_code == 200 and f"{CENTER}: Sendt tilbage til rettelse" in resp.text
    page = center_client.get(f"/c/{token}").text
    assert 'id="state-word">Sendt tilbage til rettelse<' in page
    assert html.escape("Økonomien mangler for delelement 2") in page
    assert 'id="correction-link"' in page
    (event,) = [e for e in store.events(3) if e.kind == "review"]
    assert (event.user, event.outcome, event.center) == ("karin", "return", CENTER)
    assert finance.get("/dashboard/3/master.xlsx").data == ws.master_path(3).read_bytes()


# ---- refusals: the right status, and nothing recorded ------------------------------


def test_another_centers_workbook_through_this_link(issued_ws: Workspace, tmp_path: Path) -> None:
    ws = issued_ws
    app, store = make_app(ws)
    token = store.link_token(3, CENTER)
    resp = upload(client(app), token, fill_all_green(ws, OTHER, tmp_path / "x.xlsx"))
    assert resp.status_code == 403
    assert received(ws) == []


def test_a_link_shows_only_its_own_center(issued_ws: Workspace, tmp_path: Path) -> None:
    ws = issued_ws
    app, store = make_app(ws)
    mine, theirs = store.link_token(3, CENTER), store.link_token(3, OTHER)
    c = client(app)
    upload(c, theirs, fill_all_green(ws, OTHER, tmp_path / "x.xlsx"))
    page = c.get(f"/c/{mine}").text
    assert OTHER not in page and "Mangler" in page


@pytest.mark.parametrize("token", ["A" * 32, "../../../etc/passwd", "x", "%00" * 12])
def test_a_guessed_token(issued_ws: Workspace, tmp_path: Path, token: str) -> None:
    ws = issued_ws
    app, _ = make_app(ws)
    c = client(app)
    assert c.get(f"/c/{token}").status_code == 404
    assert c.post(f"/c/{token}/upload", data={}).status_code in (400, 404)
    assert c.get(f"/c/{token}/workbook").status_code == 404
    assert received(ws) == []


def test_a_revoked_link(issued_ws: Workspace, tmp_path: Path) -> None:
    ws = issued_ws
    app, store = make_app(ws)
    old = store.link_token(3, CENTER)
    assert store.revoke(3, CENTER) == 1
    assert client(app).get(f"/c/{old}").status_code == 404
    new = store.link_token(3, CENTER)
    assert new != old and client(app).get(f"/c/{new}").status_code == 200


def test_a_closed_round(issued_ws: Workspace, tmp_path: Path) -> None:
    ws = issued_ws
    app, store = make_app(ws)
    token = store.link_token(3, CENTER)
    path = fill_all_green(ws, CENTER, tmp_path / "r.xlsx")
    c = client(app)
    page = c.get(f"/c/{token}")
    close_round(ws, 3, force=True)
    resp = c.post(
        f"/c/{token}/upload",
        data={"file": (path.open("rb"), "r.xlsx"), "csrf_token": csrf(page.text)},
    )
    assert resp.status_code == 409
    assert received(ws) == []


def test_an_upload_over_the_limit(issued_ws: Workspace, tmp_path: Path) -> None:
    ws = issued_ws
    app, store = make_app(ws, max_upload_mb=1)
    token = store.link_token(3, CENTER)
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024))
    resp = upload(client(app), token, big)
    assert resp.status_code == 413
    assert received(ws) == []
    assert [e.outcome for e in store.events() if e.kind == "center_upload"] == ["too-large"]


def test_a_zip_bomb(issued_ws: Workspace, tmp_path: Path) -> None:
    ws = issued_ws
    app, store = make_app(ws)
    token = store.link_token(3, CENTER)
    bomb = fill_all_green(ws, CENTER, tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as zf:
        zeros_member(zf, "xl/media/zeros.bin", 300 * 1024 * 1024)
    resp = upload(client(app), token, bomb)
    assert resp.status_code == 422
    assert 'data-code="zip-bomb"' in resp.text
    assert received(ws) == []


def test_a_path_traversal_file_name(issued_ws: Workspace, tmp_path: Path) -> None:
    ws = issued_ws
    app, store = make_app(ws)
    token = store.link_token(3, CENTER)
    path = fill_all_green(ws, CENTER, tmp_path / "r.xlsx")
    resp = upload(client(app), token, path, name="../../../../register.xlsx")
    assert resp.status_code == 200
    ((center, verdict, name),) = received(ws)
    assert (center, verdict) == (CENTER, "accepted") and name.startswith("web_")
    assert not (ws.root.parent / "register.xlsx").exists()
    assert not list((ws.root / ".sheetflow-web").glob("upload-*"))  # the upload is gone


def test_a_missing_csrf_token(issued_ws: Workspace, tmp_path: Path) -> None:
    ws = issued_ws
    app, store = make_app(ws)
    token = store.link_token(3, CENTER)
    resp = upload(
        client(app), token, fill_all_green(ws, CENTER, tmp_path / "r.xlsx"), csrf_token=""
    )
    assert resp.status_code == 400
    assert received(ws) == []
    finance = client(app)
    login(finance)
    resp = finance.post("/dashboard/3/review", data={"center": CENTER, "action": "accept"})
    assert resp.status_code == 400


def test_a_wrong_password(issued_ws: Workspace) -> None:
    ws = issued_ws
    app, store = make_app(ws)
    c = client(app)
    assert login(c, password="forkert").status_code == 401
    assert login(c, name="ukendt").status_code == 401
    assert c.get("/dashboard/3").status_code == 302
    assert [e.outcome for e in store.events() if e.kind == "login"] == ["refused", "refused"]


def test_rate_limit_per_link(issued_ws: Workspace, tmp_path: Path) -> None:
    ws = issued_ws
    app, store = make_app(ws, uploads_per_minute=1)
    token = store.link_token(3, CENTER)
    c = client(app)
    path = fill_all_green(ws, CENTER, tmp_path / "r.xlsx")
    assert upload(c, token, path).status_code == 200
    assert upload(c, token, path).status_code == 429
    other = store.link_token(3, OTHER)
    assert client(app).get(f"/c/{other}").status_code == 200


def test_the_collector_agrees(issued_ws: Workspace, tmp_path: Path) -> None:
    """Upload through the page, then collect the same file from the CLI: seen before."""
    ws = issued_ws
    app, store = make_app(ws)
    token = store.link_token(3, CENTER)
    path = fill_all_green(ws, CENTER, tmp_path / "r.xlsx")
    upload(client(app), token, path)
    result = collect_round(ws, 3, [path])
    (f,) = result.files
    assert f.repeated and f.center == CENTER


def test_the_same_file_twice_is_recorded_once(issued_ws: Workspace, tmp_path: Path) -> None:
    ws = issued_ws
    app, store = make_app(ws)
    token = store.link_token(3, CENTER)
    path = fill_all_green(ws, CENTER, tmp_path / "r.xlsx")
    c = client(app)
    assert upload(c, token, path).status_code == 200
    again = upload(c, token, path)
    assert again.status_code == 200 and 'id="verdict-word">Godkendt<' in again.text
    assert [v for _, v, _ in received(ws)] == ["accepted"]
    # The same bytes through another center's link: refused, still recorded once.
    assert upload(client(app), store.link_token(3, OTHER), path).status_code == 403
    outcomes = [e.outcome for e in reversed(store.events(3)) if e.kind == "upload"]
    assert outcomes == ["accepted", "seen-accepted", "other-center"]


def test_finance_writes_reminders_for_the_missing_centers(
    issued_ws: Workspace, tmp_path: Path
) -> None:
    ws = issued_ws
    _with_contacts(ws, skip=OTHER)  # Ejendomme has no e-mail address: skipped
    app, store = make_app(ws)
    green = fill_all_green(ws, CENTER, tmp_path / "r.xlsx")
    upload(client(app), store.link_token(3, CENTER), green)
    finance = client(app)
    login(finance)
    board = finance.get("/dashboard/3")
    resp = finance.post("/dashboard/3/remind", data={"csrf_token": csrf(board.text)})
    assert resp.status_code == 200
    drafts = sorted(p.name for p in ws.reminders_dir(3).glob("*.eml"))
    centers = ws.load_register().responsible_centers()
    assert len(drafts) == len(centers) - 2  # not the one returned, not the one without e-mail
    assert (
        "7 påmindelser skrevet i rounds/3/reminders. 1 uden gyldig e-mail eller ikke sendt."
        in resp.text
    )


@requires_libreoffice
def test_finance_downloads_the_committee_pdf(issued_ws: Workspace, tmp_path: Path) -> None:
    ws = issued_ws
    app, store = make_app(ws)
    upload(
        client(app), store.link_token(3, CENTER), fill_all_green(ws, CENTER, tmp_path / "r.xlsx")
    )
    finance = client(app)
    login(finance)
    resp = finance.get("/dashboard/3/master.pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    assert resp.data == (ws.round_dir(3) / "master.pdf").read_bytes()


def test_links_and_users_from_the_command_line(issued_ws: Workspace) -> None:
    from click.testing import CliRunner

    from sheetflow.cli import main

    ws = issued_ws
    runner = CliRunner()
    base = ["--round", "3", "--base-url", "https://budget.example.dk/"]
    first = runner.invoke(main, ["links", str(ws.root), *base])
    assert first.exit_code == 0, first.output
    links = dict(line.split("\t") for line in first.output.splitlines())
    assert sorted(links) == sorted(ws.load_register().responsible_centers())
    token = links[CENTER].removeprefix("https://budget.example.dk/c/")
    app, _ = make_app(ws)
    assert client(app).get(f"/c/{token}").status_code == 200
    again = runner.invoke(main, ["links", str(ws.root), *base, "--revoke", CENTER])
    renewed = dict(line.split("\t") for line in again.output.splitlines())
    assert renewed[CENTER] != links[CENTER] and renewed[OTHER] == links[OTHER]
    assert client(app).get(f"/c/{token}").status_code == 404
    short = runner.invoke(main, ["user", str(ws.root), "eva", "--password", "kort"])
    assert short.exit_code == 2
    made = runner.invoke(main, ["user", str(ws.root), "eva", "--password", "lang nok adgangskode"])
    assert made.exit_code == 0
    assert login(client(app), "eva", "lang nok adgangskode").status_code == 302


def test_db_is_refused_for_a_workspace_already_on_sqlite(issued_ws: Workspace) -> None:
    from click.testing import CliRunner

    from sheetflow.cli import main

    url = "postgresql://sheetflow@127.0.0.1:1/sheetflow"
    runner = CliRunner()
    res = runner.invoke(main, ["serve", str(issued_ws.root), "--db", url])
    assert res.exit_code == 2 and "ledger.sqlite" in res.output
    res = runner.invoke(main, ["serve", str(issued_ws.root), "--db", "mysql://x"])
    assert res.exit_code == 2 and "postgresql://" in res.output
    assert not (issued_ws.root / "ledger.url").exists()


def test_the_cover_email_carries_the_same_link_as_the_guide_sheet(tmp_path: Path) -> None:
    from email import policy
    from email.parser import BytesParser

    from click.testing import CliRunner

    from person import fill_register
    from sheetflow.cli import main
    from sheetflow.issue import safe_name
    from sheetflow.ledger import Ledger

    ws = Workspace.at(tmp_path / "opfølgning")
    init_workspace(ws, "blank")
    fill_register(ws.register_path)
    args = ["issue", str(ws.root), "--round", "1", "--mail", "--link-base", "https://b.example.dk"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    store = WebStore(ws)
    with Ledger(ws.ledger_path) as ledger:
        issued = ledger.issued_rows(1)
    covers = sorted((ws.round_dir(1) / "outbox").glob("*.eml"))
    assert covers and len(covers) == len(issued)
    for row in issued:
        link = f"https://b.example.dk/c/{store.link_token(1, row.center)}"
        sheet = openpyxl.load_workbook(ws.root / row.file).worksheets[0]
        assert link in [c.hyperlink.target for r in sheet.iter_rows() for c in r if c.hyperlink]
        eml = ws.round_dir(1) / "outbox" / f"{safe_name(row.center)}_v{row.version}.eml"
        body = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
        text = body.get_body(("plain",)).get_content()
        assert f"her og se resultatet med det samme: {link}" in text


def test_the_dashboard_speaks_the_servers_language(issued_ws: Workspace, tmp_path: Path) -> None:
    """`serve --lang en` (or a workspace made with init --lang en): finance's login and
    dashboard in English, no Danish word beyond names and texts from the register."""
    from test_languages import DANISH, words

    ws = issued_ws
    app, store = make_app(ws, lang="en")
    upload(
        client(app), store.link_token(3, CENTER), fill_all_green(ws, CENTER, tmp_path / "r.xlsx")
    )
    finance = client(app)
    page = finance.get("/login").text
    assert "User name" in page and 'lang="en"' in page
    assert login(finance, password="forkert").status_code == 401
    refused = finance.post(
        "/login", data={"name": "karin", "password": "x", "csrf_token": csrf(page)}
    )
    assert "Wrong user name or password." in refused.text
    assert login(finance).status_code == 302
    board = finance.get("/dashboard/3").text
    assert "1 of 9 centers have returned" in board and "Remind the missing centers" in board
    register_names = [CENTER, OTHER, "3. budgetopfølgning 2017", "budget 2017"]
    prose = re.sub("<[^>]+>", " ", html.unescape(board))
    for name in register_names:
        prose = prose.replace(name, " ")
    prose = re.sub(r"Aftale om [^:]*:", " ", prose)
    assert words(prose, DANISH) == []
