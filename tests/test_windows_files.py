"""Windows and OneDrive realities, from a finance officer's seat: a workspace
under "Økonomi 2026/runde å", a return Excel still holds open, a return
OneDrive is still syncing, texts saved by Notepad, centers named like devices."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import fill_all_green
from sheetflow.collect import collect_round, safety
from sheetflow.errors import OutputInUse, UsageError
from sheetflow.issue import safe_name
from sheetflow.ledger import Ledger
from sheetflow.register.sample import sample_register
from sheetflow.texts import load_texts
from sheetflow.workspace import Workspace

CENTER = sample_register().responsible_centers()[0]


@pytest.fixture
def ws(issued_ws: Workspace, tmp_path: Path) -> Workspace:
    """Round 3 issued, in a folder with spaces and æøå, as a OneDrive folder is."""
    target = tmp_path / "Økonomi 2026" / "runde å"
    shutil.copytree(issued_ws.root, target)
    return Workspace.at(target)


def _received(ws: Workspace) -> list[tuple[str, str]]:
    with Ledger(ws.ledger_path) as ledger:
        return [(r.original_name, r.verdict) for r in ledger.received(3)]


def _outcome(ws: Workspace) -> list[tuple[str, str, list[str]]]:
    result = collect_round(ws, 3)
    return [(f.path.name, f.verdict, [x.code for x in f.findings]) for f in result.files]


def test_a_return_excel_holds_open_is_left_for_the_next_run(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = fill_all_green(ws, CENTER, ws.inbox_dir(3) / "retur å.xlsx")

    def sharing_violation(file: object, *args: object, **kwargs: object) -> object:
        if Path(str(file)) == path:  # what Windows says while Excel holds the file
            raise PermissionError(13, "The process cannot access the file", str(file))
        return open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(safety, "open", sharing_violation, raising=False)
    assert _outcome(ws) == [("retur å.xlsx", "skipped", ["file-in-use"])]
    assert _received(ws) == []
    assert list(ws.archive_dir(3).iterdir()) == []
    monkeypatch.undo()  # Excel closed
    assert _outcome(ws) == [("retur å.xlsx", "accepted", [])]


def test_a_return_onedrive_is_still_syncing_is_not_finished_then_read(ws: Workspace) -> None:
    full = fill_all_green(ws, CENTER, ws.root / "complete.xlsx").read_bytes()
    inbox = ws.inbox_dir(3) / "retur.xlsx"
    filled = len(full) * 2 // 3  # the size is reserved, the rest not written yet
    inbox.write_bytes(full[:filled] + b"\0" * (len(full) - filled))
    assert _outcome(ws) == [("retur.xlsx", "skipped", ["file-not-finished"])]
    assert _received(ws) == []
    inbox.write_bytes(full)  # synced
    assert _outcome(ws) == [("retur.xlsx", "accepted", [])]


def test_a_return_cut_short_is_still_truncated(ws: Workspace) -> None:
    full = fill_all_green(ws, CENTER, ws.root / "complete.xlsx").read_bytes()
    (ws.inbox_dir(3) / "retur.xlsx").write_bytes(full[: len(full) * 2 // 3])
    assert _outcome(ws) == [("retur.xlsx", "rejected", ["file-truncated"])]


def test_a_return_that_grows_while_read_is_not_finished(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sheetflow.collect as collect

    path = fill_all_green(ws, CENTER, ws.inbox_dir(3) / "retur.xlsx")
    real_sha = collect.sha256_file

    def sha_while_saving(p: Path) -> str:
        digest = real_sha(p)
        with p.open("ab") as fh:  # the sync client writes on meanwhile
            fh.write(b"more")
        return digest

    monkeypatch.setattr(collect, "sha256_file", sha_while_saving)
    assert _outcome(ws) == [("retur.xlsx", "skipped", ["file-not-finished"])]
    assert (_received(ws), list(ws.archive_dir(3).iterdir())) == ([], [])
    monkeypatch.undo()
    path.write_bytes(fill_all_green(ws, CENTER, ws.root / "complete.xlsx").read_bytes())
    assert _outcome(ws) == [("retur.xlsx", "accepted", [])]


def test_a_file_that_vanishes_after_listing_is_not_there_to_read(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Excel and OneDrive save through temporary files that come and go."""
    fill_all_green(ws, CENTER, ws.inbox_dir(3) / "retur.xlsx")
    ghost = ws.inbox_dir(3) / "8F3A2B10.tmp"
    ghost.write_bytes(b"PK\x03\x04")
    real_is_file = Path.is_file

    def listed_then_gone(self: Path) -> bool:
        listed = real_is_file(self)
        if self == ghost:
            self.unlink()  # the save renamed it away just after the listing
        return listed

    monkeypatch.setattr(Path, "is_file", listed_then_gone)
    assert _outcome(ws) == [("retur.xlsx", "accepted", [])]


