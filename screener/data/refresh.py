"""Refresh the store from Yahoo: decide what is stale, fetch it concurrently, survive 429s.

What is stale (per ticker and kind of data):

* prices: last fetched before the exchange's most recent close (plus a settle margin);
* fundamentals and the valuation history: older than a TTL (7 days);
* the profile: older than 30 days;
* a "not found" (or empty) answer is believed for one day, then asked again.

How it fetches: a thread pool runs one task per ticker, and every HTTP request
those tasks make passes through one `AdaptiveGate`. Yahoo limits requests per
IP, so a 429 seen by any worker halves the gate's concurrency limit for all of
them at once and pauses new requests (for Retry-After when Yahoo sends it,
otherwise an exponential backoff with jitter); each success then grows the limit
back by about one per round trip (AIMD, as TCP does). 5xx answers and timeouts
are retried per request with exponential backoff and jitter. A ticker whose
requests exhaust the retries fails alone, with its reason; nothing aborts the run.

Saving happens on the calling thread (the store's SQLite connection belongs to
it), one transaction per company that also writes the fetch-log rows, so a run
killed half-way leaves every company either fully old or fully new.

This module does no terminal I/O: `progress` receives `ProgressEvent`s and the
CLI draws the bar.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

from screener.catalog import NUMERIC_METRICS
from screener.data.provider import (
    ALL_KINDS,
    KIND_FUNDAMENTALS,
    KIND_HISTORY,
    KIND_PRICES,
    KIND_PROFILE,
    TRANSIENT_ERROR_NAMES,
    YAHOO_SOURCE,
    FetchBundle,
)
from screener.data.store import Store

OK = "ok"
EMPTY = "empty"
NOT_FOUND = "not_found"
FAILED = "failed"

# Exchange close by Yahoo suffix: (timezone, hour, minute). No holiday calendar: on a
# holiday the "last close" is a day that did not trade, which costs one extra fetch.
_CLOSES: dict[str, tuple[str, int, int]] = {
    ".SZ": ("Asia/Shanghai", 15, 0),
    ".SS": ("Asia/Shanghai", 15, 0),
    ".HK": ("Asia/Hong_Kong", 16, 10),
    ".TW": ("Asia/Taipei", 13, 30),
    ".TWO": ("Asia/Taipei", 13, 30),
    ".T": ("Asia/Tokyo", 15, 30),
    ".KS": ("Asia/Seoul", 15, 30),
    ".KQ": ("Asia/Seoul", 15, 30),
    ".AX": ("Australia/Sydney", 16, 10),
    ".L": ("Europe/London", 16, 35),
    ".DE": ("Europe/Berlin", 17, 35),
    ".PA": ("Europe/Paris", 17, 35),
    ".JK": ("Asia/Jakarta", 16, 0),
    ".SI": ("Asia/Singapore", 17, 0),
    "=X": ("Europe/London", 23, 0),
}
_US_CLOSE = ("America/New_York", 16, 0)

# Multiples proportional to the price: carried forward, they are rescaled to the new price.
#: metrics computed from the daily price history; every other metric comes with the
#: fundamentals (the quote and summary modules)
PRICE_HISTORY_METRICS = frozenset(
    {"ret_1m", "ret_3m", "ret_6m", "ret_12m", "off_52w_high", "price_vs_ma200"}
)
_PRICE_PROPORTIONAL = ("market_cap", "market_cap_usd", "pe_ttm", "pe_fwd", "peg", "ps_ttm", "pb")


# -- policy and results -------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Per-request retries: how often, how long to wait, how long in all."""

    attempts: int = 6  # tries per HTTP request, the first included
    base_delay: float = 0.25  # first backoff, seconds; doubles each time
    max_delay: float = 8.0  # cap of one backoff (and of an honoured Retry-After)
    budget: float = 90.0  # seconds one request may spend retrying in all
    # Yahoo blocks an IP for minutes to hours: after this long with nothing but 429s,
    # the gate stops sending (the run ends with every remaining ticker failed, saying why)
    breaker_after: float = 60.0


class RateLimitedError(Exception):
    """Yahoo has answered only 429 for a long while: this IP is blocked for now."""


