"""The refresh run: fetch what is stale concurrently, save each company whole, summarise.

A thread pool runs one task per ticker, and every HTTP request those tasks make
passes through one `AdaptiveGate`, attached to the provider for the run. Daily
bars are asked from just before the last stored one and checked against it
(`depth`): a changed adjustment fetches the company again in full and replaces its
bars. A ticker whose requests exhaust the retries fails alone, with its reason; nothing aborts
the run. Saving happens on the calling thread (the store's SQLite connection
belongs to it), one transaction per company that also writes the fetch-log rows
and the FX rates its figures need, so a run killed half-way leaves every company
either fully old or fully new.

Everything asked of the provider is declared by `screener.data.provider.Provider`.
This module does no terminal I/O: `progress` receives `ProgressEvent`s and the CLI
draws the bar.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from screener import collector
from screener.data.provider import (
    DataKind,
    FetchBundle,
    FxRate,
    NotFoundError,
    Provider,
    is_transient,
)
from screener.data.refresh.carry import merge_with_previous
from screener.data.refresh.depth import (
    PricePlan,
    disagreement,
    metric_window,
    plan_prices,
    with_stored_bars,
)
from screener.data.refresh.gate import AdaptiveGate
from screener.data.refresh.staleness import (
    EMPTY,
    FAILED,
    NOT_FOUND,
    OK,
    TICKER_ROW,
    Outcome,
    RefreshPolicy,
    plan,
)
from screener.data.store import Store, is_store_failure


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
    not_found: dict[str, str] = field(default_factory=dict)  # the source does not know them (now)
    not_found_by: dict[str, tuple[str, ...]] = field(default_factory=dict)  # ticker -> sources
    source: str = "yahoo"  # the provider's name: who "not found" means when no error says
    partial: dict[str, str] = field(default_factory=dict)  # saved, but one kind failed
    requests: int = 0  # HTTP requests made (retries included)
    throttled: int = 0  # 429 answers seen
    retries: int = 0  # HTTP retries made
    elapsed: float = 0.0  # seconds
    kinds: dict[str, list[str]] = field(default_factory=dict)  # ticker -> kinds fetched
    #: ticker -> why its daily bars were fetched again in full and replaced
    prices_replaced: dict[str, str] = field(default_factory=dict)
    stopped: str | None = None  # why the run stopped asking the source early, if it did

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class _Result:
    ticker: str
    kinds: set[DataKind]
    bundle: FetchBundle | None
    error: BaseException | None
    requests: int
    prices: PricePlan | None = None  # how the daily bars were asked for (None: not asked)
    replaced: str | None = None  # why a partial answer was followed by a full fetch


def _fetch_task(
    provider: Provider, ticker: str, kinds: set[DataKind], prices: PricePlan | None
) -> _Result:
    before = provider.thread_requests()
    replaced = None
    start = prices.start if prices is not None else None
    try:
        bundle: FetchBundle | None = provider.fetch_one(ticker, kinds=kinds, price_start=start)
        error = None
        if prices is not None and bundle is not None:
            replaced = disagreement(prices, bundle)
            if replaced:
                # The stored bars are on another adjustment (or source): all of them again.
                prices = prices.in_full()
                bundle = provider.fetch_one(ticker, kinds=kinds, price_start=prices.start)
    except Exception as exc:  # one failing ticker never aborts the rest
        bundle, error = None, exc
    return _Result(
        ticker, kinds, bundle, error, provider.thread_requests() - before, prices, replaced
    )


def _outcome_of(error: BaseException) -> tuple[Outcome, bool]:
    """(fetch-log outcome, worth another pass?) for a ticker whose fetch raised `error`."""
    if isinstance(error, NotFoundError):
        return NOT_FOUND, False
    return FAILED, is_transient(error)


def refresh(
    store: Store,
    tickers: Iterable[str],
    *,
    force: bool = False,
    provider: Provider | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
    now: datetime | None = None,
    policy: RefreshPolicy | None = None,
) -> RefreshSummary:
    """Bring the store up to date for `tickers`, fetching only what is stale (all with `force`).

    `provider` defaults to a `YahooProvider`. The run's `AdaptiveGate` is attached as
    the provider's `gate` for the duration of the run (and the previous one put back
    after). `now` (aware datetime) is the clock staleness is judged by; tests move it.
    The cyclic collector runs at a run's thresholds (`collector.tuned`): each answer's
    objects are freed by their counts, and full collections would walk every module's
    objects again and again (a fifth of a refresh's CPU).
    """
    with collector.tuned():
        return _refresh(store, tickers, force, provider, progress, now, policy)


def _refresh(
    store: Store,
    tickers: Iterable[str],
    force: bool,
    provider: Provider | None,
    progress: Callable[[ProgressEvent], None] | None,
    now: datetime | None,
    policy: RefreshPolicy | None,
) -> RefreshSummary:
    policy = policy or RefreshPolicy()
    now = now or datetime.now(UTC)
    started = time.monotonic()
    tickers = list(dict.fromkeys(t.strip().upper() for t in tickers if t.strip()))
    summary = RefreshSummary()
    todo, fresh, not_found = plan(store, tickers, now, policy, force)
    price_plans = plan_prices(
        store, [t for t, k in todo.items() if DataKind.PRICES in k], now.date(), policy.price_years
    )
    summary.skipped_fresh = fresh
    summary.not_found_recently = not_found
    if provider is not None:  # who would have said "not found" (a chain: several)
        summary.not_found_by.update({t: provider.sources_asked(t) for t in not_found})
    total = len(tickers)
    done = len(fresh) + len(not_found)

    gate = AdaptiveGate(policy.max_concurrency, policy.initial_concurrency, policy.retry)
    if provider is None:
        from screener.data.yahoo import YahooProvider

        provider = YahooProvider()
    summary.source = str(provider.name or summary.source)
    previous_gate = provider.gate
    provider.gate = gate
    requests_before = provider.requests_made

    def emit(stage: str, **kw: Any) -> None:
        if progress is not None:
            progress(ProgressEvent(stage, total, done, concurrency=gate.limit, **kw))

    saved_rates: set[FxRate] = set()
    emit("start")
    try:
        if todo:  # what batches across tickers (Yahoo's v7 quotes), before the workers start
            provider.prefetch(todo)
        pending = dict(todo)
        passes = 0
        while pending:
            retry_later: dict[str, set[DataKind]] = {}
            # Workers only fetch; saving stays on this thread, whose SQLite connection it is.
            with ThreadPoolExecutor(
                max_workers=policy.max_concurrency, thread_name_prefix="refresh"
            ) as pool:
                futures: set[Future[_Result]] = {
                    pool.submit(_fetch_task, provider, t, k, price_plans.get(t))
                    for t, k in pending.items()
                }
                try:
                    while futures:
                        finished, futures = wait(futures, return_when=FIRST_COMPLETED)
                        for future in finished:
                            result = future.result()
                            try:
                                # The company with the FX rates its USD figures need, all or
                                # nothing.
                                with store.transaction():
                                    status = _record(
                                        store, result, summary, passes, policy, retry_later
                                    )
                                    if status == OK:
                                        _save_new_rates(store, provider, saved_rates)
                            except Exception as exc:
                                if is_store_failure(exc):
                                    raise  # the store itself failed: so would every company
                                # A value no check caught fails this company alone.
                                status = _save_failed(store, result, summary, exc)
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
                    gate.stop("the refresh was interrupted")
                    for f in futures:
                        f.cancel()
                    raise
            pending = retry_later
            passes += 1
    finally:
        provider.gate = previous_gate
    summary.requests = provider.requests_made - requests_before
    summary.throttled = gate.throttled
    summary.stopped = gate.blocked
    summary.retries = gate.retries
    summary.elapsed = time.monotonic() - started
    emit("done")
    return summary


def _record(
    store: Store,
    result: _Result,
    summary: RefreshSummary,
    passes: int,
    policy: RefreshPolicy,
    retry_later: dict[str, set[DataKind]],
) -> Outcome | None:
    """Save or log one ticker's result; None when it is queued for another pass."""
    ticker = result.ticker
    if result.bundle is not None:
        bundle = result.bundle
        prices = result.prices if bundle.prices and DataKind.PRICES in result.kinds else None
        if prices is not None and not prices.full:
            # The figures a year of bars gives, over the stored bars and the new ones.
            bundle = with_stored_bars(bundle, store.stored_bars(ticker, metric_window(bundle)))
        previous = store.latest_snapshot(ticker, bundle.source)
        bundle = merge_with_previous(bundle, previous, result.kinds)
        empty = bundle.empty_kinds
        failed_kinds = bundle.failed_kinds
        logs: list[tuple[str, str, str, int]] = [
            (kind, FAILED, failed_kinds[kind], 0)
            if kind in failed_kinds
            else (kind, EMPTY if kind in empty else OK, _detail(kind, prices), 0)
            for kind in sorted(result.kinds)
        ]
        if failed_kinds:
            summary.partial[ticker] = "; ".join(failed_kinds.values())
        logs.append((TICKER_ROW, OK, ",".join(sorted(result.kinds)), result.requests))
        store.save_refresh(bundle, logs, replace_prices=prices is not None and prices.full)
        if result.replaced and prices is not None:
            summary.prices_replaced[ticker] = result.replaced
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
            "kind": TICKER_ROW,
            "outcome": outcome,
            "detail": reason,
            "requests": result.requests,
        }
    )
    store.log_fetches(rows)
    if outcome == NOT_FOUND:  # the source's answer, not a failure of the run
        summary.not_found[ticker] = reason
        if isinstance(error, NotFoundError) and error.sources:  # a chain names whom it asked
            summary.not_found_by[ticker] = error.sources
    else:
        summary.failed[ticker] = reason
    return outcome