def test_a_master_open_in_excel_is_a_sentence_and_the_next_run_completes(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    date = "1. oktober 2017"
    collect_round(ws, 3, date_text=date)
    before = ws.master_path(3).read_bytes()
    fill_all_green(ws, CENTER, ws.inbox_dir(3) / "retur.xlsx")
    reference = Workspace.at(tmp_path / "reference")
    shutil.copytree(ws.root, reference.root)
    collect_round(reference, 3, date_text=date)
    real_replace = os.replace

    def excel_holds_master(src: str, dst: str) -> None:
        if Path(dst) == ws.master_path(3):  # Windows refuses while Excel has it open
            raise PermissionError(13, "Access is denied", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", excel_holds_master)
    with pytest.raises(OutputInUse) as caught:
        collect_round(ws, 3, date_text=date)
    assert str(caught.value) == (
        f"{ws.master_path(3)} kan ikke overskrives, fordi den er åben i et andet program "
        "(fx Excel). Luk den og kør kommandoen igen."
    )
    assert ws.master_path(3).read_bytes() == before
    assert [p.name for p in ws.round_dir(3).glob(".*.tmp")] == []
    monkeypatch.undo()  # Excel closed
    assert collect_round(ws, 3, date_text=date).exit_code == 0
    assert ws.master_path(3).read_bytes() == reference.master_path(3).read_bytes()
    assert _received(ws) == _received(reference)


def test_collect_through_the_cli_in_a_folder_with_spaces_and_aeoeaa(ws: Workspace) -> None:
    fill_all_green(ws, CENTER, ws.inbox_dir(3) / f"{CENTER} retur.xlsx")
    proc = subprocess.run(
        [sys.executable, "-m", "sheetflow", "collect", str(ws.root), "--round", "3"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    assert _received(ws) == [(f"{CENTER} retur.xlsx", "accepted")]
    assert ws.master_path(3).is_file()


@pytest.mark.parametrize(
    ("center", "expected"),
    [
        ("NUL", "NUL_"),
        ("con", "con_"),
        ("Com1", "Com1_"),
        ("LPT9", "LPT9_"),
        ("Aux.", "Aux_"),
        ("CONSOLE", "CONSOLE"),
        ("Center for Nul", "Center_for_Nul"),
        ("Økonomi", "Oekonomi"),
    ],
)
def test_file_names_are_never_windows_device_names(center: str, expected: str) -> None:
    assert safe_name(center) == expected


def test_workspace_texts_saved_by_notepad_read_as_the_shipped_ones(tmp_path: Path) -> None:
    """CRLF line ends and a UTF-8 byte-order mark, with one prompt reworded."""
    shipped = Path(__file__).resolve().parents[1] / "workbook_templates" / "da.toml"
    text = shipped.read_text(encoding="utf-8")
    assert text.count('sheet = "Status"\n') == 1
    edited = text.replace('sheet = "Status"\n', 'sheet = "Status å"\n')
    folder = tmp_path / "workbook_templates"
    folder.mkdir()
    (folder / "da.toml").write_bytes(b"\xef\xbb\xbf" + edited.replace("\n", "\r\n").encode())
    expected = load_texts("da")
    expected["status"]["sheet"] = "Status å"
    assert load_texts("da", tmp_path) == expected


def test_workspace_texts_not_in_utf8_are_a_sentence(tmp_path: Path) -> None:
    folder = tmp_path / "workbook_templates"
    folder.mkdir()
    (folder / "da.toml").write_bytes('[status]\r\nsheet = "Opfølgning"\r\n'.encode("cp1252"))
    with pytest.raises(UsageError, match=r"da\.toml er ikke gemt som UTF-8"):
        load_texts("da", tmp_path)
