"""The currency proof against every real Yahoo answer we hold, and against synthetic ones.

Real answers: `../shared/yahoo-recorded/` (set YAHOO_RECORDED_DIR to point elsewhere, e.g.
from a git worktree); the tests skip cleanly without it. Each answer is flattened into
`info` the way yfinance 1.7 does it (scrapers/quote.py, `_fetch_info`: the quoteSummary
modules financialData, quoteType, defaultKeyStatistics, assetProfile, summaryDetail in
Yahoo's order, then the v7 quote on top); `test_info_is_what_yfinance_builds` checks that
against yfinance itself through the fake Yahoo.

FX in these tests (written down, as the answers carry no FX quote):
* USD/HKD 7.844 for 1299.HK (Sep 2026): implied by the answer itself, the ratio of its
  mixed defaultKeyStatistics.forwardPE to its consistent summaryDetail.forwardPE
  (84.74088 / 10.803022, the rate Yahoo converted forward EPS with); 7.78, a fixed rate
  inside the peg band, is run too.
* USD/CNY 7.27 for BABA and BEKE (17-24 Feb 2025, the answers' `date` headers): a fixed
  market rate of those days. The answers' own implied rates disagree (BEKE 8.41785 / 1.16
  = 7.257, BABA 73.52281 / 9.87 = 7.449, its forward EPS being rounded and older).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screener.data.currency_proof import (
    PROVEN_FIGURES,
    YAHOO_KEYS,
    Proven,
    apply_proofs,
    fx_from_units_per_usd,
    next_year_eps_from_trend,
    prove,
)
from tests.data.yahoo.recorded import next_year_eps, yf_info
from tests.fake_yahoo.testing import no_network, yf_cache_dir
from tests.paths import RECORDED

_FIXTURES = (no_network, yf_cache_dir)  # pytest fixtures, used by name below

needs_recorded = pytest.mark.skipif(
    not RECORDED.is_dir(), reason=f"no recorded Yahoo answers at {RECORDED}"
)

HKD_IMPLIED = 84.74088 / 10.803022  # see the module docstring
CNY = 7.27
UNITS_PER_USD = {"HKD": HKD_IMPLIED, "CNY": CNY, "IDR": 16_300.0}

# The modules yfinance asks for, in the order Yahoo answers them (see qs_1299_HK.json and
# the quoteSummary-all-*.json answers), and in the order yfinance asks (the fake answers so).
YAHOO_ORDER = (
    "assetProfile",
    "defaultKeyStatistics",
    "quoteType",
    "summaryDetail",
    "financialData",
)
REQUEST_ORDER = (
    "financialData",
    "quoteType",
    "defaultKeyStatistics",
    "assetProfile",
    "summaryDetail",
)
DKS_LAST = ("assetProfile", "quoteType", "summaryDetail", "financialData", "defaultKeyStatistics")

#: variant -> (module order, with the v7 quote): "yfinance" is what Ticker.info holds;
#: "no v7" is the answer when the v7 call fails; "dks last" the other merge order
VARIANTS = {
    "yfinance": (YAHOO_ORDER, True),
    "no v7": (YAHOO_ORDER, False),
    "dks last": (DKS_LAST, False),
}


# -- reading the recorded answers ----------------------------------------------------------


def _body(relative: str) -> Any:
    data = json.loads((RECORDED / relative).read_text())
    return data["response"]["bodyJson"] if "response" in data else data


def _modules(symbol: str) -> dict[str, Any]:
    """quoteSummary modules of one recorded answer (module name -> raw module dict)."""
    if symbol == "1299.HK":
        return dict(_body("yfinance-java/qs_1299_HK.json")["quoteSummary"]["result"][0])
    out: dict[str, Any] = {}
    for module in (*YAHOO_ORDER, "earningsTrend"):
        result = _body(f"node-yahoo-finance2/quoteSummary-{module}-{symbol}.json")["quoteSummary"]
        if result["result"]:
            out[module] = result["result"][0][module]
    return out


def _v7(symbol: str) -> dict[str, Any] | None:
    name = (
        "yfinance-java/v7_1299_HK.json"
        if symbol == "1299.HK"
        else f"node-yahoo-finance2/quote-{symbol}.json"
    )
    result = _body(name)["quoteResponse"]["result"]
    return result[0] if result else None


def _recorded(
    symbol: str, variant: str, units: Mapping[str, float] = UNITS_PER_USD
) -> tuple[dict[str, Any], dict[str, Proven]]:
    order, with_v7 = VARIANTS[variant]
    modules = _modules(symbol)
    info = yf_info(modules, _v7(symbol) if with_v7 else None, order)
    eps, eps_ccy = next_year_eps(modules)
    proofs = prove(
        info, fx_from_units_per_usd(units), next_year_eps=eps, next_year_eps_currency=eps_ccy
    )
    return info, proofs


def _raw(info: Mapping[str, Any], key: str) -> float:
    return float(info[key])


# -- yfinance builds info the way the helper above does -------------------------------------


@needs_recorded
@pytest.mark.parametrize("symbol", ["1299.HK", "BABA", "BEKE", "AAPL"])
def test_info_is_what_yfinance_builds(symbol: str, no_network: None, yf_cache_dir: Path) -> None:
    import yfinance as yf

    from tests.fake_yahoo import FakeYahoo
    from tests.fake_yahoo.testing import fresh_yfinance

    fresh_yfinance()
    modules = _modules(symbol)
    quote = _v7(symbol)
    qs = {"quoteSummary": {"result": [modules], "error": None}}
    extra: dict[tuple[str, str], Any] = {("quoteSummary", symbol): qs}
    if quote is not None:
        extra[("quote", symbol)] = {"quoteResponse": {"result": [quote], "error": None}}
    fake = FakeYahoo(fixtures=None, extra=extra)
    real = dict(yf.Ticker(symbol, session=fake.session()).info)
    fresh_yfinance()
    mine = yf_info(modules, quote, REQUEST_ORDER)  # the fake answers in request order
    keys = {
        *YAHOO_KEYS.values(),
        "currency",
        "financialCurrency",
        "regularMarketPrice",
        "currentPrice",
        "marketCap",
        "sharesOutstanding",
        "bookValue",
        "totalDebt",
        "totalCash",
        "debtToEquity",
        "netIncomeToCommon",
        "returnOnEquity",
        "totalRevenue",
        "ebitda",
        "forwardEps",
        "trailingEps",
    }
    assert {k: real.get(k) for k in keys} == {k: mine.get(k) for k in keys}


# -- 1299.HK: HKD listing, USD statements ---------------------------------------------------


@needs_recorded
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("hkd", [HKD_IMPLIED, 7.78])
def test_aia_figures_are_proven_in_hkd(variant: str, hkd: float) -> None:
    info, p = _recorded("1299.HK", variant, {"HKD": hkd})
    assert (info["currency"], info["financialCurrency"]) == ("HKD", "USD")
    assert {name: proof.currency for name, proof in p.items()} == dict.fromkeys(
        PROVEN_FIGURES, "HKD"
    )
    # P/B: Yahoo's 2.3766 is right (bookValue already HKD per share), kept as it is
    assert p["pb"].value == pytest.approx(2.377, rel=0.01)
    assert p["pb"].value == _raw(info, "priceToBook")
    assert p["pb"].reason.startswith("P/B: Yahoo's figure consistent in HKD")
    # EV: HKD market cap + USD net debt converted; Yahoo's 7.73e11 mixed the two
    market_cap, debt, cash = (_raw(info, k) for k in ("marketCap", "totalDebt", "totalCash"))
    one_currency = market_cap + (debt - cash) * hkd
    ev = p["enterprise_value"].value
    assert ev == pytest.approx(one_currency, rel=0.02)
    assert ev == pytest.approx(8.7e11, rel=0.02)
    assert _raw(info, "enterpriseValue") == pytest.approx(market_cap + debt - cash, rel=0.001)
    assert p["enterprise_value"].reason.startswith("EV rebuilt from market cap + net debt at")
    assert f"USD/HKD {hkd:.4g}" in p["enterprise_value"].reason
    # EV/EBITDA and EV/revenue recomputed from that EV, statements converted
    assert p["ev_ebitda"].value == pytest.approx(ev / (_raw(info, "ebitda") * hkd))
    assert p["ev_revenue"].value == pytest.approx(ev / (_raw(info, "totalRevenue") * hkd))
    assert p["ev_ebitda"].value == pytest.approx(12.6, abs=0.15)
    assert p["ev_revenue"].value == pytest.approx(4.3, abs=0.05)
    # P/S: HKD market cap over USD revenue in Yahoo's figure, converted
    assert p["ps_ttm"].value == pytest.approx(market_cap / (_raw(info, "totalRevenue") * hkd))
    assert p["ps_ttm"].value == pytest.approx(_raw(info, "priceToSalesTrailing12Months") / hkd)
    # forward P/E: price / forward EPS (HKD), whichever module's forwardPE info holds
    price = _raw(info, "regularMarketPrice" if "regularMarketPrice" in info else "currentPrice")
    assert p["pe_fwd"].value == pytest.approx(price / _raw(info, "forwardEps"))
    assert p["pe_fwd"].value == pytest.approx(10.803022, rel=1e-6)


@needs_recorded
def test_aia_forward_pe_is_mixed_in_default_key_statistics() -> None:
    info, p = _recorded("1299.HK", "dks last")
    assert info["forwardPE"] == pytest.approx(84.74088)  # dks: HKD price / USD EPS
    assert p["pe_fwd"].value == pytest.approx(10.803, rel=1e-4)
    assert "rebuilt as price / forward EPS in HKD" in p["pe_fwd"].reason


# -- BABA, BEKE: USD ADRs of CNY reporters ---------------------------------------------------


@needs_recorded
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("symbol", ["BABA", "BEKE"])
def test_adr_figures_against_the_raw_numbers(symbol: str, variant: str) -> None:
    info, p = _recorded(symbol, variant)
    assert (info["currency"], info["financialCurrency"]) == ("USD", "CNY")
    price = _raw(info, "regularMarketPrice" if "regularMarketPrice" in info else "currentPrice")
    # P/B: bookValue is CNY per ADS; Yahoo divided the USD price by it
    assert _raw(info, "priceToBook") == pytest.approx(price / _raw(info, "bookValue"), rel=1e-6)
    assert p["pb"].value == pytest.approx(price / (_raw(info, "bookValue") / CNY), rel=1e-6)
    assert p["pb"].currency == "USD" and p["pb"].reason.startswith("P/B converted")
    # P/S: Yahoo's USD market cap over CNY revenue, converted
    assert p["ps_ttm"].value == pytest.approx(_raw(info, "priceToSalesTrailing12Months") * CNY)
    assert p["ps_ttm"].currency == "USD"
    # forward P/E: price / forward EPS (USD per ADS), never defaultKeyStatistics' mixed one
    assert p["pe_fwd"].value == pytest.approx(price / _raw(info, "forwardEps"), rel=1e-6)
    assert p["pe_fwd"].currency == "USD"
    # EV: Yahoo's figure is no reading of market cap + debt - cash in one currency (it is
    # ordinary shares x the ADS price + CNY net debt), so it is rebuilt from the pieces:
    # the proven market cap and the CNY net debt at the rate; its ratios follow it
    market_cap, net_debt = (
        _raw(info, "marketCap"),
        _raw(info, "totalDebt") - _raw(info, "totalCash"),
    )
    ev = _raw(info, "enterpriseValue")
    for reading in (
        market_cap + net_debt / CNY,
        market_cap * CNY + net_debt,
        market_cap + net_debt,
    ):
        assert abs(ev / reading - 1) > 0.02
    rebuilt = p["enterprise_value"]
    assert rebuilt.value == pytest.approx(market_cap + net_debt / CNY)
    assert (rebuilt.action, rebuilt.currency, rebuilt.factor) == ("rebuilt", "USD", None)
    assert rebuilt.reason.startswith("EV rebuilt from market cap + net debt at USD/CNY 7.27")
    assert "matches no currency reading" in rebuilt.reason
    for name, denominator in (("ev_ebitda", "ebitda"), ("ev_revenue", "totalRevenue")):
        assert p[name].value == pytest.approx(rebuilt.value / (_raw(info, denominator) / CNY))
        assert p[name].action == "recomputed" and "from the rebuilt EV" in p[name].reason


@needs_recorded
def test_adr_ev_is_ordinary_shares_times_the_ads_price() -> None:
    """What Yahoo's ADR EV is: cash / cash per share gives the ordinary share count."""
    for symbol, ratio in (("BABA", 8), ("BEKE", 3)):
        info, _ = _recorded(symbol, "no v7")
        ordinary = _raw(info, "totalCash") / _raw(info, "totalCashPerShare")
        assert ordinary / _raw(info, "sharesOutstanding") == pytest.approx(ratio, rel=0.05)
        net_debt = _raw(info, "totalDebt") - _raw(info, "totalCash")
        mixed = ordinary * _raw(info, "currentPrice") + net_debt
        assert _raw(info, "enterpriseValue") == pytest.approx(mixed, rel=0.05)


