"""The screening table: one block per sector, columns that fit the terminal.

Each column has a priority. When the terminal is too narrow for all of them,
the least important columns are dropped whole (and the header says which), so
no number is ever cut in half. Missing values are a dash, stale dates are marked,
and a figure much older than its row's quote (older than the rules' age limits, so
they read it as unknown) carries a dim `*`, explained in a line under the table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from rich.console import Group, RenderableType
from rich.text import Text

from screener.catalog import METRICS
from screener.output.boxed import BoxedColumn, BoxedTable, text_width
from screener.output.fit import ColumnFit, fit
from screener.output.format import (
    MISSING,
    as_of_text,
    is_sample,
    metric_text,
    score_text,
    source_label,
)
from screener.output.legend import flag_label
from screener.output.sanitize import printable
from screener.select import flagged_mask, shown_rows
from screener.universe.taxonomy import SECTORS, sector_label, sub_segment_label

if TYPE_CHECKING:
    from screener.run import ScreenRun

STALE_DAYS = 90  # figures older than this get their date marked
DEFAULT_LIMIT = 50  # rows per sector the table shows unless told (--limit N, 0: all)
SPARK_BARS = "▁▂▃▄▅▆▇█"
OLD_FIGURE_MARK = "*"  # after a figure older than its kind's age limit, against its row


def sparkline(closes: Sequence[float], width: int = 12) -> str:
    """A one-line chart of closing prices, resampled to `width` bars."""
    found = np.asarray(closes, dtype="float64")  # None is NaN: a year of closes at once
    values = found[~np.isnan(found)].tolist()
    if len(values) < 2:
        return ""
    step = len(values) / width if len(values) > width else 1
    sampled = [values[min(int(i * step), len(values) - 1)] for i in range(min(width, len(values)))]
    low, high = min(sampled), max(sampled)
    if high == low:
        return SPARK_BARS[3] * len(sampled)
    scale = (len(SPARK_BARS) - 1) / (high - low)
    return "".join(SPARK_BARS[int((v - low) * scale)] for v in sampled)


#: one cell from its ticker and its row (a plain mapping: column -> value) in context
Cell = Callable[[str, Mapping[str, Any], "TableContext"], "str | Text"]


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
    old: frozenset[tuple[str, str]] = frozenset()  # (ticker, metric) of figures to mark
    marked: frozenset[str] = frozenset()  # metrics with a mark among the rows shown
    primary_of: dict[str, str] = field(default_factory=dict)  # secondary line -> primary


def _is_old(ctx: TableContext, ticker: str, metric: str) -> bool:
    return (ticker, metric) in ctx.old


def _with_mark(text: str, ticker: str, metric: str, ctx: TableContext) -> str | Text:
    """The figure, marked when it is old; in a column with marks, unmarked figures get a
    blank in the mark's place so the digits stay aligned."""
    if _is_old(ctx, ticker, metric):
        marked = Text(text)
        marked.append(OLD_FIGURE_MARK, style="dim")
        return marked
    return f"{text} " if metric in ctx.marked else text


def _metric_cell(metric: str) -> Cell:
    def cell(ticker: str, row: Mapping[str, Any], ctx: TableContext) -> str | Text:
        text = metric_text(metric, row.get(metric))
        if text == MISSING:
            return Text(MISSING + (" " if metric in ctx.marked else ""), style="dim")
        return _with_mark(text, ticker, metric, ctx)

    return cell


def _price_cell(ticker: str, row: Mapping[str, Any], ctx: TableContext) -> str | Text:
    text = metric_text("price", row.get("price"))
    if text == MISSING:
        return Text(MISSING + (" " if "price" in ctx.marked else ""), style="dim")
    return _with_mark(f"{text} {row['currency']}", ticker, "price", ctx)


SECONDARY_MARK = "2nd line of"  # after the name of a secondary listing: "2nd line of GDS"


def _name_cell(ticker: str, row: Mapping[str, Any], ctx: TableContext) -> str:
    zh = row.get("name_zh")
    name = str(row["name_en"]) + (f" {zh}" if isinstance(zh, str) and zh else "")
    primary = ctx.primary_of.get(ticker)
    return f"{name} ({SECONDARY_MARK} {primary})" if primary else name


def _flags_cell(ticker: str, row: Mapping[str, Any], ctx: TableContext) -> str | Text:
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


def _score_cell(ticker: str, row: Mapping[str, Any], ctx: TableContext) -> Text:
    score = row.get("score") or 0.0
    style = "bold green" if score > 0 else "bold red" if score < 0 else "dim"
    return Text(score_text(score), style=style)


def _as_of_cell(ticker: str, row: Mapping[str, Any], ctx: TableContext) -> str | Text:
    as_of = row.get("as_of")
    if not isinstance(as_of, str):
        return Text(MISSING, style="dim")
    age = row.get("data_age_days")
    if isinstance(age, float) and age > STALE_DAYS:
        return Text(f"{as_of}!", style="yellow")
    return as_of


