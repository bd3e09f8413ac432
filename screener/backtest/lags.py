"""When a dated figure became known: its period end plus a reporting lag.

A multiple "for the quarter to 31 March" needs that quarter's results, which come
weeks later; using it from 31 March would let the backtest read reports before
they were published. Every history point therefore counts only from

    published = period end + lag

where the lag depends on how far the point is from the previous point of the same
series (a fact known at the time, unlike the series' future spacing):

* about a day apart (a daily multiple from the day's close and published results,
  as East Money serves A-shares): 1 day;
* up to ~4 months apart (quarterly periods, as Yahoo's valuation measures): 45 days;
* further apart, and the first point of a series (annual periods, as the bundled
  sample): 90 days.

A point never counts before an earlier point of its series (published dates are
made non-decreasing), which only ever delays a figure. docs/backtest.md lists the
lags per source.
"""

from __future__ import annotations

import numpy as np

DAILY_LAG_DAYS = 1
QUARTERLY_LAG_DAYS = 45
ANNUAL_LAG_DAYS = 90

DAILY_GAP_DAYS = 10  # points at most this far apart are a daily (trading-day) series
QUARTERLY_GAP_DAYS = 125  # ... at most this far apart, a quarterly one

LAGS: dict[str, int] = {
    "daily": DAILY_LAG_DAYS,
    "quarterly": QUARTERLY_LAG_DAYS,
    "annual": ANNUAL_LAG_DAYS,
}


def lag_for_gap(gaps: np.ndarray) -> np.ndarray:
    """Reporting lag in days for points `gaps` days after the previous point (-1: first)."""
    out = np.full(len(gaps), ANNUAL_LAG_DAYS, dtype=np.int64)
    known = gaps >= 0
    out[known & (gaps <= QUARTERLY_GAP_DAYS)] = QUARTERLY_LAG_DAYS
    out[known & (gaps <= DAILY_GAP_DAYS)] = DAILY_LAG_DAYS
    return out


def published_days(series: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The day each point counts from, for points sorted by (series, period end).

    `series` holds an integer id per point, `ends` its period end as a day number.
    """
    n = len(ends)
    if n == 0:
        return np.empty(0, np.int64)
    gaps = np.full(n, -1, dtype=np.int64)
    same = series[1:] == series[:-1]
    gaps[1:][same] = (ends[1:] - ends[:-1])[same]
    published = ends + lag_for_gap(gaps)
    # Non-decreasing within each series: a running max that restarts at each series.
    offset = series.astype(np.int64) * (1 << 32)
    return np.maximum.accumulate(published + offset) - offset
