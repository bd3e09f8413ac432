"""Row selection: sort within sectors, filters, limits; missing values sort last."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from screener.errors import InputError
from screener.select import parse_sort, select_rows

FRAME = pd.DataFrame(
    {
        "sector": ["switching", "optical_communication", "optical_communication", "switching"],
        "pe_fwd": [20.0, np.nan, 15.0, 10.0],
        "score": [1.0, 3.0, -1.0, 0.0],
        "market_cap_usd": [1e9, 2e9, 3e9, 4e9],
        "name_en": ["a", "b", "c", "d"],
    },
    index=["S1", "O1", "O2", "S2"],
)


def test_sort_within_sectors_in_the_notes_order() -> None:
    assert list(select_rows(FRAME).index) == ["O1", "O2", "S1", "S2"]
    assert list(select_rows(FRAME, sort="pe_fwd").index) == ["O2", "O1", "S2", "S1"]
    assert list(select_rows(FRAME, sort="pe_fwd:desc").index) == ["O2", "O1", "S1", "S2"]


def test_filters_and_limit() -> None:
    assert list(select_rows(FRAME, flagged=True).index) == ["O1", "S1"]
    assert list(select_rows(FRAME, min_score=0).index) == ["O1", "S1", "S2"]
    assert list(select_rows(FRAME, limit=1).index) == ["O1", "S1"]
    assert list(select_rows(FRAME, sectors=["switching"]).index) == ["S1", "S2"]


@pytest.mark.parametrize("spec", ["pe_fw", "score:up", "__class__"])
def test_bad_sort_specs(spec: str) -> None:
    with pytest.raises(InputError, match="--sort"):
        parse_sort(spec)


def test_did_you_mean() -> None:
    with pytest.raises(InputError, match="did you mean 'pe_fwd'"):
        parse_sort("pe_fw")