# -- single-currency answers pass through ----------------------------------------------------


@needs_recorded
@pytest.mark.parametrize(
    ("symbol", "variant"),
    [("AAPL", v) for v in VARIANTS] + [("WSKT.JK", "yfinance")],  # WSKT.JK: only v7 answered
)
def test_single_currency_answers_are_unchanged(symbol: str, variant: str) -> None:
    info, p = _recorded(symbol, variant)
    assert info["currency"] == info.get("financialCurrency", info["currency"])
    expected = {n: _raw(info, k) for n, k in YAHOO_KEYS.items() if k in info}
    assert expected, "the answer carries none of the figures"
    assert {n: proof.value for n, proof in p.items()} == expected
    assert {proof.currency for proof in p.values()} == {info["currency"]}


# -- the API around prove ----------------------------------------------------------------


def test_fx_from_units_per_usd() -> None:
    fx = fx_from_units_per_usd({"HKD": 7.8, "CNY": 7.2, "GBp": 80.0})
    assert fx("USD", "HKD") == 7.8 and fx("HKD", "USD") == pytest.approx(1 / 7.8)
    assert fx("CNY", "HKD") == pytest.approx(7.8 / 7.2)
    assert fx("USD", "GBp") == 80.0 and fx("EUR", "USD") is None
    assert fx_from_units_per_usd(lambda c: {"JPY": 150.0}.get(c))("USD", "JPY") == 150.0


