"""Shared pieces of the akshare provider tests: a quick provider and a quick policy."""

from __future__ import annotations

from datetime import date
from typing import Any

from screener.data.refresh import RefreshPolicy, RetryPolicy

#: the fake East Money serves up to 2026-02-13 (a Friday): "today" is the Monday after
TODAY = date(2026, 2, 16)

#: fast retries, one extra pass: tests take seconds, not minutes
QUICK = RefreshPolicy(
    retry=RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05, budget=5.0),
    ticker_retries=1,
    max_concurrency=4,
    initial_concurrency=4,
)


def quick_provider(**options: Any) -> Any:
    """An AkshareProvider with no pacing, a fixed clock and short deadlines."""
    from screener.data.akshare.provider import AkshareProvider
    from screener.data.akshare.transport import HostPacer

    options.setdefault("pacer", HostPacer(0.0, 0.0))
    options.setdefault("today", lambda: TODAY)
    options.setdefault("call_deadline", 20.0)
    options.setdefault("request_timeout", (2.0, 5.0))
    return AkshareProvider(**options)
