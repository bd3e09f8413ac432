"""Vectorised evaluation of expression trees over a whole frame at once.

Every node evaluates to one numpy array aligned with the frame's rows:

* numbers: float64, NaN where missing;
* text: object, None where missing;
* conditions: float64 holding 1.0 (true), 0.0 (false) or NaN (unknown).

Conditions use three-valued (Kleene) logic, as SQL does: a comparison with a
missing input is unknown, `not unknown` is unknown, `false and unknown` is false,
`true or unknown` is true. A rule fires only where its condition is true, so a
missing input can never make a rule fire, even under `not`. `is missing` is the
one test that is always true or false, but for a stale input.

A *stale* input (a figure much older than its row's quote, see `engine.age`) is read
as unknown: its value is hidden (NaN, so every comparison with it is unknown and
statistics leave it out, as they leave out a missing one), and where the difference
between "missing" and "some value we cannot use" matters, in `is missing` and
`coalesce`, the result is unknown too. So a stale figure can never make a rule fire,
whatever its value: `Evaluator.unknown` tracks which values a stale input hides.

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
from screener.engine.history import HistoryInput, HistoryPoints
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
    from screener.engine.age import AgeLimits, FigureAges
    from screener.engine.ruleset import Rule, RuleSet

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
    counts = np.bincount(c, minlength=ngroups)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    med = np.full(ngroups + 1, np.nan)
    has = np.flatnonzero(counts > 0)
    lo = (counts[has] - 1) // 2
    hi = counts[has] // 2
    widest = int(counts.max()) if len(counts) else 0
    if len(v) and ngroups * widest <= 4 * len(v):
        # Groups of similar size (a company's 40 quarters): one row each, padded with
        # +inf, sorted along the rows; small sorts instead of one of every point.
        if not (c[1:] >= c[:-1]).all():  # history points arrive by row: then no sort
            order = np.argsort(c, kind="stable")
            c, v = c[order], v[order]
        column = np.arange(len(c))
        column -= starts[c]  # each value's place in its group's row
        padded = np.full((ngroups, widest), np.inf)
        padded[c, column] = v
        padded.sort(axis=1)
        low, high = padded[has, lo], padded[has, hi]
    else:
        v = v[np.lexsort((v, c))]
        low, high = v[starts[has] + lo], v[starts[has] + hi]
    med[has] = low / 2.0 + high / 2.0  # never (a + b) / 2: two finite 1e308 make inf
    return med


STATS_COLUMN = "in_stats"

#: functions computed over a group of values (a sector, a peer group, a company's past)
GROUP_FUNCTIONS = frozenset(
    {"sector_median", "sector_pct", "sector_zscore", "peer_gap", "hist_pct", "hist_median"}
)
#: group functions that describe the group, not the row: a row's own stale value is left
#: out of them as every stale value is, so they stay known
GROUP_DESCRIPTORS = frozenset({"sector_median", "hist_median"})


def _is_multiple(node: Node) -> bool:
    """A bare valuation multiple: its statistics use only its positive values."""
    return isinstance(node, MetricRef) and node.name in POSITIVE_MULTIPLES


def _codes(values: Array) -> tuple[Array, int]:
    """Integer codes of a text column (-1 where missing) and the number of distinct values."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int64), len(uniques)


