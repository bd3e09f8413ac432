"""Where tests find the project and the shared folder, whatever folder a test lives in."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the project checkout
SHARED = ROOT.parent / "shared"  # ../shared beside the checkout (absent: tests skip)
RECORDED = SHARED / "yahoo-recorded"  # real Yahoo answers recorded by other clients
