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
from screener.data.rows import QueryRows, column
from screener.engine.age import FigureAges, days_before
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
    a column at a time on integer codes: thousands of rows share a few stored vintage
    texts and a few quote dates, so each distinct vintage is looked at once and a cell
    is an index into the distinct ones (-1: none).
    """
    registry = _Registry()
    texts: dict[Any, int] = {}  # companies of one day share their text: decoded once
    decoded: list[dict[str, Vintage]] = []
    stored: dict[str, int] = {}
    rows = snapshots if isinstance(snapshots, QueryRows) else list(snapshots)
    for ticker, text in zip(column(rows, "ticker"), column(rows, "vintages"), strict=True):
        key = text if isinstance(text, str) else None
        if key not in texts:
            texts[key] = len(decoded)
            decoded.append(parse_vintages(text))
        stored[str(ticker)] = texts[key]
    tickers = [str(t) for t in frame.index.tolist()]  # an Index iterates slowly
    # A ticker listed twice gets its last row's vintages on both (as a dict by ticker would).
    last = {t: i for i, t in enumerate(tickers)}
    rows = np.array([last[t] for t in tickers], dtype=np.intp)
    empty = len(decoded)  # the code of a row without a snapshot: no stored vintages
    own = np.array([stored.get(t, empty) for t in tickers], dtype=np.intp)
    raw_as_of = frame["as_of"].tolist() if "as_of" in frame else [None] * len(tickers)
    dates_of = {a: i for i, a in enumerate(dict.fromkeys(raw_as_of))}
    quote_of = np.array(  # each distinct quote date's default vintage, once
        [registry.code(default_vintage(a)) if isinstance(a, str) and a else -1 for a in dates_of],
        dtype=np.intp,
    )
    default = quote_of[np.array([dates_of[a] for a in raw_as_of], dtype=np.intp)]

    def stored_codes(metric: str) -> np.ndarray:
        """Per row, the code of its stored vintage of `metric` (-1: none stored)."""
        per_text = [registry.code(found.get(metric)) for found in decoded]
        return np.array([*per_text, -1], dtype=np.intp)[own]

    def present(metric: str) -> np.ndarray:
        return frame[metric].notna().to_numpy(dtype=bool)

    none = np.full(len(tickers), -1, dtype=np.intp)
    columns: dict[str, np.ndarray] = {}
    for metric in NUMERIC_COLUMNS:
        columns[metric] = none
        if metric in NO_VINTAGE or metric in DERIVED_FROM or metric not in frame:
            continue
        found = stored_codes(metric)
        found = np.where(found >= 0, found, default)
        columns[metric] = np.where(present(metric), found, -1)
    for metric, inputs in DERIVED_FROM.items():
        if metric not in frame or metric not in columns:
            continue
        rank = registry.date_ranks()
        oldest = none  # the first input with the earliest date, as min() picks it
        for name in inputs:
            code = columns[name]
            older = (code >= 0) & ((oldest < 0) | (rank[code] < rank[oldest]))
            oldest = np.where(older, code, oldest)
        found = stored_codes(metric)
        found = np.where(found >= 0, found, np.where(oldest >= 0, oldest, default))
        columns[metric] = np.where(present(metric), found, -1)
    names = list(columns)
    codes = np.column_stack([columns[m][rows] for m in names]) if names else none[:, None]
    parts = registry.parts()
    dates, basis, labels = (
        pd.DataFrame(part[codes], index=frame.index, columns=names, dtype=object)
        for part in parts
    )
    as_of_series = frame["as_of"] if "as_of" in frame else pd.Series(None, index=frame.index)
    if not names:
        return FigureAges.from_tables(dates, basis, labels, as_of_series)
    # The days from the vintage codes the tables were made of (not from their 100,000s of
    # cells): the one reckoning `from_tables` also makes, from codes it finds in its table.
    days = days_before(as_of_series, codes, parts[0])
    return FigureAges(
        dates=dates,
        basis=basis,
        labels=labels,
        days=pd.DataFrame(days, index=frame.index, columns=names, dtype="float64"),
        basis_codes=_basis_codes(codes, parts[1]),
    )


def _basis_codes(codes: np.ndarray, code_basis: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Per cell the position of its basis among the distinct ones (-1: none), and those:
    what `FigureAges.stale` reads, made from the codes instead of 100,000s of texts."""
    distinct = list(dict.fromkeys(b for b in code_basis if b is not None))
    at = {basis: i for i, basis in enumerate(distinct)}
    per_code = np.array([at.get(b, -1) if b is not None else -1 for b in code_basis], np.intp)
    return per_code[codes], distinct


class _Registry:
    """The distinct vintages of a run, each with a code: its index here (-1 for none)."""

    def __init__(self) -> None:
        self.codes: dict[Vintage, int] = {}

    def code(self, vintage: Vintage | None) -> int:
        if vintage is None:
            return -1
        return self.codes.setdefault(vintage, len(self.codes))

    def date_ranks(self) -> np.ndarray:
        """Per code, the rank of its date among the distinct dates (the last cell: -1's)."""
        order = {d: r for r, d in enumerate(sorted({v.date for v in self.codes}))}
        return np.array([*(order[v.date] for v in self.codes), -1], dtype=np.intp)

    def parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per code, the date, basis and label as the tables hold them; code -1 reads the
        None at the end."""
        vintages: list[Vintage | None] = [*self.codes, None]
        return tuple(  # type: ignore[return-value]
            np.array([_part(v, part) for v in vintages], dtype=object)
            for part in ("date", "basis", "label")
        )


def _part(vintage: Vintage | None, part: str) -> str | None:
    """One part of a vintage as the tables hold it: text, or None."""
    if vintage is None:
        return None
    value = getattr(vintage, part, None)
    return value if isinstance(value, str) and value else None
