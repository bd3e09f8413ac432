"""Carrying figures a partial fetch did not ask for from the previous snapshot."""

from __future__ import annotations

import pytest

from screener.data.provider import DataKind, FetchBundle
from screener.data.refresh import merge_with_previous


def _bundle(metrics: dict[str, float], as_of: str = "2026-02-13") -> FetchBundle:
    return FetchBundle(
        ticker="X", source="yahoo", as_of=as_of, fetched_at="t", currency="CNY", metrics=metrics
    )


PREVIOUS = {
    "as_of": "2026-02-06",
    "price": 10.0,
    "pe_ttm": 20.0,
    "pe_fwd": 15.0,
    "roe": 0.1,
    "ret_6m": 0.2,
    "target_upside": 0.5,
}


def test_a_figure_yahoo_stopped_sending_is_missing_not_carried() -> None:
    fresh = merge_with_previous(
        _bundle({"price": 8.0, "roe": -0.05, "pe_fwd": 30.0}), PREVIOUS, {"fundamentals"}
    )
    assert "pe_ttm" not in fresh.metrics  # a loss-maker's P/E vanished: missing now
    assert fresh.metrics["roe"] == -0.05
    assert fresh.metrics["ret_6m"] == 0.2  # prices were not fetched: carried
    assert fresh.extra["carried_from"]["metrics"] == ["ret_6m"]


def test_a_prices_only_refresh_rescales_carried_multiples() -> None:
    fresh = merge_with_previous(_bundle({"price": 8.0, "ret_6m": 0.1}), PREVIOUS, {"prices"})
    assert fresh.metrics["pe_ttm"] == pytest.approx(16.0)  # same EPS, lower price
    assert fresh.metrics["pe_fwd"] == pytest.approx(12.0)
    assert fresh.metrics["target_upside"] == pytest.approx(1.5 / 0.8 - 1)
    assert fresh.metrics["roe"] == 0.1 and fresh.metrics["ret_6m"] == 0.1


def test_a_history_only_refresh_keeps_the_snapshot_date() -> None:
    fresh = merge_with_previous(_bundle({}, as_of="2026-02-14"), PREVIOUS, {"history"})
    assert fresh.as_of == "2026-02-06"
    assert fresh.metrics["pe_ttm"] == 20.0


def test_nothing_to_carry_without_a_previous_snapshot() -> None:
    bundle = _bundle({"price": 8.0})
    assert merge_with_previous(bundle, None, {DataKind.PRICES}) is bundle


def test_an_unknown_date_keeps_the_previous_snapshot_date_never_today() -> None:
    fresh = merge_with_previous(_bundle({"price": 8.0}, as_of=""), PREVIOUS, {"fundamentals"})
    assert fresh.as_of == "2026-02-06"
    assert merge_with_previous(_bundle({}, as_of=""), None, {"fundamentals"}).as_of == ""


def test_carried_figures_keep_their_vintage() -> None:
    from screener.data.provider import Vintage, encode_vintages

    growth = Vintage("2025-09-30", "statement", "TTM to 2025-09")
    estimate = Vintage("2026-02-06", "estimate", "estimate of 2026-02-06")
    previous = {
        **PREVIOUS,
        "revenue_growth": 0.3,
        "ev_ebitda": 12.0,
        "vintages": encode_vintages(
            {"revenue_growth": growth, "pe_fwd": estimate}, ["revenue_growth", "pe_fwd"]
        ),
    }
    fresh = merge_with_previous(_bundle({"price": 8.0, "ret_6m": 0.1}), previous, {"prices"})
    assert fresh.vintages["revenue_growth"] == growth  # what the old snapshot said
    assert fresh.vintages["pe_fwd"] == estimate  # rescaled, but still the old estimate
    assert "pe_ttm" not in fresh.vintages  # rescaled to the new quote: of the new date
    assert fresh.vintages["ev_ebitda"] == Vintage("2026-02-06", "quote", "quote of 2026-02-06")
    assert fresh.vintages["roe"].date == "2026-02-06"  # no stored vintage: the old date
    assert "ret_6m" not in fresh.vintages  # fetched now