def test_next_year_eps_from_trend_reads_the_frame() -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {"current": [0.77805, 0.86853], "currency": ["USD", "USD"]}, index=["0y", "+1y"]
    )
    assert next_year_eps_from_trend(frame) == (0.86853, "USD")
    assert next_year_eps_from_trend(frame.drop(columns="currency")) == (0.86853, None)
    assert next_year_eps_from_trend(None) == (None, None)
    assert next_year_eps_from_trend(pd.DataFrame()) == (None, None)


def test_apply_proofs_sets_and_drops() -> None:
    metrics = {"pb": 0.3, "enterprise_value": 1.0, "pe_ttm": 12.0}
    proofs = {
        "pb": Proven(2.4, "HKD", "P/B: ..."),
        "enterprise_value": Proven(None, None, "EV dropped: ..."),
    }
    assert apply_proofs(metrics, proofs) == {"pb": 2.4, "pe_ttm": 12.0}


def test_no_rate_drops_every_figure_of_a_two_currency_answer() -> None:
    info = _consistent_info(_Company())
    proofs = prove(info, lambda a, b: None)
    assert set(proofs) == set(PROVEN_FIGURES)
    assert all(p.dropped and "no USD/HKD rate" in p.reason for p in proofs.values())


def test_missing_currencies_pass_through_and_say_so() -> None:
    info = {"priceToBook": 2.0, "forwardPE": 10.0, "currency": "EUR"}
    proofs = prove(info, lambda a, b: None)
    assert {n: p.value for n, p in proofs.items()} == {"pb": 2.0, "pe_fwd": 10.0}
    assert "no statement currency" in proofs["pb"].reason
    assert prove({"priceToBook": 2.0}, lambda a, b: None)["pb"].currency is None
    assert prove({"currency": "USD"}, lambda a, b: None) == {}


