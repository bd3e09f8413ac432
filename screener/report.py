"""Renderers: the rich table people read, and the JSON/CSV rows they hand on.

Renderers take a `ScreenResult` and produce renderables or plain rows; only the
CLI decides where they go. Missing figures are shown as a dash, never as 0, and
every table states its data source and as-of dates in its header.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from screener.catalog import METRICS, SECTORS
from screener.frame import NUMERIC_COLUMNS
from screener.universe import sector_label, sub_segment_label

if TYPE_CHECKING:
    from screener.pipeline import ScreenResult

MISSING = "–"

#: the table's metric columns, in order
TABLE_METRICS: tuple[str, ...] = (
    "price",
    "market_cap_usd",
    "pe_ttm",
    "pe_fwd",
    "peg",
    "ev_ebitda",
    "revenue_growth",
    "net_margin",
)

#: the stable CSV/JSON schema: identity, then every catalogue metric, then the verdict
ROW_FIELDS: tuple[str, ...] = (
    "ticker",
    "name",
    "name_zh",
    "sector",
    "sub_segment",
    "market",
    "currency",
    *NUMERIC_COLUMNS,
    "flags",
    "score",
    "reasons",
    "as_of",
    "source",
    "source_url",
)


def format_value(metric: str, value: float) -> str:
    """A number as the table shows it; NaN becomes a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    kind = METRICS[metric].kind
    if kind == "fraction":
        return f"{value:+.1%}"
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


def _column_header(metric: str) -> str:
    return "Mkt cap $" if metric == "market_cap_usd" else METRICS[metric].label


def render_table(result: ScreenResult, frame: pd.DataFrame | None = None) -> RenderableType:
    """A header, the sample banner if any, and one table per sector (in the note's order)."""
    frame = result.frame if frame is None else frame
    parts: list[RenderableType] = [header_text(result, frame)]
    if result.banner:
        parts.append(Panel(Text(result.banner), border_style="yellow", expand=False))
    for sector in SECTORS:
        rows = frame[frame["sector"] == sector]
        if rows.empty:
            continue
        parts.append(_sector_table(sector, rows))
    others = frame[~frame["sector"].isin(SECTORS)]
    if not others.empty:
        parts.append(_sector_table("other", others))
    if frame.empty:
        parts.append(Text("No company matches.", style="bold"))
    return Group(*parts)


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


def _sector_table(sector: str, rows: pd.DataFrame) -> Table:
    title = (
        f"{sector_label(sector, 'en')} {sector_label(sector, 'zh')}"
        if sector in SECTORS
        else "Other"
    )
    flagged = int((rows["score"].fillna(0) != 0).sum())
    table = Table(
        title=f"{title} — {len(rows)} names, {flagged} flagged",
        title_justify="left",
        title_style="bold",
        header_style="bold",
        pad_edge=False,
        expand=False,
    )
    table.add_column("Ticker", no_wrap=True)
    table.add_column("Name", overflow="fold", min_width=10, max_width=32)
    table.add_column("Segment", overflow="ellipsis", max_width=16)
    for metric in TABLE_METRICS:
        table.add_column(_column_header(metric), justify="right", no_wrap=True)
    table.add_column("Flags", overflow="fold", min_width=8)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("As of", no_wrap=True)
    ordered = rows.sort_values(
        ["score", "market_cap_usd"], ascending=[False, False], na_position="last"
    )
    for ticker, row in ordered.iterrows():
        name = row["name_en"] + (f" {row['name_zh']}" if row["name_zh"] else "")
        cells: list[str | Text] = [str(ticker), name, sub_segment_label(row["sub_segment"], "en")]
        for metric in TABLE_METRICS:
            text = format_value(metric, row[metric])
            if metric == "price" and text != MISSING:
                text = f"{text} {row['currency']}"
            cells.append(Text(text, style="dim") if text == MISSING else text)
        flags = row["flags"] or ()
        cells.append(", ".join(flags) if flags else Text(MISSING, style="dim"))
        score = row["score"]
        style = "green" if score > 0 else "red" if score < 0 else "dim"
        cells.append(Text(f"{score:+g}" if score else "0", style=style))
        cells.append(str(row["as_of"] or MISSING))
        table.add_row(*cells)
    return table


def to_rows(result: ScreenResult, frame: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """One plain dict per company in the stable schema; missing numbers are None."""
    frame = result.frame if frame is None else frame
    rows: list[dict[str, Any]] = []
    for ticker, row in frame.iterrows():
        out: dict[str, Any] = {
            "ticker": ticker,
            "name": row["name_en"],
            "name_zh": row["name_zh"] or None,
            "sector": row["sector"],
            "sub_segment": row["sub_segment"],
            "market": row["market"],
            "currency": row["currency"],
        }
        for metric in NUMERIC_COLUMNS:
            value = row[metric]
            out[metric] = None if pd.isna(value) else float(value)
        out["flags"] = list(row["flags"] or ())
        out["score"] = float(row["score"])
        out["reasons"] = list(row["reasons"] or ())
        out["as_of"] = row["as_of"]
        out["source"] = row["source"]
        out["source_url"] = row["source_url"]
        rows.append(out)
    return rows


def json_rows(result: ScreenResult, frame: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """JSON rows: the CSV schema plus provenance (notes, derived figures, other sources)."""
    rows = to_rows(result, frame)
    for row in rows:
        provenance = result.provenance.get(row["ticker"], {})
        notes = result.frame.at[row["ticker"], "notes"]
        row["notes"] = notes if isinstance(notes, str) and notes else None
        row["provenance"] = provenance or None
    return rows
