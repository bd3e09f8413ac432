"""YahooProvider: the provider protocol on top of Yahoo's JSON, tying the Yahoo modules together.

Per company a cold fetch makes three requests: one quoteSummary with every module
(the quote and valuation snapshot, fundamentals, analyst fields and the EPS trend),
one valuation timeseries with every type (the multiple history since 2016 and the
trailing PEG) and one daily chart (from a start date: years of bars the first time, then only the
days since the last stored one); `prefetch` first asks for the v7 quotes and the FX
pairs of all companies of a run in batches (`api`). Prices-only fetches make one
request (the chart), and none goes to yfinance's timezone cache. The answers are put
back together the way yfinance 1.7 reads them (`summary`, `chart`, `timeseries`), mapped
onto the catalogue (`fields`, `prices`), each mixed-currency figure proven
(`currency`), the history put on the same basis (`history_currency`), every figure
dated (`vintages`) and every failure made a protocol error (`errors`). yfinance still
does the session, cookie and crumb handshake; every HTTP request goes through one
`MeteredSession` (`session`), whose gate the refresh sets.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from screener.data.currency_proof import Proven, apply_proofs
from screener.data.provider import (
    ALL_KINDS,
    DEFAULT_PRICE_YEARS,
    EXTRA_EMPTY,
    EXTRA_FAILED,
    YAHOO_SOURCE,
    BadResponseError,
    DataKind,
    FetchBundle,
    FetchError,
    FxRate,
    HistoryPoint,
    NotFoundError,
    PriceBar,
    RequestGate,
    fetch_known,
    years_before,
)
from screener.data.yahoo.api import YahooApi
from screener.data.yahoo.chart import bars_from_chart, chart_result
from screener.data.yahoo.currency import currency_reasons, prove_currencies, statement_rate
from screener.data.yahoo.equity_screen import EquityScan, screen_equities
from screener.data.yahoo.errors import classify_error
from screener.data.yahoo.fields import (
    analyst_view,
    as_of_date,
    exchange_timezone,
    is_empty_quote,
    metrics_from_info,
    profile_from_info,
)
from screener.data.yahoo.fx import FxCache, fx_from_chart, fx_from_quote
from screener.data.yahoo.history_currency import align_history
from screener.data.yahoo.prices import chart_currency, with_price_metrics
from screener.data.yahoo.quotes import QuoteBook
from screener.data.yahoo.session import MeteredSession
from screener.data.yahoo.summary import MODULES, build_info, eps_trend
from screener.data.yahoo.timeseries import SINCE, TYPES, Valuation, valuation_from_timeseries
from screener.data.yahoo.vintages import yahoo_vintages

#: each symbol's exchange time zone, as its last chart said: kept in memory for the
#: process (yfinance's own SQLite timezone cache costs a sync per write and is not used)
ZONES: dict[str, str] = {}

#: the kinds whose fetch reads the quote (`Ticker.info`)
_INFO_KINDS = frozenset({DataKind.FUNDAMENTALS, DataKind.HISTORY, DataKind.PROFILE})
#: the kinds whose fetch reads the valuation timeseries (history, and the trailing PEG)
_SERIES_KINDS = frozenset({DataKind.FUNDAMENTALS, DataKind.HISTORY})


class YahooProvider:
    """The Provider protocol on top of Yahoo's answers, with per-thread request counting.

    `session` is any requests or curl_cffi Session (tests pass one wired to the fake
    Yahoo); None lets yfinance make its own curl_cffi session. `gate` sees every
    HTTP request (a refresh attaches its adaptive limiter). `cache_dir` relocates
    yfinance's cookie cache (tests point it at a temporary folder).
    `price_years` is how many years of daily bars a fetch asks for when the caller
    gives no `price_start` (the refresh always does: from just before its last bar).
    """

    name = YAHOO_SOURCE

    def __init__(
        self,
        session: Any = None,
        *,
        gate: RequestGate | None = None,
        cache_dir: Path | str | None = None,
        price_years: int = DEFAULT_PRICE_YEARS,
    ) -> None:
        import yfinance as yf
        from yfinance.data import YfData

        if cache_dir is not None:
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            yf.set_tz_cache_location(str(cache_dir))
        # Our own code decides about errors and retries: yfinance must raise, and must
        # not sleep-and-retry behind the gate's back.
        yf.config.debug.hide_exceptions = False
        yf.config.network.retries = 0
        warnings.filterwarnings("ignore", module=r"yfinance(\.|$)")
        if session is None:
            from yfinance._http import new_session

            session = new_session()
        self.session = session
        self._meter = MeteredSession(session)
        self._meter.gate = gate
        self.price_years = price_years
        self._api = YahooApi(YfData(session=session))
        self._book = QuoteBook(self._api)
        self._fx = FxCache(self._fetch_fx)

    # -- request accounting and the gate ------------------------------------------------------
    @property
    def gate(self) -> RequestGate | None:
        """Where every request passes (None: sent at once, no retries)."""
        return self._meter.gate

    @gate.setter
    def gate(self, gate: RequestGate | None) -> None:
        self._meter.gate = gate

    @property
    def requests_made(self) -> int:
        """HTTP requests (retries included) made through this provider so far."""
        return self._meter.total

    def thread_requests(self) -> int:
        """Requests made by the calling thread so far (a refresh worker's running count)."""
        return self._meter.thread_count()

    def sources_asked(self, ticker: str) -> tuple[str, ...]:
        """One source: this one."""
        return (self.name,)

    # -- the equity screener ------------------------------------------------------------------
    def screen_equities(
        self, region: str, industry: str | None = None, *, max_results: int | None = None
    ) -> EquityScan:
        """Every equity Yahoo's screener lists for `region` (and `industry`), largest first.

        Through this provider's session, so the requests are counted and gated; the
        paging itself (and its options) is `equity_screen.screen_equities`.
        """
        return screen_equities(self.session, region, industry, max_results=max_results)

    # -- the Provider protocol ----------------------------------------------------------------
    def prefetch(self, todo: Mapping[str, Collection[DataKind]]) -> None:
        """Batch what batches before the per-ticker fetches: the v7 quotes of every ticker
        whose fetch reads the quote, 50 a request, then the FX pairs their currencies need.

        Never raises: a batch that fails leaves its tickers to ask for their own quote.
        """
        symbols = [t for t, kinds in todo.items() if _INFO_KINDS & {DataKind(k) for k in kinds}]
        if symbols:
            self._book.prefetch(symbols)
            self._book.prefetch_fx(self._fx.missing(self._book.currencies()))

    def fetch(self, tickers: Iterable[str]) -> Iterator[FetchBundle]:
        """One bundle per ticker Yahoo knows, fetched one after another; others are skipped."""
        return fetch_known(self.fetch_one, tickers)

    def fx_rates(self) -> list[FxRate]:
        """The rates fetched so far: the ones USD figures of the fetched companies need."""
        return self._fx.rates()

    def fx_rate(self, currency: str) -> FxRate | None:
        """Units of `currency` per USD from Yahoo's `XXX=X` pair, fetched once per provider."""
        return self._fx.rate(currency)

    def _fetch_fx(self, currency: str) -> FxRate | None:
        """A major currency's rate: its prefetched v7 quote, else its own quote, else its chart."""
        symbol = f"{currency}=X"
        row = self._book.row(symbol, ask=True)
        rate = fx_from_quote(currency, row) if row else None
        if rate is not None:
            return rate
        try:
            return fx_from_chart(currency, chart_result(self._api.chart(symbol, period="5d")))
        except Exception:  # no rate means no USD figure, never a failed company
            return None

    # -- one company ----------------------------------------------------------------------------
    def fetch_one(
        self,
        ticker: str,
        kinds: Iterable[DataKind] = ALL_KINDS,
        *,
        price_start: date | None = None,
    ) -> FetchBundle:
        """Fetch the requested kinds of data for one ticker, or raise a FetchError.

        `price_start` asks only for the daily bars from that date on (None: the
        provider's `price_years` back). An empty answer is a failure, never data: no quote
        means NotFoundError, no prices means BadResponseError, an empty valuation
        history is recorded in `extra["empty"]` and simply not stored.
        """
        wanted = {DataKind(kind) for kind in kinds}
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        info: dict[str, Any] = {}
        metrics: dict[str, float] = {}
        extra: dict[str, Any] = {"kinds": sorted(wanted)}
        empty: list[DataKind] = []

        # The quote and summary modules (one request): the fundamentals and the profile,
        # and what the currency of the valuation history is checked against.
        summary = self._summary(ticker) if wanted & _INFO_KINDS else None

        # The valuation timeseries (one request): the history and the trailing PEG.
        valuation: Valuation | None = None
        series_error: FetchError | None = None
        if wanted & _SERIES_KINDS:
            try:
                valuation = valuation_from_timeseries(self._api.timeseries(ticker, TYPES, SINCE))
            except Exception as exc:
                series_error = classify_error(exc, "valuation history")
                if series_error.transient or DataKind.HISTORY not in wanted:
                    raise series_error from exc

        trend = None
        proving = bool(wanted & _SERIES_KINDS)
        if summary is not None:
            peg = valuation.trailing_peg if valuation is not None else None
            info = build_info(summary, self._quote_row(ticker), ticker, peg)
            if is_empty_quote(info):
                raise NotFoundError("quote: Yahoo returned an empty quote (unknown symbol?)")
            if proving:  # the next-year consensus: evidence for the currency of forward EPS
                trend = eps_trend(summary)
                if trend is None:
                    extra["eps_trend_error"] = "eps trend: Yahoo sent no earningsTrend module"
        if DataKind.FUNDAMENTALS in wanted:
            metrics.update(metrics_from_info(info, trend))
            extra["analyst"] = analyst_view(info)
        # One place decides the currency of each mixed-currency figure: the proof.
        proofs = prove_currencies(info, trend, self.fx_rate) if proving else {}
        if DataKind.FUNDAMENTALS in wanted:
            metrics = apply_proofs(metrics, proofs)
            if reasons := currency_reasons(proofs):
                extra["currency"] = reasons

        bars: tuple[PriceBar, ...] = ()
        chart_meta: Mapping[str, Any] | None = None
        if DataKind.PRICES in wanted:
            start = price_start or years_before(date.today(), self.price_years)
            bars, chart_meta = self._prices(ticker, start, exchange_timezone(info))
            metrics = with_price_metrics(metrics, bars)

        history: tuple[HistoryPoint, ...] = ()
        if DataKind.HISTORY in wanted:
            if series_error is not None:
                came_through = bool(wanted & {DataKind.FUNDAMENTALS, DataKind.PROFILE}) or bars
                if not came_through or isinstance(series_error, NotFoundError):
                    raise series_error
                # The quote and prices came through: keep them, and let the refresh log
                # the history alone as failed so the next run asks for it again.
                extra[EXTRA_FAILED] = {DataKind.HISTORY: str(series_error)}
            elif valuation is not None:
                snapshot = (
                    metrics
                    if DataKind.FUNDAMENTALS in wanted
                    else apply_proofs(metrics_from_info(info, trend), proofs)
                )
                history, why = self._history(valuation, info, snapshot, proofs)
                if not valuation.points:
                    empty.append(DataKind.HISTORY)
                if why:
                    extra["history_currency"] = why
        if empty:
            extra[EXTRA_EMPTY] = empty

        currency = info.get("currency") if info else None
        if not currency and chart_meta:
            currency = chart_currency(chart_meta)
        if "market_cap" in metrics and currency:
            # Fetched now so that the rate is stored with the company: `derived` makes
            # the USD market cap from it.
            self.fx_rate(currency)
        financial_currency = info.get("financialCurrency") if info else None

        as_of, extra["as_of_from"] = as_of_date(info, bars, chart_meta)
        return FetchBundle(
            ticker=ticker,
            source=YAHOO_SOURCE,
            as_of=as_of,
            fetched_at=fetched_at,
            currency=currency,
            financial_currency=financial_currency,
            metrics=metrics,
            source_url=f"https://finance.yahoo.com/quote/{ticker}",
            profile=profile_from_info(info) if DataKind.PROFILE in wanted and info else {},
            prices=bars,
            history=history,
            extra=extra,
            vintages=yahoo_vintages(metrics, info, as_of, bars),
        )

    def _summary(self, ticker: str) -> dict[str, Any]:
        """Every quoteSummary module the fetch reads, in one request."""
        try:
            return self._api.quote_summary(ticker, MODULES)
        except Exception as exc:  # the HTTP library raises many types; classify_error sorts
            raise classify_error(exc, "quote") from exc

    def _quote_row(self, ticker: str) -> Mapping[str, Any] | None:
        """The ticker's v7 quote row: prefetched in a batch, else asked for alone."""
        try:
            return self._book.row(ticker, ask=True, strict=True)
        except Exception as exc:
            raise classify_error(exc, "quote") from exc

    def _prices(
        self, ticker: str, start: date, zone: str | None
    ) -> tuple[tuple[PriceBar, ...], Mapping[str, Any] | None]:
        """Daily bars from `start` to today (close and adjusted close) and the chart's meta,
        in one request (the chart's period1: `start`; period2: now).

        `start` is a day of the exchange: its zone comes from the quote when one was read,
        else from an earlier chart of this process (`ZONES`); none is asked for.
        """
        zone = zone or ZONES.get(ticker)
        try:
            result = chart_result(self._api.chart(ticker, start=start, zone=zone))
            bars = bars_from_chart(result, start)
        except Exception as exc:
            raise classify_error(exc, "prices") from exc
        if not bars:
            raise BadResponseError("prices: Yahoo returned no daily prices (empty chart)")
        meta = result.get("meta")
        if not isinstance(meta, Mapping):
            return bars, None
        learnt = exchange_timezone(meta)
        if learnt:
            ZONES[ticker] = learnt
        return bars, meta

    def _history(
        self,
        valuation: Valuation,
        info: Mapping[str, Any],
        snapshot: Mapping[str, float],
        proofs: Mapping[str, Proven],
    ) -> tuple[tuple[HistoryPoint, ...], dict[str, str]]:
        """The multiple history on the snapshot's currency basis, and what was done to it.

        A snapshot figure proven in another currency is never ranked against a history
        nobody checked (`history_currency`).
        """
        rate, quote = statement_rate(info, self.fx_rate)
        return align_history(valuation.points, valuation.current, snapshot, proofs, rate, quote)
