"""Drive one headless LibreOffice Calc instance through UNO for the test suite.

Run with the *system* interpreter (the only one that can ``import uno``)::

    /usr/bin/python3 tests/lo/uno_worker.py < job.json

stdin holds one JSON job, either a list of ops or an object
``{"ops": [...], "timeout": 90, "workdir": "/tmp/..."}``. stdout receives exactly
one JSON line: ``{"ok": true, "results": [...]}`` or
``{"ok": false, "error": "...", "retryable": bool, "results": [...]}``.

Every run starts its own ``soffice`` with a fresh profile and a unique pipe name,
and always shuts it down (killing its process group if it will not go) and
removes the profile. Ops:

* ``convert``: open ``src`` and store it to ``dst`` with ``filter``.
* ``edit``: enter values the way a user types them (``.uno:EnterString`` on the
  selected cell) so that sheet protection is honoured; save as xlsx to ``dst``.
  Data validation is *not* applied on this path (LibreOffice only checks it in
  the interactive input line), so each cell's result carries its ``validation``
  for the caller to judge. ``"method": "protection-check"`` is the fallback:
  refuse locked cells on protected sheets, ``setString`` the others.
* ``inspect``: report sheets, protection, cell contents/locking and validation.

LibreOffice 7.4 quirks handled here: after a cell is refused because it is
protected, the view keeps a dead "protected cell" message box and the *next*
refused entry in that view aborts soffice. And a view typed into four or five
times aborts soffice from its main loop (signal 6 in
``SvpSalInstance::CheckTimeout``): on some machines every time, on others
seldom (a center's eight smileys and comments crashed 6 of 6 runs on one, 0 of 3
with a fresh view per cell). Every cell is therefore typed in a fresh view of
the same model (``loadComponentFromURL("private:object", ..., Model=doc)``),
which costs about 0.2 s a cell.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from typing import Any

import uno  # only importable by the system python with python3-uno

XLSX_FILTER = "Calc MS Excel 2007 XML"
DEFAULT_TIMEOUT = 90.0
CONNECT_TIMEOUT = 30.0
KNOWN_OPS = ("convert", "edit", "inspect", "invalid")

DisposedException = uno.getClass("com.sun.star.lang.DisposedException")
NoConnectException = uno.getClass("com.sun.star.connection.NoConnectException")


class WorkerError(Exception):
    """A job failure; ``retryable`` is set when soffice died or never answered."""

    def __init__(self, message: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


def prop(name: str, value: Any) -> Any:
    """Build a ``com.sun.star.beans.PropertyValue``."""
    p = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
    p.Name = name
    p.Value = value
    return p


def props(**kwargs: Any) -> tuple[Any, ...]:
    """Build a tuple of PropertyValues from keyword arguments."""
    return tuple(prop(k, v) for k, v in kwargs.items())


def enum_name(value: Any) -> Any:
    """Return the string name of a UNO enum value (or the value itself)."""
    return getattr(value, "value", value)


class Office:
    """One soffice process with a fresh profile, connected through a named pipe."""

    def __init__(self, soffice: str, workdir: str, deadline: float) -> None:
        self.soffice = soffice
        self.workdir = workdir
        self.deadline = deadline
        self.profile = tempfile.mkdtemp(prefix="lo-profile-", dir=workdir)
        self.profile_url = uno.systemPathToFileUrl(self.profile)
        self.pipe = f"sheetflow_lo_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        self.log_path = os.path.join(workdir, f"soffice-{self.pipe}.log")
        self.proc: subprocess.Popen[bytes] | None = None
        self.ctx: Any = None
        self.smgr: Any = None
        self.desktop: Any = None
        self.timed_out = False

    # -- process management -------------------------------------------------
    def start(self) -> None:
        """Launch soffice in its own process group and connect to it."""
        args = [
            self.soffice,
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "-env:UserInstallation=" + self.profile_url,
            f"--accept=pipe,name={self.pipe};urp;StarOffice.ComponentContext",
        ]
        env = dict(os.environ)
        env.setdefault("SAL_USE_VCLPLUGIN", "svp")
        env["TMPDIR"] = self.workdir  # soffice's lu*.tmp scratch dirs go away with it
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                preexec_fn=os.setpgrp,  # own group: killable without killing us
            )
        self._connect()

    def _connect(self) -> None:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        url = f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext"
        started = time.monotonic()
        limit = min(started + CONNECT_TIMEOUT, self.deadline)
        last: Exception | None = None
        while time.monotonic() < limit:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise WorkerError(
                    f"soffice exited with {self.proc.returncode} before accepting connections"
                    + self.log_tail(),
                    retryable=True,
                )
            try:
                self.ctx = resolver.resolve(url)
                break
            except NoConnectException as exc:
                last = exc
                time.sleep(0.1)
        if self.ctx is None:
            raise WorkerError(
                f"could not connect to soffice within {time.monotonic() - started:.1f} s: {last}"
                + self.log_tail(),
                retryable=True,
            )
        self.smgr = self.ctx.ServiceManager
        self.desktop = self.create("com.sun.star.frame.Desktop")

    def create(self, service: str) -> Any:
        """Instantiate a UNO service in the office process."""
        return self.smgr.createInstanceWithContext(service, self.ctx)

    def log_tail(self, limit: int = 2000) -> str:
        """Return the end of soffice's own output, for error messages."""
        try:
            with open(self.log_path, "rb") as fh:
                data = fh.read()[-limit:].decode("utf-8", "replace").strip()
        except OSError:
            return ""
        return "\n--- soffice output ---\n" + data if data else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal soffice's whole process group (oosplash and soffice.bin)."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def on_timeout(self) -> None:
        """Watchdog: kill soffice so that a blocked UNO call returns."""
        self.timed_out = True
        self.kill()

    def died(self) -> bool:
        """True when the soffice process is gone."""
        return self.proc is not None and self.proc.poll() is not None

    def shutdown(self) -> None:
        """Terminate soffice (gracefully, then by force) and drop the profile."""
        try:
            if self.proc is not None and self.proc.poll() is None:
                if self.desktop is not None:
                    # The bridge usually dies while terminate() is answered.
                    with contextlib.suppress(Exception):
                        self.desktop.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.kill(signal.SIGTERM)
                    try:
                        self.proc.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        self.kill(signal.SIGKILL)
                        self.proc.wait(timeout=5)
            # oosplash may be gone while soffice.bin lingers in the group.
            self.kill(signal.SIGKILL)
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
            self._remove_pipe_files()

    def _remove_pipe_files(self) -> None:
        """Delete the socket files a killed soffice leaves in /tmp (ours only)."""
        # LibreOffice names its single-instance pipe after the MD5 of the profile
        # URL in UTF-16, each byte in hex without zero padding.
        digest = hashlib.md5(self.profile_url.encode("utf-16-le")).digest()
        ipc = "SingleOfficeIPC_" + "".join(f"{b:x}" for b in digest)
        for name in (self.pipe, ipc):
            path = f"/tmp/OSL_PIPE_{os.getuid()}_{name}"
            with contextlib.suppress(OSError):
                if stat.S_ISSOCK(os.lstat(path).st_mode):
                    os.unlink(path)

    # -- documents -------------------------------------------------------------
    def load(self, path: str) -> Any:
        """Open a private copy of ``path`` hidden and return the document model."""
        copy_dir = tempfile.mkdtemp(prefix="doc-", dir=self.workdir)
        copy = os.path.join(copy_dir, os.path.basename(path))
        shutil.copyfile(path, copy)
        doc = self.desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(copy), "_blank", 0, props(Hidden=True)
        )
        if doc is None:
            raise WorkerError(f"LibreOffice could not open {path}")
        return doc

    def store(self, doc: Any, dst: str, filter_name: str, filter_data: dict | None) -> None:
        """Store ``doc`` to ``dst`` (written beside it first, then moved into place)."""
        dst = os.path.abspath(dst)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        tmp = os.path.join(tempfile.mkdtemp(prefix="out-", dir=self.workdir), "out")
        args = [prop("FilterName", filter_name), prop("Overwrite", True)]
        if filter_data:
            args.append(
                prop(
                    "FilterData",
                    uno.Any(
                        "[]com.sun.star.beans.PropertyValue",
                        tuple(prop(k, v) for k, v in filter_data.items()),
                    ),
                )
            )
        doc.storeToURL(uno.systemPathToFileUrl(tmp), tuple(args))
        shutil.move(tmp, dst)

    def new_view(self, doc: Any) -> Any:
        """Give ``doc`` a fresh hidden view and close the current one."""
        old_frame = doc.getCurrentController().getFrame()
        self.desktop.loadComponentFromURL(
            "private:object", "_blank", 0, props(Model=doc, Hidden=True)
        )
        if doc.getCurrentController().getFrame() == old_frame:
            raise WorkerError("could not open a second view on the document")
        old_frame.close(True)
        return doc.getCurrentController()

    @staticmethod
    def close(doc: Any) -> None:
        """Close the document's frame (fall back to closing the model)."""
        try:
            controller = doc.getCurrentController()
            if controller is not None:
                controller.getFrame().close(True)
                return
        except DisposedException:
            raise
        except Exception:
            pass
        try:
            doc.close(True)
        except DisposedException:
            raise
        except Exception:
            pass