@dataclass(frozen=True)
class RefreshPolicy:
    """TTLs and pool sizes; the defaults are the documented ones."""

    fundamentals_ttl: timedelta = timedelta(days=7)
    history_ttl: timedelta = timedelta(days=7)
    profile_ttl: timedelta = timedelta(days=30)
    not_found_ttl: timedelta = timedelta(days=1)
    settle: timedelta = timedelta(minutes=30)  # after the close, before a bar is final
    max_concurrency: int = 32
    initial_concurrency: int = 8
    ticker_retries: int = 1  # extra passes over tickers that failed transiently
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class ProgressEvent:
    """What the progress callback receives: once at the start, once per ticker, once at the end."""

    stage: str  # "start" | "ticker" | "done"
    total: int
    done: int
    ticker: str | None = None
    outcome: str | None = None  # ok | failed | not_found
    detail: str = ""
    concurrency: float = 0.0


@dataclass
class RefreshSummary:
    """The outcome of one refresh run."""

    fetched: list[str] = field(default_factory=list)
    skipped_fresh: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # ticker -> reason
    not_found_recently: list[str] = field(default_factory=list)  # skipped: believed for a day
    not_found: dict[str, str] = field(default_factory=dict)  # Yahoo does not know them (now)
    partial: dict[str, str] = field(default_factory=dict)  # saved, but one kind failed
    requests: int = 0  # HTTP requests made (retries included)
    throttled: int = 0  # 429 answers seen
    retries: int = 0  # HTTP retries made
    elapsed: float = 0.0  # seconds
    kinds: dict[str, list[str]] = field(default_factory=dict)  # ticker -> kinds fetched
    stopped: str | None = None  # why the run stopped asking Yahoo early, if it did

    @property
    def ok(self) -> bool:
        return not self.failed


# -- staleness ------------------------------------------------------------------------------------


def last_close(ticker: str, now: datetime, settle: timedelta = timedelta(0)) -> datetime:
    """The most recent weekday close of the ticker's exchange that is `settle` in the past."""
    tzname, hour, minute = _US_CLOSE
    for suffix, close in _CLOSES.items():
        if ticker.upper().endswith(suffix.upper()):
            tzname, hour, minute = close
            break
    zone = ZoneInfo(tzname)
    local = now.astimezone(zone)
    day = local.date()
    for _ in range(10):
        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        if candidate.weekday() < 5 and candidate + settle <= local:
            return candidate.astimezone(UTC)
        day -= timedelta(days=1)
    return (local - timedelta(days=10)).astimezone(UTC)


def _parse(at: str | None) -> datetime | None:
    if not at:
        return None
    try:
        value = datetime.fromisoformat(at)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def plan(
    store: Store,
    tickers: Iterable[str],
    now: datetime,
    policy: RefreshPolicy,
    force: bool = False,
) -> tuple[dict[str, set[str]], list[str], list[str]]:
    """Which kinds each ticker needs: (to_fetch, fresh, not_found_recently)."""
    ok_times = store.fetch_times([OK])
    empty_times = store.fetch_times([EMPTY])
    missing_times = store.fetch_times([NOT_FOUND])
    todo: dict[str, set[str]] = {}
    fresh: list[str] = []
    not_found: list[str] = []
    for ticker in tickers:
        if force:
            todo[ticker] = set(ALL_KINDS)
            continue
        ok = {k: _parse(ok_times.get((ticker, k))) for k in ALL_KINDS}
        newest_ok = max((t for t in ok.values() if t), default=None)
        missing = max(
            (t for k in ALL_KINDS if (t := _parse(missing_times.get((ticker, k))))), default=None
        )
        if (
            missing
            and (newest_ok is None or missing > newest_ok)
            and now - missing < policy.not_found_ttl
        ):
            not_found.append(ticker)
            continue
        kinds: set[str] = set()
        # Final bars exist from `settle` after the close: a fetch before then is not final.
        final_from = last_close(ticker, now, policy.settle) + policy.settle
        if ok[KIND_PRICES] is None or ok[KIND_PRICES] < final_from:
            kinds.add(KIND_PRICES)
        if ok[KIND_FUNDAMENTALS] is None or now - ok[KIND_FUNDAMENTALS] >= policy.fundamentals_ttl:
            kinds.add(KIND_FUNDAMENTALS)
        if ok[KIND_PROFILE] is None or now - ok[KIND_PROFILE] >= policy.profile_ttl:
            kinds.add(KIND_PROFILE)
        hist = ok[KIND_HISTORY]
        empty = _parse(empty_times.get((ticker, KIND_HISTORY)))
        # An empty history answer is believed like a "not found": for a day.
        empty_believed = bool(
            empty and (hist is None or empty > hist) and now - empty < policy.not_found_ttl
        )
        if (hist is None or now - hist >= policy.history_ttl) and not empty_believed:
            kinds.add(KIND_HISTORY)
        if kinds:
            todo[ticker] = kinds
        else:
            fresh.append(ticker)
    return todo, fresh, not_found


