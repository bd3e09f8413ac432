"""The width piped output is laid out for: COLUMNS, else the typing terminal, else 160."""

from __future__ import annotations

import io
import os

import pytest

from screener.output import console


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty

    def fileno(self) -> int:
        return 2


@pytest.fixture
def piped(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setattr(console.sys, "stdout", _Stream(tty=False))
    monkeypatch.setattr(console.sys, "stdin", _Stream(tty=False))
    monkeypatch.delenv("COLUMNS", raising=False)
    return monkeypatch


def test_columns_wins_when_set(piped: pytest.MonkeyPatch) -> None:
    piped.setenv("COLUMNS", "77")
    piped.setattr(console.sys, "stderr", _Stream(tty=True))
    assert console.output_width() == 77


def test_the_terminal_typed_in_when_stdout_is_piped(piped: pytest.MonkeyPatch) -> None:
    piped.setattr(console.sys, "stderr", _Stream(tty=True))
    piped.setattr(console.os, "get_terminal_size", lambda fd: os.terminal_size((93, 40)))
    assert console.output_width() == 93
    assert console.stdout_console().width == 93


def test_no_terminal_anywhere_is_the_pipe_default(piped: pytest.MonkeyPatch) -> None:
    piped.setattr(console.sys, "stderr", _Stream(tty=False))
    piped.setenv("COLUMNS", "not a number")
    assert console.output_width() == console.PIPE_WIDTH == 160