def test_a_book_value_that_fits_no_equity_drops_pb() -> None:
    c = _Company()
    info = _consistent_info(c)
    info["bookValue"] *= 3.0  # neither HKD nor USD equity
    proofs = prove(info, _fx(c.rate))
    assert proofs["pb"].dropped and "not provable" in proofs["pb"].reason
    assert not proofs["ps_ttm"].dropped


# -- synthetic answers (hypothesis) ------------------------------------------------------------


class _Company:
    """One company's true figures; listing HKD, statements USD unless given."""

    def __init__(self, **kw: Any) -> None:
        self.listing: str = kw.get("listing", "HKD")
        self.statement: str = kw.get("statement", "USD")
        self.rate: float = kw.get("rate", 7.8)  # listing units per statement unit
        self.our_rate: float = kw.get("our_rate", self.rate)  # the FX the proof is handed
        self.price: float = kw.get("price", 73.6)
        self.shares: float = kw.get("shares", 1.03e10)
        self.cap_noise: float = kw.get("cap_noise", 1.0)
        self.equity: float = kw.get("equity", 4.1e10)  # statement currency
        self.book_in_listing: bool = kw.get("book_in_listing", True)
        self.debt: float = kw.get("debt", 2.1e10)
        self.de_noise: float = kw.get("de_noise", 1.0)
        self.roe: float = kw.get("roe", 0.196)
        self.ni_noise: float = kw.get("ni_noise", 1.0)
        self.cash: float = kw.get("cash", 6.7e9)
        self.revenue: float = kw.get("revenue", 2.6e10)
        self.ebitda: float = kw.get("ebitda", 8.9e9)
        self.growth: float = kw.get("growth", 1.12)  # next-year EPS / trailing EPS
        self.eps_noise: float = kw.get("eps_noise", 1.0)

    def __repr__(self) -> str:
        return f"_Company({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"

    @property
    def market_cap(self) -> float:
        return self.price * self.shares * self.cap_noise

    @property
    def next_year_eps(self) -> float:  # statement currency
        return self.equity * self.roe / self.shares * self.growth

    @property
    def forward_eps(self) -> float:  # Yahoo's: listing currency
        return self.next_year_eps * self.rate * self.eps_noise

    @property
    def ev(self) -> float:  # listing currency
        return self.market_cap + (self.debt - self.cash) * self.rate

    def truth(self) -> dict[str, float]:
        """Every figure consistent in the listing currency."""
        book_listing = self.equity / self.shares * self.rate
        return {
            "pb": self.price / book_listing,
            "ps_ttm": self.market_cap / (self.revenue * self.rate),
            "pe_fwd": self.price / self.forward_eps,
            "enterprise_value": self.ev,
            "ev_ebitda": self.ev / (self.ebitda * self.rate),
            "ev_revenue": self.ev / (self.revenue * self.rate),
        }


