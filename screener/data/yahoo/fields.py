"""Yahoo's field names and units -> catalogue metrics, history points and profile facts.

Pure functions over what yfinance returns (`Ticker.info`, `Ticker.eps_trend`, the
frame of `get_valuation_measures`); no network. Units are converted here, once:
percent to fractions, period-end labels to ISO dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from screener.data.provider import HistoryPoint, PriceBar
from screener.utils import finite_float

# get_valuation_measures() row labels -> catalogue names.
VALUATION_LABELS: dict[str, str] = {
    "Trailing P/E": "pe_ttm",
    "Forward P/E": "pe_fwd",
    "PEG Ratio (5yr expected)": "peg",
    "Price/Sales": "ps_ttm",
    "Price/Book": "pb",
    "Enterprise Value/EBITDA": "ev_ebitda",
    "Enterprise Value/Revenue": "ev_revenue",
}

# Plain one-to-one Yahoo info keys (already fractions or plain ratios).
_DIRECT: dict[str, tuple[str, ...]] = {
    "market_cap": ("marketCap",),
    "enterprise_value": ("enterpriseValue",),
    "pe_ttm": ("trailingPE",),
    "pe_fwd": ("forwardPE",),
    "peg": ("pegRatio", "trailingPegRatio"),
    "ps_ttm": ("priceToSalesTrailing12Months",),
    "pb": ("priceToBook",),
    "ev_ebitda": ("enterpriseToEbitda",),
    "ev_revenue": ("enterpriseToRevenue",),
    "revenue_growth": ("revenueGrowth",),
    "earnings_growth": ("earningsGrowth",),
    "gross_margin": ("grossMargins",),
    "operating_margin": ("operatingMargins",),
    "net_margin": ("profitMargins",),
    "roe": ("returnOnEquity",),
    "beta": ("beta",),
    "revenue_ttm": ("totalRevenue",),
}

#: `info` keys kept as the company's profile (what the classifier and `universe` read)
PROFILE_KEYS = (
    "longName",
    "shortName",
    "displayName",
    "quoteType",
    "exchange",
    "fullExchangeName",
    "market",
    "exchangeTimezoneName",
    "timeZoneFullName",
    "sector",
    "sectorKey",
    "industry",
    "industryKey",
    "longBusinessSummary",
    "website",
    "country",
    "city",
    "fullTimeEmployees",
    "currency",
    "financialCurrency",
)
#: `info` keys kept beside the figures as the analysts' view
ANALYST_KEYS = (
    "targetMeanPrice",
    "targetMedianPrice",
    "targetHighPrice",
    "targetLowPrice",
    "recommendationMean",
    "recommendationKey",
    "numberOfAnalystOpinions",
    "averageAnalystRating",
)


def _first(info: Mapping[str, Any], keys: Iterable[str]) -> float | None:
    for key in keys:
        number = finite_float(info.get(key))
        if number is not None:
            return number
    return None


def is_empty_quote(info: Mapping[str, Any]) -> bool:
    """No price and no quote type: Yahoo's way of answering for a symbol it does not know."""
    return not info or (
        finite_float(info.get("regularMarketPrice")) is None
        and finite_float(info.get("currentPrice")) is None
        and not info.get("quoteType")
    )


def exchange_timezone(info: Mapping[str, Any]) -> str | None:
    """The exchange's IANA timezone name, if the quote carries one."""
    tz = info.get("exchangeTimezoneName") or info.get("timeZoneFullName")
    return tz if isinstance(tz, str) and tz else None


def dividend_yield_fraction(info: Mapping[str, Any]) -> float | None:
    """Dividend yield as a fraction, whichever unit this `info` carries it in.

    yfinance 1.7 merges the v7 quote over quoteSummary, and v7 gives `dividendYield`
    in percent (0.41 means 0.41 %) where summaryDetail gives a fraction (0.0041). When
    `dividendRate` and the price agree on one reading we take it; otherwise percent,
    which is what `Ticker.info` yields whenever the v7 call succeeded.
    """
    value = finite_float(info.get("dividendYield"))
    if value is None:
        return None
    rate = finite_float(info.get("dividendRate"))
    price = finite_float(info.get("regularMarketPrice")) or finite_float(info.get("currentPrice"))
    if rate is not None and price:
        implied = rate / price
        if abs(value - implied) < abs(value / 100 - implied):
            return value
    return round(value / 100, 12)  # no binary noise such as 0.0060999999999999995


def eps_revision_30d(eps_trend: Any) -> float | None:
    """Change of the next-fiscal-year ('+1y') EPS estimate over 30 days, as a fraction."""
    try:
        row = eps_trend.loc["+1y"]
    except (KeyError, AttributeError, TypeError):
        return None
    now, ago = finite_float(row.get("current")), finite_float(row.get("30daysAgo"))
    if now is None or ago is None or ago == 0:
        return None
    return (now - ago) / abs(ago)


