"""The store's recent closes: each company's daily closes of its last WINDOW_DAYS packed
in one row beside the bar rows of `prices`, kept true by SQLite itself.

`prices` stays the record (a row a bar: refresh, backtest and every write use it). A
screen's sparkline wants a year of closes for every company shown: 1.26 million bar
rows for 5,000 names (ten times more with ten years kept), and stepping a row a bar is
seconds whatever the index. So `recent_closes` keeps, a row a company, the closes dated
from WINDOW_DAYS before its newest bar, as day numbers and float64 bytes, and a screen
reads 5,000 rows. As for the packed history (`series_table`): triggers on `prices` mark
the company of every bar a write touches (whoever writes), the store repacks the marked
ones at the end of its own write transactions (`settle`), and a reader takes a marked,
damaged or missing row, or one that does not reach back to its `since`, from the bars.
Plain sqlite3 over the store's connection; the store owns it.
"""

from __future__ import annotations

import sqlite3
import struct
import sys
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np

from screener.data.series_table import lacks_triggers, read_snapshot

CLOSES_TABLE = "recent_closes"
#: how far back from its newest bar a company's row reaches: a screen cuts a year
#: (`since` = today - 365) from it, bars dated up to 35 days past today included
WINDOW_DAYS = 400
#: the count of a row whose bars changed since it was packed
STALE = -1
#: the count of one whose bars cannot be packed faithfully (a date that is no ISO day, a
#: close that is no finite number): read from its bars until a write marks it again
UNPACKABLE = -2
#: how the closes are packed: little-endian float64; their dates: little-endian int32
#: day numbers (`date.toordinal`), both oldest first
VALUE_DTYPE = np.dtype("<f8")
DAY_DTYPE = np.dtype("<i4")
#: this machine's own C int and double are those: the rows read as they are
_NATIVE = sys.byteorder == "little" and struct.calcsize("i") == 4 and struct.calcsize("d") == 8

_MARK = f"update {CLOSES_TABLE} set n = {STALE} where ticker = {{row}}.ticker and n <> {STALE};"
#: mark `row`'s company, adding its row if it has none: one statement, one probe (a
#: save runs it for every bar; SQLite runs a `not exists` insert beside an update at five
#: times the cost). An upsert, not `insert or ignore`: a statement's own conflict clause
#: (`insert or abort into prices ...`, by hand) overrides a trigger's `or ignore`, never
#: an upsert's.
_ADD = (
    f"insert into {CLOSES_TABLE} (ticker, n) values ({{row}}.ticker, {STALE})"
    f" on conflict (ticker) do update set n = {STALE} where n <> {STALE};"
)

#: the triggers that mark a touched company: name -> its SQL
TRIGGERS: dict[str, str] = {
    f"{CLOSES_TABLE}_on_insert": (
        f"create trigger if not exists {CLOSES_TABLE}_on_insert after insert on prices"
        f" when new.ticker is not null begin {_ADD.format(row='new')} end"
    ),
    # an upsert that rewrites a bar as it was (a refresh's overlap) marks nothing
    f"{CLOSES_TABLE}_on_update": (
        f"create trigger if not exists {CLOSES_TABLE}_on_update after update on prices"
        " when old.ticker is not new.ticker or old.date is not new.date"
        f" or old.close is not new.close begin {_MARK.format(row='old')}"
        f" {_MARK.format(row='new')} end"
    ),
    f"{CLOSES_TABLE}_on_move": (  # an update that moves bars to another company
        f"create trigger if not exists {CLOSES_TABLE}_on_move after update of ticker on prices"
        " when old.ticker is not new.ticker and new.ticker is not null"
        f" begin {_ADD.format(row='new')} end"
    ),
    f"{CLOSES_TABLE}_on_delete": (
        f"create trigger if not exists {CLOSES_TABLE}_on_delete after delete on prices"
        f" begin {_MARK.format(row='old')} end"
    ),
    # a packed row deleted by hand while its company has bars comes back marked, so a
    # reader of every company never misses one
    f"{CLOSES_TABLE}_on_forget": (
        f"create trigger if not exists {CLOSES_TABLE}_on_forget after delete on {CLOSES_TABLE}"
        " when exists (select 1 from prices where ticker = old.ticker)"
        f" begin insert into {CLOSES_TABLE} (ticker, n) values (old.ticker, {STALE}); end"
    ),
}
#: SQLite's limit on bound parameters is 999 in old builds: ask for tickers in chunks
_CHUNK = 500