class Evaluator:
    """Evaluates nodes over one frame (and optional history), caching by node.

    `stale` (bool, rows x metrics, aligned with the frame by ticker) marks the figures
    too old to use: they read as unknown (see the module docstring).
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        history: HistoryInput = None,
        stale: pd.DataFrame | None = None,
    ) -> None:
        self.frame = frame
        self.index = frame.index
        self.n = len(frame)
        self.history = HistoryPoints.of(history)  # shared: grouped once per run
        self.cache: dict[Node, Array] = {}
        self.unknown_cache: dict[Node, Array] = {}
        self.stale: dict[str, Array] = {}
        if stale is not None:
            aligned = stale.reindex(index=frame.index, fill_value=False)
            for name in aligned.columns:
                mask = aligned[name].to_numpy(dtype=bool, na_value=False)
                if mask.any():
                    self.stale[str(name)] = mask
        self._sector: tuple[Array, int] | None = None
        self._in_stats: Array | None = None
        self._peer: tuple[Array, Array, int] | None = None
        self._hist: dict[str, tuple[Array, Array]] = {}

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
        values = _finite(col.to_numpy(dtype=np.float64, na_value=np.nan))
        hidden = self.stale.get(name)
        if hidden is not None:
            values = values.copy()
            values[hidden] = np.nan
        return values

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
            is_cn = np.asarray(market == "CN", dtype=np.int64)
            own = np.where(known, codes * 2 + is_cn, -1)
            other = np.where(known, codes * 2 + (1 - is_cn), -1)
            self._peer = (own, other, ngroups * 2)
        return self._peer

    def history_points(self, metric: str) -> tuple[Array, Array]:
        """(row position, value) of every usable history point of `metric`."""
        if metric not in self._hist:
            self._hist[metric] = self.history.points(metric, self.index)
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

    def unknown(self, node: Node) -> Array:
        """Bool per row: the node's value is hidden by a stale input (cached).

        A value hidden this way is NaN, like a missing one, but it is not known to be
        missing: the figure exists and only its current value is unknown. Only `is
        missing` and `coalesce` need to tell the two apart. Conservative: where a stale
        input *might* decide the result, the result is unknown.
        """
        hit = self.unknown_cache.get(node)
        if hit is not None:
            return hit
        result = self._unknown(node)
        self.unknown_cache[node] = result
        return result

    def _unknown(self, node: Node) -> Array:
        none = np.zeros(self.n, dtype=bool)
        if not self.stale:
            return none
        if isinstance(node, MetricRef):
            return self.stale.get(node.name, none)
        if isinstance(node, Neg):
            return self.unknown(node.operand)
        if isinstance(node, BinOp):
            return self._unknown_of(node, (node.left, node.right))
        if isinstance(node, Call):
            if node.name == "coalesce":
                self.value(node)  # computes its unknown mask with its value
                return self.unknown_cache.get(node, none)
            if node.name in GROUP_DESCRIPTORS:
                return none
            if node.name in GROUP_FUNCTIONS:  # the row's own value is hidden
                return self.unknown(node.args[0]) & np.isnan(self.value(node))
            return self._unknown_of(node, node.args)
        return none  # literals, text, conditions (an unknown condition is NaN already)

    def _unknown_of(self, node: Node, operands: tuple[Node, ...]) -> Array:
        """Unknown where an operand is, unless another is known to be missing (then so is
        the result, whatever the hidden value)."""
        hidden = np.zeros(self.n, dtype=bool)
        known_missing = np.zeros(self.n, dtype=bool)
        for operand in operands:
            unknown = self.unknown(operand)
            hidden |= unknown
            known_missing |= np.isnan(self.value(operand)) & ~unknown
        return hidden & ~known_missing & np.isnan(self.value(node))

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
            out = (~missing if node.negated else missing).astype(np.float64)
            out[self.unknown(node.operand)] = np.nan  # a stale figure is not known missing
            return out
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
                return self._coalesce(node, args)
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

    def _coalesce(self, node: Call, args: list[Array]) -> Array:
        """The first argument that is not missing; unknown where a stale one comes first."""
        out = np.full(self.n, np.nan)
        decided = np.zeros(self.n, dtype=bool)
        hidden = np.zeros(self.n, dtype=bool)
        for arg, values in zip(node.args, args, strict=True):
            present = ~np.isnan(values) & ~decided
            out[present] = values[present]
            decided |= present
            stale = self.unknown(arg) & ~decided
            hidden |= stale
            decided |= stale
        self.unknown_cache[node] = hidden
        return out

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
        return self.history.remembered(
            (name, metric), self.index, current, lambda: self._history_of(name, metric, current)
        )

    def _history_of(self, name: str, metric: str, current: Array) -> Array:
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
    its condition was unknown because of missing data or a stale input (`explain` says
    which inputs); stale: bool, same shape, true where the rule reads a stale input of
    the row (decided or not).
    """

    score: pd.Series
    fired: pd.Series
    reasons: pd.Series
    matrix: pd.DataFrame
    unknown: pd.DataFrame  # bool: the condition could not be decided (an input was missing)
    stale: pd.DataFrame | None = None  # bool: the rule reads a figure too old to use


