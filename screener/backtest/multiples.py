"""Dated history points -> the multiples (and any other dated figure) known on any day.

A point counts from its published day (`lags`). On day D a name's figure is the
latest published point of its series; price-based multiples are carried to D's
close as a user on D would compute them (the denominator from the last published
period, the price of the day):

    pe_ttm(D) = pe_ttm(period end) x close(D) / close(period end)

EV-based multiples and other figures (growth, margins, where a source dates them)
are held at their published value. With several sources for one name and metric
(say East Money's daily series and Yahoo's quarterly one), the first in the
preference order that has published a point by D is used on D, for the figure and
for the own history the rules compare it with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from screener.backtest.calendar import Days, day_numbers
from screener.backtest.lags import published_days
from screener.backtest.prices import PriceTable, close_pairs
from screener.catalog import NUMERIC_METRICS

#: figures that move with the share price between two reports
PRICE_SCALED: frozenset[str] = frozenset({"pe_ttm", "pe_fwd", "peg", "ps_ttm", "pb", "market_cap"})

#: figures the replay computes itself (from closes, or as derived metrics), never read from history
COMPUTED: frozenset[str] = frozenset(
    {
        "price",
        "ret_1m",
        "ret_3m",
        "ret_6m",
        "ret_12m",
        "price_vs_ma200",
        "off_52w_high",
        "data_age_days",
        "pe_hist_pct",
        "market_cap_usd",
    }
)

#: which source wins when several date the same figure: longer, finer series first
SOURCE_PREFERENCE: tuple[str, ...] = ("akshare", "eastmoney", "yahoo", "sample")

_KEY = 1 << 24


def source_order(sources: Sequence[str]) -> tuple[str, ...]:
    """The sources present, in preference order (unknown ones after, by name)."""
    known = [s for s in SOURCE_PREFERENCE if s in sources]
    return (*known, *sorted(set(sources) - set(known)))


@dataclass(frozen=True, eq=False)
class Known:
    """What `MultipleTable.values_at` found, per metric, as (days x names) arrays.

    `values`: the figure (NaN: unknown); `source`: the position of its source in the
    table's preference order (-1: nothing published yet); `period_end`: the day number
    of the period the figure describes (its vintage; -1: none).
    """

    values: dict[str, np.ndarray]
    source: dict[str, np.ndarray]
    period_end: dict[str, np.ndarray]


@dataclass(frozen=True, eq=False)
class MultipleTable:
    """Every usable history point, sorted by series; a series is (metric, source, name)."""

    tickers: tuple[str, ...]
    metrics: tuple[str, ...]
    sources: tuple[str, ...]  # preference order
    series: np.ndarray  # int64 series id per point
    metric: np.ndarray  # int64 position in metrics
    rank: np.ndarray  # int64 position in sources
    name: np.ndarray  # int64 position in tickers
    end: np.ndarray  # period end, day number
    published: np.ndarray  # day the point counts from
    value: np.ndarray  # float64
    base_close: np.ndarray  # close on the period end (NaN: none), for price-scaled figures
    date_text: np.ndarray  # object: the date as stored (the engine's history column)

    @classmethod
    def build(
        cls,
        tickers: Sequence[str],
        rows: Sequence[tuple[str, str, str, str, float]],
        prices: PriceTable,
    ) -> MultipleTable:
        """From (ticker, source, metric, date, value) rows, as the store keeps them."""
        position = {t: i for i, t in enumerate(tickers)}
        usable = [
            r
            for r in rows
            if r[0] in position and r[2] in NUMERIC_METRICS and r[2] not in COMPUTED
        ]
        metrics = tuple(sorted({r[2] for r in usable}))
        sources = source_order(sorted({r[1] for r in usable}))
        m_pos = {m: i for i, m in enumerate(metrics)}
        s_pos = {s: i for i, s in enumerate(sources)}
        n = len(usable)
        name = np.fromiter((position[r[0]] for r in usable), np.int64, n)
        rank = np.fromiter((s_pos[r[1]] for r in usable), np.int64, n)
        metric = np.fromiter((m_pos[r[2]] for r in usable), np.int64, n)
        value = np.fromiter(
            (np.nan if r[4] is None else float(r[4]) for r in usable), np.float64, n
        )
        date_text = np.array([str(r[3]) for r in usable], dtype=object)
        end = day_numbers(date_text) if n else np.empty(0, np.int64)
        ok = (end >= 0) & np.isfinite(value)
        name, rank, metric, value, date_text, end = (
            a[ok] for a in (name, rank, metric, value, date_text, end)
        )
        series = (metric * len(sources) + rank) * len(tickers) + name
        order = np.lexsort((end, series))
        series, name, rank, metric, value, date_text, end = (
            a[order] for a in (series, name, rank, metric, value, date_text, end)
        )
        keep = np.ones(len(end), dtype=bool)  # one point per (series, period end)
        keep[:-1] = (series[1:] != series[:-1]) | (end[1:] != end[:-1])
        series, name, rank, metric, value, date_text, end = (
            a[keep] for a in (series, name, rank, metric, value, date_text, end)
        )
        scaled = np.isin(metric, [m_pos[m] for m in PRICE_SCALED if m in m_pos])
        base = np.full(len(end), np.nan)
        base[scaled] = close_pairs(prices, name[scaled], end[scaled])
        return cls(
            tickers=tuple(tickers),
            metrics=metrics,
            sources=sources,
            series=series,
            metric=metric,
            rank=rank,
            name=name,
            end=end,
            published=published_days(series, end),
            value=value,
            base_close=base,
            date_text=date_text,
        )

    def values_at(self, days: Days, close: np.ndarray) -> Known:
        """Each metric's known value on each day (days x names), its source and period end.

        `close` is the fresh close on each day (days x names), for price-scaled figures.
        """
        days = np.asarray(days, dtype=np.int64)
        n_names = len(self.tickers)
        keys = self.series * _KEY + self.published
        known = Known({}, {}, {})
        names = np.arange(n_names, dtype=np.int64)
        for m, metric in enumerate(self.metrics):
            out = np.full((len(days), n_names), np.nan)
            used = np.full((len(days), n_names), -1, dtype=np.int64)
            ends = np.full((len(days), n_names), -1, dtype=np.int64)
            for r in range(len(self.sources)):
                sid = (m * len(self.sources) + r) * n_names + names
                query = sid[None, :] * _KEY + days[:, None]
                pos = np.searchsorted(keys, query, side="right") - 1
                safe = np.maximum(pos, 0)
                found = (pos >= 0) & (self.series[safe] == sid[None, :]) & (used < 0)
                if len(self.series) == 0 or not found.any():
                    continue
                value = self.value[safe]
                if metric in PRICE_SCALED:
                    with np.errstate(all="ignore"):
                        value = value * close / self.base_close[safe]
                out[found] = value[found]
                used[found] = r
                ends[found] = self.end[safe][found]
            known.values[metric] = out
            known.source[metric] = used
            known.period_end[metric] = ends
        return known

    def history_at(
        self,
        day: int,
        chosen: dict[str, np.ndarray],
        row: int,
        metrics: frozenset[str] | None = None,
    ) -> pd.DataFrame:
        """The own-history frame the engine reads on `day`: published points, chosen sources.

        `chosen` is `values_at(...).source`, `row` the day's row in it;
        `metrics` keeps only the metrics a rule compares with its own history.
        """
        known = self.published <= day
        if metrics is not None:
            known &= np.isin(self.metric, [i for i, m in enumerate(self.metrics) if m in metrics])
        if len(self.sources) > 1 and known.any():
            pick = np.full((len(self.metrics), len(self.tickers)), -1, dtype=np.int64)
            for m, metric in enumerate(self.metrics):
                pick[m] = chosen[metric][row]
            known &= self.rank == pick[self.metric, self.name]
        names = np.asarray(self.tickers, dtype=object)
        labels = np.asarray(self.metrics, dtype=object)
        return pd.DataFrame(
            {
                "ticker": names[self.name[known]] if len(names) else [],
                "metric": labels[self.metric[known]] if len(labels) else [],
                "date": self.date_text[known],
                "value": self.value[known],
            },
            columns=["ticker", "metric", "date", "value"],
        ).astype({"value": "float64"})