@lru_cache(maxsize=1 << 16)  # companies share their trading days: each parsed once
def day_number(text: object) -> int | None:
    """The day number of an ISO date as the store writes them (YYYY-MM-DD); None for
    anything else, whose order as text a day number would not keep."""
    if type(text) is not str or len(text) != 10:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day.toordinal() if day.isoformat() == text else None


def missing_triggers(conn: sqlite3.Connection) -> bool:
    """True when a trigger that keeps the packed closes true is not in the file."""
    return lacks_triggers(conn, TRIGGERS)


def install(conn: sqlite3.Connection, *, mark_all: bool) -> None:
    """Create the triggers; with `mark_all` (a store whose closes were never packed, or
    kept without the triggers) mark every company with bars, for `settle` to pack.
    Runs inside the caller's transaction."""
    if mark_all:  # whatever a trigger of that name did before, it does this now
        for name in TRIGGERS:
            conn.execute(f"drop trigger if exists {name}")
        conn.execute(f"delete from {CLOSES_TABLE}")
        conn.execute(
            f"insert into {CLOSES_TABLE} (ticker, n)"  # noqa: S608
            f" select distinct ticker, {STALE} from prices where ticker is not null"
        )
    for sql in TRIGGERS.values():
        conn.execute(sql)


def settle(conn: sqlite3.Connection) -> int:
    """Pack every marked company's recent closes again from its bars (inside the caller's
    transaction); returns how many were packed.

    A company left without bars loses its row; one whose bars cannot be packed
    faithfully is marked UNPACKABLE and read from its bars.
    """
    marked = conn.execute(f"select ticker from {CLOSES_TABLE} where n = {STALE}").fetchall()  # noqa: S608
    packed_count = 0
    for (ticker,) in marked:
        if not conn.execute("select 1 from prices where ticker = ? limit 1", [ticker]).fetchall():
            conn.execute(f"delete from {CLOSES_TABLE} where ticker = ?", [ticker])  # noqa: S608
            continue
        packed = _pack(conn, ticker)
        conn.execute(
            f"update {CLOSES_TABLE} set n = ?, start = ?, days = ?, vals = ?"  # noqa: S608
            " where ticker = ?",
            [*(packed or (UNPACKABLE, None, None, None)), ticker],
        )
        packed_count += packed is not None
    return packed_count


def _pack(conn: sqlite3.Connection, ticker: object) -> tuple[int, int, bytes, bytes] | None:
    """(count, start, day numbers, closes) of one company's bars with a close, those dated
    from WINDOW_DAYS before its newest; `start` is the first day from which the row holds
    every bar with a close (0: it holds them all). None when one cannot be packed
    faithfully: a date that is no ISO day, a close that is no finite float."""
    (newest,) = conn.execute(
        "select max(date) from prices where ticker = ? and close is not null", [ticker]
    ).fetchone()
    if newest is None:  # bars, none with a close
        return 0, 0, b"", b""
    last = day_number(newest)
    if last is None:
        return None
    cut = date.fromordinal(max(1, last - WINDOW_DAYS))
    rows = conn.execute(
        "select date, close from prices where ticker = ? and date >= ? and close is not null"
        " order by date",
        [ticker, cut.isoformat()],
    ).fetchall()
    days = [day_number(d) for d, _ in rows]
    values = [c for _, c in rows]
    if None in days or not all(type(v) is float for v in values):
        return None  # read from the bars, exactly as they are read today
    closes = np.array(values, dtype=VALUE_DTYPE)
    if not np.isfinite(closes).all():
        return None
    older = conn.execute(
        "select 1 from prices where ticker = ? and date < ? and close is not null limit 1",
        [ticker, cut.isoformat()],
    ).fetchone()
    start = cut.toordinal() if older is not None else 0
    return len(rows), start, np.array(days, dtype=DAY_DTYPE).tobytes(), closes.tobytes()


