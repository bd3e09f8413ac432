"""Replay a rule set over past rebalance days and measure what followed each flag.

    result = run_backtest(inputs, ruleset, BacktestConfig(every="month"))

On each rebalance day the frame known that day (`pit`) goes through the same engine
as a screening run. What followed is measured per horizon against the name's sector
basket (equal weight over the sector's names priced that day, each company once by
its primary listing, the adjacent group a basket of its own) or a benchmark ticker:

* hit rate: the share of flags that paid (excess return of the rule's sign: a
  penalty pays when its names lag);
* mean and median excess return of the flagged names, and their mean raw return;
* IC: per day, Spearman's correlation of the rule's score (its score where it fired,
  0 where it decided "no") with the excess return, over the names it could decide,
  averaged over the days;
* the re-rating: the share of each flagged name's gap to its sector median multiple
  that closed within the horizon (`measure.gap_closed`), median over flags.

For one rule "could decide" means its condition was true or false (not unknown for a
missing input) where it applies; for the whole set it means any rule decided, and
"flagged" means a positive total score, as `screen --flagged`. A day counts for a
rule and horizon only when at least `min_names` names it could decide have a forward
return; days under that show no figures. Observations are pooled over the days
that count (a 12-month horizon from monthly days overlaps: no t-statistics here).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from screener.backtest.calendar import Every, Horizon, iso, months_later, parse_horizons
from screener.backtest.calendar import rebalance_days as make_rebalance_days
from screener.backtest.measure import (
    gap_closed,
    group_means,
    group_medians,
    nan_stat,
    row_spearman,
)
from screener.backtest.multiples import MultipleTable
from screener.backtest.pit import PointInTime, evaluate_state
from screener.backtest.prices import PriceTable
from screener.catalog import TEXT_METRICS
from screener.data.provider import FxRate
from screener.engine import RuleSet
from screener.engine.nodes import Call, MetricRef
from screener.errors import DataError, InputError
from screener.universe import Company

MIN_NAMES = 5  # a day with fewer names a rule could decide shows no figures for it
MIN_BASKET = 3  # a sector basket of fewer priced names is no benchmark
ALL_RULES = "all rules"


@dataclass(frozen=True)
class BacktestConfig:
    """What to replay: how often, which horizons, from when, which sectors, against what."""

    every: Every = "month"
    horizons: tuple[Horizon, ...] = field(default_factory=lambda: parse_horizons("3m,6m,12m"))
    since: int | None = None  # day number; None: from the first close
    sectors: tuple[str, ...] = ()  # measure only these (all rules still see every name)
    benchmark: str = "sector"  # or a ticker with stored closes
    multiple: str = "pe_ttm"  # the multiple whose re-rating is measured
    min_names: int = MIN_NAMES


@dataclass(frozen=True, eq=False)
class ReplayInputs:
    """Everything a replay reads, loaded once from the store (`load.load_replay`)."""

    universe: Mapping[str, Company]
    prices: PriceTable
    multiples: MultipleTable
    fx: tuple[FxRate, ...] = ()
    source: str = "yahoo"
    benchmark_prices: PriceTable | None = None  # the --benchmark ticker's closes


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


@dataclass(frozen=True)
class BacktestResult:
    """A replay: its settings, the figures per rule and horizon, day counts and curves."""

    config: BacktestConfig
    source: str
    benchmark: str
    dates: tuple[str, ...]
    first_close: str
    last_close: str
    universe_size: int
    priced_names: int
    rule_ids: tuple[str, ...]
    labels: Mapping[str, str]
    stats: tuple[RuleStats, ...]
    counts: tuple[DayCount, ...]
    curves: tuple[SectorCurve, ...]
    never_known: Mapping[str, tuple[str, ...]]  # rule id -> inputs never known in the replay
    known_metrics: tuple[str, ...]


def history_inputs(ruleset: RuleSet) -> frozenset[str]:
    """The metrics some rule compares with their own history (hist_pct, hist_median)."""
    out = set()
    for rule in ruleset.rules:
        for node in rule.when.walk():
            if isinstance(node, Call) and node.name in ("hist_pct", "hist_median"):
                arg = node.args[0]
                if isinstance(arg, MetricRef):
                    out.add(arg.name)
    if any("pe_hist_pct" in names for names in rule_inputs(ruleset).values()):
        out.add("pe_ttm")
    return frozenset(out)


def rule_inputs(ruleset: RuleSet) -> dict[str, tuple[str, ...]]:
    """The numeric catalogue figures each rule reads."""
    out: dict[str, tuple[str, ...]] = {}
    for rule in ruleset.rules:
        names = {n.name for n in rule.when.walk() if isinstance(n, MetricRef)}
        out[rule.id] = tuple(sorted(names - TEXT_METRICS))
    return out


def check_history(inputs: ReplayInputs, config: BacktestConfig, days: np.ndarray) -> None:
    """Fail with one clear line when the store cannot support a replay at all."""
    priced = int((inputs.prices.bar_counts() > 0).sum())
    span = ""
    if inputs.prices.first_day is not None and inputs.prices.last_day is not None:
        span = f" (closes from {iso(inputs.prices.first_day)} to {iso(inputs.prices.last_day)})"
    if priced < config.min_names:
        hint = (
            ": the bundled sample has annual multiples but no daily prices"
            if inputs.source == "sample"
            else ": refresh with a multi-year price history first (see docs/backtest.md)"
        )
        raise DataError(
            f"not enough history to backtest: daily closes for {priced} of "
            f"{len(inputs.universe)} companies, at least {config.min_names} needed{hint}"
        )
    shortest = config.horizons[0]
    last = inputs.prices.last_day or 0
    if not len(days) or months_later(days[:1], shortest.months)[0] > last:
        raise DataError(
            f"not enough history to backtest: no {config.every}-end rebalance day is "
            f"{shortest.label} before the last close{span}; refresh a longer price history "
            "or use --since / a shorter --horizon"
        )


def rebalance_days(inputs: ReplayInputs, config: BacktestConfig) -> np.ndarray:
    """Month or quarter ends from --since (or the first close) to the last close."""
    first, last = inputs.prices.first_day, inputs.prices.last_day
    if first is None or last is None:
        return np.empty(0, np.int64)
    start = max(first, config.since) if config.since is not None else first
    return make_rebalance_days(start, last, config.every)


def point_in_time(inputs: ReplayInputs, ruleset: RuleSet) -> PointInTime:
    """The day-by-day frame builder for `inputs`, reading only the history `ruleset` needs."""
    reads = {name for names in rule_inputs(ruleset).values() for name in names}
    return PointInTime(
        inputs.universe,
        inputs.prices,
        inputs.multiples,
        inputs.fx,
        inputs.source,
        history_metrics=history_inputs(ruleset),
        hist_pct_column="pe_hist_pct" in reads,
    )


def run_backtest(inputs: ReplayInputs, ruleset: RuleSet, config: BacktestConfig) -> BacktestResult:
    """Replay `ruleset` on every rebalance day and measure each horizon that followed."""
    if config.multiple not in ("pe_ttm", "pe_fwd", "ps_ttm", "pb", "ev_ebitda", "ev_revenue"):
        raise InputError(f"--multiple: {config.multiple} is not a valuation multiple")
    days = rebalance_days(inputs, config)
    check_history(inputs, config, days)
    pit = point_in_time(inputs, ruleset)
    tickers = pit.tickers
    n, m, rules = len(tickers), len(days), ruleset.rules
    r = len(rules)
    fired = np.zeros((m, n, r), dtype=bool)
    decided = np.zeros((m, n, r), dtype=bool)
    score = np.full((m, n), np.nan)
    for j, state in enumerate(pit.states(days)):
        evaluation = evaluate_state(ruleset, state)
        rows = state.rows
        sectors = state.frame["sector"].to_numpy(dtype=object)
        applies = np.column_stack(
            [np.isin(sectors, rule.sectors) if rule.sectors else np.ones(len(rows), bool)
             for rule in rules]
        ) if r else np.zeros((len(rows), 0), bool)
        fired[j, rows] = evaluation.matrix.to_numpy(dtype=bool)
        decided[j, rows] = applies & ~evaluation.unknown.to_numpy(dtype=bool)
        score[j, rows] = evaluation.score.to_numpy(dtype=np.float64)
    present = np.isfinite(score)

    sector_names = sorted({c.sector for c in inputs.universe.values()})
    codes = np.array([sector_names.index(inputs.universe[t].sector) for t in tickers])
    stats_codes = np.where(pit.in_stats, codes, -1)  # sector medians, as the engine's
    # Baskets count each company once (its primary line), the adjacent group in its own.
    primary = np.array([inputs.universe[t].primary_listing is None for t in tickers])
    basket_codes = np.where(primary, codes, -1)
    measured = (
        np.isin([inputs.universe[t].sector for t in tickers], config.sectors)
        if config.sectors
        else np.ones(n, dtype=bool)
    )
    last_close = inputs.prices.last_day or 0
    start_close = inputs.prices.close_at(days, total=True)
    start_close[~present] = np.nan
    forward = _Forward(inputs, config.benchmark, basket_codes, codes, len(sector_names))

    multiple_now = _multiple_at(pit, days, config.multiple)
    medians_now = group_medians(
        np.where(present, multiple_now, np.nan), stats_codes, len(sector_names)
    )
    stats: list[RuleStats] = []
    for horizon in config.horizons:
        ends = months_later(days, horizon.months)
        fwd, excess = forward.between(days, ends, start_close)
        reachable = ends <= last_close
        multiple_then = _multiple_at(pit, ends, config.multiple)
        alive_then = np.isfinite(inputs.prices.close_at(ends))
        medians_then = group_medians(
            np.where(alive_then, multiple_then, np.nan), stats_codes, len(sector_names)
        )
        closed = gap_closed(
            multiple_now, medians_now[:, codes], multiple_then, medians_then[:, codes]
        )
        for k, rule in enumerate(rules):
            stats.append(
                _stats(
                    rule.id, rule.flag or rule.id, rule.score, horizon.label, config.min_names,
                    decided[:, :, k] & measured, fired[:, :, k] & measured,
                    np.where(fired[:, :, k], rule.score, 0.0), fwd, excess, closed, reachable,
                    np.sign(rule.score) or 1.0,
                )
            )
        any_decided = decided.any(axis=2) & measured & present
        stats.append(
            _stats(
                ALL_RULES, ALL_RULES, math.nan, horizon.label, config.min_names,
                any_decided, (score > 0) & measured, np.nan_to_num(score), fwd, excess,
                closed, reachable, 1.0,
            )
        )

    counts: list[DayCount] = []
    for j in range(m):
        date = iso(int(days[j]))
        names = int((present[j] & measured).sum())
        for k, rule in enumerate(rules):
            counts.append(
                DayCount(
                    date, rule.id, names, int((decided[j, :, k] & measured).sum()),
                    int((fired[j, :, k] & measured).sum()),
                )
            )
        counts.append(
            DayCount(
                date, ALL_RULES, names, int((decided[j].any(axis=1) & measured).sum()),
                int(((score[j] > 0) & measured).sum()),
            )
        )

    curves: list[SectorCurve] = []
    if m >= 2:
        _, period = forward.between(days[:-1], days[1:], start_close[:-1])
        flagged_set = (score[:-1] > 0) & present[:-1]
        for g, sector in enumerate(sector_names):
            if config.sectors and sector not in config.sectors:
                continue
            cols = codes == g
            counted = np.isfinite(period[:, cols]).sum(axis=1) >= config.min_names
            held = flagged_set[:, cols] & np.isfinite(period[:, cols])
            gains = np.where(held, period[:, cols], 0.0).sum(axis=1)
            count = held.sum(axis=1)
            with np.errstate(all="ignore"):
                step = np.where(counted & (count > 0), gains / count, 0.0)
            cumulative = np.concatenate(([0.0], np.cumprod(1.0 + step) - 1.0))
            curves.append(
                SectorCurve(
                    sector=sector,
                    dates=tuple(iso(int(d)) for d in days),
                    cumulative=tuple(float(v) for v in cumulative),
                    counted=tuple(bool(c) for c in counted),
                    flagged=tuple(int(c) for c in np.where(counted, count, 0)),
                )
            )

    known = pit.known_metrics
    inputs_of = rule_inputs(ruleset)
    return BacktestResult(
        config=config,
        source=inputs.source,
        benchmark=config.benchmark,
        dates=tuple(iso(int(d)) for d in days),
        first_close=iso(inputs.prices.first_day or 0),
        last_close=iso(last_close),
        universe_size=n,
        priced_names=int((inputs.prices.bar_counts() > 0).sum()),
        rule_ids=tuple(rule.id for rule in rules),
        labels={rule.id: rule.flag or rule.id for rule in rules},
        stats=tuple(stats),
        counts=tuple(counts),
        curves=tuple(curves),
        never_known={
            rid: tuple(x for x in names if x not in known) for rid, names in inputs_of.items()
        },
        known_metrics=tuple(sorted(known)),
    )


class _Forward:
    """Forward returns between two days, and their excess over the benchmark."""

    def __init__(
        self,
        inputs: ReplayInputs,
        benchmark: str,
        basket_codes: np.ndarray,
        codes: np.ndarray,
        ngroups: int,
    ) -> None:
        self.inputs = inputs
        self.benchmark = benchmark
        self.basket_codes = basket_codes
        self.codes = codes
        self.ngroups = ngroups
        self.last = inputs.prices.last_day or 0

    def between(
        self, starts: np.ndarray, ends: np.ndarray, start_close: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(return, excess) per (day, name) from `start_close` to the close on `ends`.

        Unknown (NaN) where either close is missing or the end is past the last close.
        """
        end_close = self.inputs.prices.close_at(ends, total=True)
        end_close[ends > self.last] = np.nan
        with np.errstate(all="ignore"):
            fwd = end_close / start_close - 1.0
        if self.benchmark == "sector":
            counted = np.where(self.basket_codes[None, :] >= 0, fwd, np.nan)
            basket = group_means(counted, self.basket_codes, self.ngroups, MIN_BASKET)
            bench = basket[:, self.codes]
        else:
            table = self.inputs.benchmark_prices
            assert table is not None
            b0 = table.close_at(starts, total=True)[:, 0]
            b1 = table.close_at(ends, total=True)[:, 0]
            b1[ends > self.last] = np.nan
            with np.errstate(all="ignore"):
                bench = np.broadcast_to((b1 / b0 - 1.0)[:, None], fwd.shape)
        return fwd, fwd - bench


def _multiple_at(pit: PointInTime, days: np.ndarray, metric: str) -> np.ndarray:
    """The multiple known on each day (days x names): the same figure the frames carry."""
    if metric not in pit.multiples.metrics:
        return np.full((len(days), len(pit.tickers)), np.nan)
    close = pit.prices.close_at(days)
    return pit.multiples.values_at(days, close).values[metric]


def _stats(
    rule: str,
    label: str,
    rule_score: float,
    horizon: str,
    min_names: int,
    decided: np.ndarray,
    fired: np.ndarray,
    x: np.ndarray,
    fwd: np.ndarray,
    excess: np.ndarray,
    closed: np.ndarray,
    reachable: np.ndarray,
    sign: float,
) -> RuleStats:
    """Pool one rule's flags over the days with enough decided names."""
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
        horizon=horizon,
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
