"""What is stale: the exchange's last close, the settle margin, the fetch log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from screener.data.provider import ALL_KINDS, DataKind
from screener.data.refresh import RefreshPolicy, last_close, plan
from screener.data.store import Store


def test_last_close_skips_the_weekend_and_waits_for_the_settle() -> None:
    saturday = datetime(2026, 2, 14, 12, 0, tzinfo=UTC)
    assert last_close("300308.SZ", saturday) == datetime(2026, 2, 13, 7, 0, tzinfo=UTC)
    friday_close = datetime(2026, 2, 13, 7, 10, tzinfo=UTC)  # 15:10 in Shanghai
    assert last_close("300308.SZ", friday_close, timedelta(minutes=30)).day == 12
    assert last_close("ANET", saturday) == datetime(2026, 2, 13, 21, 0, tzinfo=UTC)


def test_prices_fetched_before_the_settle_are_fetched_again_after_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    # Shenzhen closes at 15:00 CST = 07:00 UTC; 15:10 is inside the 30-minute settle.
    fetched = datetime(2026, 2, 13, 7, 10, tzinfo=UTC)
    rows = [
        {"ticker": "300308.SZ", "kind": k, "outcome": "ok", "at": fetched.isoformat()}
        for k in ("prices", "fundamentals", "history", "profile")
    ]
    store.log_fetches(rows)
    policy = RefreshPolicy()
    soon = datetime(2026, 2, 13, 7, 20, tzinfo=UTC)  # 15:20: the bar is not final yet
    later = datetime(2026, 2, 13, 7, 40, tzinfo=UTC)  # 15:40: final now
    todo, fresh, _ = plan(store, ["300308.SZ"], soon, policy)
    assert fresh == ["300308.SZ"] and not todo
    todo, fresh, _ = plan(store, ["300308.SZ"], later, policy)
    assert todo == {"300308.SZ": {"prices"}}


def test_a_new_ticker_needs_every_kind_and_force_asks_for_all(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    now = datetime(2026, 2, 13, 12, 0, tzinfo=UTC)
    todo, fresh, missing = plan(store, ["ANET"], now, RefreshPolicy())
    assert todo == {"ANET": set(ALL_KINDS)} and not fresh and not missing
    store.log_fetches(
        [{"ticker": "ANET", "kind": k, "outcome": "ok", "at": now.isoformat()} for k in DataKind]
    )
    assert plan(store, ["ANET"], now + timedelta(hours=1), RefreshPolicy())[1] == ["ANET"]
    forced, _, _ = plan(store, ["ANET"], now, RefreshPolicy(), force=True)
    assert forced == {"ANET": set(DataKind)}
