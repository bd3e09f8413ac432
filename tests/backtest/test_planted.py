"""A planted re-rating is found with the right sign and size; shuffled histories show none.

The synthetic market (tests/backtest/synthetic.py): every name has a fair P/E of 20;
every seven quarters a name's EPS steps up at a quarter end, so once that quarter is
published (45 days later) its P/E is 14, 30% under the sector; 120 days after the
quarter end its price rises by 1/0.7 and the P/E is back at 20. A rule that flags
names 15% under their sector's median P/E should see each flag followed by a return
of 1/0.7 - 1 = 42.9% within every horizon and the whole gap to the median closed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from screener.backtest import ALL_RULES, BacktestConfig, RuleStats, load_replay, run_backtest
from screener.backtest.calendar import iso, to_day
from screener.backtest.lags import QUARTERLY_LAG_DAYS
from screener.backtest.pit import evaluate_state
from screener.backtest.replay import (
    BacktestResult,
    ReplayInputs,
    point_in_time,
    rebalance_days,
)
from screener.data.store import Store
from screener.engine import RuleSet, load_ruleset
from tests.backtest import synthetic

CHEAP = 0.7
PLANTED_RETURN = 1 / CHEAP - 1
RULE = """
[[rule]]
id = "cheap-vs-sector"
title = "Trailing P/E 15% under the sector median"
when = "pe_ttm > 0 and pe_ttm < sector_median(pe_ttm) * 0.85"
score = 1
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    path = tmp_path_factory.mktemp("rules") / "cheap.toml"
    path.write_text(RULE, encoding="utf-8")
    return load_ruleset([path])


@cache
def planted() -> synthetic.Market:
    return synthetic.market(40, 6, seed=5, cheap=CHEAP)


def inputs_of(data: synthetic.Market) -> ReplayInputs:
    with Store(":memory:") as store:
        synthetic.save(store, data)
        return load_replay(store, data.universe)


def replay(data: synthetic.Market, rules: RuleSet) -> BacktestResult:
    return run_backtest(inputs_of(data), rules, BacktestConfig())


def stats(result: BacktestResult, horizon: str, rule: str = "cheap-vs-sector") -> RuleStats:
    return next(s for s in result.stats if s.rule == rule and s.horizon == horizon)


@pytest.fixture(scope="module")
def planted_inputs() -> ReplayInputs:
    return inputs_of(planted())


@pytest.fixture(scope="module")
def planted_result(rules: RuleSet, planted_inputs: ReplayInputs) -> BacktestResult:
    return run_backtest(planted_inputs, rules, BacktestConfig())


@pytest.mark.parametrize("horizon", ["3m", "6m", "12m"])
def test_the_planted_re_rating_is_found_with_its_sign_and_size(
    planted_result: BacktestResult, horizon: str
) -> None:
    s = stats(planted_result, horizon)
    assert s.flags > 150 and s.days > 40
    assert s.hit_rate == 1.0
    assert s.mean_return == pytest.approx(PLANTED_RETURN, abs=0.01)
    # The sector basket re-rates too (its own cheap names), so the excess is smaller
    # than the raw return, and positive.
    assert s.mean_excess is not None and s.median_excess is not None
    assert 0.1 < s.mean_excess < s.mean_return
    assert s.gap_closed == pytest.approx(1.0, abs=0.05)
    assert s.ic is not None and s.ic > 0.25
    whole = stats(planted_result, horizon, ALL_RULES)
    assert whole.mean_return == s.mean_return and whole.flags == s.flags


def test_names_are_flagged_only_between_publication_and_re_rating(
    rules: RuleSet, planted_inputs: ReplayInputs
) -> None:
    """The flags follow the published quarter, never the quarter itself: no look-ahead."""
    data, inputs = planted(), planted_inputs
    pit = point_in_time(inputs, rules)
    days = rebalance_days(inputs, BacktestConfig())
    checked = 0
    for state in pit.states(days):
        fired = evaluate_state(rules, state).matrix["cheap-vs-sector"]
        for ticker, episodes in data.episodes.items():
            priced = to_day(state.frame.at[ticker, "as_of"])  # the last close on or before
            cheap_now = any(
                to_day(quarter) + QUARTERLY_LAG_DAYS <= state.day and priced < to_day(rerate)
                for quarter, rerate in episodes
            )
            assert bool(fired.get(ticker, False)) == cheap_now, (ticker, iso(state.day))
            checked += cheap_now
    assert checked > 50


def test_shuffled_histories_show_no_effect(rules: RuleSet) -> None:
    result = replay(synthetic.shuffled(planted(), seed=2), rules)
    for horizon in ("3m", "6m", "12m"):
        s = stats(result, horizon)
        assert s.flags > 150
        assert s.ic is not None and abs(s.ic) < 0.1
        assert s.mean_excess is not None and abs(s.mean_excess) < 0.05
        assert not np.isclose(s.mean_return or 0.0, PLANTED_RETURN, atol=0.1)


def test_the_synthetic_rules_file_is_the_one_documented() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "backtest.md"
    assert "cheap-vs-sector" in doc.read_text(encoding="utf-8")
