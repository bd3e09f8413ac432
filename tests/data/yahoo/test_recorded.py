"""YahooProvider on real recorded Yahoo answers (../shared/yahoo-recorded, when present)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from screener.data.yahoo import YahooProvider
from tests.fake_yahoo import FakeYahoo
from tests.fake_yahoo.testing import no_network, yf_cache_dir
from tests.paths import RECORDED

_FIXTURES = (no_network, yf_cache_dir)  # pytest fixtures, used by name below


needs_recorded = pytest.mark.skipif(not RECORDED.is_dir(), reason="no ../shared/yahoo-recorded")


def _body(name: str) -> Any:
    data = json.loads((RECORDED / name).read_text())
    return data["response"]["bodyJson"] if "response" in data else data


def _recorded_quote_summary(symbol: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for module in (
        "financialData",
        "summaryDetail",
        "defaultKeyStatistics",
        "assetProfile",
        "quoteType",
        "price",
        "earningsTrend",
    ):
        path = RECORDED / "node-yahoo-finance2" / f"quoteSummary-{module}-{symbol}.json"
        result = _body(str(path.relative_to(RECORDED)))["quoteSummary"]["result"]
        if result:
            merged.update(result[0])
    return {"quoteSummary": {"result": [merged], "error": None}}


@needs_recorded
@pytest.mark.parametrize("symbol", ["BABA", "AAPL", "BEKE"])
def test_recorded_node_answers_parse_to_raw_values(
    no_network: None, yf_cache_dir: Path, symbol: str
) -> None:
    from tests.fake_yahoo.testing import fresh_yfinance

    fresh_yfinance()
    qs = _recorded_quote_summary(symbol)
    quote = _body(f"node-yahoo-finance2/quote-{symbol}.json")
    fake = FakeYahoo(fixtures=None, extra={("quoteSummary", symbol): qs, ("quote", symbol): quote})
    b = YahooProvider(fake.session(), cache_dir=yf_cache_dir).fetch_one(
        symbol, kinds={"fundamentals", "profile"}
    )
    mods = qs["quoteSummary"]["result"][0]
    fd, sd, ks = mods["financialData"], mods["summaryDetail"], mods["defaultKeyStatistics"]
    v7 = quote["quoteResponse"]["result"][0]
    m = b.metrics
    assert m["price"] == v7["regularMarketPrice"]  # v7 overrides quoteSummary in yfinance.info
    assert m["pe_fwd"] == v7["forwardPE"]
    if b.currency == b.financial_currency:
        assert m["ps_ttm"] == sd["priceToSalesTrailing12Months"]
    else:  # Yahoo's P/S mixes two currencies; with no FX rate served it is dropped
        assert "ps_ttm" not in m and "pb" not in m
        assert "ps_ttm" in b.extra["currency_aligned"]["dropped"]
    assert m["ev_ebitda"] == ks["enterpriseToEbitda"]
    assert m["gross_margin"] == fd["grossMargins"]
    assert m["net_margin"] == fd["profitMargins"]
    assert m["roe"] == fd["returnOnEquity"]
    assert m["revenue_growth"] == fd["revenueGrowth"]
    assert m["debt_to_equity"] == pytest.approx(fd["debtToEquity"] / 100)
    assert m["target_upside"] == pytest.approx(fd["targetMeanPrice"] / fd["currentPrice"] - 1)
    # yfinance.info carries v7's percent figure (1.6 means 1.6 %), not summaryDetail's fraction.
    assert m["dividend_yield"] == pytest.approx(v7["dividendYield"] / 100)
    plus1y = next(t for t in mods["earningsTrend"]["trend"] if t["period"] == "+1y")
    now, ago = plus1y["epsTrend"]["current"]["raw"], plus1y["epsTrend"]["30daysAgo"]["raw"]
    assert m["eps_revision_30d"] == pytest.approx((now - ago) / abs(ago))
    assert b.financial_currency == fd["financialCurrency"]
    assert b.profile["industry"] == mods["assetProfile"]["industry"]


@needs_recorded
def test_recorded_hong_kong_answer_keeps_usd_statements_apart(
    no_network: None, yf_cache_dir: Path
) -> None:
    from tests.fake_yahoo.testing import fresh_yfinance

    fresh_yfinance()
    qs = _body("yfinance-java/qs_1299_HK.json")
    quote = _body("yfinance-java/v7_1299_HK.json")
    fake = FakeYahoo(
        fixtures=None, extra={("quoteSummary", "1299.HK"): qs, ("quote", "1299.HK"): quote}
    )
    b = YahooProvider(fake.session(), cache_dir=yf_cache_dir).fetch_one(
        "1299.HK", kinds={"fundamentals"}
    )
    v7 = quote["quoteResponse"]["result"][0]
    assert (b.currency, b.financial_currency) == ("HKD", "USD")
    assert b.metrics["price"] == v7["regularMarketPrice"]
    assert b.metrics["pe_ttm"] == v7["trailingPE"]
    assert b.metrics["dividend_yield"] == pytest.approx(v7["dividendYield"] / 100)
    assert b.metrics["off_52w_high"] == pytest.approx(
        v7["regularMarketPrice"] / v7["fiftyTwoWeekHigh"] - 1
    )


@needs_recorded
def test_recorded_valuation_timeseries_becomes_history(
    no_network: None, yf_cache_dir: Path
) -> None:
    from tests.fake_yahoo.testing import fresh_yfinance

    fresh_yfinance()
    body = _body("yfinance-java/timeseries_valuation_quarterly_005930_ks.json")
    fake = FakeYahoo(fixtures=None, extra={("timeseries", "005930.KS"): body})
    b = YahooProvider(fake.session(), cache_dir=yf_cache_dir).fetch_one(
        "005930.KS", kinds={"history"}
    )
    raw = {}
    for item in body["timeseries"]["result"]:
        t = item["meta"]["type"][0]
        for point in item.get(t) or []:
            raw[(t, point["asOfDate"])] = point["reportedValue"]["raw"]
    got = {(p.metric, p.date): p.value for p in b.history}
    assert got[("pe_fwd", "2025-06-30")] == raw[("quarterlyForwardPeRatio", "2025-06-30")]
    assert (
        got[("ev_revenue", "2026-06-30")]
        == raw[("quarterlyEnterprisesValueRevenueRatio", "2026-06-30")]
    )
    by_metric = {
        "quarterlyPeRatio": "pe_ttm",
        "quarterlyPbRatio": "pb",
        "quarterlyPsRatio": "ps_ttm",
        "quarterlyEnterprisesValueEBITDARatio": "ev_ebitda",
    }
    for (t, day), value in raw.items():
        if t in by_metric:
            assert got[(by_metric[t], day)] == value
