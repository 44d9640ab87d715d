"""Look at a returned file before any parser does: what it is, and whether it is
safe to parse.

Returned files come from dozens of people by e-mail; some are damaged, some
are the wrong file, a few may be hostile. These checks read only magic bytes,
the zip directory and the first bytes of a few XML parts, all within fixed
limits, and say precisely what is wrong. They never raise on bad input.
"""

from __future__ import annotations

import codecs
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
MACRO_TYPES = (b"macroEnabled", b"vbaProject", b"application/vnd.ms-office.vbaProject")
STRICT_NS = b"http://purl.oclc.org/ooxml/spreadsheetml/main"

MAX_PARTS = 2_000
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for parts over 1 MiB
HEAD_BYTES = 4096  # a DOCTYPE must come before the root element

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')


@dataclass(frozen=True)
class Problem:
    """A finding code, and the detail (a key of ``[details]`` in the catalogues) or raw value for its message."""

    code: str
    detail: str = ""
    args: tuple[tuple[str, object], ...] = ()
    value: str = ""


def sniff(path: Path) -> tuple[str, Problem | None]:
    """The file's kind ("xlsx", "ods") or the problem that stops reading it."""
    try:
        with path.open("rb") as fh:
            head = fh.read(2048)
            size = path.stat().st_size
    except OSError as exc:
        return "", Problem("file-unreadable", value=str(exc))
    if size == 0:
        return "", Problem("file-empty")
    if head.startswith(OLE_MAGIC):
        return "", _ole_problem(path)
    if head.startswith(b"%PDF"):
        return "", Problem("file-not-workbook", "pdf")
    if not head.startswith(ZIP_MAGIC):
        return "", Problem("file-not-workbook", _guess_text_kind(head))
    try:
        with zipfile.ZipFile(path) as zf:
            problem = check_package(zf)
            if problem:
                return "", problem
            if "mimetype" in zf.namelist() and zf.read("mimetype").strip() == ODS_MIMETYPE:
                return "ods", None
            return "xlsx", _ooxml_problem(zf)
    except zipfile.BadZipFile as exc:
        if "CRC" in str(exc) or "Bad magic" in str(exc):
            return "", Problem("file-unreadable", value=str(exc))
        return "", Problem("file-truncated")
    except (OSError, EOFError, ValueError, NotImplementedError, zlib.error) as exc:
        return "", Problem("file-unreadable", value=f"{type(exc).__name__}: {exc}")


UNFILLED_TAIL = 1024  # bytes of zeros that end a file a sync client has not filled yet
EOCD_MAGIC = b"PK\x05\x06"
EOCD_SPAN = 22 + 65535  # the end record and the longest zip comment


