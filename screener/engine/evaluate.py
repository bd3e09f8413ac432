"""Vectorised evaluation of expression trees over a whole frame at once.

Every node evaluates to one numpy array aligned with the frame's rows:

* numbers: float64, NaN where missing;
* text: object, None where missing;
* conditions: float64 holding 1.0 (true), 0.0 (false) or NaN (unknown).

Conditions use three-valued (Kleene) logic, as SQL does: a comparison with a
missing input is unknown, `not unknown` is unknown, `false and unknown` is false,
`true or unknown` is true. A rule fires only where its condition is true, so a
missing input can never make a rule fire, even under `not`. `is missing` is the
one test that is always true or false.

Sector and peer statistics are computed over the rows that count in statistics:
the frame's optional boolean column `in_stats` (absent: every row counts) marks
the one listing of a dual-listed company that counts. Every row of a sector still
gets a value, measured against the statistics of the counted rows.

Results are cached per run by node; nodes compare by structure, so the same
sub-expression written in several rules (say `sector_median(pe_fwd)`) is computed
once. Nothing here reads files or the network: the frame and the history are
handed in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from screener.catalog import POSITIVE_MULTIPLES, TEXT_METRICS
from screener.engine.functions import HISTORY_ARG_METRICS, MIN_HISTORY_POINTS
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
from screener.engine.template import Template
from screener.output.format import template_column

if TYPE_CHECKING:
    from screener.engine.ruleset import RuleSet

Array = np.ndarray

_CMP: dict[str, Callable[[Array, Array], Array]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


def kleene_and(a: Array, b: Array) -> Array:
    """False if either is false, else unknown if either is unknown, else true."""
    out = np.minimum(a, b)  # NaN if either is NaN
    out[(a == 0.0) | (b == 0.0)] = 0.0
    return out


def kleene_or(a: Array, b: Array) -> Array:
    """True if either is true, else unknown if either is unknown, else false."""
    out = np.maximum(a, b)
    out[(a == 1.0) | (b == 1.0)] = 1.0
    return out


def _finite(values: Array) -> Array:
    """Non-finite results (x/0, overflow) become missing."""
    values = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        values = values.copy()
        values[bad] = np.nan
    return values


def group_median(values: Array, codes: Array, ngroups: int) -> Array:
    """Median of the non-missing values of each group (codes < 0 belong to none).

    Returns one value per group plus a trailing NaN, so `result[codes]` maps
    rows back to their group's median and rows without a group to NaN.
    """
    ok = ~np.isnan(values) & (codes >= 0)
    v = values[ok]
    c = codes[ok]
    order = np.lexsort((v, c))
    v = v[order]
    counts = np.bincount(c, minlength=ngroups)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    med = np.full(ngroups + 1, np.nan)
    has = np.flatnonzero(counts > 0)
    lo = starts[has] + (counts[has] - 1) // 2
    hi = starts[has] + counts[has] // 2
    med[has] = v[lo] / 2.0 + v[hi] / 2.0  # never (a + b) / 2: two finite 1e308 make inf
    return med


STATS_COLUMN = "in_stats"

#: functions computed over a group of values (a sector, a peer group, a company's past)
GROUP_FUNCTIONS = frozenset(
    {"sector_median", "sector_pct", "sector_zscore", "peer_gap", "hist_pct", "hist_median"}
)


def _is_multiple(node: Node) -> bool:
    """A bare valuation multiple: its statistics use only its positive values."""
    return isinstance(node, MetricRef) and node.name in POSITIVE_MULTIPLES


def _codes(values: Array) -> tuple[Array, int]:
    """Integer codes of a text column (-1 where missing) and the number of distinct values."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int64), len(uniques)


