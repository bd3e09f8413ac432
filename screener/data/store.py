"""The local SQLite store: the only module that talks to sqlite_utils.

Every write of one company goes through `save_bundle`, one IMMEDIATE transaction,
so a run killed half-way leaves each company either fully old or fully new. WAL
and a busy timeout let two runs share the file without "database is locked".
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from operator import attrgetter
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from screener.catalog import NUMERIC_METRICS
from screener.data import closes_table, series_table
from screener.data.closes_table import CLOSES_TABLE
from screener.data.provider import FetchBundle, FxRate, PriceBar, encode_vintages
from screener.data.rows import QueryRows
from screener.data.series_table import SERIES_TABLE
from screener.data.validate import finite_floats, fx_rate_problem, validate_bundle
from screener.errors import DataError, ExitStatus
from screener.series import MetricSeries
from screener.utils import finite_float

DB_ENV_VAR = "SCREENER_DB"
BUSY_TIMEOUT_S = 30.0
APPLICATION = "screener"  # the identity row: meta `application`
#: SQLite's user_version: 0 (unset) in stores made before issue 9; 1 the issue-9 schema;
#: 2 adds `prices.adj_close` and `snapshots.vintages` (issue 10); 3 numbers watchlist runs
#: per list (`watchlist_runs.number`, older runs numbered on open); 4 keeps each history
#: series packed (`history_series` and its triggers: data/series_table.py, packed from the
#: points on open). An older file gets the new columns on open.
SCHEMA_VERSION = 4

Access = Literal["read-write", "query-only", "read-only", "immutable", "memory"]


class StoreRefused(DataError):
    """A --db that is not a store we may use (someone else's file, a folder that is not
    there): bad input, exit 2, and nothing was created or changed."""

    exit_status = ExitStatus.USAGE


def _writable(target: Path) -> bool:
    """Can this process change the file and make its -wal/-shm beside it?"""
    folder = target.parent if str(target.parent) else Path(".")
    return os.access(folder, os.W_OK | os.X_OK) and (
        not target.exists() or os.access(target, os.W_OK)
    )


def _read_only_uri(target: Path) -> tuple[str, Access]:
    """A URI that reads `target` without writing anything, -wal and -shm included.

    Immutable (no locks, no -shm) unless a -wal file is there: then a writer has work in
    it that only a locking reader sees, and its -shm is there to share.
    """
    from urllib.parse import quote

    uri = "file:" + quote(str(target.resolve()))
    if Path(f"{target}-wal").exists():
        return uri + "?mode=ro", "read-only"
    return uri + "?mode=ro&immutable=1", "immutable"


def default_db_path() -> Path:
    """The store's path: $SCREENER_DB if set, else the user data directory."""
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("screener", appauthor=False) / "screener.db"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _enable_wal(conn: sqlite3.Connection, attempts: int = 50) -> None:
    """Switch to WAL; two runs creating the same new file can race here.

    Changing the journal mode needs an exclusive lock and SQLite may answer BUSY
    without waiting for the busy handler, so retry for a few seconds.
    """
    import time

    for attempt in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.1)


@dataclass(frozen=True)
class Table:
    """One table of the store: its columns (in order), primary key and indexes."""

    name: str
    columns: dict[str, type]
    pk: str | tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()


def _snapshot_columns() -> dict[str, type]:
    columns: dict[str, type] = {
        "ticker": str,
        "source": str,
        "as_of": str,
        "fetched_at": str,
        "currency": str,
        "financial_currency": str,
        "source_url": str,
        "notes": str,
        "extra": str,
        "vintages": str,  # JSON: metric -> {date, basis, label}; NULL: every figure of as_of
    }
    columns.update({name: float for name in sorted(NUMERIC_METRICS)})
    return columns


