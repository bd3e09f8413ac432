"""Build Yahoo-shaped response bodies for one company from a compact spec.

The fake Yahoo serves files laid out as `fixtures/<endpoint>/<SYMBOL>.json`; this
module writes them (see `write_fixtures`) and also synthesises companies on the
fly for benchmarks that need hundreds of tickers. The shapes follow the recorded
answers in ../shared/yahoo-recorded/ (raw numbers with `formatted=false`, the
`{"raw", "fmt"}` pairs that earningsTrend and the timeseries keep regardless).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

FIXTURES_DIR = Path(__file__).parent / "fixtures"
END_DATE = date(2026, 2, 13)  # last bar of every generated chart (a Friday)

_EXCHANGES: dict[str, tuple[str, str, str, str]] = {
    # suffix: (exchange code, full name, timezone name, short tz)
    ".SZ": ("SHZ", "Shenzhen", "Asia/Shanghai", "CST"),
    ".SS": ("SHH", "Shanghai", "Asia/Shanghai", "CST"),
    ".HK": ("HKG", "HKSE", "Asia/Hong_Kong", "HKT"),
    ".TW": ("TAI", "Taiwan", "Asia/Taipei", "CST"),
    ".T": ("JPX", "Tokyo", "Asia/Tokyo", "JST"),
    "": ("NMS", "NasdaqGS", "America/New_York", "EST"),
}


@dataclass(frozen=True)
class CompanySpec:
    """Everything the builder needs to answer for one symbol, in Yahoo's units."""

    symbol: str
    name: str
    currency: str
    financial_currency: str
    price: float
    market_cap: float
    enterprise_value: float
    trailing_pe: float | None
    forward_pe: float | None
    peg: float | None
    ps: float | None
    pb: float | None
    ev_ebitda: float | None
    ev_revenue: float | None
    revenue_growth: float | None
    earnings_growth: float | None
    gross_margins: float | None
    operating_margins: float | None
    profit_margins: float | None
    roe: float | None
    debt_to_equity_pct: float | None  # Yahoo's unit: percent (39.0 means 0.39)
    beta: float | None
    dividend_yield: float | None  # fraction, as summaryDetail gives it
    target_mean: float | None
    eps_next_year: float | None
    eps_next_year_30d_ago: float | None
    total_revenue: float | None = None  # financial currency
    industry: str = "Communication Equipment"
    sector: str = "Technology"
    summary: str = ""
    history_scale: dict[str, float] = field(default_factory=dict)


def _exchange(symbol: str) -> tuple[str, str, str, str]:
    for suffix, info in _EXCHANGES.items():
        if suffix and symbol.endswith(suffix):
            return info
    return _EXCHANGES[""]


def _fmt(value: float) -> str:
    if abs(value) >= 1e12:
        return f"{value / 1e12:.2f}T"
    if abs(value) >= 1e9:
        return f"{value / 1e9:.2f}B"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.2f}M"
    return f"{value:.2f}"


def _rf(value: float | None) -> dict[str, Any]:
    return {} if value is None else {"raw": value, "fmt": _fmt(value)}


def _seed(symbol: str) -> int:
    return int(hashlib.sha256(symbol.encode()).hexdigest()[:12], 16)


def _trading_days(end: date, n: int) -> list[date]:
    days: list[date] = []
    d = end
    while len(days) < n:
        if d.weekday() < 5:
            days.append(d)
        d -= timedelta(days=1)
    return days[::-1]


def price_bars(spec: CompanySpec, n: int = 262) -> list[dict[str, float]]:
    """A deterministic random walk of `n` daily bars that ends at `spec.price`."""
    rng = random.Random(_seed(spec.symbol))
    closes = [spec.price]
    for _ in range(n - 1):
        closes.append(closes[-1] / math.exp(rng.gauss(0.0008, 0.025)))
    closes.reverse()
    bars = []
    for i, close in enumerate(closes):
        prev = closes[i - 1] if i else close
        high = max(prev, close) * (1 + abs(rng.gauss(0, 0.008)))
        low = min(prev, close) * (1 - abs(rng.gauss(0, 0.008)))
        bars.append(
            {
                "open": round(prev, 2),
                "high": round(high, 2),
                "low": round(low, 2),
                "close": round(close, 2),
                "volume": float(int(rng.uniform(2e6, 4e7))),
            }
        )
    bars[-1]["close"] = spec.price
    bars[-1]["high"] = max(bars[-1]["high"], spec.price)
    bars[-1]["low"] = min(bars[-1]["low"], spec.price)
    return bars


