"""Derived metrics: never across currencies, never invented."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from screener.data.provider import FxRate
from screener.derived import add_derived, market_cap_usd_note, pick_fx

RATES = [
    FxRate("CNY", "2025-12-16", 7.06, "a"),
    FxRate("CNY", "2026-01-27", 6.99, "b"),
    FxRate("HKD", "2026-01-20", 7.80, "c"),
]


def test_pick_fx_takes_the_closest_date_and_usd_is_identity() -> None:
    assert pick_fx(RATES, "CNY", "2025-11-01").date == "2025-12-16"
    assert pick_fx(RATES, "CNY", "2026-02-10").date == "2026-01-27"
    assert pick_fx(RATES, "USD", "2026-02-10").units_per_usd == 1.0
    assert pick_fx(RATES, "JPY", "2026-02-10") is None
    assert pick_fx(RATES, None, "2026-02-10") is None


def test_add_derived() -> None:
    frame = pd.DataFrame(
        {
            "currency": ["CNY", "HKD", "JPY", "USD"],
            "as_of": ["2025-12-20", "2026-01-01", "2026-01-01", "2026-01-31"],
            "market_cap": [706e9, 78e9, 1e12, np.nan],
            "pe_ttm": [60.0, -5.0, 20.0, 30.0],
            "pe_fwd": [30.0, 10.0, np.nan, 20.0],
        },
        index=["300308.SZ", "9698.HK", "5803.T", "ANET"],
    )
    out, provenance = add_derived(frame, RATES, date(2026, 2, 1))
    assert out.at["300308.SZ", "implied_eps_growth"] == pytest.approx(1.0)
    assert np.isnan(out.at["9698.HK", "implied_eps_growth"])  # negative earnings: no growth
    assert np.isnan(out.at["5803.T", "implied_eps_growth"])
    assert out.at["300308.SZ", "market_cap_usd"] == pytest.approx(706e9 / 7.06)
    assert out.at["9698.HK", "market_cap_usd"] == pytest.approx(78e9 / 7.80)
    assert np.isnan(out.at["5803.T", "market_cap_usd"])  # no JPY rate: missing, not guessed
    assert np.isnan(out.at["ANET", "market_cap_usd"])
    assert provenance["300308.SZ"]["market_cap_usd"] == (
        "derived: market_cap / 7.06 CNY per USD (2025-12-16, a)"
    )
    assert provenance["300308.SZ"]["market_cap_usd"] == market_cap_usd_note(RATES[0])
    assert out.at["ANET", "data_age_days"] == 1.0


def test_a_usd_figure_from_the_source_is_kept_not_derived() -> None:
    frame = pd.DataFrame(
        {
            "currency": ["CNY"],
            "as_of": ["2026-01-27"],
            "market_cap": [7e9],
            "market_cap_usd": [2e9],
        },
        index=["X"],
    )
    out, provenance = add_derived(frame, RATES, date(2026, 2, 1))
    assert out.at["X", "market_cap_usd"] == 2e9 and "market_cap_usd" not in provenance["X"]