def _segment_cell(ticker: str, row: Mapping[str, Any], ctx: TableContext) -> str:
    return sub_segment_label(str(row.get("sub_segment") or ""), "en")


def _spark_cell(ticker: str, row: Mapping[str, Any], ctx: TableContext) -> str | Text:
    return ctx.sparks.get(ticker) or Text(MISSING, style="dim")


COLUMNS: tuple[Column, ...] = (
    Column("ticker", "Ticker", 1, lambda t, r, c: t, numeric=False),
    Column("name", "Name", 2, _name_cell, numeric=False, min_width=8, max_width=30),
    Column("segment", "Segment", 16, _segment_cell, numeric=False, min_width=10, max_width=18),
    Column("price", "Price", 12, _price_cell),
    Column("spark", "1y", 15, _spark_cell, numeric=False),
    Column("market_cap_usd", "Mkt cap $", 9, _metric_cell("market_cap_usd")),
    Column("pe_ttm", "P/E", 7, _metric_cell("pe_ttm")),
    Column("pe_fwd", "Fwd P/E", 5, _metric_cell("pe_fwd")),
    Column("peg", "PEG", 8, _metric_cell("peg")),
    Column("ev_ebitda", "EV/EBITDA", 10, _metric_cell("ev_ebitda")),
    Column("revenue_growth", "Rev gr", 6, _metric_cell("revenue_growth")),
    Column("net_margin", "Net m", 13, _metric_cell("net_margin")),
    Column("pe_hist_pct", "P/E pct", 11, _metric_cell("pe_hist_pct")),
    Column("flags", "Flags", 4, _flags_cell, numeric=False, min_width=8, max_width=40),
    Column("score", "Score", 3, _score_cell),
    Column("as_of", "As of", 14, _as_of_cell, numeric=False),
)
COLUMN_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
_BY_KEY = {c.key: c for c in COLUMNS}
EXTRA_PRIORITY = 20  # a catalogue metric asked for by name: dropped first on a narrow terminal
#: every key `--columns` takes: the default columns, then any other catalogue metric
TABLE_KEYS: tuple[str, ...] = COLUMN_KEYS + tuple(m for m in METRICS if m not in _BY_KEY)


def _text_metric_cell(metric: str) -> Cell:
    def cell(ticker: str, row: pd.Series, ctx: TableContext) -> str | Text:
        value = row.get(metric)
        return value if isinstance(value, str) and value else Text(MISSING, style="dim")

    return cell


def column_for(key: str) -> Column:
    """The column of a key: a default column, or any catalogue metric under its label."""
    found = _BY_KEY.get(key)
    if found is not None:
        return found
    metric = METRICS[key]  # callers check keys against TABLE_KEYS first
    if metric.kind == "text":
        return Column(key, metric.label, EXTRA_PRIORITY, _text_metric_cell(key), numeric=False)
    return Column(key, metric.label, EXTRA_PRIORITY, _metric_cell(key))


def _printable(cell: str | Text) -> str | Text:
    return printable(cell) if isinstance(cell, str) else cell


def _plain(cell: str | Text) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _build_table(
    columns: Sequence[Column], widths: dict[str, int], rows: Sequence[Sequence[Any]]
) -> BoxedTable:
    """A boxed table with every column at a width decided here, so nothing is ever cropped.

    Drawn by `boxed.BoxedTable` (rich's table, line by line): thousands of rows in a
    fraction of a second.
    """
    boxed = [
        BoxedColumn(
            col.header,
            widths[col.key],
            justify="right" if col.numeric else "left",
            overflow="fold" if col.min_width is not None else "ellipsis",
            no_wrap=col.min_width is None,
        )
        for col in columns
    ]
    return BoxedTable(boxed, rows, header_style="bold")


def _fit_spec(col: Column, cells: list[str], width: int) -> ColumnFit:
    """A column as the fitter sees it: numbers at their full width, text down to a word.

    A text column that wraps starts at its longest word (within its min and max
    width) and may grow to its widest cell; every other column is as wide as its
    widest cell, always.
    """
    natural = max([text_width(col.header), *map(text_width, cells)])
    if col.min_width is None:
        return ColumnFit(col.key, natural, natural, col.priority)
    longest_word = max((text_width(word) for value in cells for word in value.split()), default=1)
    floor = min(natural, max(col.min_width, min(longest_word, col.max_width or 99)))
    return ColumnFit(col.key, floor, min(natural, col.max_width or width), col.priority)


