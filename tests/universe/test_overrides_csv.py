"""The CSV override reader checks a column at a time; it must say what the row-by-row
reading (csv.DictReader, one row after the other) said: the same changes, or the same
first error at the same line. The reference below is that reading, kept as it was."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest

from screener.errors import InputError
from screener.universe import overrides
from screener.universe.overrides import (
    ACTIONS,
    EDITABLE_FIELDS,
    Change,
    _clean_fields,
    _fail,
    _ticker,
    parse_csv,
)
from screener.utils import clip

PATH = Path("u.csv")


def reference_parse_csv(path: Path, text: str) -> list[Change]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        return _reference_changes(path, reader)
    except csv.Error as exc:
        raise _fail(path, max(reader.line_num, 1), f"invalid CSV: {clip(str(exc), 200)}") from None


def _reference_changes(path: Path, reader: csv.DictReader[str]) -> list[Change]:
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    if "action" not in header or "ticker" not in header:
        raise _fail(path, 1, "the header must name at least the columns 'action' and 'ticker'")
    unknown = [h for h in header if h not in ("action", "ticker", *EDITABLE_FIELDS)]
    if unknown:
        raise _fail(path, 1, f"unknown column {clip(unknown[0], 60)!r}")
    twice = next((h for i, h in enumerate(header) if h in header[:i]), None)
    if twice is not None:
        raise _fail(path, 1, f"column {twice!r} appears twice in the header")
    changes: list[Change] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            raise _fail(path, line, "more cells than header columns")
        if not any((v or "").strip() for v in row.values()):
            continue
        action = (row.get("action") or "").strip().lower()
        if action not in ACTIONS:
            raise _fail(path, line, f"unknown action {action!r} (expected add, set or remove)")
        ticker = _ticker(path, line, row.get("ticker"))
        rest = {k: v for k, v in row.items() if k not in ("action", "ticker")}
        fields = _clean_fields(path, line, rest, allowed=EDITABLE_FIELDS)
        if action == "remove" and fields:
            raise _fail(path, line, "remove takes only a ticker")
        changes.append(Change(action, ticker, line, fields))
    return changes


def outcome(parse, text: str) -> object:
    try:
        return parse(PATH, text)
    except InputError as exc:
        return f"error: {exc}"


GOOD_ROWS = [
    "add,sz300001,Example Optics,示例光学,optical_communication,optical_component,,filters,",
    "remove,600845.SS,,,,,,,",
    "set,601138,,,adjacent,adjacent_server,,,",
    'add,XAAB,"Quoted, Name",,data_center,idc_operator,,"a, b",',
    "  ADD ,XAAC, Spaced ,,switching,switch_silicon,,,",
    "",
    ",,,,,,,,",
]
HEADER = "action,ticker,name_en,name_zh,sector,sub_segment,secondary_sector,rationale,source"
BREAKS = [
    "move,ANET,,,,,,,",  # unknown action
    "add,,Name,,switching,switch_silicon,,,",  # missing ticker
    "add,bad ticker!,Name,,switching,switch_silicon,,,",
    "remove,VRT,with a name,,,,,,",
    "add,XAAD,Name\x1b[31m,,switching,switch_silicon,,,",  # an escape code in a name
    "add,XAAE,Name,,switching,switch_silicon,,," + "r" * 2100 + ",",  # rationale too long
    "add,XAAF," + "n" * 201 + ",,switching,switch_silicon,,,",  # name too long
    "add,XAAG,Name,,switching,switch_silicon,,,,extra",  # more cells than columns
    "add,XAAH",  # a short row: the rest is empty
    "set,XAAI,,,,,,,\u202e",  # a bidi override in the last cell
    'add,XAAJ,"unclosed',  # csv error at the end of the file
    "add,XAAK,Nul\x00here,,switching,switch_silicon,,,",  # csv error: NUL
    'add,XAAL,Name,,switching,switch_silicon,,"two\nlines",',  # a line break in a cell
    "add,XAAN," + "x" * 140_000,  # over csv's field limit: invalid CSV
]
SHORT_HEADER = "ticker,action,name_en,sector,sub_segment"
SHORT_ROWS = ["XAAM,add,Name,switching,switch_silicon", "VRT,remove,,,", "601138,set,,adjacent,"]


@pytest.mark.parametrize("seed", range(60))
def test_the_column_wise_reading_says_what_the_row_by_row_one_said(seed: int) -> None:
    rng = random.Random(seed)
    header, good = HEADER, GOOD_ROWS
    if rng.random() < 0.2:  # fewer columns, in another order
        header, good = SHORT_HEADER, SHORT_ROWS
    rows = [rng.choice(good) for _ in range(rng.randint(0, 12))]
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        rows.insert(rng.randint(0, len(rows)), rng.choice(BREAKS))
    text = "\n".join([header, *rows]) + rng.choice(["\n", "", "\r\n"])
    if rng.random() < 0.2:
        text = text.replace("\n", "\r\n")
    if rng.random() < 0.1:
        text = "\ufeff" + text
    assert outcome(parse_csv, text) == outcome(reference_parse_csv, text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\naction,ticker\n",
        "action,ticker,action\n",
        "action,ticker,colour\n",
        "ticker\nANET\n",
        'action,ticker\n"add,ANET\n',
        "action,ticker\nremove,VRT\n\n\nremove,ANET\n",
        " action , ticker \nremove,VRT\n",
        "action,ticker\nremove,VRT\nadd," + "x" * 140_000 + "\n",  # over csv's field limit
        "action,ticker\nmove,VRT\nadd," + "x" * 140_000 + "\n",  # the earlier problem first
        "action,ticker," + "x" * 140_000 + "\n",  # in the header
        '"action\n,ticker",' + "x" * 140_000 + "\n",  # in a header of two lines
        "action,ticker\nremove,VRT\n\n\nadd," + "x" * 140_000 + "\n",  # after blank lines
        "action,ticker\n\nadd," + "x" * 140_000 + "\n",
        'action,ticker\nremove,"V\nRT"\nadd,' + "x" * 140_000 + "\n",  # after a row of two lines
    ],
    ids=lambda text: repr(text[:40]),
)
def test_headers_and_blank_lines_read_as_before(text: str) -> None:
    assert outcome(parse_csv, text) == outcome(reference_parse_csv, text)


def test_a_clean_column_is_not_checked_cell_by_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = overrides.text_problem

    def counting(value: object, limit: int, **kwargs: bool) -> str | None:
        calls.append(str(value))
        return real(value, limit, **kwargs)

    monkeypatch.setattr(overrides, "text_problem", counting)
    rows = [
        f"add,X{chr(65 + i // 26)}{chr(65 + i % 26)},Name {i},switching,switch_silicon"
        for i in range(200)
    ]
    text = "\n".join(["action,ticker,name_en,sector,sub_segment", *rows]) + "\n"
    assert len(parse_csv(PATH, text)) == 200 and calls == []
    bad = text.replace("Name 150", "Name\x07150")
    with pytest.raises(InputError, match=r"u.csv:152: field 'name_en' contains control"):
        parse_csv(PATH, bad)
