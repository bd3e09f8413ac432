"""Requests per name, counted at the fake Yahoo: what a refresh costs against Yahoo's budget.

A cold refresh makes at most three requests per name (one quoteSummary, one
timeseries, one chart) plus the batched v7 quotes (50 symbols a request) and one batch
of FX pairs, and never touches yfinance's timezone cache; a prices-only day makes one
(the chart), whether or not that cache survived; a warm refresh makes none.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from screener.data.refresh import RefreshPolicy, RetryPolicy, refresh
from screener.data.store import Store
from screener.data.yahoo import YahooProvider
from screener.data.yahoo.api import QUOTE_BATCH
from tests.fake_yahoo import FakeYahoo
from tests.fake_yahoo.testing import fresh_yfinance, no_network, yf_cache_dir

_FIXTURES = (no_network, yf_cache_dir)

POLICY = RefreshPolicy(
    max_concurrency=8, retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)
)
#: more names than one v7 batch holds, A-shares, Hong Kong and US listings
NAMES = [f"{300000 + i:06d}.SZ" for i in range(40)] + [f"{1000 + i:04d}.HK" for i in range(10)]
NAMES += ["BXAAA", "BXAAB"]


@pytest.fixture
def fake(no_network: None, yf_cache_dir: Path) -> Iterator[FakeYahoo]:
    import yfinance as yf

    fresh_yfinance()
    yf.cache.get_cookie_cache()
    fake = FakeYahoo(synthesize=True)
    fake.prepare(NAMES)
    yield fake
    fresh_yfinance()


def _run(store: Store, fake: FakeYahoo, cache: Path, **kw: Any) -> Any:
    summary = refresh(
        store, NAMES, provider=YahooProvider(fake.session(), cache_dir=cache), policy=POLICY, **kw
    )
    assert sorted(summary.fetched) == sorted(NAMES) and not summary.failed, summary.failed
    return summary


def test_a_cold_refresh_makes_three_requests_a_name_and_a_warm_one_none(
    fake: FakeYahoo, yf_cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yfinance as yf

    touched: list[str] = []  # yfinance's SQLite timezone cache: a sync per write

    class Spy:
        def lookup(self, key: str) -> None:
            touched.append(f"lookup {key}")

        def store(self, key: str, value: Any) -> None:
            touched.append(f"store {key}")

    monkeypatch.setattr(yf.cache, "get_tz_cache", lambda: Spy())
    store = Store(tmp_path / "s.db")
    summary = _run(store, fake, yf_cache_dir)
    assert touched == []  # each zone is read from the chart's meta
    n = len(NAMES)
    counts = dict(fake.counts)
    assert counts["quoteSummary"] == counts["timeseries"] == counts["chart"] == n
    # the names' quotes in batches of 50, then one batch of the FX pairs (CNY, HKD)
    assert counts["quote"] == math.ceil(n / QUOTE_BATCH) + 1
    assert fake.data_requests() <= 3 * n + math.ceil(n / QUOTE_BATCH) + 1
    assert set(counts) <= {"quoteSummary", "timeseries", "chart", "quote", "cookie", "crumb"}
    assert summary.requests == fake.total
    # every name's own requests are logged with it: three each
    logged = {store.last_fetch(t, "ticker")["requests"] for t in NAMES}
    assert logged == {3}
    # the FX rates its USD figures need came from the batched quotes
    assert {r.currency for r in store.fx_rates()} >= {"CNY", "HKD"}

    # warm, right after: everything is fresh, nothing is asked
    fake.reset_counts()
    warm = refresh(
        store, NAMES, provider=YahooProvider(fake.session(), cache_dir=yf_cache_dir), policy=POLICY
    )
    assert fake.total == 0 and warm.requests == 0
    assert sorted(warm.skipped_fresh) == sorted(NAMES)
    store.close()


def test_a_prices_only_day_is_one_request_a_name_with_or_without_the_tz_cache(
    fake: FakeYahoo, yf_cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yfinance as yf
    from yfinance.cache import _TzCacheDummy

    store = Store(tmp_path / "s.db")
    _run(store, fake, yf_cache_dir)
    for days, tz_cache in ((3, "kept"), (5, "lost")):
        fake.reset_counts()
        fresh_yfinance()  # a new process: no cookie, crumb or zone in memory
        if tz_cache == "lost":
            monkeypatch.setattr(yf.cache, "get_tz_cache", lambda: _TzCacheDummy())
        later = datetime.now(UTC) + timedelta(days=days)
        summary = _run(store, fake, yf_cache_dir, now=later)
        assert all(kinds == ["prices"] for kinds in summary.kinds.values()), tz_cache
        # the chart needs no crumb here, but yfinance's handshake runs once per process
        data = {k: v for k, v in fake.counts.items() if k not in ("cookie", "crumb")}
        assert data == {"chart": len(NAMES)}, tz_cache
        assert fake.counts["crumb"] <= 1
    store.close()
