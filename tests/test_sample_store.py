"""The bundled sample goes through the store unaltered; store writes are all-or-nothing."""

from __future__ import annotations

import csv
import io
import sqlite3
from importlib import resources
from pathlib import Path

import pytest

from screener.data.provider import FetchBundle, HistoryPoint
from screener.data.sample import HISTORY_COLUMNS, SNAPSHOT_COLUMNS, SampleProvider
from screener.data.store import Store


def _csv(name: str) -> list[dict[str, str]]:
    text = resources.files("screener.data").joinpath("snapshot", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_bundled_files_are_the_shared_snapshot_byte_for_byte() -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "sample-snapshot"
    if not shared.is_dir():
        pytest.skip("../shared/sample-snapshot is absent")
    for name in ("snapshot.csv", "valuation_history.csv", "growth_margins.csv"):
        bundled = resources.files("screener.data").joinpath("snapshot", name).read_bytes()
        assert bundled == (shared / name).read_bytes(), name


def test_sample_bundles_keep_every_figure_and_its_provenance() -> None:
    rows = {row["ticker"]: row for row in _csv("snapshot.csv")}
    bundles = {b.ticker: b for b in SampleProvider().fetch()}
    assert set(bundles) == set(rows)
    for ticker, row in rows.items():
        bundle = bundles[ticker]
        assert bundle.as_of == row["as_of"] and bundle.source_url == row["source_url"]
        assert bundle.currency == row["currency"]
        for column, metric in SNAPSHOT_COLUMNS.items():
            if row[column]:
                assert bundle.metrics[metric] == float(row[column])
        assert (bundle.notes or "") == row["notes"]


def test_statement_figures_fill_gaps_with_their_source() -> None:
    statements = {row["ticker"]: row for row in _csv("growth_margins.csv")}
    snapshot = {row["ticker"]: row for row in _csv("snapshot.csv")}
    bundles = {b.ticker: b for b in SampleProvider().fetch()}
    filled = 0
    for ticker, statement in statements.items():
        if statement["revenue_growth_yoy"] and not snapshot[ticker]["revenue_growth_yoy"]:
            bundle = bundles[ticker]
            assert bundle.metrics["revenue_growth"] == float(statement["revenue_growth_yoy"])
            assert statement["source_url"] in bundle.extra["field_sources"]["revenue_growth"]
            filled += 1
    assert filled > 10


def test_history_points_are_fiscal_years_only() -> None:
    history = _csv("valuation_history.csv")
    bundles = {b.ticker: b for b in SampleProvider().fetch()}
    expected = sum(
        1
        for row in history
        if row["fiscal_year"] != "Current"
        for column in HISTORY_COLUMNS
        if row[column]
    )
    assert sum(len(b.history) for b in bundles.values()) == expected


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


def test_sample_runs_work_on_a_read_only_store(tmp_path: Path, run_cli, monkeypatch) -> None:
    import json

    db = tmp_path / "ro.db"
    monkeypatch.setenv("SCREENER_DB", str(db))
    assert run_cli("screen", "--source", "sample", "--format", "json").status == 0
    first = db.stat().st_mtime_ns

    store = Store(db)
    before = store.db.execute("select count(*) from snapshots").fetchone()[0]
    store.close()
    rows = json.loads(run_cli("screen", "--source", "sample", "--format", "json").out)
    assert len(rows) == 63 and before == 63
    assert db.stat().st_mtime_ns == first  # nothing rewritten the second time


def test_a_write_to_a_read_only_store_is_a_clean_error(tmp_path: Path) -> None:
    from screener.errors import DataError

    store = Store(tmp_path / "s.db")
    store.db.conn.execute("PRAGMA query_only = ON")
    with pytest.raises(DataError, match="cannot write to the store"):
        store.set_meta("k", "v")