class Evaluator:
    """Evaluates nodes over one frame (and optional history), caching by node."""

    def __init__(self, frame: pd.DataFrame, history: pd.DataFrame | None = None) -> None:
        self.frame = frame
        self.index = frame.index
        self.n = len(frame)
        self.history = history
        self.cache: dict[Node, Array] = {}
        self._sector: tuple[Array, int] | None = None
        self._in_stats: Array | None = None
        self._peer: tuple[Array, Array, int] | None = None
        self._hist: dict[str, tuple[Array, Array]] = {}
        self._hist_groups: dict[str, pd.DataFrame] | None = None

    # -- columns ---------------------------------------------------------------
    def column(self, name: str) -> Array:
        if name in TEXT_METRICS:
            if name not in self.frame.columns:
                return np.full(self.n, None, dtype=object)
            col = self.frame[name]
            out = col.to_numpy(dtype=object, na_value=None)
            return out
        if name not in self.frame.columns:
            return np.full(self.n, np.nan)
        col = self.frame[name]
        if not pd.api.types.is_float_dtype(col.dtype):
            col = pd.to_numeric(col, errors="coerce")
        return _finite(col.to_numpy(dtype=np.float64, na_value=np.nan))

    def in_stats(self) -> Array:
        """Bool per row: the row counts in sector and peer statistics.

        From the frame's `in_stats` column: only true counts (false and missing do
        not). Without the column every row counts. Not a metric: rules cannot name it.
        """
        if self._in_stats is None:
            if STATS_COLUMN not in self.frame.columns:
                self._in_stats = np.ones(self.n, dtype=bool)
            else:
                col = self.frame[STATS_COLUMN]
                if col.dtype == bool:
                    self._in_stats = col.to_numpy(dtype=bool)
                else:
                    flags = col.to_numpy(dtype=object, na_value=False)
                    self._in_stats = np.asarray(flags == True, dtype=bool)  # noqa: E712
        return self._in_stats

    def stats_codes(self) -> tuple[Array, int]:
        """Sector codes of the rows that count in statistics (-1 for the others)."""
        codes, ngroups = self.sector_codes()
        return np.where(self.in_stats(), codes, -1), ngroups

    def sector_codes(self) -> tuple[Array, int]:
        if self._sector is None:
            self._sector = _codes(self.value(MetricRef("sector")))
        return self._sector

    def peer_groups(self) -> tuple[Array, Array, int]:
        """Per row: its (sector, market group) key, the key of the other group, key count."""
        if self._peer is None:
            codes, ngroups = self.sector_codes()
            market = self.value(MetricRef("market"))
            known = pd.notna(market) & (codes >= 0)
            is_cn = np.array([m == "CN" for m in market], dtype=np.int64)
            own = np.where(known, codes * 2 + is_cn, -1)
            other = np.where(known, codes * 2 + (1 - is_cn), -1)
            self._peer = (own, other, ngroups * 2)
        return self._peer

    def _history_by_metric(self) -> dict[str, pd.DataFrame]:
        if self._hist_groups is None:
            h = self.history
            if h is None or len(h) == 0:
                self._hist_groups = {}
            else:
                self._hist_groups = {
                    str(k): g for k, g in h.groupby(h["metric"].astype(str), sort=False)
                }
        return self._hist_groups

    def history_points(self, metric: str) -> tuple[Array, Array]:
        """(row position, value) of every usable history point of `metric`."""
        if metric not in self._hist:
            groups = self._history_by_metric()
            sel = groups.get(metric)
            if sel is None:
                self._hist[metric] = (np.empty(0, np.int64), np.empty(0))
            else:
                values = pd.to_numeric(sel["value"], errors="coerce").to_numpy(
                    dtype=np.float64, na_value=np.nan
                )
                rows = self.index.get_indexer(sel["ticker"].astype(str))
                ok = (rows >= 0) & np.isfinite(values)
                self._hist[metric] = (rows[ok].astype(np.int64), values[ok])
        return self._hist[metric]

    # -- nodes -----------------------------------------------------------------
    def value(self, node: Node) -> Array:
        """The node's values for every row (cached)."""
        hit = self.cache.get(node)
        if hit is not None:
            return hit
        result = self._compute(node)
        self.cache[node] = result
        return result

    def _compute(self, node: Node) -> Array:
        n = self.n
        if isinstance(node, Num):
            return np.full(n, node.value)
        if isinstance(node, Str):
            return np.full(n, node.value, dtype=object)
        if isinstance(node, MetricRef):
            return self.column(node.name)
        if isinstance(node, Neg):
            return -self.value(node.operand)
        if isinstance(node, BinOp):
            a, b = self.value(node.left), self.value(node.right)
            with np.errstate(all="ignore"):
                if node.op == "+":
                    out = a + b
                elif node.op == "-":
                    out = a - b
                elif node.op == "*":
                    out = a * b
                else:
                    out = a / b
            return _finite(out)
        if isinstance(node, Compare):
            result: Array | None = None
            for op, left, right in zip(
                node.ops, node.operands[:-1], node.operands[1:], strict=True
            ):
                part = self._compare(op, self.value(left), self.value(right))
                result = part if result is None else kleene_and(result, part)
            assert result is not None
            return result
        if isinstance(node, Between):
            x = self.value(node.operand)
            low = self._compare("<=", self.value(node.low), x)
            high = self._compare("<=", x, self.value(node.high))
            return kleene_and(low, high)
        if isinstance(node, In):
            return self._in(node)
        if isinstance(node, IsMissing):
            missing = pd.isna(self.value(node.operand))
            return (~missing if node.negated else missing).astype(np.float64)
        if isinstance(node, Not):
            return 1.0 - self.value(node.operand)
        if isinstance(node, BoolOp):
            a, b = self.value(node.left), self.value(node.right)
            return kleene_and(a, b) if node.op == "and" else kleene_or(a, b)
        if isinstance(node, Call):
            return self._call(node)
        raise TypeError(f"cannot evaluate {type(node).__name__}")  # parser never builds these

    @staticmethod
    def _compare(op: str, a: Array, b: Array) -> Array:
        if a.dtype == object or b.dtype == object:
            missing = pd.isna(a) | pd.isna(b)
            eq = np.asarray(a == b, dtype=bool)
            out = (eq if op == "==" else ~eq).astype(np.float64)
        else:
            missing = np.isnan(a) | np.isnan(b)
            with np.errstate(invalid="ignore"):
                out = _CMP[op](a, b).astype(np.float64)
        out[missing] = np.nan
        return out

    def _in(self, node: In) -> Array:
        x = self.value(node.operand)
        items = [self.value(i)[0] if self.n else None for i in node.items]
        if x.dtype == object:
            missing = pd.isna(x)
            hit = pd.Series(x, dtype=object).isin(items).to_numpy(dtype=bool)
        else:
            missing = np.isnan(x)
            hit = np.isin(x, np.asarray(items, dtype=np.float64))
        out = (~hit if node.negated else hit).astype(np.float64)
        out[missing] = np.nan
        return out

    def _call(self, node: Call) -> Array:
        name = node.name
        args = [self.value(a) for a in node.args]
        if name in GROUP_FUNCTIONS and _is_multiple(node.args[0]):
            args[0] = np.where(args[0] > 0, args[0], np.nan)
        with np.errstate(all="ignore"):
            if name == "abs":
                return np.abs(args[0])
            if name == "min":
                return np.minimum.reduce(args)
            if name == "max":
                return np.maximum.reduce(args)
            if name == "log":
                x = args[0]
                return np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)
            if name == "coalesce":
                out = args[0].copy()
                for more in args[1:]:
                    gap = np.isnan(out)
                    out[gap] = more[gap]
                return out
            if name == "sector_median":
                codes, ng = self.sector_codes()
                counted, _ = self.stats_codes()
                return group_median(args[0], counted, ng)[codes]
            if name == "sector_pct":
                return self._sector_pct(args[0])
            if name == "sector_zscore":
                return self._sector_zscore(args[0])
            if name == "peer_gap":
                own, other, ng = self.peer_groups()
                counted = np.where(self.in_stats(), own, -1)
                med = group_median(args[0], counted, ng)[other]
                med[~(med > 0)] = np.nan
                return _finite(args[0] / med - 1.0)
            if name in ("hist_pct", "hist_median"):
                arg = node.args[0]
                assert isinstance(arg, MetricRef)
                return self._history(name, arg.name, args[0])
        raise TypeError(f"unknown function {name}")  # parser rejects these

    def _sector_pct(self, x: Array) -> Array:
        """(counted others below + half the counted others equal) / counted others.

        "Counted others": the non-missing values of the rows of the sector that count
        in statistics, the row itself left out. For a counted row that is
        (average rank - 1) / (n - 1); an excluded row is placed among all n counted
        values. Missing where x is missing or the sector has fewer than 2 counted values.
        """
        codes, ng = self.sector_codes()
        counted, _ = self.stats_codes()
        out = np.full(self.n, np.nan)
        rows = (codes >= 0) & ~np.isnan(x)
        if not rows.any():
            return out
        # Exact integer keys (sector, rank of the value) so ties compare exactly.
        uniques, rank = np.unique(x[rows], return_inverse=True)
        width = len(uniques) + 1
        keys = np.full(self.n, -1, dtype=np.int64)
        keys[rows] = codes[rows] * width + rank.reshape(-1)
        inc = rows & (counted >= 0)
        ref = np.sort(keys[inc])
        n = np.bincount(codes[inc], minlength=ng)
        q = keys[rows]
        c = codes[rows]
        first = np.searchsorted(ref, c * width, side="left")
        below = np.searchsorted(ref, q, side="left") - first
        equal = np.searchsorted(ref, q, side="right") - first - below
        own = inc[rows].astype(np.int64)  # a counted row is not its own peer
        others = n[c] - own
        with np.errstate(all="ignore"):
            pct = (below + (equal - own) / 2.0) / others
        pct[n[c] < 2] = np.nan
        out[rows] = pct
        return out

    def _sector_zscore(self, x: Array) -> Array:
        """(x - mean) / std (n - 1) of the sector's counted values, for every row."""
        codes, ng = self.sector_codes()
        counted, _ = self.stats_codes()
        ok = (codes >= 0) & ~np.isnan(x)
        inc = ok & (counted >= 0)
        c = codes[inc]
        v = x[inc]
        counts = np.bincount(c, minlength=ng).astype(np.float64)
        sums = np.bincount(c, weights=v, minlength=ng)
        with np.errstate(all="ignore"):
            mean = sums / counts
            dev = v - mean[c]
            ss = np.bincount(c, weights=dev * dev, minlength=ng)
            std = np.sqrt(ss / (counts - 1.0))
        std[(counts < 2) | (std == 0)] = np.nan
        out = np.full(self.n, np.nan)
        with np.errstate(all="ignore"):
            out[ok] = (x[ok] - mean[codes[ok]]) / std[codes[ok]]
        return _finite(out)

    def _history(self, name: str, metric: str, current: Array) -> Array:
        rows, values = self.history_points(metric)
        if metric in POSITIVE_MULTIPLES:
            keep = values > 0
            rows, values = rows[keep], values[keep]
        counts = np.bincount(rows, minlength=self.n)
        enough = counts >= MIN_HISTORY_POINTS
        if name == "hist_median":
            out = group_median(values, rows, self.n)[: self.n]
        else:
            with np.errstate(invalid="ignore"):
                le = (values <= current[rows]).astype(np.float64)
                out = np.bincount(rows, weights=le, minlength=self.n) / counts
            out[np.isnan(current)] = np.nan
        out = out.astype(np.float64)
        out[~enough] = np.nan
        return out