# -- ops -----------------------------------------------------------------------
def op_convert(office: Office, op: dict) -> dict:
    """Open ``src`` and store it to ``dst`` with the given filter."""
    doc = office.load(op["src"])
    try:
        office.store(doc, op["dst"], op["filter"], op.get("filter_data"))
    finally:
        office.close(doc)
    return {"op": "convert", "dst": os.path.abspath(op["dst"]), "filter": op["filter"]}


def cell_protection(doc: Any, sheet_name: str, cell_name: str) -> tuple[bool, bool]:
    """Return (sheet is protected, cell is locked)."""
    sheet = doc.Sheets.getByName(sheet_name)
    cell = sheet.getCellRangeByName(cell_name)
    return bool(sheet.isProtected()), bool(cell.CellProtection.IsLocked)


def select_cell(controller: Any, sheet: Any, cell_name: str) -> bool:
    """Make ``sheet`` active, select ``cell_name`` and check the view agrees."""
    controller.setActiveSheet(sheet)
    cell = sheet.getCellRangeByName(cell_name)
    controller.select(cell)
    if controller.getActiveSheet().getName() != sheet.getName():
        return False
    sel = controller.getSelection()
    try:
        got = sel.getCellAddress()
    except AttributeError:
        try:
            got = sel.getRangeAddress()
        except AttributeError:
            return False
        got_col, got_row = got.StartColumn, got.StartRow
    else:
        got_col, got_row = got.Column, got.Row
    want = cell.getCellAddress()
    return (got_col, got_row) == (want.Column, want.Row)


