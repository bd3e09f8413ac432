"""Why a rule fired or not for one company: every input, condition and missing value.

The result is plain data (dataclasses), so the CLI, a JSON export or a test can
render it however it likes. Sector statistics are computed over the whole frame
(its rows that count in statistics, see `in_stats`), exactly as in `evaluate`, so
the numbers shown are the numbers the rule used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from screener.engine.evaluate import Evaluator, render, sector_mask
from screener.engine.nodes import Between, Call, Compare, In, IsMissing, MetricRef, Node
from screener.engine.parser import suggest
from screener.engine.ruleset import Rule, RuleSet
from screener.errors import InputError

Value = float | str | None


@dataclass(frozen=True, slots=True)
class RuleExplanation:
    """One rule for one company.

    inputs: (expression text, value) for every metric and function call in `when`,
    in order of first appearance, e.g. ("sector_median(pe_fwd)", 41.2); None = missing.
    conditions: (comparison text, True / False / None for unknown) for every test.
    missing: names of the metrics the rule reads that are missing for this company.
    result: the condition's value, True / False / None (unknown because of missing data).
    fired: result is True and the rule applies to the company's sector.
    reason: the rendered `why` when fired, else None.
    """

    rule: Rule
    fired: bool
    applicable: bool
    result: bool | None
    inputs: tuple[tuple[str, Value], ...]
    conditions: tuple[tuple[str, bool | None], ...]
    missing: tuple[str, ...]
    reason: str | None


def _scalar(values: np.ndarray, row: int) -> Value:
    value = values[row]
    if value is None:
        return None
    if isinstance(value, str):
        return value
    x = float(value)
    return None if np.isnan(x) else x


def _truth(values: np.ndarray, row: int) -> bool | None:
    x = float(values[row])
    return None if np.isnan(x) else x == 1.0


def explain(
    ruleset: RuleSet, frame: pd.DataFrame, history: pd.DataFrame | None, ticker: str
) -> list[RuleExplanation]:
    """Explain every rule of the set for one ticker of the frame."""
    if ticker not in frame.index:
        raise InputError(
            f"unknown ticker '{ticker}'" + suggest(ticker, [str(t) for t in frame.index])
        )
    evaluator = Evaluator(frame, history)
    row = int(np.flatnonzero(frame.index == ticker)[0])  # the first row if tickers repeat
    out: list[RuleExplanation] = []
    for rule in ruleset.rules:
        result = _truth(evaluator.value(rule.when), row)
        applicable = bool(sector_mask(evaluator, rule.sectors)[row])
        fired = bool(result) and applicable
        seen: dict[Node, None] = {}
        conditions: dict[Node, None] = {}
        missing: dict[str, None] = {}
        for node in rule.when.walk():
            if isinstance(node, MetricRef | Call):
                seen.setdefault(node)
                if isinstance(node, MetricRef) and _scalar(evaluator.value(node), row) is None:
                    missing.setdefault(node.name)
            if isinstance(node, Compare | Between | In | IsMissing):
                conditions.setdefault(node)
        inputs = tuple((node.to_source(), _scalar(evaluator.value(node), row)) for node in seen)
        reason = None
        if fired:
            rows = np.array([row])
            reason = render(evaluator, rule.template, rows)[0] if rule.template else rule.title
        out.append(
            RuleExplanation(
                rule=rule,
                fired=fired,
                applicable=applicable,
                result=result,
                inputs=inputs,
                conditions=tuple(
                    (node.to_source(), _truth(evaluator.value(node), row)) for node in conditions
                ),
                missing=tuple(missing),
                reason=reason,
            )
        )
    return out
