"""The figures a replay reports: pure functions over plain arrays.

Ranks average their ties (a flag is 0 or 1, so ties are the rule), and the rank
correlation is Spearman's: Pearson's over those ranks. Nothing here knows about
dates or names.
"""

from __future__ import annotations

import math

import numpy as np

MIN_GAP = 0.05  # a name within 5% of its sector median has no gap to close


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, tied values sharing the mean of their positions."""
    uniques, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    del uniques
    ends = np.cumsum(counts)
    mean_rank = ends - (counts - 1) / 2.0
    return mean_rank[inverse.reshape(-1)]


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation of two equal-length arrays; NaN when either is constant."""
    if len(x) < 2:
        return math.nan
    rx, ry = average_ranks(np.asarray(x, float)), average_ranks(np.asarray(y, float))
    dx, dy = rx - rx.mean(), ry - ry.mean()
    den = math.sqrt(float((dx * dx).sum()) * float((dy * dy).sum()))
    return math.nan if den == 0 else float((dx * dy).sum()) / den


def row_spearman(x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Spearman's correlation per row of (days x names) arrays over the names in `mask`.

    NaN for a row with fewer than 2 names or a constant side. Equal to `spearman` on
    each row's masked values (a test holds them equal).
    """
    import pandas as pd

    xs = pd.DataFrame(np.where(mask, x, np.nan)).rank(axis=1, method="average")
    ys = pd.DataFrame(np.where(mask, y, np.nan)).rank(axis=1, method="average")
    rx, ry = xs.to_numpy(dtype=np.float64), ys.to_numpy(dtype=np.float64)
    both = mask & np.isfinite(rx) & np.isfinite(ry)
    count = both.sum(axis=1)
    with np.errstate(all="ignore"):
        mx = np.where(both, rx, 0).sum(axis=1) / count
        my = np.where(both, ry, 0).sum(axis=1) / count
        dx = np.where(both, rx - mx[:, None], 0)
        dy = np.where(both, ry - my[:, None], 0)
        den = np.sqrt((dx * dx).sum(axis=1) * (dy * dy).sum(axis=1))
        out = (dx * dy).sum(axis=1) / den
    out[(count < 2) | ~(den > 0)] = np.nan
    return out


def gap_closed(m0: np.ndarray, s0: np.ndarray, m1: np.ndarray, s1: np.ndarray) -> np.ndarray:
    """How much of each name's gap to its sector median closed: 1 all, 0 none, < 0 wider.

    The gap is the relative multiple m / median - 1 at the start (g0) and the end (g1);
    the share closed is (g0 - g1) / g0. Names with |g0| < MIN_GAP, or a figure missing
    or not positive, give NaN.
    """
    with np.errstate(all="ignore"):
        g0 = m0 / s0 - 1.0
        g1 = m1 / s1 - 1.0
        out = (g0 - g1) / g0
    ok = (m0 > 0) & (s0 > 0) & (m1 > 0) & (s1 > 0) & (np.abs(g0) >= MIN_GAP)
    return np.where(ok, out, np.nan)


def nan_stat(values: list[float] | np.ndarray, how: str) -> float | None:
    """Mean or median of the finite values; None when there are none."""
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    if not len(arr):
        return None
    return float(arr.mean() if how == "mean" else np.median(arr))


def group_medians(values: np.ndarray, codes: np.ndarray, ngroups: int) -> np.ndarray:
    """Per row of `values` (days x names): the median of each group's positive values.

    codes < 0 belong to no group. Returns (days x ngroups), NaN for an empty group.
    """
    out = np.full((values.shape[0], ngroups), np.nan)
    for g in range(ngroups):
        cols = codes == g
        if not cols.any():
            continue
        part = np.where(values[:, cols] > 0, values[:, cols], np.nan)
        has = np.isfinite(part).any(axis=1)
        if has.any():
            with np.errstate(all="ignore"):
                out[has, g] = np.nanmedian(part[has], axis=1)
    return out


def group_means(
    values: np.ndarray, codes: np.ndarray, ngroups: int, min_count: int
) -> np.ndarray:
    """Per row (days x names): each group's mean of finite values, NaN under `min_count`."""
    out = np.full((values.shape[0], ngroups), np.nan)
    for g in range(ngroups):
        cols = codes == g
        if not cols.any():
            continue
        part = values[:, cols]
        count = np.isfinite(part).sum(axis=1)
        total = np.where(np.isfinite(part), part, 0.0).sum(axis=1)
        with np.errstate(all="ignore"):
            out[:, g] = np.where(count >= min_count, total / count, np.nan)
    return out
