"""The JSON rows of a screen, written a column at a time: the same bytes, no dict per row.

`json_extras(json_rows(run), run)` builds a dict per company and `json_line` encodes each
whole (5,000 rows: 0.8 s). Here every field's values are encoded by the same encoder
(json's, compact, non-ASCII kept) a column at a time, repeated values once (a sector,
a rule's flag details, a figure's vintage shared by thousands of rows), and each row's
line is its fields' pieces joined. Each line is then made safe as `json_line` makes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from screener.output.rows import NUMBER_FIELDS, ROW_FIELDS, row_columns
from screener.output.sanitize import json_safe

if TYPE_CHECKING:
    from screener.run import ScreenRun

#: the fields of a JSON row, in order: the CSV schema, then provenance and flag details
JSON_FIELDS: tuple[str, ...] = (
    *ROW_FIELDS,
    "notes",
    "provenance",
    "vintages",
    "flag_details",
    "stale_figures",
)

#: one value as `json_line` writes it inside a row (json.dumps calls this same encode)
encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: one text as that encoder writes it (raises TypeError for anything but text)
_text: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


def run_json_lines(run: ScreenRun, fields: Sequence[str] | None = None) -> list[str]:
    """Each row of `json_extras(json_rows(run), run)` (picked to `fields`) as `json_line`
    writes it."""
    chosen = list(fields) if fields is not None else list(JSON_FIELDS)
    if run.rows.empty:
        return []
    tickers = [str(ticker) for ticker in run.rows.index]
    wanted = [f for f in chosen if f in ROW_FIELDS]
    if "flag_details" in chosen and "flags" not in wanted:
        wanted.append("flags")  # the details are of the fired rules
    base = row_columns(run.rows, wanted)
    encoders: dict[str, Callable[[], list[str]]] = {
        "notes": lambda: [encode(v if isinstance(v, str) and v else None) for v in _notes(run)],
        "provenance": lambda: [encode(run.provenance.get(t, {}) or None) for t in tickers],
        "vintages": lambda: _vintages(run, tickers),
        "flag_details": lambda: _flag_details(run, base["flags"]),
        "stale_figures": lambda: _stale_figures(run),
    }
    columns = []
    for field in chosen:
        if field in encoders:
            columns.append(encoders[field]())
        elif field in NUMBER_FIELDS:
            columns.append(_numbers(base[field], missing="NaN" if field == "score" else "null"))
        else:
            columns.append(_values(base[field]))
    template = "{" + ",".join(encode(f).replace("%", "%%") + ":%s" for f in chosen) + "}"
    lines = [template % parts for parts in zip(*columns, strict=True)]
    # as json_line: every unsafe character is DEL or above; most lines have none
    return [
        line if line.isascii() and "\x7f" not in line else json_safe(line) for line in lines
    ]


def json_array_text(lines: list[str]) -> str:
    """Row lines as `json_text` writes a list of rows: one array, a row per line."""
    if not lines:
        return "[]"  # json_text's indented encoding of an empty list
    return "[\n" + ",\n".join(lines) + "\n]"


def _numbers(values: np.ndarray, missing: str) -> list[str]:
    """A float64 column encoded: repr (as json writes a float), NaN as `missing` (`null`
    for a metric, which `to_rows` makes None), infinities as json spells them."""
    finite = np.isfinite(values)
    if finite.all():
        return list(map(float.__repr__, values.tolist()))
    out = np.full(len(values), missing, dtype=object)
    out[finite] = list(map(float.__repr__, values[finite].tolist()))
    out[values == np.inf] = "Infinity"
    out[values == -np.inf] = "-Infinity"
    return out.tolist()  # type: ignore[no-any-return]


def _values(values: list[Any]) -> list[str]:
    """Any column encoded: texts once per distinct text, a list of texts (flags, reasons)
    item by item, as json's encoder writes a list, anything else by that encoder."""
    memo: dict[str, str] = {}
    out: list[str] = []
    for value in values:
        if type(value) is str:
            text = memo.get(value)
            if text is None:
                text = memo[value] = _text(value)
            out.append(text)
        elif type(value) is list:
            try:
                out.append("[" + ",".join(map(_text, value)) + "]")
            except TypeError:  # an item that is not text
                out.append(encode(value))
        else:
            out.append(encode(value))
    return out


def _notes(run: ScreenRun) -> list[Any]:
    return run.rows["notes"].tolist()  # type: ignore[no-any-return]


def _flag_details(run: ScreenRun, flags: list[list[str]]) -> list[str]:
    """`flag_details` of each row, encoded once per distinct set of fired rules."""
    from screener.output.legend import flag_objects

    memo: dict[tuple[str, ...], str] = {}
    out: list[str] = []
    for fired in flags:
        key = tuple(fired)
        text = memo.get(key)
        if text is None:
            text = memo[key] = encode(flag_objects(run.ruleset, fired))
        out.append(text)
    return out


def _vintages(run: ScreenRun, tickers: list[str]) -> list[str]:
    """`vintages` of each row, as `FigureAges.of_rows` gives it, encoded: per figure with
    a date, `"metric":{"date","basis","label"}`, each distinct vintage encoded once."""
    ages = run.ages
    if ages is None:
        return ["{}"] * len(tickers)
    index = ages.dates.index
    if not (index.is_unique and ages.dates.columns.is_unique and len(index)):
        return [encode(vintage) for vintage in ages.of_rows(tickers)]
    where = index.get_indexer(tickers)
    unknown = where < 0  # a ticker the table does not know: {}
    where[unknown] = 0
    pieces: list[list[str]] = []
    for column in ages.dates.columns:
        key_text = encode(str(column)) + ":"
        dates = ages.dates[column].to_numpy(dtype=object)[where]
        dates[unknown] = None
        basis = ages.basis[column].to_numpy(dtype=object)[where].tolist()
        labels = ages.labels[column].to_numpy(dtype=object)[where].tolist()
        keys = list(zip(dates.tolist(), basis, labels, strict=True))
        # thousands of rows share a few vintages: each distinct one is encoded once (a
        # key is looked up by itself, so even a NaN label finds its own text)
        memo = dict.fromkeys(keys, "")
        for key in memo:
            date, base, label = key
            if isinstance(date, str):
                memo[key] = key_text + encode({"date": date, "basis": base, "label": label or date})
        texts = list(map(memo.__getitem__, keys))
        pieces.append(texts)
    return ["{" + ",".join(filter(None, row)) + "}" for row in zip(*pieces, strict=True)]


def _stale_figures(run: ScreenRun) -> list[str]:
    """`stale_figures` of each row (runmeta.stale_figures), encoded once per pattern."""
    if run.ages is None:
        return ["[]"] * len(run.rows)
    stale = run.ages.stale(run.ruleset.age_limits).reindex(index=run.rows.index, fill_value=False)
    if not stale.index.is_unique:
        from screener.output.runmeta import stale_figures

        found = stale_figures(run)
        return [encode(found.get(str(t), [])) for t in run.rows.index]
    names = [str(c) for c in stale.columns]
    values = stale.to_numpy(dtype=bool)
    memo: dict[bytes, str] = {}
    out: list[str] = []
    for row in values:
        key = row.tobytes()
        text = memo.get(key)
        if text is None:
            text = memo[key] = encode([names[j] for j in np.flatnonzero(row).tolist()])
        out.append(text)
    return out