def render_table(
    result: ScreenRun,
    *,
    width: int,
    columns: Sequence[str] | None = None,
    limit: int | None = DEFAULT_LIMIT,
) -> RenderableType:
    """Header, sample banner, then one block per sector in the note's order.

    The rows shown are the run's selection (`result.rows`), at most `limit` per sector
    (None: all), each block saying how many it hides; sector summaries speak of the
    whole run. Every cell is made once, for the rows shown only, and serves both the
    column fitter and the table.
    """
    selected = result.rows
    grouped = result.selection.group
    frame = shown_rows(selected, limit, grouped)  # ungrouped, the limit counts every row
    wanted = [column_for(key) for key in (columns or COLUMN_KEYS)]
    spark_shown = any(c.key == "spark" for c in wanted)
    sparks = {t: sparkline(c) for t, c in result.closes.items()} if spark_shown else {}
    if not sparks:
        wanted = [c for c in wanted if c.key != "spark" or columns]
    ctx = _context(result, frame, wanted, sparks)
    tickers = [str(t) for t in frame.index]
    records = _records(frame)
    rows = list(zip(tickers, records, strict=True))
    # Plain strings stay plain (the boxed table shows them as literal text, never rich
    # markup: names come from the network and from user files), made printable once:
    # no escape codes, no line of their own.
    cells = {c.key: [_printable(c.cell(t, r, ctx)) for t, r in rows] for c in wanted}
    plain = {key: [_plain(cell) for cell in column] for key, column in cells.items()}
    fitted = fit([_fit_spec(c, plain[c.key], width) for c in wanted], width, narrow="drop")
    kept = [c for c in wanted if c.key in fitted.widths]
    dropped = [column_for(key) for key in fitted.dropped]
    widths = fitted.widths

    parts: list[RenderableType] = [header_text(result, shown=len(frame))]
    if result.banner:
        from rich.panel import Panel  # only a run with a banner (the sample) draws one

        parts.append(Panel(Text(result.banner), border_style="yellow", expand=False))
    if dropped:
        names = ", ".join(c.header for c in sorted(dropped, key=lambda c: c.priority))
        parts.append(Text(f"(too narrow: hidden columns {names})", style="dim"))
    if grouped:
        sectors = frame["sector"].to_numpy(dtype=object)
        groups = [s for s in SECTORS if (frame["sector"] == s).any()]
        groups += sorted(set(frame["sector"].dropna()) - set(SECTORS))
        selected_counts = selected["sector"].value_counts()
        # What sector summaries read, of every company with data, taken once.
        summarised = [c for c in _SUMMARY_COLUMNS if c in result.frame.columns]
        stats = result.frame[summarised]
        stats_sectors = result.frame["sector"].to_numpy(dtype=object)
        for sector in groups:
            at = [i for i, value in enumerate(sectors) if value == sector]
            block = [[cells[c.key][i] for c in kept] for i in at]
            everyone = stats[stats_sectors == sector]
            shown_here = frame.iloc[at]
            parts.append(_sector_block(result, sector, everyone, shown_here, kept, widths, block))
            hidden = int(selected_counts.get(sector, 0)) - len(at)
            if hidden > 0:
                parts.append(Text(hidden_rows_line(hidden, sector), style="dim"))
    elif not frame.empty:
        block = [[cells[c.key][i] for c in kept] for i in range(len(frame))]
        parts.append(_ranking_block(result, len(frame), kept, widths, block))
        hidden = len(selected) - len(frame)
        if hidden > 0:
            parts.append(Text(hidden_rows_line(hidden, "all sectors"), style="dim"))
    if ctx.marked & {c.key for c in kept}:
        parts.append(Text(old_figure_legend(result.ruleset.age_limits), style="dim"))
    if frame.empty:
        message = "No company matches."
        total = sum(result.universe_counts.values())
        if not is_sample(result.source) and len(result.frame) < total:
            message += (
                f" The store has data for {len(result.frame)} of {total} universe companies:"
                " `screener refresh --all` (or `--sector S`) fetches the rest."
            )
        parts.append(Text(message, style="bold"))
    return Group(*parts)


def rows_shown(result: ScreenRun, limit: int | None = DEFAULT_LIMIT) -> pd.DataFrame:
    """The rows the table shows: at most `limit` per sector, or in all for one ranking."""
    return shown_rows(result.rows, limit, result.selection.group)


