"""The Yahoo provider on every real recorded Yahoo answer: each figure against the raw numbers.

Every answer in ../shared/yahoo-recorded/ (`recorded.answers()`, `recorded.charts()`;
YAHOO_RECORDED_DIR points elsewhere) goes through the provider: real yfinance code,
the fake Yahoo's transport serving the recorded bodies. The checks are consistency
rules, not numbers per ticker, so answers recorded later are held to the same:

* P/B is price / book value per share in one currency (the book's currency judged
  from the equity the statements imply);
* P/S is a market cap of the answer / revenue, in one currency;
* forward P/E is price / forward EPS in one currency (judged against the next-year
  consensus, which is in the statement currency);
* EV is market cap + total debt - total cash in the listing currency, and EV/EBITDA and
  EV/revenue are that EV over the converted EBITDA and revenue; a two-currency answer
  whose pieces are all there never loses its EV;
* single-currency answers keep Yahoo's figures exactly; one-to-one fields are the raw
  numbers; each proven figure says why, in `extra["currency"]`;
* the date is the quote's (never today), every figure carries its vintage, and a
  prices-only fetch has the chart's currency and price returns from the close.

FX: the recorded folder has no FX quotes, so the fake serves rough rates of the
answers' days (`UNITS_PER_USD`); for a currency not listed there the rate Yahoo itself
used is read off the answer (forward EPS, in the listing currency, over the next-year
consensus, in the statement currency). The checks use the rate the provider was served.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from screener.data.currency_proof import (
    PROVEN_FIGURES,
    YAHOO_KEYS,
    apply_proofs,
    fx_from_units_per_usd,
    prove,
)
from screener.data.provider import FetchBundle
from screener.data.yahoo import YahooProvider
from screener.data.yahoo.fields import metrics_from_info
from screener.data.yahoo.prices import price_metrics
from screener.data.yahoo.vintages import ESTIMATE_METRICS, QUOTE_METRICS, STATEMENT_METRICS
from screener.utils import finite_float
from tests.data.yahoo.recorded import Answer, Chart, answers, charts, next_year_eps
from tests.fake_yahoo import FakeYahoo
from tests.fake_yahoo.builder import build_chart, fx_spec
from tests.fake_yahoo.testing import fresh_yfinance, no_network, yf_cache_dir

_FIXTURES = (no_network, yf_cache_dir)  # pytest fixtures, used by name below

ANSWERS = answers()
CHARTS = charts()
needs_answers = pytest.mark.skipif(not ANSWERS, reason="no recorded Yahoo answers")
needs_charts = pytest.mark.skipif(not CHARTS, reason="no recorded Yahoo charts")

#: units per USD on the answers' days (1299.HK: the rate its own mixed and consistent
#: forwardPE imply; CNY: 17-24 Feb 2025); the others are rough, for one-currency checks
UNITS_PER_USD = {
    "HKD": 84.74088 / 10.803022,
    "CNY": 7.27,
    "EUR": 0.93,
    "GBP": 0.79,
    "JPY": 150.0,
    "KRW": 1400.0,
    "IDR": 16300.0,
    "TWD": 32.5,
    "AUD": 1.55,
}
_ONE_TO_ONE = {  # canonical name -> info key: figures the provider takes as Yahoo sent them
    "market_cap": "marketCap",
    "pe_ttm": "trailingPE",
    "revenue_ttm": "totalRevenue",
    "revenue_growth": "revenueGrowth",
    "earnings_growth": "earningsGrowth",
    "gross_margin": "grossMargins",
    "operating_margin": "operatingMargins",
    "net_margin": "profitMargins",
    "roe": "returnOnEquity",
    "beta": "beta",
}


# -- serving an answer ---------------------------------------------------------------------


def _rates(answer: Answer) -> dict[str, float]:
    """Units per USD for the answer's currencies: the table, else what the answer implies."""
    info = answer.info()
    rates = dict(UNITS_PER_USD)
    listing, statement = info.get("currency"), info.get("financialCurrency")
    if listing and statement and listing != statement and not {listing, statement} <= {
        "USD",
        *rates,
    }:
        eps = finite_float(info.get("forwardEps") or info.get("epsForward"))
        estimate, _ = next_year_eps(answer.modules)
        known = listing if listing in rates or listing == "USD" else statement
        unknown = statement if known == listing else listing
        if eps and estimate:
            implied = eps / estimate  # listing units per statement unit
            per_known = 1.0 if known == "USD" else rates[known]
            rates[unknown] = per_known / implied if unknown == statement else per_known * implied
    return rates


