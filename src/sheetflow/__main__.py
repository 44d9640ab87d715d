"""``python -m sheetflow``: the same as the ``sheetflow`` command."""

from sheetflow.entry import run

run()
