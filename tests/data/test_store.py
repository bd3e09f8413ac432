"""The store's own contract: a context manager, one schema with a version and an identity."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from screener.data import store as store_module
from screener.data.provider import FetchBundle, FxRate, HistoryPoint
from screener.data.store import APPLICATION, SCHEMA_VERSION, TABLES, Store, store_layout

OLD_SCHEMA = Path(__file__).with_name("store_v0.sql")


def _old_store(path: Path) -> None:
    """A store as screener made it before issue 9: its tables, no identity, no version."""
    conn = sqlite3.connect(path)
    conn.executescript(OLD_SCHEMA.read_text(encoding="utf-8"))
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("insert into meta values ('sample_fingerprint', 'abc')")
    conn.execute("insert into companies (ticker, name_en) values ('LITE', 'Lumentum')")
    conn.commit()
    conn.close()


def _tables(path: Path) -> dict[str, set[str]]:
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        return {n: {r[1] for r in conn.execute(f"pragma table_info('{n}')")} for n in names}
    finally:
        conn.close()


def _open_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on the store opens every file read-only, as on a read-only mount.

    (Tests may run as root, where file permissions would not stop a write.)
    """
    real = sqlite3.connect

    def connect(database: str, **kwargs: object) -> sqlite3.Connection:
        return real(f"file:{database}?mode=ro", uri=True, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module.sqlite3, "connect", connect)


def test_the_context_manager_closes_the_store(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        assert store.has_snapshots() is False
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        store.db.execute("select 1")


def test_the_context_manager_closes_on_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), Store(tmp_path / "s.db") as store:
        raise RuntimeError("boom")
    with pytest.raises(sqlite3.ProgrammingError):
        store.db.execute("select 1")


