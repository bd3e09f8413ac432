"""The store's compact history: one row per (source, metric, ticker) series beside the
point rows of `valuation_history`, kept true by SQLite itself.

`valuation_history` stays the record (one row per point: what the backtest, explain and
every write use). `history_series` holds the same points packed (`series.pack`), so a
screen of thousands of companies reads a few thousand rows, not half a million.
Triggers on `valuation_history` mark every (source, metric, ticker) a write touches in
`history_stale`, whoever writes (this screener, an older one, a hand-run SQL); the store
rebuilds the marked series at the end of its own write transactions (`settle`), and a
reader takes a marked or damaged series from the point rows instead. So a series is
never read out of date. Plain sqlite3 over the store's connection; the store owns it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import groupby

from screener.series import MetricSeries, concat, from_points, pack, unpack

SERIES_TABLE = "history_series"
STALE_TABLE = "history_stale"
#: the triggers that mark a touched series stale: name -> its SQL. Not `insert or
#: ignore`: inside an upsert's DO UPDATE, SQLite applies the outer statement's conflict
#: policy to the trigger's statements, and a second mark would fail the write.
TRIGGERS: dict[str, str] = {
    f"{SERIES_TABLE}_on_{event}": (
        f"create trigger if not exists {SERIES_TABLE}_on_{event} after {event}"
        " on valuation_history begin "
        + " ".join(
            f"insert into {STALE_TABLE} (source, metric, ticker)"
            f" select {row}.source, {row}.metric, {row}.ticker where not exists"
            f" (select 1 from {STALE_TABLE} where source = {row}.source"
            f" and metric = {row}.metric and ticker = {row}.ticker);"
            for row in rows
        )
        + " end"
    )
    for event, rows in (("insert", ("new",)), ("update", ("old", "new")), ("delete", ("old",)))
}
#: SQLite's limit on bound parameters is 999 in old builds: ask for tickers in chunks
_CHUNK = 500


def missing_triggers(conn: sqlite3.Connection) -> bool:
    """True when a trigger that keeps the series true is not in the file."""
    names = {
        str(r[0]) for r in conn.execute("select name from sqlite_master where type = 'trigger'")
    }
    return not set(TRIGGERS) <= names


def install(conn: sqlite3.Connection, *, mark_all: bool) -> None:
    """Create the triggers; with `mark_all` (a store whose series were never built, or
    kept without the triggers) mark every stored series stale, for `settle` to build.
    Runs inside the caller's transaction."""
    for sql in TRIGGERS.values():
        conn.execute(sql)
    if mark_all:
        conn.execute(f"delete from {SERIES_TABLE}")
        conn.execute(
            f"insert or ignore into {STALE_TABLE} (source, metric, ticker)"
            " select distinct source, metric, ticker from valuation_history"
        )


def settle(conn: sqlite3.Connection) -> int:
    """Rebuild every marked series from its points and clear the marks: one ordered
    read of the marked points however many there are. Inside the caller's transaction.

    A series whose points cannot be packed faithfully (text where a number belongs,
    written behind the store's back) keeps its mark and is read point by point.
    Returns the number of series rebuilt.
    """
    if conn.execute(f"select 1 from {STALE_TABLE} limit 1").fetchone() is None:
        return 0
    conn.execute(
        f"delete from {SERIES_TABLE} where exists (select 1 from {STALE_TABLE} s"  # noqa: S608
        f" where s.source = {SERIES_TABLE}.source and s.metric = {SERIES_TABLE}.metric"
        f" and s.ticker = {SERIES_TABLE}.ticker)"
    )
    points = conn.execute(
        f"select s.source, s.metric, s.ticker, v.date, v.value from {STALE_TABLE} s"  # noqa: S608
        " join valuation_history v on v.ticker = s.ticker and v.source = s.source"
        " and v.metric = s.metric order by s.source, s.metric, s.ticker, v.date"
    )
    rows: list[tuple[str, str, str, int, str, bytes]] = []
    unpackable: list[tuple[str, str, str]] = []
    for key, group in groupby(points, key=lambda r: (r[0], r[1], r[2])):
        block = list(group)
        packed = pack([r[3] for r in block], [r[4] for r in block])
        if packed is None:
            unpackable.append(key)
        else:
            rows.append((*key, *packed))
    conn.executemany(
        f"insert into {SERIES_TABLE} (source, metric, ticker, n, dates, vals)"
        " values (?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute(f"delete from {STALE_TABLE}")
    conn.executemany(
        f"insert into {STALE_TABLE} (source, metric, ticker) values (?, ?, ?)", unpackable
    )
    return len(rows)


def read(
    conn: sqlite3.Connection, source: str, metrics: Iterable[str]
) -> dict[str, MetricSeries] | None:
    """metric -> every company's series of one source, by ticker; None when the file
    has no series (an older store opened read-only: the caller reads the points).

    A series marked stale, or whose row does not decode, is taken from its points.
    """
    tables = {str(r[0]) for r in conn.execute("select name from sqlite_master")}
    if not {SERIES_TABLE, STALE_TABLE} <= tables or missing_triggers(conn):
        return None
    out: dict[str, MetricSeries] = {}
    with _snapshot(conn):
        for metric in sorted(set(metrics)):
            stale = {
                str(r[0])
                for r in conn.execute(
                    f"select ticker from {STALE_TABLE} where source = ? and metric = ?",  # noqa: S608
                    [source, metric],
                )
            }
            rows = conn.execute(
                f"select ticker, n, dates, vals from {SERIES_TABLE}"  # noqa: S608
                " where source = ? and metric = ? order by ticker",
                [source, metric],
            ).fetchall()
            series, damaged = unpack([r for r in rows if r[0] not in stale] if stale else rows)
            redo = sorted(stale | set(damaged))
            if redo:
                series = concat([series, from_points(_points(conn, source, metric, redo))])
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
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
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
