"""The column-wise checks of bars and history points give what the per-point ones gave.

`validate._clean_bars` and `_clean_history` judge whole columns with numpy and each
distinct date once; the reference here is the per-point code they replaced, kept word
for word. On hostile series (NaN, inf, negative, huge, ints, bad and odd dates, unknown
metrics, duplicates, things that are not bars at all) both must keep the same items and
record the same reason.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from screener.catalog import NUMERIC_METRICS
from screener.data.provider import HistoryPoint, PriceBar
from screener.data.validate import (
    _bar_is_clean,
    _clean_bars,
    _clean_history,
    _date_problem,
    _shown,
    finite_floats,
    number_problem,
)
from screener.utils import finite_float


def reference_bars(bars: tuple[Any, ...], dropped: dict[str, str]) -> tuple[Any, ...]:
    """`_clean_bars` one bar at a time (a bad open/high/low/volume cleared even when no
    bar is dropped)."""
    if all(_bar_is_clean(bar) for bar in bars):
        return bars
    kept: list[PriceBar] = []
    bad: list[str] = []
    changed = False
    for bar in bars:
        if not isinstance(bar, PriceBar):
            bad.append(f"not a price bar: {_shown(bar)}")
            continue
        problem = _date_problem(bar.date) or number_problem(bar.close, "price")
        if problem:
            bad.append(problem)
            continue
        fixes: dict[str, Any] = {}
        for name in ("open", "high", "low"):
            value = getattr(bar, name)
            if value is not None and number_problem(value, "price"):
                fixes[name] = None
        if bar.volume is not None and number_problem(bar.volume, "revenue_ttm"):
            fixes["volume"] = None
        kept.append(dataclasses.replace(bar, **fixes) if fixes else bar)
        changed = changed or bool(fixes)
    if bad:
        dropped["prices"] = f"{len(bad)} bar(s) dropped (first: {bad[0]})"
    return tuple(kept) if bad or changed else bars


def reference_history(points: tuple[Any, ...], dropped: dict[str, str]) -> tuple[Any, ...]:
    """`_clean_history` as it was, one point at a time."""
    kept: list[HistoryPoint] = []
    bad: list[str] = []
    for point in points:
        if not isinstance(point, HistoryPoint):
            problem: str | None = f"not a history point: {_shown(point)}"
        elif not isinstance(point.metric, str) or point.metric not in NUMERIC_METRICS:
            problem = f"not a catalogue metric: {_shown(point.metric)}"
        else:
            problem = _date_problem(point.date, month_ok=True) or number_problem(point.value)
        if problem:
            bad.append(problem)
        else:
            kept.append(point)
    if bad:
        dropped["history"] = f"{len(bad)} point(s) dropped (first: {bad[0]})"
    return tuple(kept) if bad else points


class Text(str):
    """A str subclass: the column-wise check must not take it for plain text."""


HOSTILE_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, -1.0, 1e18, 1e18 * (1 + 2**-52), 1e300, 5e-324, math.nan]),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([True, "1.0", None, [1.0], 10**400]),
)
DATES = st.one_of(
    st.sampled_from(
        [
            "2025-06-30",
            "2025-02-29",
            "2024-02-29",
            "2025-06",
            "2025-13",
            "2025-06-30T00:00:00",
            "2025-06-30 09:30:00+08:00",
            "20250630",
            "2025-W01-1",
            "２０２５-06-30",
            "2025-06-3a",
            "",
            "yesterday",
        ]
    ),
    st.builds(Text, st.just("2025-06-30")),
    st.sampled_from([None, 20250630, ["2025-06-30"]]),
    st.dates().map(lambda d: d.isoformat()),
)
METRICS = st.one_of(
    st.sampled_from(sorted(NUMERIC_METRICS)[:4]),
    st.sampled_from(["__class__", "", "PE", None, 3]),
    st.builds(Text, st.just("pe_ttm")),
)
PLAIN = st.floats(min_value=0.01, max_value=1e6)
CLEAN_BAR = st.builds(
    PriceBar,
    st.dates().map(lambda d: d.isoformat()),
    st.one_of(st.none(), PLAIN),
    st.one_of(st.none(), PLAIN),
    st.one_of(st.none(), PLAIN),
    PLAIN,
    st.one_of(st.none(), PLAIN, st.just(0.0)),
)
BAR_FIELDS = ("date", "open", "high", "low", "close", "volume", "adj_close")


@st.composite
def spoilt(draw: st.DrawFn, clean: st.SearchStrategy[Any], fields: tuple[str, ...]) -> Any:
    """A clean item with at most one field made hostile: a lone bad value among good ones."""
    item = draw(clean)
    field = draw(st.sampled_from((*fields, None)))
    if field is None:
        return item
    value = draw(DATES if field == "date" else METRICS if field == "metric" else HOSTILE_NUMBERS)
    return dataclasses.replace(item, **{field: value})


BARS = st.one_of(
    spoilt(CLEAN_BAR, BAR_FIELDS),
    st.builds(
        PriceBar,
        DATES,
        st.one_of(st.none(), PLAIN, HOSTILE_NUMBERS),
        st.one_of(st.none(), PLAIN),
        st.one_of(st.none(), HOSTILE_NUMBERS),
        st.one_of(PLAIN, HOSTILE_NUMBERS),
        st.one_of(st.none(), PLAIN, HOSTILE_NUMBERS),
        st.one_of(st.none(), HOSTILE_NUMBERS),
    ),
    st.sampled_from([None, "bar", ("2026-02-12", 1.0)]),
)
CLEAN_POINT = st.builds(
    HistoryPoint,
    st.sampled_from(sorted(NUMERIC_METRICS)),
    st.one_of(st.dates().map(lambda d: d.isoformat()), st.dates().map(lambda d: d.isoformat()[:7])),
    st.floats(min_value=-1e18, max_value=1e18),
)
POINTS = st.one_of(
    spoilt(CLEAN_POINT, ("metric", "date", "value")),
    st.builds(HistoryPoint, METRICS, DATES, st.one_of(PLAIN, HOSTILE_NUMBERS)),
    st.sampled_from([None, "point", ("pb", "2025-06-30", 1.0)]),
)


def _same(got: tuple[Any, ...], want: tuple[Any, ...]) -> bool:
    """The same items, the very objects where nothing changed (NaN compares unequal)."""
    return len(got) == len(want) and all(
        a is b or repr(a) == repr(b) for a, b in zip(got, want, strict=True)
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(BARS, max_size=30).map(tuple), st.booleans())
def test_bars_column_wise_match_the_per_bar_check(bars: tuple[Any, ...], twice: bool) -> None:
    bars = bars + bars if twice else bars  # duplicates: the same bar, and dates, again
    got: dict[str, str] = {}
    want: dict[str, str] = {}
    clean = _clean_bars(bars, got)
    expected = reference_bars(bars, want)
    assert got == want
    assert _same(clean, expected)
    assert (clean is bars) == (expected is bars)


@settings(max_examples=300, deadline=None)
@given(st.lists(POINTS, max_size=30).map(tuple), st.booleans())
def test_history_column_wise_matches_the_per_point_check(
    points: tuple[Any, ...], twice: bool
) -> None:
    points = points + points if twice else points
    got: dict[str, str] = {}
    want: dict[str, str] = {}
    clean = _clean_history(points, got)
    expected = reference_history(points, want)
    assert got == want
    assert _same(clean, expected)
    assert (clean is points) == (expected is points)


def test_one_bad_value_in_a_long_clean_series_is_found() -> None:
    """Ten thousand clean points and one NaN, one negative close: only they go."""
    days = [f"20{10 + i // 400:02d}-01-01" for i in range(10_000)]
    points = tuple(HistoryPoint("pb", day, 1.0 + i) for i, day in enumerate(days))
    hostile = (*points[:7000], HistoryPoint("pb", "2030-01-01", math.nan), *points[7000:])
    dropped: dict[str, str] = {}
    assert _clean_history(hostile, dropped) == points
    assert dropped == {"history": "1 point(s) dropped (first: not finite: nan)"}
    bars = tuple(PriceBar("2026-02-12", 1.0, 2.0, 0.5, 1.5, 10.0) for _ in range(3000))
    bad = (*bars, PriceBar("2026-02-13", None, None, None, -2.0))
    dropped = {}
    assert _clean_bars(bad, dropped) == bars
    assert dropped == {"prices": "1 bar(s) dropped (first: not positive: -2)"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), HOSTILE_NUMBERS, PLAIN), max_size=20))
def test_finite_floats_is_finite_float_of_each(values: list[Any]) -> None:
    got = finite_floats(values)
    want = [finite_float(v) for v in values]
    assert len(got) == len(want)
    assert all(type(a) is type(b) and (a == b or a is b) for a, b in zip(got, want, strict=True))


def test_a_bad_open_is_cleared_even_when_every_bar_is_kept() -> None:
    good = PriceBar("2025-06-27", 10.0, 11.0, 9.5, 10.5, 1000.0)
    bad = PriceBar("2025-06-30", -5.0, 1e300, 9.0, 10.0, -1.0)
    dropped: dict[str, str] = {}
    clean = _clean_bars((good, bad), dropped)
    assert dropped == {} and clean[0] is good
    assert (clean[1].open, clean[1].high, clean[1].low, clean[1].close, clean[1].volume) == (
        None,
        None,
        9.0,
        10.0,
        None,
    )
