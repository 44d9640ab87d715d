"""A PostgreSQL server of the test's own: initdb on a temporary data directory,
listening on 127.0.0.1 only, trust authentication, stopped at the end.

Debian's server binaries live in /usr/lib/postgresql/<version>/bin; as root,
they run as the ``postgres`` user (initdb refuses root)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from webserver import free_port


def pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


PG_BIN = pg_bin()
requires_postgresql = pytest.mark.skipif(PG_BIN is None, reason="PostgreSQL is not installed")


def _as_server_user() -> list[str]:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"]
    return []


@contextlib.contextmanager
def postgresql() -> Iterator[str]:
    """A fresh server; yields a URL of its maintenance database ``postgres``."""
    assert PG_BIN is not None
    base = Path(tempfile.mkdtemp(prefix="sheetflow-pg-"))
    data = base / "data"
    run = _as_server_user()
    if run:
        shutil.chown(base, "postgres", "postgres")
    port = free_port()
    subprocess.run(
        [
            *run,
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off -c max_connections=200"
    )
    subprocess.run(
        [
            *run,
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(base / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*run, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def new_database(url: str, name: str) -> str:
    """A new, empty database on the server of ``url``; its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}"
