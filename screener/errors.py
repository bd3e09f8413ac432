"""Exceptions the library raises; the CLI turns each into one clean message and an exit code.

Exit codes follow httpie's convention: 0 ok, 1 runtime failure (network, store),
2 bad input (options, rule files, tickers, user files), 130 interrupted.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    INTERRUPTED = 130


class ScreenerError(Exception):
    """Base of every error meant for the user; its message is shown without a traceback."""

    exit_status: ExitStatus = ExitStatus.ERROR


class InputError(ScreenerError):
    """Bad input from the user: an option, a ticker, a rule file, an override file."""

    exit_status = ExitStatus.USAGE


class DataError(ScreenerError):
    """Data could not be fetched, read or stored."""

    exit_status = ExitStatus.ERROR
