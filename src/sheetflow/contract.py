"""What an issued workbook carries, and how a return is known: the one contract
between ``issue`` (which writes it) and ``collect`` (which reads it back).

Both sides import these names; collect never imports the xlsxwriter writer.
The metadata is written twice, as custom document properties and on a very
hidden sheet, because LibreOffice keeps one and Excel the other when a user
does something unusual; both copies must agree (docs/workbooks.md#metadata).
"""

from __future__ import annotations

META_SHEET = "_sheetflow"
"""The very hidden sheet that holds the metadata as name/value rows."""

META_PREFIX = "sheetflow."
"""Prefix of the custom document properties that hold the same metadata."""

META_NAMES = (
    "template_id",
    "round",
    "round_name",
    "center",
    "register_fingerprint",
    "fingerprint",
    "generator",
    "status_sheet",
)
"""The metadata every issued workbook carries; ``template_id`` identifies a return."""

CORE_PROPS = "docProps/core.xml"
"""Where Excel and LibreOffice record when the workbook was last saved
(``dcterms:modified``): what orders two returns of one center in one batch."""