def _fake(bodies: Mapping[tuple[str, str], Any], rates: Mapping[str, float]) -> FakeYahoo:
    extra = dict(bodies)
    for currency, units in rates.items():
        extra[("chart", f"{currency}=X")] = build_chart(fx_spec(currency, units))
    return FakeYahoo(fixtures=None, extra=extra)


def _fetch(answer: Answer, cache: Path) -> FetchBundle:
    fresh_yfinance()
    kinds = {"fundamentals", "profile"} | ({"history"} if answer.timeseries else set())
    fake = _fake(answer.bodies(), _rates(answer))
    return YahooProvider(fake.session(), cache_dir=cache).fetch_one(answer.symbol, kinds=kinds)


def _close(a: float, b: float, rel: float) -> bool:
    return a != 0 and b != 0 and (a > 0) == (b > 0) and abs(math.log(a / b)) <= rel


class _Facts:
    """The raw numbers of one answer, and the one-currency readings the checks compare with."""

    def __init__(self, answer: Answer) -> None:
        self.info = info = answer.info()
        self.listing: str | None = info.get("currency")
        self.statement: str | None = info.get("financialCurrency") or self.listing
        rates = _rates(answer)
        self.two = bool(self.listing and self.statement and self.statement != self.listing)
        rate = fx_from_units_per_usd(rates)(self.statement, self.listing) if self.two else 1.0
        self.rate = rate or math.nan
        self.price = self.num("regularMarketPrice", "currentPrice")
        self.caps = {
            c
            for c in (
                finite_float(info.get("marketCap")),
                finite_float((answer.modules.get("summaryDetail") or {}).get("marketCap")),
                finite_float((answer.modules.get("price") or {}).get("marketCap")),
            )
            if c
        }
        self.estimate, _ = next_year_eps(answer.modules)

    def num(self, *keys: str) -> float | None:
        for key in keys:
            value = finite_float(self.info.get(key))
            if value is not None:
                return value
        return None

    def book_factor(self) -> float | None:
        """Listing units per unit of bookValue (1 or the rate), judged from implied equity."""
        book, shares = self.num("bookValue"), self.num("sharesOutstanding")
        debt, d2e = self.num("totalDebt"), self.num("debtToEquity")
        income, roe = self.num("netIncomeToCommon"), self.num("returnOnEquity")
        equity = [debt / (d2e / 100)] if debt and d2e else []
        equity += [income / roe] if income and roe and (income > 0) == (roe > 0) else []
        if not (book and shares and equity):
            return None
        # book x shares in the statement currency, if the book is in the listing / statement one
        gaps = {
            c: sum(abs(math.log(book * shares * c / self.rate / e)) for e in equity if e > 0)
            for c in (1.0, self.rate)
        }
        return min(gaps, key=lambda c: gaps[c])

    def eps_factor(self) -> float | None:
        """Listing units per unit of forward EPS, judged from the next-year consensus."""
        eps = self.num("forwardEps", "epsForward")
        if not (eps and self.estimate):
            return None
        gaps = {c: abs(math.log(eps * c / (self.estimate * self.rate))) for c in (1.0, self.rate)}
        return min(gaps, key=lambda c: gaps[c])


def _ids(items: tuple[Answer, ...] | tuple[Chart, ...]) -> list[str]:
    return [item.name for item in items]


# -- every fundamentals answer -------------------------------------------------------------


