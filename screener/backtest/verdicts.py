"""Every rebalance day through the engine: who each rule flagged, and who it could decide.

The only loop over days in a replay: each day's frame (`pit`) goes through
`engine.evaluate`, and the verdicts are kept as (days x names x rules) arrays that
the figures are computed from all at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from screener.backtest.calendar import Days
from screener.backtest.pit import PointInTime, evaluate_state
from screener.engine import RuleSet
from screener.engine.where import Where


@dataclass(frozen=True, eq=False)
class Verdicts:
    """The engine's verdicts on every rebalance day, names in the universe's order.

    fired, decided: bool (days x names x rules), decided meaning the rule applies and
    its condition was true or false (not unknown); score: the total score (days x
    names), NaN where the name was not in that day's frame.
    """

    days: Days
    fired: np.ndarray
    decided: np.ndarray
    score: np.ndarray
    admitted: np.ndarray | None = None  # bool (days x names): `--where` true that day

    @property
    def present(self) -> np.ndarray:
        """Names in each day's frame (priced that day)."""
        return np.isfinite(self.score)

    @property
    def flagged(self) -> np.ndarray:
        """Names the whole set flagged (a positive total score, as `screen --flagged`)."""
        return self.score > 0

    @property
    def any_decided(self) -> np.ndarray:
        """Names at least one rule could decide."""
        return self.decided.any(axis=2)


def replay_days(
    pit: PointInTime, ruleset: RuleSet, days: Days, where: Where | None = None
) -> Verdicts:
    """Evaluate `ruleset` on the frame known on each day (and `where`, when given: the
    names it is true for that day, unknown counting as not)."""
    rules = ruleset.rules
    shape = (len(days), len(pit.tickers), len(rules))
    fired = np.zeros(shape, dtype=bool)
    decided = np.zeros(shape, dtype=bool)
    score = np.full(shape[:2], np.nan)
    admitted = np.zeros(shape[:2], dtype=bool) if where is not None else None
    for j, state in enumerate(pit.states(days)):
        evaluation = evaluate_state(ruleset, state)
        rows = state.rows
        sectors = state.frame["sector"].to_numpy(dtype=object)
        applies = np.ones((len(rows), len(rules)), dtype=bool)
        for k, rule in enumerate(rules):
            if rule.sectors:
                applies[:, k] = np.isin(sectors, rule.sectors)
        fired[j, rows] = evaluation.matrix.to_numpy(dtype=bool)
        decided[j, rows] = applies & ~evaluation.unknown.to_numpy(dtype=bool)
        score[j, rows] = evaluation.score.to_numpy(dtype=np.float64)
        if admitted is not None and where is not None:
            outcome = where.outcome(state.frame, state.history).to_numpy(dtype=np.float64)
            admitted[j, rows] = outcome == 1.0
    return Verdicts(days=days, fired=fired, decided=decided, score=score, admitted=admitted)
