"""The command line, one module per command group; `main` is the entry point.

The command modules are imported here so that every command is registered on the
group before `main` runs.
"""

from screener.cli import (  # noqa: F401 - registers the commands
    backtest,
    refresh,
    rules,
    screen,
    universe,
    watchlist,
)
from screener.cli.app import AppState, cli, main

__all__ = ["AppState", "cli", "main"]
