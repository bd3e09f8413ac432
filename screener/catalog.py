"""The metric catalogue: every column a rule, a table or an export may name.

One place defines what each canonical metric means and how it is shown, so
the rule engine (which rejects names outside this list), the table renderer
and the CSV schema all agree. Fractions are stored as fractions (0.25 = 25%),
never as percents; money is in the listing currency unless the name says USD.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MetricKind = Literal["fraction", "percentile", "ratio", "money", "price", "number", "days", "text"]


@dataclass(frozen=True, slots=True)
class Metric:
    """One canonical column: its name, a short label, how to format it, and what it means."""

    name: str
    label: str
    kind: MetricKind
    description: str
    history_key: str | None = None  # name of the same multiple in the valuation history
    decimals: int | None = None  # shown decimals where the kind's default would mislead


_METRICS: tuple[Metric, ...] = (
    Metric(
        "price",
        "Price",
        "price",
        "last close (or intraday where the source says so), listing currency",
    ),
    Metric("market_cap", "Mkt cap", "money", "market capitalisation in the listing currency"),
    Metric(
        "market_cap_usd",
        "Mkt cap $",
        "money",
        "market capitalisation in USD (derived with a dated FX rate)",
    ),
    Metric("enterprise_value", "EV", "money", "enterprise value in the listing currency"),
    Metric(
        "revenue_ttm",
        "Revenue",
        "money",
        "trailing twelve months revenue, in `financial_currency` (the statements' currency)",
    ),
    Metric("pe_ttm", "P/E", "ratio", "price / trailing twelve months EPS", history_key="pe_ttm"),
    Metric("pe_fwd", "Fwd P/E", "ratio", "price / consensus EPS for the next fiscal year"),
    Metric("peg", "PEG", "ratio", "P/E divided by expected EPS growth (in percent)", decimals=2),
    Metric(
        "ps_ttm",
        "P/S",
        "ratio",
        "market cap / trailing twelve months revenue",
        history_key="ps_ttm",
    ),
    Metric("pb", "P/B", "ratio", "price / book value per share", history_key="pb"),
    Metric(
        "ev_ebitda",
        "EV/EBITDA",
        "ratio",
        "enterprise value / trailing EBITDA",
        history_key="ev_ebitda",
    ),
    Metric("ev_revenue", "EV/Sales", "ratio", "enterprise value / trailing revenue"),
    Metric("revenue_growth", "Rev gr", "fraction", "revenue growth, year over year"),
    Metric("earnings_growth", "EPS gr", "fraction", "earnings growth, year over year"),
    Metric(
        "implied_eps_growth",
        "Impl EPS gr",
        "fraction",
        "derived: pe_ttm / pe_fwd - 1, the EPS growth the two P/E figures imply",
    ),
    Metric("gross_margin", "Gross m", "fraction", "gross margin"),
    Metric("operating_margin", "Op m", "fraction", "operating margin"),
    Metric("net_margin", "Net m", "fraction", "net profit margin"),
    Metric("roe", "ROE", "fraction", "return on equity"),
    Metric("debt_to_equity", "D/E", "ratio", "total debt / equity as a ratio (0.39 = 39%)"),
    Metric("beta", "Beta", "number", "beta against the local market"),
    Metric("dividend_yield", "Div yld", "fraction", "trailing dividend yield"),
    # Returns, the 52-week high and the 200-day average are price figures: closes adjusted
    # for splits, not for dividends (Yahoo's "Adj Close" is stored beside them, unused).
    Metric("ret_1m", "1m", "fraction", "price return over one month, dividends not included"),
    Metric("ret_3m", "3m", "fraction", "price return over three months, dividends not included"),
    Metric("ret_6m", "6m", "fraction", "price return over six months, dividends not included"),
    Metric(
        "ret_12m", "12m", "fraction", "price return over twelve months, dividends not included"
    ),
    Metric(
        "off_52w_high",
        "Off high",
        "fraction",
        "price / 52-week high - 1 (0 at the high, negative below; dividends not taken out)",
    ),
    Metric(
        "price_vs_ma200",
        "vs MA200",
        "fraction",
        "price / 200-day moving average of closes - 1 (dividends not taken out)",
    ),
    Metric("target_upside", "Upside", "fraction", "analyst mean target / price - 1"),
    Metric(
        "eps_revision_30d",
        "EPS rev 30d",
        "fraction",
        "change in the next-year EPS estimate over 30 days",
    ),
    Metric(
        "pe_hist_pct",
        "P/E pct",
        "percentile",
        "derived: where today's P/E sits in the company's own P/E history (0 = cheapest)",
    ),
    Metric("data_age_days", "Age", "days", "days between the row's as-of date and today"),
    Metric("sector", "Sector", "text", "one of the four sector ids"),
    Metric("sub_segment", "Segment", "text", "sub-segment id within the sector"),
    Metric("market", "Market", "text", "listing market: CN, HK, US, TW, JP, AU ..."),
    Metric("currency", "Ccy", "text", "currency of price and market values"),
)

METRICS: dict[str, Metric] = {m.name: m for m in _METRICS}
NUMERIC_METRICS: frozenset[str] = frozenset(m.name for m in _METRICS if m.kind != "text")
TEXT_METRICS: frozenset[str] = frozenset(m.name for m in _METRICS if m.kind == "text")
HISTORY_METRICS: frozenset[str] = frozenset(m.name for m in _METRICS if m.history_key)

#: valuation multiples: a zero or negative value (a loss, negative book) is not a
#: cheap multiple but a meaningless one, so sector, peer and own-history statistics
#: of these metrics use only their positive values
POSITIVE_MULTIPLES: frozenset[str] = frozenset(
    {"pe_ttm", "pe_fwd", "peg", "ps_ttm", "pb", "ev_ebitda", "ev_revenue"}
)
