"""YahooProvider through the fake Yahoo: yfinance's real parsing, our mapping onto the catalogue."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from screener.data.provider import Provider
from screener.data.yahoo import BadResponseError, NotFoundError, TransientError, YahooProvider
from screener.derived import pick_fx
from tests.fake_yahoo import FakeYahoo, Fault, load_spec
from tests.fake_yahoo.builder import FX_RATES
from tests.fake_yahoo.testing import fake_yahoo, no_network, yf_cache_dir

_FIXTURES = (fake_yahoo, no_network, yf_cache_dir)  # pytest fixtures, used by name below


def provider(fake: FakeYahoo, cache: Path) -> YahooProvider:
    return YahooProvider(fake.session(), cache_dir=cache)


def test_a_share_maps_onto_the_catalogue(fake_yahoo: FakeYahoo, yf_cache_dir: Path) -> None:
    spec = load_spec("300308.SZ")
    p = provider(fake_yahoo, yf_cache_dir)
    b = p.fetch_one("300308.SZ")
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
    assert m["market_cap"] == spec.market_cap
    # The USD market cap is derived (screener.derived) from the rate the provider fetched.
    assert "market_cap_usd" not in m
    rate = pick_fx(p.fx_rates(), b.currency, b.as_of)
    assert rate is not None and rate.units_per_usd == FX_RATES["CNY"] and rate.note == "CNY=X"
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
    p = provider(fake_yahoo, yf_cache_dir)
    b = p.fetch_one("GDS")
    assert (b.currency, b.financial_currency) == ("USD", "CNY")
    assert b.metrics["market_cap"] == load_spec("GDS").market_cap
    rate = pick_fx(p.fx_rates(), b.currency, b.as_of)
    assert rate is not None and rate.units_per_usd == 1.0  # listing currency, not CNY


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
    assert b.extra["kinds"] == ["prices"]


def test_a_prices_only_fetch_has_the_chart_currency_and_quote_date(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path
) -> None:
    b = provider(fake_yahoo, yf_cache_dir).fetch_one("2345.TW", kinds={"prices"})
    assert b.currency == "TWD"  # from the chart's meta: no quote was asked for
    # the chart's quote time (a Timestamp in the exchange's zone), not today
    assert (b.as_of, b.extra["as_of_from"]) == (b.prices[-1].date, "chart quote time")


def test_without_a_quote_time_the_date_is_unknown_not_today(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path
) -> None:
    fake_yahoo.add_fault(Fault("empty", endpoint="quote", symbol="ANET"))  # no v7 answer
    b = provider(fake_yahoo, yf_cache_dir).fetch_one("ANET", kinds={"fundamentals"})
    assert "pe_ttm" in b.metrics  # quoteSummary came through
    assert b.as_of == "" and b.extra["as_of_from"].startswith("unknown")


def test_the_provider_satisfies_the_protocol(fake_yahoo: FakeYahoo, yf_cache_dir: Path) -> None:
    p = provider(fake_yahoo, yf_cache_dir)
    assert isinstance(p, Provider)
    declared: Provider = p  # the static check: mypy/pyright reject a provider that lacks a member
    assert declared.gate is None and declared.requests_made == 0


def test_every_request_passes_the_attached_gate(fake_yahoo: FakeYahoo, yf_cache_dir: Path) -> None:
    class Counting:
        calls = 0

        def call(self, send: Callable[[], Any]) -> Any:
            Counting.calls += 1
            return send()

    p = provider(fake_yahoo, yf_cache_dir)
    p.gate = Counting()
    p.fetch_one("ANET")
    assert Counting.calls == p.requests_made == fake_yahoo.total > 0
    assert p.thread_requests() == p.requests_made  # all made on this thread


def test_returns_are_price_returns_from_the_close_not_the_adjusted_close(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path
) -> None:
    from screener.data.yahoo.prices import price_metrics

    b = provider(fake_yahoo, yf_cache_dir).fetch_one("1686.HK", kinds={"prices"})
    chart = fake_yahoo.body("chart", "1686.HK")["chart"]["result"][0]
    assert chart["events"]["dividends"]  # a dividend payer: adjclose sits below close
    closes = chart["indicators"]["quote"][0]["close"]
    adjusted = chart["indicators"]["adjclose"][0]["adjclose"]
    assert [bar.close for bar in b.prices] == pytest.approx(closes)
    assert [bar.adj_close for bar in b.prices] == pytest.approx(adjusted)
    assert b.prices[0].adj_close < b.prices[0].close
    # ret_12m from the first bar's close; the adjusted closes would give a larger return
    assert b.metrics["ret_12m"] == pytest.approx(closes[-1] / closes[0] - 1)
    assert b.metrics["ret_12m"] < adjusted[-1] / adjusted[0] - 1
    ma200 = sum(closes[-200:]) / 200
    assert b.metrics["price_vs_ma200"] == pytest.approx(closes[-1] / ma200 - 1)
    assert b.metrics == {**b.metrics, **price_metrics(b.prices)}


def test_every_figure_carries_its_vintage(fake_yahoo: FakeYahoo, yf_cache_dir: Path) -> None:
    b = provider(fake_yahoo, yf_cache_dir).fetch_one("300308.SZ")
    assert b.as_of == "2026-02-13" and b.extra["as_of_from"] == "v7 quote time"
    assert b.vintages["pb"].basis == "quote" and b.vintages["pb"].date == b.as_of
    assert b.vintages["ret_12m"].date == b.as_of
    assert b.vintages["pe_fwd"].basis == "estimate"
    # the fake's answers carry no mostRecentQuarter: statement figures are left undated
    assert "roe" not in b.vintages


def test_a_single_currency_company_records_no_currency_reasons(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path
) -> None:
    b = provider(fake_yahoo, yf_cache_dir).fetch_one("300308.SZ")
    assert "currency" not in b.extra and "history_currency" not in b.extra


def test_a_two_currency_company_says_why_for_each_figure(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path
) -> None:
    b = provider(fake_yahoo, yf_cache_dir).fetch_one("GDS")  # USD listing, CNY statements
    reasons = b.extra["currency"]
    assert set(reasons) == {"pb", "ps_ttm", "pe_fwd", "enterprise_value", "ev_ebitda", "ev_revenue"}
    for name, why in reasons.items():  # proven and kept, or said why not
        assert (name in b.metrics) != ("dropped" in why), (name, why)


def test_a_history_only_fetch_checks_the_history_against_the_quote(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path
) -> None:
    p = provider(fake_yahoo, yf_cache_dir)
    p.fetch_one("GDS")  # warm cookie, crumb, timezone, FX
    fake_yahoo.reset_counts()
    b = p.fetch_one("GDS", kinds={"history"})
    # the quote and the EPS trend (one quoteSummary), for the currency proof; no prices
    assert fake_yahoo.counts["quoteSummary"] == 1 and "chart" not in fake_yahoo.counts
    assert fake_yahoo.counts["timeseries"] == 1
    assert b.metrics == {} and b.profile == {}  # the quote was read, not stored
    full = p.fetch_one("GDS", kinds={"fundamentals", "history"})
    assert b.history == full.history  # judged the same way as with the fundamentals
    assert b.extra.get("history_currency") == full.extra.get("history_currency")
