"""Web intake: a page per center and round to upload a workbook and see the verdict,
and a dashboard for finance (``sheetflow serve``).

The server is a thin layer like the CLI: every write goes through the library
(``collect_round``, ``review``) under the workspace lock; this package adds the
links (``store``), the pages (``app``) and the command (``cli``).
"""
