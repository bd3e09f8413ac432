"""Days as integers, rebalance dates and horizons: the replay's calendar.

Every date inside the backtest is an int64 day number (days since 1970-01-01), so
"the last close on or before D" is one `searchsorted` over many names and dates at
once. Rebalance dates are calendar month or quarter ends; a horizon of N months
from a month end ends N month ends later.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from screener.errors import InputError

Every = Literal["month", "quarter"]
Days = np.ndarray  # int64 day numbers

EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True, slots=True)
class Horizon:
    """How far ahead a return is measured: `label` as the user wrote it, in months."""

    label: str
    months: int


_HORIZON = re.compile(r"(\d{1,3})\s*([my])")


def parse_horizons(text: str) -> tuple[Horizon, ...]:
    """'3m,6m,12m' (or '1y') -> horizons, shortest first; a bad item is an InputError."""
    out: dict[int, Horizon] = {}
    for part in text.split(","):
        item = part.strip().lower()
        match = _HORIZON.fullmatch(item)
        if not match:
            raise InputError(f"--horizon: {part.strip()!r} is not a horizon like 3m, 6m or 1y")
        months = int(match.group(1)) * (12 if match.group(2) == "y" else 1)
        if not 1 <= months <= 120:
            raise InputError(f"--horizon: {item} is outside 1m..10y")
        out.setdefault(months, Horizon(f"{months}m", months))
    if not out:
        raise InputError("--horizon: give at least one horizon, e.g. 3m")
    return tuple(out[m] for m in sorted(out))


def day_numbers(values: Iterable[object]) -> Days:
    """ISO dates ('2024-03-31', or '2024-03' for that month's end) -> day numbers.

    Unparsable values become -1 (callers drop them).
    """
    text = np.array([str(v)[:10] for v in values], dtype=str)
    try:
        days = text.astype("datetime64[D]")  # the fast path: every value parses
    except ValueError:
        return _day_numbers_slowly(text.tolist())
    month_only = np.strings.str_len(text) == 7
    if month_only.any():
        ends = (days[month_only].astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
        days[month_only] = ends
    out = (days - EPOCH).astype(np.int64)
    out[np.isnat(days)] = -1
    return out


def _day_numbers_slowly(text: list[str]) -> Days:
    """`day_numbers` value by value, for input with some unparsable dates."""
    out = np.full(len(text), -1, dtype=np.int64)
    for i, value in enumerate(text):
        try:
            day = np.datetime64(value, "D")
        except ValueError:
            continue
        if len(value) == 7:
            day = (np.datetime64(value, "M") + 1).astype("datetime64[D]") - 1
        if not np.isnat(day):
            out[i] = int((day - EPOCH).astype(np.int64))
    return out


def iso(day: int) -> str:
    """A day number -> its ISO date."""
    return str(EPOCH + np.timedelta64(int(day), "D"))


def iso_all(days: Days) -> list[str]:
    return [str(d) for d in (EPOCH + days.astype("timedelta64[D]"))]


def to_day(text: str) -> int:
    """One ISO date (an option value) -> its day number; a bad date is an InputError."""
    day = day_numbers([text])[0]
    if day < 0:
        raise InputError(f"{text!r} is not a date like 2020-01-31")
    return int(day)


def rebalance_days(first: int, last: int, every: Every) -> Days:
    """Month (or quarter) ends from the first on or after `first` to the last by `last`."""
    if last < first:
        return np.empty(0, np.int64)
    freq = "ME" if every == "month" else "QE"
    ends = pd.date_range(start=iso(first), end=iso(last), freq=freq)
    return (ends.to_numpy(dtype="datetime64[D]") - EPOCH).astype(np.int64)


def months_later(days: Days, months: int) -> Days:
    """`months` month ends after each day (a month end maps to a month end)."""
    stamps = pd.DatetimeIndex(EPOCH + days.astype("timedelta64[D]"))
    moved = stamps + pd.offsets.MonthEnd(months)
    return (moved.to_numpy(dtype="datetime64[D]") - EPOCH).astype(np.int64)


def months_before(days: Days, months: int) -> Days:
    """The same calendar day `months` earlier, the day clipped as the live price metrics clip it.

    February takes at most the 28th, 30-day months the 30th (so 31 March - 1 month is
    28 February even in a leap year), exactly as `data.yahoo.prices.price_metrics`.
    """
    dt = EPOCH + days.astype("timedelta64[D]")
    year = dt.astype("datetime64[Y]").astype(np.int64) + 1970
    month = dt.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (dt - dt.astype("datetime64[M]")).astype(np.int64) + 1
    shift, m = np.divmod(month - 1 - months, 12)
    year, month = year + shift, m + 1
    limit = np.where(month == 2, 28, np.where(np.isin(month, (4, 6, 9, 11)), 30, 31))
    day = np.minimum(day, limit)
    first = (year - 1970) * 12 + (month - 1)
    start = first.astype("datetime64[M]").astype("datetime64[D]")
    return (start - EPOCH).astype(np.int64) + day - 1
