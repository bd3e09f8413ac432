"""Yahoo's field names and units onto the catalogue: the pure mapping, no network."""

from __future__ import annotations

from typing import Any

import pytest

from screener.data.yahoo.fields import (
    dividend_yield_fraction,
    eps_revision_30d,
    is_empty_quote,
    metrics_from_info,
)


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ({"dividendYield": 0.41, "dividendRate": 1.0, "regularMarketPrice": 244.0}, 0.0041),
        ({"dividendYield": 0.0041, "dividendRate": 1.0, "regularMarketPrice": 244.0}, 0.0041),
        ({"dividendYield": 2.69}, 0.0269),
        ({}, None),
    ],
)
def test_dividend_yield_units(info: dict[str, Any], expected: float | None) -> None:
    got = dividend_yield_fraction(info)
    assert got == (pytest.approx(expected, rel=0.01) if expected is not None else None)


def test_eps_revision_without_plus_one_year_row() -> None:
    import pandas as pd

    frame = pd.DataFrame({"current": [1.0], "30daysAgo": [0.8]}, index=["0y"])
    assert eps_revision_30d(frame) is None
    frame = pd.DataFrame({"current": [1.0], "30daysAgo": [0.8]}, index=["+1y"])
    assert eps_revision_30d(frame) == pytest.approx(0.25)


def test_info_units_become_catalogue_units() -> None:
    info = {
        "regularMarketPrice": 50.0,
        "currentPrice": 50.0,
        "debtToEquity": 39.0,  # percent
        "targetMeanPrice": 60.0,
        "fiftyTwoWeekHigh": 80.0,
        "trailingPE": 25.0,
        "pegRatio": None,
        "trailingPegRatio": 1.5,
    }
    m = metrics_from_info(info)
    assert m["debt_to_equity"] == pytest.approx(0.39)
    assert m["target_upside"] == pytest.approx(0.2)
    assert m["off_52w_high"] == pytest.approx(50 / 80 - 1)
    assert m["peg"] == 1.5  # the first key that has a number
    assert "market_cap_usd" not in m  # derived later, never a Yahoo field


@pytest.mark.parametrize(
    ("info", "empty"),
    [
        ({}, True),
        ({"quoteType": "EQUITY"}, False),
        ({"currentPrice": 1.0}, False),
        ({"x": 1}, True),
    ],
)
def test_an_empty_quote_means_an_unknown_symbol(info: dict[str, Any], empty: bool) -> None:
    assert is_empty_quote(info) is empty


def test_as_of_is_the_quote_time_then_the_chart_then_the_last_bar_never_today() -> None:
    import pandas as pd

    from screener.data.provider import PriceBar
    from screener.data.yahoo.fields import AS_OF_UNKNOWN, as_of_date

    # 1790755705 is 2026-09-30 16:08 in Hong Kong (08:08 UTC)
    v7 = {"regularMarketTime": 1790755705, "exchangeTimezoneName": "Asia/Hong_Kong"}
    late = {"regularMarketTime": 1790787620, "exchangeTimezoneName": "Asia/Hong_Kong"}
    assert as_of_date(v7) == ("2026-09-30", "v7 quote time")
    assert as_of_date(late)[0] == "2026-10-01"  # 17:00 UTC, 01:00 next day in Hong Kong
    bars = (PriceBar("2026-09-29", None, None, None, 70.0),)
    stamp = pd.Timestamp("2026-09-30 16:08:25", tz="Asia/Hong_Kong")  # what yfinance hands over
    chart = {"regularMarketTime": stamp, "exchangeTimezoneName": "Asia/Hong_Kong"}
    assert as_of_date({}, bars, chart) == ("2026-09-30", "chart quote time")
    epoch = {"regularMarketTime": 1790755705, "exchangeTimezoneName": "Asia/Hong_Kong"}
    assert as_of_date({}, (), epoch)[0] == "2026-09-30"
    assert as_of_date({}, bars, {"currency": "HKD"}) == ("2026-09-29", "last daily bar")
    assert as_of_date({"currency": "HKD"}) == ("", AS_OF_UNKNOWN)