def dividends(spec: CompanySpec, bars: list[dict[str, float]]) -> dict[int, float]:
    """Quarterly cash dividends by bar index (the ex-date), for a company that pays one.

    A quarter of the yearly rate, every 63 bars from the end: the fake's charts carry them
    the way Yahoo's do (`events.dividends`, and `adjclose` below `close` before each).
    """
    if not spec.dividend_yield or spec.symbol.endswith("=X"):
        return {}
    amount = round(spec.dividend_yield * spec.price / 4, 4)
    return {i: amount for i in range(len(bars) - 40, 0, -63)}


def adjusted_closes(bars: list[dict[str, float]], paid: dict[int, float]) -> list[float]:
    """Yahoo's `adjclose`: each close times (1 - dividend / the close before the ex-date)
    for every later ex-date, so a total return reads from it and a price return does not."""
    factor, out = 1.0, []
    for i in range(len(bars) - 1, -1, -1):
        out.append(round(bars[i]["close"] * factor, 6))
        if i in paid and i > 0:
            factor *= 1 - paid[i] / bars[i - 1]["close"]
    return out[::-1]


def _close_epoch(day: date, tz: str) -> int:
    """Epoch of the session open Yahoo stamps daily bars with (09:30 local)."""
    local = datetime(day.year, day.month, day.day, 9, 30, tzinfo=ZoneInfo(tz))
    return int(local.timestamp())


def build_chart(spec: CompanySpec, end: date = END_DATE) -> dict[str, Any]:
    exch, full, tzname, tzshort = _exchange(spec.symbol)
    bars = price_bars(spec)
    days = _trading_days(end, len(bars))
    stamps = [_close_epoch(d, tzname) for d in days]
    paid = dividends(spec, bars)
    offset = int(ZoneInfo(tzname).utcoffset(datetime(end.year, end.month, end.day)).total_seconds())
    meta = {
        "currency": spec.currency,
        "symbol": spec.symbol,
        "exchangeName": exch,
        "fullExchangeName": full,
        "instrumentType": "CURRENCY" if spec.symbol.endswith("=X") else "EQUITY",
        "firstTradeDate": 1262304000,
        "regularMarketTime": stamps[-1] + 6 * 3600,
        "hasPrePostMarketData": False,
        "gmtoffset": offset,
        "timezone": tzshort,
        "exchangeTimezoneName": tzname,
        "regularMarketPrice": spec.price,
        "fiftyTwoWeekHigh": max(b["high"] for b in bars),
        "fiftyTwoWeekLow": min(b["low"] for b in bars),
        "regularMarketDayHigh": bars[-1]["high"],
        "regularMarketDayLow": bars[-1]["low"],
        "regularMarketVolume": bars[-1]["volume"],
        "longName": spec.name,
        "shortName": spec.name,
        "chartPreviousClose": bars[0]["close"],
        "priceHint": 2,
        "currentTradingPeriod": {
            "pre": {
                "timezone": tzshort,
                "start": stamps[-1],
                "end": stamps[-1],
                "gmtoffset": offset,
            },
            "regular": {
                "timezone": tzshort,
                "start": stamps[-1],
                "end": stamps[-1] + 6 * 3600,
                "gmtoffset": offset,
            },
            "post": {
                "timezone": tzshort,
                "start": stamps[-1] + 6 * 3600,
                "end": stamps[-1] + 6 * 3600,
                "gmtoffset": offset,
            },
        },
        "dataGranularity": "1d",
        "range": "1y",
        "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
    }
    result: dict[str, Any] = {"meta": meta, "timestamp": stamps}
    if paid:
        result["events"] = {
            "dividends": {
                str(stamps[i]): {"amount": amount, "date": stamps[i]} for i, amount in paid.items()
            }
        }
    return {
        "chart": {
            "result": [
                {
                    **result,
                    "indicators": {
                        "quote": [
                            {
                                "open": [b["open"] for b in bars],
                                "high": [b["high"] for b in bars],
                                "low": [b["low"] for b in bars],
                                "close": [b["close"] for b in bars],
                                "volume": [b["volume"] for b in bars],
                            }
                        ],
                        "adjclose": [{"adjclose": adjusted_closes(bars, paid)}],
                    },
                }
            ],
            "error": None,
        }
    }