@needs_answers
@pytest.mark.parametrize("answer", ANSWERS, ids=_ids(ANSWERS))
def test_each_figure_is_consistent_in_one_currency(
    answer: Answer, no_network: None, yf_cache_dir: Path
) -> None:
    b = _fetch(answer, yf_cache_dir)
    f = _Facts(answer)
    m = b.metrics
    assert (b.currency, b.financial_currency) == (f.listing, f.info.get("financialCurrency"))
    if f.price is not None:
        assert m["price"] == f.price
    for name, key in _ONE_TO_ONE.items():
        if key in f.info:
            assert m[name] == f.num(key), name
    r = 1.0 if not f.two else f.rate
    if not f.two:  # nothing to prove: Yahoo's figures exactly
        for name, key in YAHOO_KEYS.items():
            assert m.get(name) == f.num(key), name
        if f.statement == f.listing and f.info.get("financialCurrency"):
            assert "currency" not in b.extra  # one currency: no reason to record
        else:  # a currency missing from the answer: taken as they are, and said so
            assert all("Yahoo's figure" in why for why in b.extra.get("currency", {}).values())

    # P/B: price / book value per share, the book in the currency the equity says
    if "pb" in m:
        factor = f.book_factor() if f.two else 1.0
        book = f.num("bookValue")
        assert factor is not None and book is not None, "a P/B the answer cannot back"
        assert _close(m["pb"], f.price / (book * factor), 0.02)
    # P/S: a market cap of the answer over revenue in the listing currency
    if "ps_ttm" in m:
        revenue = f.num("totalRevenue")
        assert revenue and any(_close(m["ps_ttm"], cap / (revenue * r), 0.03) for cap in f.caps)
    # forward P/E: price / forward EPS, the EPS in the currency the consensus says
    if "pe_fwd" in m:
        eps = f.num("forwardEps", "epsForward")
        factor = f.eps_factor() if f.two else 1.0
        candidates = [factor] if factor else [1.0, r]
        assert eps and any(_close(m["pe_fwd"], f.price / (eps * c), 0.03) for c in candidates)
    # EV: market cap + debt - cash in the listing currency; its ratios follow it
    debt, cash = f.num("totalDebt"), f.num("totalCash")
    if "enterprise_value" in m:
        net = ((debt or 0.0) - (cash or 0.0)) * r
        ev = m["enterprise_value"]
        assert any(abs(ev - (cap + net)) <= 0.03 * cap for cap in f.caps), (ev, f.caps, net)
    elif f.two and debt is not None and cash is not None and f.caps and not math.isnan(r):
        shares = f.num("sharesOutstanding")
        cap = f.num("marketCap")
        if cap and shares and f.price and _close(cap, f.price * shares, 0.25):
            pytest.fail(f"EV dropped although its pieces are proven: {b.extra['currency']}")
    for name, key in (("ev_ebitda", "ebitda"), ("ev_revenue", "totalRevenue")):
        if name in m and f.two:
            assert "enterprise_value" in m, f"{name} without its EV"
            denominator = f.num(key)
            assert denominator
            assert _close(m[name], m["enterprise_value"] / (denominator * r), 0.03), name

    if f.two:  # every figure Yahoo sent says why it is (or is not) here
        sent = {n for n, k in YAHOO_KEYS.items() if f.num(k) is not None}
        reasons = b.extra.get("currency", {})
        assert set(reasons) == sent
        for name in sent - set(m):
            assert "dropped" in reasons[name]


@needs_answers
@pytest.mark.parametrize("answer", ANSWERS, ids=_ids(ANSWERS))
def test_figures_are_what_the_currency_proof_gives(
    answer: Answer, no_network: None, yf_cache_dir: Path
) -> None:
    """The provider applies the proof and nothing else decides: not merge order, not a rule."""
    b = _fetch(answer, yf_cache_dir)
    info = answer.info()
    estimate, currency = next_year_eps(answer.modules)
    fx = fx_from_units_per_usd(_rates(answer))
    proofs = prove(info, fx, next_year_eps=estimate, next_year_eps_currency=currency)
    expected = apply_proofs(metrics_from_info(info), proofs)
    for name in PROVEN_FIGURES:
        got, want = b.metrics.get(name), expected.get(name)
        assert (got is None) == (want is None), name
        if want is not None:  # the rate reaches the provider through a chart: float noise
            assert got == pytest.approx(want, rel=1e-6), name


