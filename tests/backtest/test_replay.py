"""The replay's honesty rules: too few names show nothing, too little history says so."""

from __future__ import annotations

from functools import cache

import pytest

from screener.backtest import ALL_RULES, BacktestConfig, load_replay, parse_horizons, run_backtest
from screener.backtest.calendar import to_day
from screener.backtest.replay import ReplayInputs
from screener.data.store import Store
from screener.errors import DataError, InputError
from screener.run import load_rules
from tests.backtest import synthetic

SHIPPED = load_rules(None)


@cache
def small(names: int = 12) -> tuple[synthetic.Market, ReplayInputs]:
    data = synthetic.market(names, 3, seed=8)
    with Store(":memory:") as store:
        synthetic.save(store, data)
        return data, load_replay(store, data.universe)


def test_a_day_with_too_few_decided_names_shows_no_figures() -> None:
    _, inputs = small()
    # 12 names in two sectors: measuring one sector leaves 6, so a minimum of 7 hides all.
    sector = next(iter(inputs.universe.values())).sector
    config = BacktestConfig(sectors=(sector,), min_names=7)
    result = run_backtest(inputs, SHIPPED, config)
    for s in result.stats:
        assert s.days == 0 and s.flags == 0
        assert s.hit_rate is None and s.mean_excess is None and s.ic is None
    shown = run_backtest(inputs, SHIPPED, BacktestConfig(sectors=(sector,), min_names=6))
    assert any(s.days > 0 for s in shown.stats if s.rule == ALL_RULES)
    assert all(c.names <= 6 for c in shown.counts)


def test_fewer_priced_names_than_the_minimum_is_not_enough_history() -> None:
    _, inputs = small(4)
    with pytest.raises(DataError, match="not enough history.*closes for 4 of 4"):
        run_backtest(inputs, SHIPPED, BacktestConfig())


def test_a_horizon_longer_than_the_history_is_not_enough_history() -> None:
    _, inputs = small()
    with pytest.raises(DataError, match="no month-end rebalance day is 120m before"):
        run_backtest(inputs, SHIPPED, BacktestConfig(horizons=parse_horizons("10y")))
    late = BacktestConfig(since=to_day("2018-10-01"), horizons=parse_horizons("6m"))
    with pytest.raises(DataError, match="not enough history"):
        run_backtest(inputs, SHIPPED, late)


def test_since_moves_the_first_rebalance_day() -> None:
    _, inputs = small()
    result = run_backtest(inputs, SHIPPED, BacktestConfig(since=to_day("2017-02-10")))
    assert result.dates[0] == "2017-02-28"


def test_a_benchmark_ticker_is_the_same_for_every_name() -> None:
    data, _ = small()
    ticker = next(iter(data.universe))
    with Store(":memory:") as store:
        synthetic.save(store, data)
        inputs = load_replay(store, data.universe, benchmark=ticker)
        with pytest.raises(InputError, match="no closes"):
            load_replay(store, data.universe, benchmark="NOPE")
    result = run_backtest(inputs, SHIPPED, BacktestConfig(benchmark=ticker))
    assert result.benchmark == ticker and result.stats


def test_the_sample_has_no_history_to_replay() -> None:
    with Store(":memory:") as store:
        inputs = load_replay(store, {c.ticker: c for c in _universe()}, source="sample")
    assert inputs.source == "sample"
    with pytest.raises(DataError, match="bundled sample has annual multiples but no daily"):
        run_backtest(inputs, SHIPPED, BacktestConfig())


def _universe():
    from screener.run import load_companies

    return load_companies(None)


def test_rules_that_read_figures_without_history_are_named() -> None:
    _, inputs = small()
    result = run_backtest(inputs, SHIPPED, BacktestConfig())
    assert "revenue_growth" in result.never_known["fwd-pe-discount-with-growth"]
    assert result.never_known["momentum-confirms"] == ()
    assert "pe_ttm" in result.known_metrics and "revenue_growth" not in result.known_metrics