#: The whole schema. A column added here is added to older files when they are opened
#: (a catalogue that grew, `filters` on watchlist runs); bump SCHEMA_VERSION with it.
TABLES: tuple[Table, ...] = (
    Table("meta", {"key": str, "value": str}, pk="key"),
    Table(
        "companies",
        {
            "ticker": str,
            "name_en": str,
            "name_zh": str,
            "exchange": str,
            "market": str,
            "currency": str,
            "financial_currency": str,
            "sector": str,
            "sub_segment": str,
            "profile": str,
            "profile_as_of": str,
            "updated_at": str,
        },
        pk="ticker",
    ),
    Table("snapshots", _snapshot_columns(), pk=("ticker", "source", "as_of")),
    Table(
        "prices",
        {
            "ticker": str,
            "date": str,
            "open": float,
            "high": float,
            "low": float,
            "close": float,  # as traded (split-adjusted): what price figures read
            "volume": float,
            "source": str,
            "adj_close": float,  # also dividend-adjusted, for total returns (NULL: not known)
        },
        pk=("ticker", "date"),
    ),
    Table(
        "valuation_history",
        {"ticker": str, "source": str, "metric": str, "date": str, "value": float},
        pk=("ticker", "source", "metric", "date"),
        # covering: a screen reads one source's few metrics without touching the rows
        indexes=(("source", "metric", "ticker", "date", "value"),),
    ),
    # the same points packed, one row a series (data/series_table.py keeps them true)
    Table(
        "history_series",
        {"source": str, "metric": str, "ticker": str, "n": int, "dates": str, "vals": bytes},
        pk=("source", "metric", "ticker"),
        indexes=(("n",),),  # the marked ones (n < 0), found without a scan
    ),
    # each company's closes of its last 400 days packed, one row a company (the
    # sparkline's read; data/closes_table.py keeps them true)
    Table(
        CLOSES_TABLE,
        {"ticker": str, "n": int, "start": int, "days": bytes, "vals": bytes},
        pk="ticker",
        indexes=(("n",),),
    ),
    Table(
        "fx_rates",
        {"currency": str, "date": str, "units_per_usd": float, "source": str, "note": str},
        pk=("currency", "date"),
    ),
    Table(
        "fetch_log",
        {
            "id": int,
            "ticker": str,
            "kind": str,
            "at": str,
            "outcome": str,
            "detail": str,
            "requests": int,
        },
        pk="id",
        indexes=(("ticker", "kind", "at"),),
    ),
    Table(
        "watchlist_runs",
        {
            "id": int,
            "name": str,
            "saved_at": str,
            "source": str,
            "as_of_min": str,
            "as_of_max": str,
            "rules_hash": str,
            "rules": str,
            "row_count": int,
            "filters": str,
            "number": int,  # the run's number within its list: #1 is a list's first save
        },
        pk="id",
        indexes=(("name", "id"),),
    ),
    Table(
        "watchlist_rows",
        {"run_id": int, "ticker": str, "score": float, "flags": str, "data": str},
        pk=("run_id", "ticker"),
    ),
)
TABLE_NAMES: frozenset[str] = frozenset(t.name for t in TABLES)

Layout = Literal["new", "screener", "legacy", "foreign"]


def store_layout(tables: Iterable[str], application: str | None) -> Layout:
    """What kind of SQLite file this is, from its table names and its identity row.

    new: no tables yet; screener: says it is ours; legacy: made by screener before the
    identity row (only screener's tables); foreign: someone else's tables and no identity.
    """
    names = {t for t in tables if not t.startswith("sqlite_")}
    if application == APPLICATION:
        return "screener"
    if not names:
        return "new"
    if application is None and names <= TABLE_NAMES:
        return "legacy"
    return "foreign"


def _is_read_only(exc: BaseException) -> bool:
    """True for SQLite's "attempt to write a readonly database" (file, mount or query_only)."""
    cause = exc.__cause__ if isinstance(exc, DataError) else exc
    return (
        isinstance(cause, sqlite3.Error)
        and cause.sqlite_errorcode & 0xFF == sqlite3.SQLITE_READONLY
    )


def is_damage(exc: BaseException) -> bool:
    """SQLite's own word that the file is damaged, or not a database at all."""
    code = getattr(exc, "sqlite_errorcode", 0) or 0
    return isinstance(exc, sqlite3.DatabaseError) and code & 0xFF in (
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_NOTADB,
    )


def store_error(path: object, exc: sqlite3.Error, doing: str = "read") -> DataError:
    """One clear line for a store that failed: damaged, or unusable for another reason."""
    if is_damage(exc):
        return DataError(
            f"{path}: the store is damaged ({exc}); nothing was changed. Move the file away"
            " to start a new store (screener makes one), or restore a backup"
        )
    return DataError(f"{path}: cannot {doing} the store: {exc}")


def is_store_failure(exc: BaseException) -> bool:
    """Did the store itself fail (locked, full, read-only, damaged), not the data saved?

    A refresh stops for these, since every further company would fail the same way;
    a value SQLite cannot bind (an integer too large, a wrong type) fails one company.
    """
    cause = exc.__cause__ if isinstance(exc, DataError) else exc
    if not isinstance(cause, sqlite3.Error):
        return False
    data_errors = (
        sqlite3.InterfaceError,
        sqlite3.ProgrammingError,
        sqlite3.DataError,
        sqlite3.IntegrityError,
    )
    return not isinstance(cause, data_errors)


def _json_object(text: object) -> dict[str, Any] | None:
    """A JSON object stored as text, or None when the text is not one (damaged, foreign)."""
    if not isinstance(text, str | bytes):
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError included
        return None
    return value if isinstance(value, dict) else None


#: Numbers the runs that have none, per list in the order they were saved.
_NUMBER_RUNS = (
    "update watchlist_runs set number = (select count(*) from watchlist_runs r"
    " where r.name = watchlist_runs.name and r.id <= watchlist_runs.id) where number is null"
)


