"""The packed recent closes a screen reads are always the bar rows they stand for.

Whoever writes `prices` (a save, an incremental save, a full replace, a hand-run SQL),
`Store.recent_closes` equals the row-by-row read it replaced (`_by_rows`, kept here
verbatim as the reference); a marked, damaged or missing packed row, or one that does
not reach back to `since`, is read from the bars; an older store gets its rows packed
on open, and one opened read-only is read from the bars.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.data import closes_table
from screener.data import store as store_module
from screener.data.closes_table import CLOSES_TABLE, STALE, UNPACKABLE, WINDOW_DAYS
from screener.data.provider import FetchBundle, PriceBar
from screener.data.store import Store

END = date(2026, 2, 20)
#: cuts around the packed window: a year back (a screen's), its edge, before it, after
#: the newest bar, and text that is no ISO day
SINCES = [
    (END - timedelta(days=365)).isoformat(),
    (END - timedelta(days=WINDOW_DAYS)).isoformat(),
    (END - timedelta(days=WINDOW_DAYS + 1)).isoformat(),
    (END - timedelta(days=900)).isoformat(),
    "2000-01-01",
    END.isoformat(),
    "2030-01-01",
    "2025-6-1",
    "",
]


def _by_rows(
    store: Store, since: str, tickers: Iterable[str] | None = None
) -> dict[str, list[float]]:
    """The read `recent_closes` made before the packed rows: one row a bar."""
    sql = "select ticker, close from prices where date >= ? and close is not null"
    if tickers is None:
        chunks: list[list[str]] = [[]]
    else:
        wanted = sorted(set(tickers))
        chunks = [wanted[i : i + 500] for i in range(0, len(wanted), 500)]
    out: dict[str, list[float]] = {}
    for chunk in chunks:
        where = f" and ticker in ({','.join('?' for _ in chunk)})" if chunk else ""
        for ticker, close in store.db.execute(
            sql + where + " order by ticker, date", [since, *chunk]
        ):
            out.setdefault(ticker, []).append(float(close))
    return out


def _assert_same(store: Store, sinces: Iterable[str] = SINCES) -> None:
    """Every cut, for every company and for some, equals the row read, in order too (or
    fails as it fails: a text close)."""
    everyone = [r[0] for r in store.db.execute("select distinct ticker from prices")]
    subsets = [None, [], everyone, everyone[::2], ["ABSENT", *everyone[:1]]]
    for since in sinces:
        for tickers in subsets:
            try:
                want = _by_rows(store, since, tickers)
            except ValueError:
                with pytest.raises(ValueError):
                    store.recent_closes(since, tickers)
                continue
            got = store.recent_closes(since, tickers)
            assert list(got.items()) == list(want.items()), (since, tickers)


def _bars(days: int, end: date = END, base: float = 10.0, step: int = 1) -> tuple[PriceBar, ...]:
    """Daily bars (weekdays only) over the `days` up to `end`."""
    bars = []
    for k in range(0, days, step):
        day = end - timedelta(days=days - 1 - k)
        if day.weekday() < 5:
            close = base + (k % 17) * 0.25 + k / 1000
            bars.append(PriceBar(day.isoformat(), close, close + 1, close - 1, close, 1e6))
    return tuple(bars)


def _bundle(ticker: str, bars: tuple[PriceBar, ...]) -> FetchBundle:
    return FetchBundle(
        ticker=ticker,
        source="yahoo",
        as_of=END.isoformat(),
        fetched_at="2026-02-21T00:00:00+00:00",
        currency="USD",
        metrics={"price": 10.0},
        prices=bars,
    )


def _filled(store: Store) -> None:
    """Companies with ten years, two years, a year, a month of bars, one ending early."""
    store.save_bundle(_bundle("LONG", _bars(3650)))
    store.save_bundle(_bundle("TWO", _bars(730, base=20.0)))
    store.save_bundle(_bundle("YEAR", _bars(365, base=30.0)))
    store.save_bundle(_bundle("NEW", _bars(30, base=40.0)))
    store.save_bundle(_bundle("OLD", _bars(500, end=END - timedelta(days=300), base=50.0)))


def _packed(store: Store) -> dict[str, tuple[int, int]]:
    rows = store.db.execute(f"select ticker, n, start from {CLOSES_TABLE}")
    return {t: (n, start) for t, n, start in rows.fetchall()}


def test_saved_closes_read_back_as_their_rows(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        _filled(store)
        packed = _packed(store)
        assert set(packed) == {"LONG", "TWO", "YEAR", "NEW", "OLD"}
        cut = (END - timedelta(days=WINDOW_DAYS)).toordinal()
        # a row holds the last WINDOW_DAYS only; a company with fewer holds them all (0)
        assert packed["LONG"] == (len([b for b in _bars(3650) if b.date >= _iso(cut)]), cut)
        assert packed["YEAR"] == (len(_bars(365)), 0) and packed["NEW"][1] == 0
        last = date.fromisoformat(_bars(500, end=END - timedelta(days=300))[-1].date)
        assert packed["OLD"][1] == last.toordinal() - WINDOW_DAYS  # from its own newest bar
        _assert_same(store)
        year = store.recent_closes(SINCES[0])
        assert year["LONG"] == [b.close for b in _bars(3650) if b.date >= SINCES[0]]
        assert "OLD" not in store.recent_closes("2025-10-01")


def _iso(day: int) -> str:
    return date.fromordinal(day).isoformat()


def test_incremental_saves_and_replaced_prices_are_packed_again(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        _filled(store)
        later = END + timedelta(days=40)
        # new days, an overlap rewritten as it was and one overlap close changed
        fresh = [b for b in _bars(60, end=later, base=10.0) if b.date > END.isoformat()]
        overlap = [b for b in _bars(3650) if b.date > (END - timedelta(days=5)).isoformat()]
        changed = PriceBar(overlap[0].date, 1, 2, 0.5, 99.0, 5.0)
        store.save_bundle(_bundle("LONG", (changed, *overlap[1:], *fresh)))
        assert store.db.execute(f"select min(n) from {CLOSES_TABLE}").fetchone()[0] >= 0
        _assert_same(store, [*SINCES, (later - timedelta(days=365)).isoformat()])
        assert 99.0 in store.recent_closes(SINCES[0])["LONG"]
        start = _packed(store)["LONG"][1]
        assert start == (later - timedelta(days=WINDOW_DAYS)).toordinal()
        # a full-depth fetch replaces the bars whole: fewer, other closes
        store.save_bundle(_bundle("TWO", _bars(90, base=7.0)), replace_prices=True)
        _assert_same(store)
        assert store.recent_closes("2000-01-01", ["TWO"])["TWO"] == [
            b.close for b in _bars(90, base=7.0)
        ]
        assert _packed(store)["TWO"] == (len(_bars(90)), 0)


def test_an_unchanged_bar_rewritten_marks_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store(path) as store:
        _filled(store)
    with sqlite3.connect(path) as conn:
        conn.execute("update prices set volume = 1, open = 2 where ticker = 'LONG'")
        conn.execute("update prices set close = close where ticker = 'TWO'")
        assert conn.execute(f"select count(*) from {CLOSES_TABLE} where n < 0").fetchone() == (0,)
        conn.execute("update prices set close = close + 1 where ticker = 'YEAR'")
        stale = conn.execute(f"select ticker from {CLOSES_TABLE} where n = {STALE}").fetchall()
        assert stale == [("YEAR",)]
    conn.close()


def test_bars_written_behind_the_stores_back_are_read_from_their_rows(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store(path) as store:
        _filled(store)
    with sqlite3.connect(path) as conn:  # someone's SQL, under every conflict clause
        day = (END - timedelta(days=3)).isoformat()
        conn.execute("insert into prices (ticker, date, close) values ('NEW', '2026-02-21', 41.5)")
        conn.execute("insert into prices (ticker, date, close) values ('HAND', ?, 3.0)", [day])
        conn.execute(
            "insert or abort into prices (ticker, date, close) values ('YEAR', '2026-02-22', 1.0)"
        )
        conn.execute(
            "insert or replace into prices (ticker, date, close) values ('YEAR', ?, 2.0)", [day]
        )
        conn.execute(
            "insert or ignore into prices (ticker, date, close) values ('TWO', ?, 2.0)", [day]
        )
        conn.execute(
            "insert into prices (ticker, date, close) values ('LONG', ?, 5.0)"
            " on conflict (ticker, date) do update set close = excluded.close",
            [day],
        )
        conn.execute("update prices set close = 77.0 where ticker = 'OLD' and date > '2025-04-01'")
        conn.execute("delete from prices where ticker = 'LONG' and date > '2025-12-01'")
        conn.execute("delete from prices where ticker = 'TWO'")
    conn.close()
    with Store(path, read_only=True) as store:
        marked = store.db.execute(f"select ticker from {CLOSES_TABLE} where n = {STALE}")
        assert sorted(marked.fetchall()) == [
            ("HAND",),
            ("LONG",),
            ("NEW",),
            ("OLD",),
            ("TWO",),
            ("YEAR",),
        ]
        _assert_same(store)
        got = store.recent_closes(SINCES[0])
        assert got["HAND"] == [3.0] and "TWO" not in got and got["NEW"][-1] == 41.5
    with sqlite3.connect(path) as conn:  # text where a close belongs, a date no ISO day
        conn.execute(
            "insert into prices (ticker, date, close) values ('TEXT', '2026-01-05', 'N/A')"
        )
        conn.execute("insert into prices (ticker, date, close) values ('ODD', '2026/01/05', 4.0)")
        conn.execute("insert into prices (ticker, date, close) values ('ODD', '2026-01-06', 5.0)")
        conn.execute("insert into prices (ticker, date, close) values ('NONE', '2026-01-06', null)")
        conn.execute("insert into prices (ticker, date, close) values ('INF', '2026-01-06', 9e999)")
    conn.close()
    with Store(path) as store:  # the next save settles every mark it can pack
        store.save_bundle(_bundle("NINE", _bars(20)))
        left = store.db.execute(f"select ticker, n from {CLOSES_TABLE} where n < 0 order by 1")
        assert left.fetchall() == [("INF", UNPACKABLE), ("ODD", UNPACKABLE), ("TEXT", UNPACKABLE)]
        assert "TWO" not in _packed(store) and _packed(store)["NONE"] == (0, 0)
        _assert_same(store)
        with pytest.raises(ValueError):  # a text close fails as the row read fails
            store.recent_closes("2000-01-01")
        assert store.recent_closes("2025-01-01", ["INF"]) == {"INF": [float("inf")]}


def test_bars_moved_to_another_company_are_read_there(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store(path) as store:
        _filled(store)
    with sqlite3.connect(path) as conn:  # a rename, and some bars moved to another company
        conn.execute("update prices set ticker = 'RENAMED' where ticker = 'YEAR'")
        conn.execute(
            "update or rollback prices set ticker = 'NEW'"
            " where ticker = 'TWO' and date < '2025-06-01'"
        )
    conn.close()
    with Store(path, read_only=True) as store:
        _assert_same(store)
        got = store.recent_closes("2000-01-01")
        assert "YEAR" not in got and len(got["RENAMED"]) == len(_bars(365))
    with Store(path) as store:
        store.save_bundle(_bundle("NINE", _bars(20)))
        assert "YEAR" not in _packed(store) and min(_packed(store).values())[0] >= 0
        _assert_same(store)


@pytest.mark.parametrize(
    "damage",
    [
        "vals = x'0001'",  # bytes that are no whole number of floats
        "days = x'00'",
        "n = 3",  # a count the bytes do not have
        "n = null",
        "start = 'x'",
        "start = null",
        "vals = 'text'",
        "days = null",
    ],
)
def test_a_damaged_packed_row_is_read_from_its_bars(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "s.db"
    with Store(path) as store:
        _filled(store)
    with sqlite3.connect(path) as conn:  # behind the triggers: only the packed row changes
        conn.execute(f"update {CLOSES_TABLE} set {damage} where ticker = 'LONG'")  # noqa: S608
    conn.close()
    with Store(path, read_only=True) as store:
        _assert_same(store)
        assert store.recent_closes(SINCES[0])["LONG"] == [
            b.close for b in _bars(3650) if b.date >= SINCES[0]
        ]


def test_a_packed_row_deleted_by_hand_comes_back_marked(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store(path) as store:
        _filled(store)
    with sqlite3.connect(path) as conn:
        conn.execute(f"delete from {CLOSES_TABLE} where ticker in ('LONG', 'NEW')")  # noqa: S608
        stale = conn.execute(f"select ticker from {CLOSES_TABLE} where n = {STALE} order by 1")
        assert stale.fetchall() == [("LONG",), ("NEW",)]
        conn.execute(f"delete from {CLOSES_TABLE}")  # noqa: S608
        assert conn.execute(f"select count(*) from {CLOSES_TABLE}").fetchone() == (5,)
    conn.close()
    with Store(path, read_only=True) as store:
        _assert_same(store)


def test_a_since_before_the_packed_start_reads_the_older_bars(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        _filled(store)
        since = (END - timedelta(days=2000)).isoformat()
        got = store.recent_closes(since)
        assert got["LONG"] == [b.close for b in _bars(3650) if b.date >= since]
        assert len(got["LONG"]) > _packed(store)["LONG"][0]
        assert list(got.items()) == list(_by_rows(store, since).items())


def test_an_older_store_gets_its_rows_on_open_and_read_only_reads_bars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.db"
    with Store(path) as store:
        _filled(store)
        packed = _packed(store)
    with sqlite3.connect(path) as conn:  # the store as the main before this table left it
        for name in closes_table.TRIGGERS:
            conn.execute(f"drop trigger {name}")
        conn.execute(f"drop table {CLOSES_TABLE}")
    conn.close()
    with monkeypatch.context() as mp:  # a file this process cannot write: read as it is
        mp.setattr(store_module, "_writable", lambda target: False)
        with Store(path, read_only=True) as store:
            assert closes_table.read(store.db.conn, SINCES[0]) is None
            assert not store._has_table(CLOSES_TABLE)
            _assert_same(store)
    with Store(path, read_only=True) as store:  # one this process can write: packed on open
        assert _packed(store) == packed
        _assert_same(store)
    with sqlite3.connect(path) as conn:  # a trigger lost: every row packed again on open
        conn.execute(f"drop trigger {CLOSES_TABLE}_on_update")
        conn.execute(f"update {CLOSES_TABLE} set n = 1")
    conn.close()
    with Store(path) as store:
        assert not closes_table.missing_triggers(store.db.conn)
        assert _packed(store) == packed
        _assert_same(store)


def test_a_screen_reads_the_packed_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(tmp_path / "s.db") as store:
        _filled(store)
        want = _by_rows(store, SINCES[0])
        read = []
        monkeypatch.setattr(closes_table, "bars", lambda *a: read.append(a) or iter(()))
        assert store.recent_closes(SINCES[0]) == want
        assert read == []  # not a bar row stepped


# -- against the row read, on any bars --------------------------------------------------

BARS = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "600000.SS"]),
        st.integers(min_value=0, max_value=900),  # days before END
        st.one_of(
            st.floats(min_value=0.01, max_value=1e6),
            st.none(),
            st.just(float("inf")),
        ),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(BARS, BARS, st.integers(min_value=-30, max_value=950))
def test_packed_closes_equal_the_rows_on_any_bars(
    first: list[tuple[str, int, float | None]],
    second: list[tuple[str, int, float | None]],
    back: int,
) -> None:
    with Store(":memory:") as store:
        for batch in (first, second):  # a second write over the first, as a refresh does
            with store.transaction() as db:
                db.conn.executemany(
                    "insert into prices (ticker, date, close) values (?, ?, ?)"
                    " on conflict (ticker, date) do update set close = excluded.close",
                    [(t, (END - timedelta(days=d)).isoformat(), c) for t, d, c in batch],
                )
                closes_table.settle(db.conn)
        since = (END - timedelta(days=back)).isoformat()
        for tickers in (None, ["A", "600000.SS"], ["Z"]):
            assert list(store.recent_closes(since, tickers).items()) == list(
                _by_rows(store, since, tickers).items()
            )