def metrics_from_info(info: Mapping[str, Any], eps_trend: Any = None) -> dict[str, float]:
    """Canonical snapshot metrics from a yfinance `info` dict (and the EPS trend frame).

    Units: debtToEquity comes in percent (39.0 means 0.39) and is divided by 100;
    dividend yield see `dividend_yield_fraction`; the analyst target is compared with
    `currentPrice` from the same financialData module, so both are in one currency.
    """
    out: dict[str, float] = {}
    for name, keys in _DIRECT.items():
        value = _first(info, keys)
        if value is not None:
            out[name] = value
    price = _first(info, ("regularMarketPrice", "currentPrice"))
    if price is not None:
        out["price"] = price
    d2e = finite_float(info.get("debtToEquity"))
    if d2e is not None:
        out["debt_to_equity"] = round(d2e / 100, 12)
    dy = dividend_yield_fraction(info)
    if dy is not None:
        out["dividend_yield"] = dy
    target = finite_float(info.get("targetMeanPrice"))
    target_base = _first(info, ("currentPrice", "regularMarketPrice"))
    if target is not None and target_base:
        out["target_upside"] = target / target_base - 1
    high = finite_float(info.get("fiftyTwoWeekHigh"))
    if high and price is not None:
        out["off_52w_high"] = price / high - 1
    revision = eps_revision_30d(eps_trend)
    if revision is not None:
        out["eps_revision_30d"] = revision
    return out


def analyst_view(info: Mapping[str, Any]) -> dict[str, Any]:
    """The analyst fields Yahoo sent (targets, recommendation), kept beside the figures."""
    return {k: info[k] for k in ANALYST_KEYS if info.get(k) is not None}


def profile_from_info(info: Mapping[str, Any]) -> dict[str, Any]:
    """The profile fields Yahoo sent; empty strings count as not sent."""
    return {k: info[k] for k in PROFILE_KEYS if info.get(k) not in (None, "")}


def history_points(frame: Any) -> tuple[HistoryPoint, ...]:
    """HistoryPoints from get_valuation_measures(): one per measure and period-end column."""
    points: list[HistoryPoint] = []
    if frame is None or getattr(frame, "empty", True):
        return ()
    for label, metric in VALUATION_LABELS.items():
        if label not in frame.index:
            continue
        row = frame.loc[label]
        for column, value in row.items():
            if column == "Current":
                continue
            number = finite_float(value)
            if number is None:
                continue
            month, day, year = (int(p) for p in str(column).split("/"))
            points.append(HistoryPoint(metric, date(year, month, day).isoformat(), number))
    points.sort(key=lambda p: (p.metric, p.date))
    return tuple(points)


#: how `as_of_date` found the date (kept in the bundle's `extra["as_of_from"]`)
AS_OF_QUOTE = "v7 quote time"
AS_OF_CHART = "chart quote time"
AS_OF_BAR = "last daily bar"
AS_OF_UNKNOWN = "unknown: no quote time in Yahoo's answer (no v7 quote, no prices)"


def current_values(frame: Any) -> dict[str, float]:
    """The "Current" column of get_valuation_measures(): each multiple's latest trailing value.

    Not a history point (it has no period end); what a series' currency basis is judged
    by, as it is Yahoo's own figure of the quote's day.
    """
    if frame is None or getattr(frame, "empty", True) or "Current" not in frame.columns:
        return {}
    out: dict[str, float] = {}
    for label, metric in VALUATION_LABELS.items():
        if label in frame.index:
            number = finite_float(frame.loc[label, "Current"])
            if number is not None:
                out[metric] = number
    return out


def as_of_date(
    info: Mapping[str, Any],
    bars: tuple[PriceBar, ...] = (),
    chart_meta: Mapping[str, Any] | None = None,
) -> tuple[str, str]:
    """(exchange-local date the figures describe, how it was found); never today's date.

    The v7 quote's `regularMarketTime` (epoch seconds) in the exchange's time zone, else
    the chart's `regularMarketTime` (yfinance makes it a pandas Timestamp in the exchange
    zone), else the last daily bar. Without any of them the date is "" (unknown): a
    fundamentals-only fetch whose v7 call failed carries no quote time at all, and
    "today" would make old figures pass for current ones.
    """
    quoted = local_date(info.get("regularMarketTime"), exchange_timezone(info))
    if quoted:
        return quoted, AS_OF_QUOTE
    if chart_meta:
        charted = local_date(
            chart_meta.get("regularMarketTime"), exchange_timezone(chart_meta)
        )
        if charted:
            return charted, AS_OF_CHART
    if bars:
        return bars[-1].date[:10], AS_OF_BAR
    return "", AS_OF_UNKNOWN


def local_date(value: Any, tz: str | None) -> str | None:
    """The exchange-local date of a quote time: epoch seconds, or a zoned datetime.

    yfinance hands the chart meta's times over as pandas Timestamps (datetimes) that
    are already in the exchange's zone; the v7 quote's are epoch seconds.
    """
    if isinstance(value, datetime):
        return value.date().isoformat()
    stamp = finite_float(value)
    if not stamp:
        return None
    zone: Any = UTC
    if tz:
        try:
            zone = ZoneInfo(tz)
        except (KeyError, ValueError):
            zone = UTC
    try:
        return datetime.fromtimestamp(stamp, tz=zone).date().isoformat()
    except (OverflowError, OSError, ValueError):  # a time beyond any calendar: no time
        return None
