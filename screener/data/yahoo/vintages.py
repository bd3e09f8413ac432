"""The period or date each Yahoo figure describes, so an old figure never passes for current.

Yahoo sends three kinds of figures in one answer, each of its own age:

* quote: the price and everything divided by it or built on it (market cap, P/E, P/B,
  P/S, EV and its ratios, yield, returns, distance from highs), as of the quote;
* statement: TTM and balance-sheet figures (revenue, margins, growth, ROE, D/E), which
  run to `defaultKeyStatistics.mostRecentQuarter` (1299.HK: 2026-06-30 for a quote of
  2026-09-30); `financialData` itself has no date;
* estimate: the analysts' consensus (forward P/E, PEG, target, revisions), which Yahoo
  serves as current on the quote's day.

History points keep their own period ends and need nothing here. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from screener.data.provider import PriceBar, Vintage
from screener.utils import finite_float

QUOTE_METRICS: frozenset[str] = frozenset(
    {
        "price",
        "market_cap",
        "enterprise_value",
        "pe_ttm",
        "pb",
        "ps_ttm",
        "ev_ebitda",
        "ev_revenue",
        "dividend_yield",
        "beta",
        "off_52w_high",
        "price_vs_ma200",
        "ret_1m",
        "ret_3m",
        "ret_6m",
        "ret_12m",
    }
)
#: statement figures -> the label of the period they cover ("{}" is the period's end)
STATEMENT_METRICS: dict[str, str] = {
    "revenue_ttm": "TTM to {}",
    "gross_margin": "TTM to {}",
    "operating_margin": "TTM to {}",
    "net_margin": "TTM to {}",
    "roe": "TTM to {}",
    "revenue_growth": "quarter to {} vs a year before",  # Yahoo's growth is quarterly yoy
    "earnings_growth": "quarter to {} vs a year before",
    "debt_to_equity": "balance sheet at {}",
}
ESTIMATE_METRICS: frozenset[str] = frozenset({"pe_fwd", "peg", "target_upside", "eps_revision_30d"})


def yahoo_vintages(
    metrics: Mapping[str, float],
    info: Mapping[str, Any],
    as_of: str,
    bars: tuple[PriceBar, ...] = (),
) -> dict[str, Vintage]:
    """metric -> its Vintage, for every metric of `metrics` whose age is known.

    `as_of` is the bundle's quote date ("" when unknown: quote and estimate figures then
    get none, the price history's metrics the date of their last bar).
    """
    out: dict[str, Vintage] = {}
    quote_day = as_of or (bars[-1].date[:10] if bars else "")
    statement_day, statement_when = _statement_end(info)
    for name in metrics:
        if name in QUOTE_METRICS and quote_day:
            out[name] = Vintage(quote_day, "quote", f"quote {quote_day}")
        elif name in STATEMENT_METRICS and statement_day:
            label = STATEMENT_METRICS[name].format(statement_when)
            out[name] = Vintage(statement_day, "statement", label)
        elif name in ESTIMATE_METRICS and as_of:
            out[name] = Vintage(as_of, "estimate", f"consensus at {as_of}")
    return out


def _statement_end(info: Mapping[str, Any]) -> tuple[str, str]:
    """(ISO date, label) where the TTM and balance-sheet figures end; ("", "") if unknown.

    `mostRecentQuarter`, else the last fiscal year end: the TTM runs to it or later, so
    the figure is shown no younger than it is.
    """
    for key, suffix in (("mostRecentQuarter", ""), ("lastFiscalYearEnd", " or later")):
        day = _epoch_date(info.get(key))
        if day:
            return day, f"{day[:7]}{suffix}"
    return "", ""


def _epoch_date(value: Any) -> str | None:
    """The UTC date of an epoch-seconds period end (Yahoo stamps them at 00:00 UTC)."""
    stamp = finite_float(value)
    if not stamp:
        return None
    return datetime.fromtimestamp(stamp, tz=UTC).date().isoformat()
