"""Why a rule fired or not for one company: every input, condition, missing or stale value.

The result is plain data (dataclasses), so the CLI, a JSON export or a test can
render it however it likes. Sector statistics are computed over the whole frame
(its rows that count in statistics, see `in_stats`), exactly as in `evaluate`, so
the numbers shown are the numbers the rule used. A stale input (older than its
rule file's age limits, see `engine.age`) is shown with its stored value and its
vintage, and said to be stale: the rule read it as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from screener.catalog import POSITIVE_MULTIPLES
from screener.engine.age import FigureAges
from screener.engine.evaluate import (
    GROUP_FUNCTIONS,
    Evaluator,
    Evaluators,
    group_median,
    render,
    sector_mask,
)
from screener.engine.history import HistoryInput
from screener.engine.nodes import (
    Between,
    BoolOp,
    Call,
    Compare,
    In,
    IsMissing,
    MetricRef,
    Node,
    Not,
)
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
    result: the condition's value, True / False / None (unknown: missing or stale data).
    fired: result is True and the rule applies to the company's sector.
    reason: the rendered `why` when fired, else None.
    stale: names of the metrics the rule reads that are too old for its limits (their
    stored value is in `inputs`; the rule read them as unknown).
    unknown_inputs: function calls whose value a stale input hid.
    vintages: (metric, how a person reads its vintage) for every metric input that has one.
    ages: (metric, days its vintage predates the row's quote) for the stale ones.
    deciding: the tests that decided the result (for `false and unknown`, the false
    test alone), in the order of the condition.
    unneeded: missing metrics the result did not depend on (read only by other tests).
    groups: (function call, what it was computed over) for every group function: the
    count `n` of values (peers, sector members, past points) and, for `peer_gap`, the
    peer `median` it compares with.
    """

    rule: Rule
    fired: bool
    applicable: bool
    result: bool | None
    inputs: tuple[tuple[str, Value], ...]
    conditions: tuple[tuple[str, bool | None], ...]
    missing: tuple[str, ...]
    reason: str | None
    stale: tuple[str, ...] = ()
    unknown_inputs: tuple[str, ...] = ()
    vintages: tuple[tuple[str, str], ...] = ()
    ages: tuple[tuple[str, float], ...] = ()
    deciding: tuple[str, ...] = ()
    unneeded: tuple[str, ...] = ()
    groups: tuple[tuple[str, GroupFacts], ...] = ()


@dataclass(frozen=True, slots=True)
class GroupFacts:
    """What a group function saw for one row: how many values, and their median."""

    n: int
    median: float | None = None
    over: str = "values"  # "peers", "sector values", "past points"


def _deciding_tests(evaluator: Evaluator, node: Node, row: int) -> list[Node]:
    """The tests whose values decided `node` at `row` (Kleene: a false test decides an
    `and` whatever the unknown ones say; a true one decides an `or`)."""
    if isinstance(node, Not):
        return _deciding_tests(evaluator, node.operand, row)
    if not isinstance(node, BoolOp):
        return [node]
    value = _truth(evaluator.value(node), row)
    sides = (node.left, node.right)
    decider = node.op == "or"  # what settles it: false for `and`, true for `or`
    if value is decider:  # one side settled it: only the sides that did
        sides = tuple(n for n in sides if _truth(evaluator.value(n), row) is decider)
    elif value is None:  # unknown: only the unknown sides could still change it
        sides = tuple(n for n in sides if _truth(evaluator.value(n), row) is None)
    return [test for side in sides for test in _deciding_tests(evaluator, side, row)]


