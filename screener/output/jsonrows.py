"""The JSON rows of a screen, written a column at a time: the same bytes, no dict per row.

`json_extras(json_rows(run), run)` builds a dict per company and `json_line` encodes each
whole (5,000 rows: 0.8 s). Here every field's values are encoded by the same encoder
(json's, compact, non-ASCII kept) a column at a time, repeated values once (a sector,
a rule's flag details, a row's pattern of vintages shared by thousands of rows), each
column's distinct pieces made safe as `json_line` makes a line (checked at once), and
each row's line joined from its pieces and the keys between them. `run_json_chunks`
makes the lines 500 rows at a time, as they are written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np

from screener import collector
from screener.output.rows import (
    NUMBER_FIELDS,
    ROW_FIELDS,
    first_values_repeat,
    float_texts,
    row_columns,
)
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
    with collector.paused():
        found = _row_pieces(run, fields)
        return [] if found is None else _lines(*found)


def run_json_chunks(
    run: ScreenRun, fields: Sequence[str] | None = None, size: int = 500
) -> Iterator[str]:
    """`json_array_chunks(run_json_lines(run, fields), size)`, each chunk's lines made
    only as it is written: the lines of 5,000 rows (33 MB as text) are never all held."""
    with collector.paused():  # never across a yield: the caller's code runs there
        found = _row_pieces(run, fields)
    if found is None:
        yield "[]"  # json_text's indented encoding of an empty list
        return
    keys, columns = found
    count = len(columns[0])
    for start in range(0, count, size):
        with collector.paused():
            lines = _lines(keys, [pieces[start : start + size] for pieces in columns])
            chunk = _chunk(lines, first=start == 0, last=start + size >= count)
        yield chunk


def _row_pieces(
    run: ScreenRun, fields: Sequence[str] | None
) -> tuple[list[str], list[list[str]]] | None:
    """The encoded keys of the fields, and each field's pieces (one per row, each made
    safe); None when the run has no rows or no field is asked for (no lines, as before)."""
    chosen = list(fields) if fields is not None else list(JSON_FIELDS)
    if run.rows.empty or not chosen:
        return None
    tickers = list(map(str, run.rows.index.tolist()))  # an Index iterates slowly
    wanted = [f for f in chosen if f in ROW_FIELDS]
    if "flag_details" in chosen and "flags" not in wanted:
        wanted.append("flags")  # the details are of the fired rules
    base = row_columns(run.rows, wanted)
    encoders: dict[str, Callable[[], list[str]]] = {
        "notes": lambda: _values([v if isinstance(v, str) and v else None for v in _notes(run)]),
        "provenance": lambda: _each([run.provenance.get(t, {}) or None for t in tickers]),
        "vintages": lambda: _vintages(run, tickers),
        "flag_details": lambda: _flag_details(run, base["flags"]),
        "stale_figures": lambda: _stale_figures(run),
    }
    columns = []
    for field in chosen:
        if field in NUMBER_FIELDS:  # digits, signs, dots, e, NaN, null: nothing to escape
            missing = "NaN" if field == "score" else "null"
            columns.append(float_texts(base[field], missing, ("Infinity", "-Infinity")))
        elif field in encoders:
            columns.append(_made_safe(encoders[field]()))
        else:
            columns.append(_made_safe(_values(base[field])))
    return [encode(f) for f in chosen], columns


def _lines(keys: list[str], columns: list[list[str]]) -> list[str]:
    """Each row's line, `{key:piece,...}`, joined from its pieces and the texts between
    them; a column that holds one piece in all rows (an empty figure, the as-of date) is
    written into those texts (fewer pieces a row: a faster join)."""
    count = len(columns[0])
    between: list[str] = []  # the text before each varying column, then the closing one
    varying: list[list[str]] = []
    text = "{"
    for i, (key, pieces) in enumerate(zip(keys, columns, strict=True)):
        text += ("," if i else "") + key + ":"
        first = pieces[0]
        if pieces.count(first) == count:
            text += first
        else:
            between.append(json_safe(text))
            varying.append(pieces)
            text = ""
    between.append(json_safe(text + "}"))
    if not varying:
        return [between[0]] * count
    parts: list[Iterable[str]] = []
    for before, pieces in zip(between, varying, strict=False):
        parts += (repeat(before), pieces)
    parts.append(repeat(between[-1]))
    return list(map("".join, zip(*parts, strict=False)))  # the repeats never end


def _made_safe(pieces: list[str]) -> list[str]:
    """Encoded pieces as `json_line` makes its line safe. `json_safe` escapes character
    by character, so a line of safe pieces is the safe line; a column's distinct pieces
    are checked at once, joined by line feeds (which an encoded piece never holds raw:
    json escapes them), and only a column with a character to escape is made safe a
    piece at a time (each distinct one once)."""
    distinct = list(dict.fromkeys(pieces)) if first_values_repeat(pieces) else pieces
    joined = "\n".join(distinct)
    if json_safe(joined) == joined:
        return pieces
    memo = {piece: json_safe(piece) for piece in dict.fromkeys(distinct)}
    return list(map(memo.__getitem__, pieces))


def json_array_text(lines: list[str]) -> str:
    """Row lines as `json_text` writes a list of rows: one array, a row per line."""
    if not lines:
        return joined_safe("[]")
    return joined_safe(_array_part(lines, "[\n", "\n]"))


def json_array_chunks(lines: list[str], size: int = 500) -> Iterator[str]:
    """`json_array_text` in pieces of `size` rows, each marked safe (each row made safe
    already), to be written one after another: no 16 MB document is ever built."""
    if not lines:
        yield "[]"  # json_text's indented encoding of an empty list
        return
    for start in range(0, len(lines), size):
        part = lines[start : start + size]
        yield _chunk(part, first=start == 0, last=start + size >= len(lines))


def _chunk(lines: list[str], *, first: bool, last: bool) -> str:
    """Some rows of the array (a chunk of `json_array_chunks`), marked safe."""
    return joined_safe(_array_part(lines, "[\n" if first else ",\n", "\n]" if last else ""))


def _array_part(lines: list[str], lead: str, tail: str) -> str:
    """`lead + ",\\n".join(lines) + tail`, with one copy of the lines, not two."""
    ends = [lead + lines[0], *lines[1:]]
    ends[-1] += tail
    return ",\n".join(ends)


def _values(values: list[Any]) -> list[str]:
    """Any column encoded: texts (and None) once per distinct text, a list of texts (flags,
    reasons) once per distinct list, as json's encoder writes a list; anything else by
    that encoder, a value at a time."""
    kinds = set(map(type, values))
    if kinds == {str} and not first_values_repeat(values):  # names, tickers
        return list(map(_text, values))
    if kinds <= {str, type(None)}:  # equal keys of a dict: equal texts, or None
        memo = {value: encode(value) for value in dict.fromkeys(values)}
        return list(map(memo.__getitem__, values))
    if kinds == {list}:
        return _lists(values)
    return [_list_text(value) if type(value) is list else encode(value) for value in values]


def _lists(values: list[list[Any]]) -> list[str]:
    """A column of lists (flags, reasons) encoded, a list of texts once per distinct one."""
    memo: dict[tuple[Any, ...], str] = {}
    out: list[str] = []
    for value in values:
        try:
            key = tuple(value)
            text = memo.get(key)
        except TypeError:  # an item that cannot be a key: encoded on its own
            out.append(encode(value))
            continue
        if text is None:
            try:
                text = memo[key] = "[" + ",".join(map(_text, value)) + "]"
            except TypeError:  # an item that is not text: never kept for another list
                text = encode(value)
        out.append(text)
    return out


def _list_text(value: list[Any]) -> str:
    """A list encoded: texts item by item, as json's encoder writes a list of texts."""
    try:
        return "[" + ",".join(map(_text, value)) + "]"
    except TypeError:  # an item that is not text
        return encode(value)


