"""Regenerate the golden tables: `python -m tests.golden.regenerate` (never edit them by hand)."""

from __future__ import annotations

from pathlib import Path

from tests.golden.listings import LISTINGS, render_listing
from tests.golden.listings import WIDTHS as LISTING_WIDTHS
from tests.output.test_table import WIDTHS, render_golden

HERE = Path(__file__).parent

if __name__ == "__main__":
    for width in WIDTHS:
        (HERE / f"table_{width}.txt").write_text(render_golden(width), encoding="utf-8")
        print(f"wrote table_{width}.txt")
    for name in LISTINGS:
        for width in LISTING_WIDTHS:
            (HERE / f"{name}_{width}.txt").write_text(render_listing(name, width), encoding="utf-8")
            print(f"wrote {name}_{width}.txt")