def build_quote_summary(spec: CompanySpec) -> dict[str, Any]:
    exch, full, tzname, tzshort = _exchange(spec.symbol)
    bars = price_bars(spec)
    high52 = max(b["high"] for b in bars)
    low52 = min(b["low"] for b in bars)
    shares = spec.market_cap / spec.price
    eps_ttm = spec.price / spec.trailing_pe if spec.trailing_pe else None
    eps_fwd = spec.price / spec.forward_pe if spec.forward_pe else None
    book = spec.price / spec.pb if spec.pb else None
    market_time = int(
        datetime(END_DATE.year, END_DATE.month, END_DATE.day, 7, 0, tzinfo=UTC).timestamp()
    )
    summary_detail = {
        "maxAge": 1,
        "priceHint": 2,
        "previousClose": bars[-2]["close"],
        "open": bars[-1]["open"],
        "dayLow": bars[-1]["low"],
        "dayHigh": bars[-1]["high"],
        "regularMarketPreviousClose": bars[-2]["close"],
        "regularMarketOpen": bars[-1]["open"],
        "dividendRate": round(spec.dividend_yield * spec.price, 4) if spec.dividend_yield else None,
        "dividendYield": spec.dividend_yield,
        "beta": spec.beta,
        "trailingPE": spec.trailing_pe,
        "forwardPE": spec.forward_pe,
        "volume": bars[-1]["volume"],
        "averageVolume": 1.2e7,
        "marketCap": spec.market_cap,
        "fiftyTwoWeekLow": low52,
        "fiftyTwoWeekHigh": high52,
        "priceToSalesTrailing12Months": spec.ps,
        "fiftyDayAverage": round(sum(b["close"] for b in bars[-50:]) / 50, 4),
        "twoHundredDayAverage": round(sum(b["close"] for b in bars[-200:]) / 200, 4),
        "trailingAnnualDividendRate": round(spec.dividend_yield * spec.price, 4)
        if spec.dividend_yield
        else None,
        "trailingAnnualDividendYield": spec.dividend_yield,
        "currency": spec.currency,
        "fromCurrency": None,
        "toCurrency": None,
        "lastMarket": None,
        "algorithm": None,
        "tradeable": False,
    }
    key_stats = {
        "maxAge": 1,
        "priceHint": 2,
        "enterpriseValue": spec.enterprise_value,
        "forwardPE": spec.forward_pe,
        "profitMargins": spec.profit_margins,
        "sharesOutstanding": round(shares),
        "bookValue": round(book, 4) if book else None,
        "priceToBook": spec.pb,
        "trailingEps": round(eps_ttm, 4) if eps_ttm else None,
        "forwardEps": round(eps_fwd, 4) if eps_fwd else None,
        "pegRatio": spec.peg,
        "enterpriseToRevenue": spec.ev_revenue,
        "enterpriseToEbitda": spec.ev_ebitda,
        "52WeekChange": round(spec.price / bars[0]["close"] - 1, 6),
        "earningsQuarterlyGrowth": spec.earnings_growth,
    }
    financial = {
        "maxAge": 86400,
        "currentPrice": spec.price,
        "targetHighPrice": round(spec.target_mean * 1.25, 2) if spec.target_mean else None,
        "targetLowPrice": round(spec.target_mean * 0.8, 2) if spec.target_mean else None,
        "targetMeanPrice": spec.target_mean,
        "targetMedianPrice": spec.target_mean,
        "recommendationMean": 1.8 if spec.target_mean else None,
        "recommendationKey": "buy" if spec.target_mean else "none",
        "numberOfAnalystOpinions": 12 if spec.target_mean else None,
        "totalRevenue": spec.total_revenue,
        "debtToEquity": spec.debt_to_equity_pct,
        "returnOnEquity": spec.roe,
        "earningsGrowth": spec.earnings_growth,
        "revenueGrowth": spec.revenue_growth,
        "grossMargins": spec.gross_margins,
        "operatingMargins": spec.operating_margins,
        "profitMargins": spec.profit_margins,
        "financialCurrency": spec.financial_currency,
    }
    quote_type = {
        "exchange": exch,
        "quoteType": "EQUITY",
        "symbol": spec.symbol,
        "underlyingSymbol": spec.symbol,
        "shortName": spec.name[:30],
        "longName": spec.name,
        "firstTradeDateEpochUtc": 1262304000,
        "timeZoneFullName": tzname,
        "timeZoneShortName": tzshort,
        "uuid": hashlib.md5(spec.symbol.encode()).hexdigest(),  # noqa: S324 - an id, not security
        "messageBoardId": f"finmb_{_seed(spec.symbol) % 10**8}",
        "gmtOffSetMilliseconds": 28800000,
        "maxAge": 1,
    }
    profile = {
        "city": "Shenzhen" if spec.currency == "CNY" else "Santa Clara",
        "country": "China" if spec.currency == "CNY" else "United States",
        "website": f"https://www.{spec.symbol.split('.')[0].lower()}.example",
        "industry": spec.industry,
        "industryKey": spec.industry.lower().replace(" ", "-"),
        "industryDisp": spec.industry,
        "sector": spec.sector,
        "sectorKey": spec.sector.lower(),
        "sectorDisp": spec.sector,
        "longBusinessSummary": spec.summary
        or f"{spec.name} designs and makes networking products.",
        "fullTimeEmployees": 10000,
        "companyOfficers": [],
        "maxAge": 86400,
    }
    price = {
        "maxAge": 1,
        "regularMarketChangePercent": round(spec.price / bars[-2]["close"] - 1, 6),
        "regularMarketChange": round(spec.price - bars[-2]["close"], 4),
        "regularMarketTime": market_time,
        "priceHint": 2,
        "regularMarketPrice": spec.price,
        "regularMarketDayHigh": bars[-1]["high"],
        "regularMarketDayLow": bars[-1]["low"],
        "regularMarketVolume": bars[-1]["volume"],
        "regularMarketPreviousClose": bars[-2]["close"],
        "regularMarketOpen": bars[-1]["open"],
        "exchange": exch,
        "exchangeName": full,
        "marketState": "CLOSED",
        "quoteType": "EQUITY",
        "symbol": spec.symbol,
        "shortName": spec.name[:30],
        "longName": spec.name,
        "currency": spec.currency,
        "currencySymbol": "",
        "marketCap": spec.market_cap,
    }
    trend = []
    for period, end_date in (
        ("0q", "2026-03-31"),
        ("+1q", "2026-06-30"),
        ("0y", "2026-12-31"),
        ("+1y", "2027-12-31"),
    ):
        now = spec.eps_next_year
        ago = spec.eps_next_year_30d_ago
        if period != "+1y" and now is not None and ago is not None:
            factor = {"0q": 0.22, "+1q": 0.25, "0y": 0.85}[period]
            now, ago = now * factor, ago * factor
        trend.append(
            {
                "maxAge": 1,
                "period": period,
                "endDate": end_date,
                "growth": _rf(spec.earnings_growth),
                "earningsEstimate": {"avg": _rf(now), "earningsCurrency": spec.financial_currency},
                "revenueEstimate": {
                    "avg": _rf(spec.total_revenue),
                    "revenueCurrency": spec.financial_currency,
                },
                "epsTrend": {
                    "current": _rf(now),
                    "7daysAgo": _rf(now),
                    "30daysAgo": _rf(ago),
                    "60daysAgo": _rf(ago),
                    "90daysAgo": _rf(ago),
                    "epsTrendCurrency": spec.financial_currency,
                },
                "epsRevisions": {
                    "upLast7days": _rf(1),
                    "upLast30days": _rf(2),
                    "downLast30days": _rf(0),
                    "epsRevisionsCurrency": spec.financial_currency,
                },
            }
        )
    modules = {
        "summaryDetail": _drop_none(summary_detail),
        "defaultKeyStatistics": _drop_none(key_stats),
        "financialData": _drop_none(financial),
        "quoteType": quote_type,
        "assetProfile": profile,
        "price": price,
        "earningsTrend": {"trend": trend, "maxAge": 1}
        if spec.eps_next_year
        else {"trend": [], "maxAge": 1},
    }
    return {"quoteSummary": {"result": [modules], "error": None}}


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def build_quote(spec: CompanySpec) -> dict[str, Any]:
    exch, full, tzname, tzshort = _exchange(spec.symbol)
    qs = build_quote_summary(spec)["quoteSummary"]["result"][0]
    sd, ks = qs["summaryDetail"], qs["defaultKeyStatistics"]
    row = {
        "language": "en-US",
        "region": "US",
        "quoteType": "EQUITY",
        "typeDisp": "Equity",
        "quoteSourceName": "Delayed Quote",
        "triggerable": False,
        "customPriceAlertConfidence": "LOW",
        "currency": spec.currency,
        "financialCurrency": spec.financial_currency,
        "exchange": exch,
        "fullExchangeName": full,
        "exchangeTimezoneName": tzname,
        "exchangeTimezoneShortName": tzshort,
        "market": "cn_market" if spec.currency == "CNY" else "us_market",
        "marketState": "CLOSED",
        "regularMarketPrice": spec.price,
        "regularMarketTime": qs["price"]["regularMarketTime"],
        "regularMarketPreviousClose": sd["previousClose"],
        "fiftyTwoWeekHigh": sd["fiftyTwoWeekHigh"],
        "fiftyTwoWeekLow": sd["fiftyTwoWeekLow"],
        "fiftyDayAverage": sd["fiftyDayAverage"],
        "twoHundredDayAverage": sd["twoHundredDayAverage"],
        "marketCap": spec.market_cap,
        "trailingPE": spec.trailing_pe,
        "forwardPE": spec.forward_pe,
        "priceToBook": spec.pb,
        "bookValue": ks.get("bookValue"),
        "epsTrailingTwelveMonths": ks.get("trailingEps"),
        "epsForward": ks.get("forwardEps"),
        "sharesOutstanding": ks["sharesOutstanding"],
        # v7 gives the forward dividend yield in PERCENT (0.41 means 0.41%), unlike summaryDetail.
        "dividendYield": round(spec.dividend_yield * 100, 4) if spec.dividend_yield else None,
        "trailingAnnualDividendYield": spec.dividend_yield,
        "dividendRate": sd.get("dividendRate"),
        "averageAnalystRating": "1.8 - Buy" if spec.target_mean else None,
        "shortName": spec.name[:30],
        "longName": spec.name,
        "gmtOffSetMilliseconds": 28800000,
        "priceHint": 2,
        "tradeable": False,
        "cryptoTradeable": False,
        "esgPopulated": False,
        "sourceInterval": 15,
        "exchangeDataDelayedBy": 15,
        "symbol": spec.symbol,
    }
    return {"quoteResponse": {"result": [_drop_none(row)], "error": None}}


