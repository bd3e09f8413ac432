"""What followed the verdicts: forward returns, excess over a benchmark, the figures per rule.

Pure array work over `verdicts.Verdicts`: a horizon's figures for every rule come
from (days x names) arrays of returns, excess returns and gaps closed; the day counts
and the per-sector curves likewise. See `replay` for what each figure means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from screener.backtest.calendar import iso
from screener.backtest.measure import group_means, nan_stat, row_spearman
from screener.backtest.pit import PointInTime
from screener.backtest.prices import PriceTable
from screener.backtest.verdicts import Verdicts
from screener.engine import Rule

MIN_BASKET = 3  # a sector basket of fewer priced names is no benchmark
ALL_RULES = "all rules"


@dataclass(frozen=True)
class RuleStats:
    """One rule (or the whole set) at one horizon, pooled over the days that count."""

    rule: str
    label: str
    score: float
    horizon: str
    days: int  # days with figures
    days_total: int  # rebalance days whose horizon the data reach
    flags: int  # flagged (name, day) pairs with a forward excess return
    hit_rate: float | None
    mean_return: float | None
    mean_excess: float | None
    median_excess: float | None
    ic: float | None
    ic_days: int
    gap_closed: float | None  # median share of the gap to the sector median that closed
    gap_flags: int
    decided_median: float | None  # names the rule could decide per day (median over days)


@dataclass(frozen=True)
class DayCount:
    """Names priced, decided and flagged by one rule (or the set) on one rebalance day."""

    date: str
    rule: str
    names: int
    decided: int
    flagged: int


@dataclass(frozen=True)
class SectorCurve:
    """Cumulative excess return of the set's flagged names of one sector, day by day.

    `counted[k]` says whether the period ending on `dates[k + 1]` had enough names to
    count; a period that did not, or had no flagged name, adds nothing.
    """

    sector: str
    dates: tuple[str, ...]
    cumulative: tuple[float, ...]
    counted: tuple[bool, ...]
    flagged: tuple[int, ...]


class Forward:
    """Forward returns between two days, and their excess over the benchmark.

    The sector basket is the equal-weight mean over the names with `basket_codes`
    >= 0 of the same group (at least MIN_BASKET of them); a benchmark ticker's return
    is the same for every name.
    """

    def __init__(
        self,
        prices: PriceTable,
        basket_codes: np.ndarray,
        codes: np.ndarray,
        ngroups: int,
        benchmark: PriceTable | None = None,
    ) -> None:
        self.prices = prices
        self.benchmark = benchmark
        self.basket_codes = basket_codes
        self.codes = codes
        self.ngroups = ngroups
        self.last = prices.last_day or 0

    def between(
        self, starts: np.ndarray, ends: np.ndarray, start_close: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(return, excess) per (day, name) from `start_close` to the close on `ends`.

        Unknown (NaN) where either close is missing or the end is past the last close.
        """
        end_close = self.prices.close_at(ends, total=True)
        end_close[ends > self.last] = np.nan
        with np.errstate(all="ignore"):
            fwd = end_close / start_close - 1.0
        if self.benchmark is None:
            counted = np.where(self.basket_codes[None, :] >= 0, fwd, np.nan)
            basket = group_means(counted, self.basket_codes, self.ngroups, MIN_BASKET)
            bench = basket[:, self.codes]
        else:
            b0 = self.benchmark.close_at(starts, total=True)[:, 0]
            b1 = self.benchmark.close_at(ends, total=True)[:, 0]
            b1[ends > self.last] = np.nan
            with np.errstate(all="ignore"):
                bench = np.broadcast_to((b1 / b0 - 1.0)[:, None], fwd.shape)
        return fwd, fwd - bench


def multiple_at(pit: PointInTime, days: np.ndarray, metric: str) -> np.ndarray:
    """The multiple known on each day (days x names): the same figure the frames carry."""
    if metric not in pit.multiples.metrics:
        return np.full((len(days), len(pit.tickers)), np.nan)
    close = pit.prices.close_at(days)
    return pit.multiples.values_at(days, close).values[metric]


@dataclass(frozen=True, eq=False)
class HorizonArrays:
    """One horizon's outcome per (day, name): return, excess, gap closed, reachable days."""

    label: str
    fwd: np.ndarray
    excess: np.ndarray
    closed: np.ndarray
    reachable: np.ndarray  # per day: the horizon ends by the last close


def horizon_stats(
    outcome: HorizonArrays,
    verdicts: Verdicts,
    rules: Sequence[Rule],
    measured: np.ndarray,
    min_names: int,
) -> list[RuleStats]:
    """The figures of every rule, then of the whole set, at one horizon."""
    out = []
    for k, rule in enumerate(rules):
        out.append(
            _stats(
                rule.id,
                rule.flag or rule.id,
                rule.score,
                outcome,
                min_names,
                verdicts.decided[:, :, k] & measured,
                verdicts.fired[:, :, k] & measured,
                np.where(verdicts.fired[:, :, k], rule.score, 0.0),
                np.sign(rule.score) or 1.0,
            )
        )
    out.append(
        _stats(
            ALL_RULES,
            ALL_RULES,
            float("nan"),
            outcome,
            min_names,
            verdicts.any_decided & measured & verdicts.present,
            verdicts.flagged & measured,
            np.nan_to_num(verdicts.score),
            1.0,
        )
    )
    return out


