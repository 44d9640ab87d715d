"""Pytest-side helpers that drive headless LibreOffice Calc.

The UNO bridge only exists for the system interpreter, so everything that
touches LibreOffice runs in ``tests/lo/uno_worker.py`` under ``/usr/bin/python3``
(one soffice per call, fresh profile); this module only speaks JSON to it and
never imports ``uno``.

Typical use::

    from libreoffice import lo_edit, requires_libreoffice

    @requires_libreoffice
    @pytest.mark.libreoffice
    def test_something(tmp_path): ...
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

SOFFICE = shutil.which("soffice")
UNO_PYTHON = os.environ.get("SHEETFLOW_UNO_PYTHON", "/usr/bin/python3")
WORKER = Path(__file__).resolve().parent / "lo" / "uno_worker.py"

PDF = "calc_pdf_Export"
XLSX = "Calc MS Excel 2007 XML"
ODS = "calc8"

# Variables of the test interpreter that would confuse the system python.
_FOREIGN_ENV = ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH")


def _worker_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN_ENV}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _uno_importable() -> bool:
    if not os.path.exists(UNO_PYTHON):
        return False
    try:
        done = subprocess.run(
            [UNO_PYTHON, "-c", "import uno"],
            capture_output=True,
            timeout=30,
            env=_worker_env(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


HAVE_LIBREOFFICE = SOFFICE is not None and _uno_importable()

requires_libreoffice = pytest.mark.skipif(
    not HAVE_LIBREOFFICE,
    reason="LibreOffice (soffice) and python3-uno are not installed: "
    "apt-get install libreoffice-calc-nogui python3-uno",
)


def _kill_session(sid: int) -> None:
    """SIGKILL every process of session ``sid`` (the worker and its soffice)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            line = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue
        # Fields after the ")" closing the command name: state ppid pgrp session ...
        fields = line.rsplit(")", 1)[-1].split()
        if len(fields) > 3 and fields[3] == str(sid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry), signal.SIGKILL)


def _remove_pipe_files(workdir: str, worker_pid: int) -> None:
    """Delete the /tmp socket files of a killed worker's soffice (ours only)."""
    prefix = f"/tmp/OSL_PIPE_{os.getuid()}_"
    names = [p[len(prefix) :] for p in glob.glob(f"{prefix}sheetflow_lo_{worker_pid}_*")]
    for profile in glob.glob(os.path.join(workdir, "uno-worker-*", "lo-profile-*")):
        # soffice names this pipe after the MD5 of the profile URL in UTF-16,
        # each byte in hex without zero padding (see uno_worker.py).
        digest = hashlib.md5(Path(profile).as_uri().encode("utf-16-le")).digest()
        names.append("SingleOfficeIPC_" + "".join(f"{b:x}" for b in digest))
    for name in names:
        path = prefix + name
        with contextlib.suppress(OSError):
            if stat.S_ISSOCK(os.lstat(path).st_mode):
                os.unlink(path)