_VALUATION_TYPES = {
    "PeRatio": "trailing_pe",
    "ForwardPeRatio": "forward_pe",
    "PegRatio": "peg",
    "PsRatio": "ps",
    "PbRatio": "pb",
    "EnterprisesValueRevenueRatio": "ev_revenue",
    "EnterprisesValueEBITDARatio": "ev_ebitda",
    "MarketCap": "market_cap",
    "EnterpriseValue": "enterprise_value",
}


def _quarter_ends(start_year: int, end: date) -> list[date]:
    out = []
    for year in range(start_year, end.year + 1):
        for month, day in ((3, 31), (6, 30), (9, 30), (12, 31)):
            d = date(year, month, day)
            if d < end:
                out.append(d)
    return out


def build_timeseries(spec: CompanySpec) -> dict[str, Any]:
    """Quarterly and trailing valuation series since 2017, the way the timeseries API nests them."""
    rng = random.Random(_seed(spec.symbol) + 7)
    quarters = _quarter_ends(2017, END_DATE)
    result: list[dict[str, Any]] = []
    for suffix, attr in _VALUATION_TYPES.items():
        current = getattr(spec, attr)
        if current is None:
            continue
        quarterly = []
        level = current
        values = []
        for _ in quarters:
            values.append(round(level, 4))
            level = level / math.exp(rng.gauss(0.01, 0.12))
        values.reverse()
        for q, v in zip(quarters, values, strict=True):
            quarterly.append(
                {
                    "dataId": 14000,
                    "asOfDate": q.isoformat(),
                    "periodType": "3M",
                    "currencyCode": spec.currency,
                    "reportedValue": _rf(v),
                }
            )
        result.append(
            {
                "meta": {"symbol": [spec.symbol], "type": [f"quarterly{suffix}"]},
                "timestamp": [
                    int(datetime(q.year, q.month, q.day, tzinfo=UTC).timestamp()) for q in quarters
                ],
                f"quarterly{suffix}": quarterly,
            }
        )
        result.append(
            {
                "meta": {"symbol": [spec.symbol], "type": [f"trailing{suffix}"]},
                "timestamp": [
                    int(
                        datetime(
                            END_DATE.year, END_DATE.month, END_DATE.day, tzinfo=UTC
                        ).timestamp()
                    )
                ],
                f"trailing{suffix}": [
                    {
                        "dataId": 14000,
                        "asOfDate": END_DATE.isoformat(),
                        "periodType": "TTM",
                        "currencyCode": spec.currency,
                        "reportedValue": _rf(current),
                    }
                ],
            }
        )
    return {"timeseries": {"result": result, "error": None}}


