"""``python -m sheetflow``: the same as the ``sheetflow`` command."""

from sheetflow.cli import main

main()