def read(
    conn: sqlite3.Connection, since: str, tickers: Iterable[str] | None = None
) -> dict[str, list[float]] | None:
    """Daily closes on or after `since`, oldest first, per ticker (by ticker), as the bar
    rows give them; only `tickers` when given. None when the packed rows cannot answer
    (an older store opened read-only, a `since` that is no ISO day): the caller reads
    the bars.

    A company whose row is marked, damaged, missing or starts after `since` is read
    from its bars, all in one read transaction.
    """
    first = day_number(since)
    tables = {str(r[0]) for r in conn.execute("select name from sqlite_master")}
    if first is None or CLOSES_TABLE not in tables or missing_triggers(conn):
        return None
    sql = f"select ticker, n, start, days, vals from {CLOSES_TABLE}"  # noqa: S608
    out: dict[str, list[float]] = {}
    unread: list[str] = []
    with read_snapshot(conn):
        if tickers is None:
            # a row at a time: the packed bytes are not all held at once
            rows: Iterable[tuple[Any, ...]] = conn.execute(sql + " order by ticker")
        else:
            wanted = sorted(set(tickers))
            found = {
                r[0]: r
                for chunk in _chunks(wanted)
                for r in conn.execute(f"{sql} where ticker in ({_marks(chunk)})", chunk)
            }
            rows = [found.get(t, (t, None, None, None, None)) for t in wanted]
        for ticker, n, start, days, vals in rows:
            closes = _cut(n, start, days, vals, first)
            if closes is None:
                unread.append(ticker)
                out[ticker] = []  # its place in the order, filled from its bars
            elif closes:
                out[ticker] = closes
        if unread:
            for ticker, close in bars(conn, since, unread):
                out[ticker].append(float(close))
    return {t: c for t, c in out.items() if c}


def _cut(n: object, start: object, days: object, vals: object, first: int) -> list[float] | None:
    """The closes of one packed row dated day `first` or later; None when the row cannot
    say (marked, damaged, or it starts after `first`)."""
    if (
        type(n) is not int
        or n < 0
        or type(start) is not int
        or start > first
        or not isinstance(days, bytes)
        or not isinstance(vals, bytes)
        or len(days) != n * DAY_DTYPE.itemsize
        or len(vals) != n * VALUE_DTYPE.itemsize
    ):
        return None
    if _NATIVE:  # a memoryview's bisect and tolist: a third less than numpy's, per row
        at = bisect_left(memoryview(days).cast("i"), first)
        return memoryview(vals).cast("d")[at:].tolist()
    at = int(np.searchsorted(np.frombuffer(days, dtype=DAY_DTYPE), first, side="left"))
    return np.frombuffer(vals, dtype=VALUE_DTYPE)[at:].tolist()


def bars(
    conn: sqlite3.Connection, since: str, tickers: list[str] | None = None
) -> Iterator[tuple[str, float]]:
    """(ticker, close) of the bars on or after `since` with a close, by ticker and date:
    every company's, or only `tickers`' (the point rows the packed ones stand for)."""
    sql = "select ticker, close from prices where date >= ? and close is not null"
    if tickers is None:
        yield from conn.execute(sql + " order by ticker, date", [since])
        return
    for chunk in _chunks(tickers):
        yield from conn.execute(
            f"{sql} and ticker in ({_marks(chunk)}) order by ticker, date",  # noqa: S608
            [since, *chunk],
        )


def _chunks(tickers: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(tickers), _CHUNK):
        yield tickers[start : start + _CHUNK]


def _marks(chunk: list[str]) -> str:
    return ",".join("?" for _ in chunk)