def test_a_new_store_has_the_whole_schema_a_version_and_an_identity(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        assert store.application == APPLICATION == "screener"
        assert store.schema_version == SCHEMA_VERSION >= 1
        assert store.layout == "screener"
    tables = _tables(tmp_path / "s.db")
    for table in TABLES:  # meta and the watchlist tables too, before any watchlist is saved
        assert set(table.columns) == tables[table.name], table.name


def test_an_old_layout_store_opens_and_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_store(path)
    with sqlite3.connect(path) as conn:
        conn.execute("alter table watchlist_runs drop column filters")  # older still
    with Store(path) as store:
        assert store.application == "screener" and store.schema_version == SCHEMA_VERSION
        assert store.get_meta("sample_fingerprint") == "abc"  # what it held is kept
        assert [c["ticker"] for c in store.companies()] == ["LITE"]
        assert store.watchlist_runs() == []
    assert "filters" in _tables(path)["watchlist_runs"]


def test_a_version_1_store_gets_the_adjusted_close_column(tmp_path: Path) -> None:
    from screener.data.provider import PriceBar

    path = tmp_path / "v1.db"
    with Store(path) as store:
        store.save_bundle(
            FetchBundle(
                ticker="MSFT",
                source="yahoo",
                as_of="2021-02-01",
                fetched_at="x",
                currency="USD",
                prices=(PriceBar("2021-02-01", None, None, None, 239.65),),
            )
        )
    with sqlite3.connect(path) as conn:  # the store as issue 9 left it: no adj_close
        conn.execute("alter table prices drop column adj_close")
        conn.execute("pragma user_version = 1")
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        assert store.prices("MSFT")[0]["close"] == 239.65
        assert store.prices("MSFT")[0]["adj_close"] is None  # never known for old rows
        bar = PriceBar("2021-02-02", None, None, None, 239.51, adj_close=231.05)
        store.save_bundle(
            FetchBundle(
                ticker="MSFT",
                source="yahoo",
                as_of="2021-02-02",
                fetched_at="y",
                currency="USD",
                prices=(bar,),
            )
        )
        assert [(r["close"], r["adj_close"]) for r in store.prices("MSFT")] == [
            (239.65, None),
            (239.51, 231.05),
        ]


def test_a_current_store_is_only_read_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    Store(path).close()
    before = path.stat().st_mtime_ns
    with Store(path) as store:
        assert store.db.conn.total_changes == 0
    assert path.stat().st_mtime_ns == before


def test_a_read_only_old_store_still_reads(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "old.db"
    _old_store(path)
    with sqlite3.connect(path) as conn:
        conn.execute("drop table watchlist_rows")  # made before watchlists existed
        conn.execute("drop table watchlist_runs")
    _open_read_only(monkeypatch)
    with Store(path) as store:
        assert store.application is None and store.schema_version == 0  # nothing written
        assert store.layout == "legacy"
        assert store.get_meta("sample_fingerprint") == "abc"
        assert [c["ticker"] for c in store.companies()] == ["LITE"]
        assert store.watchlist_runs() == [] and store.watchlist_rows(1) == []


def test_a_read_only_current_store_reads_and_refuses_writes(tmp_path: Path, monkeypatch) -> None:
    from screener.data.provider import FetchBundle
    from screener.errors import DataError

    path = tmp_path / "s.db"
    bundle = FetchBundle(
        ticker="LITE", source="yahoo", as_of="2026-01-02", fetched_at="x", currency="USD"
    )
    with Store(path) as store:
        store.save_bundle(bundle)
    _open_read_only(monkeypatch)
    with Store(path) as store:
        assert [s["ticker"] for s in store.latest_snapshots("yahoo")] == ["LITE"]
        with pytest.raises(DataError, match="cannot write to the store"):
            store.set_meta("k", "v")


def test_a_new_store_cannot_be_made_read_only(tmp_path: Path, monkeypatch) -> None:
    from screener.errors import DataError

    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()  # an empty file: nothing to read
    _open_read_only(monkeypatch)
    with pytest.raises(DataError, match="empty.db: cannot .* readonly database"):
        Store(path)


@pytest.mark.parametrize(
    ("tables", "application", "layout"),
    [
        ([], None, "new"),
        (["sqlite_sequence"], None, "new"),
        (["companies", "snapshots"], None, "legacy"),
        (["companies", "snapshots", "meta"], "screener", "screener"),
        (["invoices"], None, "foreign"),
        (["invoices", "companies"], None, "foreign"),
        (["companies"], "someone-else", "foreign"),
    ],
)
def test_store_layout(tables: list[str], application: str | None, layout: str) -> None:
    assert store_layout(tables, application) == layout


def test_a_foreign_file_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    from screener.errors import DataError

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table invoices (id integer primary key)")
    conn.close()
    before = path.read_bytes()
    for _ in range(2):
        with pytest.raises(DataError, match="other.db: not a screener store .*invoices"):
            Store(path)
    assert path.read_bytes() == before  # no tables, no identity, no WAL switch
    assert not Path(f"{path}-wal").exists()


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


def test_vintages_are_saved_with_the_snapshot(tmp_path: Path) -> None:
    from screener.data.provider import Vintage
    from screener.vintages import parse_vintages

    growth = Vintage("2024-09-30", "statement", "TTM to 2024-09")
    with Store(tmp_path / "s.db") as store:
        store.save_bundle(
            FetchBundle(
                ticker="LITE",
                source="sample",
                as_of="2026-02-20",
                fetched_at="x",
                currency="USD",
                metrics={"revenue_growth": -0.1263, "pb": float("nan")},
                vintages={"revenue_growth": growth, "pb": Vintage("2026-02-20", "quote")},
            )
        )
        (row,) = store.latest_snapshots("sample")
    # only figures that are stored keep a vintage (pb is NaN: not stored)
    assert parse_vintages(row["vintages"]) == {"revenue_growth": growth}


def test_a_version_1_store_gets_the_vintages_column(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    with Store(path) as store:
        store.save_bundle(
            FetchBundle(
                ticker="LITE", source="sample", as_of="2026-02-20", fetched_at="x",
                currency="USD", metrics={"pb": 1.0},
            )
        )
    with sqlite3.connect(path) as conn:
        conn.execute("alter table snapshots drop column vintages")
        conn.execute("PRAGMA user_version = 1")
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        (row,) = store.latest_snapshots("sample")
        assert row["vintages"] is None and row["pb"] == 1.0  # old rows: every figure of as_of
    assert "vintages" in _tables(path)["snapshots"]