def _run_worker(job: dict[str, Any], timeout: float) -> tuple[dict[str, Any] | None, str]:
    """Run the worker once; return (parsed result or None, diagnostics)."""
    workdir = tempfile.mkdtemp(prefix="sheetflow-lo-")
    job = {**job, "workdir": workdir}
    proc = subprocess.Popen(
        [UNO_PYTHON, str(WORKER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_worker_env(),
        start_new_session=True,  # soffice stays in this session: killable as a whole
    )
    try:
        try:
            out, err = proc.communicate(json.dumps(job).encode(), timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_session(proc.pid)
            out, err = proc.communicate()
            return None, (
                f"worker did not finish within {timeout:g} s and was killed\n"
                f"stderr:\n{err.decode('utf-8', 'replace')}"
            )
    finally:
        if proc.poll() is None:
            _kill_session(proc.pid)
            proc.wait()
        if proc.returncode is not None and proc.returncode < 0:  # killed: no cleanup ran
            _remove_pipe_files(workdir, proc.pid)
        shutil.rmtree(workdir, ignore_errors=True)
    stderr = err.decode("utf-8", "replace")
    lines = out.decode("utf-8", "replace").strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, ValueError):
        return None, (
            f"worker exited with {proc.returncode} without a JSON result\n"
            f"stdout:\n{out.decode('utf-8', 'replace')}\nstderr:\n{stderr}"
        )
    return result, stderr


def run_lo(ops: list[dict[str, Any]], timeout: float = 120) -> list[dict[str, Any]]:
    """Run ``ops`` on one fresh headless soffice and return one result per op.

    Retries (twice) when soffice died or could not be reached (or the worker
    crashed without answering); any other failure raises AssertionError with
    the worker's error and stderr.
    """
    if not HAVE_LIBREOFFICE:
        pytest.skip("LibreOffice (soffice) and python3-uno are not installed")
    job = {"ops": ops, "timeout": max(timeout - 25, 10), "soffice": SOFFICE}
    failures: list[str] = []
    for attempt in (1, 2, 3):
        result, diagnostics = _run_worker(job, timeout)
        if result is not None and result.get("ok"):
            return result["results"]
        if result is None:
            failures.append(f"attempt {attempt}: {diagnostics}")
            retry = "without a JSON result" in diagnostics
        else:
            failures.append(f"attempt {attempt}: {result.get('error')}\nstderr:\n{diagnostics}")
            retry = bool(result.get("retryable"))
        if not retry:
            break
    raise AssertionError("LibreOffice worker failed:\n" + "\n\n".join(failures))


def lo_convert(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    filter: str,
    filter_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Open ``src`` in Calc and store it to ``dst`` with ``filter``."""
    op: dict[str, Any] = {"op": "convert", "src": str(src), "dst": str(dst), "filter": filter}
    if filter_data:
        op["filter_data"] = filter_data
    return run_lo([op])[0]


def edit_op(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    cells: list[dict[str, Any]],
    unprotect: bool = False,
    password: str = "",
    method: str = "dispatch",
) -> dict[str, Any]:
    """Build an ``edit`` op (for batching several ops in one ``run_lo``)."""
    return {
        "op": "edit",
        "src": str(src),
        "dst": str(dst),
        "cells": cells,
        "unprotect": unprotect,
        "password": password,
        "method": method,
    }


def inspect_op(
    src: str | os.PathLike[str], sheet: str | None = None, cells: list[str] | None = None
) -> dict[str, Any]:
    """Build an ``inspect`` op (for batching several ops in one ``run_lo``)."""
    return {"op": "inspect", "src": str(src), "sheet": sheet, "cells": cells or []}


def invalid_op(src: str | os.PathLike[str], sheet: str, password: str = "") -> dict[str, Any]:
    """Build an ``invalid`` op: the cells of ``sheet`` LibreOffice finds breaking their
    validation (Detective > Mark Invalid Data), as sorted A1 names in ``["cells"]``."""
    return {"op": "invalid", "src": str(src), "sheet": sheet, "password": password}


def lo_edit(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    cells: list[dict[str, Any]],
    unprotect: bool = False,
    password: str = "",
) -> dict[str, Any]:
    """Type values into cells as a user would and save as xlsx; per-cell verdicts in
    ``result["cells"]`` (``accepted``, ``reason``, ``method``, ``string``)."""
    return run_lo([edit_op(src, dst, cells, unprotect, password)])[0]


def lo_inspect(
    src: str | os.PathLike[str], sheet: str | None = None, cells: list[str] | None = None
) -> dict[str, Any]:
    """Sheets (name/visible/protected) and, for ``sheet``, cell contents, locking,
    validation and page setup, as LibreOffice sees them."""
    return run_lo([inspect_op(src, sheet, cells)])[0]


_SIZE = re.compile(r"^Page\s+(\d+)\s+size:\s+([\d.]+)\s+x\s+([\d.]+)")
_ROT = re.compile(r"^Page\s+(\d+)\s+rot:\s+(\d+)")


def pdf_pages(pdf_path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Each page of a PDF as ``{"width", "height", "text"}`` (points, as displayed).

    Uses poppler-utils: ``pdfinfo`` for sizes and rotation, ``pdftotext -layout``
    for the text.
    """
    path = str(pdf_path)
    info = subprocess.run(
        ["pdfinfo", path], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    if count == 0:
        return []
    boxes = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", str(count), "-box", path],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    sizes: dict[int, tuple[float, float]] = {}
    rotation: dict[int, int] = {}
    for line in boxes.splitlines():
        if m := _SIZE.match(line):
            sizes[int(m.group(1))] = (float(m.group(2)), float(m.group(3)))
        elif m := _ROT.match(line):
            rotation[int(m.group(1))] = int(m.group(2))
    text = subprocess.run(
        ["pdftotext", "-layout", path, "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    texts = text.split("\f")
    pages = []
    for n in range(1, count + 1):
        width, height = sizes[n]
        if rotation.get(n, 0) % 180 == 90:
            width, height = height, width
        pages.append(
            {"width": width, "height": height, "text": texts[n - 1] if n <= len(texts) else ""}
        )
    return pages
