"""One metric's own history, company by company, in the compact form a screen reads.

A whole-market screen reads two metrics' history for thousands of companies (40
quarters each, 400,000 points): as one SQLite row per point that is half a second of
row stepping and as many Python tuples. The store therefore also keeps each (source,
metric, ticker) series as one row, its dates as one text and its values as one packed
float64 array (`pack`), and a screen reads them into `MetricSeries`: the tickers, how
many points each owns, the points' dates as codes into the distinct dates, and the
values as one array. Pure: no I/O, no pandas.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from screener.utils import finite_float

#: the long history frame's columns, in order (`frame.history_frame`, `HistoryPoints.frame`)
HISTORY_COLUMNS: tuple[str, ...] = ("ticker", "metric", "date", "value")
#: between the dates of one series' text (no stored date holds it: they are checked
#: ISO dates or year-months at the provider boundary)
DATE_SEPARATOR = ","
#: how the values of one series are packed: little-endian float64, one after another
VALUE_DTYPE = np.dtype("<f8")


def pack(dates: Sequence[object], values: Sequence[object]) -> tuple[int, str, bytes] | None:
    """(count, dates text, values bytes) of one series, as the store keeps it; None when
    it cannot be packed faithfully (a date holding the separator, a value that is no
    finite number: rows written behind the store's back), so it is read point by point."""
    if not dates or len(dates) != len(values) or not all(type(d) is str for d in dates):
        return None
    text = DATE_SEPARATOR.join(dates)  # type: ignore[arg-type]
    if text.count(DATE_SEPARATOR) != len(dates) - 1:
        return None
    if all(type(v) is float for v in values):
        numbers = np.array(values, dtype=VALUE_DTYPE)
    else:
        checked = [finite_float(v) for v in values]
        if None in checked:
            return None
        numbers = np.array(checked, dtype=VALUE_DTYPE)
    if not np.isfinite(numbers).all():
        return None
    return len(dates), text, numbers.tobytes()


@dataclass(frozen=True, eq=False)
class MetricSeries:
    """Every company's points of one metric: ticker i owns the next `counts[i]` points.

    `date_codes[j]` is the position of point j's date in `dates` (each distinct date
    once, so a date is parsed once however many companies report it).
    """

    tickers: tuple[str, ...]
    counts: np.ndarray  # int64, one per ticker
    dates: tuple[str, ...]  # the distinct dates
    date_codes: np.ndarray  # int64, one per point
    values: np.ndarray  # float64, one per point

    @property
    def owners(self) -> np.ndarray:
        """The position in `tickers` of each point's company."""
        return np.repeat(np.arange(len(self.tickers)), self.counts)

    def __len__(self) -> int:
        return int(self.values.size)

    def keep(self, mask: np.ndarray) -> MetricSeries:
        """The points where `mask` is true (a company left without any is dropped)."""
        if mask.all():
            return self
        counts = np.bincount(self.owners[mask], minlength=len(self.tickers))
        has = counts > 0
        return MetricSeries(
            tickers=tuple(t for t, h in zip(self.tickers, has, strict=True) if h),
            counts=counts[has].astype(np.int64),
            dates=self.dates,
            date_codes=self.date_codes[mask],
            values=self.values[mask],
        )

    def only(self, tickers: Iterable[str]) -> MetricSeries:
        """The series of `tickers` alone."""
        wanted = set(tickers)
        mine = np.array([t in wanted for t in self.tickers], dtype=bool)
        if mine.all():
            return self
        return self.keep(np.repeat(mine, self.counts))

    def by_ticker(self) -> MetricSeries:
        """The same series ordered by ticker."""
        order = sorted(range(len(self.tickers)), key=self.tickers.__getitem__)
        if order == list(range(len(order))):
            return self
        starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]])
        take = np.concatenate([np.arange(starts[i], starts[i] + self.counts[i]) for i in order])
        return MetricSeries(
            tickers=tuple(self.tickers[i] for i in order),
            counts=self.counts[order],
            dates=self.dates,
            date_codes=self.date_codes[take],
            values=self.values[take],
        )


