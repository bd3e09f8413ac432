"""YahooProvider: company data from Yahoo Finance through yfinance (the only module importing it).

Per company it asks yfinance for the quote and valuation snapshot plus fundamentals
and analyst fields (`Ticker.info`), the EPS trend (`Ticker.eps_trend`), a year of
daily prices (`Ticker.history`) and the multiple history since 2016
(`Ticker.get_valuation_measures(freq="quarterly", periods=None)`), and maps Yahoo's
field names and units onto the catalogue (see `metrics_from_info`).

Two things about Yahoo shape this module:

* `currency` (price, market cap, targets) and `financialCurrency` (statements,
  EPS estimates) differ for many Asian and ADR listings. Yahoo's own P/B and P/S
  then divide a listing-currency price by a statement-currency book or revenue,
  and its enterprise value is in the statement currency: `align_currencies`
  converts those three with Yahoo's FX rates (or drops them when a rate is
  missing), and the USD market cap uses the listing currency's rate.
* Every HTTP request goes through one shared session whose `request` method is
  wrapped: it counts requests (per thread, so a refresh can log requests per
  ticker) and hands each one to an optional `RequestGate`, which is where the
  refresh puts its adaptive concurrency limit and its retries. yfinance only
  sees a 429 after the gate has given up.
"""

from __future__ import annotations

import contextlib
import json
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from screener.data.provider import (
    ALL_KINDS,
    KIND_FUNDAMENTALS,
    KIND_HISTORY,
    KIND_PRICES,
    KIND_PROFILE,
    TRANSIENT_ERROR_NAMES,
    YAHOO_SOURCE,
    FetchBundle,
    FxRate,
    HistoryPoint,
    PriceBar,
)
from screener.errors import DataError, InputError
from screener.utils import finite_float

# Minor-unit listing currencies: Yahoo quotes these in 1/100 of the major unit.
_MINOR_UNITS: dict[str, tuple[str, float]] = {
    "GBp": ("GBP", 100.0),
    "GBX": ("GBP", 100.0),
    "ZAc": ("ZAR", 100.0),
    "ILA": ("ILS", 100.0),
}

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

