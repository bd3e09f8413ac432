"""Every listing command at 60, 80, 100 and 200 columns: no word split, goldens at 60/80."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.golden.listings import LISTINGS, WIDTHS, render_listing

GOLDEN = Path(__file__).parents[1] / "golden"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(LISTINGS))
def test_golden_listing(name: str, width: int) -> None:
    expected = (GOLDEN / f"{name}_{width}.txt").read_text(encoding="utf-8")
    assert render_listing(name, width) == expected, "run `python -m tests.golden.regenerate`"


def _tokens(text: str) -> set[str]:
    return {t for line in text.splitlines() for t in re.split(r"[\s│┃]+", line) if t}


#: words that must come out whole, per listing (tickers, dates, CJK names, ids, expressions)
WHOLE = {
    "universe_list": ["000063.SZ", "ANET", "switch_system", "中兴通讯", "Data-centre"],
    "rules_list": [
        "a-share-discount-to-global-peers",
        "sector_median(pe_fwd)",
        "peer_gap(pe_fwd)",
        "a_share_discount.toml:3",
    ],
    "explain": ["sector_median(pe_fwd)", "peer_gap(pe_fwd)", "hist_pct(pe_ttm)", "2025-09-05"],
    "watchlist_show": ["300308.SZ", "2025-09-05", "中际旭创", "fwd-pe-discount-with-growth"],
}


@pytest.mark.parametrize("width", [60, 80, 100, 200])
@pytest.mark.parametrize("name", list(LISTINGS))
def test_no_word_is_split_and_every_line_fits(name: str, width: int) -> None:
    text = render_listing(name, width)
    wide = [line for line in text.splitlines() if cell_len(line) > width]
    assert not wide, wide[:3]
    tokens = _tokens(text)
    for word in WHOLE[name]:
        assert any(word in token for token in tokens), (name, width, word)
