"""The store's compact history: one row per (source, metric, ticker) series beside the
point rows of `valuation_history`, kept true by SQLite itself.

`valuation_history` stays the record (one row per point: what the backtest, explain and
every write use). `history_series` holds the same points packed (`series.pack`), so a
screen of thousands of companies reads a few thousand rows, not half a million.
Triggers on `valuation_history` mark every series a write touches (its count set to
`STALE`), whoever writes: this screener, an older one, a hand-run SQL. The store
repacks the marked series at the end of its own write transactions (`settle`), and a
reader takes a marked or damaged series from the point rows instead. So a series is
never read out of date. Plain sqlite3 over the store's connection; the store owns it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from screener.series import MetricSeries, concat, from_points, pack, unpack

SERIES_TABLE = "history_series"
#: the count of a series whose points changed since it was packed
STALE = -1
#: the count of one that cannot be packed faithfully (text where a number belongs, a
#: date holding the separator): read from its points until a write marks it again
UNPACKABLE = -2

_KEY = "source = {row}.source and metric = {row}.metric and ticker = {row}.ticker"


def _mark(row: str) -> str:
    """Mark the series of `row` (old or new) stale: one probe, a write only the first time
    (the triggers run for every point a save upserts, so they must cost next to nothing)."""
    return f"update {SERIES_TABLE} set n = {STALE} where {_KEY.format(row=row)} and n <> {STALE};"


def _add(row: str) -> str:
    """Mark the series of `row`, adding its row if it has none yet (its first point): one
    statement, one probe. An upsert, not `insert or ignore`: a statement's own conflict
    clause (`insert or abort into valuation_history ...` by hand, or an upsert's DO
    UPDATE) overrides a trigger's `or ignore`, never an upsert's."""
    return (
        f"insert into {SERIES_TABLE} (source, metric, ticker, n)"
        f" values ({row}.source, {row}.metric, {row}.ticker, {STALE})"
        f" on conflict (source, metric, ticker) do update set n = {STALE} where n <> {STALE};"
    )


#: the triggers that mark a touched series: name -> its SQL
TRIGGERS: dict[str, str] = {
    f"{SERIES_TABLE}_on_insert": (
        f"create trigger if not exists {SERIES_TABLE}_on_insert after insert on"
        f" valuation_history begin {_add('new')} end"
    ),
    # an upsert that writes a point as it was (a refresh's overlap) marks nothing
    f"{SERIES_TABLE}_on_update": (
        f"create trigger if not exists {SERIES_TABLE}_on_update after update on"
        " valuation_history when old.source is not new.source or old.metric is not"
        " new.metric or old.ticker is not new.ticker or old.date is not new.date"
        f" or old.value is not new.value begin {_mark('old')} {_mark('new')} end"
    ),
    f"{SERIES_TABLE}_on_move": (  # an update that moves points to another series
        f"create trigger if not exists {SERIES_TABLE}_on_move after update of source, metric,"
        " ticker on valuation_history when old.source is not new.source or old.metric is not"
        f" new.metric or old.ticker is not new.ticker begin {_add('new')} end"
    ),
    f"{SERIES_TABLE}_on_delete": (
        f"create trigger if not exists {SERIES_TABLE}_on_delete after delete on"
        f" valuation_history begin {_mark('old')} end"
    ),
}
#: SQLite's limit on bound parameters is 999 in old builds: ask for tickers in chunks
_CHUNK = 500


def missing_triggers(conn: sqlite3.Connection) -> bool:
    """True when a trigger that keeps the series true is not in the file."""
    return lacks_triggers(conn, TRIGGERS)


def lacks_triggers(conn: sqlite3.Connection, names: Iterable[str]) -> bool:
    """True when one of the triggers `names` is not in the file (for both packed tables)."""
    present = {
        str(r[0]) for r in conn.execute("select name from sqlite_master where type = 'trigger'")
    }
    return not set(names) <= present


def install(conn: sqlite3.Connection, *, mark_all: bool) -> None:
    """Create the triggers; with `mark_all` (a store whose series were never packed, or
    kept without the triggers) mark every stored series, for `settle` to pack.
    Runs inside the caller's transaction."""
    for name, sql in TRIGGERS.items():
        if mark_all:  # whatever a trigger of that name did before, it does this now
            conn.execute(f"drop trigger if exists {name}")
        conn.execute(sql)
    if mark_all:
        conn.execute(f"delete from {SERIES_TABLE}")
        conn.execute(
            f"insert into {SERIES_TABLE} (source, metric, ticker, n)"  # noqa: S608
            f" select distinct source, metric, ticker, {STALE} from valuation_history"
        )


def settle(conn: sqlite3.Connection) -> int:
    """Pack every marked series again from its points (inside the caller's transaction);
    returns how many were packed.

    A series left without points is dropped; one that cannot be packed faithfully is
    marked UNPACKABLE and read point by point.
    """
    marked = conn.execute(
        f"select source, metric, ticker from {SERIES_TABLE} where n = {STALE}"  # noqa: S608
    ).fetchall()
    packed_count = 0
    for source, metric, ticker in marked:
        key = [source, metric, ticker]
        points = conn.execute(
            "select date, value from valuation_history"
            " where ticker = ? and source = ? and metric = ? order by date",
            [ticker, source, metric],
        ).fetchall()
        if not points:
            conn.execute(
                f"delete from {SERIES_TABLE} where source = ? and metric = ? and ticker = ?",  # noqa: S608
                key,
            )
            continue
        dates, values = zip(*points, strict=True)
        packed = pack(dates, values)
        conn.execute(
            f"update {SERIES_TABLE} set n = ?, dates = ?, vals = ?"  # noqa: S608
            " where source = ? and metric = ? and ticker = ?",
            [*(packed or (UNPACKABLE, None, None)), *key],
        )
        packed_count += packed is not None
    return packed_count


def read(
    conn: sqlite3.Connection, source: str, metrics: Iterable[str]
) -> dict[str, MetricSeries] | None:
    """metric -> every company's series of one source, by ticker; None when the file
    has no packed series (an older store opened read-only: the caller reads the points).

    A series marked since it was packed, or whose row does not decode, is taken from its
    points, all in one read transaction.
    """
    tables = {str(r[0]) for r in conn.execute("select name from sqlite_master")}
    if SERIES_TABLE not in tables or missing_triggers(conn):
        return None
    out: dict[str, MetricSeries] = {}
    with read_snapshot(conn):
        for metric in sorted(set(metrics)):
            rows = conn.execute(
                f"select ticker, n, dates, vals from {SERIES_TABLE}"  # noqa: S608
                " where source = ? and metric = ? order by ticker",
                [source, metric],
            ).fetchall()
            series, damaged = unpack(rows)
            if damaged:
                points = from_points(_points(conn, source, metric, damaged))
                series = concat([series, points])
            out[metric] = series
    return out


def _points(
    conn: sqlite3.Connection, source: str, metric: str, tickers: list[str]
) -> Iterator[tuple[str, str, float]]:
    """(ticker, date, value) of some companies' points of one metric, by ticker and date."""
    for start in range(0, len(tickers), _CHUNK):
        chunk = tickers[start : start + _CHUNK]
        marks = ",".join("?" for _ in chunk)
        yield from conn.execute(
            "select ticker, date, value from valuation_history"  # noqa: S608
            f" where source = ? and metric = ? and ticker in ({marks}) order by ticker, date",
            [source, metric, *chunk],
        )


@contextmanager
def read_snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction around several queries (all see the same commit), unless the
    caller is already inside one."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
