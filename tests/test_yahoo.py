"""YahooProvider through the fake Yahoo: yfinance's real parsing, our mapping onto the catalogue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from screener.data.provider import PriceBar
from screener.data.yahoo import (
    BadResponseError,
    NotFoundError,
    TransientError,
    YahooProvider,
    dividend_yield_fraction,
    eps_revision_30d,
    price_metrics,
)
from tests.fake_yahoo import FakeYahoo, Fault, load_spec
from tests.fake_yahoo.builder import FX_RATES
from tests.fake_yahoo.testing import fake_yahoo, no_network, yf_cache_dir

_FIXTURES = (fake_yahoo, no_network, yf_cache_dir)  # pytest fixtures, used by name below

RECORDED = Path(__file__).resolve().parents[2] / "shared" / "yahoo-recorded"


def provider(fake: FakeYahoo, cache: Path) -> YahooProvider:
    return YahooProvider(fake.session(), cache_dir=cache)


def test_a_share_maps_onto_the_catalogue(fake_yahoo: FakeYahoo, yf_cache_dir: Path) -> None:
    spec = load_spec("300308.SZ")
    b = provider(fake_yahoo, yf_cache_dir).fetch_one("300308.SZ")
    m = b.metrics
    assert b.currency == "CNY" and b.financial_currency == "CNY"
    assert m["price"] == spec.price
    assert m["pe_ttm"] == spec.trailing_pe
    assert m["pe_fwd"] == spec.forward_pe
    assert m["peg"] == spec.peg
    assert m["ps_ttm"] == spec.ps
    assert m["pb"] == spec.pb
    assert m["ev_ebitda"] == spec.ev_ebitda
    assert m["net_margin"] == spec.profit_margins
    assert m["roe"] == spec.roe
    assert m["debt_to_equity"] == pytest.approx(spec.debt_to_equity_pct / 100)  # percent -> ratio
    assert m["dividend_yield"] == pytest.approx(spec.dividend_yield)  # v7 percent -> fraction
    assert m["target_upside"] == pytest.approx(spec.target_mean / spec.price - 1)
    assert m["eps_revision_30d"] == pytest.approx(
        spec.eps_next_year / spec.eps_next_year_30d_ago - 1
    )
    assert m["market_cap_usd"] == pytest.approx(spec.market_cap / FX_RATES["CNY"])
    assert len(b.prices) >= 250 and b.prices[-1].close == spec.price
    assert {"ret_1m", "ret_3m", "ret_6m", "ret_12m", "price_vs_ma200", "off_52w_high"} <= set(m)
    assert m["off_52w_high"] <= 0
    metrics = {p.metric for p in b.history}
    assert {"pe_ttm", "pe_fwd", "ps_ttm", "pb", "ev_ebitda"} <= metrics
    assert min(p.date for p in b.history) == "2017-03-31"
    assert b.profile["industry"] == spec.industry


def test_listing_and_financial_currency_are_never_mixed(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path
) -> None:
    # GDS trades in USD and reports in CNY: its USD market cap is its market cap.
    b = provider(fake_yahoo, yf_cache_dir).fetch_one("GDS")
    assert (b.currency, b.financial_currency) == ("USD", "CNY")
    assert b.metrics["market_cap_usd"] == b.metrics["market_cap"] == load_spec("GDS").market_cap
    assert b.extra["fx"]["units_per_usd"] == 1.0


def test_missing_fields_stay_missing(fake_yahoo: FakeYahoo, yf_cache_dir: Path) -> None:
    b = provider(fake_yahoo, yf_cache_dir).fetch_one("688702.SS")  # loss-making, no coverage
    for name in (
        "pe_ttm",
        "peg",
        "ev_ebitda",
        "target_upside",
        "eps_revision_30d",
        "dividend_yield",
    ):
        assert name not in b.metrics


def test_handshake_happens_once(fake_yahoo: FakeYahoo, yf_cache_dir: Path) -> None:
    p = provider(fake_yahoo, yf_cache_dir)
    for sym in ("300308.SZ", "002281.SZ", "2345.TW"):
        p.fetch_one(sym)
    assert fake_yahoo.cookies_issued <= 1  # 0 when an earlier test left it in the disk cache
    assert fake_yahoo.crumbs_issued == 1
    assert p.requests_made == fake_yahoo.total


def test_unknown_symbol_is_not_found(fake_yahoo: FakeYahoo, yf_cache_dir: Path) -> None:
    with pytest.raises(NotFoundError):
        provider(fake_yahoo, yf_cache_dir).fetch_one("999999.SZ")


def test_empty_price_frame_is_a_failure(fake_yahoo: FakeYahoo, yf_cache_dir: Path) -> None:
    fake_yahoo.add_fault(Fault("empty", endpoint="chart", symbol="300308.SZ"))
    with pytest.raises(BadResponseError, match="prices"):
        provider(fake_yahoo, yf_cache_dir).fetch_one("300308.SZ")


@pytest.mark.parametrize("kind", ["malformed", "truncated"])
def test_bad_json_is_a_bad_response(fake_yahoo: FakeYahoo, yf_cache_dir: Path, kind: str) -> None:
    fake_yahoo.add_fault(Fault(kind, symbol="300308.SZ"))  # type: ignore[arg-type]
    with pytest.raises(BadResponseError):
        provider(fake_yahoo, yf_cache_dir).fetch_one("300308.SZ")


def test_server_errors_without_a_gate_are_transient(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path
) -> None:
    fake_yahoo.add_fault(Fault("500", endpoint="chart"))
    with pytest.raises(TransientError):
        provider(fake_yahoo, yf_cache_dir).fetch_one("ANET")


def test_empty_valuation_history_is_noted_not_stored(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path
) -> None:
    fake_yahoo.set_body("timeseries", "ANET", {"timeseries": {"result": [], "error": None}})
    b = provider(fake_yahoo, yf_cache_dir).fetch_one("ANET")
    assert b.history == () and b.extra["empty"] == ["history"]


def test_kinds_limit_the_requests(fake_yahoo: FakeYahoo, yf_cache_dir: Path) -> None:
    p = provider(fake_yahoo, yf_cache_dir)
    p.fetch_one("ANET")  # warms cookie, crumb, timezone cache
    fake_yahoo.reset_counts()
    b = p.fetch_one("ANET", kinds={"prices"})
    assert dict(fake_yahoo.counts) == {"chart": 1}
    assert b.history == () and b.profile == {} and "pe_ttm" not in b.metrics


# -- pure helpers ---------------------------------------------------------------------------


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


def test_price_metrics_windows() -> None:
    bars = tuple(PriceBar(f"2025-{m:02d}-15", None, None, None, float(m)) for m in range(1, 13))
    out = price_metrics(bars)
    assert out["ret_1m"] == pytest.approx(12 / 11 - 1)
    assert out["ret_3m"] == pytest.approx(12 / 9 - 1)
    assert "ret_12m" not in out  # the history does not reach back a year
    assert "price_vs_ma200" not in out


def test_eps_revision_without_plus_one_year_row() -> None:
    import pandas as pd

    frame = pd.DataFrame({"current": [1.0], "30daysAgo": [0.8]}, index=["0y"])
    assert eps_revision_30d(frame) is None
    frame = pd.DataFrame({"current": [1.0], "30daysAgo": [0.8]}, index=["+1y"])
    assert eps_revision_30d(frame) == pytest.approx(0.25)


# -- real recorded Yahoo answers --------------------------------------------------------------

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


def test_mixed_currency_ratios_are_converted_to_the_listing_currency() -> None:
    from screener.data.provider import FxRate
    from screener.data.yahoo import align_currencies

    usd = FxRate("USD", "2026-02-13", 1.0, "identity")
    cny = FxRate("CNY", "2026-02-13", 7.2, "CNY=X")
    # BABA-like: $124.73 price over a 409.85 CNY book per share -> Yahoo's P/B 0.304
    metrics = {"pb": 124.73 / 409.85, "ps_ttm": 0.348, "enterprise_value": 2.57e12, "pe_ttm": 15.0}
    out, note = align_currencies(metrics, "USD", "CNY", usd, cny)
    assert out["pb"] == pytest.approx(124.73 / (409.85 / 7.2))
    assert out["ps_ttm"] == pytest.approx(0.348 * 7.2)
    assert out["enterprise_value"] == pytest.approx(2.57e12 / 7.2)
    assert out["pe_ttm"] == 15.0 and note["converted"] == ["pb", "ps_ttm", "enterprise_value"]
    dropped, why = align_currencies(metrics, "USD", "CNY", usd, None)
    assert set(dropped) == {"pe_ttm"} and why["dropped"] == ["pb", "ps_ttm", "enterprise_value"]
