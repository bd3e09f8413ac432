"""The forward-test ledger: every saved watchlist run is a dated prediction; score it.

For each run, each saved row that carried a flag is priced at the run's date (the
last close on or before the day it was saved) and at the latest stored close; its
return is set against its sector basket over the same two days (equal weight, each
company of the universe once by its primary line, the adjacent group its own basket),
and each flag is scored on whether it paid: an excess return of the rule's sign (a
penalty pays when its names lag). Pure: the caller reads the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from screener.backtest.calendar import day_numbers, iso
from screener.backtest.prices import PriceTable
from screener.engine import RuleSet
from screener.universe import Company

MIN_BASKET = 3


@dataclass(frozen=True)
class LedgerRow:
    """One flagged name of one saved run, and what it did since."""

    run_id: int
    saved: str  # the run's date (the day it was saved)
    ticker: str
    name: str
    sector: str
    flags: tuple[str, ...]
    score: float
    start: str | None  # date of the close the run is priced at
    end: str | None
    ret: float | None
    basket: float | None  # the sector basket's return over the same days
    excess: float | None


@dataclass(frozen=True)
class FlagScore:
    """One rule over every run: how many of its names beat their basket, by how much."""

    rule: str
    label: str
    score: float | None  # the rule's score in the current rules (None: not there any more)
    names: int  # (run, name) pairs with an excess return
    paid: int
    mean_excess: float | None
    median_excess: float | None


@dataclass(frozen=True)
class RunScore:
    """One saved run: its flagged names (positive score) against their baskets."""

    run_id: int
    saved: str
    as_of: str | None
    flagged: int
    priced: int
    mean_return: float | None
    mean_basket: float | None
    mean_excess: float | None


@dataclass(frozen=True)
class Ledger:
    name: str
    last_close: str | None
    runs: tuple[RunScore, ...]
    rows: tuple[LedgerRow, ...]
    flags: tuple[FlagScore, ...]


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if values else None


def score_runs(
    name: str,
    runs: Sequence[Mapping[str, Any]],
    rows_of: Mapping[int, Sequence[Mapping[str, Any]]],
    prices: PriceTable,
    universe: Mapping[str, Company],
    ruleset: RuleSet | None = None,
) -> Ledger:
    """Score every saved run of watchlist `name` against the closes stored since.

    `runs` are the store's watchlist runs (id, saved_at, as_of_max), `rows_of` their
    saved rows by run id; `prices` holds the closes of the universe and the saved
    names (positions in `prices.tickers`).
    """
    position = {t: i for i, t in enumerate(prices.tickers)}
    last = prices.last_day
    rules = {r.id: r for r in ruleset.rules} if ruleset is not None else {}
    sectors = {t: c.sector for t, c in universe.items() if c.primary_listing is None}
    ledger_rows: list[LedgerRow] = []
    run_scores: list[RunScore] = []
    for run in runs:
        saved = str(run["saved_at"])[:10]
        start_day = int(day_numbers([saved])[0])
        days = np.array([start_day, last if last is not None else start_day], dtype=np.int64)
        closes = prices.close_at(days, total=True)
        with np.errstate(all="ignore"):
            returns = closes[1] / closes[0] - 1.0
        if last is None or last <= start_day:
            returns[:] = np.nan
        basket: dict[str, float | None] = {}
        for sector in set(sectors.values()):
            members = [position[t] for t, s in sectors.items() if s == sector and t in position]
            values = returns[members]
            values = values[np.isfinite(values)]
            basket[sector] = float(values.mean()) if len(values) >= MIN_BASKET else None
        flagged_returns: list[float] = []
        flagged_baskets: list[float] = []
        flagged_excess: list[float] = []
        flagged = 0
        for row in rows_of.get(int(run["id"]), ()):
            flags = tuple(row.get("flags") or ())
            if not flags:
                continue
            ticker = str(row["ticker"])
            known = universe.get(ticker)
            sector = str(row.get("sector") or (known.sector if known is not None else ""))
            i = position.get(ticker)
            ret = float(returns[i]) if i is not None and np.isfinite(returns[i]) else None
            base = basket.get(sector)
            excess = ret - base if ret is not None and base is not None else None
            score = float(row.get("score") or 0.0)
            ledger_rows.append(
                LedgerRow(
                    run_id=int(run["id"]),
                    saved=saved,
                    ticker=ticker,
                    name=str(row.get("name") or (known.name_en if known else ticker)),
                    sector=sector,
                    flags=flags,
                    score=score,
                    start=_close_date(prices, i, start_day) if ret is not None else None,
                    end=_close_date(prices, i, last) if ret is not None and last else None,
                    ret=ret,
                    basket=base,
                    excess=excess,
                )
            )
            if score > 0:
                flagged += 1
                if excess is not None and ret is not None and base is not None:
                    flagged_returns.append(ret)
                    flagged_baskets.append(base)
                    flagged_excess.append(excess)
        run_scores.append(
            RunScore(
                run_id=int(run["id"]),
                saved=saved,
                as_of=run.get("as_of_max"),
                flagged=flagged,
                priced=len(flagged_excess),
                mean_return=_mean(flagged_returns),
                mean_basket=_mean(flagged_baskets),
                mean_excess=_mean(flagged_excess),
            )
        )
    return Ledger(
        name=name,
        last_close=iso(last) if last is not None else None,
        runs=tuple(run_scores),
        rows=tuple(ledger_rows),
        flags=_flag_scores(ledger_rows, rules),
    )


def _close_date(prices: PriceTable, i: int | None, day: int | None) -> str | None:
    """The date of the close a name is priced at on `day` (its last bar on or before)."""
    if i is None or day is None:
        return None
    pos = int(prices.last_bar(np.array([day]))[0, i])
    return iso(int(prices.day[pos])) if pos >= 0 else None


def _flag_scores(rows: Sequence[LedgerRow], rules: Mapping[str, Any]) -> tuple[FlagScore, ...]:
    by_rule: dict[str, list[float]] = {}
    for row in rows:
        for rule_id in row.flags:
            values = by_rule.setdefault(rule_id, [])
            if row.excess is not None:
                values.append(row.excess)
    out = []
    for rule_id, values in by_rule.items():
        rule = rules.get(rule_id)
        score = float(rule.score) if rule is not None else None
        sign = -1.0 if score is not None and score < 0 else 1.0
        out.append(
            FlagScore(
                rule=rule_id,
                label=(rule.flag or rule.id) if rule is not None else rule_id,
                score=score,
                names=len(values),
                paid=sum(1 for v in values if sign * v > 0),
                mean_excess=_mean(values),
                median_excess=float(np.median(values)) if values else None,
            )
        )
    return tuple(
        sorted(out, key=lambda f: (f.mean_excess is None, -(f.mean_excess or 0.0), f.rule))
    )
