"""Where tests find the project and the shared folder, whatever folder a test lives in."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the project checkout
SHARED = ROOT.parent / "shared"  # ../shared beside the checkout (absent: tests skip)
#: real Yahoo answers recorded by other clients; YAHOO_RECORDED_DIR points elsewhere (a git
#: worktree has no ../shared beside it)
RECORDED = Path(os.environ.get("YAHOO_RECORDED_DIR") or SHARED / "yahoo-recorded")

#: The wall-clock bound of the hostile-input tests: a guard against hangs and blow-ups
#: (a quadratic loop over 10,000 entries, a read of a 3 GiB file), not a speed target
#: (those live in benchmarks/); generous, so a busy 2-core machine never trips it.
HANG_SECONDS = 5.0
