"""The ``sheetflow`` command's first step: Ctrl-C while Python is still loading
sheetflow (about a quarter of a second) ends as quietly as it does later, with
"Afbrudt." and exit code 130, not a traceback (docs/cli.md, Exit codes)."""

from __future__ import annotations

import sys


def run() -> None:
    """Load the command line and run it."""
    try:
        from sheetflow.cli import main
    except KeyboardInterrupt:
        _interrupted()
    main()


def _interrupted() -> None:
    """Say "interrupted" in the run's language, with as little loaded as can be."""
    try:
        from sheetflow.clilang import language_of_argv
        from sheetflow.texts import text

        words = text(language_of_argv(sys.argv[1:]), "cli", "interrupted", None)
    except BaseException:  # interrupted again, or the catalogue unreadable: Danish
        words = "Afbrudt."
    print(words, file=sys.stderr)
    sys.exit(130)
