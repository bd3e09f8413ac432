"""The screening table: one block per sector, columns that fit the terminal.

Each column has a priority. When the terminal is too narrow for all of them,
the least important columns are dropped whole (and the header says which), so
no number is ever cut in half. Missing values are a dash, stale dates are marked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from screener.catalog import METRICS, SECTORS
from screener.universe import sector_label, sub_segment_label

if TYPE_CHECKING:
    from screener.pipeline import ScreenResult

MISSING = "–"
STALE_DAYS = 90  # figures older than this get their date marked
SPARK_BARS = "▁▂▃▄▅▆▇█"


def format_value(metric: str, value: Any) -> str:
    """A number as the table shows it; NaN becomes a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    kind = METRICS[metric].kind if metric in METRICS else "number"
    if kind == "fraction":
        return f"{value:+.1%}"
    if kind == "percentile":
        return f"{value:.0%}"
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


def sparkline(closes: Sequence[float], width: int = 12) -> str:
    """A one-line chart of closing prices, resampled to `width` bars."""
    values = [c for c in closes if c is not None and not math.isnan(c)]
    if len(values) < 2:
        return ""
    step = len(values) / width if len(values) > width else 1
    sampled = [values[min(int(i * step), len(values) - 1)] for i in range(min(width, len(values)))]
    low, high = min(sampled), max(sampled)
    if high == low:
        return SPARK_BARS[3] * len(sampled)
    scale = (len(SPARK_BARS) - 1) / (high - low)
    return "".join(SPARK_BARS[int((v - low) * scale)] for v in sampled)


Cell = Callable[[str, pd.Series, "TableContext"], "str | Text"]


@dataclass(frozen=True)
class Column:
    """One table column: its key for --columns, header, priority (1 = kept longest)."""

    key: str
    header: str
    priority: int
    cell: Cell
    numeric: bool = True
    min_width: int | None = None  # wrapping columns: the narrowest they may get
    max_width: int | None = None


@dataclass(frozen=True)
class TableContext:
    flag_labels: dict[str, str]
    sparks: dict[str, str]


def _metric_cell(metric: str) -> Cell:
    def cell(ticker: str, row: pd.Series, ctx: TableContext) -> str | Text:
        text = format_value(metric, row.get(metric))
        return Text(MISSING, style="dim") if text == MISSING else text

    return cell


def _price_cell(ticker: str, row: pd.Series, ctx: TableContext) -> str | Text:
    text = format_value("price", row.get("price"))
    if text == MISSING:
        return Text(MISSING, style="dim")
    return f"{text} {row['currency']}"


def _name_cell(ticker: str, row: pd.Series, ctx: TableContext) -> str:
    zh = row.get("name_zh")
    return str(row["name_en"]) + (f" {zh}" if isinstance(zh, str) and zh else "")


def _flags_cell(ticker: str, row: pd.Series, ctx: TableContext) -> str | Text:
    fired = row.get("flags") or ()
    if not fired:
        return Text(MISSING, style="dim")
    text = Text()
    for i, rule_id in enumerate(fired):
        if i:
            text.append(" ")
        label = ctx.flag_labels.get(rule_id, rule_id)
        text.append(label, style="red" if label.startswith("-") else "")
    return text


def _score_cell(ticker: str, row: pd.Series, ctx: TableContext) -> Text:
    score = row.get("score") or 0.0
    style = "bold green" if score > 0 else "bold red" if score < 0 else "dim"
    return Text(f"{score:+g}" if score else "0", style=style)


def _as_of_cell(ticker: str, row: pd.Series, ctx: TableContext) -> str | Text:
    as_of = row.get("as_of")
    if not isinstance(as_of, str):
        return Text(MISSING, style="dim")
    age = row.get("data_age_days")
    if isinstance(age, float) and age > STALE_DAYS:
        return Text(f"{as_of}!", style="yellow")
    return as_of


def _segment_cell(ticker: str, row: pd.Series, ctx: TableContext) -> str:
    return sub_segment_label(str(row.get("sub_segment") or ""), "en")


def _spark_cell(ticker: str, row: pd.Series, ctx: TableContext) -> str | Text:
    return ctx.sparks.get(ticker) or Text(MISSING, style="dim")


COLUMNS: tuple[Column, ...] = (
    Column("ticker", "Ticker", 1, lambda t, r, c: t, numeric=False),
    Column("name", "Name", 2, _name_cell, numeric=False, min_width=14, max_width=30),
    Column("segment", "Segment", 16, _segment_cell, numeric=False, min_width=10, max_width=18),
    Column("price", "Price", 12, _price_cell),
    Column("spark", "1y", 15, _spark_cell, numeric=False),
    Column("market_cap_usd", "Mkt cap $", 9, _metric_cell("market_cap_usd")),
    Column("pe_ttm", "P/E", 7, _metric_cell("pe_ttm")),
    Column("pe_fwd", "Fwd P/E", 4, _metric_cell("pe_fwd")),
    Column("peg", "PEG", 8, _metric_cell("peg")),
    Column("ev_ebitda", "EV/EBITDA", 10, _metric_cell("ev_ebitda")),
    Column("revenue_growth", "Rev gr", 6, _metric_cell("revenue_growth")),
    Column("net_margin", "Net m", 13, _metric_cell("net_margin")),
    Column("pe_hist_pct", "P/E pct", 11, _metric_cell("pe_hist_pct")),
    Column("flags", "Flags", 5, _flags_cell, numeric=False, min_width=12, max_width=40),
    Column("score", "Score", 3, _score_cell),
    Column("as_of", "As of", 14, _as_of_cell, numeric=False),
)
COLUMN_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
_BY_KEY = {c.key: c for c in COLUMNS}


