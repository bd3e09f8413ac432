"""Property tests: the vectorised evaluator against a slow row-by-row reference.

The reference below re-states the language's semantics as plainly as possible,
one company at a time, with Python floats and None for missing/unknown. If the
vectorised engine (numpy arrays, group-bys, caching) ever disagrees with it on a
random tree over a random frame with missing values, one of them is wrong.
Frames hold small integers and halves, so sums are exact and both sides see the
same floats; numbers are compared with a tight tolerance, conditions exactly.
Some frames carry an `in_stats` column (True / False / missing): sector and peer
statistics count only the rows where it is True, yet every row gets a value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from screener.catalog import POSITIVE_MULTIPLES, TEXT_METRICS
from screener.engine.evaluate import Evaluator
from screener.engine.functions import MIN_HISTORY_POINTS
from screener.engine.nodes import (
    Between,
    BinOp,
    BoolOp,
    Call,
    Compare,
    In,
    IsMissing,
    MetricRef,
    Neg,
    Node,
    Not,
    Num,
    Str,
)
from screener.engine.parser import infer_type, parse_expression
from screener.universe.taxonomy import CORE_SECTORS

NUM_METRICS = ["pe_fwd", "pe_ttm", "pb", "peg", "revenue_growth", "ev_ebitda"]
HIST_METRICS = ["pe_ttm", "pb", "pe_fwd"]
MARKETS = ["CN", "US", "HK"]
VALUES = [math.nan, math.nan, 0.0, 1.0, 2.0, 3.0, -1.0, 0.5, 10.0, 4.0]

Row = dict[str, Any]

# -- the slow reference ---------------------------------------------------------


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    s = sorted(values)
    n = len(s)
    return (s[(n - 1) // 2] + s[n // 2]) / 2.0


def _fin(x: float | None) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return x


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


class Reference:
    """Evaluates a node for one row at a time, recomputing everything it needs."""

    def __init__(self, rows: list[Row], history: list[tuple[str, str, float]]) -> None:
        self.rows = rows
        self.history = history

    def counts(self, j: int) -> bool:
        """Row j counts in sector / peer statistics: `in_stats` is True or absent."""
        return self.rows[j].get("in_stats", True) is True

    def column(self, i: int, name: str) -> Any:
        value = self.rows[i].get(name)
        if name in TEXT_METRICS:
            return value
        return None if value is None or math.isnan(value) else float(value)

    def ev(self, node: Node, i: int) -> Any:  # noqa: C901 - one branch per node type
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Str):
            return node.value
        if isinstance(node, MetricRef):
            return self.column(i, node.name)
        if isinstance(node, Neg):
            x = self.ev(node.operand, i)
            return None if x is None else -x
        if isinstance(node, BinOp):
            a, b = self.ev(node.left, i), self.ev(node.right, i)
            if a is None or b is None:
                return None
            if node.op == "/":
                return None if b == 0 else _fin(a / b)
            return _fin({"+": a + b, "-": a - b, "*": a * b}[node.op])
        if isinstance(node, Compare):
            result: bool | None = True
            values = [self.ev(o, i) for o in node.operands]
            for op, a, b in zip(node.ops, values[:-1], values[1:], strict=True):
                part = None if a is None or b is None else _OPS[op](a, b)
                result = _and(result, part)
            return result
        if isinstance(node, Between):
            x, lo, hi = (self.ev(n, i) for n in (node.operand, node.low, node.high))
            left = None if x is None or lo is None else lo <= x
            right = None if x is None or hi is None else x <= hi
            return _and(left, right)
        if isinstance(node, In):
            x = self.ev(node.operand, i)
            if x is None:
                return None
            hit = x in [self.ev(item, i) for item in node.items]
            return not hit if node.negated else hit
        if isinstance(node, IsMissing):
            missing = self.ev(node.operand, i) is None
            return not missing if node.negated else missing
        if isinstance(node, Not):
            x = self.ev(node.operand, i)
            return None if x is None else not x
        if isinstance(node, BoolOp):
            a, b = self.ev(node.left, i), self.ev(node.right, i)
            return _and(a, b) if node.op == "and" else _or(a, b)
        if isinstance(node, Call):
            return self.call(node, i)
        raise AssertionError(node)

    def group_value(self, node: Node, j: int) -> Any:
        """A group function's input for row j: a multiple's non-positive value is missing."""
        v = self.ev(node, j)
        if isinstance(node, MetricRef) and node.name in POSITIVE_MULTIPLES and v is not None:
            return v if v > 0 else None
        return v

    def call(self, node: Call, i: int) -> Any:
        name = node.name
        if name in ("hist_pct", "hist_median"):
            arg = node.args[0]
            assert isinstance(arg, MetricRef)
            ticker = self.rows[i]["ticker"]
            points = [
                v
                for t, m, v in self.history
                if t == ticker
                and m == arg.name
                and math.isfinite(v)
                and (v > 0 or arg.name not in POSITIVE_MULTIPLES)
            ]
            if len(points) < MIN_HISTORY_POINTS:
                return None
            if name == "hist_median":
                return _median(points)
            x = self.group_value(arg, i)
            return None if x is None else sum(1 for p in points if p <= x) / len(points)
        if name in ("sector_median", "sector_pct", "sector_zscore", "peer_gap"):
            args = [self.group_value(node.args[0], i)]
        else:
            args = [self.ev(a, i) for a in node.args]
        if name == "abs":
            return None if args[0] is None else abs(args[0])
        if name in ("min", "max"):
            return None if any(a is None for a in args) else (min if name == "min" else max)(args)
        if name == "log":
            return math.log(args[0]) if args[0] is not None and args[0] > 0 else None
        if name == "coalesce":
            return next((a for a in args if a is not None), None)
        sector = self.rows[i]["sector"]
        x = args[0]
        if sector is None:
            return None
        # The sector's rows that count in statistics (the row itself may not be one).
        peers = [
            j for j in range(len(self.rows)) if self.rows[j]["sector"] == sector and self.counts(j)
        ]
        if name == "peer_gap":
            market = self.rows[i]["market"]
            if market is None or x is None:
                return None
            mine = market == "CN"
            others = [
                v
                for j in peers
                if self.rows[j]["market"] is not None
                and (self.rows[j]["market"] == "CN") != mine
                and (v := self.group_value(node.args[0], j)) is not None
            ]
            med = _median(others)
            if med is None or not med > 0:
                return None
            return _fin(x / med - 1.0)
        values = [v for j in peers if (v := self.group_value(node.args[0], j)) is not None]
        if name == "sector_median":
            return _median(values)
        if x is None:
            return None
        n = len(values)
        if name == "sector_pct":
            if n < 2:
                return None
            # Counted values of the other rows: below, plus half of the equal ones.
            others = [
                v for j in peers if j != i and (v := self.group_value(node.args[0], j)) is not None
            ]
            less = sum(1 for v in others if v < x)
            equal = sum(1 for v in others if v == x)
            return (less + equal / 2.0) / len(others)
        if name == "sector_zscore":
            if n < 2:
                return None
            total = 0.0
            for v in values:
                total += v
            mean = total / n
            ss = 0.0
            for v in values:
                ss += (v - mean) * (v - mean)
            std = math.sqrt(ss / (n - 1))
            if std == 0 or not math.isfinite(std):
                return None
            return _fin((x - mean) / std)
        raise AssertionError(name)


# -- strategies -----------------------------------------------------------------

literals = st.builds(
    Num, st.sampled_from([0.0, 1.0, 2.0, 3.0, 0.5, 10.0, 100.0, 1.5]), st.booleans()
)
text_literals = st.builds(Str, st.sampled_from([*MARKETS, "JP", *CORE_SECTORS, "it's"]))
text_exprs = st.one_of(st.builds(MetricRef, st.sampled_from(["market", "sector"])), text_literals)


SECTOR_FUNCTIONS = ["sector_median", "sector_pct", "sector_zscore", "peer_gap"]


def num_exprs(depth: int, local: bool = False) -> st.SearchStrategy[Node]:
    """Number expressions; `local`: only ones that read the row itself (and its own
    history), no statistic over other rows."""
    leaves = st.one_of(st.builds(MetricRef, st.sampled_from(NUM_METRICS)), literals)
    if depth == 0:
        return leaves
    sub = num_exprs(depth - 1, local)
    return st.one_of(
        leaves,
        st.builds(Neg, sub),
        st.builds(BinOp, st.sampled_from(["+", "-", "*", "/"]), sub, sub),
        st.builds(
            lambda name, arg: Call(name, (arg,)),
            st.sampled_from([*([] if local else SECTOR_FUNCTIONS), "abs", "log"]),
            sub,
        ),
        st.builds(
            lambda name, metric: Call(name, (MetricRef(metric),)),
            st.sampled_from(["hist_pct", "hist_median"]),
            st.sampled_from(HIST_METRICS),
        ),
        st.builds(
            lambda name, args: Call(name, tuple(args)),
            st.sampled_from(["min", "max", "coalesce"]),
            st.lists(sub, min_size=2, max_size=3),
        ),
    )


CMP = st.sampled_from(["<", "<=", ">", ">=", "==", "!="])


def bool_exprs(depth: int, local: bool = False) -> st.SearchStrategy[Node]:
    num = num_exprs(min(depth, 2), local)
    leaves = st.one_of(
        st.builds(lambda op, a, b: Compare((op,), (a, b)), CMP, num, num),
        st.builds(
            lambda ops, first, rest: Compare(tuple(ops), (first, *rest[: len(ops)])),
            st.lists(CMP, min_size=2, max_size=2),
            num,
            st.lists(num, min_size=2, max_size=2),
        ),
        st.builds(
            lambda op, a, b: Compare((op,), (a, b)),
            st.sampled_from(["==", "!="]),
            text_exprs,
            text_exprs,
        ),
        st.builds(Between, num, num, num),
        st.builds(
            In,
            st.builds(MetricRef, st.sampled_from(["market", "sector"])),
            st.lists(text_literals, min_size=1, max_size=3).map(tuple),
            st.booleans(),
        ),
        st.builds(In, num, st.lists(literals, min_size=1, max_size=3).map(tuple), st.booleans()),
        st.builds(IsMissing, st.one_of(num, text_exprs), st.booleans()),
    )
    if depth == 0:
        return leaves
    sub = bool_exprs(depth - 1, local)
    return st.one_of(
        leaves,
        st.builds(Not, sub),
        st.builds(BoolOp, st.sampled_from(["and", "or"]), sub, sub),
    )


@st.composite
def frames(draw: st.DrawFn) -> tuple[pd.DataFrame, list[Row], pd.DataFrame, list[Any]]:
    n = draw(st.integers(1, 9))
    tickers = [f"T{i}" for i in range(n)]
    present = draw(st.lists(st.sampled_from(NUM_METRICS), unique=True, min_size=1))
    rows: list[Row] = []
    for ticker in tickers:
        row: Row = {
            "ticker": ticker,
            "sector": draw(st.sampled_from([*CORE_SECTORS[:2], None])),
            "market": draw(st.sampled_from([*MARKETS, None])),
        }
        for metric in present:
            row[metric] = draw(st.sampled_from(VALUES))
        rows.append(row)
    # No column (every row counts), True/False (often a sector with no row counted),
    # or True/False/missing (missing: not counted).
    stats = draw(st.sampled_from(["absent", "bool", "mostly_out", "with_missing"]))
    choices = {
        "bool": [True, False],
        "mostly_out": [True, False, False, False],
        "with_missing": [True, False, None],
    }.get(stats)
    if choices is not None:
        for row in rows:
            row["in_stats"] = draw(st.sampled_from(choices))
    frame = pd.DataFrame(rows).set_index("ticker")
    for metric in present:
        frame[metric] = frame[metric].astype("float64")
    frame["sector"] = frame["sector"].astype(object)
    frame["market"] = frame["market"].astype(object)
    points = draw(
        st.lists(
            st.tuples(
                st.sampled_from([*tickers, "ZZ"]),
                st.sampled_from(HIST_METRICS),
                st.sampled_from(VALUES),
            ),
            max_size=30,
        )
    )
    history = pd.DataFrame(points, columns=["ticker", "metric", "value"])
    history["date"] = "2024-12"
    return frame, rows, history, points


def assert_same(
    node: Node, frame: pd.DataFrame, rows: list[Row], history: pd.DataFrame, points: list[Any]
) -> None:
    fast = Evaluator(frame, history).value(node)
    slow = Reference(rows, points)
    kind = infer_type(node)
    for i in range(len(rows)):
        expected = slow.ev(node, i)
        got = fast[i]
        where = f"{node.to_source()} at row {i}: fast {got!r}, reference {expected!r}"
        if kind == "bool":
            assert (None if np.isnan(got) else bool(got == 1.0)) == expected, where
        elif kind == "text":
            assert got == expected, where
        elif expected is None:
            assert np.isnan(got), where
        else:
            assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12), where




@given(tree=bool_exprs(3), data=frames())
def test_conditions_match_the_reference(tree: Node, data: Any) -> None:
    assert_same(tree, *data)


@given(tree=num_exprs(3), data=frames())
def test_numbers_match_the_reference(tree: Node, data: Any) -> None:
    assert_same(tree, *data)


@given(tree=st.one_of(bool_exprs(3), num_exprs(3), text_exprs))
def test_print_then_parse_gives_the_same_tree(tree: Node) -> None:
    text = tree.to_source()
    again = parse_expression(text)
    assert again == tree, text
    assert again.to_source() == text
    assert hash(again) == hash(tree)


# -- stale inputs -----------------------------------------------------------------------


def _stale_mask(draw: st.DrawFn, frame: pd.DataFrame) -> pd.DataFrame:
    """A random choice of the frame's figures that are too old to use."""
    present = [m for m in NUM_METRICS if m in frame.columns]
    return pd.DataFrame(
        {m: [draw(st.booleans()) for _ in frame.index] for m in present},
        index=frame.index,
        dtype=bool,
    )


