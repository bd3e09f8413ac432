"""The function table of the rule language: names, arities and what they need.

The parser checks every call against this table before any data is loaded, so
a misspelt or mis-called function is an error in the rule file, not at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from screener.catalog import HISTORY_METRICS

FunctionKind = Literal["elementwise", "sector", "history", "peer"]

# Metrics hist_pct / hist_median accept: those the catalogue keeps a valuation
# history for, plus forward P/E, which live providers can store as well.
HISTORY_ARG_METRICS: frozenset[str] = HISTORY_METRICS | frozenset({"pe_fwd"})

# Fewer stored history points than this and hist_pct / hist_median are missing:
# a percentile of one or two points says nothing about a "usual" range.
MIN_HISTORY_POINTS = 3

MAX_VARIADIC = 8


@dataclass(frozen=True, slots=True)
class Function:
    """One callable: its arity bounds, its kind, and one line of documentation."""

    name: str
    min_args: int
    max_args: int
    kind: FunctionKind
    summary: str

    def arity_text(self) -> str:
        if self.min_args == self.max_args:
            n = self.min_args
            return f"{n} argument" + ("" if n == 1 else "s")
        return f"{self.min_args} to {self.max_args} arguments"


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("sector_median", 1, 1, "sector", "median of x over the company's sector"),
        Function("sector_pct", 1, 1, "sector", "percentile rank of x in its sector, 0 to 1"),
        Function("sector_zscore", 1, 1, "sector", "(x - sector mean) / sector std"),
        Function("hist_pct", 1, 1, "history", "share of the company's history points <= x"),
        Function("hist_median", 1, 1, "history", "median of the company's history of x"),
        Function("peer_gap", 1, 1, "peer", "x / median of x in the other market group - 1"),
        Function("abs", 1, 1, "elementwise", "absolute value"),
        Function("min", 2, MAX_VARIADIC, "elementwise", "smallest argument (missing if any is)"),
        Function("max", 2, MAX_VARIADIC, "elementwise", "largest argument (missing if any is)"),
        Function("log", 1, 1, "elementwise", "natural logarithm (missing for x <= 0)"),
        Function("coalesce", 2, MAX_VARIADIC, "elementwise", "first argument that is not missing"),
    )
}
