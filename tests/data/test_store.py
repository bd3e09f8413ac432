"""The store: a round trip, all-or-nothing writes, clean errors, FX rates as the one FX type."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from screener.data.provider import FetchBundle, FxRate, HistoryPoint
from screener.data.store import Store


def test_store_round_trip_and_latest_snapshot(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    for as_of, pe in (("2025-01-01", 10.0), ("2025-06-01", 12.5)):
        store.save_bundle(
            FetchBundle(
                ticker="300308.SZ",
                source="sample",
                as_of=as_of,
                fetched_at="2025-06-02T00:00:00+00:00",
                currency="CNY",
                metrics={"pe_ttm": pe, "pb": float("nan")},
                history=(HistoryPoint("pe_ttm", "2024-12", 40.0),),
            )
        )
    (latest,) = store.latest_snapshots("sample")
    assert latest["as_of"] == "2025-06-01" and latest["pe_ttm"] == 12.5
    assert latest["pb"] is None  # NaN is stored as missing, never as a number
    assert store.valuation_history("sample") == [
        {"ticker": "300308.SZ", "metric": "pe_ttm", "date": "2024-12", "value": 40.0}
    ]
    journal = store.db.execute("pragma journal_mode").fetchone()[0]
    assert journal.lower() == "wal"


def test_a_failed_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    bundle = FetchBundle(
        ticker="A",
        source="sample",
        as_of="2025-01-01",
        fetched_at="x",
        currency="USD",
        metrics={"pe_ttm": 1.0},
    )
    with pytest.raises(RuntimeError), store.transaction():
        store.save_bundle(bundle)
        raise RuntimeError("killed half-way")
    assert store.latest_snapshots("sample") == []
    store.save_bundle(bundle)
    assert len(store.latest_snapshots("sample")) == 1


def test_a_corrupt_store_is_a_clean_error(tmp_path: Path) -> None:
    from screener.errors import DataError

    path = tmp_path / "bad.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DataError, match="bad.db"):
        Store(path)
    assert sqlite3  # the error is ours, not sqlite3's


def test_a_write_to_a_read_only_store_is_a_clean_error(tmp_path: Path) -> None:
    from screener.errors import DataError

    store = Store(tmp_path / "s.db")
    store.db.conn.execute("PRAGMA query_only = ON")
    with pytest.raises(DataError, match="cannot write to the store"):
        store.set_meta("k", "v")


def _bundle(metrics: dict[str, float]) -> FetchBundle:
    return FetchBundle(
        ticker="X",
        source="yahoo",
        as_of="2026-02-13",
        fetched_at="t",
        currency="CNY",
        metrics=metrics,
    )


def test_saving_the_same_snapshot_again_replaces_it_whole(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    store.save_bundle(_bundle({"price": 10.0, "pe_ttm": 20.0}))
    store.save_bundle(_bundle({"price": 9.0}))
    (row,) = store.latest_snapshots("yahoo")
    assert row["price"] == 9.0 and row["pe_ttm"] is None


def test_fx_rates_come_back_as_fx_rates(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    rates = [
        FxRate("CNY", "2026-02-13", 7.2466, "yahoo", note="CNY=X"),
        FxRate("HKD", "2026-01-20", 7.8, "https://example.test/hkd"),
    ]
    store.save_fx_rates(rates)
    store.save_fx_rates(rates[:1])  # saving again replaces, never duplicates
    assert store.fx_rates() == rates
