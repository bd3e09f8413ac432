"""AkshareProvider: the provider protocol for A-shares, on East Money through akshare.

Per company: `stock_value_em` (the daily valuation since the series starts: today's
price, market cap, PE(TTM), P/B, P/S, PEG, and the long own history of the three
multiples), `stock_zh_a_hist` (daily bars, forward-adjusted), `stock_individual_info_em`
(the profile). Shared by every company of a run: `stock_yjbb_em` (one report period's
results for the whole market: growth, margins, ROE) and `stock_profit_forecast_em`
(the market's consensus EPS: forward P/E). Every call passes the refresh's gate,
runs under a deadline with a transport timeout and a per-host pacer (`transport`),
and every failure becomes a protocol error (`errors`). akshare is imported on the
first fetch, never before: `import akshare` costs seconds and 100 MB.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from types import ModuleType
from typing import Any

from screener.data.akshare.codes import bare_code, is_a_share, quote_url
from screener.data.akshare.errors import classify_error, is_no_rows
from screener.data.akshare.frames import (
    Results,
    bars_from_hist,
    forecast_for,
    fx_newest,
    last_annual_year,
    latest_valuation,
    profile_from_info,
    report_periods,
    results_row,
    revenue_of,
    revenue_ttm,
    valuation_history,
)
from screener.data.akshare.shared import SharedAnswers
from screener.data.akshare.transport import CallContext, HostPacer, Meter, run_with_deadline
from screener.data.akshare.validate import check_fx, clean_metrics
from screener.data.provider import (
    ALL_KINDS,
    DEFAULT_PRICE_YEARS,
    EASTMONEY_SOURCE,
    EXTRA_EMPTY,
    EXTRA_FAILED,
    BadResponseError,
    DataKind,
    FetchBundle,
    FetchError,
    FxRate,
    HistoryPoint,
    NotFoundError,
    PriceBar,
    RequestGate,
    TransientError,
    Vintage,
    fetch_known,
    years_before,
)
from screener.data.yahoo.prices import with_price_metrics

PROVENANCE = "eastmoney via akshare"
CURRENCY = "CNY"
#: the daily bars are forward-adjusted (前复权): the last close is the raw close, earlier
#: ones rescaled for dividends and bonus shares, so returns, MA200 and the 52-week high
#: do not jump at ex-dates; the price and every multiple are unadjusted (stock_value_em)
PRICE_ADJUSTMENT = "qfq"
#: East Money's USD/CNY central parity (人民币中间价, the CFETS daily fixing) through
#: forex_hist_em: the push2his kline host, reachable from mainland China
FX_SYMBOL = "USDCNYC"
FX_SOURCE = "eastmoney via akshare (USD/CNY central parity)"
FX_NOTE = "PBoC/CFETS central parity, daily close"


def load_akshare() -> ModuleType:
    """`import akshare`, with tqdm's progress bars off (read once, when tqdm first loads)."""
    if "akshare" not in sys.modules and "tqdm" not in sys.modules:
        os.environ["TQDM_DISABLE"] = "1"
    import akshare

    # akshare 1.19.5's own `inplace=` calls warn under pandas 3: not the user's business.
    warnings.filterwarnings("ignore", module=r"akshare(\.|$)")
    return akshare


class _GiveUp(Exception):
    """Carries a transient error past the gate once this call has had its attempts."""

    def __init__(self, error: FetchError) -> None:
        super().__init__(str(error))
        self.error = error


