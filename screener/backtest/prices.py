"""Daily closes -> what was known about each price on any day: vectorised over names and days.

One `PriceTable` holds every stored bar of every name in one sorted array keyed by
(name, day), so "the last close on or before D" for all names and all rebalance days
is one `searchsorted`. The price metrics are defined as the live ones
(`data.yahoo.prices`): returns against the last close on or before the same calendar
day 1/3/6/12 months before the last bar, the 200-bar average, the 252-bar high.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from screener.backtest.calendar import Days, months_before

FRESH_DAYS = 14  # a close older than this on day D does not price the name on D
RETURN_WINDOWS: tuple[tuple[str, int], ...] = (
    ("ret_1m", 1),
    ("ret_3m", 3),
    ("ret_6m", 6),
    ("ret_12m", 12),
)
MA_BARS = 200
HIGH_BARS = 252
FIRST_BAR_SLACK = 7  # a window reaching this few days before the first bar still counts

_KEY = 1 << 24  # day numbers stay far below this: key = name * _KEY + day


@dataclass(frozen=True, eq=False)
class PriceTable:
    """Every bar of every name, sorted by (name, day); names are positions in `tickers`."""

    tickers: tuple[str, ...]
    name: np.ndarray  # int64 position in tickers, per bar
    day: np.ndarray  # int64 day number, per bar
    close: np.ndarray  # float64 close as quoted, per bar: price metrics, scaling multiples
    total: np.ndarray  # float64 adjusted close where stored (else the close): forward returns
    high_252: np.ndarray  # float64 rolling 252-bar high (NaN: no high in the window)
    csum: np.ndarray  # cumulative sum of closes, with a leading 0
    start: np.ndarray  # first bar position of each name (len(tickers) + 1 bounds)

    @classmethod
    def build(
        cls,
        tickers: Sequence[str],
        rows_ticker: Sequence[str],
        rows_day: np.ndarray,
        rows_close: np.ndarray,
        rows_high: np.ndarray | None = None,
        rows_total: np.ndarray | None = None,
    ) -> PriceTable:
        """From flat bar columns (any order); bars of tickers not listed, or bad, are dropped.

        `rows_total` is the adjusted close (dividends and splits) where the store has it.
        """
        position = {t: i for i, t in enumerate(tickers)}
        name = np.fromiter((position.get(t, -1) for t in rows_ticker), np.int64, len(rows_ticker))
        close = np.asarray(rows_close, dtype=np.float64)
        high = (
            np.full(len(close), np.nan)
            if rows_high is None
            else np.asarray(rows_high, dtype=np.float64)
        )
        total = (
            close.copy() if rows_total is None else np.asarray(rows_total, dtype=np.float64)
        )
        total = np.where(np.isfinite(total) & (total > 0), total, close)
        day = np.asarray(rows_day, dtype=np.int64)
        ok = (name >= 0) & (day >= 0) & np.isfinite(close) & (close > 0)
        order = np.lexsort((day[ok], name[ok]))
        name, day, close, high, total = (a[ok][order] for a in (name, day, close, high, total))
        keep = np.ones(len(day), dtype=bool)  # one bar per (name, day): the last given
        keep[:-1] = (name[1:] != name[:-1]) | (day[1:] != day[:-1])
        name, day, close, high, total = (a[keep] for a in (name, day, close, high, total))
        high_252 = (
            pd.Series(high)
            .groupby(name)
            .rolling(HIGH_BARS, min_periods=1)
            .max()
            .to_numpy(dtype=np.float64)
            if len(high)
            else np.empty(0)
        )
        start = np.searchsorted(name, np.arange(len(tickers) + 1), side="left")
        return cls(
            tickers=tuple(tickers),
            name=name,
            day=day,
            close=close,
            total=total,
            high_252=high_252,
            csum=np.concatenate(([0.0], np.cumsum(close))),
            start=start.astype(np.int64),
        )

    @property
    def first_day(self) -> int | None:
        return int(self.day.min()) if len(self.day) else None

    @property
    def last_day(self) -> int | None:
        return int(self.day.max()) if len(self.day) else None

    def bar_counts(self) -> np.ndarray:
        return np.diff(self.start)

    def last_bar(self, days: Days) -> np.ndarray:
        """Position of each name's last bar on or before each day: (days x names), -1 for none."""
        names = np.arange(len(self.tickers), dtype=np.int64)
        keys = names[None, :] * _KEY + np.asarray(days, dtype=np.int64)[:, None]
        pos = np.searchsorted(self.name * _KEY + self.day, keys, side="right") - 1
        own = pos >= self.start[names][None, :]
        return np.where(own, pos, -1)

    def close_at(self, days: Days, *, total: bool = False) -> np.ndarray:
        """The last close on or before each day, if at most FRESH_DAYS old: (days x names).

        `total`: the adjusted close, for returns that count dividends.
        """
        if not len(self.day):
            return np.full((len(days), len(self.tickers)), np.nan)
        pos = self.last_bar(days)
        ok = pos >= 0
        safe = np.where(ok, pos, 0)
        age = np.asarray(days, dtype=np.int64)[:, None] - self.day[safe]
        ok &= age <= FRESH_DAYS
        return np.where(ok, (self.total if total else self.close)[safe], np.nan)

    def metrics_at(self, days: Days) -> dict[str, np.ndarray]:
        """price, price_day and the price metrics on each day: (days x names) each.

        Only names with a fresh close (FRESH_DAYS) get values; the rest are NaN.
        """
        days = np.asarray(days, dtype=np.int64)
        if not len(self.day):
            blank = np.full((len(days), len(self.tickers)), np.nan)
            metrics = ["price", *(m for m, _ in RETURN_WINDOWS), "price_vs_ma200", "off_52w_high"]
            out = {m: blank.copy() for m in metrics}
            out["price_day"] = np.full(blank.shape, -1, dtype=np.int64)
            return out
        pos = self.last_bar(days)
        ok = pos >= 0
        safe = np.where(ok, pos, 0)
        ok &= (days[:, None] - self.day[safe]) <= FRESH_DAYS
        names = np.broadcast_to(np.arange(len(self.tickers)), pos.shape)
        first = self.start[names]
        last = self.close[safe]
        last_day = self.day[safe]
        out: dict[str, np.ndarray] = {
            "price": np.where(ok, last, np.nan),
            "price_day": np.where(ok, last_day, -1),
        }
        first_day = self.day[np.minimum(first, len(self.day) - 1)]
        for metric, months in RETURN_WINDOWS:
            target = months_before(last_day.ravel(), months).reshape(last_day.shape)
            reach = target >= first_day - FIRST_BAR_SLACK
            target = np.maximum(target, first_day)
            keys = names * _KEY + target
            base_pos = np.searchsorted(self.name * _KEY + self.day, keys, side="right") - 1
            valid = ok & reach & (base_pos >= first)
            base = self.close[np.where(valid, base_pos, 0)]
            with np.errstate(all="ignore"):
                out[metric] = np.where(valid & (base != 0), last / base - 1, np.nan)
        enough = ok & (safe - first + 1 >= MA_BARS)
        lo = np.where(enough, safe + 1 - MA_BARS, 0)
        ma = (self.csum[safe + 1] - self.csum[lo]) / MA_BARS
        with np.errstate(all="ignore"):
            out["price_vs_ma200"] = np.where(enough & (ma != 0), last / ma - 1, np.nan)
            high = self.high_252[safe]
            out["off_52w_high"] = np.where(ok & (high > 0), last / high - 1, np.nan)
        return out


def close_pairs(table: PriceTable, names: np.ndarray, days: np.ndarray) -> np.ndarray:
    """The last fresh close on or before each (name, day) pair: one value per pair."""
    names = np.asarray(names, dtype=np.int64)
    days = np.asarray(days, dtype=np.int64)
    if not len(table.day) or not len(names):
        return np.full(len(names), np.nan)
    pos = np.searchsorted(table.name * _KEY + table.day, names * _KEY + days, side="right") - 1
    ok = pos >= table.start[names]
    safe = np.where(ok, pos, 0)
    ok &= days - table.day[safe] <= FRESH_DAYS
    return np.where(ok, table.close[safe], np.nan)