_SNAPSHOT_COLUMNS: tuple[str, ...] = tuple(_snapshot_columns())
_SNAPSHOT_KEY = ("ticker", "source", "as_of")
#: one snapshot row, whole: every column written (a metric not given is NULL)
_UPSERT_SNAPSHOT = (
    f"insert into snapshots ({', '.join(f'[{c}]' for c in _SNAPSHOT_COLUMNS)})"
    f" values ({', '.join('?' for _ in _SNAPSHOT_COLUMNS)})"
    f" on conflict ({', '.join(_SNAPSHOT_KEY)}) do update set "
    + ", ".join(f"[{c}] = excluded.[{c}]" for c in _SNAPSHOT_COLUMNS if c not in _SNAPSHOT_KEY)
)
_UPSERT_PRICES = (
    "insert into prices (ticker, date, open, high, low, close, volume, source, adj_close)"
    " values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (ticker, date) do update set"
    " open = excluded.open, high = excluded.high, low = excluded.low,"
    " close = excluded.close, volume = excluded.volume, source = excluded.source,"
    " adj_close = excluded.adj_close"
)
_UPSERT_HISTORY = (
    "insert into valuation_history (ticker, source, metric, date, value)"
    " values (?, ?, ?, ?, ?) on conflict (ticker, source, metric, date)"
    " do update set value = excluded.value"
)


def _columns(items: tuple[Any, ...], names: tuple[str, ...]) -> list[list[Any]]:
    """The attributes `names` of every item, one list per name (C-speed, no Python loop)."""
    return [list(map(attrgetter(name), items)) for name in names]


def _price_rows(bundle: FetchBundle) -> list[tuple[Any, ...]]:
    """The bundle's bars as rows of `prices` (a bar without a finite close is none)."""
    bars = bundle.prices
    n = len(bars)
    dates, *numbers = _columns(bars, ("date", "open", "high", "low", "close", "volume"))
    opens, highs, lows, closes, volumes = (finite_floats(column) for column in numbers)
    adjusted = finite_floats(list(map(attrgetter("adj_close"), bars)))
    rows = zip(
        repeat(bundle.ticker, n),
        dates,
        opens,
        highs,
        lows,
        closes,
        volumes,
        repeat(bundle.source, n),
        adjusted,
        strict=True,
    )
    if None not in closes:
        return list(rows)
    return [row for row in rows if row[5] is not None]


def _history_rows(bundle: FetchBundle) -> list[tuple[Any, ...]]:
    """The bundle's history points as rows of `valuation_history` (finite values only)."""
    points = bundle.history
    n = len(points)
    metrics, dates, values = _columns(points, ("metric", "date", "value"))
    values = finite_floats(values)
    rows = zip(
        repeat(bundle.ticker, n), repeat(bundle.source, n), metrics, dates, values, strict=True
    )
    if None not in values:
        return list(rows)
    return [row for row in rows if row[4] is not None]


