"""Which rows a run shows, and in what order: pure filtering and sorting of the frame.

Sorting is within sectors (the table groups by sector), so every output format
lists the sectors in the note's order and the rows of each by the chosen key.
Missing values always sort last, whatever the direction.

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

import pandas as pd

from screener.catalog import NUMERIC_METRICS
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


def flagged_mask(frame: pd.DataFrame) -> pd.Series:
    """Bool per row: the row is flagged (its score is above 0; see the module docstring)."""
    if "score" not in frame:
        return pd.Series(False, index=frame.index, dtype=bool)
    return pd.to_numeric(frame["score"], errors="coerce").fillna(0.0) > 0


def select_rows(
    frame: pd.DataFrame,
    *,
    sectors: Sequence[str] = (),
    sort: str = "score:desc",
    flagged: bool = False,
    min_score: float | None = None,
    limit: int | None = None,
    max_age: int | None = None,
) -> pd.DataFrame:
    """Filter by sector, score and age, sort within sectors, keep at most `limit` per sector.

    `max_age` keeps rows whose `as_of` is at most that many days before the run's today
    (the frame's `data_age_days`); a row without a date is not known to be that recent.
    """
    key, ascending = parse_sort(sort)
    rows = frame
    if sectors:
        rows = rows[rows["sector"].isin(list(sectors))]
    if flagged:
        rows = rows[flagged_mask(rows)]
    if min_score is not None:
        rows = rows[rows["score"] >= min_score]
    if max_age is not None:
        age = rows["data_age_days"] if "data_age_days" in rows else pd.Series(float("nan"))
        rows = rows[(age.reindex(rows.index) <= max_age).to_numpy(dtype=bool)]
    order = {sector: i for i, sector in enumerate(SECTORS)}
    rank = rows["sector"].map(lambda s: order.get(s, len(order))).astype("int64")
    if key == "ticker":
        values = rows.index.to_series()
    elif key in rows:
        values = rows[key]
    else:  # a metric no company has: every value missing, order unchanged
        values = pd.Series(float("nan"), index=rows.index)
    tiebreak = rows.get("market_cap_usd")
    helper = pd.DataFrame({"_rank": rank, "_value": values}, index=rows.index)
    by = ["_rank", "_value"]
    directions = [True, ascending]
    if tiebreak is not None and key != "market_cap_usd":
        helper["_cap"] = tiebreak
        by.append("_cap")
        directions.append(False)
    ordered = helper.sort_values(by, ascending=directions, na_position="last", kind="stable")
    rows = rows.loc[ordered.index]
    if limit is not None:
        rows = rows.groupby("sector", sort=False, group_keys=False).head(limit)
    return rows


@dataclass(frozen=True)
class Selection:
    """The rows a user asked to see: filters, order and limit, as one value a run carries.

    The sort is checked when the selection is made, so a bad `--sort` fails before any work.
    """

    sectors: tuple[str, ...] = ()
    sort: str = "score:desc"
    flagged: bool = False
    min_score: float | None = None
    limit: int | None = None
    max_age: int | None = None  # days: only rows whose as_of is at most this old

    def __post_init__(self) -> None:
        parse_sort(self.sort)
        if self.max_age is not None and self.max_age < 0:
            raise InputError(f"--max-age: a number of days, 0 or more, not {self.max_age}")

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The selected rows of `frame`, in order (see `select_rows`)."""
        return select_rows(
            frame,
            sectors=self.sectors,
            sort=self.sort,
            flagged=self.flagged,
            min_score=self.min_score,
            limit=self.limit,
            max_age=self.max_age,
        )