#: a text no data holds, put between the values `_each` encodes in one call
_SEPARATOR = "\x00screener\x00"


def _each(values: list[Any]) -> list[str]:
    """Each value encoded, all in one call of json's C encoder: a list with a separator
    text between the values, cut where it is (when no value holds the separator: a
    value that does is encoded on its own, as every value then is)."""
    if len(values) < 2:
        return [encode(value) for value in values]
    between = [_SEPARATOR] * (2 * len(values) - 1)
    between[::2] = values
    cut = "," + _text(_SEPARATOR) + ","
    text = encode(between)[1:-1]
    pieces = text.split(cut)
    if len(pieces) != len(values):  # the separator is in a value too
        return [encode(value) for value in values]
    return pieces


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

    Thousands of rows share a few patterns of vintages: each distinct row of the three
    tables (date, basis, label of every figure) is written once, each distinct vintage
    in it encoded once. Bases and labels other than text, None or NaN (which could equal
    a value of another type, 1 and 1.0) are left to `of_rows` itself.
    """
    ages = run.ages
    if ages is None:
        return ["{}"] * len(tickers)
    tables = (ages.dates, ages.basis, ages.labels)
    index, columns = ages.dates.index, ages.dates.columns
    aligned = all(t.index.equals(index) and t.columns.equals(columns) for t in tables)
    if not (aligned and index.is_unique and columns.is_unique and len(index) and len(columns)):
        return _each(ages.of_rows(tickers))
    where = index.get_indexer(tickers)
    block = np.concatenate([t.to_numpy(dtype=object) for t in tables], axis=1)
    if 2 * len(where) < len(block):  # a few rows of many: only theirs are read
        block = block[np.maximum(where, 0)]
        where = np.where(where < 0, -1, np.arange(len(where)))
    numbers: dict[tuple[Any, ...], int] = {}  # each distinct row -> its number
    # The tables' rows as tuples made from their columns (no list a row), numbered.
    rows = zip(*block.T.tolist(), strict=True)
    pattern = [numbers.setdefault(row, len(numbers)) for row in rows]
    texts = _vintage_rows(list(numbers), [encode(str(c)) + ":" for c in columns])
    if texts is None:
        return _each(ages.of_rows(tickers))
    texts.append("{}")  # a ticker the tables do not know (where -1) reads this last one
    found = np.append(np.array(pattern, dtype=np.int64), len(texts) - 1)
    return list(map(texts.__getitem__, found[where].tolist()))


def _vintage_rows(rows: list[tuple[Any, ...]], keys: list[str]) -> list[str] | None:
    """Each row (dates, then bases, then labels) as `{"metric":{...},...}`; None when a
    dated figure's basis or label is neither text, None nor NaN."""
    width = len(keys)
    cells: dict[tuple[Any, ...], str] = {}
    out: list[str] = []
    for row in rows:
        parts: list[str] = []
        for j, date in enumerate(row[:width]):
            if not isinstance(date, str):
                continue
            base, label = row[width + j], row[2 * width + j]
            cell = (j, date, base, label)
            text = cells.get(cell)
            if text is None:
                if not (_plain(base) and _plain(label)):
                    return None
                vintage = {"date": date, "basis": base, "label": label or date}
                text = cells[cell] = keys[j] + encode(vintage)
            parts.append(text)
        out.append("{" + ",".join(parts) + "}")
    return out


def _plain(value: Any) -> bool:
    """Text, None or NaN: equal only to values that are written the same."""
    return value is None or isinstance(value, str) or (type(value) is float and value != value)


def _stale_figures(run: ScreenRun) -> list[str]:
    """`stale_figures` of each row (runmeta.stale_figures), encoded once per pattern."""
    if run.stale_cells is None:
        return ["[]"] * len(run.rows)
    stale = run.stale_cells.reindex(index=run.rows.index, fill_value=False)
    if not stale.index.is_unique:
        from screener.output.runmeta import stale_figures

        found = stale_figures(run)
        return [encode(found.get(str(t), [])) for t in run.rows.index]
    names = [str(c) for c in stale.columns]
    values = stale.to_numpy(dtype=bool)
    packed = np.packbits(values, axis=1)  # a row's pattern as a few bytes
    width, data = packed.shape[1], packed.tobytes()
    keys = [data[at : at + width] for at in range(0, len(data), width)] if width else []
    keys = keys or [b""] * len(values)
    first: dict[bytes, int] = {}  # each pattern -> the first row of it
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    texts = {
        key: encode([names[j] for j in np.flatnonzero(values[i]).tolist()])
        for key, i in first.items()
    }
    return list(map(texts.__getitem__, keys))