def _plain(cell: str | Text) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def fit_columns(
    columns: Sequence[Column], cells: dict[str, list[str]], width: int
) -> tuple[list[Column], list[Column]]:
    """Drop the lowest-priority columns until the table fits `width`; return (kept, dropped)."""
    kept = list(columns)
    dropped: list[Column] = []

    def need(col: Column) -> int:
        natural = max([cell_len(col.header), *(cell_len(v) for v in cells[col.key])])
        if col.min_width is not None:
            return min(natural, col.min_width)
        return natural

    while kept:
        total = sum(need(c) for c in kept) + 3 * len(kept) + 1
        if total <= width or len(kept) <= 2:
            break
        victim = max(kept, key=lambda c: c.priority)
        kept.remove(victim)
        dropped.append(victim)
    return kept, dropped


def render_table(
    result: ScreenResult,
    frame: pd.DataFrame,
    *,
    width: int,
    columns: Sequence[str] | None = None,
) -> RenderableType:
    """Header, sample banner, then one block per sector in the note's order."""
    sparks = {t: sparkline(c) for t, c in result.closes.items()}
    wanted = [_BY_KEY[key] for key in (columns or COLUMN_KEYS)]
    if not sparks:
        wanted = [c for c in wanted if c.key != "spark" or columns]
    ctx = TableContext(
        flag_labels={rule.id: flag_label(rule) for rule in result.ruleset.rules},
        sparks=sparks,
    )
    cells = {
        c.key: [_plain(c.cell(str(t), row, ctx)) for t, row in frame.iterrows()] for c in wanted
    }
    kept, dropped = fit_columns(wanted, cells, width)

    parts: list[RenderableType] = [header_text(result, frame)]
    if result.banner:
        parts.append(Panel(Text(result.banner), border_style="yellow", expand=False))
    if dropped:
        names = ", ".join(c.header for c in sorted(dropped, key=lambda c: c.priority))
        parts.append(Text(f"(too narrow: hidden columns {names})", style="dim"))
    groups = [s for s in SECTORS if (frame["sector"] == s).any()]
    groups += sorted(set(frame["sector"].dropna()) - set(SECTORS))
    for sector in groups:
        rows = frame[frame["sector"] == sector]
        parts.append(_sector_block(result, sector, rows, kept, ctx))
    if frame.empty:
        parts.append(Text("No company matches.", style="bold"))
    return Group(*parts)


def flag_label(rule: Any) -> str:
    """The short label a rule shows in the Flags column; penalties get a leading minus."""
    label = getattr(rule, "flag", None) or rule.id
    if rule.score < 0 and not label.startswith("-"):
        label = "-" + label
    return label


def header_text(result: ScreenResult, frame: pd.DataFrame) -> Text:
    source = (
        "bundled SAMPLE snapshot (public pages)" if result.source == "sample" else "Yahoo Finance"
    )
    dates = frame["as_of"].dropna()
    as_of = f"{dates.min()} … {dates.max()}" if not dates.empty else "n/a"
    text = Text()
    text.append("screener", style="bold")
    text.append(f"  {len(frame)} companies · source: ")
    text.append(source, style="bold yellow" if result.source == "sample" else "bold green")
    text.append(f" · as of {as_of} · {len(result.ruleset.rules)} rules")
    return text


def sector_summary(sector: str, all_rows: pd.DataFrame, shown: pd.DataFrame) -> str:
    """Count, sector medians (over the whole sector, not just the rows shown), names flagged."""
    fwd = all_rows["pe_fwd"].where(all_rows["pe_fwd"] > 0).median()
    growth = all_rows["revenue_growth"].median()
    flagged = int((all_rows["score"].fillna(0) > 0).sum())
    parts = [f"{len(shown)} shown of {len(all_rows)}"]
    parts.append(f"median fwd P/E {format_value('pe_fwd', fwd)}")
    parts.append(f"median rev growth {format_value('revenue_growth', growth)}")
    parts.append(f"{flagged} flagged")
    return " · ".join(parts)


def _sector_title(sector: str) -> str:
    if sector in SECTORS or sector == "adjacent":
        return f"{sector_label(sector, 'en')} {sector_label(sector, 'zh')}"
    return sector


def _sector_block(
    result: ScreenResult,
    sector: str,
    rows: pd.DataFrame,
    columns: Sequence[Column],
    ctx: TableContext,
) -> Table:
    everyone = result.frame[result.frame["sector"] == sector]
    table = Table(
        title=f"{_sector_title(sector)} — {sector_summary(sector, everyone, rows)}",
        title_justify="left",
        title_style="bold",
        header_style="bold",
        expand=False,
    )
    for col in columns:
        if col.numeric:
            table.add_column(col.header, justify="right", no_wrap=True)
        else:
            wraps = col.min_width is not None
            table.add_column(
                col.header,
                no_wrap=not wraps,
                overflow="fold" if wraps else "ellipsis",
                min_width=col.min_width,
                max_width=col.max_width,
            )
    for ticker, row in rows.iterrows():
        table.add_row(*(col.cell(str(ticker), row, ctx) for col in columns))
    return table