def enter_by_dispatch(office: Office, doc: Any, spec: dict) -> dict:
    """Type ``spec['value']`` into the cell through the UI dispatcher."""
    sheet = doc.Sheets.getByName(spec["sheet"])
    cell = sheet.getCellRangeByName(spec["cell"])
    result = {"sheet": spec["sheet"], "cell": spec["cell"], "method": "dispatch"}
    if not sheet.IsVisible:
        result.update(
            accepted=False,
            reason="sheet is hidden",
            string=cell.getString(),
            validation=validation_info(cell),
        )
        return result
    controller = doc.getCurrentController()
    if not select_cell(controller, sheet, spec["cell"]):
        raise WorkerError(f"could not select {spec['sheet']}!{spec['cell']} in the view")
    undo = doc.getUndoManager()
    undo.clear()
    before = cell.getFormula()
    office.create("com.sun.star.frame.DispatchHelper").executeDispatch(
        controller.getFrame(), ".uno:EnterString", "", 0, props(StringName=str(spec["value"]))
    )
    # An accepted entry always leaves an "Input" undo action, even when the
    # content did not change; a refused one leaves none.
    accepted = bool(undo.isUndoPossible()) or cell.getFormula() != before
    if accepted:
        reason = "entered"
    else:
        protected, locked = cell_protection(doc, spec["sheet"], spec["cell"])
        reason = (
            "refused: cell is locked on a protected sheet"
            if protected and locked
            else "refused by LibreOffice"
        )
        office.new_view(doc)  # see module docstring: a second refusal would abort
    result.update(
        accepted=accepted, reason=reason, string=cell.getString(), validation=validation_info(cell)
    )
    return result


def enter_by_protection_check(doc: Any, spec: dict) -> dict:
    """Fallback: refuse locked cells on protected sheets, else ``setString``."""
    sheet = doc.Sheets.getByName(spec["sheet"])
    cell = sheet.getCellRangeByName(spec["cell"])
    protected, locked = cell_protection(doc, spec["sheet"], spec["cell"])
    result = {"sheet": spec["sheet"], "cell": spec["cell"], "method": "protection-check"}
    if protected and locked:
        result.update(accepted=False, reason="refused: cell is locked on a protected sheet")
    else:
        cell.setString(str(spec["value"]))
        result.update(accepted=True, reason="entered")
    result.update(string=cell.getString(), validation=validation_info(cell))
    return result


