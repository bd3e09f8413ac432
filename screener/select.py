"""Which rows a run shows, and in what order: pure filtering and sorting of the frame.

Sorting is within sectors (the table groups by sector), so every output format
lists the sectors in the note's order and the rows of each by the chosen keys
(`score:desc,pe_fwd`); `--no-group` ranks every row in one list, with one limit.
Missing values always sort last, whatever the direction. `--where` keeps the rows
where a rule-language condition is true (`engine.where`), and counts those where
it is unknown.

"Flagged" means one thing everywhere (`--flagged`, the table's counts, `watchlist
save --flagged`, the plot's marked points): a score above 0, the sum of the rules
that fired. Every shipped rule is a signal about the company (positive ones, and
penalties for leverage or losses); none reads the data's age, which stays visible
(the as-of column, the banner, `--max-age`) instead of moving the score. So a cheap
name with a loss is not flagged, and an old row with a real signal is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from screener.catalog import NUMERIC_METRICS
from screener.engine.history import HistoryInput
from screener.engine.where import Where, parse_where
from screener.errors import InputError
from screener.universe.taxonomy import SECTORS
from screener.utils import did_you_mean

#: sortable text columns, and the names users may give them
TEXT_SORT_KEYS: dict[str, str] = {
    "ticker": "ticker",
    "name": "name_en",
    "name_en": "name_en",
    "as_of": "as_of",
    "sector": "sector",
    "market": "market",
    "sub_segment": "sub_segment",
}
SORTABLE: frozenset[str] = NUMERIC_METRICS | {"score"} | set(TEXT_SORT_KEYS)


def parse_sort(spec: str) -> tuple[str, bool]:
    """'pe_fwd' -> ('pe_fwd', ascending); 'score:desc' -> ('score', descending)."""
    key, _, direction = spec.partition(":")
    key = key.strip()
    if key not in SORTABLE:
        raise InputError(f"--sort: unknown column '{key}'{did_you_mean(key, SORTABLE)}")
    direction = direction.strip().lower() or ("desc" if key == "score" else "asc")
    if direction not in ("asc", "desc"):
        raise InputError(f"--sort: direction must be asc or desc, not '{direction}'")
    return TEXT_SORT_KEYS.get(key, key), direction == "asc"


def parse_sorts(spec: str) -> list[tuple[str, bool]]:
    """'score:desc,pe_fwd' -> [('score', False), ('pe_fwd', True)]: keys in order of weight.

    A key named twice keeps its first place (a later one could never change the order).
    """
    parts = [part.strip() for part in spec.split(",")]
    if not any(parts) or "" in parts:
        raise InputError(f"--sort: an empty key in '{spec}'; write e.g. score:desc,pe_fwd")
    keys: dict[str, bool] = {}
    for part in parts:
        key, ascending = parse_sort(part)
        keys.setdefault(key, ascending)
    return list(keys.items())


def flagged_mask(frame: pd.DataFrame) -> pd.Series:
    """Bool per row: the row is flagged (its score is above 0; see the module docstring)."""
    if "score" not in frame:
        return pd.Series(False, index=frame.index, dtype=bool)
    return pd.to_numeric(frame["score"], errors="coerce").fillna(0.0) > 0


def _sort_values(rows: pd.DataFrame, key: str) -> pd.Series:
    if key == "ticker":
        return rows.index.to_series()
    if key in rows:
        return rows[key]
    return pd.Series(float("nan"), index=rows.index)  # a metric no company has


def order_rows(rows: pd.DataFrame, keys: Sequence[tuple[str, bool]], group: bool) -> pd.DataFrame:
    """`rows` sorted by `keys` (within sectors in the note's order when `group`).

    Missing values sort last for every key, whatever its direction; ties go to the
    larger market cap, then keep the frame's order.
    """
    helper = pd.DataFrame(index=rows.index)
    by: list[str] = []
    directions: list[bool] = []
    if group:
        order = {sector: i for i, sector in enumerate(SECTORS)}
        helper["_rank"] = rows["sector"].map(lambda s: order.get(s, len(order))).astype("int64")
        by.append("_rank")
        directions.append(True)
    for i, (key, ascending) in enumerate(keys):
        helper[f"_k{i}"] = _sort_values(rows, key)
        by.append(f"_k{i}")
        directions.append(ascending)
    tiebreak = rows.get("market_cap_usd")
    if tiebreak is not None and "market_cap_usd" not in {k for k, _ in keys}:
        helper["_cap"] = tiebreak
        by.append("_cap")
        directions.append(False)
    ordered = helper.sort_values(by, ascending=directions, na_position="last", kind="stable")
    return rows.loc[ordered.index]


@dataclass(frozen=True)
class Selected:
    """The rows a selection keeps, and what `--where` could not decide among the others."""

    rows: pd.DataFrame
    where_unknown: int = 0  # rows left out because the --where condition was unknown
    where_false: int = 0


def select_rows(
    frame: pd.DataFrame,
    *,
    sectors: Sequence[str] = (),
    sort: str = "score:desc",
    flagged: bool = False,
    min_score: float | None = None,
    limit: int | None = None,
    max_age: int | None = None,
    tickers: Sequence[str] = (),
    where: Where | None = None,
    group: bool = True,
    history: HistoryInput = None,
    stale: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Filter by sector, score, age, tickers and `where`; sort (within sectors unless
    `group` is false); keep at most `limit` per sector (in all, ungrouped)."""
    return select_counted(
        frame,
        sectors=sectors,
        sort=sort,
        flagged=flagged,
        min_score=min_score,
        limit=limit,
        max_age=max_age,
        tickers=tickers,
        where=where,
        group=group,
        history=history,
        stale=stale,
    ).rows


def select_counted(
    frame: pd.DataFrame,
    *,
    sectors: Sequence[str] = (),
    sort: str = "score:desc",
    flagged: bool = False,
    min_score: float | None = None,
    limit: int | None = None,
    max_age: int | None = None,
    tickers: Sequence[str] = (),
    where: Where | None = None,
    group: bool = True,
    history: HistoryInput = None,
    stale: pd.DataFrame | None = None,
) -> Selected:
    """`select_rows`, with the count of rows `where` left out as unknown.

    `max_age` keeps rows whose `as_of` is at most that many days before the run's today
    (the frame's `data_age_days`); a row without a date is not known to be that recent.
    `where` is evaluated over the whole frame (sector statistics see every company), with
    `history` and the `stale` figures of the run, and then keeps the rows where it is true.
    """
    keys = parse_sorts(sort)
    rows = frame
    where_unknown = where_false = 0
    if where is not None:
        outcome = where.outcome(frame, history, stale)
    if sectors:
        rows = rows[rows["sector"].isin(list(sectors))]
    if tickers:
        rows = rows[rows.index.isin(list(tickers))]
    if flagged:
        rows = rows[flagged_mask(rows)]
    if min_score is not None:
        rows = rows[rows["score"] >= min_score]
    if max_age is not None:
        age = rows["data_age_days"] if "data_age_days" in rows else pd.Series(float("nan"))
        rows = rows[(age.reindex(rows.index) <= max_age).to_numpy(dtype=bool)]
    if where is not None:
        values = outcome.reindex(rows.index).to_numpy(dtype="float64")
        where_unknown = int(np.isnan(values).sum())
        where_false = int((values == 0.0).sum())
        rows = rows[values == 1.0]
    rows = order_rows(rows, keys, group)
    if limit is not None:
        if group:
            rows = rows.groupby("sector", sort=False, group_keys=False).head(limit)
        else:
            rows = rows.head(limit)
    return Selected(rows, where_unknown, where_false)


def shown_rows(rows: pd.DataFrame, limit: int | None, group: bool = True) -> pd.DataFrame:
    """The part of selected rows a view shows under its own row limit (None: all): the
    first `limit` of each sector, or of the one ranking when not grouped."""
    if limit is None or rows.empty:
        return rows
    if not group:
        return rows.head(limit)
    return rows.groupby("sector", sort=False, group_keys=False, dropna=False).head(limit)


@dataclass(frozen=True)
class Selection:
    """The rows a user asked to see: filters, order and limit, as one value a run carries.

    The sort and the `--where` text are checked when the selection is made, so a bad
    one fails before any work.
    """

    sectors: tuple[str, ...] = ()
    sort: str = "score:desc"
    flagged: bool = False
    min_score: float | None = None
    limit: int | None = None
    max_age: int | None = None  # days: only rows whose as_of is at most this old
    tickers: tuple[str, ...] = ()  # only these companies (Yahoo symbols); empty: all
    where: str | None = None  # a condition in the rule language (`--where`)
    group: bool = True  # sort and limit within sectors; false: one ranking (`--no-group`)

    def __post_init__(self) -> None:
        parse_sorts(self.sort)
        if self.max_age is not None and self.max_age < 0:
            raise InputError(f"--max-age: a number of days, 0 or more, not {self.max_age}")
        _ = self.condition

    @cached_property
    def condition(self) -> Where | None:
        """The checked `--where` condition (None without one)."""
        return parse_where(self.where) if self.where is not None else None

    def apply(
        self,
        frame: pd.DataFrame,
        history: HistoryInput = None,
        stale: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """The selected rows of `frame`, in order (see `select_rows`)."""
        return self.apply_counted(frame, history, stale).rows

    def apply_counted(
        self,
        frame: pd.DataFrame,
        history: HistoryInput = None,
        stale: pd.DataFrame | None = None,
    ) -> Selected:
        """The selected rows, with what `--where` could not decide (see `select_counted`)."""
        return select_counted(
            frame,
            sectors=self.sectors,
            sort=self.sort,
            flagged=self.flagged,
            min_score=self.min_score,
            limit=self.limit,
            max_age=self.max_age,
            tickers=self.tickers,
            where=self.condition,
            group=self.group,
            history=history,
            stale=stale,
        )
