"""How screener writes a value: numbers, scores, missing values and data sources.

The one place that turns figures into text, so the table, the row grids, `explain`
and the rules' `why` sentences agree. Pure and cheap (no rich, no pandas): the rule
engine imports it to render reasons. Truncation is `screener.utils.clip`.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from screener.catalog import METRICS, NUMERIC_METRICS
from screener.data.provider import EASTMONEY_SOURCE, SAMPLE_SOURCE, YAHOO_SOURCE
from screener.output.sanitize import printable
from screener.utils import finite_float

MISSING = "–"
"""A missing value in a table or grid: a dash, never 0."""

MISSING_WORD = "missing"
"""A missing input in `explain`, where a dash would be lost among the numbers."""

MISSING_IN_TEXT = "n/a"
"""A missing value inside a rule's `why` sentence."""


def is_missing(value: Any) -> bool:
    """None or NaN: the two ways a figure is absent."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def metric_text(metric: str, value: Any) -> str:
    """A catalogue metric as the table shows it (by the metric's kind); missing is a dash."""
    if is_missing(value):
        return MISSING
    kind = METRICS[metric].kind if metric in METRICS else "number"
    decimals = METRICS[metric].decimals if metric in METRICS else None
    if decimals is not None:
        return f"{value:,.{decimals}f}"
    if kind == "fraction":
        return change_text(value)
    if kind == "percentile":
        return percent_text(value)
    if kind == "money":
        return _compact(value)
    if kind == "days":
        return f"{value:.0f}d"
    if kind == "price":
        return f"{value:,.2f}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.1f}" if kind == "ratio" else f"{value:.2f}"


def _compact(value: float) -> str:
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= size:
            return f"{value / size:.1f}{unit}"
    return f"{value:.0f}"


def percent_text(value: float) -> str:
    """A share as a whole percentage: 0.25 -> '25%'."""
    return f"{value:.0%}"


def change_text(value: float) -> str:
    """A fraction that is a change, signed: 0.25 -> '+25.0%'."""
    return f"{value:+.1%}"


def signed_text(value: float) -> str:
    """A rule's score or a total, always signed: '+1', '-0.5', '+0'."""
    return f"{value:+g}"


def score_text(score: float | None) -> str:
    """A company's score: signed, and a plain '0' when nothing fired."""
    return signed_text(score) if score else "0"


def number_text(value: Any) -> str:
    """A raw figure as `explain` lists it: four significant digits, large ones whole."""
    if is_missing(value):
        return MISSING_WORD
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def template_text(value: object, spec: str = "") -> str:
    """One placeholder of a `why` template: text as is, numbers with the allowed spec."""
    if value is None:
        return MISSING_IN_TEXT
    if isinstance(value, str):
        return printable(value)  # a name inside a reason: one line, no escape codes
    x = float(value)  # type: ignore[arg-type]
    if not math.isfinite(x):  # non-finite is missing, and int(inf) would raise
        return MISSING_IN_TEXT
    if spec:
        return format(x, spec)
    if x == int(x) and abs(x) < 1e15:
        return format(int(x), ",d") if abs(x) >= 10000 else str(int(x))
    return format(x, ".4g") if abs(x) < 10000 else format(x, ",.0f")


def template_column(values: Any, spec: str = "") -> list[str]:
    """`template_text` over a whole numpy column: the fast path for many reasons."""
    if values.dtype == object:
        return [template_text(v, spec) for v in values.tolist()]
    floats: list[float] = values.astype(float).tolist()
    if spec:
        return [MISSING_IN_TEXT if not math.isfinite(x) else format(x, spec) for x in floats]
    return [template_text(x) for x in floats]


def cell_text(column: str, value: Any) -> str:
    """One cell of a row grid: metrics as the table shows them, lists one item a line.

    Text is made printable (`sanitize.printable`): a name cannot break the grid's
    lines or send an escape code to the terminal.
    """
    if value is None:
        return MISSING
    if isinstance(value, list | tuple):
        return "\n".join(printable(str(v)) for v in value) if value else MISSING
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = finite_float(value)  # a 400-digit integer, inf: missing, never a crash
        if number is None:
            return MISSING
        if column in NUMERIC_METRICS:
            return metric_text(column, number)
        if column == "score":
            return score_text(number)
        if isinstance(value, int) and abs(value) < 10**15:
            return str(value)
        return f"{number:g}"
    return printable(str(value))


def as_of_text(span: tuple[str, str] | None) -> str:
    """A run's as-of range (`ScreenRun.as_of_range`): one date, or the first and last."""
    if span is None:
        return "n/a"
    first, last = span
    return first if first == last else f"{first} … {last}"


SourceContext = Literal["header", "holder", "explain", "chart", "saved"]
"""Where a source is named: the table header, "X has no data", the explain title,
a chart title, and the line that confirms a saved watchlist run."""

_SAMPLE_LABELS: dict[SourceContext, str] = {
    "header": "bundled SAMPLE snapshot (public pages)",
    "holder": "the bundled sample",
    "explain": "SAMPLE snapshot (public pages)",
    "chart": "SAMPLE data",
    "saved": " (SAMPLE data)",
}
_PROVIDER_NAMES = {YAHOO_SOURCE: "Yahoo", EASTMONEY_SOURCE: "East Money (akshare)"}


def is_sample(source: str) -> bool:
    """Whether a run's figures are the bundled sample (never current market data)."""
    return source == SAMPLE_SOURCE


def source_label(source: str, context: SourceContext, *, has_data: bool = True) -> str:
    """What to call a run's data source in one place of the output.

    The sample is named loudly everywhere (its figures are not current); live data is
    named by its provider, or said plainly to come from the store. `has_data` is
    False when the store holds no live data at all (the table header says so).
    """
    if is_sample(source):
        return _SAMPLE_LABELS[context]
    if "+" in source and context in ("header", "chart", "explain"):
        # a live run that read several sources, preferred first
        return " + ".join(source_label(s, context, has_data=has_data) for s in source.split("+"))
    provider = _PROVIDER_NAMES.get(source, source)
    if context == "header":
        if not has_data:
            return "the store (no live data yet)"
        return "Yahoo Finance" if source == YAHOO_SOURCE else provider
    if context == "holder":
        return "the store"
    if context == "chart":
        return f"{provider} data"
    if context == "saved":
        return ""
    return source


def plural(count: int, noun: str) -> str:
    """'1 rule', '2 rules', '0 files': a count and its noun (regular English plurals)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
