"""The contract in docs/ and the code agree: every finding code is documented with
its severity and no documented code is gone; every ``docs/…md#anchor`` cited in
src/, tests/, the README or the docs themselves exists (docs/README.md)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from sheetflow.findings import CATALOGUE

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

ROW = re.compile(r'^\| <a id="([^"]+)"></a>`([^`]+)` \| (\w+) \|', re.MULTILINE)
CITED = re.compile(r"docs/([\w-]+\.md)(?:#([\w-]+))?")
LINK = re.compile(r"\]\(([\w-]+\.md)?(?:#([\w-]+))?\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
ANCHOR = re.compile(r'<a id="([^"]+)"')


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFC", heading.strip().lower())
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every anchor of a Markdown page: its headings (with GitHub's -1, -2 for
    repeats, code fences skipped) and explicit ``<a id>`` tags."""
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    seen: dict[str, int] = {}
    out = set(ANCHOR.findall(text))
    for heading in HEADING.findall(text):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def documented_codes() -> dict[str, str]:
    text = (DOCS / "findings.md").read_text(encoding="utf-8")
    rows = ROW.findall(text)
    assert rows, "docs/findings.md has no catalogue table; run python docs/findings_table.py"
    for anchor, code, _severity in rows:
        assert anchor == code, (anchor, code)
    return {code: severity for _anchor, code, severity in rows}


def test_slug_follows_github() -> None:
    assert slug("Returns and their verdicts") == "returns-and-their-verdicts"
    assert slug("Late returns and `--refresh`") == "late-returns-and---refresh"
    assert slug("ratings.csv") == "ratingscsv"
    assert slug("1. Forside / Front") == "1-forside--front"


def test_every_catalogue_code_is_documented_with_its_severity() -> None:
    documented = documented_codes()
    missing = [c for c in CATALOGUE if c not in documented]
    assert not missing, f"not in docs/findings.md (run python docs/findings_table.py): {missing}"
    wrong = {
        c: (documented[c], e.severity.value)
        for c, e in CATALOGUE.items()
        if documented[c] != e.severity.value
    }
    assert not wrong, f"severity in docs/findings.md differs from the catalogue: {wrong}"


def test_no_documented_code_is_gone() -> None:
    gone = [c for c in documented_codes() if c not in CATALOGUE]
    assert not gone, f"docs/findings.md documents codes the catalogue no longer has: {gone}"


def test_documented_codes_appear_once() -> None:
    text = (DOCS / "findings.md").read_text(encoding="utf-8")
    codes = [code for _a, code, _s in ROW.findall(text)]
    assert len(codes) == len(set(codes))


def _sources() -> list[Path]:
    files = sorted((ROOT / "src").rglob("*.py")) + sorted((ROOT / "tests").rglob("*.py"))
    return [*files, ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def _citations() -> list[tuple[str, str, str]]:
    """(where, page, anchor) of every docs/ citation in code, tests and Markdown."""
    out = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(ROOT))
        for page, anchor in CITED.findall(text):
            out.append((where, page, anchor))
        if path.parent == DOCS:  # relative links between the pages
            for page, anchor in LINK.findall(text):
                out.append((where, page or path.name, anchor))
    return out


@pytest.mark.parametrize("page", ["domain.md", "workflow.md", "workbooks.md", "cli.md"])
def test_every_page_is_linked_from_the_index(page: str) -> None:
    assert f"]({page})" in (DOCS / "README.md").read_text(encoding="utf-8")


def test_every_cited_page_and_anchor_exists() -> None:
    broken = []
    for where, page, anchor in _citations():
        target = DOCS / page
        if not target.is_file():
            broken.append(f"{where}: docs/{page} does not exist")
        elif anchor and anchor not in anchors(target):
            broken.append(f"{where}: docs/{page}#{anchor} is no heading or anchor there")
    assert not broken, "\n".join(broken)


def test_code_cites_docs_not_the_old_spec() -> None:
    old = re.compile("SPEC" + " §")  # split, so this file does not match itself
    stale = [
        str(p.relative_to(ROOT))
        for p in _sources()
        if p.suffix == ".py" and old.search(p.read_text(encoding="utf-8"))
    ]
    assert not stale, f"cite docs/ instead of the old SPEC: {stale}"
