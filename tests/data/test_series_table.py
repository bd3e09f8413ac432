"""The packed history series a screen reads are always the point rows they stand for.

Whoever writes `valuation_history` (a save, a hand-run SQL, an older screener), the
series read back equal the rows read point by point; a damaged or stale series is read
from its points; an older store gets its series built on open, and one opened
read-only is read point by point.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from screener.data import store as store_module
from screener.data.provider import FetchBundle, HistoryPoint
from screener.data.series_table import SERIES_TABLE, STALE, UNPACKABLE
from screener.data.store import Store
from screener.engine.history import HistoryPoints, long_frame
from screener.frame import history_frame_by_metric, own_past
from screener.run import load_history, load_points
from screener.series import MetricSeries, concat, from_points, pack, unpack

METRICS = ("pe_ttm", "pb", "ev_ebitda")


def _bundle(ticker: str, points: list[HistoryPoint], source: str = "yahoo") -> FetchBundle:
    return FetchBundle(
        ticker=ticker,
        source=source,
        as_of="2026-02-20",
        fetched_at="2026-02-21T00:00:00+00:00",
        currency="USD",
        metrics={"price": 10.0},
        history=tuple(points),
    )


def _quarters(n: int, start: int = 2016) -> list[str]:
    ends = ("03-31", "06-30", "09-30", "12-31")
    return [f"{start + q // 4}-{ends[q % 4]}" for q in range(n)]


def _by_rows(store: Store, source: str, metrics: tuple[str, ...]) -> pd.DataFrame:
    return history_frame_by_metric(store.history_by_metric(source, metrics))


def _by_series(store: Store, source: str, metrics: tuple[str, ...]) -> pd.DataFrame:
    series = store.history_series(source, metrics)
    assert series is not None
    return long_frame(series)


def _filled(store: Store, n: int = 6) -> None:
    for i in range(n):
        points = [
            HistoryPoint(metric, day, 10.0 + i + k * 0.5)
            for metric in METRICS[: 1 + i % 3]
            for k, day in enumerate(_quarters(8 + i))
        ]
        store.save_bundle(_bundle(f"T{i}", points))


def test_saved_series_read_back_as_their_rows(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        _filled(store)
        want = _by_rows(store, "yahoo", METRICS)
        assert len(want) > 60 and want["ticker"].nunique() == 6
        pd.testing.assert_frame_equal(_by_series(store, "yahoo", METRICS), want)
        stored = store.db.execute(f"select count(*) from {SERIES_TABLE}").fetchone()[0]
        assert stored == sum(1 + i % 3 for i in range(6))  # one row a series, not a point
        assert store.db.execute(f"select min(n) from {SERIES_TABLE}").fetchone()[0] > 0
        # A later save of new quarters and a changed one is packed again.
        store.save_bundle(
            _bundle("T0", [HistoryPoint("pe_ttm", "2016-03-31", 99.0)] + [
                HistoryPoint("pe_ttm", d, 1.0) for d in _quarters(2, 2030)
            ])
        )
        got = _by_series(store, "yahoo", ("pe_ttm",))
        pd.testing.assert_frame_equal(got, _by_rows(store, "yahoo", ("pe_ttm",)))
        mine = got[got["ticker"] == "T0"]
        assert mine["value"].iloc[0] == 99.0 and mine["date"].iloc[-1] == "2030-06-30"


def test_rows_written_behind_the_stores_back_are_read_from_their_points(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    with Store(path) as store:
        _filled(store)
    with sqlite3.connect(path) as conn:  # someone's SQL: an insert, an update, a delete
        conn.execute(
            "insert into valuation_history values ('T1', 'yahoo', 'pe_ttm', '2040-01-01', 5.5)"
        )
        conn.execute("update valuation_history set value = 77.0 where ticker = 'T2'")
        conn.execute("delete from valuation_history where ticker = 'T3' and metric = 'pe_ttm'")
        for verb in ("insert or abort", "insert or replace", "insert or ignore", "replace"):
            conn.execute(  # a statement's own conflict clause never fails the trigger
                f"{verb} into valuation_history values ('T5', 'yahoo', 'pe_ttm',"
                " '2041-01-01', 9.0)"
            )
        conn.execute(  # text where a number belongs, and a date holding the separator
            "insert into valuation_history values ('T4', 'yahoo', 'pb', '2040,01', 'N/A')"
        )
    conn.close()
    with Store(path, read_only=True) as store:
        marked = store.db.execute(f"select ticker, metric from {SERIES_TABLE} where n = {STALE}")
        assert sorted(marked.fetchall()) == [
            ("T1", "pe_ttm"),
            *(("T2", metric) for metric in sorted(METRICS)),
            ("T3", "pe_ttm"),
            ("T4", "pb"),
            ("T5", "pe_ttm"),
        ]
        got = _by_series(store, "yahoo", METRICS)
        pd.testing.assert_frame_equal(got, _by_rows(store, "yahoo", METRICS))
        assert 77.0 in set(got["value"]) and "2040-01-01" in set(got["date"])
        assert not ((got["ticker"] == "T3") & (got["metric"] == "pe_ttm")).any()
    with Store(path) as store:  # the next save settles every mark it can pack
        store.save_bundle(_bundle("T9", [HistoryPoint("pe_ttm", "2020-03-31", 1.0)]))
        left = store.db.execute(f"select source, metric, ticker, n from {SERIES_TABLE} where n < 0")
        # cannot be packed: read point by point (and T3's emptied pe_ttm has no row at all)
        assert left.fetchall() == [("yahoo", "pb", "T4", UNPACKABLE)]
        pd.testing.assert_frame_equal(
            _by_series(store, "yahoo", METRICS), _by_rows(store, "yahoo", METRICS)
        )


def test_points_moved_to_another_series_are_read_there(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store(path) as store:
        _filled(store)
    with sqlite3.connect(path) as conn:  # a rename, and points moved to another metric
        conn.execute("update valuation_history set ticker = 'NEW' where ticker = 'T0'")
        conn.execute(
            "update valuation_history set metric = 'ev_ebitda'"
            " where ticker = 'T1' and metric = 'pe_ttm'"
        )
    conn.close()
    with Store(path, read_only=True) as store:
        got = _by_series(store, "yahoo", METRICS)
        pd.testing.assert_frame_equal(got, _by_rows(store, "yahoo", METRICS))
        assert "NEW" in set(got["ticker"]) and "T0" not in set(got["ticker"])
        assert set(got.loc[got["ticker"] == "T1", "metric"]) == {"pb", "ev_ebitda"}


@pytest.mark.parametrize(
    "damage",
    [
        "vals = x'0001'",  # bytes that are no whole number of floats
        "n = 3",  # a count the dates do not have
        "dates = 'x'",
        "vals = 'text'",
        "n = null",
    ],
)
def test_a_damaged_series_row_is_read_from_its_points(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "s.db"
    with Store(path) as store:
        _filled(store)
    with sqlite3.connect(path) as conn:  # behind the triggers: only the packed row changes
        conn.execute(f"update {SERIES_TABLE} set {damage} where ticker = 'T2'")  # noqa: S608
    conn.close()
    with Store(path, read_only=True) as store:
        pd.testing.assert_frame_equal(
            _by_series(store, "yahoo", METRICS), _by_rows(store, "yahoo", METRICS)
        )


def test_an_older_store_gets_its_series_on_open_and_read_only_reads_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.db"
    with Store(path) as store:
        _filled(store)
        want = _by_rows(store, "yahoo", METRICS)
    with sqlite3.connect(path) as conn:  # the store as schema 3 left it
        triggers = conn.execute("select name from sqlite_master where type = 'trigger'")
        for (name,) in triggers.fetchall():
            conn.execute(f"drop trigger {name}")
        conn.execute(f"drop table {SERIES_TABLE}")
        conn.execute("pragma user_version = 3")
    conn.close()
    with monkeypatch.context() as mp:  # a file this process cannot write: read as it is
        mp.setattr(store_module, "_writable", lambda target: False)
        with Store(path, read_only=True) as store:
            assert store.history_series("yahoo", METRICS) is None
            chosen = {f"T{i}": "yahoo" for i in range(6)}
            as_of = dict.fromkeys(chosen, "2019-12-31")
            lean = load_points(store, chosen, frozenset(METRICS), as_of)
            assert lean.series is None  # the rows, cut as the series would be
            pd.testing.assert_frame_equal(
                lean.frame, own_past(load_history(store, chosen, frozenset(METRICS)), as_of)
            )
    with Store(path) as store:
        assert store.schema_version == store_module.SCHEMA_VERSION
        pd.testing.assert_frame_equal(_by_series(store, "yahoo", METRICS), want)


def test_a_screen_reads_each_companys_chosen_source_cut_at_its_as_of(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        _filled(store)
        store.save_bundle(  # a second source's history for two of the companies
            _bundle("T1", [HistoryPoint("pe_ttm", d, 3.0) for d in _quarters(6)], "eastmoney")
        )
        store.save_bundle(
            _bundle("T7", [HistoryPoint("pb", d, 4.0) for d in _quarters(5)], "eastmoney")
        )
        chosen = {**{f"T{i}": "yahoo" for i in range(6)}, "T1": "eastmoney", "T7": "eastmoney"}
        as_of = {"T0": "2017-06-30", "T1": "2016-12-31", "T2": None, "T4": "no date"}
        as_of["T7"] = "2016-09-30"
        metrics = frozenset(METRICS)
        lean = load_points(store, chosen, metrics, as_of)
        rows = HistoryPoints(own_past(load_history(store, chosen, metrics), as_of))
        # One metric for everyone, every metric of two companies (explain's read).
        few = load_points(store, chosen, frozenset({"pe_ttm"}), as_of, ["T1", "T2", "NONE"])
        every = rows.frame
        want = every[(every["metric"] == "pe_ttm") | every["ticker"].isin(["T1", "T2"])]
        assert few.series is not None and {"T1", "T2"} < set(want["ticker"])
        pd.testing.assert_frame_equal(few.frame, _ordered(want))
    assert lean.series is not None
    # The row read lists one source after the other; the same points either way.
    pd.testing.assert_frame_equal(lean.frame, _ordered(rows.frame))
    index = pd.Index([*chosen, "ABSENT"])
    for metric in METRICS:
        got, want = lean.points(metric, index), rows.points(metric, index)
        assert len(got[0]) > 0
        for a, b in zip(_pairs(*got), _pairs(*want), strict=True):
            np.testing.assert_array_equal(a, b)
    t1 = lean.frame[lean.frame["ticker"] == "T1"]
    assert set(t1["value"]) == {3.0} and t1["date"].max() <= "2016-12-31"


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["ticker", "metric", "date"], kind="stable").reset_index(drop=True)


def _pairs(rows: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((values, rows))
    return rows[order], values[order]


# -- the packed form itself -------------------------------------------------------------

DATES = st.sampled_from(_quarters(12) + ["2019-05", "2021-11", "not a date", "2020-02-29"])
POINTS = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "600000.SS"]),
        DATES,
        st.floats(allow_nan=True, allow_infinity=True, width=64),
    ),
    max_size=40,
)


@given(POINTS)
def test_packed_series_round_trip_the_points(points: list[tuple[str, str, float]]) -> None:
    ordered = sorted({(t, d): v for t, d, v in points}.items())
    rows = []
    for ticker in dict.fromkeys(t for (t, _), _ in ordered):
        mine = [(d, v) for (t, d), v in ordered if t == ticker]
        packed = pack([d for d, _ in mine], [v for _, v in mine])
        if all(np.isfinite(v) for _, v in mine):
            assert packed is not None
            rows.append((ticker, *packed))
        else:
            assert packed is None  # a non-finite value is not packed: read point by point
    series, damaged = unpack(rows)
    assert damaged == []
    want = from_points([(t, d, v) for (t, d), v in ordered if t in {r[0] for r in rows}])
    pd.testing.assert_frame_equal(long_frame({"pe_ttm": series}), long_frame({"pe_ttm": want}))


@given(POINTS, POINTS)
def test_joined_sources_are_one_series_by_ticker(
    first: list[tuple[str, str, float]], second: list[tuple[str, str, float]]
) -> None:
    a = from_points(sorted((t, d, v) for t, d, v in first if t in ("A", "C")))
    b = from_points(sorted((t, d, v) for t, d, v in second if t in ("B", "600000.SS")))
    joined = concat([b, a])
    assert list(joined.tickers) == sorted(joined.tickers)
    frame = long_frame({"m": joined})
    parts = [f for f in (long_frame({"m": a}), long_frame({"m": b})) if len(f)]
    if not parts:
        assert frame.empty and joined.tickers == ()
        return
    want = pd.concat(parts, ignore_index=True).sort_values("ticker", kind="stable")
    want = want.reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, want)


def test_keep_and_only_drop_points_and_emptied_companies() -> None:
    series = from_points(
        [("A", "2020-03-31", 1.0), ("A", "2020-06-30", 2.0), ("B", "2020-03-31", 3.0)]
    )
    assert isinstance(series, MetricSeries) and len(series) == 3
    cut = series.keep(np.array([True, False, False]))
    assert cut.tickers == ("A",) and list(cut.values) == [1.0] and list(cut.counts) == [1]
    assert series.only(["B"]).tickers == ("B",) and list(series.only(["B"]).values) == [3.0]
    assert series.only(["A", "B"]) is series
    assert date.fromisoformat(series.dates[series.date_codes[1]]) == date(2020, 6, 30)