def op_edit(office: Office, op: dict) -> dict:
    """Enter values as a user would, honouring sheet protection, then save as xlsx."""
    method = op.get("method", "dispatch")
    if method not in ("dispatch", "protection-check"):
        raise WorkerError(f"unknown edit method {method!r}")
    doc = office.load(op["src"])
    try:
        if op.get("unprotect"):
            for name in doc.Sheets.ElementNames:
                sheet = doc.Sheets.getByName(name)
                if sheet.isProtected():
                    sheet.unprotect(op.get("password", ""))
        cells = []
        for spec in op.get("cells", []):
            if method == "dispatch":
                if cells and cells[-1]["accepted"]:  # a refusal already got one
                    office.new_view(doc)  # see the module docstring
                cells.append(enter_by_dispatch(office, doc, spec))
            else:
                cells.append(enter_by_protection_check(doc, spec))
        office.store(doc, op["dst"], op.get("filter", XLSX_FILTER), None)
    finally:
        office.close(doc)
    return {"op": "edit", "dst": os.path.abspath(op["dst"]), "method": method, "cells": cells}


def validation_info(cell: Any) -> dict | None:
    """Describe the data validation of one cell (None when there is none)."""
    val = cell.Validation
    kind = enum_name(val.Type)
    if kind == "ANY":
        return None
    return {
        "type": kind,
        "operator": enum_name(val.getOperator()),
        "formula1": val.getFormula1(),
        "formula2": val.getFormula2(),
        "show_error": bool(val.ShowErrorMessage),
        "error_style": enum_name(val.ErrorAlertStyle),
        "error_title": val.ErrorTitle,
        "error_message": val.ErrorMessage,
        "show_input": bool(val.ShowInputMessage),
        "ignore_blank": bool(val.IgnoreBlankCells),
        "show_list": int(val.ShowList),
    }


def op_inspect(office: Office, op: dict) -> dict:
    """Report sheets, protection, cells, validation and page setup of ``src``."""
    doc = office.load(op["src"])
    try:
        sheets = []
        for name in doc.Sheets.ElementNames:
            sheet = doc.Sheets.getByName(name)
            sheets.append(
                {
                    "name": name,
                    "visible": bool(sheet.IsVisible),
                    "protected": bool(sheet.isProtected()),
                }
            )
        out: dict[str, Any] = {"op": "inspect", "src": os.path.abspath(op["src"]), "sheets": sheets}
        name = op.get("sheet")
        if name:
            sheet = doc.Sheets.getByName(name)
            style = doc.StyleFamilies.getByName("PageStyles").getByName(sheet.PageStyle)
            cells = []
            for ref in op.get("cells", []):
                cell = sheet.getCellRangeByName(ref)
                prot = cell.CellProtection
                cells.append(
                    {
                        "cell": ref,
                        "string": cell.getString(),
                        "formula": cell.getFormula(),
                        "type": enum_name(cell.getType()),
                        "locked": bool(prot.IsLocked),
                        "formula_hidden": bool(prot.IsFormulaHidden),
                        "validation": validation_info(cell),
                    }
                )
            out.update(
                sheet=name,
                protected=bool(sheet.isProtected()),
                cells=cells,
                page={
                    "style": sheet.PageStyle,
                    "landscape": bool(style.IsLandscape),
                    "width": int(style.Width),
                    "height": int(style.Height),
                    "scale_to_pages_x": int(style.ScaleToPagesX),
                    "scale_to_pages_y": int(style.ScaleToPagesY),
                },
            )
        return out
    finally:
        office.close(doc)


def op_invalid(office: Office, op: dict) -> dict:
    """The cells of ``sheet`` whose content breaks their own validation, as LibreOffice
    judges it (Tools > Detective > Mark Invalid Data, which circles each one).

    Typing through the dispatcher does not run validation headless (the refusal
    is a dialog); this asks LibreOffice's own validity check instead."""
    doc = office.load(op["src"])
    try:
        sheet = doc.Sheets.getByName(op["sheet"])
        if sheet.isProtected():
            sheet.unprotect(op.get("password", ""))
        sheet.showInvalid()
        page = sheet.getDrawPage()
        cells = set()
        for n in range(page.getCount()):
            anchor = page.getByIndex(n).Anchor
            try:
                address = anchor.getCellAddress()
            except AttributeError:
                continue
            cells.add(sheet.getCellByPosition(address.Column, address.Row).AbsoluteName)
        names = sorted(c.split(".")[-1].replace("$", "") for c in cells)
    finally:
        office.close(doc)
    return {"op": "invalid", "src": os.path.abspath(op["src"]), "cells": names}


OPS = {"convert": op_convert, "edit": op_edit, "inspect": op_inspect, "invalid": op_invalid}