def build_fx_quote(spec: CompanySpec) -> dict[str, Any]:
    """A currency pair's v7 quote row, shaped like Yahoo's (CCY exchange, London time)."""
    meta = build_chart(spec)["chart"]["result"][0]["meta"]
    row = {
        "language": "en-US",
        "region": "US",
        "quoteType": "CURRENCY",
        "typeDisp": "Currency",
        "quoteSourceName": "Delayed Quote",
        "triggerable": True,
        "currency": spec.currency,
        "exchange": "CCY",
        "shortName": spec.name,
        "longName": spec.name,
        "messageBoardId": f"finmb_{spec.currency}_X",
        "exchangeTimezoneName": "Europe/London",
        "exchangeTimezoneShortName": "GMT",
        "gmtOffSetMilliseconds": 0,
        "market": "ccy_market",
        "esgPopulated": False,
        "marketState": "REGULAR",
        "regularMarketPrice": spec.price,
        "regularMarketTime": meta["regularMarketTime"],
        "regularMarketDayHigh": meta["regularMarketDayHigh"],
        "regularMarketDayLow": meta["regularMarketDayLow"],
        "regularMarketPreviousClose": meta["chartPreviousClose"],
        "fiftyTwoWeekHigh": meta["fiftyTwoWeekHigh"],
        "fiftyTwoWeekLow": meta["fiftyTwoWeekLow"],
        "priceHint": 4,
        "sourceInterval": 15,
        "exchangeDataDelayedBy": 0,
        "tradeable": False,
        "cryptoTradeable": False,
        "fullExchangeName": "CCY",
        "symbol": spec.symbol,
    }
    return {"quoteResponse": {"result": [row], "error": None}}


