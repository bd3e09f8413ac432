"""The command line, one module per command group; `main` is the entry point.

The command modules are imported when a command is first looked up (`app.LazyGroup`,
from `app.COMMAND_MODULES`), so a run imports only the command it runs.
"""

from screener.cli.app import AppState, cli, main

__all__ = ["AppState", "cli", "main"]