@needs_answers
@pytest.mark.parametrize("answer", ANSWERS, ids=_ids(ANSWERS))
def test_the_date_and_the_vintage_of_every_figure(
    answer: Answer, no_network: None, yf_cache_dir: Path
) -> None:
    b = _fetch(answer, yf_cache_dir)
    info = answer.info()
    stamp = finite_float((answer.quote or {}).get("regularMarketTime"))
    if stamp:
        zone = ZoneInfo(info.get("exchangeTimezoneName") or "UTC")
        assert b.as_of == datetime.fromtimestamp(stamp, tz=zone).date().isoformat()
    else:  # no v7 quote, no prices: no quote time in the answer, so no date, never today
        assert b.as_of == "" and b.extra["as_of_from"].startswith("unknown")
    assert b.as_of != date.today().isoformat()
    quarter = finite_float(info.get("mostRecentQuarter"))
    quarter_end = datetime.fromtimestamp(quarter, tz=UTC).date().isoformat() if quarter else None
    for name in b.metrics:
        v = b.vintages.get(name)
        if name in QUOTE_METRICS and b.as_of:
            assert v is not None and (v.date, v.basis) == (b.as_of, "quote"), name
        elif name in ESTIMATE_METRICS and b.as_of:
            assert v is not None and (v.date, v.basis) == (b.as_of, "estimate"), name
        elif name in STATEMENT_METRICS and quarter_end:
            assert v is not None and (v.date, v.basis) == (quarter_end, "statement"), name
            if STATEMENT_METRICS[name].startswith("TTM"):
                assert v.label == f"TTM to {quarter_end[:7]}"


@needs_answers
def test_history_is_the_raw_timeseries_or_on_the_snapshot_basis(
    no_network: None, yf_cache_dir: Path
) -> None:
    with_history = [a for a in ANSWERS if a.timeseries]
    if not with_history:
        pytest.skip("no recorded valuation timeseries")
    by_type = {
        "PeRatio": "pe_ttm",
        "ForwardPeRatio": "pe_fwd",
        "PegRatio": "peg",
        "PsRatio": "ps_ttm",
        "PbRatio": "pb",
        "EnterprisesValueEBITDARatio": "ev_ebitda",
        "EnterprisesValueRevenueRatio": "ev_revenue",
    }
    for answer in with_history:
        b = _fetch(answer, yf_cache_dir)
        assert answer.timeseries is not None
        raw = {}
        for item in answer.timeseries["timeseries"]["result"]:
            t = item["meta"]["type"][0]
            base = t.removeprefix("quarterly")
            if t.startswith("quarterly") and base in by_type:
                for point in item.get(t) or []:
                    if point:
                        raw[(by_type[base], point["asOfDate"])] = point["reportedValue"]["raw"]
        got = {(p.metric, p.date): p.value for p in b.history}
        f = _Facts(answer)
        if not f.two:  # one currency: the series as Yahoo sent it
            assert got == raw
            assert "history_currency" not in b.extra
            continue
        for metric in {m for m, _ in raw}:  # two currencies: kept, converted or dropped, said
            points = {d: v for (m, d), v in got.items() if m == metric}
            why = b.extra.get("history_currency", {}).get(metric, "")
            if not why:
                assert points == {d: v for (m, d), v in raw.items() if m == metric}
            elif "dropped" in why:
                assert not points


@needs_answers
def test_the_hong_kong_listing_with_usd_statements(no_network: None, yf_cache_dir: Path) -> None:
    """Issue 10's acceptance on 1299.HK: P/B kept, EV rebuilt, its ratios recomputed."""
    found = [a for a in ANSWERS if a.symbol == "1299.HK" and a.recorded_modules]
    if not found:
        pytest.skip("no recorded 1299.HK answer")
    for answer in found:
        b = _fetch(answer, yf_cache_dir)
        f = _Facts(answer)
        m = b.metrics
        assert m["pb"] == pytest.approx(2.377, rel=0.01)
        cap, debt, cash = (f.num(k) for k in ("marketCap", "totalDebt", "totalCash"))
        assert cap and debt and cash
        assert m["enterprise_value"] == pytest.approx(cap + (debt - cash) * f.rate, rel=0.02)
        assert m["ev_ebitda"] == pytest.approx(12.6, abs=0.15)
        assert m["ev_revenue"] == pytest.approx(4.3, abs=0.05)
        assert b.extra["currency"]["pb"].startswith("P/B: Yahoo's figure consistent in HKD")
        assert b.extra["currency"]["enterprise_value"].startswith(
            "EV rebuilt from market cap + net debt at USD/HKD 7.844"
        )


# -- every chart ---------------------------------------------------------------------------


def _fetch_chart(chart: Chart, cache: Path) -> FetchBundle:
    fresh_yfinance()
    fake = FakeYahoo(fixtures=None, extra={("chart", chart.symbol): chart.body})
    provider = YahooProvider(fake.session(), cache_dir=cache)
    return provider.fetch_one(chart.symbol, kinds={"prices"})


