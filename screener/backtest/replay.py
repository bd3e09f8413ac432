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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from screener.backtest.calendar import Every, Horizon, iso, months_later, parse_horizons
from screener.backtest.calendar import rebalance_days as make_rebalance_days
from screener.backtest.figures import (
    DayCount,
    Forward,
    HorizonArrays,
    RuleStats,
    SectorCurve,
    day_counts,
    horizon_stats,
    multiple_at,
    sector_curves,
)
from screener.backtest.measure import gap_closed, group_medians
from screener.backtest.multiples import MultipleTable
from screener.backtest.pit import PointInTime
from screener.backtest.prices import PriceTable
from screener.backtest.verdicts import replay_days
from screener.catalog import TEXT_METRICS
from screener.data.provider import FxRate
from screener.engine import RuleSet
from screener.engine.history import history_metrics
from screener.engine.nodes import MetricRef, Node
from screener.engine.where import parse_where
from screener.errors import DataError, InputError
from screener.universe import Company

MIN_NAMES = 5  # a day with fewer names a rule could decide shows no figures for it
MULTIPLES = ("pe_ttm", "pe_fwd", "ps_ttm", "pb", "ev_ebitda", "ev_revenue")  # for gap closed


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
    where: str | None = None  # measure only names this condition is true for, day by day


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
    out = set(history_metrics(rule.when for rule in ruleset.rules))
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


def point_in_time(
    inputs: ReplayInputs, ruleset: RuleSet, extra: Sequence[Node] = ()
) -> PointInTime:
    """The day-by-day frame builder for `inputs`, reading only the history `ruleset` (and
    the `extra` expressions, a `--where`) needs."""
    reads = {name for names in rule_inputs(ruleset).values() for name in names}
    reads |= {n.name for node in extra for n in node.walk() if isinstance(n, MetricRef)}
    history = history_inputs(ruleset) | history_metrics(extra)
    if "pe_hist_pct" in reads:
        history |= {"pe_ttm"}
    return PointInTime(
        inputs.universe,
        inputs.prices,
        inputs.multiples,
        inputs.fx,
        inputs.source,
        history_metrics=frozenset(history),
        hist_pct_column="pe_hist_pct" in reads,
    )


def run_backtest(inputs: ReplayInputs, ruleset: RuleSet, config: BacktestConfig) -> BacktestResult:
    """Replay `ruleset` on every rebalance day and measure each horizon that followed."""
    if config.multiple not in MULTIPLES:
        raise InputError(f"--multiple: {config.multiple} is not a valuation multiple")
    days = rebalance_days(inputs, config)
    check_history(inputs, config, days)
    condition = parse_where(config.where) if config.where is not None else None
    pit = point_in_time(inputs, ruleset, (condition.node,) if condition is not None else ())
    verdicts = replay_days(pit, ruleset, days, condition)
    universe = inputs.universe
    tickers = pit.tickers
    sectors = sorted({c.sector for c in universe.values()})
    codes = np.array([sectors.index(universe[t].sector) for t in tickers], dtype=np.int64)
    stats_codes = np.where(pit.in_stats, codes, -1)  # sector medians, as the engine's
    # Baskets count each company once (its primary line), the adjacent group in its own.
    primary = np.array([universe[t].primary_listing is None for t in tickers], dtype=bool)
    forward = Forward(
        inputs.prices,
        np.where(primary, codes, -1),
        codes,
        len(sectors),
        inputs.benchmark_prices if config.benchmark != "sector" else None,
    )
    measured = (
        np.isin([universe[t].sector for t in tickers], config.sectors)
        if config.sectors
        else np.ones(len(tickers), dtype=bool)
    )
    if verdicts.admitted is not None:  # --where: per day, the names it is true for
        measured = measured[None, :] & verdicts.admitted
    last_close = inputs.prices.last_day or 0
    start_close = inputs.prices.close_at(days, total=True)
    start_close[~verdicts.present] = np.nan
    multiple_now = multiple_at(pit, days, config.multiple)
    medians_now = group_medians(
        np.where(verdicts.present, multiple_now, np.nan), stats_codes, len(sectors)
    )
    stats: list[RuleStats] = []
    for horizon in config.horizons:
        ends = months_later(days, horizon.months)
        fwd, excess = forward.between(days, ends, start_close)
        multiple_then = multiple_at(pit, ends, config.multiple)
        priced_then = np.isfinite(inputs.prices.close_at(ends))
        medians_then = group_medians(
            np.where(priced_then, multiple_then, np.nan), stats_codes, len(sectors)
        )
        closed = gap_closed(
            multiple_now, medians_now[:, codes], multiple_then, medians_then[:, codes]
        )
        outcome = HorizonArrays(horizon.label, fwd, excess, closed, ends <= last_close)
        stats += horizon_stats(outcome, verdicts, ruleset.rules, measured, config.min_names)
    curves: list[SectorCurve] = []
    if len(days) >= 2:
        _, period = forward.between(days[:-1], days[1:], start_close[:-1])
        curves = sector_curves(verdicts, period, codes, sectors, config.sectors, config.min_names)
    known = pit.known_metrics
    return BacktestResult(
        config=config,
        source=inputs.source,
        benchmark=config.benchmark,
        dates=tuple(iso(int(d)) for d in days),
        first_close=iso(inputs.prices.first_day or 0),
        last_close=iso(last_close),
        universe_size=len(tickers),
        priced_names=int((inputs.prices.bar_counts() > 0).sum()),
        rule_ids=ruleset.ids,
        labels={rule.id: rule.flag or rule.id for rule in ruleset.rules},
        stats=tuple(stats),
        counts=tuple(day_counts(verdicts, ruleset.rules, measured)),
        curves=tuple(curves),
        never_known={
            rule_id: tuple(x for x in names if x not in known)
            for rule_id, names in rule_inputs(ruleset).items()
        },
        known_metrics=tuple(sorted(known)),
    )
