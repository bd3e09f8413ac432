"""Honest by construction: what a replay knows on day D does not change when the future goes.

For every shipped rule and a few days D, the frame, own history and evaluation on D
are the same whether the store holds everything or only the rows dated on or before
D (closes, history points, FX rates, snapshots). The synthetic store dates every
figure the shipped rules read (growth, margins, leverage, revisions too), so each
rule has something to decide on D.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import numpy as np
import pandas as pd
import pytest

import screener.backtest.multiples as multiples_module
from screener.backtest import BacktestConfig, load_replay, parse_horizons, run_backtest
from screener.backtest.calendar import to_day
from screener.backtest.pit import PitState, evaluate_state
from screener.backtest.replay import ReplayInputs, point_in_time
from screener.data.provider import FxRate
from screener.data.store import Store
from screener.engine import RuleSet
from screener.run import load_rules
from screener.universe.taxonomy import CORE_SECTORS
from tests.backtest import synthetic

DAYS = ("2018-05-15", "2019-06-30", "2020-02-14")
SHIPPED = load_rules(None)


@cache
def market() -> synthetic.Market:
    return synthetic.market(
        24, 5, seed=4, sectors=CORE_SECTORS, extra_metrics=True, cn_every=3, pe_spread=0.3
    )


def _store(until: str | None) -> Iterator[Store]:
    with Store(":memory:") as store:
        synthetic.save(store, market())
        months = pd.date_range("2016-01-31", "2021-06-30", freq="ME")
        store.save_fx_rates(
            FxRate("CNY", d.date().isoformat(), 6.3 + 0.01 * k, "test")
            for k, d in enumerate(months)
        )
        if until is not None:
            with store.transaction() as db:
                db.execute("delete from prices where date > ?", [until])
                db.execute("delete from valuation_history where date > ?", [until])
                db.execute("delete from fx_rates where date > ?", [until])
                db.execute("delete from snapshots where as_of > ?", [until])
        yield store


@cache
def inputs(until: str | None) -> ReplayInputs:
    for store in _store(until):
        return load_replay(store, market().universe)
    raise AssertionError("unreachable")


def _state(rules: RuleSet, until: str | None, day: str) -> PitState:
    return point_in_time(inputs(until), rules).state_at(to_day(day))


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("rule_id", SHIPPED.ids)
def test_a_day_s_verdict_ignores_every_later_row(rule_id: str, day: str) -> None:
    rules = RuleSet(rules=(SHIPPED.get(rule_id),), paths=SHIPPED.paths)
    full, cut = _state(rules, None, day), _state(rules, day, day)
    pd.testing.assert_frame_equal(full.frame, cut.frame)
    pd.testing.assert_frame_equal(full.history, cut.history)
    pd.testing.assert_frame_equal(full.vintages, cut.vintages)
    seen, known = evaluate_state(rules, full), evaluate_state(rules, cut)
    pd.testing.assert_frame_equal(seen.matrix, known.matrix)
    pd.testing.assert_frame_equal(seen.unknown, known.unknown)
    pd.testing.assert_series_equal(seen.score, known.score)
    pd.testing.assert_series_equal(seen.reasons, known.reasons)
    assert (~seen.unknown[rule_id]).any(), "the rule decided nothing: the test would be vacuous"


def test_the_whole_set_replayed_to_d_counts_the_same_as_with_the_future() -> None:
    day = DAYS[1]
    config = BacktestConfig(every="quarter", horizons=parse_horizons("3m"))
    full = run_backtest(inputs(None), SHIPPED, config)
    cut = run_backtest(inputs(day), SHIPPED, config)
    last = cut.dates[-1]  # the last quarter end with a close on or before D
    assert last == "2019-03-31"
    assert [c for c in full.counts if c.date <= last] == list(cut.counts)
    assert any(c.flagged for c in cut.counts)


def test_the_guard_catches_a_replay_that_reads_reports_early(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Points known two months before their period ends: the same check then fails."""
    monkeypatch.setattr(multiples_module, "published_days", lambda series, ends: ends - 60)
    for store in _store(None):
        leaky_full = load_replay(store, market().universe)
    for store in _store(DAYS[2]):
        leaky_cut = load_replay(store, market().universe)
    rules = RuleSet(rules=(SHIPPED.get("below-own-median-pe"),), paths=SHIPPED.paths)
    day = to_day(DAYS[2])
    full = point_in_time(leaky_full, rules).state_at(day).frame["pe_ttm"]
    cut = point_in_time(leaky_cut, rules).state_at(day).frame["pe_ttm"]
    assert not np.allclose(full.to_numpy(), cut.to_numpy(), equal_nan=True)
