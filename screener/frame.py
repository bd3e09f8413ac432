"""Store rows -> the screening frame: one row per company, catalogue metrics as columns.

Pure: it takes plain rows (as the store returns them) and universe entries, and
returns a DataFrame indexed by ticker. Every numeric catalogue column exists and
is float64, with NaN for missing (never 0), so rules and renderers need no checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from screener.catalog import METRICS, NUMERIC_METRICS
from screener.data.provider import FxRate
from screener.data.rows import QueryRows
from screener.derived import add_derived
from screener.series import HISTORY_COLUMNS, MetricSeries
from screener.universe.tickers import market_of
from screener.utils import finite_float

#: descriptive columns every frame carries, in display order
DESCRIPTIVE_COLUMNS: tuple[str, ...] = (
    "name_en",
    "name_zh",
    "sector",
    "sub_segment",
    "market",
    "exchange",
    "currency",
    "financial_currency",
    "as_of",
    "source",
    "source_url",
    "notes",
)

NUMERIC_COLUMNS: tuple[str, ...] = tuple(
    m.name for m in METRICS.values() if m.name in NUMERIC_METRICS
)


def build_frame(
    snapshots: Iterable[Mapping[str, Any]],
    companies: Mapping[str, Mapping[str, Any]],
    fx: Iterable[FxRate],
    today: date,
) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """One row per snapshot, described by the universe entry of the same ticker.

    Returns the frame and per-ticker provenance (extra figures, field sources,
    how derived metrics were made) for JSON output and `explain`. Built a column at a
    time (thousands of snapshots): the universe's description wins over the snapshot's,
    but the snapshot's currency over the universe's.
    """
    if isinstance(snapshots, QueryRows):  # the store's rows: read by column, no dicts
        stored: Callable[[str], list[Any]] = snapshots.column
    else:
        stored = _by_column(list(snapshots))
    tickers = [str(t) for t in stored("ticker")]
    known = [companies.get(ticker) for ticker in tickers]
    blank = dict.fromkeys(next((c for c in known if c), {}))  # a company not in the universe
    described = _by_column([c or blank for c in known])
    data: dict[str, Any] = {}
    for column in DESCRIPTIVE_COLUMNS:
        if column == "currency":
            data[column] = _first_set(stored(column), described(column))
        else:
            data[column] = _first_set(described(column), stored(column))
    data["market"] = _first_set(data["market"], tickers, market_of)
    data["name_en"] = _first_set(data["name_en"], tickers)
    data["name_zh"] = _first_set(data["name_zh"], [""] * len(tickers))
    extras = stored("extra")
    provenance = {  # a stored NULL, the usual, is no provenance: no parse
        t: _provenance(extra) if extra else {} for t, extra in zip(tickers, extras, strict=True)
    }
    for name in NUMERIC_COLUMNS:
        data[name] = _numbers(stored(name))
    columns = [*DESCRIPTIVE_COLUMNS, *NUMERIC_COLUMNS]
    if tickers:
        frame = pd.DataFrame(data, index=pd.Index(tickers, name="ticker"), columns=columns)
    else:  # no rows: the index an empty ticker column makes, as every empty frame had
        frame = pd.DataFrame({"ticker": tickers, **data}, columns=["ticker", *columns])
        frame = frame.set_index("ticker")
    frame, derived = add_derived(frame, fx, today)
    for ticker, notes in derived.items():
        if notes:
            provenance.setdefault(ticker, {})["derived"] = notes
    return frame, provenance


def _first_set(
    first: list[Any], then: list[Any], make: Callable[[Any], Any] | None = None
) -> list[Any]:
    """Per row `first`'s value, or where it is empty (None, "") `then`'s (through `make`
    when given); a column set in every row, the usual, is taken as it is."""
    if all(first):
        return first
    if make is None and not any(first):  # e.g. a column the universe does not describe
        return then
    if make is None:
        return [a or b for a, b in zip(first, then, strict=True)]
    return [a or make(b) for a, b in zip(first, then, strict=True)]


def _by_column(rows: list[Mapping[str, Any]]) -> Callable[[str], list[Any]]:
    """Column name -> the rows' values (None where a row has no such key).

    Rows of one query share their keys: then a column is read by one C-level pass over
    the rows, not by a `get` of Python code per row (thousands of rows, dozens of keys).
    """
    keys = set(rows[0]) if rows else set()
    if all(row.keys() == keys for row in rows):
        return lambda name: (
            list(map(itemgetter(name), rows)) if name in keys else [None] * len(rows)
        )
    return lambda name: [row.get(name) for row in rows]


_PLAIN = frozenset({float, type(None)})  # what a stored column usually holds


def _numbers(values: list[Any]) -> np.ndarray:
    """One stored column as float64, NaN for missing, text or inf (as `finite_float` reads
    each value); a column of plain floats and NULLs, the usual, is converted at once."""
    if values.count(None) == len(values):  # a column this store never fills
        return np.full(len(values), np.nan)
    if set(map(type, values)) <= _PLAIN:
        out = np.array(values, dtype="float64")
    else:
        out = np.array([_finite_or_nan(v) for v in values], dtype="float64")
    out[~np.isfinite(out)] = np.nan
    return out


def _finite_or_nan(value: Any) -> float:
    number = finite_float(value)  # text or inf in a hand-edited store: missing
    return np.nan if number is None else number


def history_frame(
    rows: Iterable[Mapping[str, Any] | Sequence[Any]], as_of: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Valuation history rows -> the long frame the rule engine reads.

    Rows are mappings or (ticker, metric, date, value) tuples, as the store reads them.
    With `as_of` (ticker -> the date the current figures describe), points whose period
    ends after that date are dropped (see `own_past`).
    """
    points = list(rows)
    if points and not isinstance(points[0], Mapping):  # tuples: pandas' fast path
        frame = pd.DataFrame(points, columns=list(HISTORY_COLUMNS))
    else:
        frame = pd.DataFrame.from_records(points, columns=list(HISTORY_COLUMNS))
    frame["value"] = _values(frame["value"])
    return frame if as_of is None else own_past(frame, as_of)


