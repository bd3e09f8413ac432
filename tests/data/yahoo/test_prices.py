"""Daily bars and the metrics their closes give."""

from __future__ import annotations

import pytest

from screener.data.provider import PriceBar
from screener.data.yahoo.prices import price_metrics, with_price_metrics


def test_price_metrics_windows() -> None:
    bars = tuple(PriceBar(f"2025-{m:02d}-15", None, None, None, float(m)) for m in range(1, 13))
    out = price_metrics(bars)
    assert out["ret_1m"] == pytest.approx(12 / 11 - 1)
    assert out["ret_3m"] == pytest.approx(12 / 9 - 1)
    assert "ret_12m" not in out  # the history does not reach back a year
    assert "price_vs_ma200" not in out



def test_the_quote_wins_over_the_bars_and_the_bars_fill_in() -> None:
    bars = tuple(PriceBar(f"2025-{m:02d}-15", None, 20.0, None, float(m)) for m in range(1, 13))
    quoted = with_price_metrics({"price": 13.0, "off_52w_high": -0.5}, bars)
    assert quoted["price"] == 13.0 and quoted["off_52w_high"] == -0.5
    assert quoted["ret_1m"] == pytest.approx(13 / 11 - 1)  # measured from the quoted price
    bare = with_price_metrics({}, bars)
    assert bare["price"] == 12.0 and bare["off_52w_high"] == pytest.approx(12 / 20 - 1)


def test_the_chart_currency_is_read_from_any_mapping() -> None:
    from collections.abc import Iterator, Mapping
    from typing import Any

    from screener.data.yahoo.prices import chart_currency

    class Lazy(Mapping[str, Any]):  # like yfinance's HistoryMetadata: a Mapping, not a dict
        def __getitem__(self, key: str) -> Any:
            return {"currency": "GBp"}[key]

        def __iter__(self) -> Iterator[str]:
            return iter(["currency"])

        def __len__(self) -> int:
            return 1

    assert chart_currency(Lazy()) == "GBp"
    assert chart_currency({"currency": "USD"}) == "USD"
    assert chart_currency({"currency": ""}) is None and chart_currency(None) is None


def test_price_metrics_read_the_close_never_the_adjusted_close() -> None:
    bars = tuple(
        PriceBar(f"2025-{m:02d}-15", None, None, None, 10.0, adj_close=10.0 * m / 12)
        for m in range(1, 13)
    )
    assert price_metrics(bars)["ret_1m"] == 0.0  # flat closes; the adjusted ones rise