class AkshareProvider:
    """The Provider protocol for `.SS`/`.SZ`/`.BJ` tickers, figures from East Money.

    `gate` sees every akshare call (the refresh attaches its adaptive limiter; setting
    a new one starts a new run: the shared market-wide answers and the breaker are
    reset). `call_deadline` bounds one akshare call, `request_timeout` one HTTP request
    that akshare sent without a timeout; `pacer` spaces requests per host; `attempts`
    caps tries per call through the gate (akshare retries some calls itself); after
    `breaker_after` calls in a row failed on the network, the run stops asking East
    Money. `today` is the clock that picks report periods (tests fix it).
    """

    name = EASTMONEY_SOURCE

    def __init__(
        self,
        *,
        gate: RequestGate | None = None,
        call_deadline: float = 90.0,
        request_timeout: float | tuple[float, float] = (10.0, 30.0),
        pacer: HostPacer | None = None,
        attempts: int = 2,
        breaker_after: int = 6,
        periods: int = 6,
        today: Callable[[], date] | None = None,
    ) -> None:
        self._gate = gate
        self.call_deadline = call_deadline
        self.request_timeout = request_timeout
        self.pacer = pacer if pacer is not None else HostPacer()
        self.attempts = max(1, attempts)
        self.breaker_after = max(1, breaker_after)
        self.periods = periods
        self._today = today or date.today
        self._meter = Meter()
        self._shared = SharedAnswers()
        self._lock = threading.Lock()
        self._failures_in_a_row = 0
        self.breaker: str | None = None  # why the provider stopped asking, once it has
        self._fx: list[FxRate] = []
        self.fx_problem: str | None = None  # why this run has no fresh USD/CNY rate

    # -- the protocol's accounting ------------------------------------------------------------
    @property
    def gate(self) -> RequestGate | None:
        """Where every akshare call passes (None: called once, no retries)."""
        return self._gate

    @gate.setter
    def gate(self, gate: RequestGate | None) -> None:
        if gate is not None and gate is not self._gate:
            self.new_run()
        self._gate = gate

    def new_run(self) -> None:
        """Forget the market-wide answers and close the breaker: the next fetch asks anew."""
        self._shared.clear()
        with self._lock:
            self._failures_in_a_row = 0
            self.breaker = None

    @property
    def requests_made(self) -> int:
        """HTTP requests (akshare's own retries included) made for this provider so far."""
        return self._meter.total

    def thread_requests(self) -> int:
        """Requests made for the calling thread so far (a refresh worker's running count)."""
        return self._meter.of(threading.get_ident())

    def sources_asked(self, ticker: str) -> tuple[str, ...]:
        """One source: this one."""
        return (self.name,)

    @property
    def shared_answers(self) -> int:
        """Market-wide answers held for this run (results periods, the consensus)."""
        return len(self._shared)

    @staticmethod
    def serves(ticker: str) -> bool:
        """Whether this provider can fetch the ticker at all (A-shares only)."""
        return is_a_share(ticker)

    def fx_rates(self) -> list[FxRate]:
        """The USD/CNY central parity learnt this run (once, after the first company), so
        `market_cap_usd` has a rate when Yahoo cannot be reached; [] when it failed
        (`fx_problem` says why; the stored rates then serve, their date shown)."""
        with self._lock:
            return list(self._fx)

    def _learn_fx(self) -> None:
        """Ask for the central parity once per run; a failure never fails a company."""
        try:
            rates = self._shared.get(("fx",), self._fetch_fx)
        except FetchError as error:
            with self._lock:
                self.fx_problem = str(error)
            return
        with self._lock:
            self._fx = list(rates)
            self.fx_problem = None

    def _fetch_fx(self) -> list[FxRate]:
        what = f"USD/CNY central parity ({FX_SYMBOL})"
        frame = self._call("forex_hist_em", what, symbol=FX_SYMBOL)
        day, close = fx_newest(frame)
        units, why = check_fx(CURRENCY, day, close, self._today())
        if units is None:
            raise BadResponseError(f"{what}: {why}")
        return [FxRate(CURRENCY, str(day)[:10], units, FX_SOURCE, FX_NOTE)]

    def fetch(self, tickers: Iterable[str]) -> Iterator[FetchBundle]:
        """One bundle per ticker East Money knows, fetched one after another."""
        return fetch_known(self.fetch_one, tickers)

    # -- calls ---------------------------------------------------------------------------------
    def call(self, function: str, what: str, **kwargs: Any) -> Any:
        """One akshare call under this provider's gate, deadline, pacer and breaker
        (the board lookups of `universe sync` use it); protocol errors only."""
        return self._call(function, what, **kwargs)

    def _call(self, function: str, what: str, *, no_rows_ok: bool = False, **kwargs: Any) -> Any:
        """One akshare call under the gate, the deadline and the breaker; protocol errors only.

        `no_rows_ok`: East Money's "no rows" answer is None (a period nobody reported).
        """
        with self._lock:
            if self.breaker:
                raise TransientError(f"{what}: not asked ({self.breaker})")
        ak = load_akshare()
        func = getattr(ak, function)
        ctx = CallContext(self._meter, threading.get_ident(), self.pacer, self.request_timeout)
        tries = 0

        def send() -> Any:
            nonlocal tries
            tries += 1
            try:
                return run_with_deadline(lambda: func(**kwargs), ctx, self.call_deadline, what)
            except Exception as exc:
                if no_rows_ok and is_no_rows(exc):
                    return None
                error = classify_error(exc, what)
                if error.transient and tries >= self.attempts:
                    raise _GiveUp(error) from exc
                raise error from exc

        try:
            result = self._gate.call(send) if self._gate is not None else send()
        except _GiveUp as give_up:
            self._network_failed(give_up.error)
            raise give_up.error from give_up.__cause__
        except FetchError as error:
            if error.transient:
                self._network_failed(error)
            raise
        with self._lock:
            self._failures_in_a_row = 0
        return result

    def _network_failed(self, error: FetchError) -> None:
        with self._lock:
            self._failures_in_a_row += 1
            if self._failures_in_a_row >= self.breaker_after and not self.breaker:
                self.breaker = (
                    f"East Money failed {self._failures_in_a_row} calls in a row on the "
                    f"network, last: {error}; stopped asking for this run"
                )

    def _results_frame(self, period: date) -> Any:
        """The whole market's results for one report period: one call per run (shared)."""
        stamp = period.strftime("%Y%m%d")
        return self._shared.get(
            ("results", period),
            lambda: self._call(
                "stock_yjbb_em", f"quarterly results {stamp}", no_rows_ok=True, date=stamp
            ),
        )

    def _revenue_ttm(self, code: str, results: Results) -> tuple[float | None, str]:
        """TTM revenue from the YTD figures (two more shared periods when not annual)."""
        if results.revenue is None:
            return None, f"no revenue in the {results.period} results"
        period = results.period
        if period.month == 12:
            return revenue_ttm(results.revenue, period, None, None)
        last_fy = revenue_of(self._results_frame(date(period.year - 1, 12, 31)), code)
        prior = revenue_of(self._results_frame(period.replace(year=period.year - 1)), code)
        return revenue_ttm(results.revenue, period, last_fy, prior)

    def _results(self, code: str) -> Results | None:
        """The company's newest report, walking back from the latest quarter end."""
        for period in report_periods(self._today(), self.periods):
            frame = self._results_frame(period)
            found = results_row(frame, code, period)
            if found is not None:
                return found
        return None

    def _forecasts(self) -> Any:
        return self._shared.get(
            ("forecast",),
            lambda: self._call("stock_profit_forecast_em", "consensus EPS", no_rows_ok=True),
        )

    # -- one company ---------------------------------------------------------------------------
    def fetch_one(
        self,
        ticker: str,
        kinds: Iterable[DataKind] = ALL_KINDS,
        *,
        price_start: date | None = None,
    ) -> FetchBundle:
        """Fetch the requested kinds for one A-share, or raise a FetchError.

        The first call decides whether the ticker exists (NotFoundError if East Money
        has nothing); later calls that fail only fail their kind (`failed_kinds`).
        """
        wanted = {DataKind(kind) for kind in kinds}
        try:
            code = bare_code(ticker)
        except ValueError as exc:
            raise NotFoundError(f"{ticker}: not an A-share ticker for East Money") from exc
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        raw: dict[str, Any] = {}
        vintages: dict[str, Vintage] = {}
        failed: dict[DataKind, str] = {}
        empty: list[DataKind] = []
        notes: dict[str, Any] = {}
        profile: dict[str, Any] = {}
        quote_day: str | None = None
        got_something = False

        value_frame = None
        if wanted & {DataKind.FUNDAMENTALS, DataKind.HISTORY}:
            value_frame = self._call("stock_value_em", f"valuation {code}", symbol=code)
            if value_frame is None or len(value_frame) == 0:
                raise NotFoundError(f"valuation {code}: East Money sent no rows (unknown code?)")
            got_something = True

        if DataKind.FUNDAMENTALS in wanted:
            values, quote_day = latest_valuation(value_frame)
            raw.update(values)
            for metric in values:
                vintages[metric] = Vintage(quote_day or "", "quote", f"close of {quote_day}")
            reasons = self._statement_figures(code, raw, vintages, notes)
            if reasons:
                failed[DataKind.FUNDAMENTALS] = "; ".join(reasons)

        history: tuple[HistoryPoint, ...] = ()
        if DataKind.HISTORY in wanted:
            history, refused = valuation_history(value_frame)
            if refused:
                notes["history_refused"] = refused
            if history:
                first = min(p.date for p in history)
                notes["history"] = {
                    "points": len(history),
                    "first": first,
                    "frequency": "daily",
                    "metrics": sorted({p.metric for p in history}),
                }
            else:
                empty.append(DataKind.HISTORY)

        bars: tuple[PriceBar, ...] = ()
        if DataKind.PRICES in wanted:
            try:
                bars = self._bars(
                    code, price_start or years_before(self._today(), DEFAULT_PRICE_YEARS)
                )
            except FetchError as error:
                if not got_something:
                    raise
                failed[DataKind.PRICES] = str(error)
            else:
                if not bars and not got_something:
                    raise NotFoundError(f"daily bars {code}: East Money sent none (unknown code?)")
                if not bars:
                    failed[DataKind.PRICES] = f"daily bars {code}: East Money sent none"
                got_something = got_something or bool(bars)

        if DataKind.PROFILE in wanted:
            try:
                frame = self._call(
                    "stock_individual_info_em",
                    f"profile {code}",
                    symbol=code,
                    timeout=self._read_timeout(),
                )
                profile = profile_from_info(frame)
                if not profile and not got_something:
                    raise NotFoundError(f"profile {code}: East Money sent nothing")
            except FetchError as error:
                if not got_something:
                    raise
                failed[DataKind.PROFILE] = str(error)

        if DataKind.FUNDAMENTALS in wanted:
            self._learn_fx()  # market_cap_usd needs a rate: one call per run, shared
        metrics, refused = clean_metrics(raw)
        if bars:
            before = set(metrics)
            priced = with_price_metrics(metrics, bars)
            price_metrics, price_refused = clean_metrics(
                {k: v for k, v in priced.items() if k not in before}
            )
            metrics.update(price_metrics)
            refused.update(price_refused)
            for metric in price_metrics:
                vintages.setdefault(
                    metric, Vintage(bars[-1].date, "quote", f"daily bars to {bars[-1].date}")
                )
        for metric in refused:
            vintages.pop(metric, None)
        as_of = quote_day or (bars[-1].date if bars else self._today().isoformat())

        extra: dict[str, Any] = {
            "kinds": sorted(wanted),
            "provenance": PROVENANCE,
            "figures": {m: PROVENANCE for m in metrics},
        }
        if bars:
            extra["price_adjustment"] = PRICE_ADJUSTMENT
        extra.update(notes)
        if refused:
            extra["refused"] = refused
        if failed:
            extra[EXTRA_FAILED] = {kind: why for kind, why in failed.items()}
        if empty:
            extra[EXTRA_EMPTY] = empty
        return FetchBundle(
            ticker=ticker,
            source=EASTMONEY_SOURCE,
            as_of=as_of,
            fetched_at=fetched_at,
            currency=CURRENCY,
            financial_currency=CURRENCY,
            metrics=metrics,
            source_url=quote_url(ticker),
            notes=PROVENANCE,
            profile=profile,
            prices=bars,
            history=history,
            extra=extra,
            vintages={m: v for m, v in vintages.items() if m in metrics},
        )

    def _read_timeout(self) -> float:
        timeout = self.request_timeout
        return float(timeout[1] if isinstance(timeout, tuple) else timeout)

    def _bars(self, code: str, start: date) -> tuple[PriceBar, ...]:
        """Daily bars from `start` (East Money's `beg`) to the latest."""
        frame = self._call(
            "stock_zh_a_hist",
            f"daily bars {code}",
            symbol=code,
            period="daily",
            start_date=start.strftime("%Y%m%d"),
            adjust=PRICE_ADJUSTMENT,
            timeout=self._read_timeout(),
        )
        since = start.isoformat()
        return tuple(b for b in bars_from_hist(frame) if b.date >= since)

    def _statement_figures(
        self,
        code: str,
        raw: dict[str, Any],
        vintages: dict[str, Vintage],
        notes: dict[str, Any],
    ) -> list[str]:
        """Growth, margins and ROE from the results, forward P/E from the consensus.

        Returns why a part failed (the valuation figures already in `raw` stay).
        """
        reasons: list[str] = []
        results: Results | None = None
        try:
            results = self._results(code)
        except FetchError as error:
            reasons.append(str(error))
        if results is not None:
            period = results.period.isoformat()
            quarters = {3: "Q1", 6: "H1", 9: "Q1-Q3", 12: "FY"}[results.period.month]
            for metric, value in results.raw.items():
                if value is not None:
                    raw[metric] = value
                    vintages[metric] = Vintage(
                        period, "statement", f"{quarters} {results.period.year} year to date"
                    )
            try:
                ttm, basis = self._revenue_ttm(code, results)
            except FetchError as error:
                ttm, basis = None, str(error)
                reasons.append(f"revenue TTM: {error}")
            if ttm is not None:
                raw["revenue_ttm"] = ttm
                vintages["revenue_ttm"] = Vintage(period, "statement", f"TTM: {basis}")
            else:
                notes["revenue_ttm"] = basis
            notes["report_period"] = period
            notes["roe_basis"] = "weighted ROE year to date, annualised (x 4 / quarters)"
            notes["not_published"] = {
                "debt_to_equity": (
                    "stock_yjbb_em carries no balance-sheet debt, and stock_zcfz_em (the "
                    "market's balance sheets) total liabilities, not borrowings"
                )
            }
        elif not reasons:
            notes["report_period"] = None
        try:
            forecasts = self._forecasts()
        except FetchError as error:
            reasons.append(str(error))
            return reasons
        annual = last_annual_year(results.period) if results is not None else None
        forecast = forecast_for(forecasts, code, annual)
        price = raw.get("price")
        if forecast is None:
            notes["pe_fwd"] = "no consensus EPS published for this company"
        elif forecast.eps <= 0:
            notes["pe_fwd"] = f"consensus EPS FY{forecast.year} is {forecast.eps:g}: no P/E"
        elif isinstance(price, int | float) and price > 0:
            raw["pe_fwd"] = price / forecast.eps
            vintages["pe_fwd"] = Vintage(
                self._today().isoformat(), "estimate", f"consensus EPS FY{forecast.year}"
            )
            notes["consensus"] = {
                "year": forecast.year,
                "eps": forecast.eps,
                "reports": forecast.reports,
                **({"label_note": forecast.note} if forecast.note else {}),
            }
        return reasons


__all__ = ["CURRENCY", "PRICE_ADJUSTMENT", "PROVENANCE", "AkshareProvider", "load_akshare"]
