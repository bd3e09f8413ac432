"""The JSON rows of a screen, written a column at a time: the same bytes, no dict per row.

`json_extras(json_rows(run), run)` builds a dict per company and `json_line` encodes each
whole (5,000 rows: 0.8 s). Here every field's values are encoded by the same encoder
(json's, compact, non-ASCII kept) a column at a time, repeated values once (a sector,
a rule's flag details, a figure's vintage shared by thousands of rows), and each row's
line is its fields' pieces joined, each piece made safe as `json_line` makes a line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from screener.output.rows import NUMBER_FIELDS, ROW_FIELDS, row_columns
from screener.output.sanitize import joined_safe, json_safe

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
        if field in NUMBER_FIELDS:  # digits, signs, dots, e, NaN, null: nothing to escape
            columns.append(_numbers(base[field], missing="NaN" if field == "score" else "null"))
        elif field in encoders:
            columns.append(_made_safe(encoders[field]()))
        else:
            columns.append(_made_safe(_values(base[field])))
    keys = ",".join(encode(f).replace("%", "%%") + ":%s" for f in chosen)
    template = "{" + _made_safe([keys])[0] + "}"
    return [template % parts for parts in zip(*columns, strict=True)]


def _made_safe(pieces: list[str]) -> list[str]:
    """Encoded pieces as `json_line` makes its line safe. `json_safe` escapes character
    by character, so a line of safe pieces is the safe line, and a CJK name is escaped
    on its own, not with the 3 KB line around it (most pieces are ASCII without DEL,
    which `json_safe` hands back as they are)."""
    return list(map(json_safe, pieces))


def json_array_text(lines: list[str]) -> str:
    """Row lines as `json_text` writes a list of rows: one array, a row per line."""
    return joined_safe("".join(json_array_chunks(lines)))


def json_array_chunks(lines: list[str], size: int = 500) -> Iterator[str]:
    """`json_array_text` in pieces of `size` rows, each marked safe (each row made safe
    already), to be written one after another: no 16 MB document is ever built."""
    if not lines:
        yield "[]"  # json_text's indented encoding of an empty list
        return
    for start in range(0, len(lines), size):
        body = ",\n".join(lines[start : start + size])
        lead = "[\n" if start == 0 else ",\n"
        tail = "\n]" if start + size >= len(lines) else ""
        yield joined_safe(lead + body + tail)


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
    a date, `"metric":{"date","basis","label"}`, in the table's column order.

    Thousands of rows share a few vintages per figure, and a few patterns of them: each
    distinct vintage is encoded once, and each distinct row of them joined once.
    """
    ages = run.ages
    if ages is None:
        return ["{}"] * len(tickers)
    index = ages.dates.index
    if not (index.is_unique and ages.dates.columns.is_unique and len(index)):
        return [encode(vintage) for vintage in ages.of_rows(tickers)]
    where = index.get_indexer(tickers)
    unknown = where < 0  # a ticker the table does not know: {}
    where[unknown] = 0
    codes: list[np.ndarray] = []
    texts: list[list[str]] = []
    for column in ages.dates.columns:
        arrays = [
            frame[column].to_numpy(dtype=object)[where]
            for frame in (ages.dates, ages.basis, ages.labels)
        ]
        arrays[0][unknown] = None
        found = _vintage_column(encode(str(column)) + ":", *arrays)
        codes.append(found[0])
        texts.append(found[1])
    if not codes:
        return ["{}"] * len(tickers)
    # each row's pattern of vintages, numbered a figure at a time (small integers)
    pattern = np.zeros(len(tickers), dtype=np.int64)
    for column_codes, column_texts in zip(codes, texts, strict=True):
        pattern, _ = pd.factorize(pattern * (len(column_texts) + 1) + column_codes + 1)
    _, first = np.unique(pattern, return_index=True)  # a row of each pattern, by number
    matrix = np.stack(codes, axis=1)[first].tolist()
    joined = [
        "{" + ",".join(texts[j][code] for j, code in enumerate(row) if code >= 0) + "}"
        for row in matrix
    ]
    return [joined[i] for i in pattern.tolist()]


def _vintage_column(
    key_text: str, dates: np.ndarray, basis: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """One figure's vintages: per row an index into the texts (-1: no date, no vintage),
    and each distinct vintage's `"metric":{...}` text.

    Dates, bases and labels are factorized apart when every dated row has a text basis
    and label (the usual case); otherwise each row's (date, basis, label) is its own key,
    which tells None from NaN as `of_rows` does.
    """
    date_codes, date_values = pd.factorize(dates)
    is_text = np.array([isinstance(value, str) for value in date_values] + [False])
    dated = is_text[date_codes]  # code -1 (None, NaN) reads the False at the end
    base_codes, base_values = pd.factorize(basis)
    label_codes, label_values = pd.factorize(labels)
    clean = all(type(v) is str for v in [*base_values, *label_values]) and not (
        (base_codes[dated] < 0).any() or (label_codes[dated] < 0).any()
    )
    if clean:
        width_b, width_l = max(len(base_values), 1), max(len(label_values), 1)
        combined = (date_codes * width_b + base_codes) * width_l + label_codes
        combined[~dated] = -1
        codes, values = pd.factorize(combined)
        out: list[str] = []
        for value in values.tolist():
            if value < 0:
                out.append("")
                continue
            date = date_values[value // (width_b * width_l)]
            base = base_values[(value // width_l) % width_b]
            label = label_values[value % width_l]
            out.append(key_text + encode({"date": date, "basis": base, "label": label or date}))
        return np.where(dated, codes, -1), out
    keys = list(zip(dates.tolist(), basis.tolist(), labels.tolist(), strict=True))
    numbers: dict[tuple[Any, Any, Any], int] = {}  # a key is found by itself: NaN too
    out = []
    for key in dict.fromkeys(keys):
        date, base, label = key
        if isinstance(date, str):
            numbers[key] = len(out)
            out.append(key_text + encode({"date": date, "basis": base, "label": label or date}))
        else:
            numbers[key] = -1
    return np.array([numbers[key] for key in keys], dtype=np.int64), out


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