# -- the adaptive gate ------------------------------------------------------------------------


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _is_transient(exc: BaseException) -> bool:
    return type(exc).__name__ in TRANSIENT_ERROR_NAMES or isinstance(exc, (TimeoutError, OSError))


class AdaptiveGate:
    """A concurrency limit shared by every worker, AIMD-tuned by Yahoo's answers.

    `call(send)` waits for a slot and for any global pause, runs `send()` (one HTTP
    request) and looks at the answer: 429 halves the limit (once per round of
    in-flight requests, so one burst does not collapse it to 1), pauses everyone for
    Retry-After or a jittered backoff, and retries; 5xx and timeouts back off this
    request alone and retry; success grows the limit by 1/limit. When the retries or
    the budget run out the last answer is returned (or the last error raised) and
    the caller decides what it means.
    """

    def __init__(
        self,
        max_limit: int = 32,
        initial: int = 8,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.max_limit = max(1, max_limit)
        self.limit = float(min(max(1, initial), self.max_limit))
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._cond = threading.Condition()
        self._in_flight = 0
        self._paused_until = 0.0
        self._epoch = 0
        self._throttle_streak = 0
        self._throttled_since: float | None = None  # first 429 since the last success
        self.blocked: str | None = None  # why the gate stopped sending, once it has
        self.throttled = 0
        self.retries = 0

    def stop(self, why: str) -> None:
        """Refuse every further request (each raises at once), e.g. after Ctrl-C."""
        with self._cond:
            self.blocked = self.blocked or why
            self._cond.notify_all()

    # slots ---------------------------------------------------------------------------------
    def _acquire(self) -> int:
        with self._cond:
            while True:
                if self.blocked:
                    raise RateLimitedError(self.blocked)
                now = time.monotonic()
                if now < self._paused_until:
                    self._cond.wait(self._paused_until - now)
                    continue
                if self._in_flight < max(1, int(self.limit)):
                    self._in_flight += 1
                    return self._epoch
                self._cond.wait(0.5)

    def _release(self) -> None:
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()

    # feedback ------------------------------------------------------------------------------
    def _on_success(self) -> None:
        with self._cond:
            self._throttle_streak = 0
            self._throttled_since = None
            if self.limit < self.max_limit:
                self.limit = min(float(self.max_limit), self.limit + 1.0 / self.limit)
            self._cond.notify_all()

    def _on_throttle(self, epoch: int, retry_after: float | None) -> float:
        """Shrink at once (first 429 of this round only) and pause everyone; return the pause."""
        with self._cond:
            self.throttled += 1
            now = time.monotonic()
            if self._throttled_since is None:
                self._throttled_since = now
            elif now - self._throttled_since >= self.retry.breaker_after and not self.blocked:
                self.blocked = (
                    f"Yahoo is rate-limiting this IP (only 429 answers for "
                    f"{now - self._throttled_since:.0f} s); stopped asking, try again later"
                )
                self._cond.notify_all()
            if epoch == self._epoch:
                self._epoch += 1
                self.limit = max(1.0, self.limit / 2)
                self._throttle_streak += 1
            if retry_after is not None:
                pause = min(retry_after, self.retry.max_delay)
            else:
                pause = self._backoff(self._throttle_streak)
            self._paused_until = max(self._paused_until, time.monotonic() + pause)
            self._cond.notify_all()
            return pause

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with 'equal jitter': half fixed, half random."""
        ceiling = min(self.retry.max_delay, self.retry.base_delay * (2 ** max(0, attempt - 1)))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    # the call ------------------------------------------------------------------------------
    def call(self, send: Callable[[], Any]) -> Any:
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            epoch = self._acquire()
            try:
                response = send()
            except Exception as exc:
                self._release()
                if not _is_transient(exc) or not self._may_retry(attempt, started):
                    raise
                self._count_retry()
                self._sleep(self._backoff(attempt))
                continue
            self._release()
            status = getattr(response, "status_code", 200)
            if status == 429:
                pause = self._on_throttle(epoch, _retry_after(response))
                if not self._may_retry(attempt, started, pause):
                    return response
                self._count_retry()
                continue  # _acquire() waits out the global pause
            if status >= 500:
                if not self._may_retry(attempt, started):
                    return response
                self._count_retry()
                delay = _retry_after(response)
                self._sleep(
                    min(delay, self.retry.max_delay)
                    if delay is not None
                    else self._backoff(attempt)
                )
                continue
            self._on_success()
            return response

    def _may_retry(self, attempt: int, started: float, wait: float = 0.0) -> bool:
        spent = time.monotonic() - started + wait
        return attempt < self.retry.attempts and spent < self.retry.budget

    def _count_retry(self) -> None:
        with self._cond:
            self.retries += 1


# -- carrying figures forward -------------------------------------------------------------------


def merge_with_previous(
    bundle: FetchBundle, previous: Mapping[str, Any] | None, kinds: set[str]
) -> FetchBundle:
    """Fill the metrics this fetch did not ask for from the company's previous snapshot.

    A prices-only refresh must not leave a snapshot without fundamentals (the newest
    snapshot is the one the screen reads). Carried multiples that are proportional to
    the price are rescaled to the new price: P/E is price over an unchanged EPS.
    """
    if not previous:
        return bundle
    if not kinds & {KIND_PRICES, KIND_FUNDAMENTALS}:
        # Only history or the profile was fetched: the figures are still the previous
        # snapshot's, so they keep its date rather than pose as today's.
        bundle = replace(bundle, as_of=str(previous.get("as_of") or bundle.as_of))

    def answered(name: str) -> bool:
        """Did this fetch ask Yahoo for this metric? Then its absence means missing."""
        if name in PRICE_HISTORY_METRICS:
            return KIND_PRICES in kinds
        return KIND_FUNDAMENTALS in kinds

    carried = {
        name: float(previous[name])
        for name in NUMERIC_METRICS
        if previous.get(name) is not None and name not in bundle.metrics and not answered(name)
    }
    if not carried:
        return bundle
    new_price, old_price = bundle.metrics.get("price"), previous.get("price")
    if KIND_FUNDAMENTALS not in kinds and new_price and old_price:
        factor = float(new_price) / float(old_price)
        for name in _PRICE_PROPORTIONAL:
            if name in carried:
                carried[name] *= factor
        if "target_upside" in carried:
            carried["target_upside"] = (1 + carried["target_upside"]) / factor - 1
    extra = dict(bundle.extra)
    extra["carried_from"] = {
        "as_of": previous.get("as_of"),
        "fetched_at": previous.get("fetched_at"),
        "metrics": sorted(carried),
    }
    return replace(
        bundle,
        metrics={**carried, **bundle.metrics},
        currency=bundle.currency or previous.get("currency"),
        financial_currency=bundle.financial_currency or previous.get("financial_currency"),
        extra=extra,
    )


# -- the run --------------------------------------------------------------------------------------


@dataclass
class _Result:
    ticker: str
    kinds: set[str]
    bundle: FetchBundle | None
    error: BaseException | None
    requests: int


def _fetch_task(provider: Any, ticker: str, kinds: set[str]) -> _Result:
    counter = getattr(provider, "thread_requests", None)
    before = counter() if counter else 0
    try:
        if hasattr(provider, "fetch_one"):
            bundle = provider.fetch_one(ticker, kinds=kinds)
        else:  # any Provider: all or nothing, no kinds
            bundle = next(iter(provider.fetch([ticker])), None)
            if bundle is None:
                raise LookupError(f"{ticker}: not known to {provider.name}")
        error = None
    except Exception as exc:  # one failing ticker never aborts the rest
        bundle, error = None, exc
    after = counter() if counter else 0
    return _Result(ticker, kinds, bundle, error, after - before)


def _outcome_of(error: BaseException) -> tuple[str, bool]:
    kind = getattr(error, "kind", None)
    if kind == NOT_FOUND or isinstance(error, LookupError):
        return NOT_FOUND, False
    return FAILED, bool(getattr(error, "transient", False))


def refresh(
    store: Store,
    tickers: Iterable[str],
    *,
    force: bool = False,
    provider: Any = None,
    progress: Callable[[ProgressEvent], None] | None = None,
    now: datetime | None = None,
    policy: RefreshPolicy | None = None,
) -> RefreshSummary:
    """Bring the store up to date for `tickers`, fetching only what is stale (all with `force`).

    `provider` defaults to a `YahooProvider`; when it has a `gate` attribute that is
    unset, the run's `AdaptiveGate` is attached for the duration of the run. `now`
    (aware datetime) is the clock staleness is judged by; tests move it.
    """
    policy = policy or RefreshPolicy()
    now = now or datetime.now(UTC)
    started = time.monotonic()
    tickers = list(dict.fromkeys(t.strip().upper() for t in tickers if t.strip()))
    summary = RefreshSummary()
    todo, fresh, not_found = plan(store, tickers, now, policy, force)
    summary.skipped_fresh = fresh
    summary.not_found_recently = not_found
    total = len(tickers)
    done = len(fresh) + len(not_found)

    gate = AdaptiveGate(policy.max_concurrency, policy.initial_concurrency, policy.retry)
    if provider is None:
        from screener.data.yahoo import YahooProvider

        provider = YahooProvider(gate=gate)
    attached = hasattr(provider, "gate") and provider.gate is None
    if attached:
        provider.gate = gate
    active_gate = getattr(provider, "gate", None) or gate
    requests_before = getattr(provider, "requests_made", 0)

    def emit(stage: str, **kw: Any) -> None:
        if progress is not None:
            progress(ProgressEvent(stage, total, done, concurrency=active_gate.limit, **kw))

    emit("start")
    try:
        pending = dict(todo)
        passes = 0
        while pending:
            retry_later: dict[str, set[str]] = {}
            # Workers only fetch; saving stays on this thread, whose SQLite connection it is.
            with ThreadPoolExecutor(
                max_workers=policy.max_concurrency, thread_name_prefix="refresh"
            ) as pool:
                futures: set[Future[_Result]] = {
                    pool.submit(_fetch_task, provider, t, k) for t, k in pending.items()
                }
                try:
                    while futures:
                        finished, futures = wait(futures, return_when=FIRST_COMPLETED)
                        for future in finished:
                            result = future.result()
                            status = _record(store, result, summary, passes, policy, retry_later)
                            if status is not None:
                                done += 1
                                emit(
                                    "ticker",
                                    ticker=result.ticker,
                                    outcome=status,
                                    detail=summary.failed.get(result.ticker, ""),
                                )
                except BaseException:
                    # Ctrl-C or a crash: queued tickers are dropped and workers in flight
                    # stop at their next request, so the run ends in seconds, not minutes.
                    active_gate.stop("the refresh was interrupted")
                    for f in futures:
                        f.cancel()
                    raise
            pending = retry_later
            passes += 1
        rates = provider.fx_rates() if hasattr(provider, "fx_rates") else []
        if rates:
            store.save_fx_rates(rates)
    finally:
        if attached:
            provider.gate = None
    summary.requests = getattr(provider, "requests_made", 0) - requests_before
    summary.throttled = active_gate.throttled
    summary.stopped = active_gate.blocked
    summary.retries = active_gate.retries
    summary.elapsed = time.monotonic() - started
    emit("done")
    return summary


def _record(
    store: Store,
    result: _Result,
    summary: RefreshSummary,
    passes: int,
    policy: RefreshPolicy,
    retry_later: dict[str, set[str]],
) -> str | None:
    """Save or log one ticker's result; None when it is queued for another pass."""
    ticker = result.ticker
    if result.bundle is not None:
        bundle = result.bundle
        previous = store.latest_snapshot(ticker, bundle.source or YAHOO_SOURCE)
        bundle = merge_with_previous(bundle, previous, result.kinds)
        empty = set(bundle.extra.get("empty", ()))
        failed_kinds: dict[str, str] = dict(bundle.extra.get("failed", {}))
        logs = [
            (kind, FAILED, failed_kinds[kind], 0)
            if kind in failed_kinds
            else (kind, EMPTY if kind in empty else OK, "", 0)
            for kind in sorted(result.kinds)
        ]
        if failed_kinds:
            summary.partial[ticker] = "; ".join(failed_kinds.values())
        logs.append(("ticker", OK, ",".join(sorted(result.kinds)), result.requests))
        store.save_refresh(bundle, logs)
        summary.fetched.append(ticker)
        summary.kinds[ticker] = sorted(result.kinds)
        summary.failed.pop(ticker, None)
        return OK
    error = result.error or RuntimeError("no answer")
    outcome, transient = _outcome_of(error)
    if transient and passes < policy.ticker_retries:
        retry_later[ticker] = result.kinds
        return None
    reason = str(error) or type(error).__name__
    rows = [
        {"ticker": ticker, "kind": k, "outcome": outcome, "detail": reason}
        for k in sorted(result.kinds)
    ]
    rows.append(
        {
            "ticker": ticker,
            "kind": "ticker",
            "outcome": outcome,
            "detail": reason,
            "requests": result.requests,
        }
    )
    store.log_fetches(rows)
    if outcome == NOT_FOUND:  # Yahoo's answer, not a failure of the run
        summary.not_found[ticker] = reason
    else:
        summary.failed[ticker] = reason
    return outcome