@needs_charts
@pytest.mark.parametrize("chart", CHARTS, ids=_ids(CHARTS))
def test_a_prices_only_fetch_keeps_the_chart_currency_close_and_adjusted_close(
    chart: Chart, no_network: None, yf_cache_dir: Path
) -> None:
    b = _fetch_chart(chart, yf_cache_dir)
    res = chart.result
    meta = res["meta"]
    assert b.currency == meta["currency"]
    quote = res["indicators"]["quote"][0]
    adjusted = (res["indicators"].get("adjclose") or [{}])[0].get("adjclose")
    rows = [
        (close, adjusted[i] if adjusted else None)
        for i, close in enumerate(quote["close"])
        if close is not None
    ]
    assert [bar.close for bar in b.prices] == pytest.approx([c for c, _ in rows])
    if adjusted:
        assert [bar.adj_close for bar in b.prices] == pytest.approx([a for _, a in rows])
    # the quote's date (the chart's quote time, in the exchange's zone), never today
    zone = ZoneInfo(meta["exchangeTimezoneName"])
    when = datetime.fromtimestamp(meta["regularMarketTime"], tz=zone).date().isoformat()
    assert (b.as_of, b.extra["as_of_from"]) == (when, "chart quote time")
    assert b.metrics["price"] == b.prices[-1].close
    # price returns: the same whatever the adjusted closes say
    unadjusted = tuple(replace(bar, adj_close=None) for bar in b.prices)
    returns = {k: v for k, v in b.metrics.items() if k.startswith("ret_") or k == "price_vs_ma200"}
    assert returns == price_metrics(unadjusted)
    if any(bar.adj_close not in (None, bar.close) for bar in b.prices[:1]) and returns:
        as_total = tuple(replace(bar, close=bar.adj_close or bar.close) for bar in b.prices)
        assert price_metrics(as_total) != returns  # the dividends would show


@needs_charts
def test_a_dividend_payers_returns_leave_the_dividends_out(
    no_network: None, yf_cache_dir: Path
) -> None:
    paying = [c for c in CHARTS if c.result.get("events", {}).get("dividends")]
    if not paying:
        pytest.skip("no recorded chart with dividends")
    for chart in paying:
        b = _fetch_chart(chart, yf_cache_dir)
        if "ret_12m" not in b.metrics:
            continue
        first, last = b.prices[0], b.prices[-1]
        assert b.metrics["ret_12m"] == pytest.approx(last.close / first.close - 1)
        assert first.adj_close is not None and last.adj_close is not None
        total = last.adj_close / first.adj_close - 1
        assert total > b.metrics["ret_12m"]  # a total return is larger by the dividends


@needs_answers
def test_a_recorded_history_judged_against_a_converted_snapshot(
    no_network: None, yf_cache_dir: Path
) -> None:
    """A real series (one currency) run through the check as if its snapshot were converted."""
    from screener.data.currency_proof import Proven
    from screener.data.yahoo.history_currency import align_history

    with_history = [a for a in ANSWERS if a.timeseries]
    if not with_history:
        pytest.skip("no recorded valuation timeseries")
    points = _fetch(with_history[0], yf_cache_dir).history
    latest = {p.metric: p.value for p in sorted(points, key=lambda p: p.date)}
    rate = 1400.0
    proofs = {
        "pb": Proven(latest["pb"] / rate, "X", "converted", "converted", latest["pb"], 1 / rate),
        "ev_ebitda": Proven(1.0, "X", "recomputed", "recomputed", yahoo=latest["ev_ebitda"]),
    }
    snapshot = {"pb": latest["pb"] / rate, "ev_ebitda": 1.0, "pe_ttm": latest["pe_ttm"] * rate}
    kept, why = align_history(points, {}, snapshot, proofs, rate, "USD/KRW 1400")
    by_metric: dict[str, list[float]] = {}
    for p in kept:
        by_metric.setdefault(p.metric, []).append(p.value)
    raw_pb = [p.value for p in points if p.metric == "pb"]
    assert by_metric["pb"] == pytest.approx([v / rate for v in raw_pb])  # converted, every point
    assert "converted like the snapshot" in why["pb"]
    assert "ev_ebitda" not in by_metric and "no single FX factor" in why["ev_ebitda"]
    assert "pe_ttm" not in by_metric and "one FX rate away" in why["pe_ttm"]
    assert by_metric["ps_ttm"] == [p.value for p in points if p.metric == "ps_ttm"]  # untouched
