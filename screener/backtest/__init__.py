"""Replay rule files point in time: did the screen work?

    inputs = load_replay(store, universe)                  # the store, read once
    result = run_backtest(inputs, ruleset, BacktestConfig())  # pure

`pit` builds the frame known on a past day (closes up to it, history points once
published, everything else unknown), `verdicts` runs the same engine on each
rebalance day, `figures` measures what followed, `replay` ties them together and
`ledger` scores saved watchlist runs. See
docs/backtest.md for what is and is not point in time.
"""

from screener.backtest.calendar import Horizon, parse_horizons
from screener.backtest.figures import ALL_RULES, RuleStats
from screener.backtest.load import load_replay
from screener.backtest.replay import (
    MIN_NAMES,
    BacktestConfig,
    BacktestResult,
    ReplayInputs,
    run_backtest,
)

__all__ = [
    "ALL_RULES",
    "MIN_NAMES",
    "BacktestConfig",
    "BacktestResult",
    "Horizon",
    "ReplayInputs",
    "RuleStats",
    "load_replay",
    "parse_horizons",
    "run_backtest",
]