def _group_facts(evaluator: Evaluator, node: Call, row: int) -> GroupFacts | None:
    """n (and the peer median) behind one group function call at `row`."""
    if node.name not in GROUP_FUNCTIONS or not node.args:
        return None
    arg = node.args[0]
    values = evaluator.value(arg).astype(np.float64)
    if isinstance(arg, MetricRef) and arg.name in POSITIVE_MULTIPLES:
        values = np.where(values > 0, values, np.nan)
    if node.name in ("hist_pct", "hist_median"):
        if not isinstance(arg, MetricRef):
            return None
        rows, past = evaluator.history_points(arg.name)
        if arg.name in POSITIVE_MULTIPLES:
            rows = rows[past > 0]
        return GroupFacts(int(np.count_nonzero(rows == row)), over="past points")
    counted = evaluator.in_stats() & ~np.isnan(values)
    if node.name == "peer_gap":
        own, other, ngroups = evaluator.peer_groups()
        if other[row] < 0:
            return GroupFacts(0, over="peers")
        peers = counted & (own == other[row])
        median = group_median(values, np.where(counted, own, -1), ngroups)[other[row]]
        return GroupFacts(
            int(peers.sum()), None if np.isnan(median) else float(median), over="peers"
        )
    codes, _ = evaluator.sector_codes()
    if codes[row] < 0:
        return GroupFacts(0, over="sector values")
    return GroupFacts(int((counted & (codes == codes[row])).sum()), over="sector values")


def _reads(node: Node) -> set[str]:
    return {n.name for n in node.walk() if isinstance(n, MetricRef)}


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
    ruleset: RuleSet,
    frame: pd.DataFrame,
    history: HistoryInput,
    ticker: str,
    ages: FigureAges | None = None,
) -> list[RuleExplanation]:
    """Explain every rule of the set for one ticker of the frame (with `ages`, as
    `evaluate` with the same ages decides it)."""
    if ticker not in frame.index:
        raise InputError(
            f"unknown ticker '{ticker}'" + suggest(ticker, [str(t) for t in frame.index])
        )
    stored = Evaluator(frame, history)  # the figures as stored, stale or not
    evaluators = Evaluators(frame, history, ages)
    row = int(np.flatnonzero(frame.index == ticker)[0])  # the first row if tickers repeat
    out: list[RuleExplanation] = []
    for rule in ruleset.rules:
        evaluator = evaluators.for_rule(rule)
        result = _truth(evaluator.value(rule.when), row)
        applicable = bool(sector_mask(evaluator, rule.sectors)[row])
        fired = bool(result) and applicable
        seen: dict[Node, None] = {}
        conditions: dict[Node, None] = {}
        missing: dict[str, None] = {}
        stale: dict[str, None] = {}
        for node in rule.when.walk():
            if isinstance(node, MetricRef | Call):
                seen.setdefault(node)
                if isinstance(node, MetricRef):
                    if _scalar(stored.value(node), row) is None:
                        missing.setdefault(node.name)
                    elif node.name in evaluator.stale and evaluator.stale[node.name][row]:
                        stale.setdefault(node.name)
            if isinstance(node, Compare | Between | In | IsMissing):
                conditions.setdefault(node)
        inputs = tuple(
            (
                node.to_source(),
                _scalar((stored if isinstance(node, MetricRef) else evaluator).value(node), row),
            )
            for node in seen
        )
        unknown_inputs = tuple(
            node.to_source()
            for node in seen
            if isinstance(node, Call) and bool(evaluator.unknown(node)[row])
        )
        vintages = tuple(
            (node.name, label)
            for node in seen
            if isinstance(node, MetricRef)
            and ages is not None
            and (label := ages.label(ticker, node.name)) is not None
        )
        stale_ages = tuple(
            (name, age)
            for name in stale
            if ages is not None and (age := ages.age(ticker, name)) is not None
        )
        deciding = _deciding_tests(evaluator, rule.when, row)
        read = set().union(*(_reads(test) for test in deciding)) if deciding else set()
        groups = tuple(
            (node.to_source(), facts)
            for node in seen
            if isinstance(node, Call) and (facts := _group_facts(evaluator, node, row))
        )
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
                stale=tuple(stale),
                unknown_inputs=unknown_inputs,
                vintages=vintages,
                ages=stale_ages,
                deciding=tuple(dict.fromkeys(test.to_source() for test in deciding)),
                unneeded=tuple(name for name in missing if name not in read),
                groups=groups,
            )
        )
    return out