def _detail(kind: DataKind, prices: PricePlan | None) -> str:
    """The fetch-log detail of a kind that came through: how deep the prices reach."""
    return prices.detail if kind == DataKind.PRICES and prices is not None else ""


def _save_failed(
    store: Store, result: _Result, summary: RefreshSummary, exc: Exception
) -> Outcome:
    """Log a company whose answer could not be saved (its transaction rolled back)."""
    reason = f"could not save the answer: {type(exc).__name__}: {exc}"
    summary.fetched = [t for t in summary.fetched if t != result.ticker]
    summary.partial.pop(result.ticker, None)
    summary.kinds.pop(result.ticker, None)
    summary.failed[result.ticker] = reason
    rows = [
        {"ticker": result.ticker, "kind": kind, "outcome": FAILED, "detail": reason}
        for kind in sorted(result.kinds)
    ]
    rows.append(
        {
            "ticker": result.ticker,
            "kind": TICKER_ROW,
            "outcome": FAILED,
            "detail": reason,
            "requests": result.requests,
        }
    )
    store.log_fetches(rows)
    return FAILED


def _save_new_rates(store: Store, provider: Provider, saved: set[FxRate]) -> None:
    """Store the FX rates the provider learnt since the last call: `derived` makes the USD
    figures from them, so they are saved with the company that needed them."""
    new = [rate for rate in provider.fx_rates() if rate not in saved]
    if new:
        store.save_fx_rates(new)
        saved.update(new)
