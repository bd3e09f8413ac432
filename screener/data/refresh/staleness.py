"""What is stale: per ticker and kind of data, judged from the store's fetch log.

* prices: last fetched before the exchange's most recent close (plus a settle margin);
* fundamentals and the valuation history: older than a TTL (7 days);
* the profile: older than 30 days;
* a "not found" (or empty) answer is believed for one day, then asked again.

How far back a price fetch reaches is `depth` (`RefreshPolicy.price_years`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from screener.data.provider import ALL_KINDS, DEFAULT_PRICE_YEARS, DataKind
from screener.data.refresh.gate import RetryPolicy
from screener.data.store import Store

#: a fetch-log row's outcome
Outcome = Literal["ok", "empty", "not_found", "failed"]
OK: Outcome = "ok"
EMPTY: Outcome = "empty"
NOT_FOUND: Outcome = "not_found"
FAILED: Outcome = "failed"

#: the fetch-log `kind` of the one row per ticker and fetch (beside one row per DataKind)
TICKER_ROW = "ticker"

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
    price_years: int = DEFAULT_PRICE_YEARS  # depth of daily bars a full fetch asks for
    retry: RetryPolicy = field(default_factory=RetryPolicy)


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
) -> tuple[dict[str, set[DataKind]], list[str], list[str]]:
    """Which kinds each ticker needs: (to_fetch, fresh, not_found_recently)."""
    ok_times = store.fetch_times([OK])
    empty_times = store.fetch_times([EMPTY])
    missing_times = store.fetch_times([NOT_FOUND])
    todo: dict[str, set[DataKind]] = {}
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
        kinds: set[DataKind] = set()
        # Final bars exist from `settle` after the close: a fetch before then is not final.
        final_from = last_close(ticker, now, policy.settle) + policy.settle
        prices = ok[DataKind.PRICES]
        if prices is None or prices < final_from:
            kinds.add(DataKind.PRICES)
        fundamentals = ok[DataKind.FUNDAMENTALS]
        if fundamentals is None or now - fundamentals >= policy.fundamentals_ttl:
            kinds.add(DataKind.FUNDAMENTALS)
        profile = ok[DataKind.PROFILE]
        if profile is None or now - profile >= policy.profile_ttl:
            kinds.add(DataKind.PROFILE)
        hist = ok[DataKind.HISTORY]
        empty = _parse(empty_times.get((ticker, DataKind.HISTORY)))
        # An empty history answer is believed like a "not found": for a day.
        empty_believed = bool(
            empty and (hist is None or empty > hist) and now - empty < policy.not_found_ttl
        )
        if (hist is None or now - hist >= policy.history_ttl) and not empty_believed:
            kinds.add(DataKind.HISTORY)
        if kinds:
            todo[ticker] = kinds
        else:
            fresh.append(ticker)
    return todo, fresh, not_found