def validate(ops: list) -> None:
    """Reject malformed ops before paying for an soffice start."""
    if not isinstance(ops, list) or not ops:
        raise WorkerError("job must hold a non-empty list of ops")
    produced: set[str] = set()  # an op may read what an earlier op wrote
    for i, op in enumerate(ops):
        kind = op.get("op") if isinstance(op, dict) else None
        if kind not in KNOWN_OPS:
            raise WorkerError(f"op #{i}: unknown op {kind!r} (known: {', '.join(KNOWN_OPS)})")
        required = {
            "convert": ("src", "dst", "filter"),
            "edit": ("src", "dst"),
            "inspect": ("src",),
            "invalid": ("src", "sheet"),
        }
        for key in required[kind]:
            if not op.get(key):
                raise WorkerError(f"op #{i} ({kind}): missing {key!r}")
        src = os.path.abspath(op["src"])
        if not os.path.isfile(src) and src not in produced:
            raise WorkerError(f"op #{i} ({kind}): no such file: {op['src']}")
        if op.get("dst"):
            produced.add(os.path.abspath(op["dst"]))


# -- main ----------------------------------------------------------------------
_emit_lock = threading.Lock()
_emitted = False


def emit(payload: dict) -> None:
    """Print the one JSON result line (only the first call has any effect)."""
    global _emitted
    with _emit_lock:
        if _emitted:
            return
        _emitted = True
        sys.stdout.write(json.dumps(payload, ensure_ascii=True) + "\n")
        sys.stdout.flush()


def run(job: Any) -> dict:
    """Execute a job and return the result payload."""
    if isinstance(job, list):
        job = {"ops": job}
    ops = job.get("ops")
    timeout = float(job.get("timeout", DEFAULT_TIMEOUT))
    started = time.monotonic()
    deadline = started + timeout
    validate(ops)
    soffice = job.get("soffice") or shutil.which("soffice") or "soffice"
    base = job.get("workdir")
    if base:
        os.makedirs(base, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="uno-worker-", dir=base)
    office = Office(soffice, workdir, deadline)
    watchdog = threading.Timer(timeout, office.on_timeout)
    watchdog.daemon = True

    def last_resort() -> None:
        emit(
            {
                "ok": False,
                "error": f"worker hung past its {timeout:g} s limit",
                "retryable": False,
                "results": [],
            }
        )
        office.kill()
        shutil.rmtree(workdir, ignore_errors=True)
        os._exit(3)

    hard_stop = threading.Timer(timeout + 15, last_resort)
    hard_stop.daemon = True
    watchdog.start()
    hard_stop.start()
    results: list[dict] = []
    timings: dict[str, float] = {}
    try:
        office.start()
        timings["start"] = round(time.monotonic() - started, 3)
        for i, op in enumerate(ops):
            t0 = time.monotonic()
            try:
                res = OPS[op["op"]](office, op)
            except WorkerError as exc:
                exc.args = (f"op #{i} ({op['op']}): {exc.args[0]}",)
                raise
            except DisposedException as exc:
                raise WorkerError(
                    f"op #{i} ({op['op']}): soffice went away ({exc.Message})", True
                ) from exc
            except Exception as exc:
                if office.died() or office.timed_out:
                    raise WorkerError(
                        f"op #{i} ({op['op']}): soffice went away ({exc})", True
                    ) from exc
                raise WorkerError(
                    f"op #{i} ({op['op']}): {type(exc).__name__}: {exc}\n" + traceback.format_exc()
                ) from exc
            res["seconds"] = round(time.monotonic() - t0, 3)
            results.append(res)
        timings["total"] = round(time.monotonic() - started, 3)
        return {"ok": True, "results": results, "timings": timings}
    except WorkerError as exc:
        message = str(exc)
        retryable = exc.retryable
        if office.timed_out:
            message = f"timed out after {timeout:g} s: {message}"
            retryable = False
        elif retryable:
            message += office.log_tail()
        return {"ok": False, "error": message, "retryable": retryable, "results": results}
    finally:
        watchdog.cancel()
        try:
            office.shutdown()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            hard_stop.cancel()


def main() -> int:
    """Read a job from stdin, run it, print the JSON result."""
    try:
        job = json.loads(sys.stdin.read())
    except ValueError as exc:
        emit({"ok": False, "error": f"bad job JSON: {exc}", "retryable": False, "results": []})
        return 2
    try:
        payload = run(job)
    except WorkerError as exc:
        payload = {"ok": False, "error": str(exc), "retryable": exc.retryable, "results": []}
    except Exception as exc:
        payload = {
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}",
            "retryable": False,
            "results": [],
        }
    emit(payload)
    return 0 if payload["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
