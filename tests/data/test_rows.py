"""QueryRows: a query's tuples read as dicts, and by column, the same either way."""

from __future__ import annotations

from datetime import date

import pandas as pd

from screener.data.rows import QueryRows, column, gather
from screener.data.store import Store
from screener.frame import build_frame
from screener.run import load_sample_into
from screener.vintages import figure_ages

NAMES = ("ticker", "as_of", "pe_ttm")
ROWS = [("A", "2026-01-02", 10.0), ("B", None, None)]


def test_rows_read_as_the_dicts_they_stand_for() -> None:
    rows = QueryRows(NAMES, ROWS)
    dicts = [dict(zip(NAMES, r, strict=True)) for r in ROWS]
    assert len(rows) == 2 and rows == dicts and list(rows) == dicts
    assert rows[1] == dicts[1] and rows[-1:] == dicts[-1:]
    assert rows.column("pe_ttm") == [10.0, None] and rows.column("roe") == [None, None]
    rows.column("ticker").append("C")  # a caller's list is its own
    assert rows.column("ticker") == ["A", "B"]
    assert column(rows, "as_of") == column(dicts, "as_of") == ["2026-01-02", None]
    assert QueryRows(NAMES, []) == [] and QueryRows(NAMES, []).column("ticker") == []


def test_gather_keeps_tuples_only_when_the_columns_agree() -> None:
    one, two = QueryRows(NAMES, ROWS), QueryRows(NAMES, [("C", "2026-01-03", 5.0)])
    picked = gather([(two, 0), (one, 1)])
    assert isinstance(picked, QueryRows) and picked.column("ticker") == ["C", "B"]
    other = QueryRows(("ticker", "as_of"), [("D", None)])
    mixed = gather([(one, 0), (other, 0)])
    assert isinstance(mixed, list) and mixed == [one[0], {"ticker": "D", "as_of": None}]


def test_the_store_rows_build_the_frame_and_ages_the_dicts_build() -> None:
    store = Store(":memory:")
    load_sample_into(store)
    rows = store.latest_snapshots("sample")
    assert isinstance(rows, QueryRows) and len(rows) > 10
    dicts = [dict(r) for r in rows]
    frame, provenance = build_frame(rows, {}, store.fx_rates(), date(2026, 2, 14))
    want, want_provenance = build_frame(dicts, {}, store.fx_rates(), date(2026, 2, 14))
    pd.testing.assert_frame_equal(frame, want)
    assert provenance == want_provenance
    got, expected = figure_ages(rows, frame), figure_ages(dicts, frame)
    for part in ("dates", "basis", "labels", "days"):
        pd.testing.assert_frame_equal(getattr(got, part), getattr(expected, part))
