"""`explain A B C`: several companies side by side, one column each.

The first rows are the figures people compare first (price, the multiples, growth,
margin, the own-history percentile, score), then one row per rule with each company's
outcome: `yes +2` (fired), `no`, `?` (cannot tell: a missing or stale input), or `n/a`
where the rule does not apply to the company's sector. `explain TICKER` alone shows
one company's every input; this view answers "which of these, and why" at a glance.
The grid is the listings' one (`grid.render_grid`), so it fits any width the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from screener.catalog import METRICS
from screener.output.explain import explanation_rows, rule_explanations
from screener.output.format import metric_text, score_text
from screener.output.legend import flag_label

if TYPE_CHECKING:
    from screener.run import ScreenRun

COMPARED_METRICS: tuple[str, ...] = (
    "price",
    "market_cap_usd",
    "pe_ttm",
    "pe_fwd",
    "peg",
    "revenue_growth",
    "net_margin",
    "pe_hist_pct",
)


def outcome_text(item: Any) -> str:
    """One rule for one company in a word: yes +score, no, ? (unknown), n/a."""
    if not item.applicable:
        return "n/a"
    if item.fired:
        return f"yes {score_text(item.rule.score)}"
    if item.result is None:
        return "?"
    return "no"


def compare_rows(run: ScreenRun, tickers: Sequence[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """The side-by-side rows and their columns: `what`, then one column per ticker."""
    for ticker in tickers:
        explanation_rows(run, ticker)  # a ticker without data fails here, with the reason
    frame = run.frame
    rows: list[dict[str, Any]] = [
        {"what": "name", **{t: str(frame.at[t, "name_en"]) for t in tickers}},
        {"what": "sector", **{t: str(frame.at[t, "sector"]) for t in tickers}},
    ]
    for metric in COMPARED_METRICS:
        label = METRICS[metric].label
        rows.append(
            {"what": label, **{t: metric_text(metric, frame.at[t, metric]) for t in tickers}}
        )
    rows.append({"what": "Score", **{t: score_text(float(frame.at[t, "score"])) for t in tickers}})
    outcomes = {t: {item.rule.id: item for item in rule_explanations(run, t)} for t in tickers}
    for rule in run.ruleset.rules:
        rows.append(
            {
                "what": flag_label(rule),
                **{t: outcome_text(outcomes[t][rule.id]) for t in tickers},
            }
        )
    return rows, ["what", *tickers]


def compare_json(run: ScreenRun, tickers: Sequence[str]) -> list[dict[str, Any]]:
    """`explain A B --format json`: the one-company explanation of each, in order."""
    return [explanation_rows(run, ticker) for ticker in tickers]


def render_compare(run: ScreenRun, tickers: Sequence[str], width: int) -> Any:
    """The side-by-side grid, with a line saying what the marks mean."""
    from rich.console import Group
    from rich.text import Text

    from screener.output.grid import render_grid

    rows, columns = compare_rows(run, tickers)
    grid = render_grid(rows, columns, width=width, title="Side by side")
    key = "yes: fired (with its score) · no: false · ?: cannot tell (missing or stale input)"
    key += " · n/a: not for this sector · rules by label (`screener rules list`);"
    key += " `screener explain TICKER` shows every input"
    return Group(grid, Text(key, style="dim"))