def unsettled(path: Path) -> Problem | None:
    """A file another program still holds or is still writing: read it on a later run.

    Told apart from a damaged file only where that is certain: Windows refuses
    to open a file Excel (or a sync client) holds open ("file-in-use"); a zip
    that ends in zeros without its end record has its full size reserved but
    not yet filled, as OneDrive writes ("file-not-finished"). A zip cut short
    is still "file-truncated": it may never grow again.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(ZIP_MAGIC))
            size = fh.seek(0, 2)
            fh.seek(max(0, size - EOCD_SPAN))
            tail = fh.read()
    except PermissionError:
        return Problem("file-in-use")
    except OSError:
        return None  # sniff reports it, as before
    unfilled = not tail[-UNFILLED_TAIL:].strip(b"\0")
    if head == ZIP_MAGIC and size > UNFILLED_TAIL and EOCD_MAGIC not in tail and unfilled:
        return Problem("file-not-finished")
    return None


def _ole_problem(path: Path) -> Problem:
    """An OLE compound file: a password-encrypted .xlsx or a legacy .xls."""
    with path.open("rb") as fh:
        blob = fh.read(1 << 20)
    for marker in ("EncryptionInfo", "EncryptedPackage"):
        if marker.encode("utf-16-le") in blob:
            return Problem("file-encrypted")
    return Problem("file-legacy-xls")


def _guess_text_kind(head: bytes) -> str:
    """What a file that is no workbook looks like, from its first bytes."""
    text = _as_text(head)
    if text is None:
        return "unknown"
    if text.lstrip().lower().startswith(("<html", "<!doctype html")):
        return "html"
    if any(sep in text for sep in (",", ";", "\t")):
        return "csv"
    return "text"


def _as_text(head: bytes) -> str | None:
    """The first bytes of a file as text, or None when they are not: UTF-8 (cut off
    anywhere, a character split at the end included), UTF-16 with its byte order
    mark (Excel's "Unicode text"), or Windows' own code page, in which Excel on a
    Danish Windows saves "CSV (semikolonsepareret)"."""
    encodings: tuple[str, ...]
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            head, encodings = head[len(bom) :], (codec,)
            break
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head)
        except UnicodeDecodeError:
            continue
        if not any(ord(c) < 32 and c not in "\t\r\n" for c in text):
            return text
    return None


def check_package(zf: zipfile.ZipFile) -> Problem | None:
    """Zip directory against fixed limits: parts, sizes, compression ratios."""
    infos = zf.infolist()
    if len(infos) > MAX_PARTS:
        return Problem("zip-bomb", "parts", (("count", len(infos)),))
    total = 0
    for info in infos:
        total += info.file_size
        # Deflate never grows data by more than a little: a member whose packed
        # size exceeds its declared size is lying about what it unpacks to.
        if info.compress_size > info.file_size * 1.01 + 1024:
            return Problem("zip-bomb", "part-bytes", (("name", info.filename), ("count", "?")))
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_PART_BYTES or (info.file_size > 1 << 20 and ratio > MAX_RATIO):
            return Problem(
                "zip-bomb", "part-bytes", (("name", info.filename), ("count", info.file_size))
            )
    if total > MAX_TOTAL_BYTES:
        return Problem("zip-bomb", "total-bytes", (("count", total),))
    return None


def _ooxml_problem(zf: zipfile.ZipFile) -> Problem | None:
    names = set(zf.namelist())
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        return Problem("file-not-workbook", "zip")
    types = zf.read("[Content_Types].xml")
    if any(marker in types for marker in MACRO_TYPES) or "xl/vbaProject.bin" in names:
        return Problem("file-macro-enabled")
    for name in sorted(names):
        if name.endswith((".xml", ".rels")) and entity_declaration(zf, name):
            return Problem("xml-entities", value=name)
    if STRICT_NS in head_of(zf, "xl/workbook.xml"):
        return Problem("file-strict-ooxml")
    return None


def head_of(zf: zipfile.ZipFile, name: str, size: int = HEAD_BYTES) -> bytes:
    """The first bytes of a part, decompressing no more than that."""
    with zf.open(name) as fh:
        return fh.read(size)


_PROLOG_ITEM = re.compile(rb"\s*(<\?.*?\?>|<!--.*?-->)", re.S)
PROLOG_LIMIT = 1 << 20


def entity_declaration(zf: zipfile.ZipFile, name: str) -> bool:
    """True when a part declares a DTD or entities (XML bombs, external entities).

    A DTD may only stand in the prolog, before the root element, but the
    prolog may hold comments of any length: read on (up to 1 MiB, beyond
    which the part counts as hostile too) until the root element shows.
    """
    with zf.open(name) as fh:
        head = fh.read(HEAD_BYTES)
        while True:
            pos = 0
            while m := _PROLOG_ITEM.match(head, pos):
                pos = m.end()
            rest = head[pos:].lstrip()
            if rest.startswith((b"<!DOCTYPE", b"<!ENTITY")):
                return True
            if rest.startswith(b"<") and not rest.startswith((b"<?", b"<!")):
                return False  # the root element: no DTD can follow
            more = fh.read(HEAD_BYTES * 4) if len(head) < PROLOG_LIMIT else b""
            if not more:
                return bool(rest)  # an endless or broken prolog is not a workbook part
            head += more


def declared_dimension(zf: zipfile.ZipFile, part: str) -> tuple[int, int] | None:
    """(last row, last column), 1-based, from a sheet's <dimension ref=...>, if declared."""
    if part not in zf.namelist():
        return None
    m = _DIMENSION.search(head_of(zf, part))
    if not m:
        return None
    col, row = (m.group(3), m.group(4)) if m.group(3) else (m.group(1), m.group(2))
    if not col or not row:
        return None
    number = 0
    for ch in col.decode():
        number = number * 26 + ord(ch) - 64
    return int(row), number