def empty_series() -> MetricSeries:
    return MetricSeries((), np.empty(0, np.int64), (), np.empty(0, np.int64), np.empty(0))


def unpack(rows: Iterable[tuple[str, int, str, bytes]]) -> tuple[MetricSeries, list[str]]:
    """Stored series rows (ticker, count, dates text, values bytes) -> one MetricSeries,
    and the tickers whose row is damaged (count, dates and bytes disagree): those are
    left out, for the caller to read point by point.

    Companies reporting the same dates share one text, so each distinct text is split
    once and its dates coded once.
    """
    tickers: list[str] = []
    counts: list[int] = []
    texts: list[str] = []
    blobs: list[bytes] = []
    damaged: list[str] = []
    size = VALUE_DTYPE.itemsize
    commas: dict[str, int] = {}  # per distinct text: its separators, counted once
    for ticker, count, text, blob in rows:
        n = count if type(count) is int else -1
        if (
            n <= 0
            or not isinstance(text, str)
            or not isinstance(blob, bytes)
            or len(blob) != n * size
        ):
            damaged.append(str(ticker))
            continue
        separators = commas.get(text)
        if separators is None:
            separators = commas[text] = text.count(DATE_SEPARATOR)
        if separators != n - 1:
            damaged.append(str(ticker))
            continue
        tickers.append(str(ticker))
        counts.append(n)
        texts.append(text)
        blobs.append(blob)
    if not tickers:
        return empty_series(), damaged
    vocabulary: dict[str, int] = {}
    coded: dict[str, np.ndarray] = {}
    for text in texts:
        if text not in coded:
            coded[text] = np.array(
                [vocabulary.setdefault(d, len(vocabulary)) for d in text.split(DATE_SEPARATOR)],
                dtype=np.int64,
            )
    series = MetricSeries(
        tickers=tuple(tickers),
        counts=np.array(counts, dtype=np.int64),
        dates=tuple(vocabulary),
        date_codes=(  # every company on the same dates (a synced market): one code row
            np.tile(next(iter(coded.values())), len(texts))
            if len(coded) == 1
            else np.concatenate([coded[t] for t in texts])
        ),
        values=np.frombuffer(b"".join(blobs), dtype=VALUE_DTYPE).astype(np.float64),
    )
    return series, damaged


def from_points(points: Iterable[tuple[str, str, float]]) -> MetricSeries:
    """(ticker, date, value) points, grouped by ticker in order -> one MetricSeries
    (the rows of a company whose stored series is damaged or not yet rebuilt)."""
    tickers: list[str] = []
    counts: list[int] = []
    vocabulary: dict[str, int] = {}
    codes: list[int] = []
    values: list[float] = []
    for name, day, value in points:
        ticker = str(name)
        if not tickers or tickers[-1] != ticker:
            tickers.append(ticker)
            counts.append(0)
        counts[-1] += 1
        codes.append(vocabulary.setdefault(str(day), len(vocabulary)))
        number = finite_float(value)
        values.append(np.nan if number is None else number)
    if not tickers:
        return empty_series()
    return MetricSeries(
        tickers=tuple(tickers),
        counts=np.array(counts, dtype=np.int64),
        dates=tuple(vocabulary),
        date_codes=np.array(codes, dtype=np.int64),
        values=np.array(values, dtype=np.float64),
    )


def concat(parts: Sequence[MetricSeries]) -> MetricSeries:
    """Several sources' series of one metric as one (their tickers do not overlap),
    ordered by ticker as the store orders one source's."""
    parts = [p for p in parts if len(p.tickers)]
    if not parts:
        return empty_series()
    if len(parts) == 1:
        return parts[0]
    offsets = np.cumsum([0, *(len(p.dates) for p in parts[:-1])])
    joined = MetricSeries(
        tickers=tuple(t for p in parts for t in p.tickers),
        counts=np.concatenate([p.counts for p in parts]),
        dates=tuple(d for p in parts for d in p.dates),
        date_codes=np.concatenate([p.date_codes + o for p, o in zip(parts, offsets, strict=True)]),
        values=np.concatenate([p.values for p in parts]),
    )
    return joined.by_ticker()