def build_all(spec: CompanySpec) -> dict[str, dict[str, Any]]:
    """Every endpoint's body for one company, keyed by the fixture folder name."""
    return {
        "quote": build_quote(spec),
        "quoteSummary": build_quote_summary(spec),
        "chart": build_chart(spec),
        "timeseries": build_timeseries(spec),
    }


def fx_spec(currency: str, units_per_usd: float) -> CompanySpec:
    """A currency pair like CNY=X: only the chart (and quote) matter."""
    return CompanySpec(
        symbol=f"{currency}=X",
        name=f"USD/{currency}",
        currency=currency,
        financial_currency=currency,
        price=units_per_usd,
        market_cap=0.0,
        enterprise_value=0.0,
        trailing_pe=None,
        forward_pe=None,
        peg=None,
        ps=None,
        pb=None,
        ev_ebitda=None,
        ev_revenue=None,
        revenue_growth=None,
        earnings_growth=None,
        gross_margins=None,
        operating_margins=None,
        profit_margins=None,
        roe=None,
        debt_to_equity_pct=None,
        beta=None,
        dividend_yield=None,
        target_mean=None,
        eps_next_year=None,
        eps_next_year_30d_ago=None,
    )


def synthetic_spec(symbol: str) -> CompanySpec:
    """A plausible made-up company for `symbol`, the same every time (seeded by the symbol)."""
    rng = random.Random(_seed(symbol))
    price = round(rng.uniform(10, 400), 2)
    mcap = rng.uniform(5e9, 4e11)
    ccy = "USD"
    suffixes = ((".SZ", "CNY"), (".SS", "CNY"), (".HK", "HKD"), (".TW", "TWD"), (".T", "JPY"))
    for suffix, c in suffixes:
        if symbol.endswith(suffix):
            ccy = c
    pe = round(rng.uniform(12, 90), 2)
    eps1 = round(price / (pe * rng.uniform(0.5, 0.9)), 4)
    return CompanySpec(
        symbol=symbol,
        name=f"Synthetic {symbol}",
        currency=ccy,
        financial_currency=ccy,
        price=price,
        market_cap=round(mcap),
        enterprise_value=round(mcap * rng.uniform(0.9, 1.1)),
        trailing_pe=pe,
        forward_pe=round(pe * rng.uniform(0.5, 0.9), 2),
        peg=round(rng.uniform(0.4, 3), 2),
        ps=round(rng.uniform(1, 30), 2),
        pb=round(rng.uniform(1, 20), 2),
        ev_ebitda=round(rng.uniform(8, 60), 2),
        ev_revenue=round(rng.uniform(1, 30), 2),
        revenue_growth=round(rng.uniform(-0.2, 1.5), 4),
        earnings_growth=round(rng.uniform(-0.5, 2.5), 4),
        gross_margins=round(rng.uniform(0.1, 0.7), 4),
        operating_margins=round(rng.uniform(0.02, 0.4), 4),
        profit_margins=round(rng.uniform(0.01, 0.35), 4),
        roe=round(rng.uniform(0.02, 0.45), 4),
        debt_to_equity_pct=round(rng.uniform(0, 120), 3),
        beta=round(rng.uniform(0.5, 2.0), 3),
        dividend_yield=round(rng.uniform(0, 0.03), 4),
        target_mean=round(price * rng.uniform(0.8, 1.5), 2),
        eps_next_year=eps1,
        eps_next_year_30d_ago=round(eps1 * rng.uniform(0.9, 1.05), 4),
        total_revenue=round(mcap / rng.uniform(2, 20)),
    )