def _consistent_info(c: _Company) -> dict[str, Any]:
    book_per_share = c.equity / c.shares * (c.rate if c.book_in_listing else 1.0)
    truth = c.truth()
    return {
        "currency": c.listing,
        "financialCurrency": c.statement,
        "regularMarketPrice": c.price,
        "currentPrice": c.price,
        "sharesOutstanding": c.shares,
        "marketCap": c.market_cap,
        "bookValue": book_per_share,
        "totalDebt": c.debt,
        "totalCash": c.cash,
        "debtToEquity": c.debt / c.equity * 100 * c.de_noise,
        "netIncomeToCommon": c.equity * c.roe * c.ni_noise,
        "returnOnEquity": c.roe,
        "totalRevenue": c.revenue,
        "ebitda": c.ebitda,
        "forwardEps": c.forward_eps,
        "trailingEps": c.equity * c.roe * c.ni_noise / c.shares * c.rate,
        **{YAHOO_KEYS[name]: value for name, value in truth.items()},
    }


#: figure -> ways Yahoo gets it wrong, each a function of (company, Yahoo's EV)
MIXED_FORMS = ("pb", "ps_ttm", "pe_fwd", "enterprise_value", "ev_statement")


def _mixed_info(c: _Company, forms: set[str]) -> dict[str, Any]:
    """An answer with the figures in `forms` the way Yahoo mixes them."""
    info = _consistent_info(c)
    if "pb" in forms and not c.book_in_listing:
        info["priceToBook"] = c.price / info["bookValue"]  # listing price / statement book
    if "ps_ttm" in forms:
        info["priceToSalesTrailing12Months"] = c.market_cap / c.revenue
    if "pe_fwd" in forms:
        info["forwardPE"] = c.price / c.next_year_eps  # defaultKeyStatistics' habit
    ev = None
    if "enterprise_value" in forms:
        ev = c.market_cap + c.debt - c.cash  # listing cap + statement net debt
    elif "ev_statement" in forms:
        ev = c.ev / c.rate  # consistent, but in the statement currency
    if ev is not None:
        info["enterpriseValue"] = ev
        info["enterpriseToEbitda"] = ev / c.ebitda  # Yahoo divides what it has
        info["enterpriseToRevenue"] = ev / c.revenue
    return info


