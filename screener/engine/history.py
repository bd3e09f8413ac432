"""A run's own-history points, grouped by metric once: what `hist_pct` and `hist_median` read.

The history arrives as one long frame (ticker, metric, date, value), or, for a screen,
as one compact `MetricSeries` per metric read straight from the store's series (no row
per point is ever made; the long frame is built only if a view asks for it). Every
evaluator of a run (one per set of age limits, plus the table's `P/E pct` column) reads
the same points, so they share one `HistoryPoints`: the frame is split by metric once,
and each metric's points are placed on a frame's rows once per set of rows. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeAlias

import numpy as np
import pandas as pd

from screener.engine.functions import FUNCTIONS
from screener.engine.nodes import Call, MetricRef, Node
from screener.series import HISTORY_COLUMNS, MetricSeries

Array: TypeAlias = np.ndarray


def history_metrics(nodes: Iterable[Node]) -> frozenset[str]:
    """The metrics whose own history these expressions read (`hist_pct(pe_ttm)` ...).

    What a run must load of the stored history for them, and nothing more.
    """
    out: set[str] = set()
    for node in nodes:
        for part in node.walk():
            if (
                isinstance(part, Call)
                and part.name in FUNCTIONS
                and FUNCTIONS[part.name].kind == "history"
            ):
                out.update(arg.name for arg in part.args if isinstance(arg, MetricRef))
    return frozenset(out)


class HistoryPoints:
    """The long history frame, split by metric once, with each metric's points placed
    on the rows of a frame once (cached by the rows' tickers); or the same points as
    compact series per metric (`series`), from which the frame is built only on demand."""

    def __init__(
        self,
        history: pd.DataFrame | None = None,
        *,
        series: Mapping[str, MetricSeries] | None = None,
    ) -> None:
        self._frame = history
        self.series = dict(series) if series is not None else None
        self._groups: dict[str, pd.DataFrame] | None = None
        self._placed: dict[str, tuple[pd.Index, Array, Array]] = {}
        self._results: dict[tuple[str, str], tuple[pd.Index, Array, Array]] = {}

    def remembered(
        self, key: tuple[str, str], index: pd.Index, current: Array, compute: Callable[[], Array]
    ) -> Array:
        """`compute()`, a function of the points of these rows and of `current` alone
        (`hist_pct(pe_ttm)` ...), done once for every evaluator of a run that asks it with
        the same rows and the same current values (the `P/E pct` column and the rules).

        Each caller gets its own copy, to change as it likes.
        """
        hit = self._results.get(key)
        if hit is not None:
            rows, values, out = hit
            if (rows is index or rows.equals(index)) and np.array_equal(
                values, current, equal_nan=True
            ):
                return out.copy()
        out = compute()
        self._results[key] = (index, current.copy(), out.copy())
        return out

    @classmethod
    def of(cls, history: HistoryInput) -> HistoryPoints:
        """The shared points of `history` (a HistoryPoints is taken as it is)."""
        return history if isinstance(history, HistoryPoints) else cls(history)

    @property
    def frame(self) -> pd.DataFrame | None:
        """The long frame (ticker, metric, date, value), ordered by ticker, metric, date:
        made from the series the first time a view (explain's windows) asks."""
        if self._frame is None and self.series is not None:
            self._frame = long_frame(self.series)
        return self._frame

    @property
    def metrics(self) -> set[str]:
        """The metrics that have at least one point."""
        if self.series is not None:
            return {m for m, s in self.series.items() if len(s)}
        return set(self.by_metric())

    def by_metric(self) -> dict[str, pd.DataFrame]:
        """metric -> its points (ticker, date, value): split once, whoever asks first."""
        if self._groups is None:
            h = self.frame
            if h is None or len(h) == 0:
                self._groups = {}
            else:
                self._groups = {
                    str(k): g for k, g in h.groupby(h["metric"].astype(str), sort=False)
                }
        return self._groups

    def points(self, metric: str, index: pd.Index) -> tuple[Array, Array]:
        """(row position in `index`, value) of every usable point of `metric`.

        Points of tickers not in `index` and non-finite values are left out.
        """
        placed = self._placed.get(metric)
        if placed is not None and (placed[0] is index or placed[0].equals(index)):
            return placed[1], placed[2]
        if self.series is not None:
            rows, values = _series_points(self.series.get(metric), index)
        else:
            rows, values = _frame_points(self.by_metric().get(metric), index)
        self._placed[metric] = (index, rows, values)
        return rows, values


#: what every reader of a run's own history takes: the long frame, the shared points
#: made of it (or of packed series), or nothing
HistoryInput: TypeAlias = "pd.DataFrame | HistoryPoints | None"


def _frame_points(sel: pd.DataFrame | None, index: pd.Index) -> tuple[Array, Array]:
    """(row position, finite value) of one metric's points of the long frame."""
    if sel is None:
        return np.empty(0, np.int64), np.empty(0)
    numbers = pd.to_numeric(sel["value"], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    positions = index.get_indexer(sel["ticker"].astype(str))
    ok = (positions >= 0) & np.isfinite(numbers)
    return positions[ok].astype(np.int64), numbers[ok]


def _series_points(series: MetricSeries | None, index: pd.Index) -> tuple[Array, Array]:
    """(row position, finite value) of one metric's series: each ticker looked up once."""
    if series is None or not len(series):
        return np.empty(0, np.int64), np.empty(0)
    owners = index.get_indexer(pd.Index(series.tickers, dtype=object))
    positions = np.repeat(owners, series.counts)
    ok = (positions >= 0) & np.isfinite(series.values)
    return positions[ok].astype(np.int64), series.values[ok]


def long_frame(series: Mapping[str, MetricSeries]) -> pd.DataFrame:
    """Series per metric -> the long frame the row-by-row read makes of the same points
    (ordered by ticker, then metric, then date as stored)."""
    parts = [
        pd.DataFrame(
            {
                "ticker": np.repeat(np.array(s.tickers, dtype=object), s.counts),
                "metric": metric,
                "date": np.array(s.dates, dtype=object)[s.date_codes],
                "value": s.values,
            }
        )
        for metric, s in sorted(series.items())
        if len(s)
    ]
    if not parts:
        empty = pd.DataFrame({name: pd.Series(dtype=object) for name in HISTORY_COLUMNS})
        return empty.astype({"value": "float64"})
    frame = pd.concat(parts, ignore_index=True)
    if len(parts) > 1:  # blocks by metric, each by ticker: interleave by ticker
        codes, _ = pd.factorize(frame["ticker"], sort=True, use_na_sentinel=False)
        frame = frame.take(np.argsort(codes, kind="stable")).reset_index(drop=True)
    return frame
