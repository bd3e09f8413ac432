"""The provider-boundary validator: a bad field is dropped with its reason, the rest kept."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screener.data.provider import FetchBundle, FxRate, HistoryPoint, PriceBar
from screener.data.store import Store
from screener.data.validate import (
    EXTRA_DROPPED,
    fx_rate_problem,
    number_problem,
    validate_bundle,
)

HUGE = 10**400


def _bundle(**changes: Any) -> FetchBundle:
    base: dict[str, Any] = {
        "ticker": "ANET",
        "source": "yahoo",
        "as_of": "2026-02-13",
        "fetched_at": "2026-02-14T00:00:00+00:00",
        "currency": "USD",
        "financial_currency": "USD",
        "metrics": {"price": 131.2, "pe_ttm": 51.3, "market_cap": 1.6e11},
        "profile": {"longName": "Arista Networks", "fullTimeEmployees": 4412},
        "prices": (PriceBar("2026-02-12", 130.0, 133.0, 129.0, 131.2, 1e6),),
        "history": (HistoryPoint("pe_ttm", "2025-12", 48.0),),
    }
    base.update(changes)
    return FetchBundle(**base)


def test_a_clean_bundle_passes_untouched() -> None:
    bundle = _bundle()
    assert validate_bundle(bundle) is bundle


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"currency": 10**30}, "currency"),
        ({"currency": ["USD"]}, "currency"),
        ({"currency": "US\x1b[2JD"}, "currency"),
        ({"financial_currency": {"code": "USD"}}, "financial_currency"),
        ({"metrics": {"price": 131.2, "market_cap": -5e9}}, "metrics.market_cap"),
        ({"metrics": {"price": 131.2, "pe_ttm": HUGE}}, "metrics.pe_ttm"),
        ({"metrics": {"price": 131.2, "pe_ttm": math.inf}}, "metrics.pe_ttm"),
        ({"metrics": {"price": 131.2, "pe_ttm": math.nan}}, "metrics.pe_ttm"),
        ({"metrics": {"price": 131.2, "pe_ttm": True}}, "metrics.pe_ttm"),
        ({"metrics": {"price": 131.2, "pe_ttm": "12"}}, "metrics.pe_ttm"),
        ({"metrics": {"price": 131.2, "pe_ttm": 1e308}}, "metrics.pe_ttm"),
        ({"metrics": {"price": 0.0}}, "metrics.price"),
        ({"profile": {"longName": "Evil\x1b]0;x\x07"}}, "profile.longName"),
        ({"profile": {"longName": "x" * 5000}}, "profile.longName"),
        ({"profile": {"fullTimeEmployees": HUGE}}, "profile.fullTimeEmployees"),
        ({"source_url": "javascript:alert(1)"}, "source_url"),
        ({"notes": "a\x00b"}, "notes"),
        ({"prices": (PriceBar("2026-02-12", None, None, None, -1.0),)}, "prices"),
        ({"prices": (PriceBar("yesterday", None, None, None, 1.0),)}, "prices"),
        ({"history": (HistoryPoint("pe_ttm", "2025-12", math.inf),)}, "history"),
        ({"history": (HistoryPoint("__class__", "2025-12", 1.0),)}, "history"),
        ({"extra": {"analyst": {"targetMeanPrice": HUGE, "recommendationKey": "buy"}}}, "extra"),
    ],
)
def test_a_bad_field_is_dropped_with_its_reason(changes: dict[str, Any], field: str) -> None:
    clean = validate_bundle(_bundle(**changes))
    dropped = clean.extra[EXTRA_DROPPED]
    assert field in dropped and dropped[field]
    assert clean.ticker == "ANET" and clean.as_of == "2026-02-13"
    if "metrics" in changes:
        assert clean.metrics.get("price") in (131.2, None)
        assert all(number_problem(v) is None for v in clean.metrics.values())
    if "extra" in changes:
        assert clean.extra["analyst"] == {"recommendationKey": "buy"}


def test_bad_bar_fields_are_cleared_and_bad_bars_dropped() -> None:
    bars = (
        PriceBar("2026-02-11", math.nan, 10**30, -3.0, 10.0, -5.0),
        PriceBar("2026-02-12", 10.0, 11.0, 9.0, 10.5, 100.0),
        PriceBar("2026-02-13", 10.0, 11.0, 9.0, math.inf, 100.0),
    )
    clean = validate_bundle(_bundle(prices=bars))
    assert [b.date for b in clean.prices] == ["2026-02-11", "2026-02-12"]
    first = clean.prices[0]
    assert (first.open, first.high, first.low, first.volume) == (None, None, None, None)
    assert clean.extra[EXTRA_DROPPED]["prices"].startswith("1 bar(s) dropped")


@pytest.mark.parametrize(
    "changes",
    [{"ticker": 10**30}, {"ticker": ""}, {"source": ["yahoo"]}, {"as_of": "2026-13-45"}],
)
def test_a_bundle_without_a_usable_identity_raises(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="the bundle's"):
        validate_bundle(_bundle(**changes))


@pytest.mark.parametrize(
    ("rate", "ok"),
    [
        (FxRate("CNY", "2026-02-13", 7.2, "yahoo"), True),
        (FxRate("GBp", "2026-02-13", 79.0, "yahoo"), True),
        (FxRate("CNY", "2026-02-13", 0.0, "yahoo"), False),
        (FxRate("CNY", "2026-02-13", -7.2, "yahoo"), False),
        (FxRate("CNY", "2026-02-13", math.nan, "yahoo"), False),
        (FxRate("CNY", "2026-02-13", math.inf, "yahoo"), False),
        (FxRate(10**30, "2026-02-13", 7.2, "yahoo"), False),  # type: ignore[arg-type]
        (FxRate("CNY", "soon", 7.2, "yahoo"), False),
    ],
)
def test_fx_rates_that_are_no_rate(rate: FxRate, ok: bool) -> None:
    assert (fx_rate_problem(rate) is None) is ok


def test_the_store_saves_the_healthy_part_of_a_hostile_bundle(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        store.save_bundle(
            _bundle(
                currency=10**30,
                metrics={"price": 131.2, "pe_ttm": HUGE, "market_cap": -1.0, "pb": 14.2},
            )
        )
        store.save_fx_rates(
            [FxRate("CNY", "2026-02-13", 0.0, "yahoo"), FxRate("HKD", "2026-02-13", 7.8, "y")]
        )
        (row,) = store.latest_snapshots("yahoo")
        assert row["currency"] is None and row["pe_ttm"] is None and row["market_cap"] is None
        assert row["price"] == 131.2 and row["pb"] == 14.2
        assert "metrics.pe_ttm" in row["extra"]
        assert [r.currency for r in store.fx_rates()] == ["HKD"]


_JSONISH = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**500), max_value=10**500),
        st.floats(),
        st.text(max_size=20),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=10,
)


@given(
    metrics=st.dictionaries(st.sampled_from(["price", "pe_ttm", "market_cap", "roe"]), _JSONISH),
    currency=_JSONISH,
    profile=st.dictionaries(st.sampled_from(["longName", "sector", "x"]), _JSONISH),
    extra=st.dictionaries(st.text(max_size=5), _JSONISH, max_size=3),
)
def test_any_answer_validates_to_something_the_store_can_save(
    metrics: dict, currency: Any, profile: dict, extra: dict
) -> None:
    clean = validate_bundle(
        _bundle(metrics=metrics, currency=currency, profile=profile, extra=extra)
    )
    assert all(isinstance(v, int | float) and math.isfinite(v) for v in clean.metrics.values())
    assert clean.currency is None or isinstance(clean.currency, str)
    with Store(":memory:") as store:
        store.save_bundle(clean)  # never OverflowError, never a binding error