def _fx(rate: float, listing: str = "HKD", statement: str = "USD") -> Any:
    def fx(a: str, b: str) -> float | None:
        if (a, b) == (statement, listing):
            return rate
        if (a, b) == (listing, statement):
            return 1 / rate
        return None

    return fx


PAIRS = [("HKD", "USD"), ("USD", "CNY"), ("KRW", "USD"), ("EUR", "JPY"), ("IDR", "USD")]


@st.composite
def companies(draw: Any, *, min_log_rate: float, noisy: bool) -> _Company:
    listing, statement = draw(st.sampled_from(PAIRS))
    log_rate = draw(st.floats(min_log_rate, 5.0)) * draw(st.sampled_from([1, -1]))
    rate = math.exp(log_rate)

    def noise(width: float) -> float:
        return draw(st.floats(1 - width, 1 + width)) if noisy else 1.0

    price = draw(st.floats(1.0, 2000.0))
    shares = draw(st.floats(1e7, 2e10))
    cap = price * shares
    equity = cap / rate * draw(st.floats(0.05, 5.0))
    return _Company(
        listing=listing,
        statement=statement,
        rate=rate,
        our_rate=rate * noise(0.01),  # our FX quote vs the one Yahoo used
        price=price,
        shares=shares,
        cap_noise=noise(0.03),  # share classes, float
        equity=equity,
        book_in_listing=draw(st.booleans()),
        debt=cap / rate * draw(st.floats(0.01, 1.0)),
        de_noise=noise(0.02),
        roe=draw(st.floats(0.03, 0.4)),
        ni_noise=noise(0.10),  # ROE on average equity
        cash=cap / rate * draw(st.floats(0.0, 1.0)),
        revenue=cap / rate * draw(st.floats(0.1, 5.0)),
        ebitda=cap / rate * draw(st.floats(0.02, 1.0)),
        growth=draw(st.floats(0.5, 2.0)),
        eps_noise=noise(0.03),
    )


def _prove(c: _Company, info: dict[str, Any]) -> dict[str, Proven]:
    return prove(info, _fx(c.our_rate, c.listing, c.statement), next_year_eps=c.next_year_eps)


def _close(c: _Company, name: str, value: float, truth: float, rel: float) -> bool:
    """`value` within `rel` of `truth`; EV figures relative to the market cap instead,
    as EV = market cap + net debt may itself be near zero."""
    scale = {
        "enterprise_value": c.market_cap,
        "ev_ebitda": c.market_cap / abs(c.ebitda * c.rate),
        "ev_revenue": c.market_cap / abs(c.revenue * c.rate),
    }.get(name, abs(truth))
    return abs(value - truth) <= rel * scale




@given(companies(min_log_rate=0.5, noisy=True))
def test_a_consistent_answer_passes_through_unchanged(c: _Company) -> None:
    info = _consistent_info(c)
    proofs = _prove(c, info)
    assert {n: p.value for n, p in proofs.items()} == {n: info[k] for n, k in YAHOO_KEYS.items()}
    assert {p.currency for p in proofs.values()} == {c.listing}


