"""Rows people hand on: the stable JSON/CSV schema of a screening run.

One schema for `--format json`, `--format csv` and `--export`: identity, every
catalogue metric (missing is None/empty, never 0), the verdict, and provenance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
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

    Missing numbers are None. Built a column at a time (one list per field, zipped
    into dicts at the end): thousands of rows cost milliseconds, not a Series each.
    """
    frame = result.rows
    columns = _row_columns(frame)
    return [dict(zip(ROW_FIELDS, values, strict=True)) for values in zip(*columns, strict=True)]


def _row_columns(frame: pd.DataFrame) -> list[list[Any]]:
    """The values of every field of ROW_FIELDS for `frame`'s rows, one list per field."""

    def text(column: str) -> list[Any]:
        return frame[column].tolist()

    by_field: dict[str, list[Any]] = {
        "ticker": frame.index.tolist(),
        "name": text("name_en"),
        "name_zh": [value or None for value in text("name_zh")],
        "sector": text("sector"),
        "sub_segment": text("sub_segment"),
        "market": text("market"),
        "currency": text("currency"),
        "financial_currency": [
            value if isinstance(value, str) else None for value in text("financial_currency")
        ],
    }
    for metric in NUMERIC_COLUMNS:
        by_field[metric] = numbers_or_none(frame[metric])
    by_field["flags"] = [list(value or ()) for value in text("flags")]
    by_field["score"] = [float(value) for value in text("score")]
    by_field["reasons"] = [list(value or ()) for value in text("reasons")]
    for column in ("as_of", "source", "source_url"):
        by_field[column] = text(column)
    return [by_field[name] for name in ROW_FIELDS]


def numbers_or_none(column: pd.Series) -> list[float | None]:
    """A numeric column as Python floats, None where the value is missing."""
    values = column.to_numpy(dtype="float64", na_value=np.nan)
    out = values.astype(object)
    out[np.isnan(values)] = None
    return out.tolist()


def json_rows(result: ScreenRun) -> list[dict[str, Any]]:
    """JSON rows: the CSV schema plus provenance (notes, derived figures, other sources)
    and `vintages`: per figure, the date it describes, its basis and a label."""
    rows = to_rows(result)
    tickers = [row["ticker"] for row in rows]
    notes = result.rows["notes"].tolist()
    vintages = result.ages.of_rows(tickers) if result.ages is not None else [{} for _ in rows]
    for row, note, vintage in zip(rows, notes, vintages, strict=True):
        row["notes"] = note if isinstance(note, str) and note else None
        row["provenance"] = result.provenance.get(row["ticker"], {}) or None
        row["vintages"] = vintage
    return rows


def json_line(data: Any) -> str:
    """One value as one line of compact JSON, non-ASCII kept as is, by json's C encoder
    (an indented encoder runs in pure Python: 1.6 s for 5,000 rows).

    Characters that could act on a terminal (C1 controls, bidi overrides, lone
    surrogates) are written as `\\uXXXX` escapes: the same data, harmless to print.
    """
    import json

    from screener.output.sanitize import json_safe

    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if text.isascii() and "\x7f" not in text:  # every unsafe character is DEL or above
        return text
    return json_safe(text)


def json_text(data: Any) -> str:
    """Rows (or one object) as screener prints JSON: a list as one array with one item per
    line (each a `json_line`: the same array to every parser, and a row per line to
    grep), anything else indented."""
    import json

    from screener.output.sanitize import json_safe

    if not isinstance(data, list) or not data:
        return json_safe(json.dumps(data, ensure_ascii=False, indent=2))
    return "[\n" + ",\n".join(json_line(item) for item in data) + "\n]"