def hidden_rows_line(hidden: int, sector: str) -> str:
    """The line under a sector's block that the row limit cut short."""
    return f"… {hidden:,} more in {sector} — --limit 0 shows all"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as plain dicts (column -> value), read a column at a time."""
    names = [str(c) for c in frame.columns]
    columns = [frame[c].tolist() for c in frame.columns]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _context(
    result: ScreenRun, frame: pd.DataFrame, wanted: Sequence[Column], sparks: dict[str, str]
) -> TableContext:
    """What cells need beyond their row: flag labels, sparklines, the figures to mark."""
    metric_keys = [c.key for c in wanted if c.key in METRICS]
    old: frozenset[tuple[str, str]] = frozenset()
    marked: frozenset[str] = frozenset()
    stale = result.stale_cells
    if stale is not None and not frame.empty:
        shown = stale.reindex(index=frame.index, fill_value=False).fillna(False)
        cells = shown.to_numpy(dtype=bool)
        rows, cols = np.nonzero(cells)
        old = frozenset(
            (str(shown.index[r]), str(shown.columns[c])) for r, c in zip(rows, cols, strict=True)
        )
        in_columns = shown.reindex(columns=metric_keys, fill_value=False).to_numpy(dtype=bool)
        hits = in_columns.any(axis=0)
        marked = frozenset(m for m, hit in zip(metric_keys, hits, strict=True) if hit)
    return TableContext(
        flag_labels={rule.id: flag_label(rule) for rule in result.ruleset.rules},
        sparks=sparks,
        old=old,
        marked=marked,
        primary_of={
            t: c.primary_listing
            for t, c in result.universe.items()
            if getattr(c, "primary_listing", None)
        },
    )


def old_figure_legend(limits: Any) -> str:
    """The line under a table with marked figures: what the mark means, and where to look."""
    return (
        f"{OLD_FIGURE_MARK} figure older than its row's quote by more than the limit of its"
        f" kind ({limits.text()}): the rules read it as unknown; `screener explain TICKER`"
        " shows its date"
    )


def header_text(result: ScreenRun, shown: int | None = None) -> Text:
    """One line: how many rows (`shown`, else the selection's), whose data (loudly when
    it is the sample), as of when."""
    frame = result.rows
    source = source_label(result.source, "header", has_data=not result.frame.empty)
    as_of = as_of_text(result.as_of_range)
    text = Text()
    text.append("screener", style="bold")
    total = sum(result.universe_counts.values())
    text.append(f"  {len(frame) if shown is None else shown} shown")
    if total and len(result.frame) < total:
        text.append(f" · {len(result.frame)} of {total} universe companies have data")
    text.append(" · source: ")
    text.append(source, style="bold yellow" if is_sample(result.source) else "bold green")
    text.append(f" · as of {as_of} · {len(result.ruleset.rules)} rules")
    return text


def sector_summary(
    sector: str, all_rows: pd.DataFrame, shown: pd.DataFrame, in_universe: int | None = None
) -> str:
    """Count, sector medians (over the whole sector, not just the rows shown), names flagged.

    Medians count each company once (secondary listings are left out), as the rules do.
    """
    counted = all_rows[all_rows["in_stats"]] if "in_stats" in all_rows else all_rows
    fwd = counted["pe_fwd"].where(counted["pe_fwd"] > 0).median()
    growth = counted["revenue_growth"].median()
    flagged = int(flagged_mask(all_rows).sum())
    parts = [f"{len(shown)} shown of {len(all_rows)} with data"]
    if in_universe is not None and in_universe > len(all_rows):
        parts[0] += f" ({in_universe - len(all_rows)} more in the universe without data)"
    parts.append(f"median fwd P/E {metric_text('pe_fwd', fwd)}")
    parts.append(f"median rev growth {metric_text('revenue_growth', growth)}")
    parts.append(f"{flagged} flagged")
    return " · ".join(parts)


def _sector_title(sector: str) -> str:
    if sector in SECTORS:
        return f"{sector_label(sector, 'en')} {sector_label(sector, 'zh')}"
    return sector


#: the columns `sector_summary` reads of a sector's companies
_SUMMARY_COLUMNS = ("in_stats", "pe_fwd", "revenue_growth", "score")


def _sector_block(
    result: ScreenRun,
    sector: str,
    everyone: pd.DataFrame,
    rows: pd.DataFrame,
    columns: Sequence[Column],
    widths: dict[str, int],
    cells: Sequence[Sequence[str | Text]],
) -> RenderableType:
    """One sector's title with its summary (of `everyone`: the sector's companies with
    data), then its table."""
    title = Text(f"{_sector_title(sector)}", style="bold")
    summary = sector_summary(sector, everyone, rows, result.universe_counts.get(sector))
    title.append(f" — {summary}", style="")
    return Group(title, _build_table(columns, widths, cells))


def _ranking_block(
    result: ScreenRun,
    shown: int,
    columns: Sequence[Column],
    widths: dict[str, int],
    cells: Sequence[Sequence[str | Text]],
) -> RenderableType:
    """`--no-group`: every row in one ranking across sectors, under one title."""
    flagged = int(flagged_mask(result.frame).sum())
    title = Text("All sectors", style="bold")
    title.append(
        f" — one ranking: {shown} shown of {len(result.frame)} with data · {flagged} flagged",
        style="",
    )
    return Group(title, _build_table(columns, widths, cells))
