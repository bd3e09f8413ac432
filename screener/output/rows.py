"""Rows people hand on: the stable JSON/CSV schema of a screening run.

One schema for `--format json`, `--format csv` and `--export`: identity, every
catalogue metric (missing is None/empty, never 0), the verdict, and provenance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from screener.frame import NUMERIC_COLUMNS

if TYPE_CHECKING:
    from screener.run import ScreenRun

#: the stable CSV/JSON schema: identity, then every catalogue metric, then the verdict
ROW_FIELDS: tuple[str, ...] = (
    "ticker",
    "name",
    "name_zh",
    "sector",
    "sub_segment",
    "market",
    "currency",
    "financial_currency",
    *NUMERIC_COLUMNS,
    "flags",
    "score",
    "reasons",
    "as_of",
    "source",
    "source_url",
)


def to_rows(result: ScreenRun) -> list[dict[str, Any]]:
    """One plain dict per company of the run's selection, in the stable schema.

    Missing numbers are None.
    """
    frame = result.rows
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
            "financial_currency": row["financial_currency"]
            if isinstance(row["financial_currency"], str)
            else None,
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


def json_rows(result: ScreenRun) -> list[dict[str, Any]]:
    """JSON rows: the CSV schema plus provenance (notes, derived figures, other sources)
    and `vintages`: per figure, the date it describes, its basis and a label."""
    rows = to_rows(result)
    for row in rows:
        provenance = result.provenance.get(row["ticker"], {})
        notes = result.frame.at[row["ticker"], "notes"]
        row["notes"] = notes if isinstance(notes, str) and notes else None
        row["provenance"] = provenance or None
        row["vintages"] = result.ages.of_row(row["ticker"]) if result.ages is not None else {}
    return rows


def json_text(data: Any) -> str:
    """Rows (or one object) as screener prints JSON: indented, non-ASCII kept as is.

    Characters that could act on a terminal (C1 controls, bidi overrides, lone
    surrogates) are written as `\\uXXXX` escapes: the same data, harmless to print.
    """
    import json

    from screener.output.sanitize import json_safe

    return json_safe(json.dumps(data, ensure_ascii=False, indent=2))
