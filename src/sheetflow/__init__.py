"""sheetflow: run a budget follow-up round through Excel."""

__version__ = "0.1.0"