# -- the committed fixture set -------------------------------------------------------------
# Values for the A-shares come from ../shared/sample-snapshot/snapshot.csv where it has them;
# the rest are plausible figures of the same order.

FX_RATES: dict[str, float] = {"CNY": 7.2466, "HKD": 7.7815, "TWD": 32.71, "JPY": 152.84}

COMPANIES: tuple[CompanySpec, ...] = (
    CompanySpec(
        symbol="300308.SZ",
        name="Zhongji Innolight Co., Ltd.",
        currency="CNY",
        financial_currency="CNY",
        price=372.89,
        market_cap=410160000000.0,
        enterprise_value=407150000000.0,
        trailing_pe=60.77,
        forward_pe=30.69,
        peg=0.57,
        ps=14.73,
        pb=16.92,
        ev_ebitda=47.16,
        ev_revenue=14.62,
        revenue_growth=0.366,
        earnings_growth=0.781,
        gross_margins=0.3912,
        operating_margins=0.3205,
        profit_margins=0.2734,
        roe=0.3483,
        debt_to_equity_pct=11.02,
        beta=1.312,
        dividend_yield=0.0042,
        target_mean=455.3,
        eps_next_year=12.15,
        eps_next_year_30d_ago=11.4,
        total_revenue=27845000000.0,
        industry="Communication Equipment",
        summary="Zhongji Innolight makes optical transceiver modules for data centers.",
    ),
    CompanySpec(
        symbol="688702.SS",
        name="Suzhou Centec Communications Co., Ltd.",
        currency="CNY",
        financial_currency="CNY",
        price=61.5,
        market_cap=25584000000.0,
        enterprise_value=24190000000.0,
        trailing_pe=None,
        forward_pe=310.5,
        peg=None,
        ps=21.4,
        pb=7.1,
        ev_ebitda=None,
        ev_revenue=20.2,
        revenue_growth=0.124,
        earnings_growth=None,
        gross_margins=0.4231,
        operating_margins=-0.1184,
        profit_margins=-0.0712,
        roe=-0.0419,
        debt_to_equity_pct=3.4,
        beta=0.981,
        dividend_yield=None,
        target_mean=None,
        eps_next_year=None,
        eps_next_year_30d_ago=None,
        total_revenue=1195000000.0,
        industry="Semiconductors",
        summary="Centec designs Ethernet switching silicon.",
    ),
    CompanySpec(
        symbol="002281.SZ",
        name="Accelink Technologies Co., Ltd.",
        currency="CNY",
        financial_currency="CNY",
        price=71.78,
        market_cap=56050000000.0,
        enterprise_value=52370000000.0,
        trailing_pe=59.46,
        forward_pe=46.01,
        peg=None,
        ps=4.91,
        pb=5.7,
        ev_ebitda=37.95,
        ev_revenue=4.58,
        revenue_growth=0.6066,
        earnings_growth=0.212,
        gross_margins=0.2315,
        operating_margins=0.0934,
        profit_margins=0.0836,
        roe=0.0961,
        debt_to_equity_pct=4.0,
        beta=0.48,
        dividend_yield=0.0061,
        target_mean=80.2,
        eps_next_year=1.56,
        eps_next_year_30d_ago=1.61,
        total_revenue=11426000000.0,
        industry="Communication Equipment",
    ),
    CompanySpec(
        symbol="2345.TW",
        name="Accton Technology Corporation",
        currency="TWD",
        financial_currency="TWD",
        price=1065.0,
        market_cap=596900000000.0,
        enterprise_value=571200000000.0,
        trailing_pe=35.2,
        forward_pe=24.9,
        peg=0.81,
        ps=4.2,
        pb=12.4,
        ev_ebitda=26.3,
        ev_revenue=4.02,
        revenue_growth=0.872,
        earnings_growth=0.954,
        gross_margins=0.1921,
        operating_margins=0.1087,
        profit_margins=0.0981,
        roe=0.3912,
        debt_to_equity_pct=9.8,
        beta=1.08,
        dividend_yield=0.0185,
        target_mean=1290.0,
        eps_next_year=42.8,
        eps_next_year_30d_ago=41.1,
        total_revenue=142000000000.0,
        industry="Communication Equipment",
    ),
    CompanySpec(
        symbol="1686.HK",
        name="SUNeVision Holdings Ltd.",
        currency="HKD",
        financial_currency="HKD",
        price=6.12,
        market_cap=24860000000.0,
        enterprise_value=44120000000.0,
        trailing_pe=23.8,
        forward_pe=21.5,
        peg=2.1,
        ps=8.9,
        pb=3.6,
        ev_ebitda=20.4,
        ev_revenue=15.8,
        revenue_growth=0.094,
        earnings_growth=0.052,
        gross_margins=0.5012,
        operating_margins=0.4023,
        profit_margins=0.3712,
        roe=0.151,
        debt_to_equity_pct=178.6,
        beta=0.71,
        dividend_yield=0.0327,
        target_mean=7.35,
        eps_next_year=0.285,
        eps_next_year_30d_ago=0.291,
        total_revenue=2790000000.0,
        industry="Information Technology Services",
    ),
    # A US listing that reports in another currency: price and market cap in USD,
    # statements (revenue, EPS estimates) in CNY.
    CompanySpec(
        symbol="GDS",
        name="GDS Holdings Limited",
        currency="USD",
        financial_currency="CNY",
        price=38.4,
        market_cap=7300000000.0,
        enterprise_value=12900000000.0,
        trailing_pe=None,
        forward_pe=95.1,
        peg=None,
        ps=0.68,
        pb=1.9,
        ev_ebitda=23.6,
        ev_revenue=1.19,
        revenue_growth=0.121,
        earnings_growth=None,
        gross_margins=0.2203,
        operating_margins=0.0812,
        profit_margins=-0.0233,
        roe=-0.0208,
        debt_to_equity_pct=191.5,
        beta=1.54,
        dividend_yield=None,
        target_mean=44.9,
        eps_next_year=2.95,
        eps_next_year_30d_ago=2.71,
        total_revenue=10800000000.0,
        industry="Information Technology Services",
    ),
    CompanySpec(
        symbol="ANET",
        name="Arista Networks, Inc.",
        currency="USD",
        financial_currency="USD",
        price=131.22,
        market_cap=165300000000.0,
        enterprise_value=156800000000.0,
        trailing_pe=51.3,
        forward_pe=40.2,
        peg=2.05,
        ps=21.1,
        pb=14.2,
        ev_ebitda=42.5,
        ev_revenue=20.0,
        revenue_growth=0.277,
        earnings_growth=0.25,
        gross_margins=0.641,
        operating_margins=0.424,
        profit_margins=0.404,
        roe=0.3162,
        debt_to_equity_pct=None,
        beta=1.43,
        dividend_yield=None,
        target_mean=160.4,
        eps_next_year=3.26,
        eps_next_year_30d_ago=3.22,
        total_revenue=7830000000.0,
        industry="Computer Hardware",
    ),
)


