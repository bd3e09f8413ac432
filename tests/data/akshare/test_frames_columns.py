"""akshare's frames read column by column give what the row-by-row reading gave.

`frames.valuation_history` and `frames.bars_from_hist` judge numeric columns with numpy;
`_valuation_history_by_row` and `_bars_by_row` are the per-value code they replaced
(still used for frames with repeated column names). On hostile frames (NaN, inf,
negative, huge, text in a number column, missing and bad dates, repeated days, unsorted
rows) both must give the same points, bars and refused counts.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.data.akshare.frames import (
    _bars_by_row,
    _valuation_history_by_row,
    bars_from_hist,
    valuation_history,
)

NUMBERS = st.one_of(
    st.floats(min_value=-2e5, max_value=2e7),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -1.0, 1e-4, 1e5, -1e5, 1e7, 1e300]),
)
ODD = st.sampled_from([None, "12.5", "abc", "", True, 3])
DAYS = st.one_of(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
    st.sampled_from(
        [None, "2025-06-30", "2025-02-30", "yesterday", "", datetime(2025, 6, 30, 15, 0)]
    ),
    st.just(pd.Timestamp("2025-06-30")),
)


@st.composite
def columns(draw: st.DrawFn, rows: int) -> list[Any]:
    """A column of numbers (a float or int column), or of anything (an object column)."""
    kind = draw(st.sampled_from(["float", "int", "object"]))
    if kind == "int":
        return draw(st.lists(st.integers(-10, 10**8), min_size=rows, max_size=rows))
    if kind == "float":
        return draw(st.lists(NUMBERS, min_size=rows, max_size=rows))
    return draw(st.lists(st.one_of(NUMBERS, ODD), min_size=rows, max_size=rows))


@st.composite
def frames(
    draw: st.DrawFn, day_column: str, numbers: tuple[str, ...], *, gaps: bool = False
) -> pd.DataFrame:
    rows = draw(st.integers(0, 12))
    days = draw(st.lists(DAYS, min_size=rows, max_size=rows))
    if rows and draw(st.booleans()):
        days = days[: rows // 2] * 2 + days[: rows % 2]  # every day twice
    data: dict[str, Any] = {day_column: pd.Series(days, dtype=object)}
    for name in numbers:
        if not gaps or draw(st.integers(0, 9)):  # now and then a bar column is missing
            data[name] = pd.Series(draw(columns(rows)))
    return pd.DataFrame(data)


HISTORY = ("PE(TTM)", "市净率", "市销率")
BARS = ("开盘", "收盘", "最高", "最低", "成交量")


def _same(got: tuple[Any, ...], want: tuple[Any, ...]) -> bool:
    return len(got) == len(want) and all(
        repr(a) == repr(b) and type(a) is type(b) for a, b in zip(got, want, strict=True)
    )


@settings(max_examples=250, deadline=None)
@given(frames("数据日期", HISTORY))
def test_history_column_wise_matches_the_row_by_row_reading(frame: pd.DataFrame) -> None:
    points, refused = valuation_history(frame)
    want, want_refused = _valuation_history_by_row(frame)
    assert refused == want_refused
    assert _same(points, want)
    assert all(type(p.value) is float for p in points)


@settings(max_examples=250, deadline=None)
@given(frames("日期", BARS, gaps=True))
def test_bars_column_wise_match_the_row_by_row_reading(frame: pd.DataFrame) -> None:
    bars = bars_from_hist(frame)
    assert _same(bars, _bars_by_row(frame))
    fields = ("open", "high", "low", "close", "volume")
    assert all(type(getattr(b, name)) in (float, type(None)) for b in bars for name in fields)