_PROFILE_KEYS = (
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
_ANALYST_KEYS = (
    "targetMeanPrice",
    "targetMedianPrice",
    "targetHighPrice",
    "targetLowPrice",
    "recommendationMean",
    "recommendationKey",
    "numberOfAnalystOpinions",
    "averageAnalystRating",
)


class YahooError(DataError):
    """A ticker could not be fetched from Yahoo; `transient` says whether trying later may help."""

    transient: bool = False
    kind: str = "error"


class NotFoundError(YahooError):
    """Yahoo does not know the symbol (404, or an empty answer where a quote should be)."""

    kind = "not_found"


class BadResponseError(YahooError):
    """Yahoo answered, but with something unusable: malformed JSON, an empty frame."""

    kind = "bad_response"


class TransientError(YahooError):
    """Rate limited, a server error or a timeout that outlasted the retries."""

    transient = True
    kind = "transient"


class RequestGate(Protocol):
    """Where every HTTP request passes: concurrency limit, retries, backoff (see refresh)."""

    def call(self, send: Callable[[], Any]) -> Any:
        """Run `send` (one HTTP request) under the gate's rules and return its response."""
        ...


SCREEN_PAGE_SIZE = 250
"""Yahoo's largest screener page: yfinance refuses `size` > 250 and so does Yahoo."""

SCREEN_MAX_OFFSET = 10_000
"""Yahoo stops paging a screen at offset 10 000 (it repeats rows past it), so neither do we."""


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """The rows of one paged `yf.screen` run, plus what the paging saw.

    `rows` are plain dicts (see `YahooProvider.screen_equities`); `total` is Yahoo's own
    count of matches (None when it did not say), so a caller can tell a capped or cut
    scan (`len(rows) < total`) from a complete one; `pages` counts screener requests.
    """

    rows: list[dict[str, Any]]
    total: int | None
    pages: int
    query: dict[str, Any]


@lru_cache(maxsize=1)
def screener_industries() -> dict[str, str]:
    """Yahoo's screener industry names -> their Yahoo sector, as yfinance validates them.

    Exposed so code that keeps its own lists of industries (universe discovery) can
    check them against the names Yahoo accepts without importing yfinance itself.
    """
    from yfinance.const import EQUITY_SCREENER_EQ_MAP

    return {
        industry: sector
        for sector, industries in EQUITY_SCREENER_EQ_MAP["industry"].items()
        for industry in industries
    }


def screener_regions() -> frozenset[str]:
    """Region codes (`cn`, `hk`, `us`, `tw` ...) that Yahoo's equity screener accepts."""
    from yfinance.const import EQUITY_SCREENER_EQ_MAP

    return frozenset(EQUITY_SCREENER_EQ_MAP["region"])


def _screen_row(quote: Mapping[str, Any], region: str, industry: str | None) -> dict[str, Any]:
    """One screener quote as a plain dict with the fields discovery needs.

    Yahoo's screener rows are v7-quote-shaped: they carry no industry or sector, and
    their `region` is the request's language region ('US'), not the listing's. So the
    industry is the one the query filtered on (a row's own value wins if it has one),
    the sector comes from Yahoo's industry -> sector table, and `region` is the
    screened region code.
    """
    industry = quote.get("industry") or industry
    sector = quote.get("sector") or (screener_industries().get(industry) if industry else None)
    long_name = quote.get("longName")
    short_name = quote.get("shortName")
    return {
        "symbol": quote.get("symbol"),
        "name": long_name or short_name or quote.get("displayName"),
        "longName": long_name,
        "shortName": short_name,
        "exchange": quote.get("exchange"),
        "fullExchangeName": quote.get("fullExchangeName"),
        "quoteType": quote.get("quoteType"),
        "industry": industry,
        "sector": sector,
        "marketCap": finite_float(quote.get("marketCap")),
        "currency": quote.get("currency"),
        "region": region,
    }


def _first(info: Mapping[str, Any], keys: Iterable[str]) -> float | None:
    for key in keys:
        number = finite_float(info.get(key))
        if number is not None:
            return number
    return None


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


def price_metrics(bars: tuple[PriceBar, ...], price: float | None = None) -> dict[str, float]:
    """Returns over 1/3/6/12 months and distance from the 200-day average, from daily closes.

    A window counts only when the history reaches back that far: the close used is
    the last one on or before the same calendar day 1/3/6/12 months earlier.
    """
    if not bars:
        return {}
    last = price if price is not None else bars[-1].close
    last_day = date.fromisoformat(bars[-1].date[:10])
    out: dict[str, float] = {}
    first_day = date.fromisoformat(bars[0].date[:10])
    for name, months in (("ret_1m", 1), ("ret_3m", 3), ("ret_6m", 6), ("ret_12m", 12)):
        y, m = divmod(last_day.month - 1 - months, 12)
        year, month = last_day.year + y, m + 1
        day = min(last_day.day, 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)
        target = date(year, month, day)
        if target < first_day:
            # Within a few days of a year's history counts for 12 months (holidays, weekends).
            if (first_day - target).days > 7:
                continue
            target = first_day
        base = None
        for bar in reversed(bars):
            if date.fromisoformat(bar.date[:10]) <= target:
                base = bar.close
                break
        if base:
            out[name] = last / base - 1
    if len(bars) >= 200:
        ma200 = sum(b.close for b in bars[-200:]) / 200
        if ma200:
            out["price_vs_ma200"] = last / ma200 - 1
    return out


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


def bars_from_frame(frame: Any) -> tuple[PriceBar, ...]:
    """PriceBars from a yfinance history frame (dates are the exchange's local dates)."""
    bars = []
    for ts, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        close = finite_float(getattr(row, "Close", None))
        if close is None:
            continue
        bars.append(
            PriceBar(
                date=ts.date().isoformat(),
                open=finite_float(getattr(row, "Open", None)),
                high=finite_float(getattr(row, "High", None)),
                low=finite_float(getattr(row, "Low", None)),
                close=close,
                volume=finite_float(getattr(row, "Volume", None)),
            )
        )
    return tuple(bars)


def _as_of(info: Mapping[str, Any], bars: tuple[PriceBar, ...]) -> str:
    stamp = finite_float(info.get("regularMarketTime"))
    tz = info.get("exchangeTimezoneName") or info.get("timeZoneFullName")
    if stamp:
        zone: Any = UTC
        if isinstance(tz, str):
            try:
                zone = ZoneInfo(tz)
            except (KeyError, ValueError):
                zone = UTC
        return datetime.fromtimestamp(stamp, tz=zone).date().isoformat()
    if bars:
        return bars[-1].date
    return datetime.now(UTC).date().isoformat()


def classify(exc: BaseException, what: str) -> YahooError:
    """Turn whatever yfinance/requests raised into one of our three failure kinds."""
    if isinstance(exc, YahooError):
        return exc
    name = type(exc).__name__
    text = str(exc).splitlines()[0][:200] if str(exc) else name
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if name == "YFRateLimitError" or status == 429:
        return TransientError(f"{what}: rate limited by Yahoo (HTTP 429)")
    if status == 404 or name == "YFTzMissingError":
        return NotFoundError(f"{what}: not found on Yahoo ({text})")
    if name == "YFPricesMissingError":  # an empty answer is a failure, not "no such company"
        return BadResponseError(f"{what}: Yahoo sent no price data ({text})")
    if status is not None and status >= 500:
        return TransientError(f"{what}: Yahoo server error (HTTP {status})")
    if status is not None and status >= 400:
        return BadResponseError(f"{what}: HTTP {status} from Yahoo")
    if isinstance(exc, json.JSONDecodeError) or "JSONDecodeError" in name or "Expecting" in text:
        return BadResponseError(f"{what}: malformed JSON from Yahoo ({text})")
    if name in TRANSIENT_ERROR_NAMES or isinstance(exc, OSError):
        return TransientError(f"{what}: network error ({name}: {text})")
    return BadResponseError(f"{what}: unusable answer from Yahoo ({name}: {text})")


#: Yahoo ratios whose numerator is in the listing currency and denominator in the
#: statement currency, and Yahoo figures given in the statement currency
_MIXED_RATIOS = ("pb", "ps_ttm")
_STATEMENT_MONEY = ("enterprise_value",)


def align_currencies(
    metrics: Mapping[str, float],
    currency: str,
    financial_currency: str,
    listing_rate: FxRate | None,
    statement_rate: FxRate | None,
) -> tuple[dict[str, float], dict[str, Any]]:
    """Put Yahoo's mixed-currency figures into the listing currency, or drop them.

    P/B and P/S: listing-currency price over statement-currency book or revenue, so
    multiply by (statement units per USD) / (listing units per USD). Enterprise value:
    statement currency, so multiply by (listing units per USD) / (statement units per
    USD). Without both rates the figures are dropped: missing beats wrong.
    """
    out = dict(metrics)
    present = [m for m in (*_MIXED_RATIOS, *_STATEMENT_MONEY) if m in out]
    if listing_rate is None or statement_rate is None:
        for name in present:
            del out[name]
        return out, {
            "from": financial_currency,
            "to": currency,
            "dropped": present,
            "why": "no FX rate to convert statement-currency figures",
        }
    factor = statement_rate.units_per_usd / listing_rate.units_per_usd
    for name in _MIXED_RATIOS:
        if name in out:
            out[name] *= factor
    for name in _STATEMENT_MONEY:
        if name in out:
            out[name] /= factor
    return out, {
        "from": financial_currency,
        "to": currency,
        "converted": present,
        "statement_units_per_listing_unit": factor,
    }


class YahooProvider:
    """The Provider protocol on top of yfinance, with per-thread request counting.

    `session` is any requests or curl_cffi Session (tests pass one wired to the fake
    Yahoo); None lets yfinance make its own curl_cffi session. `gate` sees every
    HTTP request (refresh passes its adaptive limiter). `cache_dir` relocates
    yfinance's timezone and cookie caches (tests point it at a temporary folder).
    """

    name = YAHOO_SOURCE

    def __init__(
        self,
        session: Any = None,
        *,
        gate: RequestGate | None = None,
        cache_dir: Path | str | None = None,
        history_period: str = "1y",
    ) -> None:
        import yfinance as yf
        from yfinance.data import YfData

        self._yf = yf
        self._yfdata_cls = YfData
        if cache_dir is not None:
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            yf.set_tz_cache_location(str(cache_dir))
        # Our own code decides about errors and retries: yfinance must raise, not log and
        # return an empty frame, and must not sleep-and-retry behind the gate's back.
        yf.config.debug.hide_exceptions = False
        yf.config.network.retries = 0
        # yfinance 1.7 on pandas 3 warns about its own `inplace=` calls on every frame;
        # those are not the user's business.
        warnings.filterwarnings("ignore", module=r"yfinance(\.|$)")
        if session is None:
            from yfinance._http import new_session

            session = new_session()
        self.session = session
        self.gate = gate
        self.history_period = history_period
        self._local = threading.local()
        self._lock = threading.Lock()
        self._requests = 0
        self._fx: dict[str, FxRate | None] = {}
        self._fx_locks: dict[str, threading.Lock] = {}
        self._wrap_session(session)
        YfData(session=session)

    # -- request accounting -----------------------------------------------------------------
    def _wrap_session(self, session: Any) -> None:
        original = session.request
        if getattr(original, "_screener_wrapped", False):
            original = original._screener_original  # type: ignore[attr-defined]

        def request(*args: Any, **kwargs: Any) -> Any:
            def send() -> Any:
                with self._lock:
                    self._requests += 1
                self._local.count = getattr(self._local, "count", 0) + 1
                return original(*args, **kwargs)

            gate = self.gate
            response = gate.call(send) if gate is not None else send()
            status = getattr(response, "status_code", 200)
            if status == 429 or status >= 500:
                # yfinance would read a 5xx chart body as "possibly delisted" and answer a
                # 429 by switching cookie strategy; neither helps, so stop it here.
                url = str(getattr(response, "url", "") or "").split("?")[0]
                raise TransientError(
                    f"HTTP {status} from Yahoo ({url.rsplit('/', 2)[-2] if url else '?'})"
                    + (" after retries" if gate is not None else "")
                )
            return response

        request._screener_wrapped = True  # type: ignore[attr-defined]
        request._screener_original = original  # type: ignore[attr-defined]
        session.request = request

    @property
    def requests_made(self) -> int:
        """HTTP requests (retries included) made through this provider so far."""
        return self._requests

    def thread_requests(self) -> int:
        """Requests made by the calling thread so far (a refresh worker's running count)."""
        return getattr(self._local, "count", 0)

    def _ticker(self, symbol: str) -> Any:
        return self._yf.Ticker(symbol, session=self.session)

    # -- the equity screener ---------------------------------------------------------------
    def screen_equities(
        self,
        region: str,
        industry: str | None = None,
        *,
        max_results: int | None = None,
        page_size: int = SCREEN_PAGE_SIZE,
        sort_field: str = "intradaymarketcap",
        sort_asc: bool = False,
    ) -> ScreenResult:
        """Every equity Yahoo's screener lists for `region` (and `industry`), page by page.

        Runs yfinance's own `yf.screen` (a POST of the query) through this provider's
        session, so requests are counted and pass the gate like any other. It follows
        `offset` in pages of `page_size` (at most 250, Yahoo's limit) until Yahoo's
        `total` is reached, a page comes back empty, `max_results` rows are collected
        or offset 10 000 is hit. One industry per call, because the rows do not say
        which industry they belong to (see `_screen_row`). Largest market cap first by
        default, so a capped scan keeps the companies that matter most; a row that
        moves between pages while paging is kept once.

        Raises InputError for a region or industry Yahoo's screener does not know, and
        TransientError / BadResponseError / NotFoundError when Yahoo fails.
        """
        from yfinance import EquityQuery

        if not 1 <= page_size <= SCREEN_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{SCREEN_PAGE_SIZE}, not {page_size}")
        if max_results is not None and max_results < 0:
            raise ValueError(f"max_results must be >= 0, not {max_results}")
        region = region.lower()
        try:
            parts = [EquityQuery("eq", ["region", region])]
            if industry is not None:
                parts.append(EquityQuery("eq", ["industry", industry]))
            query = parts[0] if len(parts) == 1 else EquityQuery("and", parts)
        except ValueError as exc:  # yfinance validates names against Yahoo's own lists
            raise InputError(
                f"Yahoo's screener does not accept region {region!r} / industry {industry!r}"
                f" ({exc})"
            ) from exc

        what = f"screener {region}" + (f" / {industry}" if industry else "")
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        total: int | None = None
        pages = 0
        offset = 0
        while offset < SCREEN_MAX_OFFSET:
            size = page_size
            if max_results is not None:
                size = min(size, max_results - len(rows))
                if size <= 0:
                    break
            try:
                result = self._yf.screen(
                    query,
                    offset=offset,
                    size=size,
                    sortField=sort_field,
                    sortAsc=sort_asc,
                    session=self.session,
                )
            except (IndexError, KeyError, TypeError) as exc:  # finance.result[0] missing
                raise BadResponseError(
                    f"{what} (offset {offset}): Yahoo's answer holds no screener result"
                ) from exc
            except YahooError as exc:  # from the session wrapper: add where it happened
                raise type(exc)(f"{what} (offset {offset}): {exc}") from exc
            except Exception as exc:  # yfinance and requests raise many types
                raise classify(exc, f"{what} (offset {offset})") from exc
            finally:
                pages += 1
            if not isinstance(result, Mapping):
                raise BadResponseError(f"{what} (offset {offset}): no result in Yahoo's answer")
            quotes = result.get("quotes") or []
            reported = result.get("total")
            if isinstance(reported, int) and not isinstance(reported, bool):
                total = reported
            for quote in quotes:
                symbol = quote.get("symbol") if isinstance(quote, Mapping) else None
                if not isinstance(symbol, str) or not symbol or symbol in seen:
                    continue
                seen.add(symbol)
                rows.append(_screen_row(quote, region, industry))
                if max_results is not None and len(rows) >= max_results:
                    break
            offset += len(quotes)
            if not quotes or (total is not None and offset >= total):
                break
        return ScreenResult(rows=rows, total=total, pages=pages, query=query.to_dict())

    # -- the Provider protocol -------------------------------------------------------------
    def fetch(self, tickers: Iterable[str]) -> Iterator[FetchBundle]:
        """One bundle per ticker Yahoo knows, fetched one after another; others are skipped."""
        for ticker in tickers:
            try:
                yield self.fetch_one(ticker)
            except NotFoundError:
                continue

    def fx_rates(self) -> list[FxRate]:
        """The rates fetched so far (those the USD market caps were computed with)."""
        with self._lock:
            return [r for r in self._fx.values() if r is not None]

    # -- one company -------------------------------------------------------------------------
    def fetch_one(self, ticker: str, kinds: Iterable[str] = ALL_KINDS) -> FetchBundle:
        """Fetch the requested kinds of data for one ticker, or raise a YahooError.

        An empty frame is a failure, never data: no quote means NotFoundError, no
        prices means NotFoundError (Yahoo says "possibly delisted"), an empty
        valuation history is recorded in `extra["empty"]` and simply not stored.
        """
        wanted = set(kinds)
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        self._yfdata_cls.cache_get.cache_clear()  # yfinance's in-process response cache
        t = self._ticker(ticker)
        info: dict[str, Any] = {}
        eps_trend = None
        metrics: dict[str, float] = {}
        extra: dict[str, Any] = {"kinds": sorted(wanted)}
        empty: list[str] = []
        need_info = bool(wanted & {KIND_FUNDAMENTALS, KIND_PROFILE})

        if need_info:
            try:
                info = dict(t.info or {})
            except Exception as exc:  # yfinance raises many types; classify() sorts them
                raise classify(exc, "quote") from exc
            if not info or (
                finite_float(info.get("regularMarketPrice")) is None
                and finite_float(info.get("currentPrice")) is None
                and not info.get("quoteType")
            ):
                raise NotFoundError("quote: Yahoo returned an empty quote (unknown symbol?)")
            tz = info.get("exchangeTimezoneName") or info.get("timeZoneFullName")
            if isinstance(tz, str) and tz:
                # Seed yfinance's timezone cache so history() skips its one-bar probe request.
                # Only an optimisation: its own SQLite file can be locked by another
                # thread or run, and that must never fail the ticker.
                with contextlib.suppress(Exception):
                    self._yf.cache.get_tz_cache().store(ticker.upper(), tz)
            if KIND_FUNDAMENTALS in wanted:
                try:
                    eps_trend = t.eps_trend
                except Exception as exc:
                    err = classify(exc, "eps trend")
                    if err.transient:
                        raise err from exc
                    extra["eps_trend_error"] = str(err)
                metrics.update(metrics_from_info(info, eps_trend))
                extra["analyst"] = {k: info[k] for k in _ANALYST_KEYS if info.get(k) is not None}

        bars: tuple[PriceBar, ...] = ()
        if KIND_PRICES in wanted:
            try:
                frame = t.history(period=self.history_period, interval="1d", actions=False)
            except Exception as exc:
                raise classify(exc, "prices") from exc
            bars = bars_from_frame(frame)
            if not bars:
                raise BadResponseError("prices: Yahoo returned no daily prices (empty frame)")
            price = metrics.get("price")
            metrics.update(price_metrics(bars, price))
            if "price" not in metrics:
                metrics["price"] = bars[-1].close
            if "off_52w_high" not in metrics:
                highs = [b.high for b in bars[-252:] if b.high is not None]
                if highs:
                    metrics["off_52w_high"] = metrics["price"] / max(highs) - 1

        history: tuple[HistoryPoint, ...] = ()
        if KIND_HISTORY in wanted:
            try:
                frame = t.get_valuation_measures(freq="quarterly", periods=None)
            except Exception as exc:
                error = classify(exc, "valuation history")
                if not (info or bars) or isinstance(error, NotFoundError):
                    raise error from exc
                # The quote and prices came through: keep them, and let the refresh log
                # the history alone as failed so the next run asks for it again.
                extra["failed"] = {KIND_HISTORY: str(error)}
            else:
                history = history_points(frame)
                if not history:
                    empty.append(KIND_HISTORY)
        if empty:
            extra["empty"] = empty

        currency = info.get("currency") if info else None
        if currency is None and bars:
            currency = self._chart_currency(t)
        if "market_cap" in metrics and currency:
            rate = self.fx_rate(currency)
            if rate is not None:
                metrics["market_cap_usd"] = metrics["market_cap"] / rate.units_per_usd
                extra["fx"] = {
                    "currency": rate.currency,
                    "date": rate.date,
                    "units_per_usd": rate.units_per_usd,
                }

        financial_currency = info.get("financialCurrency") if info else None
        if currency and financial_currency and currency != financial_currency:
            metrics, note = align_currencies(
                metrics,
                currency,
                financial_currency,
                self.fx_rate(currency),
                self.fx_rate(financial_currency),
            )
            extra["currency_aligned"] = note

        profile: dict[str, Any] = {}
        if KIND_PROFILE in wanted and info:
            profile = {k: info[k] for k in _PROFILE_KEYS if info.get(k) not in (None, "")}
        return FetchBundle(
            ticker=ticker,
            source=YAHOO_SOURCE,
            as_of=_as_of(info, bars),
            fetched_at=fetched_at,
            currency=currency,
            financial_currency=financial_currency,
            metrics=metrics,
            source_url=f"https://finance.yahoo.com/quote/{ticker}",
            profile=profile,
            prices=bars,
            history=history,
            extra=extra,
        )

    @staticmethod
    def _chart_currency(t: Any) -> str | None:
        try:
            meta = t.get_history_metadata()
        except Exception:  # metadata is a nicety here; the bundle is fine without it
            return None
        value = meta.get("currency") if isinstance(meta, dict) else None
        return value if isinstance(value, str) else None

    # -- FX -----------------------------------------------------------------------------------
    def fx_rate(self, currency: str) -> FxRate | None:
        """Units of `currency` per USD from Yahoo's `XXX=X` pair, fetched once per provider."""
        if currency == "USD":
            return FxRate("USD", datetime.now(UTC).date().isoformat(), 1.0, YAHOO_SOURCE)
        major, factor = _MINOR_UNITS.get(currency, (currency, 1.0))
        with self._lock:
            if major in self._fx:
                cached = self._fx[major]
                return _scaled(cached, currency, factor)
            lock = self._fx_locks.setdefault(major, threading.Lock())
        with lock:
            with self._lock:
                if major in self._fx:
                    return _scaled(self._fx[major], currency, factor)
            rate = self._fetch_fx(major)
            with self._lock:
                self._fx[major] = rate
        return _scaled(rate, currency, factor)

    def _fetch_fx(self, currency: str) -> FxRate | None:
        symbol = f"{currency}=X"
        try:
            frame = self._ticker(symbol).history(period="5d", interval="1d", actions=False)
        except Exception:  # no rate means no USD figure, never a failed company
            return None
        bars = bars_from_frame(frame)
        if not bars:
            return None
        return FxRate(currency, bars[-1].date, bars[-1].close, YAHOO_SOURCE, note=symbol)


def _scaled(rate: FxRate | None, currency: str, factor: float) -> FxRate | None:
    if rate is None or factor == 1.0:
        return rate
    return FxRate(
        currency,
        rate.date,
        rate.units_per_usd * factor,
        rate.source,
        note=f"{rate.note} x{factor:g} (minor unit)",
    )


OFFLINE_ENV_VAR = "SCREENER_OFFLINE"
PROBE_HOST = ("query2.finance.yahoo.com", 443)


def yahoo_reachable(timeout: float = 2.0) -> tuple[bool, str]:
    """Can Yahoo be reached at all? One TCP connect, so an offline run fails over in seconds.

    `SCREENER_OFFLINE=1` answers no without touching the network (tests, air-gapped use).
    """
    import os
    import socket

    if os.environ.get(OFFLINE_ENV_VAR, "").strip() not in ("", "0"):
        return False, f"{OFFLINE_ENV_VAR} is set"
    try:
        with socket.create_connection(PROBE_HOST, timeout=timeout):
            return True, ""
    except OSError as exc:
        return False, f"cannot connect to {PROBE_HOST[0]}: {exc.strerror or exc}"