# -- running a rule set ---------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    """The outcome of a rule set over a frame, one row per ticker.

    score: total score (0.0 where nothing fired); fired: tuple of rule ids;
    reasons: tuple of "rule-id: rendered why" strings; matrix: bool, tickers x rule ids,
    true where the rule fired; unknown: bool, same shape, true where the rule applies but
    its condition was unknown because of missing data (`explain` says which inputs).
    """

    score: pd.Series
    fired: pd.Series
    reasons: pd.Series
    matrix: pd.DataFrame
    unknown: pd.DataFrame  # bool: the condition could not be decided (an input was missing)


def sector_mask(evaluator: Evaluator, sectors: tuple[str, ...]) -> Array:
    """Rows a rule applies to: its sector filter (all rows when it has none)."""
    if not sectors:
        return np.ones(evaluator.n, dtype=bool)
    sector = evaluator.value(MetricRef("sector"))
    return pd.Series(sector, dtype=object).isin(sectors).to_numpy(dtype=bool)


def render(evaluator: Evaluator, template: Template, rows: Array) -> list[str]:
    """The template rendered for each row position in `rows`."""
    columns: list[list[str]] = []
    for part in template.parts:
        if isinstance(part, str):
            columns.append([part] * len(rows))
        else:
            values = evaluator.value(part.node)[rows]
            columns.append(template_column(values, part.spec))
    return (
        ["".join(pieces) for pieces in zip(*columns, strict=True)]
        if columns
        else ["" for _ in rows]
    )


def evaluate(
    ruleset: RuleSet, frame: pd.DataFrame, history: pd.DataFrame | None = None
) -> Evaluation:
    """Run every rule over the frame. Pure: reads nothing but its arguments."""
    evaluator = Evaluator(frame, history)
    n = evaluator.n
    index = frame.index
    scores = np.zeros(n)
    fired_ids: list[list[str]] = [[] for _ in range(n)]
    reasons: list[list[str]] = [[] for _ in range(n)]
    matrix: dict[str, Array] = {}
    unknown: dict[str, Array] = {}
    for rule in ruleset.rules:
        condition = evaluator.value(rule.when)
        applies = sector_mask(evaluator, rule.sectors)
        fired = (condition == 1.0) & applies
        matrix[rule.id] = fired
        unknown[rule.id] = np.isnan(condition) & applies
        rows = np.flatnonzero(fired)
        if len(rows) == 0:
            continue
        scores[rows] += rule.score
        if rule.template is not None:
            texts = render(evaluator, rule.template, rows)
        else:
            texts = [rule.title] * len(rows)
        for row, text in zip(rows.tolist(), texts, strict=True):
            fired_ids[row].append(rule.id)
            reasons[row].append(f"{rule.id}: {text}")
    return Evaluation(
        score=pd.Series(scores, index=index, name="score", dtype=np.float64),
        fired=pd.Series([tuple(f) for f in fired_ids], index=index, name="fired", dtype=object),
        reasons=pd.Series([tuple(r) for r in reasons], index=index, name="reasons", dtype=object),
        matrix=pd.DataFrame(matrix, index=index, columns=list(ruleset.ids), dtype=bool),
        unknown=pd.DataFrame(unknown, index=index, columns=list(ruleset.ids), dtype=bool),
    )


def history_percentile(
    frame: pd.DataFrame, history: pd.DataFrame | None, metric: str
) -> pd.Series:
    """`hist_pct(metric)` for every row, as a rule computes it; no expression is parsed.

    The table's `P/E pct` column is this over `pe_ttm`, so what the table shows and what
    a rule such as `hist_pct(pe_ttm) < 0.2` tests are the same number. Pure.
    """
    if metric not in HISTORY_ARG_METRICS:
        raise ValueError(f"hist_pct takes a metric with a history, not {metric!r}")
    values = Evaluator(frame, history).value(Call("hist_pct", (MetricRef(metric),)))
    return pd.Series(values, index=frame.index, dtype="float64")
