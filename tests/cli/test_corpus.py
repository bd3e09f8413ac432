"""The hostile rule corpus through the CLI: exit 2, one message, no traceback, no data read."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.engine.test_corpus import FILES
from tests.paths import HANG_SECONDS


@pytest.fixture
def no_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule files are checked before any data is touched: reading data fails the test."""
    import screener.run as run

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("data was loaded before the rules were checked")

    monkeypatch.setattr(run, "load_sample_into", refuse)
    monkeypatch.setattr(run, "build_frame", refuse)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_hostile_rule_file_through_the_cli(run_cli, no_data: None, path: Path) -> None:
    for args in (
        ("rules", "check", str(path)),
        ("screen", "--source", "sample", "--rules", str(path)),
    ):
        start = time.perf_counter()
        result = run_cli(*args)
        elapsed = time.perf_counter() - start
        assert result.status == 2, (args, result.err)
        assert result.out == ""
        assert result.err.startswith("screener: error: ")
        assert path.name in result.err.splitlines()[0]
        assert "Traceback" not in result.err
        assert elapsed < HANG_SECONDS
