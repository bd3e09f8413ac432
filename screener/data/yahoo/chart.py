"""Daily bars straight from Yahoo's chart JSON, the way yfinance's `history()` makes them.

yfinance's `Ticker.history(auto_adjust=False, actions=False)` spends ~20 ms of pandas per
company on a year of bars; the bars themselves are a few list walks. This module does
those walks and nothing else, step for step what yfinance 1.7 does for a daily
interval without repair (scrapers/history.py, utils.parse_quotes and friends):

* rows sorted by timestamp; an `adjclose` series missing means the close;
* each stamp in the exchange's zone (`meta.exchangeTimezoneName`), a stamp at hh:00 with
  hh 22 or 23 moved to the next midnight (Yahoo's DST slip), and its local date kept;
* when the last two rows fall on one date (Yahoo's live row) the earlier is dropped;
  of rows on one date the first is kept;
* a missing volume is 0 (yfinance casts volumes to int64), a row whose prices and
  volume are all missing or 0 is dropped, and a row without a close is no bar.

`tests/data/yahoo/test_chart.py` proves the bars equal `bars_from_frame(history())` on
every recorded real chart and on the fake's. Pure: no pandas, no network.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from screener.data.provider import BadResponseError, NotFoundError, PriceBar
from screener.utils import finite_float


@lru_cache(maxsize=64)
def _zone(name: str | None) -> Any:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return UTC



_INF = math.inf


def _column(values: list[Any]) -> list[float | None]:
    """`_num` over a series, with the common case (a finite float) inline."""
    return [v if v.__class__ is float and -_INF < v < _INF else finite_float(v) for v in values]


def _volume(value: Any) -> float:
    """yfinance's `Volume.fillna(0).astype(int64)`: missing is 0, fractions truncated."""
    number = finite_float(value)
    return float(int(number)) if number is not None else 0.0


def chart_result(body: Any, what: str = "prices") -> Mapping[str, Any]:
    """The one `chart.result[0]` of an answer, or the protocol error it amounts to."""
    chart = body.get("chart") if isinstance(body, Mapping) else None
    if not isinstance(chart, Mapping):
        raise BadResponseError(f"{what}: Yahoo's chart answer has no 'chart'")
    error = chart.get("error")
    if error:
        text = error.get("description") if isinstance(error, Mapping) else str(error)
        if isinstance(error, Mapping) and error.get("code") == "Not Found":
            raise NotFoundError(f"{what}: not found on Yahoo ({text})")
        raise BadResponseError(f"{what}: Yahoo sent no price data ({text})")
    results = chart.get("result")
    if not isinstance(results, list) or not results or not isinstance(results[0], Mapping):
        raise BadResponseError(f"{what}: Yahoo returned no daily prices (empty chart)")
    return results[0]


def bars_from_chart(result: Mapping[str, Any], start: date | None = None) -> tuple[PriceBar, ...]:
    """PriceBars of one chart result (exchange-local dates); those before `start` left out.

    BadResponseError when the answer is not a chart of equal-length series.
    """
    stamps = result.get("timestamp") or []
    if not stamps:  # Yahoo's answer for a range without sessions: meta, no series
        return ()
    try:
        indicators = result["indicators"]
        quote = indicators["quote"][0]
        opens, highs, lows = quote["open"], quote["high"], quote["low"]
        closes, volumes = quote["close"], quote["volume"]
        adjusted = closes
        if "adjclose" in indicators:
            adjusted = indicators["adjclose"][0]["adjclose"]
    except (KeyError, IndexError, TypeError) as exc:
        raise BadResponseError(f"prices: unusable chart answer from Yahoo ({exc!r})") from exc
    n = len(stamps)
    if any(len(s) != n for s in (opens, highs, lows, closes, volumes, adjusted)):
        raise BadResponseError("prices: unusable chart answer from Yahoo (series lengths differ)")
    meta = result.get("meta") or {}
    zone = _zone(meta.get("exchangeTimezoneName") if isinstance(meta, Mapping) else None)
    order = sorted(range(n), key=stamps.__getitem__)
    days: list[date] = []
    for i in order:
        local = datetime.fromtimestamp(stamps[i], tz=zone)
        if local.minute == 0 and local.hour in (22, 23):  # yfinance's fix_Yahoo_dst_issue
            local += timedelta(hours=24 - local.hour)
        days.append(local.date())
    if n > 1 and days[-1] == days[-2]:  # fix_Yahoo_returning_live_separate: keep the last
        del order[-2]
        del days[-2]
    o_, h_, l_, c_, a_ = (_column(s) for s in (opens, highs, lows, closes, adjusted))
    v_ = [
        float(int(v)) if v.__class__ is float and -_INF < v < _INF else _volume(v) for v in volumes
    ]
    bars: list[PriceBar] = []
    seen: set[date] = set()
    for i, day in zip(order, days, strict=True):
        if day in seen:
            continue
        seen.add(day)
        c = c_[i]
        if c is None or (start is not None and day < start):
            continue
        o, h, lo, adj, vol = o_[i], h_[i], l_[i], a_[i], v_[i]
        if not (o or h or lo or c or adj or vol):  # keepna=False: all missing or 0
            continue
        bars.append(PriceBar(day.isoformat(), o, h, lo, c, vol, adj))
    return tuple(bars)
