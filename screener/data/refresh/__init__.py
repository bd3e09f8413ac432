"""Refresh the store from a provider: decide what is stale, fetch it concurrently, survive 429s.

One module per job: `staleness` (what each ticker needs, by the fetch log and the
exchange's last close), `gate` (the adaptive concurrency limit and retries every
request passes), `carry` (figures a partial fetch did not ask for, carried from the
last snapshot), `depth` (years of daily bars, asked from just before the last stored
one) and `loop` (the run itself, its summary and progress events).

Callers import from here: `from screener.data.refresh import refresh, RefreshPolicy`.
"""

from __future__ import annotations

from screener.data.refresh.carry import PRICE_HISTORY_METRICS, merge_with_previous
from screener.data.refresh.gate import AdaptiveGate, RateLimitedError, RetryPolicy
from screener.data.refresh.loop import ProgressEvent, RefreshSummary, refresh
from screener.data.refresh.staleness import RefreshPolicy, last_close, plan

__all__ = [
    "PRICE_HISTORY_METRICS",
    "AdaptiveGate",
    "ProgressEvent",
    "RateLimitedError",
    "RefreshPolicy",
    "RefreshSummary",
    "RetryPolicy",
    "last_close",
    "merge_with_previous",
    "plan",
    "refresh",
]
