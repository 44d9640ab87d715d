"""The web intake in a real headless Chromium against a real server: a center opens
the link from its guide sheet, returns a workbook filled in LibreOffice and sees
"Godkendt"; another returns a tampered one, sees the findings with their cells and
downloads the correction workbook; finance logs in and sends the first return back
with a reason, and the center's page shows it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from helpers import fill, inputs_of, issued_for
from libreoffice import edit_op, requires_libreoffice, run_lo
from sheetflow.issue import issue_round
from sheetflow.ledger import Ledger
from sheetflow.web.store import WebStore
from sheetflow.workspace import Workspace
from webhelpers import PASSWORD
from webserver import chromium, free_port, requires_chromium, server, wait_for_file

pytestmark = [pytest.mark.browser, requires_chromium, requires_libreoffice]

CENTER = "Økonomi og Styring"
OTHER = "Ejendomme"


def guide_link(ws: Workspace, center: str) -> str:
    """The upload link the center finds in its workbook's guide sheet."""
    issued, _ = issued_for(ws, center)
    sheet = openpyxl.load_workbook(ws.root / issued.file)["Vejledning"]
    links = [c.hyperlink.target for row in sheet.iter_rows() for c in row if c.hyperlink]
    (link,) = links
    return link


def test_center_and_finance_in_chromium(sample_ws: Workspace, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    ws = sample_ws
    port = free_port()
    issue_round(ws, 3, [CENTER, OTHER], link_base=f"http://127.0.0.1:{port}")
    WebStore(ws).add_user("karin", PASSWORD)
    # The center fills its workbook in LibreOffice Calc, as a person would.
    issued, layout = issued_for(ws, CENTER)
    cells = [{"sheet": layout.sheet, "cell": a, "value": "☺"} for a in inputs_of(layout)]
    cells += [
        {"sheet": layout.sheet, "cell": a, "value": "Efter planen"}
        for a in inputs_of(layout, "comment")
    ]
    filled = tmp_path / "Økonomi retur.xlsx"
    (edit,) = run_lo([edit_op(ws.root / issued.file, filled, cells)])
    assert [c for c in edit["cells"] if not c["accepted"]] == []
    # The other center tampers: a smiley that is not one.
    _, other_layout = issued_for(ws, OTHER)
    bad_cell = inputs_of(other_layout)[0]
    values: dict[str, object] = {a: "☺" for a in inputs_of(other_layout)}
    values[bad_cell] = "måske"
    tampered = fill(ws, OTHER, values, tmp_path / "ejendomme.xlsx")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    # Screenshots to look at: in $SHEETFLOW_SCREENSHOTS when set, else beside the test's files.
    shots = Path(os.environ.get("SHEETFLOW_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)

    with server(ws.root, port), chromium(downloads) as driver:
        d: Any = driver
        d.get(guide_link(ws, CENTER))
        assert d.find_element(By.ID, "state-word").text == "Mangler"
        d.find_element(By.ID, "file").send_keys(str(filled))
        d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        assert d.find_element(By.ID, "verdict-word").text == "Godkendt"
        d.save_screenshot(str(shots / "center-accepted.png"))

        d.get(guide_link(ws, OTHER))
        d.find_element(By.ID, "file").send_keys(str(tampered))
        d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        assert d.find_element(By.ID, "verdict-word").text == "Afvist"
        rows = d.find_elements(By.CSS_SELECTOR, "#verdict tr.finding")
        assert [(r.get_attribute("data-code"), r.get_attribute("data-cell")) for r in rows] == [
            ("invalid-smiley", bad_cell)
        ]
        assert f"Status / {bad_cell}" in rows[0].text
        d.save_screenshot(str(shots / "center-rejected.png"))
        d.find_element(By.ID, "correction-link").click()
        correction = openpyxl.load_workbook(wait_for_file(downloads))
        assert correction.sheetnames[0] == "Rettelser"

        d.get(f"http://127.0.0.1:{port}/login")
        d.find_element(By.ID, "name").send_keys("karin")
        d.find_element(By.ID, "password").send_keys(PASSWORD)
        d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        row = d.find_element(By.XPATH, f"//tr[td[1][text()='{CENTER}']]")
        row.find_element(By.TAG_NAME, "textarea").send_keys("Kommentaren til økonomien mangler")
        row.find_element(By.CSS_SELECTOR, "button[value=return]").click()
        assert f"{CENTER}: Sendt tilbage til rettelse" in d.find_element(By.ID, "message").text
        d.save_screenshot(str(shots / "finance-returned.png"))

        d.get(guide_link(ws, CENTER))
        assert d.find_element(By.ID, "state-word").text == "Sendt tilbage til rettelse"
        assert "Kommentaren til økonomien mangler" in d.find_element(By.ID, "review-reason").text
        d.save_screenshot(str(shots / "center-returned.png"))

    with Ledger(ws.ledger_path) as ledger:
        got = [(r.center, r.verdict) for r in ledger.received(3)]
    assert got == [(CENTER, "accepted"), (OTHER, "rejected")]
