"""The listing commands as a user sees them at a fixed width, for the golden files.

Each is run through the real CLI in-process, with a private store, no config and no
network; a watchlist is saved first (at a fixed time) for `watchlist show`.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock

LISTINGS: dict[str, tuple[str, ...]] = {
    "universe_list": ("universe", "list", "--sector", "switching"),
    "rules_list": ("rules", "list"),
    "explain": ("explain", "300308", "--source", "sample"),
    "watchlist_show": ("watchlist", "show", "core"),
}
WIDTHS = (60, 80)
SAVED_AT = "2026-03-01T08:00:00+00:00"


@contextmanager
def _private(width: int) -> Iterator[None]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "SCREENER_DB": str(Path(tmp) / "store.db"),
            "XDG_CONFIG_HOME": str(Path(tmp) / "config"),
            "XDG_DATA_HOME": str(Path(tmp) / "data"),
            "SCREENER_OFFLINE": "1",
            "COLUMNS": str(width),
            "NO_COLOR": "1",
        }
        with mock.patch.dict(os.environ, env):
            yield


def _run(*args: str) -> str:
    from screener.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(args))
    if status != 0:
        raise RuntimeError(f"screener {' '.join(args)} failed: {err.getvalue()}")
    return out.getvalue()


def render_listing(name: str, width: int) -> str:
    """What `screener ARGS` prints at `width` columns (see LISTINGS)."""
    from screener.data import store

    with _private(width):
        if name == "watchlist_show":
            with mock.patch.object(store, "_now", lambda: SAVED_AT):
                _run("watchlist", "save", "core", "--source", "sample", "--flagged")
        return _run(*LISTINGS[name])
