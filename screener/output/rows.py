"""Rows people hand on: the stable JSON/CSV schema of a screening run.

One schema for `--format json`, `--format csv` and `--export`: identity, every
catalogue metric (missing is None/empty, never 0), the verdict, and provenance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    columns = row_columns(result.rows)
    values = [_as_values(name, columns[name]) for name in ROW_FIELDS]
    return [dict(zip(ROW_FIELDS, row, strict=True)) for row in zip(*values, strict=True)]


#: the fields row_columns gives as float64 arrays: the metrics (NaN is missing) and the score
NUMBER_FIELDS: frozenset[str] = frozenset((*NUMERIC_COLUMNS, "score"))


def row_columns(frame: pd.DataFrame, fields: Sequence[str] = ROW_FIELDS) -> dict[str, Any]:
    """The values of each of `fields` (of ROW_FIELDS) for `frame`'s rows, a column each.

    Numbers (NUMBER_FIELDS) are float64 arrays, for the writers that format a whole
    column at once; every other field is the list of the values `to_rows` holds.
    """

    def text(column: str) -> list[Any]:
        return frame[column].tolist()

    makers: dict[str, Callable[[], Any]] = {
        "ticker": frame.index.tolist,
        "name": lambda: text("name_en"),
        "name_zh": lambda: [value or None for value in text("name_zh")],
        "financial_currency": lambda: [
            value if isinstance(value, str) else None for value in text("financial_currency")
        ],
        "flags": lambda: [list(value or ()) for value in text("flags")],
        # float(value) of each score, as an array (to_rows keeps a NaN score as NaN)
        "score": lambda: _scores(frame["score"]),
        "reasons": lambda: [list(value or ()) for value in text("reasons")],
    }
    block = _number_block(frame, [f for f in fields if f in NUMERIC_COLUMNS])
    out: dict[str, Any] = {}
    for name in fields:
        if name in block:
            out[name] = block[name]
        elif name in makers:
            out[name] = makers[name]()
        elif name in NUMBER_FIELDS:
            out[name] = frame[name].to_numpy(dtype="float64", na_value=np.nan)
        else:  # sector, sub_segment, market, currency, as_of, source, source_url
            out[name] = text(name)
    return out


def _number_block(frame: pd.DataFrame, names: list[str]) -> dict[str, np.ndarray]:
    """The metric columns of `frame` that are float64 (all of them, as the frame makes
    them), read as one block: a column at a time costs pandas a lookup and a copy each."""
    names = [n for n in dict.fromkeys(names) if n in frame.columns]
    if not names or not frame.columns.is_unique:
        return {}
    names = [n for n in names if frame.dtypes[n] == np.float64]
    if len(names) < 2:
        return {}
    block = np.ascontiguousarray(frame[names].to_numpy(dtype="float64").T)
    return dict(zip(names, block, strict=True))


def _scores(column: pd.Series) -> np.ndarray:
    """float(value) of each score as a float64 array: the column itself when it is one."""
    if column.dtype == np.float64:
        return column.to_numpy(dtype="float64", copy=True)
    return np.array([float(value) for value in column.tolist()], dtype="float64")


def float_texts(values: np.ndarray, missing: str, infinities: tuple[str, str]) -> list[str]:
    """A float64 column as text, a value at a time as float's repr (what json and
    csv.writer write), NaN as `missing`, +inf and -inf as `infinities`.

    The repr of a float is most of the cost of a machine row: a column of few distinct
    values (a percentile, an age in days, a score) is written once per value (told
    apart by their bits: 0.0 and -0.0 are two), an empty column at once.
    """
    count = len(values)
    finite = np.isfinite(values)
    if not finite.any():
        if np.isnan(values).all():
            return [missing] * count
    elif count >= _FEW_AT_LEAST and first_values_repeat(values.view(np.int64), 256):
        codes, bits = pd.factorize(values.view(np.int64))
        if len(bits) * 4 <= count:
            found = bits.view(np.float64)
            texts = np.array(float_texts(found, missing, infinities), dtype=object)
            return texts[codes].tolist()  # type: ignore[no-any-return]
    if finite.all():
        return list(map(float.__repr__, values.tolist()))
    out = np.full(count, missing, dtype=object)
    out[finite] = list(map(float.__repr__, values[finite].tolist()))
    out[values == np.inf] = infinities[0]
    out[values == -np.inf] = infinities[1]
    return out.tolist()  # type: ignore[no-any-return]


_FEW_AT_LEAST = 64  # rows from which float_texts looks for repeated values


def first_values_repeat(values: Sequence[Any] | np.ndarray, probe: int = 64) -> bool:
    """Whether a column's first `probe` values repeat (a sector, a market, a percentile):
    then finding its distinct values is worth a pass over it, and a column of names or
    prices is left as it is. The one test every writer's once-per-value path makes (an
    array is compared by its values: floats by their bits, as `float_texts` keys them)."""
    head = values[:probe]
    distinct = len(np.unique(head)) if isinstance(head, np.ndarray) else len(set(head))
    return distinct * 2 <= len(head)


def _as_values(name: str, column: Any) -> list[Any]:
    """A `row_columns` column as the values of `to_rows`: metrics' NaN as None."""
    if name == "score":
        return column.tolist()  # type: ignore[no-any-return]
    if name in NUMBER_FIELDS:
        return numbers_from_array(column)
    return column  # type: ignore[no-any-return]


def numbers_from_array(values: np.ndarray) -> list[float | None]:
    """A float64 array as Python floats, None where the value is NaN."""
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

    return json_safe(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def json_text(data: Any) -> str:
    """Rows (or one object) as screener prints JSON: a list as one array with one item per
    line (each a `json_line`: the same array to every parser, and a row per line to
    grep), anything else indented."""
    import json

    from screener.output.sanitize import json_safe

    if not isinstance(data, list) or not data:
        return json_safe(json.dumps(data, ensure_ascii=False, indent=2))
    return "[\n" + ",\n".join(json_line(item) for item in data) + "\n]"
