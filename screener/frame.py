"""Store rows -> the screening frame: one row per company, catalogue metrics as columns.

Pure: it takes plain rows (as the store returns them) and universe entries, and
returns a DataFrame indexed by ticker. Every numeric catalogue column exists and
is float64, with NaN for missing (never 0), so rules and renderers need no checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from screener.catalog import METRICS, NUMERIC_METRICS
from screener.metrics import FxQuote, add_derived
from screener.universe.tickers import market_of

#: descriptive columns every frame carries, in display order
DESCRIPTIVE_COLUMNS: tuple[str, ...] = (
    "name_en",
    "name_zh",
    "sector",
    "sub_segment",
    "market",
    "exchange",
    "currency",
    "as_of",
    "source",
    "source_url",
    "notes",
)

NUMERIC_COLUMNS: tuple[str, ...] = tuple(
    m.name for m in METRICS.values() if m.name in NUMERIC_METRICS
)


def build_frame(
    snapshots: Iterable[Mapping[str, Any]],
    companies: Mapping[str, Mapping[str, Any]],
    fx: Iterable[FxQuote],
    today: date,
) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """One row per snapshot, described by the universe entry of the same ticker.

    Returns the frame and per-ticker provenance (extra figures, field sources,
    how derived metrics were made) for JSON output and `explain`.
    """
    records: list[dict[str, Any]] = []
    provenance: dict[str, dict[str, Any]] = {}
    for snap in snapshots:
        ticker = str(snap["ticker"])
        company = companies.get(ticker, {})
        row: dict[str, Any] = {"ticker": ticker}
        for column in DESCRIPTIVE_COLUMNS:
            row[column] = company.get(column) or snap.get(column)
        row["currency"] = snap.get("currency") or company.get("currency")
        row["market"] = row["market"] or market_of(ticker)
        row["name_en"] = row["name_en"] or ticker
        row["name_zh"] = row["name_zh"] or ""
        for name in NUMERIC_COLUMNS:
            value = snap.get(name)
            row[name] = np.nan if value is None else float(value)
        records.append(row)
        extra = snap.get("extra")
        provenance[ticker] = json.loads(extra) if isinstance(extra, str) and extra else {}
    columns = ["ticker", *DESCRIPTIVE_COLUMNS, *NUMERIC_COLUMNS]
    frame = pd.DataFrame.from_records(records, columns=columns).set_index("ticker")
    for name in NUMERIC_COLUMNS:
        frame[name] = frame[name].astype("float64")
    frame, derived = add_derived(frame, fx, today)
    for ticker, notes in derived.items():
        if notes:
            provenance.setdefault(ticker, {})["derived"] = notes
    return frame, provenance


def history_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Valuation history rows -> the long frame the rule engine reads."""
    frame = pd.DataFrame.from_records(list(rows), columns=["ticker", "metric", "date", "value"])
    frame["value"] = frame["value"].astype("float64")
    return frame
