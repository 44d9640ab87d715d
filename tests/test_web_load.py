"""Load: two ``sheetflow serve`` processes on one workspace whose ledger is in
PostgreSQL, 200 uploads from 50 concurrent clients on loopback. Every upload is
answered with a verdict, every distinct return is recorded exactly once, and the
master equals a ``collect`` of the same files, in the same order, on SQLite.

Slow (about a minute or two): runs when SHEETFLOW_LOAD_TEST=1 (.ci/run does, once).
Prints what it measured.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import http.cookiejar
import os
import random
import re
import shutil
import statistics
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import fill, fill_all_green, inputs_of, issued_for
from pgserver import new_database, postgresql, requires_postgresql
from sheetflow.collect import collect_round
from sheetflow.issue import issue_round
from sheetflow.ledger import Ledger
from sheetflow.pgledger import bind_workspace
from sheetflow.register import init_workspace
from sheetflow.web.store import WebStore
from sheetflow.workspace import Workspace
from test_ledger_postgresql import _sheets
from webserver import free_port, server

pytestmark = [
    pytest.mark.load,
    requires_postgresql,
    pytest.mark.skipif(
        not os.environ.get("SHEETFLOW_LOAD_TEST"), reason="set SHEETFLOW_LOAD_TEST=1 to run"
    ),
]

UPLOADS = 200
CLIENTS = 50
DEADLINE = 900.0  # seconds for all uploads; each client gives up on a request after this
WORDS = {"Godkendt": "accepted", "Afvist": "rejected", "Ikke udfyldt": "no-answers"}


@dataclass(frozen=True)
class Return:
    center: str
    path: Path
    sha256: str


def returns(ws: Workspace, folder: Path) -> list[Return]:
    """Per center: a valid return and two with a smiley that is not one."""
    out = []
    for n, center in enumerate(ws.load_register().responsible_centers()):
        paths = [fill_all_green(ws, center, folder / f"{n}_ok.xlsx")]
        _, layout = issued_for(ws, center)
        smileys = inputs_of(layout)
        for v in (1, 2) if smileys else ():
            values: dict[str, object] = {a: "☺" for a in smileys}
            values[smileys[0]] = f"måske {v}"
            paths.append(fill(ws, center, values, folder / f"{n}_bad{v}.xlsx"))
        for p in paths:
            out.append(Return(center, p, hashlib.sha256(p.read_bytes()).hexdigest()))
    return out


def multipart(fields: dict[str, str], file: Path) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="r.xlsx"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + file.read_bytes()
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def one_client(
    ports: list[int], jobs: list[tuple[Return, str]], client: int
) -> list[tuple[Return, int, str, float]]:
    """A center's browser: open the page, post the file; status, verdict and seconds."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    results = []
    for n, (ret, token) in enumerate(jobs):
        base = f"http://127.0.0.1:{ports[(client + n) % len(ports)]}/c/{token}"
        start = time.monotonic()
        page = opener.open(base, timeout=DEADLINE).read().decode()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf, page[:300]
        body, ctype = multipart({"csrf_token": csrf.group(1)}, ret.path)
        req = urllib.request.Request(f"{base}/upload", body, {"Content-Type": ctype})
        try:
            resp = opener.open(req, timeout=DEADLINE)
            status, text = resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode()
        word = re.search(r'id="verdict-word">([^<]+)<', text)
        results.append((ret, status, word.group(1) if word else "", time.monotonic() - start))
    return results


def test_two_servers_200_uploads_50_clients(tmp_path: Path) -> None:
    with postgresql() as pg:
        url = new_database(pg, "load")
        team = Workspace.at(tmp_path / "team ø")
        init_workspace(team, "sample")
        bind_workspace(team.root, url)
        issue_round(team, 3)
        files = returns(team, tmp_path / "files")
        store = WebStore(team)
        tokens = {c: store.link_token(3, c) for c in {r.center for r in files}}
        rng = random.Random(17)
        plan = [files[i % len(files)] for i in range(UPLOADS)]
        rng.shuffle(plan)
        per_client = [[(r, tokens[r.center]) for r in plan[c::CLIENTS]] for c in range(CLIENTS)]
        ports = [free_port(), free_port()]
        args = [
            "--plain-http",
            "--uploads-per-minute",
            "10000",
            "--lock-wait",
            "600",
            "--threads",
            "16",
        ]
        with server(team.root, ports[0], *args), server(team.root, ports[1], *args):
            start = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
                futures = [
                    pool.submit(one_client, ports, jobs, c) for c, jobs in enumerate(per_client)
                ]
                answered = [r for f in futures for r in f.result(timeout=DEADLINE)]
            elapsed = time.monotonic() - start
        with Ledger(team.ledger_path) as ledger:
            recorded = ledger.received(3)

    # Every upload answered, with a verdict.
    assert len(answered) == UPLOADS
    assert sorted({(status, word in WORDS) for _, status, word, _ in answered}) == [(200, True)]
    # Every distinct return recorded exactly once.
    assert sorted(r.sha256 for r in recorded) == sorted(r.sha256 for r in files)

    # The oracle: the CLI's collect, on SQLite, of the same files in the order recorded.
    lite = Workspace.at(tmp_path / "lite")
    init_workspace(lite, "sample")
    issue_round(lite, 3)
    by_sha = {r.sha256: r for r in files}
    verdict_of = {}
    for rec in recorded:  # under the name the server gave it (the findings sheet lists it)
        named = tmp_path / "oracle" / str(rec.id) / rec.original_name
        named.parent.mkdir(parents=True)
        shutil.copyfile(by_sha[rec.sha256].path, named)
        (f,) = collect_round(lite, 3, [named]).files
        verdict_of[rec.sha256] = f.verdict.value
    assert {r.sha256: r.verdict for r in recorded} == verdict_of
    for ret, _, word, _ in answered:  # what each client saw is what collect says
        assert WORDS[word] == verdict_of[ret.sha256], ret.path.name
    assert _sheets(team.master_path(3)) == _sheets(lite.master_path(3))
    assert team.ratings_csv(3).read_bytes() == lite.ratings_csv(3).read_bytes()

    seconds = sorted(s for *_, s in answered)
    print(
        f"\nload: {UPLOADS} uploads, {CLIENTS} clients, 2 servers, {len(files)} distinct files: "
        f"{elapsed:.1f} s, {UPLOADS / elapsed:.1f} uploads/s; per upload "
        f"median {statistics.median(seconds):.2f} s, "
        f"p95 {seconds[int(len(seconds) * 0.95) - 1]:.2f} s, max {seconds[-1]:.2f} s"
    )
    assert elapsed < DEADLINE