class Store:
    """Companies, snapshots, prices, multiple history, FX and a fetch log in one SQLite file.

    Use it as `with Store(path) as store:`; it closes on the way out.

    `read_only=True` (commands that only read) never creates nor changes anything: a
    missing file reads as an empty store held in memory, and the connection refuses
    writes (`query_only`). A file or folder this process cannot write is opened through
    a read-only URI (immutable when no writer is at work), whatever was asked, so reading
    works and no -wal/-shm is left behind; `access` says which way it was opened.
    An explicit path (--db, SCREENER_DB) whose folder is missing is refused.
    """

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path not in (None, ":memory:") else path
        self._checked = False  # SQLite's quick_check, run before the first write
        self.access: Access = "memory"
        try:
            if path == ":memory:":
                conn = sqlite3.connect(":memory:", timeout=BUSY_TIMEOUT_S)
            else:
                explicit = path is not None or bool(os.environ.get(DB_ENV_VAR))
                target = Path(path) if path is not None else default_db_path()
                self.path = target
                self._check_folder(target, explicit)
                if target.exists() and not target.is_file():  # a FIFO would block for ever
                    raise DataError(f"{target}: cannot open the store: not a regular file")
                if read_only and not target.exists():
                    conn = sqlite3.connect(":memory:")  # nothing to read: an empty store
                elif _writable(target):
                    conn = sqlite3.connect(str(target), timeout=BUSY_TIMEOUT_S)
                    self.access = "query-only" if read_only else "read-write"
                else:
                    uri, self.access = _read_only_uri(target)
                    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)
            self.db = sqlite_utils.Database(conn, execute_plugins=False)
            self._refuse_foreign()  # before WAL: switching the journal mode alters a file
            if self.access in ("read-write", "query-only"):
                _enable_wal(conn)
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            if self.access not in ("read-only", "immutable"):
                conn.execute("PRAGMA synchronous=NORMAL")
                self._create_schema()
            if self.access == "query-only":
                conn.execute("PRAGMA query_only=ON")
        except (sqlite3.DatabaseError, OSError) as exc:
            if isinstance(exc, sqlite3.DatabaseError) and is_damage(exc):
                raise store_error(self.path, exc) from exc
            raise DataError(f"{self.path}: cannot open the store: {exc}") from exc

    @property
    def read_only(self) -> bool:
        """True when this store's file cannot be written (asked for, or it forbids it)."""
        return self.access not in ("read-write", "memory")

    @staticmethod
    def _check_folder(target: Path, explicit: bool) -> None:
        """The default folder is made; a given path's folder must exist (a typo in --db
        would otherwise make folders and an empty store that shows no watchlists)."""
        if target.parent.is_dir():
            return
        if explicit:
            raise StoreRefused(
                f"{target}: no such folder {target.parent}; create it first, or give another"
                " path with --db or SCREENER_DB (nothing was created)"
            )
        target.parent.mkdir(parents=True, exist_ok=True)

    def _refuse_foreign(self) -> None:
        """Someone else's SQLite file is left exactly as it is: no tables, no WAL, no stamp."""
        if self.layout != "foreign":
            return
        tables = sorted(t for t in self.db.table_names() if not t.startswith("sqlite_"))
        self.db.close()
        shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
        raise StoreRefused(
            f"{self.path}: not a screener store (it holds other tables: {shown}); it was left"
            " as it is: give another file with --db or SCREENER_DB"
        )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        """Close; a SQLite error inside the block (a damaged page read) becomes one DataError."""
        self.close()
        if isinstance(exc, sqlite3.Error):
            raise store_error(self.path, exc) from exc

    def close(self) -> None:
        self.db.close()

    # -- schema ---------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        """SQLite's `user_version` of the file: SCHEMA_VERSION once screener has opened it."""
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    @property
    def application(self) -> str | None:
        """The identity row (`application` in meta): "screener" for a store of ours."""
        return self.get_meta("application")

    @property
    def layout(self) -> Layout:
        return store_layout(self.db.table_names(), self.application)

    def _create_schema(self) -> None:
        """Bring the file to the schema in TABLES, writing only when something is missing.

        A new file, or one made by an older screener, gets the identity row and the schema
        version; a foreign file gets screener's tables but no identity (so it can still be
        told apart). A file that is already current is only read, and a read-only one that
        is not is used as it is: reading still works.
        """
        layout = self.layout
        stamp = layout in ("new", "legacy") or (
            layout == "screener" and self.schema_version < SCHEMA_VERSION
        )
        if not stamp and not self._missing_schema():
            return
        tables = self.db.table_names()
        unbuilt = SERIES_TABLE not in tables or series_table.missing_triggers(self.db.conn)
        closes_unbuilt = CLOSES_TABLE not in tables or closes_table.missing_triggers(self.db.conn)
        try:
            with self.transaction() as db:
                for table in TABLES:
                    db[table.name].create(table.columns, pk=table.pk, if_not_exists=True)
                    existing = set(db[table.name].columns_dict)
                    for name, kind in table.columns.items():
                        if name not in existing:  # a column newer than the file
                            db[table.name].add_column(name, kind)
                    for columns in table.indexes:
                        db[table.name].create_index(list(columns), if_not_exists=True)
                db.execute(_NUMBER_RUNS)  # runs saved before numbers per list (schema 3)
                series_table.install(db.conn, mark_all=unbuilt)  # packed series (schema 4)
                series_table.settle(db.conn)
                closes_table.install(db.conn, mark_all=closes_unbuilt)  # packed closes
                closes_table.settle(db.conn)
                if stamp:
                    db["meta"].upsert({"key": "application", "value": APPLICATION}, pk="key")
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except DataError as exc:
            if not _is_read_only(exc) or layout in ("new", "foreign"):
                raise
            # A read-only store of ours that an older screener made: read it as it is.

    def _has_table(self, name: str) -> bool:
        """False only in a read-only store an older screener made (before `name` existed)."""
        return name in self.db.table_names()

    def _missing_schema(self) -> bool:
        """True when a table, column or index of TABLES is not in the file."""
        present = set(self.db.table_names())
        for table in TABLES:
            if table.name not in present:
                return True
            handle = self.db[table.name]
            if set(table.columns) - set(handle.columns_dict):  # type: ignore[union-attr]
                return True
            indexed = {tuple(index.columns) for index in handle.indexes}  # type: ignore[union-attr]
            if any(columns not in indexed for columns in table.indexes):
                return True
        conn = self.db.conn
        return series_table.missing_triggers(conn) or closes_table.missing_triggers(conn)

    # -- transactions ---------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One IMMEDIATE transaction (takes the write lock up front, so no upgrade deadlock)."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        if self.access in ("read-only", "immutable"):
            raise DataError(
                f"{self.path}: cannot write to the store: the file or its folder is read-only"
                " (reading works)"
            )
        self._check_before_writing()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                try:
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:  # e.g. BUSY at commit: never leave it open
                        conn.execute("ROLLBACK")
                    raise
        except sqlite3.Error as exc:  # read-only file, full disk, locked past the timeout
            raise store_error(self.path, exc, "write to") from exc

    def _check_before_writing(self) -> None:
        """Refuse to write into a damaged file: once per store, SQLite's quick_check first.

        A write beside a damaged page (its free list, an index) can spread the damage;
        a tenth of a second for a large store is cheap insurance. Reading stays possible.
        """
        if self._checked:
            return
        try:
            verdict = " ".join(str(self.db.execute("PRAGMA quick_check(1)").fetchone()[0]).split())
        except sqlite3.Error as exc:
            raise store_error(self.path, exc, "write to") from exc
        if verdict != "ok":
            raise DataError(
                f"{self.path}: the store is damaged (SQLite's check: {verdict[:200]});"
                " nothing was written. Move the file away to start a new store, or restore"
                " a backup"
            )
        self._checked = True

    # -- small key/value facts about the store ---------------------------------
    def get_meta(self, key: str) -> str | None:
        if not self._has_table("meta"):
            return None
        row = self.db.execute("select value from meta where key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db["meta"].upsert({"key": key, "value": value}, pk="key")

    # -- writes ---------------------------------------------------------------
    def save_bundle(
        self,
        bundle: FetchBundle,
        company: Mapping[str, Any] | None = None,
        *,
        replace_prices: bool = False,
    ) -> None:
        """Save everything one fetch learnt about one company, all or nothing.

        Whatever the provider, the bundle passes the boundary validator first
        (`validate.validate_bundle`): a bad field is dropped, with why, never saved.
        Daily bars are upserted by date (the store grows only by new days); with
        `replace_prices` (a full-depth fetch: adjusted closes changed, or another
        source) the company's stored bars are replaced by the bundle's, in the same
        transaction.
        """
        bundle = validate_bundle(bundle)
        with self.transaction() as db:
            if company is not None or bundle.profile:
                row = dict(company or {})
                row["ticker"] = bundle.ticker
                row.setdefault("currency", bundle.currency)
                row.setdefault("financial_currency", bundle.financial_currency)
                if bundle.profile:
                    row["profile"] = json.dumps(
                        dict(bundle.profile), ensure_ascii=False, default=str
                    )
                    row["profile_as_of"] = bundle.fetched_at
                row["updated_at"] = _now()
                db["companies"].upsert(row, pk="ticker", alter=False)
            # Every metric column is written, missing ones as NULL: saving the same
            # (ticker, source, as_of) again replaces the row whole, never keeps old figures.
            metrics = {name: finite_float(bundle.metrics.get(name)) for name in NUMERIC_METRICS}
            snapshot = {
                "ticker": bundle.ticker,
                "source": bundle.source,
                "as_of": bundle.as_of,
                "fetched_at": bundle.fetched_at,
                "currency": bundle.currency,
                "financial_currency": bundle.financial_currency,
                "source_url": bundle.source_url,
                "notes": bundle.notes,
                "extra": json.dumps(dict(bundle.extra), ensure_ascii=False, default=str)
                if bundle.extra
                else None,
                "vintages": encode_vintages(
                    bundle.vintages, (name for name, v in metrics.items() if v is not None)
                ),
                **metrics,
            }
            db.conn.execute(_UPSERT_SNAPSHOT, [snapshot[name] for name in _SNAPSHOT_COLUMNS])
            if replace_prices and bundle.prices:
                db.execute("delete from prices where ticker = ?", [bundle.ticker])
            # Plain executemany upserts of tuples built column by column: sqlite_utils'
            # generic upsert_all, or one Python call per value, made the store the
            # bottleneck of a refresh (thousands of bars and history points a company).
            db.conn.executemany(_UPSERT_PRICES, _price_rows(bundle))
            db.conn.executemany(_UPSERT_HISTORY, _history_rows(bundle))
            series_table.settle(db.conn)  # the series those points changed, packed again
            closes_table.settle(db.conn)  # and the recent closes those bars changed

    def save_companies(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Upsert company descriptions (names, sector) without touching their data."""
        stamped = [{**row, "updated_at": _now()} for row in rows]
        with self.transaction() as db:
            db["companies"].upsert_all(stamped, pk="ticker", alter=False)

    def save_fx_rates(self, rates: Iterable[FxRate]) -> None:
        """Save FX rates; one that is no rate (a close of 0, < 0, inf) is left out."""
        usable = [r for r in rates if fx_rate_problem(r) is None]
        if not usable:
            return
        with self.transaction() as db:
            db["fx_rates"].upsert_all(
                (
                    {
                        "currency": r.currency,
                        "date": r.date,
                        "units_per_usd": r.units_per_usd,
                        "source": r.source,
                        "note": r.note,
                    }
                    for r in usable
                ),
                pk=("currency", "date"),
            )

    def has_snapshots(self, source: str | None = None) -> bool:
        sql = "select 1 from snapshots" + (" where source = ?" if source else "") + " limit 1"
        return self.db.execute(sql, [source] if source else []).fetchone() is not None

    def latest_snapshots(self, source: str) -> QueryRows:
        """The newest snapshot of each company from one source, by ticker.

        The primary key's index gives the tickers in order and each one's newest as_of
        (no materialised join, no sort); the rows read as dicts by the cursor's column
        names, but stay tuples until one is asked for (the frame reads them by column).
        """
        sql = """
            select s.* from snapshots s
            where s.source = ?1 and s.as_of = (
                select max(t.as_of) from snapshots t
                where t.ticker = s.ticker and t.source = ?1
            )
            order by s.ticker
        """
        cursor = self.db.execute(sql, [source])
        names = [column[0] for column in cursor.description]
        return QueryRows(names, cursor.fetchall())

    def companies(self) -> list[dict[str, Any]]:
        return list(self.db.query("select * from companies order by ticker"))

    def valuation_history(self, source: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "select ticker, metric, date, value from valuation_history where source = ?"
                " order by ticker, metric, date",
                [source],
            )
        )

    def history_rows(
        self, source: str, metrics: Iterable[str] | None = None
    ) -> list[tuple[str, str, str, float]]:
        """(ticker, metric, date, value) of one source's history, as `valuation_history`
        orders it, as plain tuples; only `metrics` when given (a screen reads the few
        its rules name, not every stored multiple)."""
        sql = "select ticker, metric, date, value from valuation_history where source = ?"
        args: list[str] = [source]
        if metrics is not None:
            wanted = sorted(set(metrics))
            if not wanted:
                return []
            sql += f" and metric in ({','.join('?' for _ in wanted)})"
            args += wanted
        return self.db.execute(sql + " order by ticker, metric, date", args).fetchall()

    def history_by_metric(
        self, source: str, metrics: Iterable[str]
    ) -> dict[str, list[tuple[str, str, float]]]:
        """(ticker, date, value) of one source's history per metric, each by ticker and
        date: one seek of the covering index per metric, no metric text per row (the
        screen's history read, a third of the time `history_rows` takes)."""
        sql = (
            "select ticker, date, value from valuation_history"
            " where source = ? and metric = ? order by ticker, date"
        )
        return {m: self.db.execute(sql, [source, m]).fetchall() for m in sorted(set(metrics))}

    def history_of(
        self, source: str, tickers: Iterable[str]
    ) -> dict[str, list[tuple[str, str, float]]]:
        """metric -> (ticker, date, value) of a few companies' every stored metric from one
        source, each by ticker and date (what explain lists; the key's index, no scan)."""
        wanted = sorted(set(tickers))
        out: dict[str, list[tuple[str, str, float]]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            rows = self.db.execute(
                "select metric, ticker, date, value from valuation_history"  # noqa: S608
                f" where source = ? and ticker in ({marks}) order by metric, ticker, date",
                [source, *chunk],
            )
            for metric, ticker, day, value in rows:
                out.setdefault(str(metric), []).append((ticker, day, value))
        return out

    def history_series(
        self, source: str, metrics: Iterable[str]
    ) -> dict[str, MetricSeries] | None:
        """metric -> every company's packed series of one source (what a screen reads:
        a row a company, not a row a point); None for an older store opened read-only,
        which has none (read `history_by_metric` then)."""
        return series_table.read(self.db.conn, source, metrics)

    # -- replays (screener.backtest): whole histories as plain tuples, read once ----------
    def stored_sources(self) -> set[str]:
        """Every source that has daily bars or history points in the store."""
        rows = self.db.execute(
            "select distinct source from prices union select distinct source from valuation_history"
        ).fetchall()
        return {str(r[0]) for r in rows if r[0]}

    def price_bars(
        self, sources: Iterable[str]
    ) -> list[tuple[str, str, float, float | None, float | None]]:
        """(ticker, date, close, high, adjusted close) of every bar from `sources`.

        The adjusted close is None unless the store keeps one (an `adj_close` column).
        Unordered: the replay sorts.
        """
        wanted = sorted(set(sources))
        if not wanted:
            return []
        adjusted = "adj_close" if "adj_close" in self.db["prices"].columns_dict else "null"
        marks = ",".join("?" for _ in wanted)
        sql = (
            f"select ticker, date, close, high, {adjusted} from prices"  # noqa: S608
            f" where close is not null and source in ({marks})"
        )
        return self.db.execute(sql, wanted).fetchall()

    def history_points(self, sources: Iterable[str]) -> list[tuple[str, str, str, str, float]]:
        """(ticker, source, metric, date, value) of every history point from `sources`."""
        wanted = sorted(set(sources))
        if not wanted:
            return []
        marks = ",".join("?" for _ in wanted)
        return self.db.execute(
            "select ticker, source, metric, date, value from valuation_history"  # noqa: S608
            f" where source in ({marks})",
            wanted,
        ).fetchall()

    def fx_rates(self) -> list[FxRate]:
        """Every stored FX rate, as the one FX type the rest of the tool reads."""
        return [
            FxRate(
                currency=str(r["currency"]),
                date=str(r["date"]),
                units_per_usd=float(r["units_per_usd"]),
                source=str(r["source"]),
                note=str(r["note"] or ""),
            )
            for r in self.db.query("select * from fx_rates order by currency, date")
        ]

    def prices(self, ticker: str) -> list[dict[str, Any]]:
        return list(self.db.query("select * from prices where ticker = ? order by date", [ticker]))

    def last_fetch(self, ticker: str, kind: str) -> dict[str, Any] | None:
        rows = list(
            self.db.query(
                "select * from fetch_log where ticker = ? and kind = ? order by at desc, id desc"
                " limit 1",
                [ticker, kind],
            )
        )
        return rows[0] if rows else None

    # -- refresh support (added for screener.data.refresh) ----------------------------------
    def save_refresh(
        self,
        bundle: FetchBundle,
        logs: Iterable[tuple[str, str, str, int]],
        at: str | None = None,
        company: Mapping[str, Any] | None = None,
        *,
        replace_prices: bool = False,
    ) -> None:
        """Save one company's bundle and its fetch-log rows (kind, outcome, detail, requests)
        in ONE transaction: a refresh killed at any point leaves the log saying "ok" only for
        data that is really there, so the next run's staleness check can trust it.
        `replace_prices` as in `save_bundle`."""
        with self.transaction():
            self.save_bundle(bundle, company, replace_prices=replace_prices)
            self.log_fetches(
                (
                    {
                        "ticker": bundle.ticker,
                        "kind": kind,
                        "outcome": outcome,
                        "detail": detail,
                        "requests": requests,
                    }
                    for kind, outcome, detail, requests in logs
                ),
                at=at,
            )

    def log_fetches(self, rows: Iterable[Mapping[str, Any]], at: str | None = None) -> None:
        """Several fetch-log rows (ticker, kind, outcome, detail, requests) in one transaction."""
        stamp = at or _now()
        with self.transaction() as db:
            db["fetch_log"].insert_all(
                {
                    "ticker": r["ticker"],
                    "kind": r["kind"],
                    "at": r.get("at") or stamp,
                    "outcome": r["outcome"],
                    "detail": r.get("detail", ""),
                    "requests": int(r.get("requests", 0)),
                }
                for r in rows
            )

    def fetch_times(self, outcomes: Iterable[str]) -> dict[tuple[str, str], str]:
        """The latest fetch-log time per (ticker, kind) among rows with one of `outcomes`."""
        wanted = list(outcomes)
        marks = ",".join("?" for _ in wanted)
        rows = self.db.execute(
            f"select ticker, kind, max(at) from fetch_log where outcome in ({marks})"  # noqa: S608
            " group by ticker, kind",
            wanted,
        ).fetchall()
        return {(t, k): at for t, k, at in rows}

    def price_ends(self, tickers: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """ticker -> (date of its last stored bar, that bar's source), for the tickers that
        have bars: where a refresh starts asking (one index seek per ticker)."""
        out: dict[str, tuple[str, str | None]] = {}
        for ticker in tickers:
            row = self.db.execute(
                "select date, source from prices where ticker = ? order by date desc limit 1",
                [ticker],
            ).fetchone()
            if row is not None:
                out[ticker] = (str(row[0]), row[1])
        return out

    def stored_bars(self, ticker: str, since: str) -> tuple[PriceBar, ...]:
        """One company's stored bars dated `since` (ISO) or later, oldest first."""
        rows = self.db.execute(
            "select date, open, high, low, close, volume, adj_close from prices"
            " where ticker = ? and date >= ? and close is not null order by date",
            [ticker, since],
        ).fetchall()
        return tuple(PriceBar(*row) for row in rows)

    def latest_log_details(
        self, tickers: Iterable[str], kind: str, outcome: str, prefix: str
    ) -> dict[str, str]:
        """ticker -> the detail of its newest fetch-log row of `kind` and `outcome` whose
        detail starts with `prefix` (e.g. how deep the last full price fetch reached)."""
        out: dict[str, str] = {}
        for ticker in tickers:
            row = self.db.execute(
                "select detail from fetch_log where ticker = ? and kind = ? and outcome = ?"
                " and substr(detail, 1, ?) = ? order by at desc, id desc limit 1",
                [ticker, kind, outcome, len(prefix), prefix],
            ).fetchone()
            if row is not None:
                out[ticker] = str(row[0])
        return out

    def latest_snapshot(self, ticker: str, source: str) -> dict[str, Any] | None:
        """The newest snapshot row of one company from one source, or None."""
        rows = list(
            self.db.query(
                "select * from snapshots where ticker = ? and source = ?"
                " order by as_of desc limit 1",
                [ticker, source],
            )
        )
        return rows[0] if rows else None

    def integrity_check(self) -> str:
        """SQLite's own verdict on the file: 'ok' or the first problem it found."""
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])

    def profile(self, ticker: str) -> dict[str, Any] | None:
        """The stored Yahoo profile of a company (sector, industry, business summary), if any."""
        row = self.db.execute("select profile from companies where ticker = ?", [ticker]).fetchone()
        if row is None or not row[0]:
            return None
        return _json_object(row[0])  # a damaged profile is no profile

    # -- watchlists: saved runs -------------------------------------------------
    def save_watchlist_run(
        self, name: str, meta: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]
    ) -> int:
        """Save one run of a watchlist (its rows and how they were made), all or nothing.

        Returns the run's number within its list (1 for the list's first save).
        """
        rows = list(rows)
        with self.transaction() as db:
            table = db["watchlist_runs"]
            (last,) = db.execute(
                "select coalesce(max(number), 0) from watchlist_runs where name = ?", [name]
            ).fetchone()
            number = int(last) + 1
            table.insert(
                {
                    "name": name,
                    "number": number,
                    "saved_at": _now(),
                    "source": meta.get("source"),
                    "as_of_min": meta.get("as_of_min"),
                    "as_of_max": meta.get("as_of_max"),
                    "rules_hash": meta.get("rules_hash"),
                    "rules": json.dumps(list(meta.get("rules", ())), ensure_ascii=False),
                    "filters": json.dumps(meta.get("filters") or {}, ensure_ascii=False),
                    "row_count": len(rows),
                }
            )
            run_id = int(table.last_pk)  # type: ignore[arg-type]
            db["watchlist_rows"].insert_all(
                {
                    "run_id": run_id,
                    "ticker": row["ticker"],
                    "score": row.get("score"),
                    "flags": json.dumps(list(row.get("flags") or ()), ensure_ascii=False),
                    "data": json.dumps(dict(row), ensure_ascii=False, default=str),
                }
                for row in rows
            )
        return number

    def watchlist_runs(self, name: str | None = None) -> list[dict[str, Any]]:
        """Saved runs, oldest first (of one watchlist when `name` is given).

        `id` keys the run in the store; `number` is its number within its list, the one
        people see. A read-only store an older screener made has no numbers: they are
        counted here as the migration would have written them.
        """
        if not self._has_table("watchlist_runs"):
            return []
        number = "number" if "number" in self.db["watchlist_runs"].columns_dict else "null"
        sql = (
            f"select *, coalesce({number}, row_number() over"  # noqa: S608
            " (partition by name order by id)) as number from watchlist_runs"
            + (" where name = ?" if name else "")
            + " order by id"
        )
        return list(self.db.query(sql, [name] if name else []))

    def watchlist_rows(self, run_id: int) -> list[dict[str, Any]]:
        """The saved rows of a run; a damaged row (not JSON, no ticker) is left out.

        The run's `row_count` says how many were saved, so a caller can say how many
        were lost; the readable ones stay readable.
        """
        if not self._has_table("watchlist_rows"):
            return []
        rows: list[dict[str, Any]] = []
        for (data,) in self.db.execute(
            "select data from watchlist_rows where run_id = ? order by rowid", [run_id]
        ):
            row = _json_object(data)
            if row is not None and isinstance(row.get("ticker"), str):
                rows.append(row)
        return rows

    def delete_watchlist(self, name: str) -> int:
        """Delete every saved run of a watchlist; returns how many runs went."""
        with self.transaction() as db:
            ids = [
                r["id"] for r in db.query("select id from watchlist_runs where name = ?", [name])
            ]
            for run_id in ids:
                db.execute("delete from watchlist_rows where run_id = ?", [run_id])
            db.execute("delete from watchlist_runs where name = ?", [name])
        return len(ids)

    def recent_closes(
        self, since: str, tickers: Iterable[str] | None = None
    ) -> dict[str, list[float]]:
        """Daily closes on or after `since` (ISO date), oldest first, per ticker; only
        those of `tickers` when given (the rows a table shows).

        Read from the packed recent closes (`closes_table`: a row a company, not a row a
        bar); from the bars when there are none (an older store opened read-only)."""
        packed = closes_table.read(self.db.conn, since, tickers)
        if packed is not None:
            return packed
        wanted = None if tickers is None else sorted(set(tickers))
        out: dict[str, list[float]] = {}
        for ticker, close in closes_table.bars(self.db.conn, since, wanted):
            out.setdefault(ticker, []).append(float(close))
        return out