@given(
    companies(min_log_rate=0.5, noisy=True),
    st.sets(st.sampled_from(MIXED_FORMS), min_size=1),
)
def test_a_mixed_answer_is_rebuilt_or_dropped_never_passed_through(
    c: _Company, forms: set[str]
) -> None:
    info = _mixed_info(c, forms)
    truth = c.truth()
    for name, proof in _prove(c, info).items():
        if proof.value is None:
            assert "dropped" in proof.reason
            continue
        assert proof.currency == c.listing
        assert _close(c, name, proof.value, truth[name], 0.06), (name, proof)


@given(
    companies(min_log_rate=0.006, noisy=False),
    st.sets(st.sampled_from(MIXED_FORMS)),
)
def test_exact_answers_are_proven_exactly_at_any_rate(c: _Company, forms: set[str]) -> None:
    info = _mixed_info(c, forms)
    truth = c.truth()
    proofs = _prove(c, info)
    assert set(proofs) == set(PROVEN_FIGURES)
    for name, proof in proofs.items():
        assert proof.value is not None, proof.reason
        # EV readings within 2 x 3 % of the market cap of each other are one answer
        rel = 0.061 if name in ("enterprise_value", "ev_ebitda", "ev_revenue") else 1e-6
        assert _close(c, name, proof.value, truth[name], rel), (name, proof)


@given(companies(min_log_rate=0.5, noisy=True), st.sets(st.sampled_from(MIXED_FORMS)))
def test_one_currency_answers_pass_through_whatever_they_hold(c: _Company, forms: set[str]) -> None:
    info = _mixed_info(c, forms)
    info["financialCurrency"] = info["currency"]
    proofs = prove(info, lambda a, b: None)
    assert {n: p.value for n, p in proofs.items()} == {n: info[k] for n, k in YAHOO_KEYS.items()}


def test_an_ev_that_fits_no_reading_is_rebuilt_from_proven_pieces() -> None:
    c = _Company()
    info = _consistent_info(c)
    info["enterpriseValue"] = 8 * c.market_cap + c.debt - c.cash  # ADR-like: 8 shares per ADS
    info["enterpriseToEbitda"] = info["enterpriseValue"] / c.ebitda
    proofs = prove(info, _fx(c.rate))
    ev = proofs["enterprise_value"]
    assert ev.action == "rebuilt" and ev.value == pytest.approx(c.ev)
    assert ev.yahoo == info["enterpriseValue"] and ev.factor is None
    assert "matches no currency reading" in ev.reason
    assert proofs["ev_ebitda"].value == pytest.approx(c.ev / (c.ebitda * c.rate))
    assert proofs["ev_ebitda"].action == "recomputed"
    del info["totalCash"]  # a piece missing: nothing to rebuild from
    dropped = prove(info, _fx(c.rate))
    assert dropped["enterprise_value"].dropped and "no cash" in dropped["enterprise_value"].reason
    assert dropped["ev_ebitda"].dropped


def test_each_proof_says_what_it_did_and_the_factor_of_a_conversion() -> None:
    c = _Company(book_in_listing=False)
    info = _mixed_info(c, {"pb", "ps_ttm", "pe_fwd", "ev_statement"})
    p = _prove(c, info)
    assert (p["pb"].action, p["pb"].factor) == ("converted", pytest.approx(1 / c.rate))
    assert p["pb"].value == pytest.approx(p["pb"].yahoo * p["pb"].factor)
    assert (p["ps_ttm"].action, p["pe_fwd"].action) == ("converted", "rebuilt")
    assert p["pe_fwd"].factor == pytest.approx(1 / c.rate)
    assert (p["enterprise_value"].action, p["enterprise_value"].factor) == (
        "converted",
        pytest.approx(c.rate),
    )
    assert {prove(_consistent_info(c), _fx(c.rate))[n].action for n in PROVEN_FIGURES} == {"kept"}
    single = dict(info, financialCurrency=info["currency"])
    assert {p.action for p in prove(single, _fx(c.rate)).values()} == {"same"}