class Evaluators:
    """One evaluator per set of age limits (rule files may set their own), sharing nothing.

    Without ages every rule reads every figure as it is, through one evaluator.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        history: HistoryInput,
        ages: FigureAges | None,
    ) -> None:
        self.frame = frame
        self.history = HistoryPoints.of(history)  # one grouping for every evaluator
        self.ages = ages.reindex(frame.index) if ages is not None else None
        self._by_limits: dict[AgeLimits | None, Evaluator] = {}
        self._stale: dict[AgeLimits, pd.DataFrame] = {}

    def stale(self, limits: AgeLimits) -> pd.DataFrame | None:
        """Bool, rows x metrics: the figures these limits call stale (None without ages)."""
        if self.ages is None:
            return None
        if limits not in self._stale:
            self._stale[limits] = self.ages.stale(limits)
        return self._stale[limits]

    def for_rule(self, rule: Rule) -> Evaluator:
        limits = rule.max_age if self.ages is not None else None
        found = self._by_limits.get(limits)
        if found is None:
            stale = self.stale(limits) if limits is not None else None
            found = Evaluator(self.frame, self.history, stale=stale)
            self._by_limits[limits] = found
        return found


def stale_reads(evaluator: Evaluator, node: Node) -> Array:
    """Bool per row: `node` reads a figure of the row that is stale."""
    out = np.zeros(evaluator.n, dtype=bool)
    for part in node.walk():
        if isinstance(part, MetricRef) and part.name in evaluator.stale:
            out |= evaluator.stale[part.name]
    return out


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
    ruleset: RuleSet,
    frame: pd.DataFrame,
    history: HistoryInput = None,
    ages: FigureAges | None = None,
) -> Evaluation:
    """Run every rule over the frame. Pure: reads nothing but its arguments.

    With `ages`, each rule reads the figures older than its file's age limits as
    unknown (see `engine.age`); without, every figure as it is.
    """
    evaluators = Evaluators(frame, history, ages)
    n = len(frame)
    index = frame.index
    scores = np.zeros(n)
    fired_ids: list[list[str]] = [[] for _ in range(n)]
    reasons: list[list[str]] = [[] for _ in range(n)]
    matrix: dict[str, Array] = {}
    unknown: dict[str, Array] = {}
    stale: dict[str, Array] = {}
    for rule in ruleset.rules:
        evaluator = evaluators.for_rule(rule)
        condition = evaluator.value(rule.when)
        applies = sector_mask(evaluator, rule.sectors)
        fired = (condition == 1.0) & applies
        matrix[rule.id] = fired
        unknown[rule.id] = np.isnan(condition) & applies
        stale[rule.id] = stale_reads(evaluator, rule.when)
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
        stale=pd.DataFrame(stale, index=index, columns=list(ruleset.ids), dtype=bool),
    )


def history_percentile(
    frame: pd.DataFrame, history: HistoryInput, metric: str
) -> pd.Series:
    """`hist_pct(metric)` for every row, as a rule computes it; no expression is parsed.

    The table's `P/E pct` column is this over `pe_ttm`, so what the table shows and what
    a rule such as `hist_pct(pe_ttm) < 0.2` tests are the same number. Pure.
    """
    if metric not in HISTORY_ARG_METRICS:
        raise ValueError(f"hist_pct takes a metric with a history, not {metric!r}")
    values = Evaluator(frame, history).value(Call("hist_pct", (MetricRef(metric),)))
    return pd.Series(values, index=frame.index, dtype="float64")