def _replace(draw: st.DrawFn, frame: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """The frame with the chosen cells given other values (missing ones too)."""
    out = frame.copy()
    for metric in cells.columns:
        for ticker in cells.index[cells[metric].to_numpy()]:
            out.at[ticker, metric] = draw(st.sampled_from(VALUES))
    return out


def _truths(values: np.ndarray) -> list[bool | None]:
    return [None if np.isnan(v) else bool(v == 1.0) for v in values]


@given(tree=st.one_of(bool_exprs(3), num_exprs(3)), data=frames(), extra=st.data())
def test_a_stale_figures_value_is_never_used(tree: Node, data: Any, extra: Any) -> None:
    """Whatever a stale cell holds, every result is the same: its value is not read."""
    frame, _rows, history, _points = data
    stale = _stale_mask(extra.draw, frame)
    other = _replace(extra.draw, frame, stale)
    a = Evaluator(frame, history, stale=stale)
    b = Evaluator(other, history, stale=stale)
    first, second = a.value(tree), b.value(tree)
    assert np.array_equal(first, second, equal_nan=True), tree.to_source()
    assert np.array_equal(a.unknown(tree), b.unknown(tree)), tree.to_source()


@given(tree=bool_exprs(3, local=True), data=frames(), extra=st.data())
def test_a_stale_input_never_makes_a_rule_fire(tree: Node, data: Any, extra: Any) -> None:
    """Kleene: a condition decided with stale inputs is decided the same way whatever
    their current values are (or were they missing), so a stale figure can make a rule
    unknown but never make it fire. Conditions over a row and its own history; sector
    statistics leave stale values out, so they describe the group without them."""
    frame, _rows, history, _points = data
    stale = _stale_mask(extra.draw, frame)
    with_stale = _truths(Evaluator(frame, history, stale=stale).value(tree))
    current = _replace(extra.draw, frame, stale)  # what the stale figures are today
    fresh = _truths(Evaluator(current, history).value(tree))
    for i, (old, new) in enumerate(zip(with_stale, fresh, strict=True)):
        if old is not None:
            assert old == new, f"{tree.to_source()} at row {i}: stale {old}, current {new}"


@given(tree=bool_exprs(3), data=frames(), extra=st.data())
def test_stale_reads_as_missing_in_every_comparison(tree: Node, data: Any, extra: Any) -> None:
    """Where a stale mask hides nothing that `is missing` or `coalesce` sees, a stale
    input is exactly a missing one: never true where the missing one is not."""
    frame, _rows, history, _points = data
    stale = _stale_mask(extra.draw, frame)
    hidden = frame.copy()
    for metric in stale.columns:
        hidden.loc[stale[metric].to_numpy(), metric] = np.nan
    with_stale = _truths(Evaluator(frame, history, stale=stale).value(tree))
    as_missing = _truths(Evaluator(hidden, history).value(tree))
    for i, (old, missing) in enumerate(zip(with_stale, as_missing, strict=True)):
        assert old is None or old == missing, f"{tree.to_source()} at row {i}"
