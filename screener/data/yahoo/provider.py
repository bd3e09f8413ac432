"""YahooProvider: the provider protocol on top of yfinance, tying the Yahoo modules together.

Per company it asks yfinance for the quote and valuation snapshot plus fundamentals
and analyst fields (`Ticker.info`), the EPS trend (`Ticker.eps_trend`), years of
daily prices from a start date (`Ticker.history`) and the multiple history since 2016
(`Ticker.get_valuation_measures(freq="quarterly", periods=None)`), maps Yahoo's
fields onto the catalogue (`fields`, `prices`), proves the currency of each
mixed-currency figure (`currency`) and puts the history on the same basis
(`history_currency`), dates every figure (`vintages`) and turns every failure into
a protocol error (`errors`). Every HTTP
request goes through one `MeteredSession` (`session`), whose gate the refresh sets.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Iterator, Mapping
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
    FxRate,
    HistoryPoint,
    NotFoundError,
    PriceBar,
    RequestGate,
    fetch_known,
    years_before,
)
from screener.data.yahoo.currency import currency_reasons, prove_currencies, statement_rate
from screener.data.yahoo.equity_screen import EquityScan, screen_equities
from screener.data.yahoo.errors import classify_error
from screener.data.yahoo.fields import (
    analyst_view,
    as_of_date,
    current_values,
    exchange_timezone,
    history_points,
    is_empty_quote,
    metrics_from_info,
    profile_from_info,
)
from screener.data.yahoo.fx import FxCache, fetch_fx_rate
from screener.data.yahoo.history_currency import align_history
from screener.data.yahoo.prices import bars_from_frame, chart_currency, with_price_metrics
from screener.data.yahoo.session import MeteredSession
from screener.data.yahoo.vintages import yahoo_vintages


class YahooProvider:
    """The Provider protocol on top of yfinance, with per-thread request counting.

    `session` is any requests or curl_cffi Session (tests pass one wired to the fake
    Yahoo); None lets yfinance make its own curl_cffi session. `gate` sees every
    HTTP request (a refresh attaches its adaptive limiter). `cache_dir` relocates
    yfinance's timezone and cookie caches (tests point it at a temporary folder).
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
        self._meter = MeteredSession(session)
        self._meter.gate = gate
        self.price_years = price_years
        self._fx = FxCache(lambda currency: fetch_fx_rate(self._ticker, currency))
        YfData(session=session)

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

    def _ticker(self, symbol: str) -> Any:
        return self._yf.Ticker(symbol, session=self.session)

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
    def fetch(self, tickers: Iterable[str]) -> Iterator[FetchBundle]:
        """One bundle per ticker Yahoo knows, fetched one after another; others are skipped."""
        return fetch_known(self.fetch_one, tickers)

    def fx_rates(self) -> list[FxRate]:
        """The rates fetched so far: the ones USD figures of the fetched companies need."""
        return self._fx.rates()

    def fx_rate(self, currency: str) -> FxRate | None:
        """Units of `currency` per USD from Yahoo's `XXX=X` pair, fetched once per provider."""
        return self._fx.rate(currency)

    # -- one company ----------------------------------------------------------------------------
    def fetch_one(
        self,
        ticker: str,
        kinds: Iterable[DataKind] = ALL_KINDS,
        *,
        price_start: date | None = None,
    ) -> FetchBundle:
        """Fetch the requested kinds of data for one ticker, or raise a FetchError.

        An empty frame is a failure, never data: no quote means NotFoundError, no
        prices means BadResponseError, an empty valuation history is recorded in
        `extra["empty"]` and simply not stored.
        """
        wanted = {DataKind(kind) for kind in kinds}
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        self._yfdata_cls.cache_get.cache_clear()  # yfinance's in-process response cache
        t = self._ticker(ticker)
        info: dict[str, Any] = {}
        metrics: dict[str, float] = {}
        extra: dict[str, Any] = {"kinds": sorted(wanted)}
        empty: list[DataKind] = []

        # The quote and summary modules: the fundamentals and the profile, and what the
        # currency of the valuation history is checked against.
        eps_trend = None
        proving = bool(wanted & {DataKind.FUNDAMENTALS, DataKind.HISTORY})
        if proving or DataKind.PROFILE in wanted:
            info = self._info(ticker, t)
        if proving:  # the next-year consensus: evidence for the currency of forward EPS
            try:
                eps_trend = t.eps_trend
            except Exception as exc:
                err = classify_error(exc, "eps trend")
                if err.transient:
                    raise err from exc
                extra["eps_trend_error"] = str(err)
        if DataKind.FUNDAMENTALS in wanted:
            metrics.update(metrics_from_info(info, eps_trend))
            extra["analyst"] = analyst_view(info)
        # One place decides the currency of each mixed-currency figure: the proof.
        proofs = prove_currencies(info, eps_trend, self.fx_rate) if proving else {}
        if DataKind.FUNDAMENTALS in wanted:
            metrics = apply_proofs(metrics, proofs)
            if reasons := currency_reasons(proofs):
                extra["currency"] = reasons

        bars: tuple[PriceBar, ...] = ()
        chart_meta: Mapping[str, Any] | None = None
        if DataKind.PRICES in wanted:
            start = price_start or years_before(date.today(), self.price_years)
            bars, chart_meta = self._prices(t, start)
            metrics = with_price_metrics(metrics, bars)

        history: tuple[HistoryPoint, ...] = ()
        if DataKind.HISTORY in wanted:
            try:
                frame = t.get_valuation_measures(freq="quarterly", periods=None)
            except Exception as exc:
                error = classify_error(exc, "valuation history")
                came_through = bool(wanted & {DataKind.FUNDAMENTALS, DataKind.PROFILE}) or bars
                if not came_through or isinstance(error, NotFoundError):
                    raise error from exc
                # The quote and prices came through: keep them, and let the refresh log
                # the history alone as failed so the next run asks for it again.
                extra[EXTRA_FAILED] = {DataKind.HISTORY: str(error)}
            else:
                snapshot = (
                    metrics
                    if DataKind.FUNDAMENTALS in wanted
                    else apply_proofs(metrics_from_info(info, eps_trend), proofs)
                )
                history, why = self._history(frame, info, snapshot, proofs)
                if not history_points(frame):
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

    def _info(self, ticker: str, t: Any) -> dict[str, Any]:
        """The quote and summary modules (`Ticker.info`); NotFoundError for an empty answer."""
        try:
            info = dict(t.info or {})
        except Exception as exc:  # yfinance raises many types; classify_error() sorts them
            raise classify_error(exc, "quote") from exc
        if is_empty_quote(info):
            raise NotFoundError("quote: Yahoo returned an empty quote (unknown symbol?)")
        tz = exchange_timezone(info)
        if tz:
            # Seed yfinance's timezone cache so history() skips its one-bar probe request.
            # Only an optimisation: its own SQLite file can be locked by another
            # thread or run, and that must never fail the ticker.
            with contextlib.suppress(Exception):
                self._yf.cache.get_tz_cache().store(ticker.upper(), tz)
        return info

    def _prices(
        self, t: Any, start: date
    ) -> tuple[tuple[PriceBar, ...], Mapping[str, Any] | None]:
        """Daily bars from `start` to today (close and adjusted close) and the chart's meta."""
        try:
            # auto_adjust=False: one call gives the traded close and the adjusted one;
            # `start` is the chart's period1 (period2: now)
            frame = t.history(
                start=start.isoformat(), interval="1d", actions=False, auto_adjust=False
            )
        except Exception as exc:
            raise classify_error(exc, "prices") from exc
        bars = bars_from_frame(frame)
        if not bars:
            raise BadResponseError("prices: Yahoo returned no daily prices (empty frame)")
        return bars, self._chart_meta(t)

    def _history(
        self,
        frame: Any,
        info: Mapping[str, Any],
        snapshot: Mapping[str, float],
        proofs: Mapping[str, Proven],
    ) -> tuple[tuple[HistoryPoint, ...], dict[str, str]]:
        """The multiple history on the snapshot's currency basis, and what was done to it.

        A snapshot figure proven in another currency is never ranked against a history
        nobody checked (`history_currency`).
        """
        rate, quote = statement_rate(info, self.fx_rate)
        points = history_points(frame)
        return align_history(points, current_values(frame), snapshot, proofs, rate, quote)

    @staticmethod
    def _chart_meta(t: Any) -> Mapping[str, Any] | None:
        """The chart's `meta` from the `history()` call just made (yfinance sends no request).

        yfinance returns a lazy `HistoryMetadata`, a Mapping but not a dict.
        """
        try:
            meta = t.get_history_metadata()
        except Exception:  # metadata is a nicety here; the bundle is fine without it
            return None
        return meta if isinstance(meta, Mapping) else None
