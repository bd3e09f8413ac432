"""The valuation timeseries in one request, read straight from Yahoo's JSON.

One call carries every type the refresh needs: the quarterly and trailing series of the
nine valuation measures (what yfinance's `get_valuation_measures(freq="quarterly")`
asks for) and so also `trailingPegRatio`, which yfinance's `Ticker.info` fetches with a
second timeseries call of its own. The reading is yfinance 1.7's
(scrapers/quote.py, `_fetch_valuation_measures` and `_fetch_complementary`) without its
frame and its per-point `pd.Timestamp`: a point counts when it has an `asOfDate` and a
raw value, a later point of one date replaces an earlier one, "Current" is each
trailing series' value at its latest date. `tests/data/yahoo/test_timeseries.py` proves
the points equal `history_points(get_valuation_measures())` on the recorded answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from screener.data.provider import BadResponseError, HistoryPoint
from screener.data.yahoo.fields import VALUATION_LABELS
from screener.utils import finite_float

#: yfinance's `_VALUATION_MEASURE_LABELS`: timeseries type suffix -> its row label
MEASURES: dict[str, str] = {
    "MarketCap": "Market Cap",
    "EnterpriseValue": "Enterprise Value",
    "PeRatio": "Trailing P/E",
    "ForwardPeRatio": "Forward P/E",
    "PegRatio": "PEG Ratio (5yr expected)",
    "PsRatio": "Price/Sales",
    "PbRatio": "Price/Book",
    "EnterprisesValueRevenueRatio": "Enterprise Value/Revenue",
    "EnterprisesValueEBITDARatio": "Enterprise Value/EBITDA",
}
#: every type of the one call, in yfinance's order (quarterly before trailing, per measure)
TYPES: tuple[str, ...] = tuple(f"{p}{k}" for k in MEASURES for p in ("quarterly", "trailing"))
#: yfinance asks for the trailing PEG over the last half year only
PEG_WINDOW = timedelta(days=365 // 2)
#: yfinance's period1 of the valuation call: 2016-12-31 (local midnight; UTC here)
SINCE = date(2016, 12, 31)


@dataclass(frozen=True)
class Valuation:
    """What one timeseries answer gives: history points, "Current" values, the trailing PEG."""

    points: tuple[HistoryPoint, ...] = ()
    current: dict[str, float] = field(default_factory=dict)
    trailing_peg: float | None = None
    empty: bool = True  # no period and no trailing series at all (yfinance's empty frame)



def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _day_key(point: Any) -> str | None:
    """The ISO date of a point that counts (an asOfDate and a raw value), else None.

    Yahoo writes "2024-03-31"; anything else is read as a date first (yfinance's
    `pd.Timestamp(asOfDate).normalize()`).
    """
    if not point:
        return None
    as_of = point.get("asOfDate")
    reported = point.get("reportedValue")
    if as_of is None or not reported or reported.get("raw") is None:
        return None
    if isinstance(as_of, str) and len(as_of) == 10 and as_of[4] == "-" and as_of[7] == "-":
        return as_of
    day = _day(as_of)
    return day.isoformat() if day is not None else None


def valuation_from_timeseries(body: Any, today: date | None = None) -> Valuation:
    """The history, "Current" values and trailing PEG of one valuation timeseries answer."""
    root = body.get("timeseries") if isinstance(body, Mapping) else None
    if root is None and isinstance(body, Mapping):
        root = body.get("finance")
    if not isinstance(root, Mapping):
        raise BadResponseError("valuation history: Yahoo's answer has no 'timeseries'")
    if root.get("error") is not None:
        raise BadResponseError(f"valuation history: Yahoo answered {root.get('error')}")
    period: dict[str, dict[str, Any]] = {}  # label -> ISO date -> raw value
    trailing: dict[str, dict[str, Any]] = {}
    others = False  # a point of a measure no catalogue metric reads (market cap, EV)
    peg_points: list[Any] = []
    for item in root.get("result") or []:
        if not isinstance(item, Mapping):
            continue
        for type_name, points in item.items():
            if type_name in ("meta", "timestamp") or not isinstance(points, list):
                continue
            if type_name.startswith("quarterly"):
                base, target = type_name[len("quarterly") :], period
            elif type_name.startswith("trailing"):
                base, target = type_name[len("trailing") :], trailing
                if base == "PegRatio" and points:
                    peg_points = points
            else:
                continue
            label = MEASURES.get(base)
            if label is None:
                continue
            if label not in VALUATION_LABELS:  # only whether it holds a point matters
                others = others or any(_day_key(p) is not None for p in points)
                continue
            series = target.setdefault(label, {})
            for point in points:
                day = _day_key(point)
                if day is not None:
                    series[day] = point["reportedValue"]["raw"]
    trailing_peg = _trailing_peg(peg_points, today or datetime.now(UTC).date())
    period = {k: v for k, v in period.items() if v}
    trailing = {k: v for k, v in trailing.items() if v}
    if not period and not trailing and not others:
        return Valuation(trailing_peg=trailing_peg)
    out: list[HistoryPoint] = []
    current: dict[str, float] = {}
    for label, metric in VALUATION_LABELS.items():
        for day, value in period.get(label, {}).items():
            number = finite_float(value)
            if number is not None:
                out.append(HistoryPoint(metric, day, number))
        series = trailing.get(label)
        if series:
            number = finite_float(series[max(series)])
            if number is not None:
                current[metric] = number
    out.sort(key=lambda p: (p.metric, p.date))
    return Valuation(tuple(out), current, trailing_peg, empty=False)


def _trailing_peg(points: list[Any], today: date) -> float | None:
    """`info["trailingPegRatio"]`: the last point's raw value, if yfinance's half-year
    window (its own call's period1) would have held it."""
    if not points or not isinstance(points[-1], Mapping):
        return None
    last = points[-1]
    day = _day(last.get("asOfDate"))
    if day is not None and day < today - PEG_WINDOW:
        return None
    return (last.get("reportedValue") or {}).get("raw")