def history_frame_by_metric(parts: Mapping[str, Sequence[Sequence[Any]]]) -> pd.DataFrame:
    """Per-metric (ticker, date, value) rows, each ordered by ticker and date -> the frame
    `history_frame` makes of the same points ordered by ticker, metric and date."""
    frames = [
        pd.DataFrame(rows, columns=["ticker", "date", "value"]).assign(metric=metric)
        for metric, rows in sorted(parts.items())
        if rows
    ]
    if not frames:
        return history_frame([])
    frame = pd.concat(frames, ignore_index=True)[list(HISTORY_COLUMNS)]
    if len(frames) > 1:  # blocks by metric, each by ticker and date: interleave by ticker
        codes, _ = pd.factorize(frame["ticker"], sort=True, use_na_sentinel=False)
        frame = frame.take(np.argsort(codes, kind="stable")).reset_index(drop=True)
    frame["value"] = _values(frame["value"])
    return frame


def _values(column: pd.Series) -> pd.Series:
    """Stored history values as float64: text a hand-edited store holds reads as missing
    (as `HistoryPoints` and the packed series read it), never as an error."""
    if column.dtype == "float64":
        return column
    return pd.to_numeric(column, errors="coerce").astype("float64")


def own_past(frame: pd.DataFrame, as_of: Mapping[str, Any]) -> pd.DataFrame:
    """The points of a history frame whose period ended by their company's `as_of`.

    A company's "own history" may only hold the past of the figures it is compared
    with, never a later fiscal year. Dates and tickers repeat (40 quarters, thousands
    of points each), so each distinct one is read once.
    """
    if frame.empty:
        return frame
    date_codes, dates = pd.factorize(frame["date"].astype(str))
    ends = _period_ends(pd.Series(dates, dtype=object)).to_numpy()[date_codes]
    ticker_codes, tickers = pd.factorize(frame["ticker"], use_na_sentinel=False)
    limit = _as_of_limits(list(tickers), as_of)[ticker_codes]
    keep = np.isnat(limit) | (ends <= limit)
    return frame if keep.all() else frame[keep].reset_index(drop=True)


def own_past_series(series: MetricSeries, as_of: Mapping[str, Any]) -> MetricSeries:
    """`own_past` for one metric's compact series: the same cut, each distinct date and
    each company's as-of date read once, no row per point made."""
    if not len(series):
        return series
    ends = _period_ends(pd.Series(series.dates, dtype=object)).to_numpy()
    limit = np.repeat(_as_of_limits(series.tickers, as_of), series.counts)
    return series.keep(np.isnat(limit) | (ends[series.date_codes] <= limit))


def _as_of_limits(tickers: Sequence[Any], as_of: Mapping[str, Any]) -> np.ndarray:
    """Each ticker's as-of date as datetime64[ns], NaT when it has none or it is no ISO
    date (such a company keeps every point); each distinct date parsed once."""
    known = pd.Series([as_of.get(t) for t in tickers], dtype=object)
    codes, distinct = pd.factorize(known)  # thousands of companies, a few as-of dates
    parsed = _iso_dates(pd.Series(distinct, dtype=object)).to_numpy()
    # code -1 (no as-of date) picks the NaT appended last
    limits = np.append(parsed.astype("datetime64[ns]"), np.datetime64("NaT", "ns"))
    return limits[codes]


def _period_ends(dates: pd.Series) -> pd.Series:
    """ISO dates as timestamps, a year-month as the last day of its month (NaT: unreadable)."""
    month_only = dates.str.fullmatch(r"\d{4}-\d{2}").fillna(False).astype(bool)
    ends = _iso_dates(dates.where(~month_only, dates + "-01"))
    return ends.where(~month_only, ends + pd.offsets.MonthEnd(0))


def _iso_dates(texts: pd.Series) -> pd.Series:
    """ISO 8601 dates (as the provider boundary checks them) as timestamps, NaT for
    anything else: one parse, with no guessing of a format per element."""
    return pd.to_datetime(texts, errors="coerce", format="ISO8601")


def _provenance(extra: object) -> dict[str, Any]:
    """A snapshot's `extra` (JSON) as provenance; damaged or foreign text is none at all."""
    if not isinstance(extra, str) or not extra:
        return {}
    try:
        value = json.loads(extra)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}
