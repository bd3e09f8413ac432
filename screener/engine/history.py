"""A run's own-history points, grouped by metric once: what `hist_pct` and `hist_median` read.

The history arrives as one long frame (ticker, metric, date, value). Every evaluator of
a run (one per set of age limits, plus the table's `P/E pct` column) reads the same
points, so they share one `HistoryPoints`: the frame is split by metric once, and each
metric's points are placed on a frame's rows once per set of rows. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeAlias

import numpy as np
import pandas as pd

from screener.engine.functions import FUNCTIONS
from screener.engine.nodes import Call, MetricRef, Node

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
    on the rows of a frame once (cached by the rows' tickers)."""

    def __init__(self, history: pd.DataFrame | None) -> None:
        self.frame = history
        self._groups: dict[str, pd.DataFrame] | None = None
        self._placed: dict[str, tuple[pd.Index, Array, Array]] = {}

    @classmethod
    def of(cls, history: pd.DataFrame | HistoryPoints | None) -> HistoryPoints:
        """The shared points of `history` (a HistoryPoints is taken as it is)."""
        return history if isinstance(history, HistoryPoints) else cls(history)

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
        sel = self.by_metric().get(metric)
        if sel is None:
            rows, values = np.empty(0, np.int64), np.empty(0)
        else:
            numbers = pd.to_numeric(sel["value"], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
            positions = index.get_indexer(sel["ticker"].astype(str))
            ok = (positions >= 0) & np.isfinite(numbers)
            rows, values = positions[ok].astype(np.int64), numbers[ok]
        self._placed[metric] = (index, rows, values)
        return rows, values
