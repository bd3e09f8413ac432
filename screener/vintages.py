"""Each figure's vintage in a run: read from the store, completed, aligned with the frame.

A vintage is the date a figure describes (`screener.data.provider.Vintage`). The
frame keeps one column per metric; the vintages sit beside it in a table of the same
shape, `FigureAges` (rows = tickers, columns = metrics: the vintage's date, basis and
label, and how many days it predates the row's `as_of`), rather than in more columns
of the frame: the rule engine reads them as one matrix, renderers look one figure up
by ticker and metric, and the frame's columns stay the catalogue.

Completion: a stored figure without a vintage is of its row's `as_of`, basis quote
(the provider's promise, see `FetchBundle.vintages`); a derived figure has the vintage
of the oldest figure it is made from; `data_age_days` has none (it is the row's age
against today, not a figure of the company). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from screener.data.provider import Vintage, decode_vintages
from screener.engine.age import FigureAges
from screener.frame import NUMERIC_COLUMNS

#: derived metric -> the figures it is made from (its vintage is the oldest of theirs)
DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "implied_eps_growth": ("pe_ttm", "pe_fwd"),
    "market_cap_usd": ("market_cap",),
    "pe_hist_pct": ("pe_ttm",),
}
#: metrics that are not figures of the company and so have no vintage
NO_VINTAGE: frozenset[str] = frozenset({"data_age_days"})


def parse_vintages(text: Any) -> dict[str, Vintage]:
    """A snapshot's stored `vintages` column -> metric -> Vintage (bad or empty: none)."""
    return decode_vintages(text)


def default_vintage(as_of: str) -> Vintage:
    """The vintage of a figure its provider gave none: its row's quote date."""
    return Vintage(as_of, "quote", f"quote of {as_of}")


def row_vintages(stored: Mapping[str, Vintage], row: pd.Series) -> dict[str, Vintage]:
    """Every present figure of one frame row -> its vintage (stored, derived or default)."""
    as_of = row.get("as_of")
    as_of = as_of if isinstance(as_of, str) and as_of else None
    out: dict[str, Vintage] = {}
    for metric in NUMERIC_COLUMNS:
        if metric in NO_VINTAGE or metric not in row.index or pd.isna(row[metric]):
            continue
        if metric in stored:
            out[metric] = stored[metric]
        elif metric in DERIVED_FROM:
            continue  # below, once its inputs have theirs
        elif as_of is not None:
            out[metric] = default_vintage(as_of)
    for metric, inputs in DERIVED_FROM.items():
        if metric in out or metric not in row.index or pd.isna(row[metric]):
            continue
        sources = [out[name] for name in inputs if name in out]
        if sources:
            out[metric] = min(sources, key=lambda v: v.date)
        elif as_of is not None:
            out[metric] = default_vintage(as_of)
    return out


def figure_ages(snapshots: Iterable[Mapping[str, Any]], frame: pd.DataFrame) -> FigureAges:
    """The vintage table of a run's frame, from the snapshot rows the frame was built from.

    Call it with the finished frame (derived metrics and `pe_hist_pct` in it), so every
    figure the frame shows has a vintage. The same as `row_vintages` for every row, done
    a column at a time: only present figures are visited, and each distinct date is
    read once.
    """
    decoded: dict[Any, dict[str, Vintage]] = {}  # companies of one day share their text
    stored: dict[str, dict[str, Vintage]] = {}
    for snap in snapshots:
        text = snap.get("vintages")
        key = text if isinstance(text, str) else None
        if key not in decoded:
            decoded[key] = parse_vintages(text)
        stored[str(snap["ticker"])] = decoded[key]
    tickers = [str(t) for t in frame.index]
    # A ticker listed twice gets its last row's vintages on both (as a dict by ticker would).
    last = {t: i for i, t in enumerate(tickers)}
    rows = [last[t] for t in tickers]
    own = [stored.get(t, {}) for t in tickers]
    raw_as_of = frame["as_of"].tolist() if "as_of" in frame else [None] * len(tickers)
    as_of = [a if isinstance(a, str) and a else None for a in raw_as_of]
    columns: dict[str, list[Vintage | None]] = {}
    for metric in NUMERIC_COLUMNS:
        column: list[Vintage | None] = [None] * len(tickers)
        columns[metric] = column
        if metric in NO_VINTAGE or metric in DERIVED_FROM or metric not in frame:
            continue
        for i in np.flatnonzero(frame[metric].notna().to_numpy(dtype=bool)).tolist():
            column[i] = own[i].get(metric) or (
                default_vintage(as_of[i]) if as_of[i] is not None else None
            )
    for metric, inputs in DERIVED_FROM.items():
        if metric not in frame or metric not in columns:
            continue
        column = columns[metric]
        for i in np.flatnonzero(frame[metric].notna().to_numpy(dtype=bool)).tolist():
            found = own[i].get(metric)
            if found is None:
                sources = [v for name in inputs if (v := columns[name][i]) is not None]
                if sources:
                    found = min(sources, key=lambda v: v.date)
                elif as_of[i] is not None:
                    found = default_vintage(as_of[i])
            column[i] = found
    index = frame.index
    parts: dict[Vintage | None, tuple[str | None, str | None, str | None]] = {None: (None,) * 3}
    tables: tuple[dict[str, list[str | None]], ...] = ({}, {}, {})
    for metric, column in columns.items():
        cells = []
        for r in rows:
            vintage = column[r]
            found = parts.get(vintage)
            if found is None:
                found = parts[vintage] = (
                    _part(vintage, "date"),
                    _part(vintage, "basis"),
                    _part(vintage, "label"),
                )
            cells.append(found)
        for k, table in enumerate(tables):
            table[metric] = [cell[k] for cell in cells]
    dates, basis, labels = (
        pd.DataFrame(table, index=index, columns=list(columns), dtype=object) for table in tables
    )
    as_of_series = frame["as_of"] if "as_of" in frame else pd.Series(None, index=index)
    return FigureAges.from_tables(dates, basis, labels, as_of_series)


def _part(vintage: Vintage | None, part: str) -> str | None:
    """One part of a vintage as the tables hold it: text, or None."""
    if vintage is None:
        return None
    value = getattr(vintage, part, None)
    return value if isinstance(value, str) and value else None