def spec_by_symbol() -> dict[str, CompanySpec]:
    specs = {s.symbol: s for s in COMPANIES}
    for ccy, rate in FX_RATES.items():
        s = fx_spec(ccy, rate)
        specs[s.symbol] = s
    return specs


def write_fixtures(root: Path = FIXTURES_DIR) -> list[Path]:
    """(Re)write the committed fixture files: `python -m tests.fake_yahoo.builder` (repo root)."""
    written = []
    for spec in spec_by_symbol().values():
        bodies = build_all(spec)
        if spec.symbol.endswith("=X"):
            bodies = {"chart": bodies["chart"], "quote": build_fx_quote(spec)}
        for endpoint, body in bodies.items():
            path = root / endpoint / f"{spec.symbol}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(body, separators=(",", ":")) + "\n")
            written.append(path)
    (root / "specs.json").write_text(
        json.dumps({s.symbol: asdict(s) for s in COMPANIES}, indent=1, sort_keys=True) + "\n"
    )
    return written


def load_spec(symbol: str, root: Path = FIXTURES_DIR) -> CompanySpec:
    """The spec a committed fixture was written from (tests compare stored values with it)."""
    data = json.loads((root / "specs.json").read_text())[symbol]
    return replace(CompanySpec(**{k: v for k, v in data.items() if k != "history_scale"}))


if __name__ == "__main__":
    for p in write_fixtures():
        print(p.relative_to(FIXTURES_DIR))