def day_counts(verdicts: Verdicts, rules: Sequence[Rule], measured: np.ndarray) -> list[DayCount]:
    """Per day and rule (then the whole set): names priced, decided, flagged."""
    counts: list[DayCount] = []
    names = measured if measured.ndim == 2 else measured[None, :]  # per day with --where
    present = verdicts.present & names
    decided = verdicts.decided & names[:, :, None]
    fired = verdicts.fired & names[:, :, None]
    for j, day in enumerate(verdicts.days.tolist()):
        date = iso(int(day))
        priced = int(present[j].sum())
        for k, rule in enumerate(rules):
            decides, flags = int(decided[j, :, k].sum()), int(fired[j, :, k].sum())
            counts.append(DayCount(date, rule.id, priced, decides, flags))
        counts.append(
            DayCount(
                date,
                ALL_RULES,
                priced,
                int(decided[j].any(axis=1).sum()),
                int((verdicts.flagged[j] & names[min(j, len(names) - 1)]).sum()),
            )
        )
    return counts


def sector_curves(
    verdicts: Verdicts,
    period_excess: np.ndarray,
    codes: np.ndarray,
    sectors: Sequence[str],
    shown: Sequence[str],
    min_names: int,
) -> list[SectorCurve]:
    """The whole set's flagged names per sector, compounded period by period.

    `period_excess` (days - 1 x names): each name's excess from one rebalance day to
    the next. A period counts for a sector with at least `min_names` such returns; it
    adds the mean excess of the sector's flagged names (nothing when none was flagged).
    """
    dates = tuple(iso(int(d)) for d in verdicts.days)
    flagged = verdicts.flagged[:-1] & verdicts.present[:-1]
    curves = []
    for g, sector in enumerate(sectors):
        if shown and sector not in shown:
            continue
        cols = codes == g
        has = np.isfinite(period_excess[:, cols])
        counted = has.sum(axis=1) >= min_names
        held = flagged[:, cols] & has
        gains = np.where(held, period_excess[:, cols], 0.0).sum(axis=1)
        count = held.sum(axis=1)
        with np.errstate(all="ignore"):
            step = np.where(counted & (count > 0), gains / count, 0.0)
        cumulative = np.concatenate(([0.0], np.cumprod(1.0 + step) - 1.0))
        curves.append(
            SectorCurve(
                sector=sector,
                dates=dates,
                cumulative=tuple(float(v) for v in cumulative),
                counted=tuple(bool(c) for c in counted),
                flagged=tuple(int(c) for c in np.where(counted, count, 0)),
            )
        )
    return curves


def _stats(
    rule: str,
    label: str,
    rule_score: float,
    outcome: HorizonArrays,
    min_names: int,
    decided: np.ndarray,
    fired: np.ndarray,
    x: np.ndarray,
    sign: float,
) -> RuleStats:
    """Pool one rule's flags over the days with enough decided names.

    `x` is what the IC ranks (the rule's score where it fired, 0 elsewhere); `sign`
    the direction in which a flag pays (-1 for a penalty).
    """
    fwd, excess, closed, reachable = (
        outcome.fwd,
        outcome.excess,
        outcome.closed,
        outcome.reachable,
    )
    has = np.isfinite(excess)
    usable = decided & has
    counted = reachable & (usable.sum(axis=1) >= min_names)
    flags = fired & has & counted[:, None]
    ex = excess[flags]
    per_day_ic = row_spearman(x, np.where(has, excess, 0.0), usable)
    ics = per_day_ic[counted & np.isfinite(per_day_ic)]
    gaps = closed[flags]
    gaps = gaps[np.isfinite(gaps)]
    per_day = decided.sum(axis=1)[reachable]
    return RuleStats(
        rule=rule,
        label=label,
        score=rule_score,
        horizon=outcome.label,
        days=int(counted.sum()),
        days_total=int(reachable.sum()),
        flags=int(flags.sum()),
        hit_rate=float((sign * ex > 0).mean()) if len(ex) else None,
        mean_return=nan_stat(fwd[flags], "mean"),
        mean_excess=nan_stat(ex, "mean"),
        median_excess=nan_stat(ex, "median"),
        ic=float(np.mean(ics)) if len(ics) else None,
        ic_days=len(ics),
        gap_closed=nan_stat(gaps, "median"),
        gap_flags=int(len(gaps)),
        decided_median=float(np.median(per_day)) if len(per_day) else None,
    )
